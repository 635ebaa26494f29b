//! `duban bench-data`: a deterministic synthetic province for benchmarks and load tests.
//!
//! Cities each with an education bureau (its departments and groups named as in the Yingtan
//! plan, prefixed with the city), counties, and schools spread over them with stage and
//! ownership; users (a supervisor per city, a reporter per county and per city-level school);
//! one published plan per city — the Yingtan plan with the city's name, parsed against the
//! city's own directory so 各区(市) expands to that city's counties and 市直各学校 to its
//! city-level schools; months of reports with values, an approved/submitted/returned mix and
//! evidence records; and school statistics as csv files for `duban assess`.
//!
//! The same arguments give the same data on every machine: every choice comes from a hash of
//! the seed and the object's position, never from a random source or the clock (the stored
//! timestamps of writes aside).

use crate::{DEMO_PLAN, DataArgs};
use anyhow::{Context, anyhow, bail};
use plan::Directory;
use plan::directory::DirectoryUnit;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use store::Store;
use store::bulk::{BulkEvidence, BulkReport, BulkUnit, BulkUser};
use store::reports::ReportInput;
use store::seed::HistoricReport;
use store::users::Role;

#[derive(clap::Args)]
pub struct BenchDataArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// 地市数
    #[arg(long, default_value_t = 11)]
    pub cities: usize,
    /// 每个地市的区县数
    #[arg(long, default_value_t = 9)]
    pub counties_per_city: usize,
    /// 全省学校总数(含幼儿园)
    #[arg(long, default_value_t = 15_000)]
    pub schools: usize,
    /// 生成报告的月数(2024 年 1 月起,1—12)
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// 随机种子:相同参数和种子生成相同数据
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 所有用户的密码
    #[arg(long, env = "DUBAN_BENCH_PASSWORD", default_value = crate::demo::DEFAULT_PASSWORD)]
    pub password: String,
}

/// The plan's year (the Yingtan plan's).
const YEAR: i32 = 2024;

/// A small deterministic hash (FNV-1a over the seed and the parts).
fn hash(seed: u64, parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in std::iter::once(&seed).chain(parts) {
        for b in p.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    // Finish with a splitmix step so neighbouring inputs spread over all bits.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
    h ^ (h >> 31)
}

/// A number in `lo..=hi` from a hash.
fn pick(h: u64, lo: u64, hi: u64) -> u64 {
    lo + h % (hi - lo + 1)
}

/// 1 → 一, 12 → 十二, 105 → 一百零五 (up to 9999).
fn chinese_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n < 10 {
        return D[n].to_string();
    }
    if n < 20 {
        return format!("十{}", if n.is_multiple_of(10) { "" } else { D[n % 10] });
    }
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let units = ["千", "百", "十", ""];
    let mut out = String::new();
    let mut zero = false;
    for (i, d) in digits.iter().enumerate() {
        if *d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push_str(D[*d]);
        out.push_str(units[i]);
    }
    out
}

const NAME_FIRST: &[&str] = &[
    "青", "云", "临", "安", "东", "南", "西", "北", "丰", "宁", "平", "长", "新", "永", "瑞", "吉", "泰", "兴", "宜",
    "清", "金", "玉", "石", "松", "桃", "梅", "龙", "凤", "鹤", "白", "赤", "黄", "湖", "溪", "峡", "华", "德", "庆",
    "武", "文",
];
const NAME_SECOND: &[&str] = &[
    "川", "阳", "江", "州", "山", "源", "城", "丘", "溪", "原", "河", "林", "水", "岭", "田", "陵", "宁", "丰", "昌",
    "安",
];

/// Distinct two-character place names, in an order that depends on the seed.
fn place_names(seed: u64, salt: u64, count: usize, taken: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    let mut i = 0u64;
    while out.len() < count {
        let h = hash(seed, &[salt, i]);
        let name = format!(
            "{}{}",
            NAME_FIRST[(h % NAME_FIRST.len() as u64) as usize],
            NAME_SECOND[((h >> 20) % NAME_SECOND.len() as u64) as usize]
        );
        // After many tries the two-character space runs out: add a number.
        let name = if i > 4 * (NAME_FIRST.len() * NAME_SECOND.len()) as u64 { format!("{name}{i}") } else { name };
        if taken.insert(name.clone()) {
            out.push(name);
        }
        i += 1;
    }
    out
}

