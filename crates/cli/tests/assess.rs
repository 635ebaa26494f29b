//! `duban assess balance|preschool` as a user runs it: real process, csv and xlsx files made
//! here, and every figure of the JSON compared with a computation written here, apart from
//! the assess crate.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/schools");

fn duban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duban")).args(args).output().expect("duban runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON value")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

// --- balance -------------------------------------------------------------------------------

const COLUMNS: [&str; 7] = [
    "高于规定学历教师数",
    "县级以上骨干教师数",
    "体育艺术专任教师数",
    "教学及辅助用房面积",
    "体育运动场馆面积",
    "教学仪器设备值",
    "网络多媒体教室数",
];
const PER_100: [bool; 7] = [true, true, true, false, false, false, true];
const PRIMARY: [f64; 7] = [4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3];
const JUNIOR: [f64; 7] = [5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4];

#[derive(Clone)]
struct School {
    name: String,
    county: &'static str,
    stage: &'static str,
    students: u32,
    raw: [f64; 7],
}

impl School {
    fn value(&self, i: usize) -> f64 {
        let per = self.raw[i] / f64::from(self.students);
        if PER_100[i] { per * 100.0 } else { per }
    }

    fn thresholds(&self) -> [f64; 7] {
        if self.stage == "小学" { PRIMARY } else { JUNIOR }
    }
}

/// A small deterministic generator, so the test data vary without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Schools in three counties and two stages with values from 100% to 180% of the thresholds,
/// and in 乙区 some from 70%; 丙县 has one school with a very large sports ground to spread
/// that indicator.
fn schools() -> Vec<School> {
    let mut rng = Lcg(20_240_311);
    let mut out = Vec::new();
    for county in ["甲县", "乙区", "丙县"] {
        // Only 乙区 has indicators below the thresholds.
        let low = if county == "乙区" { 0.12 } else { 0.0 };
        for (stage, thresholds) in [("小学", PRIMARY), ("初中", JUNIOR)] {
            for n in 0..5 {
                let students = 150 + (rng.next() * 2500.0) as u32;
                let raw = std::array::from_fn(|i| {
                    let factor = if rng.next() < low { 0.7 + rng.next() * 0.3 } else { 1.0 + rng.next() * 0.8 };
                    let per = thresholds[i] * factor;
                    let amount = if PER_100[i] { per * f64::from(students) / 100.0 } else { per * f64::from(students) };
                    if PER_100[i] { amount.round() } else { (amount * 10.0).round() / 10.0 }
                });
                let suffix = if stage == "小学" { "小学" } else { "中学" };
                out.push(School { name: format!("{county}第{}{suffix}", n + 1), county, stage, students, raw });
            }
        }
    }
    let big = out.iter_mut().find(|s| s.county == "丙县" && s.stage == "小学").expect("丙县小学");
    big.raw[4] = 60.0 * f64::from(big.students);
    out
}

fn balance_csv(schools: &[School]) -> String {
    // Columns in another order than documented, and an extra one.
    let mut text = format!("序号,区县,学校名称,学段,在校生数,{},备注\n", COLUMNS.join(","));
    for (n, s) in schools.iter().enumerate() {
        let raw: Vec<String> = s.raw.iter().map(f64::to_string).collect();
        text.push_str(&format!("{},{},{},{},{},{},\n", n + 1, s.county, s.name, s.stage, s.students, raw.join(",")));
    }
    text
}

fn balance_xlsx(schools: &[School], file: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2024年义务教育学校办学条件").expect("title");
    let header = ["学校名称", "区县", "学段", "在校生数"].iter().copied().chain(COLUMNS);
    for (c, h) in header.enumerate() {
        sheet.write_string(1, c as u16, h).expect("header");
    }
    for (r, s) in schools.iter().enumerate() {
        let r = r as u32 + 2;
        sheet.write_string(r, 0, &s.name).expect("cell");
        sheet.write_string(r, 1, s.county).expect("cell");
        sheet.write_string(r, 2, s.stage).expect("cell");
        sheet.write_number(r, 3, f64::from(s.students)).expect("cell");
        for (i, v) in s.raw.iter().enumerate() {
            sheet.write_number(r, 4 + i as u16, *v).expect("cell");
        }
    }
    book.save(file).expect("save xlsx");
}

