//! The figures the bulletin, the dashboard and year-end scoring take from visits and
//! 督办件, and the 一月一督导 coverage.

use super::*;

impl Store {
    /// The bulletin's visit and 督办件 sections for `period` (see
    /// `domain::rectification::visit_figures` for what each figure counts). Computed once per
    /// data version (the visit tables raise it, migration 0017) and shared, like the plan
    /// views: every dashboard between two changes reads the same figures.
    pub async fn visit_bulletin(&self, period: Period, today: NaiveDate) -> Result<VisitBulletin> {
        let version = self.data_version().await?;
        Ok(self.visit_bulletin_at(version, period, today).await?.as_ref().clone())
    }

    /// [`Store::visit_bulletin`] as of data version `version`, read by the caller first.
    pub(crate) async fn visit_bulletin_at(
        &self,
        version: i64,
        period: Period,
        today: NaiveDate,
    ) -> Result<std::sync::Arc<VisitBulletin>> {
        let cell = self.views.visits.slot((period.to_string(), today), version);
        Ok(cell
            .get_or_try_init(|| async { self.compute_visit_bulletin(period, today).await.map(std::sync::Arc::new) })
            .await?
            .clone())
    }

    /// [`Store::visit_bulletin`] from the stored data.
    async fn compute_visit_bulletin(&self, period: Period, today: NaiveDate) -> Result<VisitBulletin> {
        let visit_dates: Vec<NaiveDate> = sqlx::query("SELECT visited_on FROM inspections")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| date(&r.get::<String, _>(0)))
            .collect();
        let rows = sqlx::query(sql!("{FINDING_SELECT}")).fetch_all(&self.pool).await?;
        let found: Vec<FindingRow> = rows.iter().map(finding_row).collect();
        let (steps, _) = load_steps(self, None).await?;
        let events: Vec<Vec<rules::Event>> = found
            .iter()
            .map(|f| steps.get(&f.id).map(|h| h.iter().map(as_step).collect()).unwrap_or_default())
            .collect();
        let records: Vec<rules::FindingRecord<'_>> = found
            .iter()
            .zip(&events)
            .map(|(f, e)| rules::FindingRecord {
                unit: &f.unit_name,
                facts: rules::Facts { issued: f.visited_on, deadline: f.deadline, events: e },
            })
            .collect();
        let visits = rules::visit_figures(period, today, &visit_dates, &records);
        let items = self.directives_where(None, VisitScope::All, today).await?;
        let steps: Vec<Vec<(NaiveDate, DirectiveStep)>> = items.iter().map(directive_steps).collect();
        let records: Vec<rules::DirectiveRecord<'_>> = items
            .iter()
            .zip(&steps)
            .map(|(d, s)| rules::DirectiveRecord {
                title: &d.title,
                lead_unit: &d.lead_unit.name,
                registered: d.registered_on,
                deadline: d.deadline,
                events: s,
            })
            .collect();
        let directives = rules::directive_figures(period, today, &records);
        Ok(VisitBulletin { visits, directives })
    }

    /// 整改及时率 per county (a district and its schools, by the district's name): of the
    /// findings due in `as_of`'s year by `as_of`, those rectified on time
    /// (`domain::rectification::timeliness`), each traced as one line of evidence.
    pub async fn rectification_timeliness(&self, as_of: NaiveDate) -> Result<HashMap<String, Measure>> {
        let year_start = Period { year: as_of.year(), month: 1 }.first_day();
        let rows = sqlx::query(sql!("{FINDING_SELECT} ORDER BY f.deadline, f.id")).fetch_all(&self.pool).await?;
        let (steps, _) = load_steps(self, None).await?;
        let mut out: HashMap<String, Measure> = HashMap::new();
        for f in rows.iter().map(finding_row).filter(|f| f.deadline >= year_start) {
            let Some(county) = f.county.clone() else { continue };
            let events: Vec<rules::Event> =
                steps.get(&f.id).map(|h| h.iter().map(as_step).collect()).unwrap_or_default();
            let facts = rules::Facts { issued: f.visited_on, deadline: f.deadline, events: &events };
            let Some((on_time, done)) = rules::timeliness(&facts, as_of) else { continue };
            let m = out.entry(county).or_default();
            m.of += 1.0;
            if on_time {
                m.done += 1.0;
            }
            let how = match done {
                Some(d) if on_time => format!("{d} 整改完成"),
                Some(d) => format!("{d} 整改完成(逾期)"),
                None => "未按期整改".to_string(),
            };
            m.evidence.push(format!(
                "{} {}:{}(责任单位 {}),期限 {},{how}",
                f.visited_on,
                label_of(&INSPECTION_KINDS, &f.inspection_kind),
                f.text,
                f.unit_name,
                f.deadline
            ));
        }
        Ok(out)
    }

    /// 一月一督导: per inspector and per county, which assigned schools their inspector
    /// visited in `period` (a visit counts for the inspector only when they took part in it).
    pub async fn coverage(&self, period: Period) -> Result<CoverageReport> {
        let inspectors = self.inspectors().await?;
        let visits = sqlx::query(
            "SELECT x.user_id, i.unit_id, i.visited_on FROM inspections i \
             JOIN inspection_inspectors x ON x.inspection_id = i.id WHERE i.visited_on >= $1 AND i.visited_on <= $2",
        )
        .bind(day(period.first_day()))
        .bind(day(period.last_day()))
        .fetch_all(&self.pool)
        .await?;
        let counties: HashMap<i64, String> = sqlx::query("SELECT id, name, kind, district FROM units")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|r| {
                county_of(&r.get::<String, _>(2), &r.get::<String, _>(1), r.get(3)).map(|c| (r.get::<i64, _>(0), c))
            })
            .collect();
        let mut per_inspector = Vec::new();
        let mut per_county: BTreeMap<String, (usize, Vec<UnitName>, Vec<UnitName>)> = BTreeMap::new();
        for i in inspectors {
            let mine: Vec<(i64, NaiveDate)> = visits
                .iter()
                .filter(|v| v.get::<i64, _>(0) == i.inspector.id)
                .map(|v| (v.get(1), date(&v.get::<String, _>(2))))
                .collect();
            let ids: Vec<i64> = i.schools.iter().map(|s| s.id).collect();
            let c = rules::coverage(period, &ids, &mine);
            let name = |id: &i64| i.schools.iter().find(|s| s.id == *id).cloned();
            let visited: Vec<UnitName> = c.visited.iter().filter_map(name).collect();
            let not_visited: Vec<UnitName> = c.not_visited.iter().filter_map(name).collect();
            for (list, was) in [(&visited, true), (&not_visited, false)] {
                for s in list {
                    let county = counties.get(&s.id).cloned().unwrap_or_else(|| CITY.to_string());
                    let entry = per_county.entry(county).or_default();
                    entry.0 += 1;
                    if was { entry.1.push(s.clone()) } else { entry.2.push(s.clone()) }
                }
            }
            per_inspector.push(InspectorCoverage {
                inspector: i.inspector,
                assigned: c.assigned.len(),
                visited,
                not_visited,
                rate: c.rate,
            });
        }
        let assigned: usize = per_inspector.iter().map(|i| i.assigned).sum();
        let visited: usize = per_inspector.iter().map(|i| i.visited.len()).sum();
        #[allow(clippy::cast_precision_loss)] // counts of schools
        let rate = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        Ok(CoverageReport {
            period,
            counties: per_county
                .into_iter()
                .map(|(county, (n, v, nv))| CountyCoverage {
                    county,
                    assigned: n,
                    rate: rate(v.len(), n),
                    visited: v,
                    not_visited: nv,
                })
                .collect(),
            inspectors: per_inspector,
            assigned,
            visited,
            rate: rate(visited, assigned),
        })
    }

    // --- 督办件 ----------------------------------------------------------------------------
}