#[derive(Clone)]
struct School {
    name: String,
    stage: &'static str,
    ownership: &'static str,
    inclusive: bool,
    /// The county it is in (city-level schools too are in one).
    district: String,
    /// A city-level school (市直), named by the plan's 市直各学校.
    direct: bool,
    students: u64,
}

struct City {
    name: String,
    counties: Vec<String>,
    schools: Vec<School>,
}

fn school_word(stage: &str) -> &'static str {
    match stage {
        "小学" => "小学",
        "初中" => "中学",
        "九年一贯制" => "学校",
        "幼儿园" => "幼儿园",
        "高中" => "高级中学",
        "中职" => "职业中等专业学校",
        _ => "职业技术学院",
    }
}

fn province(args: &BenchDataArgs) -> Vec<City> {
    let mut taken = HashSet::new();
    let stems = place_names(args.seed, 1, args.cities, &mut taken);
    let county_stems = place_names(args.seed, 2, args.cities * args.counties_per_city, &mut taken);
    let mut cities = Vec::new();
    for (c, stem) in stems.iter().enumerate() {
        let name = format!("{stem}市");
        let counties: Vec<String> = (0..args.counties_per_city)
            .map(|k| {
                let suffix = match k {
                    0 | 1 => "区",
                    k if k + 1 == args.counties_per_city && k >= 3 => "市",
                    _ => "县",
                };
                format!("{}{suffix}", county_stems[c * args.counties_per_city + k])
            })
            .collect();
        // Schools spread evenly over cities; about one in fifty is city-level.
        let n = args.schools / args.cities + usize::from(c < args.schools % args.cities);
        let direct = if n == 0 { 0 } else { (n / 50).clamp(1, n) };
        let mut numbering: HashMap<(String, &'static str), usize> = HashMap::new();
        let mut schools = Vec::with_capacity(n);
        for s in 0..n {
            let h = hash(args.seed, &[3, c as u64, s as u64]);
            let is_direct = s < direct;
            let stage = match h % 100 {
                0..=49 => "小学",
                50..=69 => "初中",
                70..=74 => "九年一贯制",
                75..=89 => "幼儿园",
                90..=95 => "高中",
                _ => "中职",
            };
            let ownership = if (h >> 8) % 100 < 12 { "民办" } else { "公办" };
            let inclusive = stage == "幼儿园" && (ownership == "公办" || !(h >> 16).is_multiple_of(3));
            let district = counties
                [if is_direct { s % counties.len().max(1) } else { (h >> 24) as usize % counties.len().max(1) }]
            .clone();
            let scope = if is_direct { name.clone() } else { district.clone() };
            let word = school_word(stage);
            let number = numbering.entry((scope.clone(), word)).or_insert(0);
            *number += 1;
            let students = match stage {
                "幼儿园" => pick(h >> 32, 60, 420),
                "小学" => pick(h >> 32, 120, 2600),
                "初中" => pick(h >> 32, 200, 2200),
                _ => pick(h >> 32, 300, 3000),
            };
            schools.push(School {
                name: format!("{scope}第{}{word}", chinese_number(*number)),
                stage,
                ownership,
                inclusive,
                district,
                direct: is_direct,
                students,
            });
        }
        cities.push(City { name, counties, schools });
    }
    cities
}

/// A progress bar on standard error: `[#####.....]  45%  写入报告 3/12 月`.
struct Progress {
    total: u64,
    done: u64,
    started: Instant,
    shown: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        Progress { total: total.max(1), done: 0, started: Instant::now(), shown: u64::MAX }
    }

    fn advance(&mut self, n: u64, label: &str) {
        self.done = (self.done + n).min(self.total);
        let permille = self.done * 1000 / self.total;
        if permille == self.shown && self.done < self.total {
            return;
        }
        self.shown = permille;
        let width = 30;
        let filled = (permille * width / 1000) as usize;
        let bar: String = "#".repeat(filled) + &".".repeat(width as usize - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{bar}] {:>5.1}%  {:>5.1}s  {label:<24}",
            permille as f64 / 10.0,
            self.started.elapsed().as_secs_f64()
        );
        if self.done >= self.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}

