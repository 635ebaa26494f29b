//! The settings of `duban serve`, `duban demo` and every command that touches data: one
//! struct, read in layers — built-in defaults, then a TOML file, then `DUBAN_*` environment
//! variables, then the command line — each overriding the one before (figment merges them).
//! One function, [`Settings::web_config`], turns them into the web server's configuration for
//! both `serve` and `demo`.

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use store::Store;

/// The configuration file the package installs; read when no other is named.
pub const SYSTEM_CONFIG: &str = "/etc/duban/duban.toml";

/// The demo's clock when none is set: November is open and the year is history.
pub const DEMO_TODAY: &str = "2024-11-10";

/// The file named by `--config` or `DUBAN_CONFIG`, set once by `main` before any command runs
/// (the option is global, and every command that opens data reads the same file).
static CONFIG_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

pub fn set_config_file(path: Option<PathBuf>) {
    let _ = CONFIG_FILE.set(path);
}

/// Every setting, with the keys the configuration file uses; the environment variable of a
/// key is `DUBAN_` and the key in capitals, the command-line flag `--` and the key with `-`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub addr: String,
    pub today: Option<NaiveDate>,
    pub due_day: u32,
    pub job_interval_secs: u64,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub webhook_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub backup_dir: Option<PathBuf>,
    pub backup_every: u32,
    pub backup_keep: u32,
    pub api_burst: u32,
    pub api_rate: u32,
    /// Sign-in attempts one client address may make at once (0: no limit), then one more
    /// every `login_refill_secs`. Many users behind one NAT address sign in together at a
    /// meeting; a load test signs in hundreds of users from a few addresses.
    pub login_burst: u32,
    pub login_refill_secs: u64,
    pub max_connections: u32,
    pub header_timeout_secs: u64,
    /// Mark the session cookie Secure though duban itself speaks plain HTTP: behind a reverse
    /// proxy that serves HTTPS. (With `tls_cert` it is marked anyway.)
    pub secure_cookies: bool,
    /// Reverse proxies (CIDRs, or single addresses) whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<String>,
    /// Client addresses (CIDRs) that may read /metrics.
    pub metrics_allow: Vec<String>,
    /// A bearer token that opens /metrics from anywhere (never on the command line).
    pub metrics_token: Option<String>,
    /// The log's format on standard error: one line of text or one JSON object per event.
    pub log_format: LogFormat,
}

/// How the log is written.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        let web = web::Config::default();
        Settings {
            data_dir: PathBuf::from("duban-data"),
            database_url: None,
            addr: "127.0.0.1:8080".into(),
            today: None,
            due_day: web.due_day,
            job_interval_secs: web.job_interval.as_secs(),
            smtp_url: None,
            mail_from: None,
            webhook_url: None,
            tls_cert: None,
            tls_key: None,
            backup_dir: None,
            backup_every: 24,
            backup_keep: 7,
            api_burst: web.api_burst,
            api_rate: web.api_rate,
            login_burst: web.login_burst,
            login_refill_secs: web.login_refill.as_secs(),
            max_connections: u32::try_from(web.max_connections).unwrap_or(u32::MAX),
            header_timeout_secs: web.header_timeout.as_secs(),
            secure_cookies: web.secure_cookies,
            trusted_proxies: Vec::new(),
            metrics_allow: Vec::new(),
            metrics_token: None,
            log_format: LogFormat::Text,
        }
    }
}

/// The keys, in the order of the struct (and of `packaging/duban.toml`).
pub const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "addr",
    "today",
    "due_day",
    "job_interval_secs",
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
    "login_burst",
    "login_refill_secs",
    "max_connections",
    "header_timeout_secs",
    "secure_cookies",
    "trusted_proxies",
    "metrics_allow",
    "metrics_token",
    "log_format",
];

/// The settings that are text (paths, URLs, addresses, a date, a sender's name).
const TEXT_KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "addr",
    "today",
    "smtp_url",
    "mail_from",
    "webhook_url",
    "tls_cert",
    "tls_key",
    "backup_dir",
    "metrics_token",
];

