//! The `duban` command.

mod assess;
mod audit;
mod backup;
mod bench_data;
mod bulletin;
mod demo;
mod outline;
mod units;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use plan::{Directory, ParseError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use store::Store;
use store::users::{NewUser, Role};

/// The Yingtan bureau's unit directory, shipped with the program so a fresh machine needs
/// nothing else; `--units FILE` reads another authority's.
pub const DEFAULT_UNITS: &str = include_str!("../../../data/units/yingtan.toml");
/// The demo plan: 《2024年鹰潭市教育工作要点》 as published.
pub const DEMO_PLAN: &[u8] = include_bytes!("../../../data/plans/yingtan-2024-education-work-plan.txt");

#[derive(Parser)]
#[command(name = "duban", version, about = "督办:工作要点从印发到年终考评的全程督办系统")]
struct Cli {
    /// 配置文件(TOML;缺省读取当前目录的 duban.toml,或环境变量 DUBAN_CONFIG)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; every command that touches data takes the same options.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// 数据目录(SQLite 数据库与附件)
    #[arg(long, env = "DUBAN_DATA_DIR", default_value = "duban-data")]
    pub data_dir: PathBuf,
    /// 数据库地址,如 postgres://user@host/db;缺省为数据目录中的 SQLite 数据库
    #[arg(long, env = "DUBAN_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DataArgs {
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("无法创建数据目录 {}", self.data_dir.display()))?;
                format!("sqlite://{}", self.data_dir.join("duban.db").display())
            }
        };
        let store =
            Store::open(&url).await.map_err(|e| anyhow!("无法打开数据库:{e}"))?.with_files(self.data_dir.join("files"));
        // A new database starts with the shipped unit directory, so plans published into it
        // find their units (and groups their members).
        if store.units().await?.is_empty() {
            let directory = Directory::from_toml(DEFAULT_UNITS).map_err(|e| anyhow!(e))?;
            store.load_directory(&directory).await?;
        }
        Ok(store)
    }
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, env = "DUBAN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// 固定“今天”的日期(仅用于演示和测试),如 2024-11-10
    #[arg(long, env = "DUBAN_TODAY")]
    pub today: Option<chrono::NaiveDate>,
    /// 每月报送截止日
    #[arg(long, env = "DUBAN_DUE_DAY", default_value_t = 25)]
    pub due_day: u32,
    /// 定时任务(开放报送、提醒、逾期通知)的检查间隔,秒
    #[arg(long, env = "DUBAN_JOB_INTERVAL_SECS", default_value_t = 60)]
    pub job_interval_secs: u64,
    #[command(flatten)]
    pub channels: ChannelArgs,
    #[command(flatten)]
    pub hardening: HardeningArgs,
}

/// HTTPS, scheduled backups and the API's rate limit.
#[derive(Args, Clone)]
pub struct HardeningArgs {
    /// TLS 证书文件(PEM,服务器证书在前,可含中间证书);与 --tls-key 同时给出时以 HTTPS 提供服务
    #[arg(long, env = "DUBAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS 私钥文件(PEM)
    #[arg(long, env = "DUBAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// 定时备份目录:给出时服务每隔 --backup-every 小时写一份 duban-backup-<时间>.zip(与 duban backup 相同)
    #[arg(long, env = "DUBAN_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// 定时备份间隔,小时(按 UTC 整点对齐;24 即每天 0 点 UTC)
    #[arg(long, env = "DUBAN_BACKUP_EVERY", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub backup_every: u32,
    /// 保留最近几份定时备份,更早的自动删除
    #[arg(long, env = "DUBAN_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub backup_keep: u32,
    /// API 限流:每个客户端(会话,未登录时按地址)可连续发出的请求数;0 表示不限流
    #[arg(long, env = "DUBAN_API_BURST", default_value_t = web::Config::default().api_burst)]
    pub api_burst: u32,
    /// API 限流:每个客户端每秒补充的请求数;0 表示不限流
    #[arg(long, env = "DUBAN_API_RATE", default_value_t = web::Config::default().api_rate)]
    pub api_rate: u32,
    /// 同时保持的连接数上限(不超过进程文件描述符上限所容许的数目);满时新连接排队等候
    #[arg(long, env = "DUBAN_MAX_CONNECTIONS", default_value_t = default_max_connections(),
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// 客户端须在多少秒内发完请求头(连接建立后,及每次应答后);空闲的长连接也在此时关闭
    #[arg(long, env = "DUBAN_HEADER_TIMEOUT_SECS", default_value_t = web::Config::default().header_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
}