pub async fn run(args: BenchDataArgs) -> anyhow::Result<()> {
    if args.cities == 0 || args.counties_per_city == 0 {
        bail!("地市数和每个地市的区县数至少为 1");
    }
    if !(1..=12).contains(&args.months) {
        bail!("月数应为 1—12(工作要点为 {YEAR} 年全年)");
    }
    let started = Instant::now();
    // Not `DataArgs::open`: that seeds an empty database with the Yingtan directory, and
    // the province has its own.
    let settings = args.data.settings()?;
    let store = Store::open(&settings.database_url(true)?)
        .await
        .map_err(|e| anyhow!("无法打开数据库:{e}"))?
        .with_files(settings.data_dir.join("files"));
    if !store.units().await?.is_empty() || !store.plans().await?.is_empty() {
        bail!("数据库中已有数据:请指定一个新的数据目录(或空数据库),基准数据只生成到空库中");
    }
    let cities = province(&args);
    let yingtan = Directory::from_toml(crate::DEFAULT_UNITS).map_err(|e| anyhow!(e))?;
    let mut progress = Progress::new(3 + args.cities as u64 * (1 + u64::from(args.months)));

    // 1. The directory.
    let mut units = Vec::new();
    let mut aliases: Vec<(String, String, bool)> = Vec::new();
    let mut members: Vec<(String, String)> = Vec::new();
    let mut city_directories = Vec::new();
    for city in &cities {
        let (list, extra_aliases) = city_directory(city, &yingtan);
        for u in &list {
            units.push(BulkUnit {
                name: u.name.clone(),
                kind: u.kind.clone(),
                district: u.district.clone(),
                stage: u.stage.clone(),
                ownership: u.ownership.clone(),
                inclusive: u.inclusive,
            });
            for m in &u.members {
                members.push((u.name.clone(), m.clone()));
            }
        }
        aliases.extend(extra_aliases);
        // Schools not named by the plan are in the database but not in the parser's directory.
        for s in city.schools.iter().filter(|s| !s.direct) {
            units.push(BulkUnit {
                name: s.name.clone(),
                kind: "school".into(),
                district: Some(s.district.clone()),
                stage: Some(s.stage.into()),
                ownership: Some(s.ownership.into()),
                inclusive: s.inclusive,
            });
        }
        city_directories.push(Directory::from_units(Some(format!("{}教育局", city.name)), list));
    }
    let ids = store.bulk_units(&units).await?;
    let id = |name: &str| ids.get(name).copied().ok_or_else(|| anyhow!("单位“{name}”未写入"));
    let alias_rows = aliases.iter().map(|(a, u, m)| Ok((a.clone(), id(u)?, *m))).collect::<anyhow::Result<Vec<_>>>()?;
    let member_rows = members.iter().map(|(g, m)| Ok((id(g)?, id(m)?))).collect::<anyhow::Result<Vec<_>>>()?;
    store.bulk_aliases_and_members(&alias_rows, &member_rows).await?;
    progress.advance(1, "单位目录");

    // 2. Users.
    let mut users = vec![
        BulkUser {
            username: "admin".into(),
            display_name: "系统管理员".into(),
            role: Role::Admin.key(),
            unit_id: None,
        },
        BulkUser {
            username: "leader".into(),
            display_name: "分管副厅长".into(),
            role: Role::Leader.key(),
            unit_id: None,
        },
    ];
    for (c, city) in cities.iter().enumerate() {
        users.push(BulkUser {
            username: format!("sup{:02}", c + 1),
            display_name: format!("{}教育局督导室督办员", city.name),
            role: Role::Supervisor.key(),
            unit_id: Some(id(&format!("{}教育局督导室", city.name))?),
        });
        for (k, county) in city.counties.iter().enumerate() {
            users.push(BulkUser {
                username: format!("r{:02}{:02}", c + 1, k + 1),
                display_name: format!("{county}填报员"),
                role: Role::Reporter.key(),
                unit_id: Some(id(county)?),
            });
        }
        for (k, school) in city.schools.iter().filter(|s| s.direct).enumerate() {
            users.push(BulkUser {
                username: format!("s{:02}{:03}", c + 1, k + 1),
                display_name: format!("{}填报员", school.name),
                role: Role::Reporter.key(),
                unit_id: Some(id(&school.name)?),
            });
        }
    }
    store.bulk_users(&users, &args.password).await?;
    progress.advance(1, "用户");

    // 3. One published plan per city.
    let text = std::str::from_utf8(DEMO_PLAN).context("内置工作要点不是 UTF-8")?;
    let mut plans = Vec::new();
    // Published as the year begins: the reports below are the year's months.
    let published_on = chrono::NaiveDate::from_ymd_opt(YEAR, 1, 1).ok_or_else(|| anyhow!("{YEAR} 年没有 1 月 1 日"))?;
    for (city, directory) in cities.iter().zip(&city_directories) {
        let stem = city.name.trim_end_matches('市');
        let own = text.replace("鹰潭市", &city.name).replace("鹰潭", stem);
        let parsed = plan::parse(own.as_bytes(), directory).map_err(|e| anyhow!("{}工作要点:{e}", city.name))?;
        let file = format!("{YEAR}年{}教育工作要点.txt", city.name);
        let plan_id = store.import_plan(&file, own.as_bytes(), &parsed, None).await?;
        store.publish_plan(plan_id, published_on).await?;
        for i in store.plan_indicators(plan_id).await?.iter().filter(|i| i.unit == "%") {
            store.set_indicator_baseline(i.id, Some((i.value - 8.0).max(0.0))).await?;
        }
        plans.push(plan_id);
        progress.advance(1, &format!("工作要点 {}", city.name));
    }

    // 4. Reports, a city-month at a time.
    let evidence_bytes = evidence_pdf();
    let sha = store.store_evidence_file(&evidence_bytes)?;
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut assignments_total = 0;
    for (city, plan_id) in cities.iter().zip(&plans) {
        let tasks: HashMap<i64, store::plans::Task> =
            store.tasks(*plan_id).await?.into_iter().map(|t| (t.id, t)).collect();
        let assignments = store.assignments(*plan_id, None).await?;
        assignments_total += assignments.len();
        let indicators = store.plan_indicators(*plan_id).await?;
        for month in 1..=args.months {
            let mut batch = Vec::with_capacity(assignments.len());
            for a in &assignments {
                let task = &tasks[&a.task_id];
                let h = hash(args.seed, &[4, a.id as u64, u64::from(month)]);
                let profile = hash(args.seed, &[5, a.unit_id as u64]) % 10;
                let factor = match profile {
                    0 | 1 => 1.25,
                    2..=6 => 1.0,
                    7 | 8 => 0.55,
                    // One unit in ten never reports.
                    _ => continue,
                };
                // Some units miss a month now and then.
                if h.is_multiple_of(17) {
                    continue;
                }
                let share = (f64::from(month) / 12.0 * factor).min(1.0);
                let values = indicators
                    .iter()
                    .filter(|i| i.task_id == a.task_id && i.source.is_none())
                    .map(|i| {
                        let from = i.baseline.unwrap_or(0.0);
                        let v = from + (i.value - from) * share;
                        (i.id, if i.unit == "%" { (v * 10.0).round() / 10.0 } else { v.floor() })
                    })
                    .collect();
                let state = match (month == args.months, h % 10) {
                    (true, 0) => "returned",
                    (true, 1 | 2) => "submitted",
                    _ => "approved",
                };
                let late = h % 12 == 3;
                let day = if late { 27 } else { 18 + (h % 7) as u32 };
                let period = format!("{YEAR}-{month:02}");
                let pct = format!("{:.0}%", share * 100.0);
                let lagging = profile >= 7;
                let problems =
                    if lagging { "资金和人员保障不足,部分项目推进较慢。" } else { "暂无。" };
                let next_steps = "按序时进度抓好落实,加强调度。";
                let heading = store::reports::report_heading(&a.unit_name, &task.item_label, &task.title, &period);
                *counts.entry(state).or_default() += 1;
                batch.push(BulkReport {
                    report: HistoricReport {
                        assignment_id: a.id,
                        period: period.clone(),
                        state,
                        input: ReportInput {
                            progress: format!(
                                "{month}月,{}围绕“{}”推进各项工作,完成本月计划任务的{pct}。",
                                a.unit_name, task.title
                            ),
                            cumulative: format!("截至{month}月底,累计完成全年任务的{pct}。"),
                            self_status: Some(
                                match profile {
                                    0 | 1 => "ahead",
                                    7 | 8 => "behind",
                                    _ => "on_pace",
                                }
                                .to_string(),
                            ),
                            problems: problems.into(),
                            next_steps: next_steps.into(),
                            values,
                            milestones: Default::default(),
                        },
                        submitted_at: format!("{YEAR}-{month:02}-{day:02}T09:00:00.000Z"),
                        late,
                        unchanged: false,
                        review_comment: (state == "returned").then(|| "请补充本月具体进展和佐证材料".to_string()),
                    },
                    search_title: heading,
                    // One report in eight carries a scanned document.
                    evidence: (h % 8 == 5).then(|| BulkEvidence {
                        file_name: format!("{}-{period}-佐证材料.pdf", a.unit_name),
                        content_type: "application/pdf",
                        size: evidence_bytes.len() as i64,
                        sha256: sha.clone(),
                    }),
                });
            }
            store.bulk_reports(&batch).await?;
            progress.advance(1, &format!("报告 {} {month} 月", city.name));
        }
    }

    // 5. School statistics for the assessments.
    let dir = settings.data_dir.join("schools");
    write_school_data(&dir, &cities, args.seed)?;
    progress.advance(1, "学校数据");

    let reports: usize = counts.values().sum();
    let schools: usize = cities.iter().map(|c| c.schools.len()).sum();
    println!(
        "已生成基准数据({:.1} 秒):{} 个地市、{} 个区县、{} 所学校,单位 {} 个,用户 {} 个;\
         工作要点 {} 份(已发布),责任分工 {assignments_total} 个;报告 {reports} 份(已审核 {},已提交 {},已退回 {})",
        started.elapsed().as_secs_f64(),
        cities.len(),
        cities.len() * args.counties_per_city,
        schools,
        units.len(),
        users.len(),
        plans.len(),
        counts.get("approved").unwrap_or(&0),
        counts.get("submitted").unwrap_or(&0),
        counts.get("returned").unwrap_or(&0),
    );
    println!("学校数据:{}(compulsory.csv、kindergartens.csv、population.csv)", dir.display());
    println!(
        "用户(密码均为 {}):admin 系统管理员,leader 领导,sup01… 各地市督办员,r0101… 各区县填报员,s01001… 市直学校填报员",
        args.password
    );
    Ok(())
}

