//! `duban-loadgen`: drives a running server over keep-alive HTTP/1.1 connections and prints
//! one Markdown table row per scenario: requests, throughput, p50 and p99 latency.
//!
//! Two targets with the same scenarios, so that bench/run.sh can set their rows side by side
//! (issue G): `duban` (`duban serve`, the default; see `duban.rs`) and `redmine` (Redmine
//! loaded with the same province by bench/redmine; see `redmine.rs` for each scenario's
//! equivalent and why).
//!
//! A third target, `ceiling`, is the framework's ceiling (`duban-ceiling`, src/bin/ceiling.rs):
//! its `healthz` and `json` (4 KB of JSON serialised per request) are what duban's figures are
//! set against (issue N).
//!
//! Scenarios: healthz, dashboard, plan, tasks, report (a report read), search, submit (a
//! monthly report submitted by a unit); json (the ceiling's only).
//!
//! With `--server-pid`, each row also gives the server's CPU time per answered request (user
//! and system, from /proc/PID/stat, summed over the processes given): what a request costs,
//! whatever the load generator beside it on the same cores costs; and the servers' peak
//! resident memory during the scenario (VmRSS sampled every 10 ms, summed over the processes),
//! with a first row for the setup (the sign-ins), so that a trace of memory through the whole
//! sequence shows which step sets the peak.

mod duban;
mod http;
mod redmine;

use anyhow::bail;
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http::Conn;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// duban serve
    Duban,
    /// 载入相同数据的 Redmine(bench/redmine)
    Redmine,
    /// 框架上限(duban-ceiling:无中间件、无数据库)
    Ceiling,
}

#[derive(Parser)]
#[command(name = "duban-loadgen", about = "duban 基准测试的 HTTP 压测工具")]
pub struct Args {
    /// 被测系统
    #[arg(long, value_enum, default_value = "duban")]
    target: Target,
    /// 服务地址,如 127.0.0.1:8080
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// 同一数据库上的其他服务进程地址(可重复):各场景的连接轮流分到 --addr 与这些地址
    #[arg(long)]
    also_addr: Vec<SocketAddr>,
    /// 并发连接数
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// 每个场景的持续时间(秒)
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// 用户密码
    #[arg(long, default_value = "Duban@2024")]
    password: String,
    /// Redmine 管理员的 API 密钥(--target redmine)
    #[arg(long)]
    api_key: Option<String>,
    /// 读取场景所用的月份
    #[arg(long, default_value = "2024-12")]
    period: String,
    /// 提交场景可填报的月份(逗号分隔,须已开放且尚无报告)
    #[arg(long, default_value = "2025-01")]
    open_periods: String,
    /// 固定到达速率(次/秒,所有连接合计):按时刻表发出操作,延迟从预定时刻算起(服务跟不上时
    /// 排队的时间也计入);不设则每个连接收到应答后立即发下一个
    #[arg(long)]
    rate: Option<f64>,
    /// 场景(逗号分隔):healthz,dashboard,plan,tasks,report,search,submit
    #[arg(long, default_value = "healthz,dashboard,plan,tasks,report,search,submit")]
    scenarios: String,
    /// 不打印表头
    #[arg(long)]
    no_header: bool,
    /// 服务进程号(可重复):每行另给出服务端每个成功请求耗用的 CPU 时间(微秒)
    #[arg(long)]
    server_pid: Vec<u32>,
}

impl Args {
    fn open_periods(&self) -> impl Iterator<Item = &str> {
        self.open_periods.split(',').map(str::trim).filter(|p| !p.is_empty())
    }
}

const SCENARIOS: &[&str] = &["healthz", "dashboard", "plan", "tasks", "report", "search", "submit", "json"];

/// Scenarios that need nothing discovered first (no sign-in, no data).
const BARE: &[&str] = &["healthz", "json"];

/// The words the search scenario asks for in turn, on both targets.
pub const SEARCH_WORDS: &[&str] =
    &["学前教育", "控辍保学", "教师队伍", "督导", "体育", "资助", "思政课", "招生", "安全", "职业教育"];

/// The outcome of one operation of a scenario.
pub enum Step {
    /// It finished: the last request it made (for the first error's message) and its reply,
    /// or the first that failed.
    Done { path: String, result: anyhow::Result<(u16, Bytes)> },
    /// Nothing left to do (a connection's submissions ran out).
    Exhausted,
}

