//! Reading school data files: the bytes of an xlsx or csv file (UTF-8 or GBK) in, typed rows
//! out, or every bad row named with its line and a reason. A file with any error yields no
//! rows at all; the caller decides whether to offer the valid ones.
//!
//! The header row is found among the first lines (a title may stand above it); columns are
//! matched by name in any order, a qualifier in brackets ("教学及辅助用房面积(平方米)") and
//! spaces are ignored, and columns not asked for are ignored. Blank rows and total rows
//! (合计, 总计, 小计) are skipped: totals are computed, never read.
//!
//! Line numbers are the file's own for csv; for xlsx they count the sheet's non-empty rows,
//! which is the row number Excel shows unless whole empty rows precede the row.

use std::collections::HashMap;
use std::fmt;

use docread::{Block, Format};

use crate::balance::{Indicator, School, Stage};
use crate::preschool::{Kindergarten, Ownership, Population};

/// One problem in an input file; `line` is `None` for a problem with the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: Option<usize>,
    pub message: String,
}

impl RowError {
    fn file(message: impl Into<String>) -> RowError {
        RowError { line: None, message: message.into() }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "第 {line} 行:{}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem of a refused file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors {
    /// What the file was: 学校数据, 幼儿园数据, 人口数据.
    pub what: &'static str,
    pub errors: Vec<RowError>,
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.errors.as_slice()
            && only.line.is_none()
        {
            return write!(f, "{}文件无法读取:{}", self.what, only.message);
        }
        write!(f, "{}文件有 {} 处错误,未读取任何数据:", self.what, self.errors.len())?;
        for e in &self.errors {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// A required column: its name and other names it goes by.
struct Column {
    name: &'static str,
    aliases: &'static [&'static str],
}

const NAME_OF_SCHOOL: Column = Column { name: "学校名称", aliases: &["学校", "校名"] };
const COUNTY: Column = Column {
    name: "区县",
    aliases: &["县区", "所属区县", "区县名称", "县市区", "县(市、区)", "区(市)"],
};
const STAGE: Column = Column { name: "学段", aliases: &[] };
const STUDENTS: Column = Column { name: "在校生数", aliases: &["在校学生数", "学生数"] };
const NAME_OF_KINDERGARTEN: Column = Column { name: "幼儿园名称", aliases: &["幼儿园", "园名"] };
const OWNERSHIP: Column = Column { name: "办别", aliases: &["办学性质"] };
const INCLUSIVE: Column =
    Column { name: "普惠", aliases: &["是否普惠", "普惠性", "是否普惠性幼儿园"] };
const CHILDREN: Column = Column { name: "在园幼儿数", aliases: &["在园幼儿"] };
const POPULATION: Column = Column {
    name: "3至5岁人口",
    aliases: &["3-5岁人口", "3～5岁人口", "3~5岁人口", "3—5岁人口", "三至五岁人口"],
};

/// The columns of a school data file, in the order they are documented.
pub const SCHOOL_COLUMNS: [&str; 11] = [
    "学校名称",
    "区县",
    "学段",
    "在校生数",
    "高于规定学历教师数",
    "县级以上骨干教师数",
    "体育艺术专任教师数",
    "教学及辅助用房面积",
    "体育运动场馆面积",
    "教学仪器设备值",
    "网络多媒体教室数",
];
pub const KINDERGARTEN_COLUMNS: [&str; 5] = ["幼儿园名称", "区县", "办别", "普惠", "在园幼儿数"];
pub const POPULATION_COLUMNS: [&str; 2] = ["区县", "3至5岁人口"];

/// The largest raw amount accepted (yuan of equipment in a very large school are ~1e8).
const MAX_AMOUNT: f64 = 1e12;
/// The largest head count accepted.
const MAX_COUNT: u64 = 100_000_000;
/// How far down the header row is looked for.
const HEADER_SEARCH_ROWS: usize = 10;
const TOTAL_MARKERS: [&str; 6] = ["合计", "总计", "小计", "全市", "全市合计", "总数"];

struct Row {
    line: usize,
    cells: Vec<String>,
}

/// The file's tables with the line of each row. For text, one table per candidate delimiter;
/// the header search picks the one that fits.
fn tables(bytes: &[u8]) -> Result<Vec<Vec<Row>>, RowError> {
    let extracted = docread::extract(bytes).map_err(|e| RowError::file(e.to_string()))?;
    match extracted.format {
        Format::Csv | Format::Txt => {
            let (text, _) = docread::decode_text(bytes);
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            Ok([b',', b'\t', b';'].iter().filter_map(|&d| delimited(text, d)).collect())
        }
        Format::Xlsx | Format::Docx | Format::Html => Ok(extracted
            .blocks
            .into_iter()
            .filter_map(|b| match b {
                Block::Table(rows) => {
                    Some(rows.into_iter().enumerate().map(|(i, cells)| Row { line: i + 1, cells }).collect::<Vec<_>>())
                }
                Block::Para(_) => None,
            })
            .collect()),
    }
}

/// Text split with `delimiter`, each record with the line it starts on; `None` when the
/// text does not parse with it.
fn delimited(text: &str, delimiter: u8) -> Option<Vec<Row>> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // The reader's own line count goes astray after blank lines; the line is counted from
    // the record's byte offset instead (which points before any blank lines it skipped).
    let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.ok()?;
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while bytes.get(start).is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            start += 1;
        }
        let line = newlines.partition_point(|&i| i < start) + 1;
        rows.push(Row { line, cells: record.iter().map(str::to_owned).collect() });
    }
    Some(rows)
}