/// The weighted CV from the raw totals: weighted moments of the school values.
fn expected_cv(group: &[&School], i: usize) -> f64 {
    let total: f64 = group.iter().map(|s| f64::from(s.students)).sum();
    let mean: f64 = group.iter().map(|s| f64::from(s.students) / total * s.value(i)).sum();
    let second: f64 = group.iter().map(|s| f64::from(s.students) / total * s.value(i).powi(2)).sum();
    (second - mean * mean).max(0.0).sqrt() / mean
}

fn school_passes(s: &School) -> (usize, bool) {
    let t = s.thresholds();
    let tol = 1.0 - 1e-9;
    let met = (0..7).filter(|&i| s.value(i) >= t[i] * tol).count();
    let floor = (0..7).all(|i| s.value(i) >= 0.85 * t[i] * tol);
    (met, met >= 6 && floor)
}

/// The JSON's key for a column: the indicator name that contains the column's name.
fn key_for<'a>(values: &'a serde_json::Map<String, Value>, column: &str) -> &'a str {
    let keys: Vec<&String> = values.keys().filter(|k| k.contains(column)).collect();
    assert_eq!(keys.len(), 1, "one indicator for {column}: {keys:?}");
    keys[0]
}

fn check_balance(v: &Value, schools: &[School]) {
    assert!(v["method"].as_str().is_some_and(|m| m.contains("加权")), "{}", v["method"]);
    let json_schools = v["schools"].as_array().expect("schools");
    assert_eq!(json_schools.len(), schools.len());
    for s in schools {
        let j = json_schools
            .iter()
            .find(|j| j["name"] == s.name.as_str() && j["stage"] == s.stage)
            .unwrap_or_else(|| panic!("{} in output", s.name));
        assert_eq!(j["county"], s.county);
        let values = j["values"].as_object().expect("values");
        assert_eq!(values.len(), 7);
        for (i, column) in COLUMNS.iter().enumerate() {
            let got = values[key_for(values, column)].as_f64().expect("number");
            assert!(close(got, s.value(i)), "{} {column}: {got} vs {}", s.name, s.value(i));
        }
        let (met, pass) = school_passes(s);
        assert_eq!(j["met"], met, "{}", s.name);
        assert_eq!(j["pass"], pass, "{}", s.name);
    }
    let counties = v["counties"].as_array().expect("counties");
    assert_eq!(counties.len(), 6);
    for c in counties {
        let group: Vec<&School> = schools.iter().filter(|s| c["county"] == s.county && c["stage"] == s.stage).collect();
        assert_eq!(c["schools_total"], group.len());
        let meeting = group.iter().filter(|s| school_passes(s).1).count();
        assert_eq!(c["schools_meeting"], meeting);
        let limit = if c["stage"] == "小学" { 0.50 } else { 0.45 };
        let mut spreads_ok = true;
        let indicators = c["indicators"].as_array().expect("indicators");
        assert_eq!(indicators.len(), 7);
        for (i, column) in COLUMNS.iter().enumerate() {
            let ind = indicators
                .iter()
                .find(|ind| ind["name"].as_str().is_some_and(|n| n.contains(column)))
                .expect("indicator");
            let expected = expected_cv(&group, i);
            let got = ind["cv"].as_f64().expect("cv");
            assert!((got - expected).abs() < 1e-9, "{} {} {column}: {got} vs {expected}", c["county"], c["stage"]);
            assert_eq!(ind["limit"], limit);
            assert_eq!(ind["pass"], expected <= limit);
            spreads_ok &= expected <= limit;
        }
        assert_eq!(c["pass"], spreads_ok && meeting == group.len(), "{} {}", c["county"], c["stage"]);
    }
}

#[test]
fn balance_json_from_csv_matches_an_independent_computation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("schools.csv");
    let schools = schools();
    std::fs::write(&file, balance_csv(&schools)).expect("write");
    let v = json(&duban(&["assess", "balance", "--schools", path(&file), "--format", "json"]));
    check_balance(&v, &schools);
    // The generated data must exercise both verdicts.
    let passes: Vec<bool> = v["counties"].as_array().unwrap().iter().map(|c| c["pass"].as_bool().unwrap()).collect();
    assert!(passes.contains(&true) && passes.contains(&false), "{passes:?}");
    let bing =
        v["counties"].as_array().unwrap().iter().find(|c| c["county"] == "丙县" && c["stage"] == "小学").unwrap();
    assert_eq!(bing["pass"], false);
    // JSON is the default format.
    let again = json(&duban(&["assess", "balance", "--schools", path(&file)]));
    assert_eq!(again, v);
}

