//! Chinese full-text search over items, measures, reports, findings of visits and 督办件,
//! ranked by relevance (BM25, a title match counting double), with phrases, filters and
//! highlighted snippets.
//!
//! The `search_docs` table holds every document and is the source of truth; each process
//! keeps a tantivy index of it in memory, cut into words by jieba, and keeps it in step with
//! the database (see [`engine`], and docs/architecture.md for why).

mod engine;
mod query;
mod snippet;
mod words;

use crate::group_commit::{Batch, JobFuture};
use crate::{Result, Store};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use query::{KINDS, SearchRequest};

/// One document found.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// item, measure, report, finding (of a visit) or directive (督办件)
    pub kind: String,
    pub ref_id: i64,
    pub title: String,
    /// Up to 120 characters of the text, where the query's words are densest.
    pub snippet: String,
    /// The query's words in `snippet`: [start, end) in characters (Unicode scalar values).
    pub highlights: Vec<[usize; 2]>,
    /// Where the hit lives in the API.
    pub link: String,
    /// The plan the document belongs to, if any.
    pub plan_id: Option<i64>,
    /// The month of a report (YYYY-MM), or of a finding's visit or a 督办件's registration.
    pub period: Option<String>,
    /// Relevance (BM25; higher is better); comparable within one answer only.
    pub score: f32,
    /// The query's words, for highlighting elsewhere.
    pub terms: Vec<String>,
}

/// An answer: the hits of the page asked for, and how many documents match in all.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// One searchable document as written to `search_docs`; documents are made before the write
/// transaction they go into.
pub(crate) struct Doc {
    /// item, measure, report, finding or directive
    pub kind: &'static str,
    pub ref_id: i64,
    pub title: String,
    pub body: String,
    /// Where the document lives in the API.
    pub link: String,
    /// The unit whose document it is (reports, findings), or none (plan text, visible to all;
    /// a 督办件, private to its `units`).
    pub unit_id: Option<i64>,
    /// The plan it belongs to (items, measures, reports).
    pub plan_id: Option<i64>,
    /// Its month, YYYY-MM (reports; a finding's visit; a 督办件's registration).
    pub period: Option<String>,
    /// The units it concerns, for the unit filter: a report's or finding's unit, an item's
    /// responsible units, a 督办件's lead and co-units (who alone see it).
    pub units: Vec<i64>,
}

impl Doc {
    pub(crate) fn new(
        kind: &'static str,
        ref_id: i64,
        title: String,
        body: String,
        link: String,
        unit_id: Option<i64>,
    ) -> Doc {
        Doc {
            kind,
            ref_id,
            title,
            body,
            link,
            unit_id,
            plan_id: None,
            period: None,
            units: unit_id.into_iter().collect(),
        }
    }

    pub(crate) fn in_plan(mut self, plan_id: i64) -> Doc {
        self.plan_id = Some(plan_id);
        self
    }

    pub(crate) fn in_period(mut self, period: impl Into<String>) -> Doc {
        self.period = Some(period.into());
        self
    }

    pub(crate) fn concerning(mut self, units: impl IntoIterator<Item = i64>) -> Doc {
        self.units = units.into_iter().collect();
        self.units.sort_unstable();
        self.units.dedup();
        self
    }

