//! Reading stored reports: one report with its figures, milestone dates and evidence (a form,
//! the check a submission makes), and the API's report read, which gathers the reads that
//! arrive together into one statement (see [`crate::coalesce::Batched`]).
//!
//! Under load a statement costs more in the hand-off to a connection's thread and back than
//! in SQLite: a report read made an eighth of the framework's ceiling while the cached reads,
//! which share one statement between the requests that arrive together, made two fifths. So the
//! report read shares its statements the same way, and never answers with a row read before
//! the request arrived. On SQLite it is first tried on the calling thread instead (see
//! [`crate::direct_read`]), a read transaction of its own with the same statement and
//! decoding ([`report_row`], shared through [`crate::sql::Columns`]); the shared rounds
//! serve PostgreSQL, and SQLite when that read answers busy.

use super::{Report, ReportInput, ReportState};
use crate::evidence::{EVIDENCE_COLUMNS, evidence_from_row};
use crate::plans::{ASSIGNMENT_COLUMNS, ASSIGNMENT_FROM, Assignment, assignment_from_row};
use crate::sql::{Columns, PositionedRow, column_positions, parameter_list};
use crate::{Result, Store, StoreError};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// What the API's report read asks for: an assignment and a month as written.
pub(crate) type ReportKey = (i64, String);

/// What it gets: the assignment (who may see it, which year its plan covers) and its stored
/// report for the month, if there is one.
pub type AssignmentReport = (Assignment, Option<Report>);

/// The API's report reads, shared between the requests that arrive together.
pub(crate) type ReportReads = crate::coalesce::Batched<ReportKey, AssignmentReport>;

/// A stored report's columns (from `reports r`), with its figures, milestone dates and
/// evidence counted, for [`report_row`].
const REPORT_COLUMNS: &str = "r.id, r.state, r.progress, r.cumulative, r.self_status, r.problems, r.next_steps, \
     r.version, r.late, r.unchanged, r.no_change, r.review_comment, r.submitted_at, r.updated_at, \
     (SELECT COUNT(*) FROM report_values v WHERE v.report_id = r.id) AS n_values, \
     (SELECT COUNT(*) FROM report_milestones m WHERE m.report_id = r.id) AS n_milestones, \
     (SELECT COUNT(*) FROM evidence e WHERE e.report_id = r.id) AS n_evidence";

/// Keys read in one statement, at most: SQLite's cost of binding grows with the square of
/// a statement's parameters (see `crate::sql`), and a round rarely holds more.
const KEYS_PER_STATEMENT: usize = 120;

/// The lengths a list of keys is bound as: the next of these at or above the list's own, the
/// last key repeated to fill it (a repeated value changes nothing in `IN (…)`). A round's
/// statement then has one of a few texts, each prepared once per connection and kept. Made
/// anew for each round's size, the statement was planned anew each time: on PostgreSQL the
/// planning of a round of 30 took 1.4 ms of the database's CPU, as long as running it.
const LIST_LENGTHS: [usize; 4] = [1, 8, 32, KEYS_PER_STATEMENT];

/// The length `n` values are bound as (see [`LIST_LENGTHS`]); `n` at most
/// [`KEYS_PER_STATEMENT`].
fn list_length(n: usize) -> usize {
    LIST_LENGTHS.into_iter().find(|&len| len >= n).unwrap_or(n)
}

/// `values` with the last one repeated up to [`list_length`] (empty stays empty).
fn padded<T: Copy>(values: &[T]) -> impl Iterator<Item = T> + '_ {
    let extra = values.last().map_or(0, |_| list_length(values.len()) - values.len());
    values.iter().copied().chain(values.last().copied().into_iter().cycle().take(extra))
}

/// The statement that reads assignments with their stored reports, for the months and the
/// assignments in two lists of placeholders: a round's (`$1, $2, …`) and the direct read's
/// (`?2` and `?1`).
fn assignment_reports_sql(months: &str, assignments: &str) -> String {
    format!(
        "SELECT {ASSIGNMENT_COLUMNS}, r.period AS report_period, {REPORT_COLUMNS} FROM {ASSIGNMENT_FROM} \
         LEFT JOIN reports r ON r.assignment_id = a.id AND r.period IN ({months}) WHERE a.id IN ({assignments})"
    )
}