/// A header cell as compared: without spaces, required-field stars and a trailing
/// qualifier in brackets.
fn normalize_header(cell: &str) -> String {
    let mut t: String = cell.chars().filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '\u{feff}')).collect();
    if t.ends_with([')', '）'])
        && let Some(open) = t.rfind(['(', '（'])
        && open > 0
    {
        t.truncate(open);
    }
    t
}

/// The index of each column in `header`, `None` for those missing. An exact name wins over
/// an alias.
fn match_columns(header: &[String], columns: &[&Column]) -> Vec<Option<usize>> {
    let normalized: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
    columns
        .iter()
        .map(|c| {
            normalized.iter().position(|h| h == c.name).or_else(|| {
                let aliases: Vec<String> = c.aliases.iter().map(|a| normalize_header(a)).collect();
                normalized.iter().position(|h| aliases.contains(h))
            })
        })
        .collect()
}

/// Rows of the data below the header: the line and the cells of `columns`, trimmed.
struct DataRow {
    line: usize,
    cells: Vec<String>,
}

fn data_rows(bytes: &[u8], columns: &[&Column]) -> Result<Vec<DataRow>, RowError> {
    let tables = tables(bytes)?;
    let mut best: Option<(usize, usize, usize, Vec<Option<usize>>)> = None;
    for (t, table) in tables.iter().enumerate() {
        for (r, row) in table.iter().enumerate().take(HEADER_SEARCH_ROWS) {
            let found = match_columns(&row.cells, columns);
            let score = found.iter().filter(|f| f.is_some()).count();
            if best.as_ref().is_none_or(|(s, ..)| score > *s) {
                best = Some((score, t, r, found));
            }
        }
    }
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let Some((score, t, r, found)) = best.filter(|(score, ..)| *score >= 2.min(columns.len())) else {
        return Err(RowError::file(format!("找不到表头:文件的前几行中应有一行列名:{}", names.join("、"))));
    };
    let table = &tables[t];
    if score < columns.len() {
        let missing: Vec<&str> = columns.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(c, _)| c.name).collect();
        return Err(RowError {
            line: Some(table[r].line),
            message: format!("表头缺少列:{}(应有:{})", missing.join("、"), names.join("、")),
        });
    }
    let indices: Vec<usize> = found.into_iter().flatten().collect();
    let mut rows = Vec::new();
    for row in &table[r + 1..] {
        if row.cells.iter().all(|c| c.trim().is_empty()) || is_total(row) {
            continue;
        }
        let cells = indices.iter().map(|&i| row.cells.get(i).map_or("", |c| c.trim()).to_string()).collect();
        rows.push(DataRow { line: row.line, cells });
    }
    if rows.is_empty() {
        return Err(RowError::file("表格中没有数据行"));
    }
    Ok(rows)
}

fn is_total(row: &Row) -> bool {
    row.cells.iter().any(|c| {
        let c: String = c.chars().filter(|c| !c.is_whitespace()).collect();
        TOTAL_MARKERS.contains(&c.as_str())
    })
}

/// A non-negative number; thousands separators are allowed.
fn number(cell: &str, column: &str) -> Result<f64, String> {
    let t: String = cell.chars().filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，')).collect();
    if t.is_empty() {
        return Err(format!("{column}为空"));
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v < 0.0 => Err(format!("{column}“{cell}”不能为负数")),
        Ok(v) if v.is_finite() && v <= MAX_AMOUNT => Ok(if v == 0.0 { 0.0 } else { v }),
        Ok(v) if v.is_finite() => Err(format!("{column}“{cell}”过大")),
        _ => Err(format!("{column}“{cell}”不是数字")),
    }
}

