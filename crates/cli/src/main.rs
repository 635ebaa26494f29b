//! The `duban` command.

mod assess;
mod audit;
mod backup;
mod bench_data;
mod bulletin;
mod demo;
mod doctor;
mod migrate;
mod outline;
mod settings;
mod units;
mod user;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use plan::{Directory, ParseError};
use serde::Serialize;
use settings::Settings;
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
    /// 配置文件(TOML;缺省读取当前目录的 duban.toml,其次 /etc/duban/duban.toml)
    #[arg(long, global = true, env = "DUBAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; every command that touches data takes the same options. A flag
/// left out falls back to `DUBAN_*`, then the configuration file, then the default (see
/// [`settings`]).
#[derive(Args, Clone, Default, Serialize)]
pub struct DataArgs {
    /// 数据目录(SQLite 数据库与附件),缺省 duban-data
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// 数据库地址,如 postgres://user@host/db;缺省为数据目录中的 SQLite 数据库
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The settings this command runs with.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        settings::load(self, settings::Mode::Serve)
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        self.settings()?.open().await
    }
}

/// The server's options (`serve` and `demo`); as with [`DataArgs`], a flag left out falls back
/// to the environment, the file, the default.
#[derive(Args, Clone, Default, Serialize)]
pub struct ServeArgs {
    /// 监听地址,缺省 127.0.0.1:8080
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    /// 固定“今天”的日期(仅用于演示和测试),如 2024-11-10
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today: Option<chrono::NaiveDate>,
    /// 每月报送截止日,缺省 25
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_day: Option<u32>,
    /// 定时任务(开放报送、提醒、逾期通知)的检查间隔,秒,缺省 60
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_interval_secs: Option<u64>,
    /// 发送提醒邮件的 SMTP 服务器,如 smtp://user:pass@mail.example:587?tls=required
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// 邮件发件人,如 "督办系统 <duban@example.gov.cn>"
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_from: Option<String>,
    /// 接收提醒的 webhook(JSON POST,如钉钉、企业微信机器人的内网网关地址)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// TLS 证书文件(PEM,服务器证书在前,可含中间证书);与 --tls-key 同时给出时以 HTTPS 提供服务
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// TLS 私钥文件(PEM)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// 定时备份目录:给出时服务每隔 --backup-every 小时写一份 duban-backup-<时间>.zip(与 duban backup 相同)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_dir: Option<PathBuf>,
    /// 定时备份间隔,小时(按 UTC 整点对齐;24 即每天 0 点 UTC),缺省 24
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_every: Option<u32>,
    /// 保留最近几份定时备份,更早的自动删除,缺省 7
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_keep: Option<u32>,
    /// API 限流:每个客户端(会话,未登录时按地址)可连续发出的请求数,缺省 600;0 表示不限流
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_burst: Option<u32>,
    /// API 限流:每个客户端每秒补充的请求数,缺省 300;0 表示不限流
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_rate: Option<u32>,
    /// 登录限流:同一客户端地址可连续尝试登录的次数,缺省 20;0 表示不限(许多用户经同一出口地址登录时可调大)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_burst: Option<u32>,
    /// 登录限流:每隔多少秒补充一次登录尝试,缺省 3
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_refill_secs: Option<u64>,
    /// 同时保持的连接数上限(不超过进程文件描述符上限所容许的数目);满时新连接排队等候,缺省 10000
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// 客户端须在多少秒内发完请求头(连接建立后,及每次应答后);空闲的长连接也在此时关闭,缺省 10
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_timeout_secs: Option<u64>,
    /// 会话 Cookie 标记为 Secure(在提供 HTTPS 的反向代理之后运行时设为 true;自身提供 HTTPS 时总是标记),缺省 false
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,
    /// 受信任的反向代理(地址段,逗号分隔,如 127.0.0.1/32):仅来自这些地址的连接,才按 X-Forwarded-For 认定客户端地址;缺省无
    #[arg(long, value_delimiter = ',')]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<Vec<String>>,
    /// 可读取 /metrics 的客户端地址段(逗号分隔,如 127.0.0.1/32);缺省无(令牌 metrics_token 只能在配置文件或环境变量中设置)
    #[arg(long, value_delimiter = ',')]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_allow: Option<Vec<String>>,
    /// 日志格式:text(每条一行文字)或 json(每条一个 JSON 对象),缺省 text
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<settings::LogFormat>,
}

