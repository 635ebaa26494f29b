//! Reports as search finds them: the heading (unit, item, month), the text and the link.

use super::ReportInput;
use crate::search::Doc;
use crate::{Result, StoreError};
use sqlx::Row;

/// What a report's search heading names: the assignment's unit and item.
pub(crate) struct ReportPlace {
    pub(super) unit_id: i64,
    pub(super) unit: String,
    pub(super) label: String,
    pub(super) title: String,
    /// The year of the assignment's plan (see `Period::check_for_plan`).
    pub(crate) plan_year: Option<i64>,
    pub(crate) plan_id: i64,
}

impl ReportPlace {
    /// The item as a row of a month is named in a message: its number and the start of its
    /// title.
    pub(crate) fn item_name(&self) -> String {
        let title: String = self.title.chars().take(20).collect();
        let more = if self.title.chars().count() > 20 { "…" } else { "" };
        format!("{}{title}{more}", self.label)
    }
}

/// The place of an assignment's reports; `NotFound` if there is no such assignment.
pub(crate) async fn report_place<'e, E>(conn: E, assignment_id: i64) -> Result<ReportPlace>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT u.id, u.name, t.item_label, t.title, p.year, p.id FROM assignments a JOIN units u ON u.id = a.unit_id \
         JOIN tasks t ON t.id = a.task_id JOIN plans p ON p.id = t.plan_id WHERE a.id = $1",
    )
    .bind(assignment_id)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(ReportPlace {
        unit_id: row.get(0),
        unit: row.get(1),
        label: row.get(2),
        title: row.get(3),
        plan_year: row.get(4),
        plan_id: row.get(5),
    })
}

/// A report as search finds it, by what it says (progress, problems, next steps); its
/// `ref_id` is the report's id, which a new report gets only when it is inserted.
pub(crate) fn report_doc(place: &ReportPlace, assignment_id: i64, period: &str, input: &ReportInput) -> Doc {
    let ReportPlace { unit_id, unit, label, title, plan_id, .. } = place;
    let heading = report_heading(unit, label, title, period);
    Doc::new("report", 0, heading, report_search_body(input), report_link(assignment_id, period), Some(*unit_id))
        .in_plan(*plan_id)
        .in_period(period)
}

/// The title a report has in search results: its unit, item and month.
pub fn report_heading(unit: &str, item_label: &str, item_title: &str, period: &str) -> String {
    format!("{unit} · {item_label}{item_title} · {period}")
}

/// The text of a report that search finds it by: what it says, not its figures.
pub(crate) fn report_search_body(input: &ReportInput) -> String {
    [input.progress.as_str(), input.cumulative.as_str(), input.problems.as_str(), input.next_steps.as_str()].join("\n")
}

/// Where a report lives in the API.
pub(crate) fn report_link(assignment_id: i64, period: &str) -> String {
    format!("/api/v1/assignments/{assignment_id}/reports/{period}")
}