/// What a target's scenarios need, discovered once before they run.
enum World {
    /// Only `healthz` was asked for: nothing to discover.
    Bare(Target),
    Duban(duban::World),
    Redmine(redmine::World),
}

impl World {
    async fn step(&self, conn: &mut Conn, scenario: &str, c: usize, i: usize) -> Step {
        match self {
            World::Duban(w) => w.step(conn, scenario, c, i).await,
            World::Redmine(w) => w.step(conn, scenario, c, i).await,
            World::Bare(target) => {
                let path = match (target, scenario) {
                    (_, "json") => "/json",
                    (Target::Redmine, _) => "/robots.txt",
                    _ => "/healthz",
                };
                Step::Done { path: path.to_string(), result: conn.send("GET", path, http::Auth::None, None).await }
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, started: Instant, path: &str, result: anyhow::Result<(u16, Bytes)>) {
        match result {
            Ok((s, _)) if (200..300).contains(&s) => {
                self.latencies_us.push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            }
            Ok((s, body)) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| format!("{path}: {s} {}", String::from_utf8_lossy(&body)));
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| format!("{path}: {e}"));
            }
        }
    }
}

/// When a connection starts its operations: as soon as it can (a closed loop: each waits for
/// the previous answer), or on a timetable that gives a fixed rate over all connections.
#[derive(Clone, Copy)]
enum Pace {
    Closed,
    /// The connection's first operation is due at `first`, the next ones `every` apart.
    Timetable {
        first: Instant,
        every: Duration,
    },
}

impl Pace {
    fn new(rate: Option<f64>, connections: usize, c: usize, start: Instant) -> Pace {
        match rate {
            Some(r) if r > 0.0 => Pace::Timetable {
                first: start + Duration::from_secs_f64(c as f64 / r),
                every: Duration::from_secs_f64(connections as f64 / r),
            },
            _ => Pace::Closed,
        }
    }

    /// When the `k`-th operation (from 0) is due; latency counts from then, so an operation
    /// that waited for a slow server to finish the one before has that wait counted too (a
    /// closed loop would leave it out: coordinated omission).
    fn due(self, k: u32) -> Instant {
        match self {
            Pace::Closed => Instant::now(),
            Pace::Timetable { first, every } => first + every * k,
        }
    }
}

