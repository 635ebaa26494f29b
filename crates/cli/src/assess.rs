//! `duban assess balance|preschool`: the national county assessments computed from school
//! data files, printed as JSON or a Chinese report, or written as an xlsx workbook.

use std::path::{Path, PathBuf};

use ::assess::balance::{self, BalanceReport, Indicator, SchoolResult, figure, whole_percent};
use ::assess::preschool::{self, Area, PreschoolReport, percent, threshold_percent};
use ::assess::{BalanceStandard, PreschoolStandard, Stage};
use anyhow::{anyhow, bail};
use clap::{Subcommand, ValueEnum};
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// School data files larger than this are refused before reading.
const MAX_INPUT_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Subcommand)]
pub enum AssessCommand {
    /// 县域义务教育优质均衡(资源配置):各区县各学段的 7 项指标、学校达标情况、差异系数和结论
    Balance {
        /// 学校数据(csv 或 xlsx,UTF-8 或 GBK);列:学校名称、区县、学段(小学|初中)、在校生数、
        /// 高于规定学历教师数、县级以上骨干教师数、体育艺术专任教师数、教学及辅助用房面积、
        /// 体育运动场馆面积、教学仪器设备值、网络多媒体教室数
        #[arg(long)]
        schools: PathBuf,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = AssessFormat::Json)]
        format: AssessFormat,
        /// 输出文件(缺省为标准输出;xlsx 必须指定)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// 评估标准(TOML);缺省为国家 2017 年办法的标准
        #[arg(long)]
        standard: Option<PathBuf>,
    },
    /// 县域学前教育普及普惠:各区县和全市的公办园在园幼儿占比、普惠性幼儿园覆盖率、学前三年毛入园率
    Preschool {
        /// 幼儿园数据(csv 或 xlsx);列:幼儿园名称、区县、办别(公办|民办)、普惠(是|否)、在园幼儿数
        #[arg(long)]
        kindergartens: PathBuf,
        /// 人口数据(csv 或 xlsx);列:区县、3至5岁人口。提供时计算学前三年毛入园率
        #[arg(long)]
        population: Option<PathBuf>,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = AssessFormat::Json)]
        format: AssessFormat,
        /// 输出文件(缺省为标准输出;xlsx 必须指定)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// 评估标准和目标(TOML);缺省为国家 2020 年办法的标准和市定目标 57%、94%
        #[arg(long)]
        standard: Option<PathBuf>,
    },
}

/// The output format.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssessFormat {
    Json,
    Text,
    Xlsx,
}

pub fn run(command: AssessCommand) -> anyhow::Result<()> {
    match command {
        AssessCommand::Balance { schools, format, output, standard } => {
            check_output(format, output.as_deref())?;
            let standard: BalanceStandard = load_standard(standard.as_deref())?;
            standard.validate().map_err(|e| anyhow!("评估标准无效:{e}"))?;
            let rows =
                ::assess::read_schools(&read_file(&schools)?).map_err(|e| anyhow!("{}:{e}", schools.display()))?;
            let report = balance::assess(&rows, &standard);
            let bytes = match format {
                AssessFormat::Json => json(&report)?,
                AssessFormat::Text => balance_text(&report).into_bytes(),
                AssessFormat::Xlsx => balance_xlsx(&report)?,
            };
            emit(&bytes, output.as_deref())
        }
        AssessCommand::Preschool { kindergartens, population, format, output, standard } => {
            check_output(format, output.as_deref())?;
            let standard: PreschoolStandard = load_standard(standard.as_deref())?;
            standard.validate().map_err(|e| anyhow!("评估标准无效:{e}"))?;
            let list = ::assess::read_kindergartens(&read_file(&kindergartens)?)
                .map_err(|e| anyhow!("{}:{e}", kindergartens.display()))?;
            let people = match &population {
                Some(p) => ::assess::read_population(&read_file(p)?).map_err(|e| anyhow!("{}:{e}", p.display()))?,
                None => Vec::new(),
            };
            let report = preschool::assess(&list, &people, &standard);
            let bytes = match format {
                AssessFormat::Json => json(&report)?,
                AssessFormat::Text => preschool_text(&report).into_bytes(),
                AssessFormat::Xlsx => preschool_xlsx(&report)?,
            };
            emit(&bytes, output.as_deref())
        }
    }
}

