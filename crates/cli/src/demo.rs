//! `duban demo`: on first run, a SQLite database with the Yingtan directory, the 2024 plan
//! published, users for every role and ten months of deterministic synthetic reports; then
//! the server, on a clock set to 2024-11-10 so November is open and the year is history.

use crate::{DEFAULT_UNITS, DEMO_PLAN, DataArgs, ServeArgs, serve_on};
use anyhow::{Context, anyhow};
use store::Store;
use store::plans::Indicator;
use store::reports::ReportInput;
use store::seed::HistoricReport;
use store::users::{NewUser, Role};

/// The demo users: (username, display name, role, unit).
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "系统管理员", Role::Admin, None),
    ("supervisor", "督导室督办员", Role::Supervisor, Some("督导室")),
    ("leader", "分管副局长", Role::Leader, None),
    ("security", "安全管理员", Role::SecurityAdmin, None),
    ("auditor", "审计管理员", Role::AuditAdmin, None),
    ("yuehu", "月湖区填报员", Role::Reporter, Some("月湖区")),
    ("yujiang", "余江区填报员", Role::Reporter, Some("余江区")),
    ("yujiang_head", "余江区教体局负责人", Role::UnitHead, Some("余江区")),
    ("guixi", "贵溪市填报员", Role::Reporter, Some("贵溪市")),
    ("longhushan", "龙虎山风景名胜区填报员", Role::Reporter, Some("龙虎山风景名胜区")),
    ("gaoxin", "高新区填报员", Role::Reporter, Some("鹰潭高新技术产业开发区")),
    ("xinjiang", "信江新区填报员", Role::Reporter, Some("信江新区")),
    ("jijiao", "基教科填报员", Role::Reporter, Some("基教科")),
    ("yizhong", "鹰潭一中填报员", Role::Reporter, Some("鹰潭市第一中学")),
    ("duxue1", "责任督学王敏", Role::Inspector, None),
    ("duxue2", "责任督学李强", Role::Inspector, None),
    ("duxue3", "责任督学陈静", Role::Inspector, None),
];

pub const DEFAULT_PASSWORD: &str = "Duban@2024";

pub async fn run(data: &DataArgs, addr: &str, today: chrono::NaiveDate, no_serve: bool) -> anyhow::Result<()> {
    let password = std::env::var("DUBAN_DEMO_PASSWORD").unwrap_or_else(|_| DEFAULT_PASSWORD.to_string());
    let store = data.open().await?;
    if store.plans().await?.is_empty() {
        println!("首次运行:正在准备演示数据……");
        prepare(&store, &password, today).await?;
    } else {
        println!("使用已有的演示数据({})", data.data_dir.display());
    }
    println!();
    println!("演示用户(密码均为 {password}):");
    for (username, name, role, unit) in DEMO_USERS {
        println!("  {username:<14} {}  {name}{}", role.label(), unit.map(|u| format!("({u})")).unwrap_or_default());
    }
    println!("演示日期:{today}(11 月报送期开放)");
    if no_serve {
        return Ok(());
    }
    let serve = ServeArgs {
        addr: addr.to_string(),
        today: Some(today),
        due_day: 25,
        job_interval_secs: 60,
        channels: Default::default(),
        hardening: Default::default(),
    };
    serve_on(store, &serve).await
}

/// Loads everything the demo shows. Deterministic: the same data on every machine.
pub async fn prepare(store: &Store, password: &str, today: chrono::NaiveDate) -> anyhow::Result<()> {
    let directory = plan::Directory::from_toml(DEFAULT_UNITS).map_err(|e| anyhow!(e))?;
    store.load_directory(&directory).await?;
    for (username, name, role, unit) in DEMO_USERS {
        store.add_user(&NewUser { username, display_name: name, password, role: *role, unit: *unit }).await?;
    }
    let parsed = plan::parse(DEMO_PLAN, &store.directory().await?).map_err(|e| anyhow!("{e}"))?;
    let plan_id = store.import_plan("2024年鹰潭市教育工作要点.txt", DEMO_PLAN, &parsed, None).await?;
    let published = store.publish_plan(plan_id).await?;
    let bound = load_school_data(store, plan_id).await?;
    let history = synthetic_history(store, plan_id).await?;
    let n = store.import_report_history(&history).await.context("写入演示报告")?;
    println!(
        "已发布《{}》:{} 项任务,{} 个责任单位分工,{} 个量化指标;已生成 2024 年 1—10 月报告 {n} 份",
        parsed.title, published.tasks, published.assignments, published.indicators
    );
    println!("已导入学校数据(统计时点 2024-09-01),{bound} 个学前教育目标改由学校数据计算");
    println!("{}", store.seed_demo_visits(today).await.context("写入演示督导检查")?);
    Ok(())
}