/// A report's figures, milestone dates and evidence, for the reports `{ids}`, each row's
/// report id in the column named last: read by a round ([`Store::attach_details`]) and by
/// the direct read ([`read_directly`]).
const VALUES_SQL: &str = "SELECT indicator_id, value, report_id FROM report_values WHERE report_id IN ({ids})";
const MILESTONES_SQL: &str =
    "SELECT milestone_id, done_on, report_id FROM report_milestones WHERE report_id IN ({ids})";
static EVIDENCE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {EVIDENCE_COLUMNS}, e.report_id FROM evidence e WHERE e.report_id IN ({{ids}}) ORDER BY e.id")
});

/// A report from a row of [`REPORT_COLUMNS`], and whether the row counted figures, milestone
/// dates or evidence still to be read for it (by [`Store::attach_details`]).
struct ReportRow {
    report: Report,
    has_values: bool,
    has_milestones: bool,
    has_evidence: bool,
}

/// The report in a row of [`REPORT_COLUMNS`] (the text, state and flags; figures, milestone
/// dates and evidence empty until attached).
fn report_row(r: &impl Columns, assignment_id: i64, period: &str) -> ReportRow {
    let state = ReportState::parse(&r.column::<String>("state"));
    let report = Report {
        id: Some(r.column("id")),
        assignment_id,
        period: period.to_string(),
        state,
        state_label: state.label(),
        input: ReportInput {
            progress: r.column("progress"),
            cumulative: r.column("cumulative"),
            self_status: r.column("self_status"),
            problems: r.column("problems"),
            next_steps: r.column("next_steps"),
            values: BTreeMap::new(),
            milestones: BTreeMap::new(),
        },
        version: r.column("version"),
        late: r.column::<i64>("late") != 0,
        unchanged: r.column::<i64>("unchanged") != 0,
        no_change: r.column::<i64>("no_change") != 0,
        review_comment: r.column("review_comment"),
        submitted_at: r.column("submitted_at"),
        updated_at: r.column("updated_at"),
        prefilled_from: None,
        evidence: Vec::new(),
    };
    ReportRow {
        report,
        has_values: r.column::<i64>("n_values") > 0,
        has_milestones: r.column::<i64>("n_milestones") > 0,
        has_evidence: r.column::<i64>("n_evidence") > 0,
    }
}

/// The ids of the reports in `rows` that `wanted` says have something more to read.
fn ids_where(rows: &[ReportRow], wanted: impl Fn(&ReportRow) -> bool) -> Vec<i64> {
    rows.iter().filter(|r| wanted(r)).filter_map(|r| r.report.id).collect()
}

/// The rows `sql` (naming its report ids as `{ids}`) reads for the reports `ids`, bound, in
/// statements of up to [`KEYS_PER_STATEMENT`] ids (a report's rows all come from one of
/// them), each list padded to one of [`LIST_LENGTHS`] and the statement kept prepared.
async fn rows_for(store: &Store, sql: &str, ids: &[i64]) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(KEYS_PER_STATEMENT) {
        let text = sql.replace("{ids}", &parameter_list(1, list_length(chunk.len())));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
        for id in padded(chunk) {
            query = query.bind(id);
        }
        rows.extend(query.fetch_all(&store.pool).await?);
    }
    Ok(rows)
}

impl Store {
    pub(super) async fn load_report(&self, assignment_id: i64, period: &str) -> Result<Option<Report>> {
        Ok(self.read_report(assignment_id, period, false).await?.map(|(report, _)| report))
    }

    /// The stored report of an assignment for a period, and with `previous` the 本月进展 of
    /// the latest earlier report submitted or approved (what a submission compares with).
    ///
    /// One statement for the common report, text alone: its figures, milestone dates and
    /// evidence are counted in the same statement and read only where there are any. Every
    /// statement is a round trip to a connection's thread, and a submission reads its
    /// report before writing it.
    pub(super) async fn read_report(
        &self,
        assignment_id: i64,
        period: &str,
        previous: bool,
    ) -> Result<Option<(Report, Option<String>)>> {
        // The previous text's subquery, or a constant, as the last column either way.
        let previous_column = if previous {
            "(SELECT p.progress FROM reports p WHERE p.assignment_id = r.assignment_id AND p.period < r.period \
             AND p.state IN ('submitted', 'approved') ORDER BY p.period DESC LIMIT 1)"
        } else {
            "CAST(NULL AS TEXT)"
        };
        let row = sqlx::query(sql!(
            "SELECT {REPORT_COLUMNS}, {previous_column} AS previous \
             FROM reports r WHERE r.assignment_id = $1 AND r.period = $2"
        ))
        .bind(assignment_id)
        .bind(period)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let mut rows = [report_row(&r, assignment_id, period)];
        self.attach_details(&mut rows).await?;
        let [row] = rows;
        Ok(Some((row.report, r.get("previous"))))
    }

