//! The views this process computed, kept while the data version stands: plan views, the
//! school-data figures, dashboards and units' work lists, each computed once per state of the
//! data and shared (with its JSON) by every request for it; and published plans' years.

use super::PlanView;
use super::worklist::WorkItem;
use chrono::NaiveDate;
use domain::Period;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// What a plan view depends on besides the data: the plan, the month, the day it is
/// assessed on, the thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ViewKey {
    pub(super) plan_id: i64,
    pub(super) period: String,
    pub(super) as_of: NaiveDate,
    pub(super) thresholds: [u64; 3],
}

/// The thresholds as a key part (floats are not `Eq`; their bits are).
pub(super) fn threshold_bits(th: &domain::Thresholds) -> [u64; 3] {
    [th.ahead_margin.to_bits(), th.yellow_gap.to_bits(), th.red_gap.to_bits()]
}

/// What a dashboard depends on besides the data: the plan, the month, the day (the visit
/// figures count to it), the thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DashboardKey {
    pub(super) plan_id: i64,
    pub(super) period: Period,
    pub(super) today: NaiveDate,
    pub(super) thresholds: [u64; 3],
}

/// What a unit's work list depends on besides the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WorklistKey {
    pub(super) unit_id: i64,
    pub(super) period: Period,
    pub(super) due_day: u32,
}

/// A value computed from the stored data, shared by everyone who asks for it while the data
/// stands (it dereferences to the value), with its JSON serialised once when first asked
/// for: the API sends the same bytes to every caller instead of serialising per request.
#[derive(Debug)]
pub struct Shared<T> {
    value: T,
    json: std::sync::OnceLock<std::result::Result<bytes::Bytes, String>>,
    gzip: std::sync::OnceLock<std::result::Result<bytes::Bytes, String>>,
    /// A second form of the value for a narrower audience (a plan view as another unit may
    /// see it), made once and shared like the value itself.
    narrowed: std::sync::OnceLock<Arc<Shared<T>>>,
}

impl<T> Shared<T> {
    pub(super) fn new(value: T) -> Self {
        Shared {
            value,
            json: std::sync::OnceLock::new(),
            gzip: std::sync::OnceLock::new(),
            narrowed: std::sync::OnceLock::new(),
        }
    }

    /// The value as `narrow` makes it for a narrower audience, computed once per shared value
    /// (so once per state of the data) however many requests ask. `narrow` must be the same
    /// function at every call: the first result is kept.
    pub fn narrowed(&self, narrow: impl FnOnce(&T) -> T) -> Arc<Shared<T>> {
        self.narrowed.get_or_init(|| Arc::new(Shared::new(narrow(&self.value)))).clone()
    }