/// The `DUBAN_*` variables of the text settings, taken as written: figment's `Env` reads a
/// value that looks like a number as one (`DUBAN_DATA_DIR=2024`, a sender named `12345`),
/// which a text setting then refuses.
struct TextEnv;

impl figment::Provider for TextEnv {
    fn metadata(&self) -> figment::Metadata {
        // The name `describe` and `source` recognise as the environment's.
        figment::Metadata::named("`DUBAN_` environment variable(s)")
    }

    fn data(&self) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        let mut dict = figment::value::Dict::new();
        for key in TEXT_KEYS {
            let var = format!("DUBAN_{}", key.to_uppercase());
            match std::env::var(&var) {
                Ok(v) => {
                    dict.insert((*key).to_string(), v.into());
                }
                Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(format!("环境变量 {var} 不是有效的 UTF-8 文本").into());
                }
            }
        }
        Ok(figment::Profile::Default.collect(dict))
    }
}

/// Which command reads the settings: the demo has defaults of its own, and never reads the
/// system's configuration file by itself (a demo started on a server must not fill the
/// production database with demo data).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Demo,
}

/// The configuration file to read: the one named, else `./duban.toml`, else the system's
/// (not for the demo), when present.
pub fn config_file(mode: Mode) -> Option<PathBuf> {
    if let Some(Some(named)) = CONFIG_FILE.get() {
        return Some(named.clone());
    }
    [Path::new("duban.toml"), Path::new(SYSTEM_CONFIG)]
        .into_iter()
        .filter(|p| mode == Mode::Serve || *p != Path::new(SYSTEM_CONFIG))
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
}

/// Reads the settings, `flags` (the command line's, `None` fields unset) over everything else.
pub fn load(flags: &impl Serialize, mode: Mode) -> anyhow::Result<Settings> {
    let file = config_file(mode);
    load_from(flags, mode, file.as_deref()).map_err(|m| anyhow!(m))
}

fn load_from(flags: &impl Serialize, mode: Mode, file: Option<&Path>) -> Result<Settings, String> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if mode == Mode::Demo {
        figment = figment.merge(Serialized::default("today", DEMO_TODAY));
    }
    if let Some(path) = file {
        // A named file that is missing is an error, not an empty layer.
        std::fs::metadata(path).map_err(|e| format!("无法读取配置文件 {}:{}", path.display(), crate::io_reason(&e)))?;
        figment = figment.merge(Toml::file_exact(path));
    }
    let typed: Vec<&str> = KEYS.iter().copied().filter(|k| !TEXT_KEYS.contains(k)).collect();
    let figment = figment.merge(Env::prefixed("DUBAN_").only(&typed)).merge(TextEnv).merge(Serialized::defaults(flags));
    let settings: Settings = figment.extract().map_err(|e| describe(&e, file))?;
    settings.validate().map_err(|(key, rule)| {
        // A secret is named, never shown.
        let value = match key {
            "metrics_token" => "(不显示)".to_string(),
            _ => figment.find_value(key).map(|v| show(&v)).unwrap_or_default(),
        };
        let flagged = serde_json::to_value(flags).is_ok_and(|v| v.get(key).is_some());
        format!("配置项 {key} 的值 {value} 无效({}):{rule}", source(&figment, key, file, flagged))
    })?;
    Ok(settings)
}

/// Where a key's value came from, in words (`flagged`: the command line set it).
fn source(figment: &Figment, key: &str, file: Option<&Path>, flagged: bool) -> String {
    match figment.find_metadata(key) {
        _ if flagged => format!("来自命令行参数 --{}", key.replace('_', "-")),
        Some(m) if matches!(m.source, Some(figment::Source::File(_))) => {
            format!("来自配置文件 {}", file.map(|f| f.display().to_string()).unwrap_or_default())
        }
        Some(m) if m.name.contains("environment") => format!("来自环境变量 DUBAN_{}", key.to_uppercase()),
        _ => "缺省值".to_string(),
    }
}