fn check_output(format: AssessFormat, output: Option<&Path>) -> anyhow::Result<()> {
    if format == AssessFormat::Xlsx && output.is_none() {
        bail!("xlsx 格式需要用 -o 指定输出文件,如 -o 评估结果.xlsx");
    }
    Ok(())
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let reason = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        _ => e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|e| anyhow!("无法读取文件 {}:{}", path.display(), reason(e)))?;
    if meta.is_dir() {
        bail!("{} 是目录,不是文件", path.display());
    }
    if meta.len() > MAX_INPUT_BYTES {
        bail!(
            "文件 {} 过大({} MB),学校数据文件不应超过 {} MB",
            path.display(),
            meta.len() >> 20,
            MAX_INPUT_BYTES >> 20
        );
    }
    std::fs::read(path).map_err(|e| anyhow!("无法读取文件 {}:{}", path.display(), reason(e)))
}

/// The standard in a TOML file, laid over the defaults: a file may set only the figures it
/// changes (`[primary.thresholds]` with `sports_area = 8.0`, say).
fn load_standard<T: DeserializeOwned + Serialize + Default>(path: Option<&Path>) -> anyhow::Result<T> {
    let Some(path) = path else {
        return Ok(T::default());
    };
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("评估标准文件 {} 不是 UTF-8 文本", path.display()))?;
    let bad = |message: String| anyhow!("评估标准文件 {} 格式错误:{message}", path.display());
    let given: toml::Table = text.parse().map_err(|e: toml::de::Error| bad(e.message().to_string()))?;
    let mut merged = toml::Table::try_from(T::default())?;
    overlay(&mut merged, given);
    merged.try_into().map_err(|e: toml::de::Error| bad(e.message().to_string()))
}

fn overlay(base: &mut toml::Table, given: toml::Table) {
    for (key, value) in given {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(g)) => overlay(b, g),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn json<T: Serialize>(report: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(report)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn emit(bytes: &[u8], output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|e| anyhow!("无法写入 {}:{e}", path.display()))?;
            eprintln!("已写入 {}", path.display());
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

// --- text -----------------------------------------------------------------------------------

/// Columns as a terminal shows them: CJK characters take two cells.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn pad(s: &str, to: usize) -> String {
    format!("{s}{}", " ".repeat(to.saturating_sub(width(s))))
}

fn verdict(pass: bool) -> &'static str {
    if pass { "达标" } else { "未达标" }
}

fn maybe_verdict(pass: Option<bool>) -> &'static str {
    match pass {
        Some(true) => "达标",
        Some(false) => "未达标",
        None => "无法判断",
    }
}

