//! Who may see which part of another unit's reporting. The rules are pure so the pages, the
//! API and every export can ask the same question and get the same answer; the web layer's
//! `policy` module applies them to the signed-in user.
//!
//! A unit's report is its own until the office has approved it: drafts, returns, the text,
//! lateness and evidence are between the unit and the bureau. Another unit sees only what the
//! office has accepted: approved figures, and whether a report has been approved.

/// The state of another unit's report as a peer unit may see it: `approved`, or
/// `not_public` for every state before approval (new, draft, submitted, awaiting sign-off,
/// returned). Keys are those of the store's report states.
pub fn peer_report_state(state: &str) -> &'static str {
    if state == "approved" { "approved" } else { NOT_PUBLIC }
}

/// The key a peer sees for a report not yet approved.
pub const NOT_PUBLIC: &str = "not_public";

/// Whether a peer unit may see a report in this state at all (its approved figures).
pub fn peer_may_see(state: &str) -> bool {
    state == "approved"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_approved_reports_are_visible_to_peers() {
        for s in ["new", "draft", "submitted", "pending_signoff", "returned"] {
            assert_eq!(peer_report_state(s), NOT_PUBLIC, "{s}");
            assert!(!peer_may_see(s), "{s}");
        }
        assert_eq!(peer_report_state("approved"), "approved");
        assert!(peer_may_see("approved"));
    }
}
