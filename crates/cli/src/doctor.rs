//! `duban doctor`: checks what a running service depends on — its configuration, the
//! database (reachable, schema up to date, clock), free disk space, the mail and webhook
//! servers, the latest backup — one line per check, and an exit status for monitoring:
//! 0 all fine, 1 warnings, 2 errors. Changes nothing (no migration, no database created).

use crate::settings::Settings;
use crate::{DataArgs, ServeArgs, serve_settings};
use clap::Args;
use std::path::Path;
use std::time::{Duration, SystemTime};

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// 数据目录、备份目录所在磁盘的剩余空间低于此值(MB)时警告
    #[arg(long, default_value_t = 1024)]
    pub min_free_mb: u64,
}

/// How a check came out; the exit status is the worst one's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Ok = 0,
    Warning = 1,
    Error = 2,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Ok => "正常",
            Level::Warning => "警告",
            Level::Error => "错误",
        }
    }
}

/// How long a TCP connection to the mail or webhook server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Clock skew between this machine and the database server worth a warning.
const SKEW_WARNING: f64 = 5.0;

struct Report {
    worst: Level,
}

impl Report {
    fn line(&mut self, level: Level, check: &str, detail: impl AsRef<str>) {
        use std::io::Write;
        // A reader that stops early (`duban doctor | head -1`) is not an error of the check.
        let _ = writeln!(std::io::stdout(), "{} {check}:{}", level.label(), detail.as_ref());
        self.worst = self.worst.max(level);
    }
}

/// Runs every check; the exit status.
pub async fn run(args: &DoctorArgs) -> u8 {
    let mut r = Report { worst: Level::Ok };
    let settings = match serve_settings(&args.data, &args.serve, crate::settings::Mode::Serve) {
        Ok(s) => s,
        Err(e) => {
            r.line(Level::Error, "配置", e.to_string());
            return r.worst as u8;
        }
    };
    match crate::settings::config_file(crate::settings::Mode::Serve) {
        Some(file) => r.line(Level::Ok, "配置", format!("已读取 {}", file.display())),
        None => r.line(Level::Ok, "配置", "未使用配置文件(缺省值、环境变量与命令行参数)"),
    }
    if let (Some(cert), Some(key)) = (&settings.tls_cert, &settings.tls_key) {
        match web::tls::load(cert, key) {
            Ok(_) => r.line(Level::Ok, "HTTPS 证书", format!("{} 可用", cert.display())),
            Err(e) => r.line(Level::Error, "HTTPS 证书", &e),
        }
    }
    database(&mut r, &settings).await;
    disk(&mut r, "数据目录", &settings.data_dir, args.min_free_mb, true);
    if let Some(dir) = &settings.backup_dir {
        disk(&mut r, "备份目录", dir, args.min_free_mb, false);
    }
    if let Some(url) = &settings.smtp_url {
        reachable(&mut r, "邮件服务器", smtp_address(url)).await;
    }
    if let Some(url) = &settings.webhook_url {
        reachable(&mut r, "webhook", web_address(url)).await;
    }
    backups(&mut r, &settings);
    r.worst as u8
}

async fn database(r: &mut Report, settings: &Settings) {
    let store = match tokio::time::timeout(Duration::from_secs(15), settings.connect_existing()).await {
        Err(_) => return r.line(Level::Error, "数据库", "15 秒内未能连接"),
        Ok(Err(e)) => return r.line(Level::Error, "数据库", e.to_string()),
        Ok(Ok(None)) => {
            return r.line(Level::Warning, "数据库", "SQLite 数据库尚未建立(运行 duban migrate 或首次启动服务时建立)");
        }
        Ok(Ok(Some(store))) => store,
    };
    let kind = match store.backend() {
        store::schema::Backend::Sqlite => "SQLite",
        store::schema::Backend::Postgres => "PostgreSQL",
    };
    if !store.ping().await {
        return r.line(Level::Error, "数据库", format!("{kind} 无应答"));
    }
    r.line(Level::Ok, "数据库", format!("{kind} 可连接"));
    match (crate::migrate::unknown_migrations(&store).await, store.pending_migrations().await) {
        (Ok(unknown), _) if !unknown.is_empty() => r.line(
            Level::Error,
            "数据库结构",
            format!("数据库已由更新版本的督办升级(本程序不认识:{}),请使用该版本", unknown.join("、")),
        ),
        (_, Ok(pending)) if pending.is_empty() => r.line(Level::Ok, "数据库结构", "已是最新版本"),
        (_, Ok(pending)) => r.line(
            Level::Warning,
            "数据库结构",
            format!(
                "有 {} 步升级待执行:{}(运行 duban migrate,或启动服务时自动执行)",
                pending.len(),
                pending.join("、")
            ),
        ),
        (_, Err(e)) => r.line(Level::Error, "数据库结构", e.to_string()),
    }
    match store.backend() {
        store::schema::Backend::Sqlite => r.line(Level::Ok, "时钟", "数据库在本机(SQLite),使用同一时钟"),
        store::schema::Backend::Postgres => {
            let row = store.database_time().await;
            let local =
                SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
            match row {
                Ok(remote) => {
                    let skew = remote - local;
                    let level = if skew.abs() > SKEW_WARNING { Level::Warning } else { Level::Ok };
                    // Rounded first, and `+ 0.0` turns the "-0.0" of a tiny negative skew into "0.0".
                    let shown = (skew * 10.0).round() / 10.0 + 0.0;
                    r.line(level, "时钟", format!("数据库服务器与本机相差 {shown:.1} 秒"));
                }
                Err(e) => r.line(Level::Error, "时钟", format!("无法读取数据库服务器时间:{e}")),
            }
        }
    }
    store.close().await;
}