#[test]
fn balance_from_xlsx_and_gbk_csv_gives_the_same_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schools = schools();
    let xlsx = dir.path().join("schools.xlsx");
    balance_xlsx(&schools, &xlsx);
    let from_xlsx = json(&duban(&["assess", "balance", "--schools", path(&xlsx)]));
    check_balance(&from_xlsx, &schools);
    let gbk = dir.path().join("schools-gbk.csv");
    let text = balance_csv(&schools);
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&gbk, &bytes).expect("write");
    let from_gbk = json(&duban(&["assess", "balance", "--schools", path(&gbk)]));
    assert_eq!(from_gbk["counties"], from_xlsx["counties"]);
    assert_eq!(from_gbk["schools"], from_xlsx["schools"]);
}

#[test]
fn a_failing_school_gets_its_gap_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("schools.csv");
    let header = format!("学校名称,区县,学段,在校生数,{}\n", COLUMNS.join(","));
    // 320 pupils: 2 key teachers (0.63 per 100) and 5 multimedia rooms (1.56 per 100).
    let text = format!("{header}耳口乡中心小学,贵溪市,小学,320,14,2,3,1600,3000,700000,5\n");
    std::fs::write(&file, text).expect("write");
    let v = json(&duban(&["assess", "balance", "--schools", path(&file)]));
    let school = &v["schools"][0];
    assert_eq!(school["met"], 5);
    assert_eq!(school["pass"], false);
    let gaps: Vec<&str> = school["gaps"].as_array().unwrap().iter().map(|g| g["text"].as_str().unwrap()).collect();
    assert_eq!(gaps, ["需增加县级以上骨干教师 1 名", "需增加网络多媒体教室 3 间"]);
    assert_eq!(v["counties"][0]["failing_schools"][0], "耳口乡中心小学");

    let text = duban(&["assess", "balance", "--schools", path(&file), "--format", "text"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("【贵溪市 · 小学】未达标"), "{text}");
    assert!(text.contains("需增加网络多媒体教室 3 间"), "{text}");
    assert!(text.contains("差异系数"), "{text}");
}