/// A head count with thousands separators: 12,345.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn balance_text(r: &BalanceReport) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("县域义务教育优质均衡发展评估(资源配置)".into());
    line(format!("计算方法:{}", r.method));
    line(format!("说明:{}", r.scope));
    line(format!(
        "规则:每所学校 7 项指标至少 {} 项达到标准、其余不低于标准的 {}%;各项指标差异系数小学不超过 {},初中不超过 {}",
        r.standard.min_met,
        whole_percent(r.standard.floor_ratio),
        figure(r.standard.primary.cv_limit),
        figure(r.standard.junior.cv_limit)
    ));
    line(String::new());
    line("一、结论".into());
    let name_width = r.county_verdicts.iter().map(|v| width(&v.county)).max().unwrap_or(0) + 2;
    for v in &r.county_verdicts {
        let stages: Vec<String> = r
            .counties
            .iter()
            .filter(|c| c.county == v.county)
            .map(|c| format!("{} {}", c.stage.label(), verdict(c.pass)))
            .collect();
        line(format!("  {}{}({})", pad(&v.county, name_width), verdict(v.pass), stages.join(";")));
    }
    let passed = r.county_verdicts.iter().filter(|v| v.pass).count();
    line(format!("  共 {} 个区县,资源配置达标 {passed} 个。", r.county_verdicts.len()));
    line(String::new());
    line("二、各区县各学段".into());
    let ind_width = Indicator::ALL.iter().map(|i| width(i.name())).max().unwrap_or(0) + 2;
    for c in &r.counties {
        line(String::new());
        line(format!(
            "【{} · {}】{}:学校 {} 所,达标 {} 所,在校生 {} 人",
            c.county,
            c.stage.label(),
            verdict(c.pass),
            c.schools_total,
            c.schools_meeting,
            thousands(c.students)
        ));
        line(format!("  {}差异系数  限值  结论    县域值  标准", pad("指标", ind_width)));
        for i in &c.indicators {
            let cv = i.cv.map_or("—".to_string(), |v| format!("{v:.3}"));
            line(format!(
                "  {}{}  {}  {}  {}  {}",
                pad(i.name, ind_width),
                pad(&cv, 8),
                pad(&format!("{:.2}", i.limit), 4),
                pad(verdict(i.pass), 6),
                pad(&i.county_value.map_or("—".to_string(), figure), 6),
                figure(i.threshold)
            ));
        }
        if !c.problems.is_empty() {
            line("  问题:".into());
            for (n, p) in c.problems.iter().enumerate() {
                line(format!("    {}. {p}", n + 1));
            }
        }
    }
    let failing: Vec<&SchoolResult> = r.schools.iter().filter(|s| !s.pass).collect();
    line(String::new());
    line("三、未达标学校及差距".into());
    if failing.is_empty() {
        line("  所有学校均达到要求。".into());
    }
    let floor_percent = whole_percent(r.standard.floor_ratio);
    for s in failing {
        line(format!(
            "  {}({} · {},在校生 {} 人):7 项指标达标 {} 项",
            s.name,
            s.county,
            s.stage.label(),
            thousands(s.students),
            s.met
        ));
        for f in &s.shortfalls {
            let floor = if f.above_floor { String::new() } else { format!(",低于标准的{floor_percent}%") };
            let gap = s.gaps.iter().find(|g| g.indicator == f.indicator);
            let action = match gap {
                Some(g) => format!(" → {}({})", g.text, g.goal),
                None if f.above_floor => format!(" → 不低于标准的{floor_percent}%,可作为允许未达标的一项"),
                None => String::new(),
            };
            line(format!("    {} {}(标准 {}{floor}){action}", f.indicator, figure(f.value), figure(f.threshold)));
        }
    }
    out
}

fn preschool_text(r: &PreschoolReport) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let s = &r.standard;
    line("县域学前教育普及普惠评估".into());
    line(format!("计算方法:{}", r.method));
    line(format!("说明:{}", r.scope));
    let mut targets = Vec::new();
    if let Some(t) = s.target_gross_enrolment {
        targets.push(format!("学前三年毛入园率 ≥ {}", threshold_percent(t)));
    }
    if let Some(t) = s.target_inclusive_share {
        targets.push(format!("普惠性幼儿园覆盖率 ≥ {}", threshold_percent(t)));
    }
    if let Some(t) = s.target_public_share {
        targets.push(format!("公办园在园幼儿占比 ≥ {}", threshold_percent(t)));
    }
    line(format!(
        "国家标准:学前三年毛入园率 ≥ {},普惠性幼儿园覆盖率 ≥ {},公办园在园幼儿占比 ≥ {}",
        threshold_percent(s.gross_enrolment),
        threshold_percent(s.inclusive_share),
        threshold_percent(s.public_share)
    ));
    if !targets.is_empty() {
        line(format!("市定目标:{}", targets.join(",")));
    }
    line(String::new());
    let areas: Vec<&Area> = r.counties.iter().chain(std::iter::once(&r.city)).collect();
    let name_width = areas.iter().map(|a| width(&a.county)).max().unwrap_or(0) + 2;
    let pct = |v: Option<f64>| v.map_or("—".to_string(), percent);
    line(format!(
        "{}{}{}{}{}{}{}",
        pad("区县", name_width),
        pad("在园幼儿", 10),
        pad("公办园占比", 12),
        pad("普惠覆盖率", 12),
        pad("毛入园率", 10),
        pad("国家标准", 10),
        "市定目标"
    ));
    for a in &areas {
        line(format!(
            "{}{}{}{}{}{}{}",
            pad(&a.county, name_width),
            pad(&thousands(a.children), 10),
            pad(&pct(a.public_share), 12),
            pad(&pct(a.inclusive_share), 12),
            pad(&pct(a.gross_enrolment), 10),
            pad(maybe_verdict(a.national_pass), 10),
            maybe_verdict(a.target_pass)
        ));
    }
    line(String::new());
    line("全市数值为各区县合计数相除,不是各区县百分比的平均。".into());
    let with_problems: Vec<&&Area> = areas.iter().filter(|a| !a.problems.is_empty()).collect();
    if !with_problems.is_empty() {
        line(String::new());
        line("问题与差距:".into());
        for a in with_problems {
            line(format!("  {}:", a.county));
            for p in &a.problems {
                line(format!("    - {p}"));
            }
        }
    }
    if !r.warnings.is_empty() {
        line(String::new());
        line("提示:".into());
        for w in &r.warnings {
            line(format!("  - {w}"));
        }
    }
    out
}