/// A value as the person wrote it.
fn show(v: &figment::value::Value) -> String {
    use figment::value::{Num, Value};
    match v {
        Value::String(_, s) => format!("“{s}”"),
        Value::Num(_, n) => match *n {
            Num::F32(f) => f.to_string(),
            Num::F64(f) => f.to_string(),
            n => n.to_i128().map(|i| i.to_string()).or_else(|| n.to_u128().map(|u| u.to_string())).unwrap_or_default(),
        },
        Value::Bool(_, b) => b.to_string(),
        Value::Dict(..) => "(表)".into(),
        Value::Array(..) => "(数组)".into(),
        Value::Char(_, c) => format!("“{c}”"),
        Value::Empty(..) => "(空)".into(),
    }
}

/// What serde found instead of the expected type, in words.
fn actual(a: &figment::error::Actual) -> String {
    use figment::error::Actual;
    match a {
        Actual::Str(s) => format!("“{s}”"),
        Actual::Char(c) => format!("“{c}”"),
        Actual::Bool(b) => b.to_string(),
        Actual::Unsigned(n) => n.to_string(),
        Actual::Signed(n) => n.to_string(),
        Actual::Float(f) => f.to_string(),
        Actual::Map => "表(未加引号的日期也是表)".into(),
        Actual::Seq => "数组".into(),
        other => other.to_string(),
    }
}

/// A figment error as one line a person can act on, naming the key and where it was set.
fn describe(e: &figment::Error, file: Option<&Path>) -> String {
    use figment::error::Kind;
    let file_name = file.map(|f| f.display().to_string()).unwrap_or_default();
    let key = e.path.last().cloned().unwrap_or_default();
    let from = match &e.metadata {
        Some(m) if matches!(m.source, Some(figment::Source::File(_))) => format!("来自配置文件 {file_name}"),
        Some(m) if m.name.contains("environment") => format!("来自环境变量 DUBAN_{}", key.to_uppercase()),
        _ => "来自命令行".to_string(),
    };
    match &e.kind {
        Kind::UnknownField(field, _) => {
            format!("配置文件 {file_name} 中有未知的设置项“{field}”,可用:{}", KEYS.join("、"))
        }
        Kind::InvalidType(found, _) | Kind::InvalidValue(found, _) => {
            format!("配置项 {key} 的值 {} 无效({from}):{}", actual(found), expected(&key))
        }
        Kind::Message(m) if key.is_empty() => format!("配置文件 {file_name} 格式错误:{m}"),
        _ => format!("配置项 {key} 的值无效({from}):{}", expected(&key)),
    }
}

/// What a key takes, in words.
fn expected(key: &str) -> &'static str {
    match key {
        "today" => "应为日期,如 \"2024-11-10\"(加引号)",
        "data_dir" | "tls_cert" | "tls_key" | "backup_dir" => "应为路径(字符串)",
        "database_url" | "addr" | "smtp_url" | "mail_from" | "webhook_url" => "应为字符串",
        "secure_cookies" => "应为 true 或 false",
        "trusted_proxies" | "metrics_allow" => "应为地址段的数组,如 [\"127.0.0.1/32\", \"10.0.0.0/8\"]",
        "metrics_token" => "应为字符串",
        "log_format" => "应为 \"text\" 或 \"json\"",
        _ => "应为非负整数",
    }
}