    fn units_text(&self) -> String {
        self.units.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

/// Documents are indexed by the group that commits their change (see
/// [`crate::group_commit`]); of two for the same object in one group, the later stands (a
/// report saved twice in one group is written once, as the later save left it).
impl Batch for Vec<Doc> {
    fn merge(&mut self, later: Self) {
        for doc in later {
            self.retain(|d| (d.kind, d.ref_id) != (doc.kind, doc.ref_id));
            self.push(doc);
        }
    }

    fn insert<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
        Box::pin(add_all(conn, self))
    }
}

/// Writes documents (new ones, or new versions replacing the old), a few statements for all
/// of them, stamped with the data version this transaction raises: the number by which every
/// process's index finds them (see [`engine`]). The data version's row stays locked until the
/// transaction commits, so stamps become visible in the order they were given.
pub(crate) async fn add_all(tx: &mut sqlx::AnyConnection, docs: &[Doc]) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let seq: i64 = sqlx::query_scalar("UPDATE data_version SET version = version + 1 WHERE id = 1 RETURNING version")
        .fetch_one(&mut *tx)
        .await?;
    // One row per object in a statement (PostgreSQL refuses to update a row twice in one).
    let mut latest: Vec<&Doc> = Vec::with_capacity(docs.len());
    for d in docs {
        latest.retain(|x| (x.kind, x.ref_id) != (d.kind, d.ref_id));
        latest.push(d);
    }
    for chunk in latest.chunks(crate::sql::rows_per_statement(10)) {
        let rows = crate::sql::placeholders(chunk.len(), 10);
        let mut q = sqlx::query(sql!(
            "INSERT INTO search_docs (kind, ref_id, title, body, link, unit_id, plan_id, period, units, seq) \
             VALUES {rows} ON CONFLICT (kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body, \
             link = excluded.link, unit_id = excluded.unit_id, plan_id = excluded.plan_id, period = excluded.period, \
             units = excluded.units, seq = excluded.seq"
        ));
        for d in chunk {
            q = q
                .bind(d.kind)
                .bind(d.ref_id)
                .bind(&d.title)
                .bind(&d.body)
                .bind(&d.link)
                .bind(d.unit_id)
                .bind(d.plan_id)
                .bind(d.period.clone())
                .bind(d.units_text())
                .bind(seq);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Which findings of visits and which 督办件 a search may show (the store's visit scope, as
/// search needs it: `inspections` converts its `VisitScope` into this, so search does not
/// depend on visits). A unit sees the 督办件 it leads or joins, an inspector none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingsVisible {
    /// Every finding (the office, leaders).
    All,
    /// A unit's own findings.
    Unit(i64),
    /// An inspector's: of their own visits and their assigned schools.
    Inspector(i64),
    /// None.
    Nothing,
}

/// The process's index, made on first use (see [`Store::warm_search`]).
#[derive(Default)]
pub(crate) struct SearchIndex {
    engine: tokio::sync::OnceCell<Arc<engine::Engine>>,
    cache: query::Cache,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("started", &self.engine.initialized()).finish()
    }
}

impl Store {
    /// The index, built on first use and brought up to date when it may be stale.
    async fn search_engine(&self) -> Result<Arc<engine::Engine>> {
        let commits = self.commits.load(Ordering::Acquire);
        let engine =
            self.search.engine.get_or_try_init(|| engine::Engine::start(self.pool.clone(), commits)).await?.clone();
        if !engine.is_fresh(commits) {
            engine.sync(commits, false).await?;
        }
        Ok(engine)
    }

    /// Builds the search index now rather than at the first search (a server calls this when
    /// it starts, so that the first search does not wait for it).
    pub async fn warm_search(&self) -> Result<()> {
        self.search_engine().await.map(|_| ())
    }

    /// Documents matching `query`, visible to `unit` (None: all units), at most `limit`, best
    /// first. A unit sees its own findings of visits, the bureau all.
    pub async fn search(&self, query: &str, unit: Option<i64>, limit: usize) -> Result<Vec<Hit>> {
        let visits = match unit {
            None => FindingsVisible::All,
            Some(u) => FindingsVisible::Unit(u),
        };
        self.search_visible(query, unit, visits, limit).await
    }

    /// As [`Store::search`], with the findings of visits as `visits` sees them: the office
    /// all, a unit its own, an inspector those of their own visits and of their assigned
    /// schools, anyone else none; and 督办件: the office all, a unit those it leads or joins,
    /// anyone else none.
    pub async fn search_visible(
        &self,
        query: &str,
        unit: Option<i64>,
        visits: FindingsVisible,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        let request = SearchRequest { text: query.to_string(), limit, ..Default::default() };
        Ok(self.search_ranked(&request, unit, visits).await?.hits.clone())
    }

    /// The page of hits `request` asks for, ranked, as `unit` and `visits` may see them (see
    /// [`Store::search_visible`]). Answers are kept per state of the index, so the same
    /// search again costs a lookup until a document changes.
    pub async fn search_ranked(
        &self,
        request: &SearchRequest,
        unit: Option<i64>,
        visits: FindingsVisible,
    ) -> Result<Arc<Found>> {
        let engine = self.search_engine().await?;
        // An inspector's findings are decided by their visits and schools as they stand now.
        let inspected = match visits {
            FindingsVisible::Inspector(me) => Some(self.findings_of_inspector(me).await?),
            _ => None,
        };
        let scope = query::Scope { unit, visits, inspected };
        self.search.cache.answer(&engine, request, &scope)
    }

    /// The findings an inspector sees: of their own visits, and at or of their schools.
    async fn findings_of_inspector(&self, me: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT f.id FROM findings f JOIN inspections i ON i.id = f.inspection_id \
             WHERE i.id IN (SELECT inspection_id FROM inspection_inspectors WHERE user_id = $1) \
             OR f.unit_id IN (SELECT unit_id FROM inspector_schools WHERE user_id = $1) \
             OR i.unit_id IN (SELECT unit_id FROM inspector_schools WHERE user_id = $1)",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Counts this process's committed write transactions (see `WriteTx::commit`): a search after
/// one looks at the database first, so a process finds what it just wrote.
pub(crate) type Commits = Arc<AtomicU64>;

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(ref_id: i64, body: &str) -> Doc {
        Doc::new("report", ref_id, String::new(), body.into(), String::new(), None)
    }

    /// A report saved twice in one group is written once, as the later save left it.
    #[test]
    fn the_later_of_two_documents_for_one_object_stands() {
        let mut docs = vec![doc(7, "第一次"), doc(8, "另一份")];
        docs.merge(vec![doc(7, "第二次")]);
        let bodies: Vec<(i64, &str)> = docs.iter().map(|d| (d.ref_id, d.body.as_str())).collect();
        assert_eq!(bodies, [(8, "另一份"), (7, "第二次")]);
        assert_eq!(doc(1, "").concerning([5, 3, 5]).units_text(), "3,5");
    }
}