/// Free space where `dir` lives (its nearest existing ancestor, for a directory the service
/// creates later).
fn disk(r: &mut Report, check: &str, dir: &Path, min_free_mb: u64, missing_is_fine: bool) {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    if at != dir && !missing_is_fine {
        r.line(Level::Warning, check, format!("{} 不存在", dir.display()));
        return;
    }
    match free_bytes(at) {
        Ok(free) => {
            let mb = free / (1024 * 1024);
            let level = if mb < min_free_mb { Level::Warning } else { Level::Ok };
            r.line(level, check, format!("{} 所在磁盘剩余 {} MB(警告阈值 {min_free_mb} MB)", dir.display(), mb));
        }
        Err(e) => r.line(Level::Error, check, format!("无法读取 {} 的磁盘空间:{e}", dir.display())),
    }
}

#[cfg(unix)]
fn free_bytes(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `stat` a buffer of the right type, which
    // statvfs fills when it returns 0.
    let rc = unsafe { libc::statvfs(c.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it filled the buffer.
    let stat = unsafe { stat.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> std::io::Result<u64> {
    Err(std::io::Error::other("此平台不支持"))
}

/// The mail server's host and port as lettre reads `smtp_url`: smtps 465, smtp with TLS
/// asked for 587, plain smtp 25.
fn smtp_address(url: &str) -> Result<(String, u16), String> {
    let u = url::Url::parse(url).map_err(|e| format!("smtp_url 无法解析:{e}"))?;
    let host = u.host_str().ok_or("smtp_url 中没有主机名")?.to_string();
    let default = match u.scheme() {
        "smtps" => 465,
        _ if u.query_pairs().any(|(k, _)| k == "tls") => 587,
        _ => 25,
    };
    Ok((host, u.port().unwrap_or(default)))
}

fn web_address(url: &str) -> Result<(String, u16), String> {
    let u = url::Url::parse(url).map_err(|e| format!("webhook_url 无法解析:{e}"))?;
    let host = u.host_str().ok_or("webhook_url 中没有主机名")?.to_string();
    let port = u.port_or_known_default().ok_or("webhook_url 中没有端口")?;
    Ok((host, port))
}

/// Whether a TCP connection to `address` opens within [`CONNECT_TIMEOUT`].
async fn reachable(r: &mut Report, check: &str, address: Result<(String, u16), String>) {
    let (host, port) = match address {
        Ok(a) => a,
        Err(e) => return r.line(Level::Error, check, e),
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await {
        Ok(Ok(_)) => r.line(Level::Ok, check, format!("{host}:{port} 可连接")),
        Ok(Err(e)) => r.line(Level::Error, check, format!("{host}:{port} 无法连接:{e}")),
        Err(_) => r.line(Level::Error, check, format!("{host}:{port} 在 {} 秒内未能连接", CONNECT_TIMEOUT.as_secs())),
    }
}

/// The newest scheduled backup's age, against the interval: older than two intervals means
/// at least one scheduled backup did not happen. Then the latest verification (the server
/// restores each scheduled backup into a throwaway database): one that failed is an error.
fn backups(r: &mut Report, settings: &Settings) {
    let Some(dir) = &settings.backup_dir else {
        return r.line(Level::Warning, "备份", "未配置定时备份目录(backup_dir),数据没有定时备份");
    };
    if let Err(e) = std::fs::read_dir(dir) {
        return r.line(Level::Warning, "备份", format!("无法读取备份目录 {}:{e}", dir.display()));
    }
    let Some((path, at)) = store::archive::newest_backup(dir) else {
        return r.line(Level::Warning, "备份", format!("{} 中还没有备份", dir.display()));
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let age = SystemTime::now().duration_since(at).unwrap_or_default();
    let hours = age.as_secs_f64() / 3600.0;
    let limit = 2.0 * f64::from(settings.backup_every);
    let level = if hours > limit { Level::Warning } else { Level::Ok };
    r.line(level, "备份", format!("最近一次备份 {name} 在 {hours:.1} 小时前(间隔 {} 小时)", settings.backup_every));
    match store::archive::last_verification(dir) {
        Some(v) if !v.ok => r.line(Level::Error, "备份校验", format!("{} 校验失败:{}", v.file, v.detail)),
        Some(v) if v.file == name => r.line(Level::Ok, "备份校验", format!("{}:{}", v.file, v.detail)),
        // A backup made by hand (`duban backup`) is not verified by the server.
        Some(v) => r.line(Level::Ok, "备份校验", format!("{name} 未经校验(上次校验的 {} 通过)", v.file)),
        None => r.line(Level::Ok, "备份校验", format!("{name} 未经校验(服务的定时备份写完后即校验)")),
    }
}