    /// An assignment and its stored report for a period (`None` if there is none yet): the
    /// API's report read needs both (the assignment says who may see the report and which
    /// year its plan covers). `period` is matched as written; a caller checks it against the
    /// plan's year.
    ///
    /// Read together with the other report reads that arrive meanwhile, by a statement that
    /// starts after this call (see the module's comment).
    ///
    /// On SQLite it is read on the calling thread where it can be (see [`crate::direct_read`]):
    /// a few rows by their keys cost less there than the hand-offs to the pool's threads.
    pub async fn assignment_report(&self, id: i64, period: &str) -> Result<AssignmentReport> {
        if let Some(found) = self.direct.as_ref().and_then(|direct| direct.read(|c| read_directly(c, id, period))) {
            return found.ok_or(StoreError::NotFound);
        }
        self.report_reads
            .read((id, period.to_string()), |keys| self.assignment_reports(keys))
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The assignments and stored reports of `keys` (those that exist), in one statement for
    /// up to [`KEYS_PER_STATEMENT`] keys, and at most three more for all their figures,
    /// milestone dates and evidence.
    async fn assignment_reports(&self, keys: Vec<ReportKey>) -> Result<HashMap<ReportKey, AssignmentReport>> {
        let mut assignments: HashMap<i64, Assignment> = HashMap::new();
        let mut rows: Vec<ReportRow> = Vec::new();
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let mut ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            let mut periods: Vec<&str> = chunk.iter().map(|(_, p)| p.as_str()).collect();
            periods.sort_unstable();
            periods.dedup();
            // Every month asked for joins every assignment asked for: a round rarely asks for
            // more than one month, and a report nobody asked for is left out below.
            // Both lists padded (see LIST_LENGTHS): a few texts, each kept prepared.
            let (n_months, n_ids) = (list_length(periods.len()), list_length(ids.len()));
            let (months, assignments_asked) = (parameter_list(1, n_months), parameter_list(n_months + 1, n_ids));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(assignment_reports_sql(&months, &assignments_asked)));
            for period in padded(&periods) {
                query = query.bind(period);
            }
            for id in padded(&ids) {
                query = query.bind(id);
            }
            for r in query.fetch_all(&self.pool).await? {
                let assignment = assignment_from_row(&r);
                if let Some(period) = r.get::<Option<String>, _>("report_period")
                    && chunk.iter().any(|(id, p)| *id == assignment.id && *p == period)
                {
                    rows.push(report_row(&r, assignment.id, &period));
                }
                assignments.entry(assignment.id).or_insert(assignment);
            }
        }
        self.attach_details(&mut rows).await?;
        let mut reports: HashMap<ReportKey, Report> =
            rows.into_iter().map(|row| ((row.report.assignment_id, row.report.period.clone()), row.report)).collect();
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                let assignment = assignments.get(&key.0)?.clone();
                let report = reports.remove(&key);
                Some((key, (assignment, report)))
            })
            .collect())
    }

    /// Reads the figures, milestone dates and evidence of the reports in `rows` that have any:
    /// at most three statements however many reports there are.
    async fn attach_details(&self, rows: &mut [ReportRow]) -> Result<()> {
        let index: HashMap<i64, usize> = rows.iter().enumerate().filter_map(|(i, r)| Some((r.report.id?, i))).collect();
        let values = ids_where(rows, |r| r.has_values);
        if !values.is_empty() {
            for v in rows_for(self, VALUES_SQL, &values).await? {
                if let Some(&i) = index.get(&v.get::<i64, _>(2)) {
                    rows[i].report.input.values.insert(v.get(0), v.get(1));
                }
            }
        }
        let milestones = ids_where(rows, |r| r.has_milestones);
        if !milestones.is_empty() {
            for m in rows_for(self, MILESTONES_SQL, &milestones).await? {
                if let Some(&i) = index.get(&m.get::<i64, _>(2)) {
                    rows[i].report.input.milestones.insert(m.get(0), m.get(1));
                }
            }
        }
        let evidence = ids_where(rows, |r| r.has_evidence);
        if !evidence.is_empty() {
            for e in rows_for(self, &EVIDENCE_SQL, &evidence).await? {
                if let Some(&i) = index.get(&e.get::<i64, _>(6)) {
                    rows[i].report.evidence.push(evidence_from_row(&e));
                }
            }
        }
        Ok(())
    }
}