/// The command line's data and server flags together, as one layer of the settings.
#[derive(Serialize)]
struct ServeFlags<'a> {
    #[serde(flatten)]
    data: &'a DataArgs,
    #[serde(flatten)]
    serve: &'a ServeArgs,
}

/// How settings are found, shown under `duban serve --help` and `duban demo --help`.
const SETTINGS_HELP: &str = "设置的优先顺序:命令行参数 > 环境变量 DUBAN_<名称>(如 DUBAN_DUE_DAY)> 配置文件 > 缺省值。\n\
配置文件:--config FILE 或 DUBAN_CONFIG;缺省读取当前目录的 duban.toml,其次 /etc/duban/duban.toml(demo 不读后者)。\n\
配置项名称即参数名,以下划线代替连字符,如 due_day = 28。";

/// The settings of `serve` or `demo`, from every layer.
pub fn serve_settings(data: &DataArgs, serve: &ServeArgs, mode: settings::Mode) -> anyhow::Result<Settings> {
    settings::load(&ServeFlags { data, serve }, mode)
}

#[derive(Subcommand)]
enum Command {
    /// 启动督办服务
    #[command(after_help = SETTINGS_HELP)]
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// 演示:首次运行时建立数据库、载入鹰潭市工作要点与演示数据,然后启动服务(“今天”缺省为 2024-11-10)
    #[command(after_help = SETTINGS_HELP)]
    Demo {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
        /// 只准备数据,不启动服务
        #[arg(long)]
        no_serve: bool,
    },
    /// 将数据库结构升级到当前版本后退出(服务启动时也会自动升级)
    Migrate {
        #[command(flatten)]
        data: DataArgs,
        /// 只检查、不做任何改动:没有待执行的升级时退出码为 0,有则列出并以 1 退出
        #[arg(long)]
        check: bool,
    },
    /// 运行检查:配置、数据库(连接、结构版本、时钟)、磁盘空间、邮件与 webhook 服务器、最近一次备份;退出码 0 正常、1 有警告、2 有错误
    #[command(after_help = SETTINGS_HELP)]
    Doctor(doctor::DoctorArgs),
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
    /// 新增用户(如系统的第一个管理员);密码在终端上输入(不回显),或用 --password-stdin 从标准输入读取
    Add {
        /// 用户名
        #[arg(long)]
        username: String,
        /// 角色:admin(系统管理员)、security_admin、audit_admin、supervisor、reporter、unit_head、leader 等(或中文名)
        #[arg(long)]
        role: String,
        /// 所属单位(填报员、单位负责人必填)
        #[arg(long)]
        unit: Option<String>,
        /// 显示名称(缺省同用户名)
        #[arg(long, visible_alias = "name")]
        display_name: Option<String>,
        /// 从标准输入读取密码(第一行),供脚本使用;密码不出现在命令行或环境变量中
        #[arg(long)]
        password_stdin: bool,
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

/// The allocator of the program's own memory: jemalloc, with two arenas (its threads keep
/// caches of their own, so more arenas buy little but memory) and freed pages given back to
/// the system at once, by its background thread. Against glibc's, on the province's load
/// sequence (two alternating pairs, docs/benchmarks.md): a fifth to a third less CPU per
/// read, the same per submission, and a peak of 142 MB against 155–161 (glibc keeps much of
/// what each thread's heap freed). The C libraries inside (SQLite, zstd) keep glibc's malloc,
/// which `return_large_allocations` and the trimmer still tune.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, which it reads when it starts from a C string of this name.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static JEMALLOC_SETTINGS: JemallocSettings =
    JemallocSettings(c"background_thread:true,narenas:2,dirty_decay_ms:0,muzzy_decay_ms:0".as_ptr());

/// A C string pointer that may live in a static.
#[cfg(not(target_env = "msvc"))]
#[repr(transparent)]
pub struct JemallocSettings(*const std::ffi::c_char);

// SAFETY: the pointer is to a string literal, which nothing writes.
#[cfg(not(target_env = "msvc"))]
unsafe impl Sync for JemallocSettings {}

/// For what still goes through glibc's malloc (SQLite, zstd; the program's own memory is
/// jemalloc's, above). Once a large block is freed, glibc raises its mmap threshold above that
/// size and serves later ones from per-thread heaps that it does not give back: when Argon2's
/// blocks (19 MiB each, then) still came from glibc, a burst of sign-ins (the benchmark's 130)
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
    let cli = Cli::parse();
    settings::set_config_file(cli.config.clone());
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
    // The server logs each request and job (info); other commands only errors, as before. A
    // bad setting is told by the command itself, after this.
    let (format, serving) = match &command {
        Command::Serve { data, serve } => {
            (serve_settings(data, serve, settings::Mode::Serve).map(|s| s.log_format), true)
        }
        Command::Demo { data, serve, .. } => {
            (serve_settings(data, serve, settings::Mode::Demo).map(|s| s.log_format), true)
        }
        _ => (Ok(settings::LogFormat::Text), false),
    };
    init_logging(format.unwrap_or_default(), serving);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match command {
            Command::Serve { data, serve } => {
                let settings = serve_settings(&data, &serve, settings::Mode::Serve)?;
                let store = settings.open().await?;
                serve_on(store, &settings).await
            }
            Command::Demo { data, serve, no_serve } => {
                demo::run(&serve_settings(&data, &serve, settings::Mode::Demo)?, no_serve).await
            }
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
            Command::Doctor(args) => match doctor::run(&args).await {
                0 => Ok(()),
                status => std::process::exit(i32::from(status)),
            },
            Command::BenchData(args) => bench_data::run(args).await,
            Command::Migrate { data, check } => match migrate::run(&data, check).await? {
                0 => Ok(()),
                status => std::process::exit(i32::from(status)),
            },
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
                    let p = store.publish_plan(id, chrono::Local::now().date_naive()).await?;
                    audit::record(&store, "plan.publish", Some(format!("plan:{id}")), serde_json::json!({})).await;
                    println!(
                        "已发布:{} 项任务,{} 个责任单位分工,{} 个指标,{} 个节点",
                        p.tasks, p.assignments, p.indicators, p.milestones
                    );
                }
                Ok(())
            }
            Command::User {
                command: UserCommand::Add { username, role, unit, display_name, password_stdin, data },
            } => {
                let role = Role::parse(&role).ok_or_else(|| {
                    let keys: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
                    anyhow!("未知角色“{role}”,可用:{}", keys.join("、"))
                })?;
                // Settings first: a bad configuration is told before a password is asked for.
                let settings = data.settings()?;
                let password = user::read_password(password_stdin)?;
                let store = settings.open().await?;
                let display = display_name.unwrap_or_else(|| username.clone());
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

/// The log on standard error, filtered by `DUBAN_LOG` (e.g. `DUBAN_LOG=debug`, or
/// `DUBAN_LOG=warn,duban::request=info`), else by the command's default level.
fn init_logging(format: settings::LogFormat, serving: bool) {
    use tracing_subscriber::filter::LevelFilter;
    let default = if serving { LevelFilter::INFO } else { LevelFilter::ERROR };
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(default.into())
        .with_env_var("DUBAN_LOG")
        .from_env_lossy();
    // Colours only for a person at a terminal, not in the journal or a log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let log = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    match format {
        settings::LogFormat::Text => log.init(),
        settings::LogFormat::Json => log.json().flatten_event(true).with_span_list(false).init(),
    }
}

pub async fn serve_on(store: Store, settings: &Settings) -> anyhow::Result<()> {
    // A bad certificate stops the start before anything listens.
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(web::tls::load(cert, key).map_err(|e| anyhow!("无法启用 HTTPS:{e}"))?),
        _ => None,
    };
    let listener =
        tokio::net::TcpListener::bind(&settings.addr).await.with_context(|| format!("无法监听 {}", settings.addr))?;
    let local = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("督办服务已启动:{scheme}://{local}/  (健康检查 /healthz,API /api/v1,接口文档 /api/v1/openapi.json)");
    let config = settings.web_config();
    if let Some(b) = &config.backup {
        println!("定时备份:每 {} 小时一份,写入 {},保留最近 {} 份", b.every_hours, b.dir.display(), b.keep);
    }
    let state = web::AppState::new(store, config);
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
