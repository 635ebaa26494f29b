//! docx bodies: paragraphs, breaks, tracked changes, tables with merged cells and Word's
//! automatic numbering.

use docread::{Block, Format, extract};

use crate::support::{docx, docx_with, numbered, p, paras, rows, tables, tbl, tc, tr};

#[test]
fn paragraphs_and_runs() {
    let body = [
        p("2024年工作要点"),
        // Runs split mid-word, as Word does after edits.
        r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>一、</w:t></w:r><w:r><w:t xml:space="preserve">总体 </w:t></w:r><w:r><w:t>要求</w:t></w:r></w:p>"#.to_owned(),
        "<w:p/>".to_owned(),
        r#"<w:p><w:hyperlink r:id="rId9" xmlns:r="r"><w:r><w:t>链接文字</w:t></w:r></w:hyperlink></w:p>"#.to_owned(),
        r#"<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙 &lt;丙&gt; &#x4E01;</w:t></w:r></w:p>"#.to_owned(),
    ]
    .concat();
    let got = extract(&docx(&body)).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Docx, None));
    assert_eq!(paras(&got.blocks), ["2024年工作要点", "一、总体 要求", "链接文字", "甲\t乙 <丙> 丁"]);
}

#[test]
fn line_breaks_split_paragraphs() {
    let body = r#"<w:p><w:r><w:t>一、总体要求</w:t><w:br/><w:t>（一）加强党建</w:t></w:r><w:r><w:cr/><w:t>（二）优化服务</w:t><w:br w:type="page"/></w:r></w:p>"#;
    let got = extract(&docx(body)).unwrap();
    assert_eq!(paras(&got.blocks), ["一、总体要求", "（一）加强党建", "（二）优化服务"]);
}

#[test]
fn tracked_changes() {
    let body = r#"<w:p><w:r><w:t>完成时限：</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>6月底</w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>9月底</w:t></w:r></w:ins><w:moveFrom w:id="3"><w:r><w:t>旧位置</w:t></w:r></w:moveFrom></w:p>
    <w:p><w:pPr><w:pPrChange w:id="4"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:pPrChange></w:pPr><w:r><w:t>不再编号</w:t></w:r></w:p>"#;
    let got = extract(&docx(body)).unwrap();
    assert_eq!(paras(&got.blocks), ["完成时限：9月底", "不再编号"]);
}

#[test]
fn alternate_content_is_read_once() {
    let body = r#"<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>续</w:t></w:r></w:p>"#;
    let got = extract(&docx(body)).unwrap();
    assert_eq!(paras(&got.blocks), ["正文", "文本框", "续"]);
}

#[test]
fn table_with_vertical_and_horizontal_merges() {
    let restart = r#"<w:vMerge w:val="restart"/>"#;
    let cont = "<w:vMerge/>";
    let body = [
        p("表前段落"),
        tbl(&[
            tr(&[tc("", &["序号"]), tc("", &["工作任务"]), tc("", &["牵头单位"]), tc("", &["完成时限"])]),
            tr(&[tc("", &["1"]), tc("", &["任务甲", "第二段"]), tc(restart, &["市教育局"]), tc("", &["6月底"])]),
            tr(&[tc("", &["2"]), tc("", &["任务乙"]), tc(cont, &[]), tc("", &["9月底"])]),
            tr(&[tc(r#"<w:gridSpan w:val="2"/>"#, &["合计"]), tc(cont, &[]), tc("", &["—"])]),
        ]),
        p("表后段落"),
    ]
    .concat();
    let got = extract(&docx(&body)).unwrap();
    assert_eq!(
        got.blocks,
        [
            Block::Para("表前段落".into()),
            Block::Table(rows(&[
                &["序号", "工作任务", "牵头单位", "完成时限"],
                &["1", "任务甲\n第二段", "市教育局", "6月底"],
                &["2", "任务乙", "市教育局", "9月底"],
                &["合计", "市教育局", "—"],
            ])),
            Block::Para("表后段落".into()),
        ]
    );
}

#[test]
fn nested_table_is_flattened_into_its_cell() {
    let inner = tbl(&[tr(&[tc("", &["a"]), tc("", &["b"])]), tr(&[tc("", &["c"]), tc("", &["d"])])]);
    let outer_cell = format!("<w:tc>{}{inner}</w:tc>", p("外层"));
    let body = tbl(&[tr(&[tc("", &["左"]), outer_cell])]);
    let got = extract(&docx(&body)).unwrap();
    assert_eq!(tables(&got.blocks), [&rows(&[&["左", "外层\na\tb\nc\td"]])]);
}

const CHINESE_AND_DECIMAL: &str = r#"
  <w:abstractNum w:abstractNumId="10">
    <w:multiLevelType w:val="multilevel"/>
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="%1、"/><w:lvlJc w:val="left"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="（%2）"/></w:lvl>
    <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="20">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1、"/></w:lvl>
  </w:abstractNum>
  <w:abstractNum w:abstractNumId="30">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="10"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="20"/></w:num>
  <w:num w:numId="3"><w:abstractNumId w:val="20"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
  <w:num w:numId="4"><w:abstractNumId w:val="30"/></w:num>
"#;

#[test]
fn automatic_numbering_labels() {
    let mut body: Vec<String> = vec![p("2024年工作要点")];
    body.push(numbered(1, 0, "总体要求"));
    body.push(numbered(1, 1, "指导思想"));
    body.push(numbered(1, 2, "坚持党的领导"));
    body.push(numbered(1, 2, "坚持人民至上"));
    body.push(numbered(1, 1, "主要目标"));
    body.push(numbered(1, 0, "主要任务"));
    body.push(numbered(1, 1, "深化改革"));
    for _ in 0..9 {
        body.push(numbered(1, 1, "某项工作"));
    }
    body.push(numbered(2, 0, "第一项"));
    body.push(numbered(2, 0, "第二项"));
    body.push(numbered(3, 0, "重新开始"));
    body.push(numbered(4, 0, "项目符号"));
    // numId 0 switches numbering off.
    body.push(numbered(0, 0, "不编号"));
    let got = extract(&docx_with(&body.concat(), Some(CHINESE_AND_DECIMAL))).unwrap();
    let lines = paras(&got.blocks);
    assert_eq!(
        lines[..9],
        [
            "2024年工作要点",
            "一、总体要求",
            "（一）指导思想",
            "1.坚持党的领导",
            "2.坚持人民至上",
            "（二）主要目标",
            "二、主要任务",
            "（一）深化改革",
            "（二）某项工作",
        ]
    );
    assert_eq!(lines[16], "（十）某项工作");
    assert_eq!(lines[17..], ["1、第一项", "2、第二项", "1、重新开始", "项目符号", "不编号"]);
}

#[test]
fn numbering_in_table_cells_and_without_numbering_part() {
    let body = tbl(&[tr(&[tc("", &["x"]), format!("<w:tc>{}</w:tc>", numbered(2, 0, "任务"))])]);
    let got = extract(&docx_with(&body, Some(CHINESE_AND_DECIMAL))).unwrap();
    assert_eq!(tables(&got.blocks), [&rows(&[&["x", "1、任务"]])]);
    // A numbering reference without numbering.xml: the text alone.
    let got = extract(&docx(&numbered(1, 0, "任务"))).unwrap();
    assert_eq!(paras(&got.blocks), ["任务"]);
}
