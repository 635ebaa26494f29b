//! Measures: an item's body split into sentences, each classified by what kind of work it
//! describes. They become milestone candidates when the plan is published.

use crate::model::{Measure, MeasureKind, Target};
use crate::targets::find_targets;
use crate::text::{is_sentence_end, sentences};
use regex::Regex;
use std::sync::LazyLock;

const DOCUMENT_WORDS: &[&str] = &["出台", "制定", "印发", "研究印发", "修订", "编制", "发布", "颁布", "起草"];
const EVENT_WORDS: &[&str] = &["召开", "举办", "举行", "承办", "组织开展", "开展第", "迎接", "启动"];
const EVENT_NOUNS: &[&str] =
    &["活动", "比赛", "竞赛", "大赛", "论坛", "会议", "大会", "运动会", "锦标赛", "周", "节", "评选", "展演"];
const ONGOING_WORDS: &[&str] = &[
    "持续", "深化", "加强", "坚持", "巩固", "健全", "完善", "推进", "推动", "强化", "落实", "深入", "常态", "不断",
    "继续", "加快", "提升", "提高", "优化", "扎实", "严格", "切实", "全面", "规范",
];

/// Classifies one sentence; `has_target` when the sentence states a quantitative target.
pub fn classify(sentence: &str, has_target: bool) -> MeasureKind {
    let s = sentence.trim();
    let starts_ongoing = ONGOING_WORDS.iter().any(|w| s.starts_with(w));
    if has_target {
        MeasureKind::Target
    } else if DOCUMENT_WORDS.iter().any(|w| s.contains(w)) {
        MeasureKind::Document
    } else if EVENT_WORDS.iter().any(|w| s.contains(w)) {
        MeasureKind::Event
    } else if starts_ongoing {
        // "深化…改革,开展…研讨活动": the continuing reform is the measure; the activity is
        // one of its means.
        MeasureKind::Ongoing
    } else if s.contains("开展") && EVENT_NOUNS.iter().any(|n| s.contains(n)) {
        MeasureKind::Event
    } else if ONGOING_WORDS.iter().any(|w| s.contains(w)) {
        MeasureKind::Ongoing
    } else {
        MeasureKind::Other
    }
}

/// Reads an item: its body's sentences as measures, each classified, and the quantitative
/// targets of its title and body. The measures' texts concatenated give back the body (blank
/// sentences aside).
pub fn read(title: &str, body: &str) -> (Vec<Measure>, Vec<Target>) {
    let mut targets = find_targets(title);
    let mut measures = Vec::new();
    for sentence in join_hard_breaks(sentences(body)) {
        // Read as one line: "达到\n95%" is the target 95%.
        let flat: String = sentence.split('\n').map(str::trim).collect();
        let found = find_targets(&flat);
        measures.push(Measure { text: flat.trim().to_string(), kind: classify(&flat, !found.is_empty()), due: None });
        targets.extend(found);
    }
    (measures, targets)
}

static LIST_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[(（]\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]|[0-9]{1,3}\s*[.．、]|[①-⑳]|[一二三四五六七八九十]{1,3}[是、])")
        .expect("valid regex")
});

/// Puts back together the sentences that a hard line break cut in two, as in text copied from
/// a PDF ("新建幼儿园\n3所。"): a line that ends without a sentence mark, a closing bracket or
/// a colon runs on into the next, unless the next opens a list entry ("(1)", "一是").
fn join_hard_breaks(pieces: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for piece in pieces.into_iter().filter(|s| !s.trim().is_empty()) {
        match out.last_mut() {
            Some(last) if open && !LIST_LABEL.is_match(piece) => last.push_str(piece),
            _ => out.push(piece.to_string()),
        }
        let line = piece.trim_end_matches(['\n', '\r']);
        open = piece.ends_with('\n')
            && line.trim_end().chars().next_back().is_some_and(|c| {
                !(is_sentence_end(c) || matches!(c, ':' | '：' | ')' | '）' | '〕' | '】' | '”' | '’' | '」' | '』'))
            });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify("召开全市中小学思政德育工作会议。", false), MeasureKind::Event);
        assert_eq!(classify("举办全市中小学生花样跳绳比赛。", false), MeasureKind::Event);
        assert_eq!(classify("研究印发《2024年评价方案》。", false), MeasureKind::Document);
        assert_eq!(classify("出台中小学作业设计与实施指导意见。", false), MeasureKind::Document);
        assert_eq!(classify("持续开展红色基因传承示范学校创建工作。", false), MeasureKind::Ongoing);
        assert_eq!(classify("新建幼儿园3所。", true), MeasureKind::Target);
        assert_eq!(classify("抓好教育普法工作。", false), MeasureKind::Other);
        assert_eq!(classify("深化改革,开展教师集体备课及教学研讨活动。", false), MeasureKind::Ongoing);
        assert_eq!(classify("开展教师集体备课及教学研讨活动。", false), MeasureKind::Event);
    }
}