/// The demo's school data, as of the autumn term, and the plan's two preschool shares bound
/// to it: 公办在园幼儿数占比 and 普惠性覆盖率 then come from the kindergartens' figures.
async fn load_school_data(store: &Store, plan_id: i64) -> anyhow::Result<usize> {
    use store::schools::DataKind;
    let as_of = chrono::NaiveDate::from_ymd_opt(2024, 9, 1).ok_or_else(|| anyhow!("date"))?;
    for (kind, name, bytes) in [
        (
            DataKind::Schools,
            "yingtan-compulsory.csv",
            &include_bytes!("../../../data/schools/yingtan-compulsory.csv")[..],
        ),
        (
            DataKind::Kindergartens,
            "yingtan-kindergartens.csv",
            &include_bytes!("../../../data/schools/yingtan-kindergartens.csv")[..],
        ),
        (
            DataKind::Population,
            "yingtan-population.csv",
            &include_bytes!("../../../data/schools/yingtan-population.csv")[..],
        ),
    ] {
        store
            .import_school_data(kind, as_of, name, bytes, false, "2024年秋季学期初统计")
            .await?
            .map_err(|r| anyhow!("演示学校数据有误:{}", r.message))?;
    }
    let mut bound = 0;
    for task in store.tasks(plan_id).await? {
        for i in store.indicators(task.id).await? {
            let source = if i.subject.contains("公办在园幼儿") {
                Some("preschool.public_share")
            } else if i.subject.contains("普惠性覆盖率") || i.subject.contains("普惠性幼儿园覆盖率") {
                Some("preschool.inclusive_share")
            } else {
                None
            };
            if let Some(s) = source {
                store.bind_indicator(i.id, Some(s)).await?;
                bound += 1;
            }
        }
    }
    Ok(bound)
}

/// A small deterministic hash (FNV-1a) to pick profiles without a random source.
fn hash(parts: &[i64]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// How a unit's year goes: its pace relative to the plan, and whether it reports at all.
#[derive(Clone, Copy)]
enum Profile {
    Ahead,
    OnPace,
    Lagging,
    Silent,
}

fn profile(unit_id: i64) -> Profile {
    match hash(&[unit_id, 7]) % 10 {
        0 | 1 => Profile::Ahead,
        2..=6 => Profile::OnPace,
        7 | 8 => Profile::Lagging,
        _ => Profile::Silent,
    }
}

async fn synthetic_history(store: &Store, plan_id: i64) -> anyhow::Result<Vec<HistoricReport>> {
    let tasks = store.tasks(plan_id).await?;
    let assignments = store.assignments(plan_id, None).await?;
    let mut indicators: Vec<(i64, Vec<Indicator>)> = Vec::new();
    for t in &tasks {
        let inds = store.indicators(t.id).await?;
        // Percentages start from a plausible 2023 level a few points below the target.
        for i in inds.iter().filter(|i| i.unit == "%") {
            let baseline = (i.value - 8.0).max(0.0);
            store.set_indicator_baseline(i.id, Some(baseline)).await?;
        }
        indicators.push((t.id, store.indicators(t.id).await?));
    }
    let mut out = Vec::new();
    for a in &assignments {
        let task = tasks.iter().find(|t| t.id == a.task_id).ok_or_else(|| anyhow!("task"))?;
        let inds = indicators.iter().find(|(id, _)| *id == a.task_id).map(|(_, v)| v.as_slice()).unwrap_or(&[]);
        let prof = profile(a.unit_id);
        let factor = match prof {
            Profile::Ahead => 1.25,
            Profile::OnPace => 1.0,
            Profile::Lagging => 0.55,
            Profile::Silent => continue,
        };
        let mut last_progress = String::new();
        for month in 1..=10u32 {
            let h = hash(&[a.id, i64::from(month)]);
            // Some units miss a month now and then.
            if h.is_multiple_of(17) {
                continue;
            }
            let share = (f64::from(month) / 12.0 * factor).min(1.0);
            let mut values = std::collections::BTreeMap::new();
            // Targets bound to school data are not reported.
            for i in inds.iter().filter(|i| i.source.is_none()) {
                let from = i.baseline.unwrap_or(0.0);
                let v = from + (i.value - from) * share;
                // Rates to one decimal; counts (所, 个, 人) are whole.
                let v = if i.unit == "%" { (v * 10.0).round() / 10.0 } else { v.floor() };
                values.insert(i.id, v);
            }
            // One report in twenty repeats last month's text word for word.
            let unchanged = month > 1 && h % 20 == 1;
            let progress = if unchanged {
                last_progress.clone()
            } else {
                format!("{month}月,{}围绕“{}”推进各项工作,完成本月计划任务的{}。", a.unit_name, task.title, pct(share))
            };
            last_progress = progress.clone();
            let lagging = matches!(prof, Profile::Lagging);
            let (state, comment) = match (month, h % 10) {
                (10, 0) => ("returned", Some("请补充本月具体进展和佐证材料".to_string())),
                (10, 1) | (10, 2) => ("submitted", None),
                _ => ("approved", None),
            };
            let late = h % 12 == 3;
            let day = if late { 27 } else { 18 + (h % 7) as u32 };
            out.push(HistoricReport {
                assignment_id: a.id,
                period: format!("2024-{month:02}"),
                state,
                input: ReportInput {
                    progress,
                    cumulative: format!("截至{month}月底,累计完成全年任务的{}。", pct(share)),
                    self_status: Some(
                        match prof {
                            Profile::Ahead => "ahead",
                            Profile::Lagging => "behind",
                            _ => "on_pace",
                        }
                        .to_string(),
                    ),
                    problems: if lagging {
                        "资金和人员保障不足,部分项目推进较慢。".into()
                    } else {
                        "暂无。".into()
                    },
                    next_steps: "按序时进度抓好落实,加强调度。".into(),
                    values,
                    milestones: Default::default(),
                },
                submitted_at: format!("2024-{month:02}-{day:02}T09:00:00.000Z"),
                late,
                unchanged,
                review_comment: comment,
            });
        }
    }
    Ok(out)
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}
