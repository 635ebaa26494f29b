//! Who may see what: one place for the rules every page, export and API handler applies to the
//! signed-in user. A handler asks here and never decides visibility itself, so the two
//! interfaces cannot drift apart (an attack once found another unit's drafts on a page whose
//! API twin answered 404). The I/O-free rules themselves live in `domain::visibility`.

use std::sync::Arc;
use store::plans::Assignment;
use store::reports::{Report, TaskReport};
use store::status::{PlanView, Shared};
use store::users::{Role, User};
use store::{Store, StoreError};

/// Whether the user sees every unit's work: the bureau's business roles (system
/// administrator, supervision office, leaders). Units see their own; the security and audit
/// administrators (三员分立) see no business data at all, and inspectors (督学) only their visits
/// and schools (`store::inspections::VisitScope`).
pub fn sees_all_units(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::Supervisor | Role::Leader)
}

/// Whether the user may see the work of unit `unit_id` (its reports in any state).
pub fn may_see_unit_work(user: &User, unit_id: i64) -> bool {
    sees_all_units(user) || (user.role.is_unit_bound() && user.unit_id == Some(unit_id))
}

/// The assignment, if the user may see its reports; another unit's answers "not found", never
/// "forbidden", so its existence is not confirmed.
pub async fn visible_assignment(store: &Store, user: &User, id: i64) -> Result<Assignment, StoreError> {
    let a = store.assignment(id).await?;
    if may_see_unit_work(user, a.unit_id) { Ok(a) } else { Err(StoreError::NotFound) }
}

/// [`visible_assignment`] with its stored report for `period` (as written), read in the same
/// statement; the report goes only where the assignment may be seen.
pub async fn visible_assignment_report(
    store: &Store,
    user: &User,
    id: i64,
    period: &str,
) -> Result<(Assignment, Option<Report>), StoreError> {
    let (a, report) = store.assignment_report(id, period).await?;
    if may_see_unit_work(user, a.unit_id) { Ok((a, report)) } else { Err(StoreError::NotFound) }
}

/// A task's reports as the user may see them: every one for the bureau; for a unit its own in
/// full, and of the others only approved ones, reduced to their figures (no text, lateness or
/// evidence).
pub fn task_reports(user: &User, reports: Vec<TaskReport>, unit_of: impl Fn(i64) -> Option<i64>) -> Vec<TaskReport> {
    if sees_all_units(user) {
        return reports;
    }
    reports
        .into_iter()
        .filter_map(|mut r| {
            let unit = unit_of(r.assignment_id);
            if unit.is_some_and(|u| may_see_unit_work(user, u)) {
                Some(r)
            } else if domain::visibility::peer_may_see(r.state.key()) {
                r.progress.clear();
                r.late = false;
                r.evidence = 0;
                r.submitted_at = None;
                Some(r)
            } else {
                None
            }
        })
        .collect()
}

/// Whether a report in the user's list is the user's own unit's (or the user is the bureau):
/// rows of others are figures only, not to be listed or opened.
pub fn owns_report(user: &User, report_unit: Option<i64>) -> bool {
    report_unit.is_some_and(|u| may_see_unit_work(user, u))
}

/// The plan view as the user may see it: whole for the bureau; for a unit, report states
/// before approval hidden (made once per state of the data and shared by every unit).
pub fn plan_view(user: &User, view: Arc<Shared<PlanView>>) -> Arc<Shared<PlanView>> {
    if sees_all_units(user) { view } else { view.narrowed(PlanView::for_peers) }
}

/// Where the bureau asks for it, a reporter's submission goes to the unit head first.
pub(crate) async fn needs_signoff(state: &crate::AppState, user: &User) -> Result<bool, StoreError> {
    Ok(user.role == Role::Reporter && state.store.setting("require_signoff").await?.as_deref() == Some("true"))
}

/// Where a role's work starts.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::AuditAdmin => "/admin/audit",
        Role::SecurityAdmin => "/admin/users",
        // An inspector's work is their visits; the plan's pages are not theirs.
        Role::Inspector => "/inspections",
        _ => "/home",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::reports::ReportState;
    use store::users::Role;

    fn user(role: Role, unit: Option<i64>) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            unit_id: unit,
            unit_name: None,
            must_change_password: false,
        }
    }

    fn report(assignment: i64, state: ReportState) -> TaskReport {
        TaskReport {
            assignment_id: assignment,
            unit_name: format!("unit of {assignment}"),
            period: "2024-11".into(),
            state,
            state_label: state.label(),
            progress: "本月进展".into(),
            late: true,
            submitted_at: Some("2024-11-20".into()),
            values: Default::default(),
            evidence: 2,
        }
    }

    #[test]
    fn a_unit_sees_its_own_reports_and_only_the_approved_figures_of_others() {
        let reports = vec![
            report(1, ReportState::Draft),
            report(2, ReportState::Draft),
            report(2, ReportState::Returned),
            report(2, ReportState::Submitted),
            report(2, ReportState::Approved),
        ];
        // Assignment 1 belongs to unit 10, assignment 2 to unit 20.
        let unit_of = |a: i64| Some(a * 10);
        let seen = task_reports(&user(Role::Reporter, Some(10)), reports.clone(), unit_of);
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].assignment_id, seen[0].progress.as_str()), (1, "本月进展"));
        let other = &seen[1];
        assert_eq!((other.assignment_id, other.state), (2, ReportState::Approved));
        assert!(other.progress.is_empty() && !other.late && other.evidence == 0 && other.submitted_at.is_none());
        assert_eq!(task_reports(&user(Role::Supervisor, None), reports.clone(), unit_of).len(), 5);
        // The oversight administrators see no business data, an unbound reporter nothing of others.
        assert!(!sees_all_units(&user(Role::AuditAdmin, None)));
        assert_eq!(task_reports(&user(Role::Reporter, None), reports, unit_of).len(), 1);
    }
}
