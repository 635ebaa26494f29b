//! Task tables written as text (`docread::texttable`): never a panic, and the cells put back
//! together give the input (blanks, the `|` separators and `---|---` rules aside).

use docread::Block;
use proptest::prelude::*;

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '|' | '｜')).collect()
}

fn rebuilt(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) if docread::texttable::is_rule(p) => String::new(),
            Block::Para(p) => squeeze(p),
            Block::Table(rows) => rows.iter().flatten().map(|c| squeeze(c)).collect(),
        })
        .collect()
}

fn source(text: &str) -> String {
    text.lines().filter(|l| !docread::texttable::is_rule(l)).map(squeeze).collect()
}

/// Lines drawn from the pieces real tables are made of, so that tables do form.
fn table_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("序号".to_string()),
        Just("序号 |".to_string()),
        Just("重点任务 |".to_string()),
        Just("牵头单位".to_string()),
        Just("完成时限 |".to_string()),
        Just("序号 | 重点任务 | 牵头单位 | 完成时限".to_string()),
        Just("---|---|---".to_string()),
        Just("1 | 建设学校。 | 市教育局 | 12月底前".to_string()),
        (1u32..6).prop_map(|n| n.to_string()),
        (1u32..6).prop_map(|n| format!("{n} |")),
        Just("新建幼儿园3所。 |".to_string()),
        Just("县住建局".to_string()),
        Just("12月底前".to_string()),
        Just(" | | ".to_string()),
        "[a-z|｜ 一二三。]{0,12}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|v| v.join("\n"))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics_and_loses_nothing(text in "\\PC{0,300}") {
        let blocks = docread::text_blocks(&text);
        prop_assert_eq!(rebuilt(&blocks), source(&text));
    }

    #[test]
    fn table_like_text_puts_back_together(text in table_like()) {
        let blocks = docread::text_blocks(&text);
        prop_assert_eq!(rebuilt(&blocks), source(&text));
    }
}

#[test]
fn flattened_rows_keep_every_cell() {
    let text = "序号\n民生实事\n责任单位\n完成时限\n1\n启动建设工程。\n县水务局\n县住建局\n12月底前\n2\n新建2座人行天桥。\n县住建局\n9月投入使用";
    let blocks = docread::text_blocks(text);
    assert_eq!(
        blocks,
        [Block::Table(vec![
            vec!["序号".into(), "民生实事".into(), "责任单位".into(), "完成时限".into()],
            vec!["1".into(), "启动建设工程。".into(), "县水务局".into(), "县住建局".into(), "12月底前".into()],
            vec!["2".into(), "新建2座人行天桥。".into(), "县住建局".into(), "9月投入使用".into()],
        ])]
    );
}