/// A non-negative whole number.
fn count(cell: &str, column: &str) -> Result<u64, String> {
    let v = number(cell, column)?;
    if v.fract() != 0.0 {
        return Err(format!("{column}“{cell}”应为整数"));
    }
    if v > MAX_COUNT as f64 {
        return Err(format!("{column}“{cell}”过大"));
    }
    Ok(v as u64)
}

fn text(cell: &str, column: &str, problems: &mut Vec<String>) -> String {
    if cell.is_empty() {
        problems.push(format!("{column}为空"));
    }
    cell.to_string()
}

fn refuse(what: &'static str, errors: Vec<RowError>) -> InputErrors {
    InputErrors { what, errors }
}

/// The rows parsed (with their line numbers) and the errors of the rest.
type Rows<T> = (Vec<(usize, T)>, Vec<RowError>);

/// Collects each row's parse: rows with problems become one error naming all of them. The
/// good rows and the errors both come back; only a file that cannot be read at all is `Err`.
fn parse_rows<T>(
    what: &'static str,
    bytes: &[u8],
    columns: &[&Column],
    mut parse: impl FnMut(&[String], &mut Vec<String>) -> Option<T>,
) -> Result<Rows<T>, InputErrors> {
    let rows = data_rows(bytes, columns).map_err(|e| refuse(what, vec![e]))?;
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let mut problems = Vec::new();
        let value = parse(&row.cells, &mut problems);
        match value {
            Some(v) if problems.is_empty() => parsed.push((row.line, v)),
            _ => errors.push(RowError { line: Some(row.line), message: problems.join(";") }),
        }
    }
    Ok((parsed, errors))
}

/// Rows read from a file that had bad rows: the good ones (each key's first row), and every
/// error. For the user who accepts the valid rows explicitly.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
}

impl<T> Partial<T> {
    /// All or nothing: the rows when there was no error, else every error.
    pub fn whole(self, what: &'static str) -> Result<Vec<T>, InputErrors> {
        if self.errors.is_empty() { Ok(self.rows) } else { Err(refuse(what, self.errors)) }
    }
}

/// Drops rows whose key repeats an earlier row's, with an error for each; errors in line order.
fn dedup<T, K: std::hash::Hash + Eq>(
    rows: Vec<(usize, T)>,
    mut errors: Vec<RowError>,
    key: impl Fn(&T) -> K,
    describe: impl Fn(&K) -> String,
) -> Partial<T> {
    let keys: Vec<(usize, K)> = rows.iter().map(|(line, r)| (*line, key(r))).collect();
    let dup = duplicates(&keys, describe);
    let dup_lines: Vec<usize> = dup.iter().filter_map(|e| e.line).collect();
    errors.extend(dup);
    errors.sort_by_key(|e| e.line);
    Partial { rows: rows.into_iter().filter(|(l, _)| !dup_lines.contains(l)).map(|(_, r)| r).collect(), errors }
}

/// Errors for rows whose key repeats an earlier row's.
fn duplicates<K: std::hash::Hash + Eq>(rows: &[(usize, K)], describe: impl Fn(&K) -> String) -> Vec<RowError> {
    let mut first: HashMap<&K, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (line, key) in rows {
        match first.get(key) {
            Some(earlier) => errors
                .push(RowError { line: Some(*line), message: format!("{}与第 {earlier} 行重复", describe(key)) }),
            None => {
                first.insert(key, *line);
            }
        }
    }
    errors
}

/// Reads a school data file for the 优质均衡 assessment: one row per school and stage,
/// columns [`SCHOOL_COLUMNS`], the last seven as raw totals of the school and stage.
pub fn read_schools(bytes: &[u8]) -> Result<Vec<School>, InputErrors> {
    read_schools_partial(bytes)?.whole("学校数据")
}