impl Settings {
    /// Checks the ranges the types cannot say; the key and the rule of the first value out
    /// of range.
    fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=31).contains(&self.due_day) {
            return Err(("due_day", "每月报送截止日应为 1 到 31"));
        }
        if !(1..=8760).contains(&self.backup_every) {
            return Err(("backup_every", "定时备份间隔应为 1 到 8760 小时"));
        }
        if !(1..=10000).contains(&self.backup_keep) {
            return Err(("backup_keep", "保留的备份份数应为 1 到 10000"));
        }
        if self.max_connections == 0 {
            return Err(("max_connections", "连接数上限至少为 1"));
        }
        if !(1..=3600).contains(&self.header_timeout_secs) {
            return Err(("header_timeout_secs", "请求头超时应为 1 到 3600 秒"));
        }
        if self.job_interval_secs == 0 {
            return Err(("job_interval_secs", "定时任务检查间隔至少为 1 秒"));
        }
        if self.trusted_proxies.iter().any(|n| cidr(n).is_none()) {
            return Err(("trusted_proxies", "应为地址段(如 127.0.0.1/32、10.0.0.0/8)或单个地址"));
        }
        if self.metrics_allow.iter().any(|n| cidr(n).is_none()) {
            return Err(("metrics_allow", "应为地址段(如 127.0.0.1/32、10.0.0.0/8)或单个地址"));
        }
        if self.metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
            return Err(("metrics_token", "令牌至少 16 个字符(不计首尾空白)"));
        }
        match (&self.tls_cert, &self.tls_key) {
            // The one that is set is named: it is where the value came from.
            (Some(_), None) => {
                return Err(("tls_cert", "给出证书 tls_cert(--tls-cert)时须同时给出私钥 tls_key(--tls-key)"));
            }
            (None, Some(_)) => {
                return Err(("tls_key", "给出私钥 tls_key(--tls-key)时须同时给出证书 tls_cert(--tls-cert)"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The database's URL: the one given, or the SQLite database in the data directory
    /// (created, with the directory, when `create`).
    pub fn database_url(&self, create: bool) -> anyhow::Result<String> {
        Ok(match &self.database_url {
            Some(u) => u.clone(),
            None => {
                if create {
                    std::fs::create_dir_all(&self.data_dir)
                        .with_context(|| format!("无法创建数据目录 {}", self.data_dir.display()))?;
                }
                let mode = if create { "" } else { "?mode=rw" };
                format!("sqlite://{}{mode}", self.data_dir.join("duban.db").display())
            }
        })
    }

    /// The SQLite database file, when the data is there.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.database_url.is_none().then(|| self.data_dir.join("duban.db"))
    }

    /// Opens the data (schema brought up to date); a new database starts with the shipped
    /// unit directory, so plans published into it find their units (and groups their members).
    pub async fn open(&self) -> anyhow::Result<Store> {
        let store = Store::open(&self.database_url(true)?)
            .await
            .map_err(|e| anyhow!("无法打开数据库:{e}"))?
            .with_files(self.data_dir.join("files"));
        crate::migrate::refuse_newer(&store).await?;
        if store.units().await?.is_empty() {
            let directory = plan::Directory::from_toml(crate::DEFAULT_UNITS).map_err(|e| anyhow!(e))?;
            store.load_directory(&directory).await?;
        }
        Ok(store)
    }

    /// Connects to the database as it is: no migration, no unit directory, and no SQLite file
    /// created (`None` when there is none yet).
    pub async fn connect_existing(&self) -> anyhow::Result<Option<Store>> {
        if let Some(file) = self.sqlite_file()
            && !file.exists()
        {
            return Ok(None);
        }
        let store = Store::connect(&self.database_url(false)?).await.map_err(|e| anyhow!("无法连接数据库:{e}"))?;
        Ok(Some(store))
    }

    /// Scheduled backups, when a directory is set.
    pub fn backup_schedule(&self) -> Option<store::archive::BackupSchedule> {
        self.backup_dir.as_ref().map(|dir| store::archive::BackupSchedule {
            dir: dir.clone(),
            every_hours: self.backup_every,
            keep: self.backup_keep as usize,
        })
    }

    /// The web server's configuration: the one place `serve` and `demo` get it from.
    pub fn web_config(&self) -> web::Config {
        web::Config {
            today: self.today,
            due_day: self.due_day,
            job_interval: std::time::Duration::from_secs(self.job_interval_secs.max(1)),
            channels: notify::Channels {
                smtp_url: self.smtp_url.clone(),
                mail_from: self.mail_from.clone(),
                webhook_url: self.webhook_url.clone(),
            },
            api_burst: self.api_burst,
            api_rate: self.api_rate,
            login_burst: self.login_burst,
            login_refill: std::time::Duration::from_secs(self.login_refill_secs.max(1)),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs),
            backup: self.backup_schedule(),
            secure_cookies: self.secure_cookies,
            trusted_proxies: self.trusted_proxies.iter().filter_map(|n| cidr(n)).collect(),
            metrics_allow: self.metrics_allow.iter().filter_map(|n| cidr(n)).collect(),
            metrics_token: self.metrics_token.as_ref().map(|t| web::observe::MetricsToken(t.trim().to_string())),
            ..web::Config::default()
        }
    }
}

/// An address range as written in the settings: a CIDR, or one address (a range of one).
fn cidr(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse().ok().or_else(|| text.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list the environment is filtered by names every field, and nothing else.
    #[test]
    fn keys_are_the_fields() {
        let value = serde_json::to_value(Settings::default()).expect("serialises");
        let fields: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
        let mut keys = KEYS.to_vec();
        keys.sort_unstable();
        let mut fields = fields;
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    /// The server's configuration carries what the settings say (for `serve` and `demo`
    /// alike: both go through `web_config`).
    #[test]
    fn the_web_configuration_carries_the_settings() {
        let s = Settings {
            api_rate: 7,
            api_burst: 9,
            login_burst: 0,
            login_refill_secs: 5,
            webhook_url: Some("http://gw/robot".into()),
            secure_cookies: true,
            backup_dir: Some("/b".into()),
            backup_every: 6,
            header_timeout_secs: 3,
            ..Settings::default()
        };
        let c = s.web_config();
        assert_eq!((c.api_rate, c.api_burst, c.secure_cookies), (7, 9, true));
        assert_eq!((c.login_burst, c.login_refill), (0, std::time::Duration::from_secs(5)));
        assert_eq!(c.channels.webhook_url.as_deref(), Some("http://gw/robot"));
        assert_eq!(c.backup.map(|b| b.every_hours), Some(6));
        assert_eq!(c.header_timeout, std::time::Duration::from_secs(3));
        let s = Settings {
            trusted_proxies: vec!["127.0.0.1".into(), "10.0.0.0/8".into()],
            metrics_allow: vec!["192.168.1.0/24".into()],
            metrics_token: Some(" a-long-enough-token ".into()),
            ..Settings::default()
        };
        let c = s.web_config();
        let nets = |v: &[&str]| v.iter().map(|n| n.parse::<ipnet::IpNet>().expect("cidr")).collect::<Vec<_>>();
        assert_eq!(c.trusted_proxies, nets(&["127.0.0.1/32", "10.0.0.0/8"]));
        assert_eq!(c.metrics_allow, nets(&["192.168.1.0/24"]));
        assert_eq!(c.metrics_token, Some(web::observe::MetricsToken("a-long-enough-token".into())));
    }

    /// A bad address range or a short token stops the start, naming the key.
    #[test]
    fn address_ranges_and_the_metrics_token_are_checked() {
        let bad = Settings { trusted_proxies: vec!["10.0.0.0/33".into()], ..Settings::default() };
        assert_eq!(bad.validate().map_err(|e| e.0), Err("trusted_proxies"));
        let bad = Settings { metrics_allow: vec!["localhost".into()], ..Settings::default() };
        assert_eq!(bad.validate().map_err(|e| e.0), Err("metrics_allow"));
        let bad = Settings { metrics_token: Some("short".into()), ..Settings::default() };
        assert_eq!(bad.validate().map_err(|e| e.0), Err("metrics_token"));
        let toml = "log_format = \"json\"\ntrusted_proxies = [\"127.0.0.1/32\"]\n";
        let s: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()
            .expect("valid");
        assert_eq!((s.log_format, s.trusted_proxies.len()), (LogFormat::Json, 1));
    }

    /// The packaged configuration file names every setting; those left commented out show
    /// the default they stand for.
    #[test]
    fn the_packaged_file_lists_every_setting_with_its_default() {
        let text = include_str!("../../../packaging/duban.toml");
        let defaults = serde_json::to_value(Settings::default()).expect("serialises");
        for key in KEYS {
            let line = text
                .lines()
                .find(|l| l.trim_start_matches('#').trim_start().starts_with(&format!("{key} =")))
                .unwrap_or_else(|| panic!("{key} is in packaging/duban.toml"));
            let default = &defaults[key];
            if line.starts_with('#') && !default.is_null() {
                let shown = match default {
                    serde_json::Value::String(s) => format!("\"{s}\""),
                    other => other.to_string(),
                };
                assert!(line.ends_with(&shown), "{key}: {line} shows the default {shown}");
            }
        }
        // And the file as shipped is accepted.
        let shipped: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .expect("the packaged file is valid");
        assert_eq!(shipped.data_dir, PathBuf::from("/var/lib/duban"));
    }
}