fn default_max_connections() -> u32 {
    u32::try_from(web::Config::default().max_connections).unwrap_or(u32::MAX)
}

impl Default for HardeningArgs {
    fn default() -> Self {
        let config = web::Config::default();
        HardeningArgs {
            tls_cert: None,
            tls_key: None,
            backup_dir: None,
            backup_every: 24,
            backup_keep: 7,
            api_burst: config.api_burst,
            api_rate: config.api_rate,
            max_connections: default_max_connections(),
            header_timeout_secs: config.header_timeout.as_secs(),
        }
    }
}

/// Where notices go besides the app.
#[derive(Args, Clone, Default)]
pub struct ChannelArgs {
    /// 发送提醒邮件的 SMTP 服务器,如 smtp://user:pass@mail.example:587?tls=required
    #[arg(long, env = "DUBAN_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// 邮件发件人,如 "督办系统 <duban@example.gov.cn>"
    #[arg(long, env = "DUBAN_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// 接收提醒的 webhook(JSON POST,如钉钉、企业微信机器人的内网网关地址)
    #[arg(long, env = "DUBAN_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// 启动督办服务
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// 演示:首次运行时建立 SQLite 数据库、载入鹰潭市工作要点与演示数据,然后启动服务
    Demo {
        #[command(flatten)]
        data: DataArgs,
        /// 监听地址
        #[arg(long, env = "DUBAN_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// 演示所用的“今天”
        #[arg(long, env = "DUBAN_TODAY", default_value = "2024-11-10")]
        today: chrono::NaiveDate,
        /// 只准备数据,不启动服务
        #[arg(long)]
        no_serve: bool,
    },
    /// 将数据库结构升级到当前版本
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// 工作要点文件
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// 县域评估:义务教育优质均衡、学前教育普及普惠(按学校数据计算)
    Assess {
        #[command(subcommand)]
        command: assess::AssessCommand,
    },
    /// 月度督查通报:生成 Word、PDF、Excel 台账、CSV 或 HTML
    Bulletin(bulletin::BulletinArgs),
    /// 生成基准测试用的模拟全省数据(单位、用户、各地市工作要点、月度报告、学校数据)
    BenchData(bench_data::BenchDataArgs),
    /// 单位目录:导入、导出(csv 或 xlsx)
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// 备份:全部数据(一致性快照)与附件写入一个文件,服务运行时也可进行
    Backup {
        /// 备份文件(zip)
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 恢复:把备份写入空的数据目录或数据库(SQLite 与 PostgreSQL 可互相恢复)
    Restore {
        /// 备份文件(zip)
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 审计日志:校验哈希链
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// 用户管理
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// 解析工作要点文件(txt、docx、html、xlsx、csv),输出结构化结果
    Parse {
        /// 要解析的文件
        file: PathBuf,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// 单位目录(TOML);缺省为内置的鹰潭市教育局单位目录
        #[arg(long)]
        units: Option<PathBuf>,
    },
    /// 导入工作要点文件为草稿(可加 --publish 直接发布)
    Import {
        file: PathBuf,
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// 从表格导入单位(列:名称、类别、学段、办别、普惠、区县、别名、成员);有错误时不导入
    Import {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 导出单位目录为 csv
    Export {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// 新增用户
    Add {
        username: String,
        /// 角色:admin、supervisor、reporter、unit_head、leader(或中文名)
        #[arg(long)]
        role: String,
        /// 所属单位(填报员、单位负责人必填)
        #[arg(long)]
        unit: Option<String>,
        /// 显示名称
        #[arg(long)]
        name: Option<String>,
        /// 初始密码(也可用环境变量 DUBAN_PASSWORD)
        #[arg(long, env = "DUBAN_PASSWORD")]
        password: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 列出用户
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Json,
    Text,
}

/// Exit status for bad input, as promised in the CLI's documentation.
const BAD_INPUT: u8 = 2;

/// Settings a configuration file may hold; each becomes the `DUBAN_*` variable of the same
/// name unless that is already set, so the order of precedence is: command line, environment,
/// file, built-in default.
const CONFIG_KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "addr",
    "due_day",
    "job_interval_secs",
    "today",
    "smtp_url",
    "mail_from",
    "webhook_url",
    "tls_cert",
    "tls_key",
    "backup_dir",
    "backup_every",
    "backup_keep",
    "api_burst",
    "api_rate",
];

/// Reads `--config FILE`, `DUBAN_CONFIG`, or `./duban.toml` when present.
fn apply_config_file() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().position(|a| a == "--config").and_then(|i| args.get(i + 1)).cloned();
    let explicit = from_args.or_else(|| std::env::var("DUBAN_CONFIG").ok());
    let path = match explicit {
        Some(p) => PathBuf::from(p),
        None if Path::new("duban.toml").exists() => PathBuf::from("duban.toml"),
        None => return Ok(()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("无法读取配置文件 {}:{e}", path.display()))?;
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| format!("配置文件 {} 格式错误:{}", path.display(), e.message()))?;
    for (key, value) in &table {
        if !CONFIG_KEYS.contains(&key.as_str()) {
            return Err(format!("配置文件 {} 中有未知的设置项“{key}”,可用:{}", path.display(), CONFIG_KEYS.join("、")));
        }
        let var = format!("DUBAN_{}", key.to_uppercase());
        if std::env::var_os(&var).is_none() {
            let v = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // SAFETY: single-threaded here; no other thread reads the environment yet.
            unsafe { std::env::set_var(var, v) };
        }
    }
    Ok(())
}

/// Every password check makes Argon2 allocate about 19 MiB. After the first such block is
/// freed, glibc raises its mmap threshold above that size and serves later blocks from
/// per-thread heaps that it does not give back, so a burst of sign-ins (the benchmark's 130)
/// left the server holding over a gigabyte. A fixed threshold keeps large blocks mapped
/// separately and returned to the system when freed (a burst of 20 sign-ins: peak 252 MB
/// before, 75 MB after).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_allocations() {
    // SAFETY: mallopt only changes allocator settings; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_allocations() {}

fn main() -> ExitCode {
    return_large_allocations();
    if let Err(message) = apply_config_file() {
        eprintln!("错误:{message}");
        return ExitCode::from(BAD_INPUT);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan { command: PlanCommand::Parse { file, format, units } } => {
            parse_file(&file, format, units.as_deref())
        }
        other => run_async(other).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("错误:{message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn run_async(command: Command) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("DUBAN_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match command {
            Command::Serve { data, serve } => {
                let store = data.open().await?;
                serve_on(store, &serve).await
            }
            Command::Demo { data, addr, today, no_serve } => demo::run(&data, &addr, today, no_serve).await,
            Command::Assess { command } => assess::run(command),
            Command::Backup { file, data } => backup::backup(&data, &file).await,
            Command::Restore { file, data } => backup::restore(&data, &file).await,
            Command::Audit { command } => {
                if !audit::run(command).await? {
                    // Broken chain (already reported): its own exit status, not bad input's.
                    std::process::exit(i32::from(audit::BROKEN));
                }
                Ok(())
            }
            Command::Bulletin(args) => bulletin::run(args).await,
            Command::BenchData(args) => bench_data::run(args).await,
            Command::Migrate { data } => {
                data.open().await?;
                println!("数据库结构已是最新版本");
                Ok(())
            }
            Command::Plan { command: PlanCommand::Import { file, publish, data } } => {
                let store = data.open().await?;
                let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {}", file.display()))?;
                let parsed =
                    plan::parse(&bytes, &store.directory().await?).map_err(|e| anyhow!("{}:{e}", file.display()))?;
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let id = store.import_plan(&name, &bytes, &parsed, None).await?;
                audit::record(&store, "plan.import", Some(format!("plan:{id}")), serde_json::json!({"file": name}))
                    .await;
                println!(
                    "已导入草稿 {id}:《{}》,{} 条,{} 条提示",
                    parsed.title,
                    parsed.items.len(),
                    parsed.warnings.len()
                );
                if publish {
                    let p = store.publish_plan(id).await?;
                    audit::record(&store, "plan.publish", Some(format!("plan:{id}")), serde_json::json!({})).await;
                    println!(
                        "已发布:{} 项任务,{} 个责任单位分工,{} 个指标,{} 个节点",
                        p.tasks, p.assignments, p.indicators, p.milestones
                    );
                }
                Ok(())
            }
            Command::User { command: UserCommand::Add { username, role, unit, name, password, data } } => {
                let role = Role::parse(&role)
                    .ok_or_else(|| anyhow!("未知角色“{role}”,可用:admin、supervisor、reporter、unit_head、leader"))?;
                let store = data.open().await?;
                let display = name.unwrap_or_else(|| username.clone());
                let u = store
                    .add_user(&NewUser {
                        username: &username,
                        display_name: &display,
                        password: &password,
                        role,
                        unit: unit.as_deref(),
                    })
                    .await?;
                // Whoever typed the initial password knows it: the user must replace it.
                store.require_password_change(u.id).await?;
                audit::record(
                    &store,
                    "user.create",
                    Some(format!("user:{}", u.id)),
                    serde_json::json!({"username": u.username, "role": u.role, "unit": u.unit_name}),
                )
                .await;
                println!("已新增用户 {}({}),首次登录时须修改密码", u.username, u.role.label());
                Ok(())
            }
            Command::Units { command: UnitsCommand::Import { file, data } } => {
                let store = data.open().await?;
                let n = units::import(&store, &file).await?;
                audit::record(
                    &store,
                    "unit.import",
                    None,
                    serde_json::json!({"file": file.display().to_string(), "units": n}),
                )
                .await;
                println!("已导入 {n} 个单位");
                Ok(())
            }
            Command::Units { command: UnitsCommand::Export { file, data } } => {
                let store = data.open().await?;
                let n = units::export(&store, &file).await?;
                println!("已导出 {n} 个单位到 {}", file.display());
                Ok(())
            }
            Command::User { command: UserCommand::List { data } } => {
                let store = data.open().await?;
                for u in store.users().await? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        u.username,
                        u.display_name,
                        u.role.label(),
                        u.unit_name.unwrap_or_default()
                    );
                }
                Ok(())
            }
            Command::Plan { command: PlanCommand::Parse { file, format, units } } => {
                parse_file(&file, format, units.as_deref()).map_err(anyhow::Error::msg)
            }
        }
    })
}

pub async fn serve_on(store: Store, serve: &ServeArgs) -> anyhow::Result<()> {
    let h = &serve.hardening;
    // A bad certificate stops the start before anything listens.
    let tls = match (&h.tls_cert, &h.tls_key) {
        (Some(cert), Some(key)) => Some(web::tls::load(cert, key).map_err(|e| anyhow!("无法启用 HTTPS:{e}"))?),
        _ => None,
    };
    let listener =
        tokio::net::TcpListener::bind(&serve.addr).await.with_context(|| format!("无法监听 {}", serve.addr))?;
    let local = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("督办服务已启动:{scheme}://{local}/  (健康检查 /healthz,API /api/v1,接口文档 /api/v1/openapi.json)");
    let backup = h.backup_dir.as_ref().map(|dir| store::archive::BackupSchedule {
        dir: dir.clone(),
        every_hours: h.backup_every,
        keep: h.backup_keep as usize,
    });
    if let Some(b) = &backup {
        println!("定时备份:每 {} 小时一份,写入 {},保留最近 {} 份", b.every_hours, b.dir.display(), b.keep);
    }
    let config = web::Config {
        today: serve.today,
        due_day: serve.due_day,
        job_interval: std::time::Duration::from_secs(serve.job_interval_secs.max(1)),
        channels: notify::Channels {
            smtp_url: serve.channels.smtp_url.clone(),
            mail_from: serve.channels.mail_from.clone(),
            webhook_url: serve.channels.webhook_url.clone(),
        },
        api_burst: h.api_burst,
        api_rate: h.api_rate,
        max_connections: usize::try_from(h.max_connections).unwrap_or(usize::MAX),
        header_timeout: std::time::Duration::from_secs(h.header_timeout_secs),
        backup,
        ..web::Config::default()
    };
    let state = web::AppState { store, config };
    match tls {
        Some(tls) => web::serve_tls(state, listener, tls).await?,
        None => web::serve(state, listener).await?,
    }
    Ok(())
}

fn load_directory(path: Option<&Path>) -> Result<Directory, String> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("无法读取单位目录 {}:{e}", p.display()))?,
        None => DEFAULT_UNITS.to_string(),
    };
    Directory::from_toml(&text).map_err(|e| format!("单位目录格式错误:{}", e.lines().next().unwrap_or("")))
}

fn parse_file(path: &Path, format: OutputFormat, units: Option<&Path>) -> Result<(), String> {
    let directory = load_directory(units)?;
    let meta = std::fs::metadata(path).map_err(|e| format!("无法读取文件 {}:{}", path.display(), io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("{} 是目录,不是文件", path.display()));
    }
    // Refuse oversized files before reading them into memory.
    if meta.len() > plan::MAX_INPUT_BYTES as u64 {
        return Err(ParseError::TooLarge { size: meta.len() as usize }.to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取文件 {}:{}", path.display(), io_reason(&e)))?;
    let plan = plan::parse(&bytes, &directory).map_err(|e| format!("{}:{e}", path.display()))?;
    match format {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?;
            println!("{json}");
        }
        OutputFormat::Text => print!("{}", outline::render(&plan)),
    }
    Ok(())
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        _ => e.to_string(),
    }
}