/// The city's directory for the parser and the database: the Yingtan bureau's departments
/// and groups renamed after the city (the old names kept as aliases, so the plan's unit
/// clauses resolve), its counties, and its city-level schools. Also returns the aliases the
/// database keeps (those unique in the province: the city-prefixed short forms).
fn city_directory(city: &City, yingtan: &Directory) -> (Vec<DirectoryUnit>, Vec<(String, String, bool)>) {
    let bureau = format!("{}教育局", city.name);
    let renamed = |n: &str| format!("{bureau}{n}");
    let direct: Vec<&School> = city.schools.iter().filter(|s| s.direct).collect();
    let mut list = Vec::new();
    let mut db_aliases = Vec::new();
    for county in &city.counties {
        list.push(DirectoryUnit {
            name: county.clone(),
            kind: "district".into(),
            aliases: vec![format!("{county}教体局")],
            misspellings: vec![],
            members: vec![],
            stage: None,
            ownership: None,
            inclusive: false,
            district: None,
        });
        db_aliases.push((format!("{county}教体局"), county.clone(), false));
    }
    for s in &direct {
        list.push(DirectoryUnit {
            name: s.name.clone(),
            kind: "school".into(),
            aliases: vec![],
            misspellings: vec![],
            members: vec![],
            stage: Some(s.stage.into()),
            ownership: Some(s.ownership.into()),
            inclusive: s.inclusive,
            district: Some(s.district.clone()),
        });
    }
    for u in yingtan.units.iter().filter(|u| u.kind == "department" || u.kind == "group") {
        let members: Vec<String> = match u.name.as_str() {
            "各区(市)" => city.counties.clone(),
            "市直各学校" => direct.iter().map(|s| s.name.clone()).collect(),
            "市直各民办学校" => {
                direct.iter().filter(|s| s.ownership == "民办").map(|s| s.name.clone()).collect()
            }
            "各大中专院校" => {
                direct.iter().filter(|s| matches!(s.stage, "中职" | "高校")).map(|s| s.name.clone()).collect()
            }
            _ => u.members.iter().map(|m| renamed(m)).collect(),
        };
        let mut aliases = vec![u.name.clone()];
        aliases.extend(u.aliases.iter().cloned());
        db_aliases.push((format!("{}{}", city.name, u.name), renamed(&u.name), false));
        list.push(DirectoryUnit {
            name: renamed(&u.name),
            kind: u.kind.clone(),
            aliases,
            misspellings: u.misspellings.clone(),
            members: if u.kind == "group" { members } else { vec![] },
            stage: None,
            ownership: None,
            inclusive: false,
            district: None,
        });
    }
    (list, db_aliases)
}

