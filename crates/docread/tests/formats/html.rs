//! Web pages as government sites publish them.

use docread::{Block, Format, ReadError, extract};

use crate::support::{paras, rows};

#[test]
fn article_in_one_div_with_br() {
    let page = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于印发2024年工作要点的通知</title>
<style>.x{color:red}</style><script>document.write("广告")</script></head>
<body><div class="nav">首页 &gt; 通知公告</div>
<div class="content">
  一、总体要求<br>
  （一）<span style="font-weight:bold">加强</span>党的建设。<br/><br/>
  &nbsp;&nbsp;二、主要任务<br>
</div><div style="DISPLAY: none">分享到微信</div><p hidden>隐藏</p><noscript>请启用脚本</noscript><template><p>模板</p></template></body></html>"#;
    let got = extract(page.as_bytes()).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Html, Some("UTF-8")));
    assert_eq!(
        paras(&got.blocks),
        ["首页 > 通知公告", "一、总体要求", "（一）加强党的建设。", "\u{a0}\u{a0}二、主要任务"]
    );
}

#[test]
fn article_in_paragraphs_with_spans() {
    let page = r#"<html><body><div id="zoom">
<p style="text-indent:2em"><span>一、</span><span>总体</span>
   <span>要求</span></p>
<p><font face="仿宋">（一）加强党的建设</font></p><p>&nbsp;</p>
<h2>二、主要任务</h2><ul><li>第一条</li><li>第二条</li></ul>
</div></body></html>"#;
    let got = extract(page.as_bytes()).unwrap();
    assert_eq!(paras(&got.blocks), ["一、总体 要求", "（一）加强党的建设", "二、主要任务", "第一条", "第二条"]);
}

#[test]
fn data_table_with_paragraphs_in_cells() {
    // Word's "save as web page" wraps every cell in <p class=MsoNormal>.
    let page = r#"<html><body><p>附件：重点任务分解表</p>
<table border=1><thead><tr><th><p class=MsoNormal>序号</p></th><th><p>工作任务</p></th><th>牵头单位</th></tr></thead>
<tbody><tr><td><p>1</p></td><td><p>任务甲</p><p>第二段</p></td><td rowspan="2"><p>市教育局</p></td></tr>
<tr><td>2</td><td>任务乙<br>补充</td></tr></tbody></table><p>表后</p></body></html>"#;
    let got = extract(page.as_bytes()).unwrap();
    assert_eq!(
        got.blocks,
        [
            Block::Para("附件：重点任务分解表".into()),
            Block::Table(rows(&[
                &["序号", "工作任务", "牵头单位"],
                &["1", "任务甲\n第二段", "市教育局"],
                &["2", "任务乙\n补充", "市教育局"],
            ])),
            Block::Para("表后".into()),
        ]
    );
}

#[test]
fn layout_table_does_not_swallow_the_article() {
    let article: String = (1..=6)
        .map(|i| {
            format!(
                "<p>（{i}）这是第{i}项工作的具体内容，要求各单位认真贯彻落实，确保取得实效，按时保质完成各项任务。</p>"
            )
        })
        .collect();
    let page = format!(
        r#"<html><body><table width="100%"><tr><td>网站首页</td><td>政务公开</td></tr>
<tr><td>导航</td><td><h1>2024年工作要点</h1>{article}</td></tr></table>
<table><tr><td><table><tr><td>甲</td><td>乙</td></tr></table></td><td>外</td></tr></table></body></html>"#
    );
    let got = extract(page.as_bytes()).unwrap();
    let lines = paras(&got.blocks);
    assert_eq!(
        lines[..5],
        [
            "网站首页",
            "政务公开",
            "导航",
            "2024年工作要点",
            "（1）这是第1项工作的具体内容，要求各单位认真贯彻落实，确保取得实效，按时保质完成各项任务。"
        ]
    );
    assert_eq!(lines.len(), 11, "{lines:?}");
    // The table nested in the outer layout table is a small data table of its own.
    assert_eq!(got.blocks[10..], [Block::Table(rows(&[&["甲", "乙"]])), Block::Para("外".into())]);
}

#[test]
fn gbk_page_with_meta_charset() {
    let page = r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>通知</title></head><body><p>一、总体要求</p><p>二、主要任务</p></body></html>"#;
    let (bytes, _, _) = encoding_rs::GBK.encode(page);
    let got = extract(&bytes).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Html, Some("GBK")));
    assert_eq!(paras(&got.blocks), ["一、总体要求", "二、主要任务"]);

    let short_meta = page.replace(r#"http-equiv="Content-Type" content="text/html; charset=gb2312""#, "charset=gbk");
    let (bytes, _, _) = encoding_rs::GBK.encode(&short_meta);
    let got = extract(&bytes).unwrap();
    assert_eq!(paras(&got.blocks), ["一、总体要求", "二、主要任务"]);

    // No declaration at all: GB18030 is guessed.
    let bare = page.replace(r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#, "");
    let (bytes, _, _) = encoding_rs::GBK.encode(&bare);
    let got = extract(&bytes).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Html, Some("GB18030")));
    assert_eq!(paras(&got.blocks), ["一、总体要求", "二、主要任务"]);
}

#[test]
fn fragment_without_html_element() {
    let got = extract("<p>一、总体要求</p>\n<p>二、主要任务</p>".as_bytes()).unwrap();
    assert_eq!(got.format, Format::Html);
    assert_eq!(paras(&got.blocks), ["一、总体要求", "二、主要任务"]);
}

#[test]
fn deep_nesting_is_read_or_refused_quickly() {
    let nested = |depth: usize| {
        format!("<html><body>{}正文{}</body></html>", "<div><span>".repeat(depth), "</span></div>".repeat(depth))
    };
    let got = extract(nested(900).as_bytes()).unwrap();
    assert_eq!(paras(&got.blocks), ["正文"]);
    // The parser's time grows with the square of the depth: refused before parsing.
    assert!(matches!(extract(nested(50_000).as_bytes()), Err(ReadError::Corrupt(_))));
}