    /// The JSON compressed with gzip, made once when first asked for: for a client that
    /// accepts it (every browser does), a city's plan crosses the network in a tenth of its
    /// size, and no request but the first pays for the compression. `encode` as for `json`.
    pub fn json_gzip(
        &self,
        encode: impl FnOnce(&T) -> serde_json::Result<Vec<u8>>,
    ) -> std::result::Result<bytes::Bytes, String> {
        self.gzip
            .get_or_init(|| {
                use std::io::Write;
                let json = self.json(encode)?;
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&json).map_err(|e| e.to_string())?;
                encoder.finish().map(bytes::Bytes::from).map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The value as JSON, as `encode` writes it (the API writes its own wire form of the value:
    /// the store's types are not the API's). Cloning the bytes shares them. `encode` must be
    /// the same function at every call: the first result is kept.
    pub fn json(
        &self,
        encode: impl FnOnce(&T) -> serde_json::Result<Vec<u8>>,
    ) -> std::result::Result<bytes::Bytes, String> {
        self.json.get_or_init(|| encode(&self.value).map(bytes::Bytes::from).map_err(|e| e.to_string())).clone()
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A computed plan view as the cache shares it.
pub type SharedPlanView = Shared<PlanView>;

/// Values computed from the stored data, each in a slot that everyone asking for the same key
/// and data version at the same time shares (the first computes, the others wait for it).
/// Bounded: entries of older data versions go first — nobody will ask for them again — and
/// past the bound the oldest are dropped.
pub(crate) struct Slots<K, V> {
    entries: Mutex<Vec<Slot<K, V>>>,
    limit: usize,
}

/// A key, the data version, and the value computed (or being computed) for them.
type Slot<K, V> = (K, i64, Arc<OnceCell<V>>);

impl<K: PartialEq, V> Slots<K, V> {
    fn new(limit: usize) -> Self {
        Slots { entries: Mutex::new(Vec::new()), limit }
    }

    /// The slot for `key` as of data version `version`.
    pub(crate) fn slot(&self, key: K, version: i64) -> Arc<OnceCell<V>> {
        // Never held across an await: only the list is guarded, not the computation.
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, _, cell)) = entries.iter().find(|(k, v, _)| *v == version && *k == key) {
            return cell.clone();
        }
        entries.retain(|(_, v, _)| *v >= version);
        if entries.len() >= self.limit {
            entries.remove(0);
        }
        let cell = Arc::new(OnceCell::new());
        entries.push((key, version, cell.clone()));
        cell
    }

    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

/// What this process computed from the stored data and keeps while the data version stands.
pub(crate) struct ViewCache {
    /// Plan views: enough for every plan of a province for this month and the last, for a few
    /// days (a view is a few hundred kilobytes for a city's plan).
    pub(super) plans: Slots<ViewKey, Arc<SharedPlanView>>,
    /// Dashboards (a plan view and the month's visit figures), as many as plan views.
    pub(super) dashboards: Slots<DashboardKey, Arc<Shared<super::DashboardView>>>,
    /// The school-data figures, by the day they are taken on.
    pub(super) figures: Slots<NaiveDate, Arc<crate::schools::BoundFigures>>,
    /// Units' work lists (a few dozen rows each): the busiest units of a month.
    pub(super) worklists: Slots<WorklistKey, Arc<Shared<Vec<WorkItem>>>>,
    /// The month's visit and 督办件 figures (the dashboard's and the bulletin's), by month and
    /// day (see `Store::visit_bulletin`).
    pub(crate) visits: Slots<(String, NaiveDate), Arc<crate::inspections::VisitBulletin>>,
    /// Views computed at the same time, at most.
    pub(super) computing: tokio::sync::Semaphore,
    /// The year of each published (or archived) plan this process has read. A plan's year is
    /// set when it is published and never changes after (a plan goes from draft to published
    /// to archived, never back, and is never deleted), so it is kept for the process's life
    /// without asking for the data version: the period check of every read that names a
    /// month asks the database nothing.
    years: Mutex<std::collections::HashMap<i64, Option<i64>>>,
}

impl ViewCache {
    /// The year of plan `plan_id` if it is known to be published (see `years`).
    pub(crate) fn published_year(&self, plan_id: i64) -> Option<Option<i64>> {
        self.years.lock().unwrap_or_else(|p| p.into_inner()).get(&plan_id).copied()
    }

    /// Keeps `plan`'s year if it is past its draft (a draft's year may still be set).
    pub(crate) fn remember_year(&self, plan: &crate::plans::PlanRow) {
        if plan.status != "draft" {
            self.years.lock().unwrap_or_else(|p| p.into_inner()).insert(plan.id, plan.year);
        }
    }
}

impl Default for ViewCache {
    fn default() -> Self {
        ViewCache {
            plans: Slots::new(64),
            dashboards: Slots::new(64),
            figures: Slots::new(8),
            worklists: Slots::new(1024),
            visits: Slots::new(32),
            computing: tokio::sync::Semaphore::new(2),
            years: Default::default(),
        }
    }
}

impl std::fmt::Debug for ViewCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewCache")
            .field("plans", &self.plans.len())
            .field("dashboards", &self.dashboards.len())
            .field("figures", &self.figures.len())
            .field("worklists", &self.worklists.len())
            .field("visits", &self.visits.len())
            .finish()
    }
}
