//! The vocabularies: stored keys and the labels people read, and the county a unit counts in.

/// (stored key, label) pairs, looked up either way.
pub(super) fn lookup(table: &[(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    let s = s.trim();
    table.iter().find(|(k, l)| *k == s || *l == s).map(|(k, _)| *k)
}

pub(super) fn label_of(table: &[(&'static str, &'static str)], key: &str) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map_or("其他", |(_, l)| *l)
}

/// Kinds of visit.
pub const INSPECTION_KINDS: [(&str, &str); 5] = [
    ("responsible", "责任督学挂牌督导"),
    ("special", "专项督导"),
    ("balance", "优质均衡创建督导"),
    ("annual", "年检"),
    ("other", "其他"),
];

/// How serious a finding is.
pub const SEVERITIES: [(&str, &str); 3] = [("general", "一般"), ("major", "较重"), ("serious", "严重")];

/// Where a 督办件 comes from.
pub const DIRECTIVE_SOURCES: [(&str, &str); 4] =
    [("instruction", "领导批示"), ("meeting", "会议议定"), ("assigned", "上级交办"), ("other", "其他")];

/// The county a unit belongs to, as the ledger and the coverage page group by: a district
/// is its own; a school is its district's, or 市直 (run by the city) without one.
pub(super) fn county_of(kind: &str, name: &str, district: Option<String>) -> Option<String> {
    match kind {
        "district" => Some(name.to_string()),
        "school" => Some(district.unwrap_or_else(|| CITY.to_string())),
        _ => None,
    }
}

/// The county of schools the city runs itself.
pub const CITY: &str = "市直";
