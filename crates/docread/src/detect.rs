//! Format detection from content: magic numbers for containers and known unsupported
//! formats, then for text whether it is HTML, CSV or plain text. File names are never
//! consulted: uploads are often misnamed (a .doc that is really HTML, a .txt that is CSV).

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Magic {
    Zip,
    /// A known format this crate does not read, with the message for the user.
    Unsupported(&'static str),
    /// Nothing recognised: maybe text.
    None,
}

pub(crate) fn magic(bytes: &[u8]) -> Magic {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Magic::Zip;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Magic::Unsupported("旧版 Word/Excel 文件(.doc/.xls),请另存为 .docx/.xlsx 后再导入");
    }
    // PDF allows junk before the header within the first kilobyte.
    let head = bytes.get(..1024).unwrap_or(bytes);
    if head.windows(5).any(|w| w == b"%PDF-") || bytes.starts_with(b"%PDF") {
        return Magic::Unsupported("PDF 文件,请提供 docx、txt 或 html 原件");
    }
    if bytes.starts_with(b"{\\rtf") {
        return Magic::Unsupported("RTF 文件,请另存为 .docx 后再导入");
    }
    Magic::None
}

/// What a decoded text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    Txt,
    Html,
    Csv(u8),
    Unsupported(&'static str),
}

/// How far into the text the markers of HTML and other text formats are looked for.
const SNIFF_CHARS: usize = 4096;

pub(crate) fn text_kind(text: &str) -> TextKind {
    let head: String = text.chars().take(SNIFF_CHARS).collect::<String>().to_lowercase();
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.starts_with("mime-version:") && head.contains("multipart/related") {
        return TextKind::Unsupported("MHT 网页归档文件,请另存为 .html 或 .docx 后再导入");
    }
    if is_html(start, &head) {
        return TextKind::Html;
    }
    if start.starts_with("<?xml") {
        if head.contains("progid=\"word.document\"")
            || head.contains("<w:worddocument")
            || head.contains("<pkg:package")
        {
            return TextKind::Unsupported("Word XML 文件,请另存为 .docx 后再导入");
        }
        if head.contains("progid=\"excel.sheet\"") {
            return TextKind::Unsupported("Excel XML 文件,请另存为 .xlsx 后再导入");
        }
    }
    match csv_delimiter(text) {
        Some(d) => TextKind::Csv(d),
        None => TextKind::Txt,
    }
}

fn is_html(start: &str, head: &str) -> bool {
    const STARTS: [&str; 4] = ["<!doctype html", "<html", "<head", "<body"];
    const CONTAINS: [&str; 7] = ["<html", "<body", "<p>", "<p ", "<div>", "<div ", "<br>"];
    STARTS.iter().any(|s| start.starts_with(s))
        || CONTAINS.iter().any(|s| head.contains(s))
        // A fragment from an editor: starts with a tag and has paragraph markup.
        || (start.starts_with('<') && ["</p>", "<br", "<table", "</div>"].iter().any(|s| head.contains(s)))
}

/// Column names of task ledgers (台账); two of them in the first lines make a CSV header.
const LEDGER_HEADERS: &[&str] = &[
    "序号",
    "工作任务",
    "重点任务",
    "任务内容",
    "工作内容",
    "牵头单位",
    "配合单位",
    "责任单位",
    "完成时限",
    "时间节点",
    "完成时间",
    "责任领导",
    "牵头领导",
];

/// Header cells are short labels; a longer "field" is prose that happens to hold a comma.
const MAX_HEADER_FIELD_CHARS: usize = 30;
/// Lines read to decide: the header may follow a title line or two.
const SNIFF_LINES: usize = 30;
const HEADER_SEARCH_LINES: usize = 5;

/// The delimiter of a CSV text, or `None` for text that is not CSV.
///
/// CSV when, for a delimiter among comma, tab and semicolon, either one of the first few
/// lines is a ledger header (short fields, at least two known column names), or the first
/// line splits into at least three short fields and the lines after it mostly have as many.
/// Prose with ASCII commas ("以……为指导,深入学习……") fails both: its fields are long, and
/// its lines do not share a field count.
pub(crate) fn csv_delimiter(text: &str) -> Option<u8> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(SNIFF_LINES).collect();
    let first = lines.first()?;
    let mut best: Option<(usize, u8)> = None;
    for d in [b',', b'\t', b';'] {
        let records = parse_records(&lines, d);
        let has_ledger_header =
            records.iter().take(HEADER_SEARCH_LINES).any(|r| is_short(r) && r.len() >= 2 && ledger_words(r) >= 2);
        let fields = records.first().map_or(0, Vec::len);
        let consistent = first.contains(char::from(d))
            && fields >= 3
            && records.first().is_some_and(|r| is_short(r))
            && consistent_counts(&records, fields);
        // Semicolons separate clauses in prose; only a consistent table counts for them.
        if (has_ledger_header && d != b';') || consistent {
            // Prefer the delimiter that splits the header into more fields.
            let header_fields = records.iter().map(Vec::len).max().unwrap_or(0);
            if best.is_none_or(|(n, _)| header_fields > n) {
                best = Some((header_fields, d));
            }
        }
    }
    best.map(|(_, d)| d)
}