/// [`Store::assignment_report`] on one SQLite connection, on the calling thread: the same
/// statement as a round of one and the same decoding, in one read transaction (so the report
/// and its details are of one state).
fn read_directly(c: &rusqlite::Connection, id: i64, period: &str) -> rusqlite::Result<Option<AssignmentReport>> {
    use std::sync::LazyLock;
    // The round's statements for one key, with SQLite's numbered placeholders.
    static REPORT: LazyLock<String> = LazyLock::new(|| assignment_reports_sql("?2", "?1"));
    static VALUES: LazyLock<String> = LazyLock::new(|| VALUES_SQL.replace("{ids}", "?1"));
    static MILESTONES: LazyLock<String> = LazyLock::new(|| MILESTONES_SQL.replace("{ids}", "?1"));
    static EVIDENCE: LazyLock<String> = LazyLock::new(|| EVIDENCE_SQL.replace("{ids}", "?1"));
    // The statement's text never changes, so neither do its columns' positions.
    static POSITIONS: std::sync::OnceLock<HashMap<String, usize>> = std::sync::OnceLock::new();
    let tx = c.unchecked_transaction()?;
    let (assignment, row) = {
        let mut statement = tx.prepare_cached(&REPORT)?;
        let positions = POSITIONS.get_or_init(|| column_positions(&statement));
        let mut rows = statement.query(rusqlite::params![id, period])?;
        let Some(row) = rows.next()? else { return Ok(None) };
        let r = PositionedRow { row, positions };
        let assignment = assignment_from_row(&r);
        let row = match r.column::<Option<String>>("report_period") {
            Some(found) => Some(report_row(&r, assignment.id, &found)),
            None => None,
        };
        (assignment, row)
    };
    let Some(mut row) = row else { return Ok(Some((assignment, None))) };
    let report_id = row.report.id;
    if row.has_values {
        let mut statement = tx.prepare_cached(&VALUES)?;
        for v in statement.query_map([report_id], |v| Ok((v.get(0)?, v.get(1)?)))? {
            let (indicator, value) = v?;
            row.report.input.values.insert(indicator, value);
        }
    }
    if row.has_milestones {
        let mut statement = tx.prepare_cached(&MILESTONES)?;
        for m in statement.query_map([report_id], |m| Ok((m.get(0)?, m.get(1)?)))? {
            let (milestone, done_on) = m?;
            row.report.input.milestones.insert(milestone, done_on);
        }
    }
    if row.has_evidence {
        let mut statement = tx.prepare_cached(&EVIDENCE)?;
        let mut rows = statement.query([report_id])?;
        while let Some(e) = rows.next()? {
            row.report.evidence.push(evidence_from_row(e));
        }
    }
    Ok(Some((assignment, Some(row.report))))
}

#[cfg(test)]
mod tests {
    use super::{KEYS_PER_STATEMENT, list_length, padded};

    #[test]
    fn lists_are_bound_at_a_few_lengths_with_the_last_key_repeated() {
        assert_eq!(padded(&[7]).collect::<Vec<_>>(), [7]);
        assert_eq!(padded(&[3, 5]).collect::<Vec<_>>(), [3, 5, 5, 5, 5, 5, 5, 5]);
        assert_eq!(padded::<i64>(&[]).count(), 0);
        let lengths: std::collections::BTreeSet<usize> = (1..=KEYS_PER_STATEMENT).map(list_length).collect();
        assert_eq!(lengths.len(), 4, "a round's statement has one of four texts: {lengths:?}");
        for n in 1..=KEYS_PER_STATEMENT {
            let ids: Vec<usize> = (0..n).collect();
            let bound: Vec<usize> = padded(&ids).collect();
            assert_eq!(bound.len(), list_length(n));
            assert_eq!(&bound[..n], &ids[..], "every key is bound, in order");
        }
    }
}
