//! The words people use for the steps recorded in every history (reports, rectifications,
//! 督办件): histories store stable keys, pages and exports show these.

/// A recorded step in Chinese ("submit" → "提交"). An unknown key is shown as 其他操作, never
/// as the raw key.
pub fn action_label(key: &str) -> &'static str {
    match key {
        // Monthly reports.
        "save" => "保存草稿",
        "submit" => "提交",
        "approve" => "审核通过",
        "return" => "退回",
        "signoff" => "单位负责人同意报送",
        "signoff_return" => "单位负责人退回",
        // Rectifications and 督办件.
        "report" => "报送整改情况",
        "close" => "销号",
        "feedback" => "反馈办理情况",
        "issue" => "交办",
        _ => "其他操作",
    }
}

/// A step of a 督办件's history: as [`action_label`], except that closing one is 办结.
pub fn directive_action_label(key: &str) -> &'static str {
    match key {
        "close" => "办结",
        other => action_label(other),
    }
}

#[cfg(test)]
mod tests {
    use super::action_label;

    #[test]
    fn every_recorded_step_has_words() {
        for key in ["save", "submit", "approve", "return", "signoff", "signoff_return", "report", "close", "feedback"] {
            let label = action_label(key);
            assert_ne!(label, "其他操作", "{key}");
            assert!(!label.is_ascii(), "{key}");
        }
        assert_eq!(action_label("whatever"), "其他操作");
    }
}