fn parse_records(lines: &[&str], delimiter: u8) -> Vec<Vec<String>> {
    let joined = lines.join("\n");
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(joined.as_bytes());
    reader.records().map_while(Result::ok).map(|r| r.iter().map(|f| f.trim().to_owned()).collect()).collect()
}

fn is_short(fields: &[String]) -> bool {
    fields.iter().all(|f| f.chars().count() <= MAX_HEADER_FIELD_CHARS)
}

/// How many fields are ledger column names: the name itself or the name with a short
/// qualifier ("完成时限（2024年）"), but not a filled-in label ("牵头单位:市教育局").
fn ledger_words(fields: &[String]) -> usize {
    fields
        .iter()
        .filter(|f| {
            !f.contains([':', '：'])
                && LEDGER_HEADERS
                    .iter()
                    .any(|w| (f.starts_with(w) || f.ends_with(w)) && f.chars().count() <= w.chars().count() + 6)
        })
        .count()
}

/// Whether the records after the first mostly (80%) have `fields` fields. The last record
/// may have been cut by the sniffing window and is not counted.
fn consistent_counts(records: &[Vec<String>], fields: usize) -> bool {
    let rest = match records.len() {
        0 | 1 => return false,
        2 => records.get(1..).unwrap_or_default(),
        n => records.get(1..n - 1).unwrap_or_default(),
    };
    let same = rest.iter().filter(|r| r.len() == fields).count();
    !rest.is_empty() && same * 5 >= rest.len() * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_with_commas_is_txt() {
        let text = "2024年的工作总体思路:以习近平新时代中国特色社会主义思想为指导,深入学习贯彻党的二十大精神,坚持稳中求进工作总基调,推动高质量发展。\n一、总体要求\n（一）加强党的建设,落实全面从严治党责任。\n";
        assert_eq!(text_kind(text), TextKind::Txt);
        let label = "牵头单位:市教育局,配合单位:市财政局\n二、主要任务\n";
        assert_eq!(text_kind(label), TextKind::Txt);
        let salutation = "各县(市、区)人民政府,市政府各部门:\n现将有关事项通知如下。\n";
        assert_eq!(text_kind(salutation), TextKind::Txt);
    }

    #[test]
    fn csv_headers() {
        assert_eq!(text_kind("序号,工作任务,牵头单位\n1,甲,乙\n"), TextKind::Csv(b','));
        assert_eq!(text_kind("序号\t工作任务\t牵头单位\n1\t甲\t乙\n"), TextKind::Csv(b'\t'));
        assert_eq!(text_kind("name;age;city\nA;1;B\nC;2;D\n"), TextKind::Csv(b';'));
        assert_eq!(
            text_kind("2024年重点工作任务台账\n序号,工作任务,完成时限（2024年）\n1,甲,6月\n"),
            TextKind::Csv(b',')
        );
        assert_eq!(text_kind("标题,,,\n序号,任务,单位,时间\n1,a,b,c\n2,a,b,c\n"), TextKind::Csv(b','));
    }

    #[test]
    fn html_markers() {
        assert_eq!(text_kind("\u{feff}  <!DOCTYPE HTML><p>x"), TextKind::Html);
        assert_eq!(text_kind("<P style='x'>一、总体要求</P>"), TextKind::Html);
        assert_eq!(text_kind("乱码<html><body>x</body></html>"), TextKind::Html);
        assert_eq!(text_kind("a < b, and 1<2\n"), TextKind::Txt);
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(magic(b"PK\x03\x04rest"), Magic::Zip);
        assert!(matches!(magic(b"%PDF-1.7"), Magic::Unsupported(_)));
        assert!(matches!(magic(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]), Magic::Unsupported(_)));
        assert_eq!(magic(b"plain"), Magic::None);
    }
}
