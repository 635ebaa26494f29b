//! Reading findings: the row, its steps and files, and the rectification built from them.

use super::*;

pub(super) const FINDING_SELECT: &str = "SELECT f.id, f.inspection_id, f.position, f.text, f.task_id, t.item_label, t.title, \
     f.severity, f.unit_id, u.name, u.kind, u.district, f.deadline, f.requirement, f.stage, f.version, \
     i.kind, i.visited_on, vu.name, i.unit_id \
     FROM findings f JOIN inspections i ON i.id = f.inspection_id JOIN units u ON u.id = f.unit_id \
     JOIN units vu ON vu.id = i.unit_id LEFT JOIN tasks t ON t.id = f.task_id";

/// A finding row before its history is attached.
pub(super) struct FindingRow {
    pub(super) id: i64,
    pub(super) inspection_id: i64,
    pub(super) inspection_unit: i64,
    pub(super) position: i64,
    pub(super) text: String,
    pub(super) task_id: Option<i64>,
    pub(super) task_label: Option<String>,
    pub(super) severity: String,
    pub(super) unit_id: i64,
    pub(super) unit_name: String,
    pub(super) county: Option<String>,
    pub(super) deadline: NaiveDate,
    pub(super) requirement: String,
    pub(super) version: i64,
    pub(super) inspection_kind: String,
    pub(super) visited_on: NaiveDate,
    pub(super) visited_unit: String,
}

pub(super) fn finding_row(r: &sqlx::any::AnyRow) -> FindingRow {
    let label: Option<String> = r.get(5);
    let title: Option<String> = r.get(6);
    FindingRow {
        id: r.get(0),
        inspection_id: r.get(1),
        position: r.get(2),
        text: r.get(3),
        task_id: r.get(4),
        task_label: label.zip(title).map(|(l, t)| format!("{l} {t}")),
        severity: r.get(7),
        unit_id: r.get(8),
        unit_name: r.get(9),
        county: county_of(&r.get::<String, _>(10), &r.get::<String, _>(9), r.get(11)),
        deadline: date(&r.get::<String, _>(12)),
        requirement: r.get(13),
        version: r.get(15),
        inspection_kind: r.get(16),
        visited_on: date(&r.get::<String, _>(17)),
        visited_unit: r.get(18),
        inspection_unit: r.get(19),
    }
}

pub(super) fn evidence_row(r: &sqlx::any::AnyRow) -> Evidence {
    Evidence {
        id: r.get("id"),
        file_name: r.get("file_name"),
        content_type: r.get("content_type"),
        size: r.get("size"),
        sha256: r.get("sha256"),
        uploaded_at: r.get("uploaded_at"),
    }
}

/// Every step of the findings of one visit (of every visit when `None`), by finding, oldest
/// first, with the reports' files; and the files attached to the findings at the visit.
pub(super) async fn load_steps(
    store: &Store,
    inspection: Option<i64>,
) -> Result<(HashMap<i64, Vec<RectStep>>, HashMap<i64, Vec<Evidence>>)> {
    let inspection = inspection.unwrap_or(0);
    let mut steps: HashMap<i64, Vec<(String, i64, RectStep)>> = HashMap::new();
    let mut files: HashMap<i64, Vec<Evidence>> = HashMap::new();
    let mut report_files: HashMap<i64, Vec<Evidence>> = HashMap::new();
    for r in sqlx::query(
        "SELECT id, inspection_id, finding_id, report_id, file_name, content_type, size, sha256, uploaded_at \
         FROM visit_evidence WHERE finding_id IS NOT NULL AND ($1 = 0 OR inspection_id = $1) ORDER BY id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get("finding_id");
        match r.get::<Option<i64>, _>("report_id") {
            Some(report) => report_files.entry(report).or_default().push(evidence_row(&r)),
            None => files.entry(finding).or_default().push(evidence_row(&r)),
        }
    }
    for r in sqlx::query(
        "SELECT r.id, r.finding_id, r.text, r.complete, r.user_id, n.display_name, r.on_date, r.at \
         FROM rectification_reports r LEFT JOIN users n ON n.id = r.user_id \
         WHERE $1 = 0 OR r.finding_id IN (SELECT id FROM findings WHERE inspection_id = $1) ORDER BY r.id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get(1);
        let id: i64 = r.get(0);
        let at: String = r.get(7);
        steps.entry(finding).or_default().push((
            at.clone(),
            0,
            RectStep {
                action: "report".into(),
                text: r.get(2),
                complete: r.get::<i64, _>(3) != 0,
                user_id: r.get(4),
                user_name: r.get(5),
                on: date(&r.get::<String, _>(6)),
                at,
                evidence: report_files.remove(&id).unwrap_or_default(),
            },
        ));
    }
    for r in sqlx::query(
        "SELECT v.finding_id, v.decision, v.comment, v.user_id, n.display_name, v.on_date, v.at \
         FROM rectification_verifications v LEFT JOIN users n ON n.id = v.user_id \
         WHERE $1 = 0 OR v.finding_id IN (SELECT id FROM findings WHERE inspection_id = $1) ORDER BY v.id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get(0);
        let at: String = r.get(6);
        steps.entry(finding).or_default().push((
            at.clone(),
            1,
            RectStep {
                action: r.get(1),
                text: r.get(2),
                complete: false,
                user_id: r.get(3),
                user_name: r.get(4),
                on: date(&r.get::<String, _>(5)),
                at,
                evidence: Vec::new(),
            },
        ));
    }
    // In the order taken: steps alternate between the unit and the office, and a step's real
    // time is when it was taken (the business day may repeat).
    let steps = steps
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
            (k, v.into_iter().map(|(_, _, s)| s).collect())
        })
        .collect();
    Ok((steps, files))
}