/// [`read_schools`], keeping the good rows of a file with bad ones.
pub fn read_schools_partial(bytes: &[u8]) -> Result<Partial<School>, InputErrors> {
    const WHAT: &str = "学校数据";
    let indicator_columns: Vec<Column> =
        Indicator::ALL.iter().map(|i| Column { name: i.column(), aliases: &[] }).collect();
    let mut columns = vec![&NAME_OF_SCHOOL, &COUNTY, &STAGE, &STUDENTS];
    columns.extend(indicator_columns.iter());
    let (rows, errors) = parse_rows(WHAT, bytes, &columns, |cells, problems| {
        let name = text(&cells[0], NAME_OF_SCHOOL.name, problems);
        let county = text(&cells[1], COUNTY.name, problems);
        let stage = Stage::parse(&cells[2]);
        if stage.is_none() {
            problems.push(if cells[2].is_empty() {
                "学段为空,应为 小学 或 初中".to_string()
            } else {
                format!("学段“{}”无效,应为 小学 或 初中(九年一贯制、完全中学请按学段分行填写)", cells[2])
            });
        }
        let students = count(&cells[3], STUDENTS.name).map_err(|e| problems.push(e)).ok();
        if students == Some(0) {
            problems.push("在校生数应大于 0".to_string());
        }
        let mut amounts = [0.0; 7];
        for i in Indicator::ALL {
            match number(&cells[4 + i.index()], i.column()) {
                Ok(v) => amounts[i.index()] = v,
                Err(e) => problems.push(e),
            }
        }
        Some(School { name, county, stage: stage?, students: students?, amounts })
    })?;
    Ok(dedup(
        rows,
        errors,
        |s| (s.name.clone(), s.county.clone(), s.stage),
        |(name, county, stage)| format!("{county}{name}的{}", stage.label()),
    ))
}

/// Reads a kindergarten file for the 普及普惠 assessment, columns [`KINDERGARTEN_COLUMNS`].
/// 普惠 is 是 or 否; for a public kindergarten it may be left empty (public kindergartens
/// are inclusive).
pub fn read_kindergartens(bytes: &[u8]) -> Result<Vec<Kindergarten>, InputErrors> {
    read_kindergartens_partial(bytes)?.whole("幼儿园数据")
}

/// [`read_kindergartens`], keeping the good rows of a file with bad ones.
pub fn read_kindergartens_partial(bytes: &[u8]) -> Result<Partial<Kindergarten>, InputErrors> {
    const WHAT: &str = "幼儿园数据";
    let columns = [&NAME_OF_KINDERGARTEN, &COUNTY, &OWNERSHIP, &INCLUSIVE, &CHILDREN];
    let (rows, errors) = parse_rows(WHAT, bytes, &columns, |cells, problems| {
        let name = text(&cells[0], NAME_OF_KINDERGARTEN.name, problems);
        let county = text(&cells[1], COUNTY.name, problems);
        let ownership = Ownership::parse(&cells[2]);
        if ownership.is_none() {
            problems.push(if cells[2].is_empty() {
                "办别为空,应为 公办 或 民办".to_string()
            } else {
                format!("办别“{}”无效,应为 公办 或 民办", cells[2])
            });
        }
        let inclusive = match cells[3].as_str() {
            "是" | "普惠" => Some(true),
            "否" | "非普惠" => Some(false),
            "" if ownership == Some(Ownership::Public) => Some(true),
            "" => {
                problems.push("普惠为空,民办园应填 是 或 否".to_string());
                None
            }
            other => {
                problems.push(format!("普惠“{other}”无效,应为 是 或 否"));
                None
            }
        };
        let children = count(&cells[4], CHILDREN.name).map_err(|e| problems.push(e)).ok();
        Some(Kindergarten { name, county, ownership: ownership?, inclusive: inclusive?, children: children? })
    })?;
    Ok(dedup(rows, errors, |k| (k.name.clone(), k.county.clone()), |(name, county)| format!("{county}{name}")))
}

/// Reads a population file, columns [`POPULATION_COLUMNS`]: one row per county.
pub fn read_population(bytes: &[u8]) -> Result<Vec<Population>, InputErrors> {
    read_population_partial(bytes)?.whole("人口数据")
}