/// A small, valid one-page PDF: the evidence file every generated evidence record names.
fn evidence_pdf() -> Vec<u8> {
    let body = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
                2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
                3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
                trailer<</Root 1 0 R>>\n%%EOF\n";
    body.as_bytes().to_vec()
}

/// compulsory.csv (for `assess balance`), kindergartens.csv and population.csv (for
/// `assess preschool`), with the columns those commands read.
fn write_school_data(dir: &Path, cities: &[City], seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let mut compulsory = csv::Writer::from_path(dir.join("compulsory.csv"))?;
    compulsory.write_record(assess::input::SCHOOL_COLUMNS)?;
    let mut kindergartens = csv::Writer::from_path(dir.join("kindergartens.csv"))?;
    kindergartens.write_record(assess::input::KINDERGARTEN_COLUMNS)?;
    let mut children: BTreeMap<&str, u64> = BTreeMap::new();
    for (c, city) in cities.iter().enumerate() {
        for (s, school) in city.schools.iter().enumerate() {
            let h = hash(seed, &[6, c as u64, s as u64]);
            let n = school.students;
            // Per hundred students, with a spread so that some schools fall short.
            let per = |shift: u32, lo: u64, hi: u64| n * pick(h >> shift, lo, hi) / 100;
            match school.stage {
                "小学" | "初中" => {
                    let primary = school.stage == "小学";
                    compulsory.write_record([
                        school.name.clone(),
                        school.district.clone(),
                        school.stage.to_string(),
                        n.to_string(),
                        per(3, if primary { 3 } else { 4 }, if primary { 7 } else { 8 }).max(1).to_string(),
                        per(9, 0, 2).to_string(),
                        per(15, 0, 2).max(1).to_string(),
                        per(21, if primary { 350 } else { 450 }, if primary { 700 } else { 850 }).to_string(),
                        per(27, if primary { 550 } else { 650 }, if primary { 1000 } else { 1200 }).to_string(),
                        (per(33, 150_000, 320_000)).to_string(),
                        per(39, 1, 4).max(1).to_string(),
                    ])?;
                }
                "幼儿园" => {
                    kindergartens.write_record([
                        school.name.as_str(),
                        school.district.as_str(),
                        school.ownership,
                        if school.inclusive { "是" } else { "否" },
                        &n.to_string(),
                    ])?;
                    *children.entry(&school.district).or_default() += n;
                }
                _ => {}
            }
        }
    }
    compulsory.flush()?;
    kindergartens.flush()?;
    let mut population = csv::Writer::from_path(dir.join("population.csv"))?;
    population.write_record(assess::input::POPULATION_COLUMNS)?;
    for (c, city) in cities.iter().enumerate() {
        for (k, county) in city.counties.iter().enumerate() {
            let enrolled = children.get(county.as_str()).copied().unwrap_or(0);
            let people = enrolled * pick(hash(seed, &[7, c as u64, k as u64]), 104, 118) / 100;
            population.write_record([county.as_str(), &people.max(1).to_string()])?;
        }
    }
    population.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        for (n, s) in [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (1010, "一千零一十")]
        {
            assert_eq!(chinese_number(n), s);
        }
    }
}