#[test]
fn an_edited_standard_changes_the_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("schools.csv");
    std::fs::write(&file, balance_csv(&schools())).expect("write");
    let bing = |v: &Value| {
        v["counties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["county"] == "丙县" && c["stage"] == "小学")
            .unwrap()
            .clone()
    };
    let strict = json(&duban(&["assess", "balance", "--schools", path(&file)]));
    assert_eq!(bing(&strict)["pass"], false);
    // Only the figures that change: a looser spread limit for primary schools.
    let standard = dir.path().join("standard.toml");
    std::fs::write(&standard, "[primary]\ncv_limit = 0.95\n").expect("write");
    let loose = json(&duban(&["assess", "balance", "--schools", path(&file), "--standard", path(&standard)]));
    assert_eq!(bing(&loose)["pass"], true);
    assert_eq!(loose["standard"]["primary"]["thresholds"]["sports_area"], 7.5);
    std::fs::write(&standard, "[primary]\ncv_limt = 0.95\n").expect("write");
    let o = duban(&["assess", "balance", "--schools", path(&file), "--standard", path(&standard)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("评估标准文件"), "{}", stderr(&o));
}

#[test]
fn bad_rows_are_all_named_and_nothing_is_assessed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.csv");
    let header = format!("学校名称,区县,学段,在校生数,{}\n", COLUMNS.join(","));
    let text = format!(
        "{header}一小,甲县,小学,800,40,9,8,4000,7000,1700000,20\n二小,甲县,高中,800,40,9,8,4000,7000,1700000,20\n三小,甲县,小学,,40,9,8,四千,7000,1700000,20\n"
    );
    std::fs::write(&file, text).expect("write");
    let o = duban(&["assess", "balance", "--schools", path(&file)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("2 处错误"), "{err}");
    assert!(err.contains("第 3 行:学段“高中”无效"), "{err}");
    assert!(err.contains("第 4 行:在校生数为空;教学及辅助用房面积“四千”不是数字"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let missing = duban(&["assess", "balance", "--schools", path(&dir.path().join("none.csv"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("文件不存在"), "{}", stderr(&missing));

    let columns = dir.path().join("columns.csv");
    std::fs::write(&columns, "学校名称,区县,学段,在校生数\n一小,甲县,小学,800\n").expect("write");
    let o = duban(&["assess", "balance", "--schools", path(&columns)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("表头缺少列:高于规定学历教师数"), "{}", stderr(&o));

    let o = duban(&["assess", "balance", "--schools", path(&file), "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o"), "{}", stderr(&o));
}

#[test]
fn balance_xlsx_report_opens_with_its_sheets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("schools.csv");
    std::fs::write(&input, balance_csv(&schools())).expect("write");
    let out = dir.path().join("结果.xlsx");
    let o = duban(&["assess", "balance", "--schools", path(&input), "--format", "xlsx", "-o", path(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).expect("xlsx written");
    let doc = docread::extract(&bytes).expect("xlsx readable");
    let tables: Vec<&Vec<Vec<String>>> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            docread::Block::Table(t) => Some(t),
            docread::Block::Para(_) => None,
        })
        .collect();
    assert_eq!(tables.len(), 4);
    assert_eq!(tables[0][0][..3], ["区县", "学段", "结论"]);
    assert_eq!(tables[0].len(), 1 + 6);
    assert_eq!(tables[2].len(), 1 + 30);
}

// --- preschool -----------------------------------------------------------------------------

#[test]
fn preschool_figures_are_totals_over_totals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kindergartens = dir.path().join("k.csv");
    // (name, county, 办别, 普惠, children): the city totals are domain.md's check figures,
    // 10301 public and 7629 inclusive private of 25113.
    let rows = [
        ("甲区一园", "甲区", "公办", "是", 2100u64),
        ("甲区二园", "甲区", "公办", "", 901),
        ("甲区三园", "甲区", "民办", "是", 4000),
        ("甲区四园", "甲区", "民办", "否", 2000),
        ("乙县一园", "乙县", "公办", "否", 7300),
        ("乙县二园", "乙县", "民办", "是", 3629),
        ("乙县三园", "乙县", "民办", "否", 5183),
    ];
    let mut text = "幼儿园名称,区县,办别,普惠,在园幼儿数\n".to_string();
    for r in rows {
        text.push_str(&format!("{},{},{},{},{}\n", r.0, r.1, r.2, r.3, r.4));
    }
    std::fs::write(&kindergartens, text).expect("write");
    let population = dir.path().join("p.csv");
    std::fs::write(&population, "区县,3至5岁人口\n甲区,10000\n乙县,18000\n").expect("write");

    let v = json(&duban(&["assess", "preschool", "--kindergartens", path(&kindergartens)]));
    let city = &v["city"];
    let public = city["public_share"].as_f64().unwrap();
    let inclusive = city["inclusive_share"].as_f64().unwrap();
    assert_eq!(format!("{:.2}%", public * 100.0), "41.02%");
    assert_eq!(format!("{:.2}%", inclusive * 100.0), "71.40%");
    assert!(close(public, 10301.0 / 25113.0));
    assert!(close(inclusive, 17930.0 / 25113.0));
    assert_eq!(city["gross_enrolment"], Value::Null);
    assert_eq!(v["counties"][0]["gross_enrolment"], Value::Null);

    let v = json(&duban(&[
        "assess",
        "preschool",
        "--kindergartens",
        path(&kindergartens),
        "--population",
        path(&population),
    ]));
    for (county, people) in [("甲区", 10000.0), ("乙县", 18000.0)] {
        let c = v["counties"].as_array().unwrap().iter().find(|c| c["county"] == county).expect("county");
        let mine: Vec<_> = rows.iter().filter(|r| r.1 == county).collect();
        let total: u64 = mine.iter().map(|r| r.4).sum();
        let public: u64 = mine.iter().filter(|r| r.2 == "公办").map(|r| r.4).sum();
        let inclusive: u64 = mine.iter().filter(|r| r.2 == "公办" || r.3 == "是").map(|r| r.4).sum();
        let total = total as f64;
        assert!(close(c["public_share"].as_f64().unwrap(), public as f64 / total), "{county}");
        assert!(close(c["inclusive_share"].as_f64().unwrap(), inclusive as f64 / total), "{county}");
        assert!(close(c["gross_enrolment"].as_f64().unwrap(), total / people), "{county}");
        let public_share = public as f64 / total;
        let inclusive_share = inclusive as f64 / total;
        let gross = total / people;
        let national = public_share >= 0.5 && inclusive_share >= 0.8 && gross >= 0.85;
        assert_eq!(c["national_pass"], national, "{county}");
        assert_eq!(c["target_pass"], public_share >= 0.57 && inclusive_share >= 0.94, "{county}");
    }
    assert!(close(v["city"]["gross_enrolment"].as_f64().unwrap(), 25113.0 / 28000.0));

    let text = duban(&[
        "assess",
        "preschool",
        "--kindergartens",
        path(&kindergartens),
        "--population",
        path(&population),
        "--format",
        "text",
    ]);
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("41.02%") && text.contains("71.40%"), "{text}");
    assert!(text.contains("全市"), "{text}");

    let out = dir.path().join("学前.xlsx");
    let o =
        duban(&["assess", "preschool", "--kindergartens", path(&kindergartens), "--format", "xlsx", "-o", path(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = docread::extract(&std::fs::read(&out).unwrap()).expect("xlsx readable");
    let docread::Block::Table(t) = &doc.blocks[0] else { panic!("a table") };
    assert_eq!(t[0][0], "区县");
    assert_eq!(t.last().unwrap()[0], "全市");
}

#[test]
fn bad_kindergarten_rows_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("k.csv");
    std::fs::write(&file, "幼儿园名称,区县,办别,普惠,在园幼儿数\n甲园,甲区,公立,是,100\n乙园,甲区,民办,是,-3\n")
        .expect("write");
    let o = duban(&["assess", "preschool", "--kindergartens", path(&file)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("第 2 行:办别“公立”无效,应为 公办 或 民办"), "{err}");
    assert!(err.contains("第 3 行:在园幼儿数“-3”不能为负数"), "{err}");
}

// --- the demo's Yingtan data ---------------------------------------------------------------

#[test]
fn yingtan_demo_data_gives_a_verdict_for_every_county() {
    const COUNTIES: [&str; 5] = ["月湖区", "余江区", "贵溪市", "信江新区", "龙虎山风景名胜区"];
    let schools = format!("{DATA}/yingtan-compulsory.csv");
    let v = json(&duban(&["assess", "balance", "--schools", &schools]));
    let verdicts = v["county_verdicts"].as_array().expect("verdicts");
    let names: Vec<&str> = verdicts.iter().map(|c| c["county"].as_str().unwrap()).collect();
    assert_eq!(names, COUNTIES);
    assert!(verdicts.iter().all(|c| c["pass"].is_boolean()));
    let passing: Vec<&str> =
        verdicts.iter().filter(|c| c["pass"] == true).map(|c| c["county"].as_str().unwrap()).collect();
    assert_eq!(passing, ["余江区", "龙虎山风景名胜区"]);
    assert_eq!(v["counties"].as_array().unwrap().len(), 10);

    let kindergartens = format!("{DATA}/yingtan-kindergartens.csv");
    let population = format!("{DATA}/yingtan-population.csv");
    let v = json(&duban(&["assess", "preschool", "--kindergartens", &kindergartens, "--population", &population]));
    let counties = v["counties"].as_array().expect("counties");
    let names: Vec<&str> = counties.iter().map(|c| c["county"].as_str().unwrap()).collect();
    assert_eq!(names, COUNTIES);
    assert!(counties.iter().all(|c| c["national_pass"].is_boolean() && c["target_pass"].is_boolean()));
    assert!(counties.iter().any(|c| c["national_pass"] == false));
    assert!(counties.iter().any(|c| c["national_pass"] == true));
    let public = v["city"]["public_share"].as_f64().unwrap();
    let inclusive = v["city"]["inclusive_share"].as_f64().unwrap();
    assert!((0.56..0.59).contains(&public), "{public}");
    assert!((0.93..0.96).contains(&inclusive), "{inclusive}");
    assert!(v["city"]["gross_enrolment"].as_f64().is_some());
}