pub(super) fn as_step(s: &RectStep) -> rules::Event {
    let step = match s.action.as_str() {
        "close" => Step::Close,
        "return" => Step::Return,
        _ => Step::Report { complete: s.complete },
    };
    rules::Event { on: s.on, step }
}

pub(super) fn build_rectification(
    f: FindingRow,
    history: Vec<RectStep>,
    evidence: Vec<Evidence>,
    today: NaiveDate,
) -> Rectification {
    let events: Vec<rules::Event> = history.iter().map(as_step).collect();
    // Judged as of `today`, or of the last step's day when the caller's clock is behind the
    // stored steps (a demo clock): a step taken is never unseen.
    let as_of = history.iter().map(|s| s.on).max().map_or(today, |last| last.max(today)).max(f.visited_on);
    let facts = rules::Facts { issued: f.visited_on, deadline: f.deadline, events: &events };
    let a = rules::assess(&facts, as_of).unwrap_or(rules::Assessment {
        stage: Stage::Issued,
        state: RectState::Pending,
        returned: false,
        returns: 0,
        reports: 0,
        closed_on: None,
        closed_late: false,
        days_overdue: 0,
    });
    // Overdue is judged on the caller's day, not a later step's.
    let state = rules::rect_state(a.stage, f.deadline, today.max(f.visited_on));
    let days_overdue = if state == RectState::Overdue { (today - f.deadline).num_days() } else { 0 };
    let verifier = history.iter().rev().find(|s| s.action == "close").and_then(|s| s.user_name.clone());
    let last_comment = history.iter().rev().find(|s| s.action == "return").map(|s| s.text.clone());
    Rectification {
        id: f.id,
        inspection_id: f.inspection_id,
        inspection_kind: label_of(&INSPECTION_KINDS, &f.inspection_kind),
        visited_on: f.visited_on,
        visited_unit: f.visited_unit,
        position: f.position,
        text: f.text,
        task_id: f.task_id,
        task_label: f.task_label,
        severity_label: label_of(&SEVERITIES, &f.severity),
        severity: f.severity,
        unit_id: f.unit_id,
        unit_name: f.unit_name,
        county: f.county,
        deadline: f.deadline,
        requirement: f.requirement,
        state: state.key().to_string(),
        state_label: state.label(),
        returned: a.returned,
        returns: a.returns,
        reports: a.reports,
        closed_on: a.closed_on,
        closed_late: a.closed_late,
        days_overdue,
        verifier,
        last_comment,
        history,
        evidence,
        version: f.version,
    }
}

/// Files already attached to a visit (`finding` none) or to one of its findings.
pub(super) async fn evidence_count(
    conn: &mut sqlx::AnyConnection,
    inspection_id: i64,
    finding_id: Option<i64>,
) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM visit_evidence WHERE inspection_id = $1 AND COALESCE(finding_id, 0) = $2")
        .bind(inspection_id)
        .bind(finding_id.unwrap_or(0))
        .fetch_one(conn)
        .await?
        .get(0))
}