async fn worker(addr: SocketAddr, scenario: &str, world: Arc<World>, c: usize, stop: Instant, pace: Pace) -> Tally {
    let mut conn = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let mut t = Tally::default();
    let mut i = c;
    for k in 0.. {
        let started = pace.due(k);
        if started >= stop {
            break;
        }
        if let Pace::Timetable { .. } = pace {
            tokio::time::sleep_until(started.into()).await;
        }
        i += 1;
        match world.step(&mut conn, scenario, c, i).await {
            Step::Done { path, result } => t.record(started, &path, result),
            Step::Exhausted => break,
        }
    }
    t
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Setup talks to the first process; the scenarios' connections take the processes in turn
    // (sessions are stored in the shared database, so any process accepts them).
    let addrs: Vec<SocketAddr> = std::iter::once(args.addr).chain(args.also_addr.iter().copied()).collect();
    let scenarios: Vec<String> =
        args.scenarios.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if let Some(s) = scenarios.iter().find(|s| !SCENARIOS.contains(&s.as_str())) {
        bail!("未知场景 {s}(可选:{})", SCENARIOS.join(","));
    }
    if args.target != Target::Ceiling && scenarios.iter().any(|s| s == "json") {
        bail!("json 场景只用于 --target ceiling");
    }
    let memory = RssPeak::watch(&args.server_pid);
    let world = match (args.target, scenarios.iter().any(|s| !BARE.contains(&s.as_str()))) {
        (target, false) => World::Bare(target),
        (Target::Ceiling, true) => bail!("--target ceiling 只有 healthz 与 json 场景"),
        (Target::Duban, true) => World::Duban(duban::setup(&args).await?),
        (Target::Redmine, true) => World::Redmine(redmine::setup(&args).await?),
    };
    let world = Arc::new(world);
    if !args.no_header {
        println!(
            "| 场景 | 连接 | 成功请求 | 吞吐 (次/秒) | p50 (ms) | p99 (ms) | 错误 | 服务端 CPU (µs/次) | 服务端 RSS 峰值 (MB) |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    }
    // The setup's own row (its name is not a scenario's, so bench/run.sh's share table skips
    // it): the sign-ins of every connection's user are where Argon2 takes its memory.
    if !matches!(*world, World::Bare(_)) {
        println!("| (准备:登录与读取待办) | {} | — | — | — | — | — | — | {} |", args.connections, memory.take_mb());
    }
    for scenario in &scenarios {
        memory.take_mb();
        let cpu_before = server_cpu_us(&args.server_pid);
        let started = Instant::now();
        let stop = started + Duration::from_secs_f64(args.duration);
        let mut handles = Vec::new();
        for c in 0..args.connections {
            let w = world.clone();
            let s = scenario.clone();
            let addr = addrs[c % addrs.len()];
            let pace = Pace::new(args.rate, args.connections, c, started);
            handles.push(tokio::spawn(async move { worker(addr, &s, w, c, stop, pace).await }));
        }
        let mut all = Tally::default();
        for h in handles {
            let t = h.await?;
            all.latencies_us.extend(t.latencies_us);
            all.errors += t.errors;
            if all.first_error.is_none() {
                all.first_error = t.first_error;
            }
        }
        // The time used: shorter when submissions ran out of open work, longer when operations
        // still in flight at the end were waited for (they are counted, and a slow server's
        // last operations can take seconds).
        let elapsed = started.elapsed().as_secs_f64().max(0.001);
        let cpu = match (cpu_before, server_cpu_us(&args.server_pid)) {
            (Some(a), Some(b)) if !all.latencies_us.is_empty() => {
                format!("{:.0}", (b - a) as f64 / all.latencies_us.len() as f64)
            }
            _ => "—".to_string(),
        };
        all.latencies_us.sort_unstable();
        let n = all.latencies_us.len();
        let name = match args.rate {
            Some(r) => format!("{scenario}(定速 {r:.0}/秒)"),
            None => scenario.clone(),
        };
        println!(
            "| {name} | {} | {n} | {:.0} | {:.1} | {:.1} | {} | {cpu} | {} |",
            args.connections,
            n as f64 / elapsed,
            percentile(&all.latencies_us, 0.50),
            percentile(&all.latencies_us, 0.99),
            all.errors,
            memory.take_mb()
        );
        if let Some(e) = all.first_error {
            eprintln!("{scenario}: 首个错误:{}", e.chars().take(300).collect::<String>());
        }
    }
    Ok(())
}

/// The servers' peak resident memory since the last [`RssPeak::take_mb`], sampled every 10 ms
/// by a task of its own. Sampling, not VmHWM: VmHWM only ever rises (resetting it through
/// clear_refs would take the whole run's peak from bench/run.sh), and a peak that lasts less
/// than 10 ms (one Argon2 check is about 20 ms) matters little to an operator's memory limit.
struct RssPeak {
    pids: Vec<u32>,
    peak_kb: Arc<std::sync::atomic::AtomicU64>,
}

impl RssPeak {
    fn watch(pids: &[u32]) -> RssPeak {
        let peak_kb = Arc::new(std::sync::atomic::AtomicU64::new(0));
        if !pids.is_empty() {
            let (pids, peak) = (pids.to_vec(), peak_kb.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                loop {
                    tick.tick().await;
                    if let Some(kb) = server_rss_kb(&pids) {
                        peak.fetch_max(kb, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
        RssPeak { pids: pids.to_vec(), peak_kb }
    }

    /// The peak since the last call, in MB ("—" without server processes), and a new start
    /// from the memory as it is now.
    fn take_mb(&self) -> String {
        if self.pids.is_empty() {
            return "—".to_string();
        }
        let now = server_rss_kb(&self.pids).unwrap_or(0);
        let peak = self.peak_kb.swap(now, std::sync::atomic::Ordering::Relaxed).max(now);
        format!("{}", peak / 1024)
    }
}

/// VmRSS of /proc/PID/status, summed over the processes, in KB.
fn server_rss_kb(pids: &[u32]) -> Option<u64> {
    let mut total = 0;
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        total += line.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The CPU time (user and system, µs) the processes have used so far; `None` without any, or
/// when one cannot be read (it has exited).
fn server_cpu_us(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    // Clock ticks per second: 100 on every Linux this runs on (USER_HZ is fixed by the kernel
    // ABI, whatever the kernel's own HZ).
    const TICKS_PER_SECOND: u64 = 100;
    let mut ticks = 0;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces; the fields after its closing
        // parenthesis are fixed: utime and stime are the 12th and 13th of them.
        let after = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        ticks += fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    }
    Some(ticks * 1_000_000 / TICKS_PER_SECOND)
}
