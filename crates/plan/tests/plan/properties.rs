//! Properties over arbitrary and mutated documents: the parser never panics, and whatever it
//! reads, its parts put back together are exactly the input text.

use crate::common::*;
use docread::ReadError;
use proptest::prelude::*;

/// Pieces real plans are made of, so that mutations produce plausible documents rather than
/// noise the parser rejects at once.
const PIECES: &[&str] = &[
    "一、",
    "二、",
    "（一）",
    "(二)",
    "1.",
    "2、",
    "10.",
    "〔责任单位:",
    "〕",
    "(牵头单位:",
    ";配合单位:",
    ")",
    "牵头,",
    "按职责分工负责",
    "下同",
    "、",
    "。",
    "\n",
    " ",
    "\u{a0}",
    "新建幼儿园3所",
    "达到57%",
    "1-2所",
    "第40个",
    "2.0",
    "3+1+2",
    "四个意识",
    "各区(市)",
    "直各学校",
    "2024311",
    "关于印发《",
    "》的通知",
    "责任单位:",
    "不少于",
    "以上",
    "左右",
];

fn mutated_yingtan() -> impl Strategy<Value = String> {
    let lines: Vec<String> = YINGTAN_TEXT.lines().map(str::to_string).collect();
    let n = lines.len();
    (
        prop::collection::vec((0..n, prop::sample::select(PIECES), 0usize..40, any::<bool>()), 0..12),
        prop::collection::vec(0..n, 0..4),
    )
        .prop_map(move |(edits, drops)| {
            let mut lines = lines.clone();
            for (line, piece, at, replace) in edits {
                let count = lines.len();
                let l = &mut lines[line % count];
                let chars: Vec<char> = l.chars().collect();
                let at = at.min(chars.len());
                let end = if replace { (at + piece.chars().count()).min(chars.len()) } else { at };
                let mut s: String = chars[..at].iter().collect();
                s.push_str(piece);
                s.extend(&chars[end..]);
                *l = s;
            }
            for d in drops {
                if lines.len() > 1 {
                    lines.remove(d % lines.len());
                }
            }
            lines.join("\n")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = plan::parse(&bytes, &yingtan_directory());
    }

    #[test]
    // With the words of covering notices, headings, signatures and dates, so the notice,
    // heading and date rules are exercised too.
    fn arbitrary_text_never_panics_and_drops_nothing(text in "[一二三四五六七八九十0-9（）()、.。,:;〔〕责任单位牵头配合新建所个人%年月日关于印发的通知《》〈〉要点表局及和!\\n ]{0,400}") {
        if let Ok(p) = plan::parse_text(&text, &yingtan_directory()) {
            assert_covers(&p, &text_lines(&text));
        }
    }

    #[test]
    fn mutated_plans_parse_without_dropping_text(text in mutated_yingtan()) {
        match plan::parse(text.as_bytes(), &yingtan_directory()) {
            Ok(p) => {
                assert_covers(&p, &text_lines(&text));
                for item in &p.items {
                    let joined: String = item.measures.iter().map(|m| plan::text::squeeze(&m.text)).collect();
                    prop_assert_eq!(joined, plan::text::squeeze(&item.body));
                }
            }
            Err(e) => prop_assert_eq!(e, plan::ParseError::NoStructure),
        }
    }
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let dir = yingtan_directory();
    assert_eq!(plan::parse(b"", &dir), Err(plan::ParseError::Read(ReadError::Empty)));
    assert_eq!(plan::parse(b"  \n\t\n", &dir), Err(plan::ParseError::Read(ReadError::Empty)));
    assert_eq!(
        plan::parse(&[0u8, 159, 146, 150, 0, 0, 1, 2, 3, 0], &dir),
        Err(plan::ParseError::Read(ReadError::Binary))
    );
    let big = vec![b'a'; plan::MAX_INPUT_BYTES + 1];
    assert!(matches!(plan::parse(&big, &dir), Err(plan::ParseError::TooLarge { .. })));
    assert_eq!(plan::parse("这是一段没有任何编号结构的文字。".as_bytes(), &dir), Err(plan::ParseError::NoStructure));
    for e in [
        plan::ParseError::Read(ReadError::Empty),
        plan::ParseError::NoStructure,
        plan::ParseError::Read(ReadError::Binary),
    ] {
        assert!(!e.to_string().contains('\n'), "one line");
    }
}