// --- xlsx -----------------------------------------------------------------------------------

enum Cell {
    Text(String),
    /// A number with its Excel number format.
    Number(f64, &'static str),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_number(v: Option<f64>, format: &'static str) -> Cell {
    v.map_or(Cell::Empty, |v| Cell::Number(v, format))
}

struct Sheet {
    name: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// Columns as Excel measures them, roughly: a CJK character is two.
fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => s.lines().map(width).max().unwrap_or(0),
        Cell::Number(v, f) if f.ends_with('%') => format!("{:.2}%", v * 100.0).len(),
        Cell::Number(v, _) => format!("{v:.3}").len(),
        Cell::Empty => 0,
    }
}

fn workbook(sheets: &[Sheet]) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name)?;
        let mut widths: Vec<usize> = sheet.headers.iter().map(|h| width(h).min(16)).collect();
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &header)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(s) if s.contains('\n') || width(s) > 60 => {
                        ws.write_string_with_format(r, col, s, &wrap)?;
                    }
                    Cell::Text(s) => {
                        ws.write_string(r, col, s)?;
                    }
                    Cell::Number(v, f) => {
                        ws.write_number_with_format(r, col, *v, &Format::new().set_num_format(*f))?;
                    }
                    Cell::Empty => {}
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(cell_width(cell));
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(book.save_to_buffer()?)
}

fn balance_xlsx(r: &BalanceReport) -> anyhow::Result<Vec<u8>> {
    let counties = Sheet {
        name: "区县结论",
        headers: ["区县", "学段", "结论", "学校数", "达标学校数", "在校生数", "差异系数超标指标", "未达标学校", "问题"]
            .map(String::from)
            .to_vec(),
        rows: r
            .counties
            .iter()
            .map(|c| {
                vec![
                    text(&c.county),
                    text(c.stage.label()),
                    text(verdict(c.pass)),
                    Cell::Number(c.schools_total as f64, "0"),
                    Cell::Number(c.schools_meeting as f64, "0"),
                    Cell::Number(c.students as f64, "#,##0"),
                    text(c.failing_indicators.join("\n")),
                    text(c.failing_schools.join("\n")),
                    text(c.problems.join("\n")),
                ]
            })
            .collect(),
    };
    let cvs = Sheet {
        name: "差异系数",
        headers: ["区县", "学段", "指标", "差异系数", "限值", "结论", "县域值", "标准值", "单位", "低于标准的学校数"]
            .map(String::from)
            .to_vec(),
        rows: r
            .counties
            .iter()
            .flat_map(|c| {
                c.indicators.iter().map(move |i| {
                    vec![
                        text(&c.county),
                        text(c.stage.label()),
                        text(i.name),
                        opt_number(i.cv, "0.000"),
                        Cell::Number(i.limit, "0.00"),
                        text(verdict(i.pass)),
                        opt_number(i.county_value, "0.00"),
                        Cell::Number(i.threshold, "General"),
                        text(i.unit),
                        Cell::Number(i.schools_below as f64, "0"),
                    ]
                })
            })
            .collect(),
    };
    let mut headers: Vec<String> = ["学校名称", "区县", "学段", "在校生数"].map(String::from).to_vec();
    headers.extend(Indicator::ALL.iter().map(|i| format!("{}({})", i.name(), i.value_unit())));
    headers.extend(["达标项数", "结论", "低于标准的指标", "达标差距"].map(String::from));
    let schools = Sheet {
        name: "学校明细",
        headers,
        rows: r
            .schools
            .iter()
            .map(|s| {
                let mut row = vec![
                    text(&s.name),
                    text(&s.county),
                    text(s.stage.label()),
                    Cell::Number(s.students as f64, "#,##0"),
                ];
                row.extend(Indicator::ALL.iter().map(|&i| Cell::Number(s.values.get(i), "0.00")));
                row.push(Cell::Number(s.met as f64, "0"));
                row.push(text(verdict(s.pass)));
                row.push(text(s.shortfalls.iter().map(|f| f.indicator).collect::<Vec<_>>().join("\n")));
                row.push(text(s.gaps.iter().map(|g| g.text.as_str()).collect::<Vec<_>>().join("\n")));
                row
            })
            .collect(),
    };
    let standard = Sheet {
        name: "标准",
        headers: ["指标", "单位", "小学标准", "初中标准"].map(String::from).to_vec(),
        rows: Indicator::ALL
            .iter()
            .map(|&i| {
                vec![
                    text(i.name()),
                    text(i.value_unit()),
                    Cell::Number(r.standard.stage(Stage::Primary).thresholds.get(i), "General"),
                    Cell::Number(r.standard.stage(Stage::Junior).thresholds.get(i), "General"),
                ]
            })
            .chain(std::iter::once(vec![
                text("差异系数限值"),
                Cell::Empty,
                Cell::Number(r.standard.primary.cv_limit, "0.00"),
                Cell::Number(r.standard.junior.cv_limit, "0.00"),
            ]))
            .chain(std::iter::once(vec![text("计算方法"), text(&r.method)]))
            .collect(),
    };
    workbook(&[counties, cvs, schools, standard])
}

