//! `duban bulletin`: a month's supervision bulletin as a file, from the same model the web
//! page and the API use. Works beside a running server on the same data.

use crate::DataArgs;
use anyhow::{Context, anyhow, bail};
use clap::Args;
use domain::Period;
use domain::bulletin::Bulletin;
use std::path::PathBuf;

#[derive(Args)]
pub struct BulletinArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// 工作要点编号(缺省为最新发布的工作要点)
    #[arg(long)]
    pub plan: Option<i64>,
    /// 月份,如 2024-10
    #[arg(long)]
    pub period: String,
    /// 格式:docx、pdf、xlsx、csv、html 或 json
    #[arg(long, default_value = "docx")]
    pub format: String,
    /// 输出文件(缺省为标准文件名,写在当前目录)
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// 按当前数据重新计算,即使该月已印发
    #[arg(long)]
    pub live: bool,
    /// 按当前数据印发(形成新的固定版本)
    #[arg(long)]
    pub publish: bool,
    /// 发文字号,如 鹰教督〔2024〕10号(按工作要点保存,此后沿用;空字符串清除)
    #[arg(long)]
    pub doc_number: Option<String>,
    /// 主送机关(按工作要点保存)
    #[arg(long)]
    pub addressees: Option<String>,
    /// 发文机关署名(按工作要点保存)
    #[arg(long)]
    pub issuer: Option<String>,
    /// 成文日期 YYYY-MM-DD,由督查办确定(按工作要点保存;不设则文中日期空白)
    #[arg(long)]
    pub issued_on: Option<chrono::NaiveDate>,
    /// 抄送(版记,按工作要点保存)
    #[arg(long)]
    pub cc: Option<String>,
    /// 印发机关(版记,按工作要点保存)
    #[arg(long)]
    pub printed_by: Option<String>,
    /// 计算所用的“今天”(仅用于演示和测试)
    #[arg(long, env = "DUBAN_TODAY")]
    pub today: Option<chrono::NaiveDate>,
}

pub async fn run(args: BulletinArgs) -> anyhow::Result<()> {
    let period: Period = args.period.parse().map_err(|_| anyhow!("月份“{}”格式应为 YYYY-MM", args.period))?;
    let store = args.data.open().await?;
    let plan_id = match args.plan {
        Some(id) => id,
        None => store.current_plan().await?.ok_or_else(|| anyhow!("还没有发布的工作要点"))?,
    };
    let today = args.today.unwrap_or_else(|| chrono::Local::now().date_naive());
    // Settings given on the command line are kept for the plan, as the web page keeps them.
    let given = [&args.doc_number, &args.addressees, &args.issuer, &args.cc, &args.printed_by];
    if given.iter().any(|v| v.is_some()) || args.issued_on.is_some() {
        let mut s = store.bulletin_settings(plan_id).await?;
        let set = |field: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                *field = v.clone();
            }
        };
        set(&mut s.doc_number, &args.doc_number);
        set(&mut s.addressees, &args.addressees);
        set(&mut s.issuer, &args.issuer);
        set(&mut s.cc, &args.cc);
        set(&mut s.printed_by, &args.printed_by);
        if args.issued_on.is_some() {
            s.issued_on = args.issued_on;
        }
        store.set_bulletin_settings(plan_id, &s).await.map_err(|e| anyhow!("通报设置无效：{e}"))?;
    }
    let published = if args.live || args.publish { None } else { store.published_bulletin(plan_id, period).await? };
    let bulletin = match published {
        Some(s) => {
            eprintln!("使用已印发的第 {} 版（{}）", s.version, s.published_at);
            s.bulletin
        }
        None => {
            let input = store.bulletin_input(plan_id, period, today, &Default::default()).await?;
            Bulletin::build(&input)
        }
    };
    if args.publish {
        bulletin.check_issuable().map_err(|m| anyhow!(m))?;
        let s = store.publish_bulletin(plan_id, period, today, &bulletin).await?;
        eprintln!("已印发第 {} 版", s.version);
    }
    let (bytes, name) = if args.format == "json" {
        (serde_json::to_vec_pretty(&bulletin)?, format!("通报-{period}.json"))
    } else {
        let Some(f) = report::Format::parse(&args.format) else {
            bail!("格式“{}”无效，应为 docx、pdf、xlsx、csv、html 或 json", args.format);
        };
        (report::render(&bulletin, f).map_err(|e| anyhow!("通报生成失败：{e}"))?, report::file_name(&bulletin, f))
    };
    let path = args.output.unwrap_or_else(|| PathBuf::from(name));
    std::fs::write(&path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}