/// [`read_population`], keeping the good rows of a file with bad ones.
pub fn read_population_partial(bytes: &[u8]) -> Result<Partial<Population>, InputErrors> {
    const WHAT: &str = "人口数据";
    let (rows, errors) = parse_rows(WHAT, bytes, &[&COUNTY, &POPULATION], |cells, problems| {
        let county = text(&cells[0], COUNTY.name, problems);
        let aged = count(&cells[1], POPULATION.name).map_err(|e| problems.push(e)).ok();
        if aged == Some(0) {
            problems.push("3至5岁人口应大于 0".to_string());
        }
        Some(Population { county, aged_3_to_5: aged? })
    })?;
    Ok(dedup(rows, errors, |p| p.county.clone(), |county| format!("区县“{county}”")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "学校名称,区县,学段,在校生数,高于规定学历教师数,县级以上骨干教师数,体育艺术专任教师数,教学及辅助用房面积,体育运动场馆面积,教学仪器设备值,网络多媒体教室数";

    #[test]
    fn headers_are_matched_loosely() {
        assert_eq!(normalize_header(" 教学及辅助用房面积(平方米)"), "教学及辅助用房面积");
        assert_eq!(normalize_header("*在校生数（人）"), "在校生数");
        assert_eq!(normalize_header("(空)"), "(空)");
    }

    #[test]
    fn schools_from_csv_with_title_and_extra_columns() {
        let csv = format!(
            "2024年学校办学条件统计\n序号,{HEADER},备注\n1,一小,甲县,小学,1000,50,12,10,5000,8000,2100000,24,\n\n2,一中,甲县,初中,800,45,9,8,5000,9000,2100000,20,新校\n,合计,,,1800,95,21,18,10000,17000,4200000,44,\n"
        );
        let schools = read_schools(csv.as_bytes()).unwrap();
        assert_eq!(schools.len(), 2);
        assert_eq!(schools[1].stage, Stage::Junior);
        assert_eq!(schools[1].amounts[6], 20.0);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let csv = format!(
            "{HEADER}\n一小,甲县,小学,1000,50,12,10,5000,8000,2100000,24\n二小,甲县,高中,0,50,x,10,5000,8000,-1,24\n\n一小,甲县,小学,900,50,12,10,5000,8000,2100000,24\n"
        );
        let err = read_schools(csv.as_bytes()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("学校数据文件有 2 处错误"), "{text}");
        assert!(text.contains("第 5 行:甲县一小的小学与第 2 行重复"), "every error at once: {text}");
        assert!(text.contains("第 3 行:学段“高中”无效"), "{text}");
        assert!(text.contains("在校生数应大于 0"), "{text}");
        assert!(text.contains("县级以上骨干教师数“x”不是数字"), "{text}");
        assert!(text.contains("教学仪器设备值“-1”不能为负数"), "{text}");
        // Accepting the valid rows keeps the first of duplicates and drops the bad ones.
        let partial = read_schools_partial(csv.as_bytes()).unwrap();
        assert_eq!(partial.rows.len(), 1);
        assert_eq!((partial.rows[0].students, partial.errors.len()), (1000, 2));
        let csv = format!(
            "{HEADER}\n一小,甲县,小学,1000,50,12,10,5000,8000,2100000,24\n\n一小,甲县,小学,900,50,12,10,5000,8000,2100000,24\n"
        );
        let err = read_schools(csv.as_bytes()).unwrap_err();
        assert_eq!(err.errors[0].line, Some(4));
        assert!(err.to_string().contains("与第 2 行重复"), "{err}");
    }

    #[test]
    fn missing_columns_and_no_header() {
        let err = read_schools("学校名称,区县,学段\n一小,甲县,小学\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("表头缺少列:在校生数、高于规定学历教师数"), "{err}");
        let err = read_schools("随便写的一段文字。\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("找不到表头"), "{err}");
        let err = read_schools(b"").unwrap_err();
        assert!(err.to_string().contains("文件为空"), "{err}");
    }

    #[test]
    fn kindergartens_and_population() {
        let k =
            "幼儿园名称,区县,办别,普惠,在园幼儿数\n甲园,甲县,公办,,300\n乙园,甲县,民办,是,200\n丙园,甲县,民办,否,100\n";
        let list = read_kindergartens(k.as_bytes()).unwrap();
        assert_eq!(list.len(), 3);
        assert!(list[0].inclusive && list[1].inclusive && !list[2].inclusive);
        let bad = "幼儿园名称,区县,办别,普惠,在园幼儿数\n甲园,甲县,国办,,300\n乙园,甲县,民办,,20.5\n";
        let err = read_kindergartens(bad.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("第 2 行:办别“国办”无效"), "{err}");
        assert!(err.contains("第 3 行:普惠为空,民办园应填 是 或 否;在园幼儿数“20.5”应为整数"), "{err}");
        // Two columns only: docread calls it plain text; it is read as csv all the same.
        let p = read_population("区县,3至5岁人口\n甲县,1000\n乙县,\"1,200\"\n合计,2200\n".as_bytes()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].aged_3_to_5, 1200);
        let err = read_population("区县,3至5岁人口\n甲县,1000\n甲县,900\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("第 3 行:区县“甲县”与第 2 行重复"), "{err}");
    }
}