fn preschool_xlsx(r: &PreschoolReport) -> anyhow::Result<Vec<u8>> {
    let headers = [
        "区县",
        "幼儿园数",
        "公办园数",
        "普惠性民办园数",
        "在园幼儿数",
        "公办园在园幼儿数",
        "普惠性民办园在园幼儿数",
        "3至5岁人口",
        "公办园在园幼儿占比",
        "普惠性幼儿园覆盖率",
        "学前三年毛入园率",
        "国家标准",
        "市定目标",
        "问题与差距",
    ]
    .map(String::from)
    .to_vec();
    let rows = r
        .counties
        .iter()
        .chain(std::iter::once(&r.city))
        .map(|a| {
            vec![
                text(&a.county),
                Cell::Number(a.kindergartens as f64, "0"),
                Cell::Number(a.public_kindergartens as f64, "0"),
                Cell::Number(a.inclusive_private_kindergartens as f64, "0"),
                Cell::Number(a.children as f64, "#,##0"),
                Cell::Number(a.public_children as f64, "#,##0"),
                Cell::Number(a.inclusive_private_children as f64, "#,##0"),
                opt_number(a.population_3_5.map(|p| p as f64), "#,##0"),
                opt_number(a.public_share, "0.00%"),
                opt_number(a.inclusive_share, "0.00%"),
                opt_number(a.gross_enrolment, "0.00%"),
                text(maybe_verdict(a.national_pass)),
                text(maybe_verdict(a.target_pass)),
                text(a.problems.join("\n")),
            ]
        })
        .collect();
    let s = &r.standard;
    let mut standard_rows = vec![
        vec![text("学前三年毛入园率"), text("国家标准"), Cell::Number(s.gross_enrolment, "0.00%")],
        vec![text("普惠性幼儿园覆盖率"), text("国家标准"), Cell::Number(s.inclusive_share, "0.00%")],
        vec![text("公办园在园幼儿占比"), text("国家标准"), Cell::Number(s.public_share, "0.00%")],
    ];
    for (name, t) in [
        ("学前三年毛入园率", s.target_gross_enrolment),
        ("普惠性幼儿园覆盖率", s.target_inclusive_share),
        ("公办园在园幼儿占比", s.target_public_share),
    ] {
        if let Some(t) = t {
            standard_rows.push(vec![text(name), text("市定目标"), Cell::Number(t, "0.00%")]);
        }
    }
    standard_rows.push(vec![text("计算方法"), text(r.method)]);
    workbook(&[
        Sheet { name: "普及普惠", headers, rows },
        Sheet {
            name: "标准", headers: ["指标", "类别", "标准值"].map(String::from).to_vec(), rows: standard_rows
        },
    ])
}
