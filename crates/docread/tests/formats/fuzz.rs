//! `extract` never panics: on arbitrary bytes and on valid documents with bytes mutated.

use std::sync::OnceLock;

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;

use crate::support::{docx_with, numbered, p, tbl, tc, tr};

const NUMBERING: &str = r#"<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1"><w:startOverride w:val="4294967295"/></w:lvlOverride></w:num>"#;

fn docx_body() -> String {
    [
        p("一、总体要求"),
        numbered(1, 0, "任务"),
        numbered(1, 1, "子任务"),
        numbered(1, 1, "子任务"),
        tbl(&[
            tr(&[tc("", &["a"]), tc(r#"<w:vMerge w:val="restart"/><w:gridSpan w:val="2"/>"#, &["b"])]),
            tr(&[tc("", &["c"]), tc("<w:vMerge/>", &[])]),
        ]),
    ]
    .concat()
}

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let body = docx_body();
        let numbering = NUMBERING;
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "序号").unwrap();
        ws.write_number(1, 0, 1).unwrap();
        let html = "<html><body><div>一、总体要求<br>二、任务</div><table><tr><td>a</td><td rowspan=3>b</td></tr><tr><td colspan=2>c</td></tr></table></body></html>";
        vec![
            docx_with(&body, Some(numbering)),
            wb.save_to_buffer().unwrap(),
            html.as_bytes().to_vec(),
            "序号,工作任务,牵头单位\n1,\"a\nb\",c\n".as_bytes().to_vec(),
        ]
    })
}

// 256 cases each (proptest's default; PROPTEST_CASES raises it for a longer run).
proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = docread::extract(&bytes);
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        let _ = docread::extract(text.as_bytes());
    }

    #[test]
    fn mutated_documents(
        seed in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = seeds()[seed].clone();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let _ = docread::extract(&bytes);
    }
}

proptest! {
    /// Mutations that keep the zip valid, so that the XML readers see the damage.
    #[test]
    fn mutated_docx_xml(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        numbering_edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    ) {
        let mut document =
            format!(r#"<w:document xmlns:w="w"><w:body>{}</w:body></w:document>"#, docx_body()).into_bytes();
        let mut numbering = format!(r#"<w:numbering xmlns:w="w">{NUMBERING}</w:numbering>"#).into_bytes();
        for (at, value) in edits {
            let i = at.index(document.len());
            document[i] = value;
        }
        for (at, value) in numbering_edits {
            let i = at.index(numbering.len());
            numbering[i] = value;
        }
        let bytes = crate::support::zip(&[("word/document.xml", &document), ("word/numbering.xml", &numbering)]);
        let _ = docread::extract(&bytes);
    }
}

/// Mutations that keep the zip valid: the XML inside a docx is damaged, then re-zipped.
#[test]
fn damaged_xml_inside_valid_zip() {
    let body = [p("一、总体要求"), tbl(&[tr(&[tc("", &["a"])])])].concat();
    let xml = format!(r#"<w:document xmlns:w="w"><w:body>{body}</w:body></w:document>"#);
    for cut in (0..xml.len()).step_by(7) {
        let Some(prefix) = xml.get(..cut) else {
            continue;
        };
        let bytes = crate::support::zip(&[("word/document.xml", prefix.as_bytes())]);
        let _ = docread::extract(&bytes);
    }
}
