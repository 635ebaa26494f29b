//! `duban-loadgen`: drives a running `duban serve` over keep-alive HTTP/1.1 connections and
//! prints one Markdown table row per scenario: requests, throughput, p50 and p99 latency.
//!
//! It discovers what it needs through the API itself: signs in as `admin` to list users,
//! as the first supervisor for the bureau's reads (a session per connection, as the bureau's
//! staff at their desks would have: the server's API rate limit counts per session), and as
//! reporters (one per connection, as many as there are) for their task lists and for
//! submissions. Sign-ins come from distinct
//! loopback addresses (127.0.0.x), as reporters at different offices would, so the server's
//! per-address sign-in limit does not throttle the setup.
//!
//! Scenarios: healthz, dashboard, plan, tasks, report (a report read), search, submit (PUT a
//! draft and POST submit for an assignment and open month with no report yet; each
//! submission's latency is the pair's).

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "duban-loadgen", about = "duban 基准测试的 HTTP 压测工具")]
struct Args {
    /// 服务地址,如 127.0.0.1:8080
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// 并发连接数
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// 每个场景的持续时间(秒)
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// 用户密码
    #[arg(long, default_value = "Duban@2024")]
    password: String,
    /// 读取场景所用的月份
    #[arg(long, default_value = "2024-12")]
    period: String,
    /// 提交场景可填报的月份(逗号分隔,须已开放且尚无报告)
    #[arg(long, default_value = "2025-01")]
    open_periods: String,
    /// 场景(逗号分隔):healthz,dashboard,plan,tasks,report,search,submit
    #[arg(long, default_value = "healthz,dashboard,plan,tasks,report,search,submit")]
    scenarios: String,
    /// 不打印表头
    #[arg(long)]
    no_header: bool,
}

/// One keep-alive connection from a given local address.
struct Conn {
    addr: SocketAddr,
    from: IpAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    fn new(addr: SocketAddr, from: IpAddr) -> Self {
        Conn { addr, from, sender: None }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(self.from, 0))?;
            let stream = socket.connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| anyhow!("no connection"))
    }

    /// Sends a request; the status and body.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> anyhow::Result<(u16, Bytes)> {
        let host = self.addr.to_string();
        let sender = self.connect().await?;
        sender.ready().await?;
        let mut request = hyper::Request::builder().method(method).uri(path).header("host", host);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }

    async fn json(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> anyhow::Result<Value> {
        let (status, bytes) = self.send(method, path, token, body).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The loopback address sign-in number `i` comes from: ten per address.
fn source(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 1 + (i / 2540) as u8, 2 + (i / 10 % 254) as u8))
}

async fn login(addr: SocketAddr, i: usize, username: &str, password: &str) -> anyhow::Result<String> {
    let mut c = Conn::new(addr, source(i));
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let v = c.json("POST", "/api/v1/auth/login", None, Some(body)).await.with_context(|| format!("登录 {username}"))?;
    v["token"].as_str().map(str::to_string).ok_or_else(|| anyhow!("登录 {username}:无 token"))
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What a scenario's requests need, discovered once.
struct World {
    /// The supervisor's sessions, one per connection.
    supervisors: Vec<String>,
    /// (username, token) per reporter used.
    reporters: Vec<String>,
    plans: Vec<i64>,
    /// Assignments with a report in the read period.
    reported: Vec<i64>,
    /// Per reporter: (assignment, period) with no report yet.
    work: Vec<Mutex<VecDeque<(i64, String)>>>,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

const SEARCH_WORDS: &[&str] =
    &["学前教育", "控辍保学", "教师队伍", "督导", "体育", "资助", "思政课", "招生", "安全", "职业教育"];

async fn worker(addr: SocketAddr, scenario: &str, w: Arc<World>, c: usize, stop: Instant, period: String) -> Tally {
    let mut conn = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let mut t = Tally::default();
    let mut i = c;
    let record = |t: &mut Tally, started: Instant, r: anyhow::Result<(u16, Bytes)>, path: &str| match r {
        Ok((s, _)) if (200..300).contains(&s) => {
            t.latencies_us.push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            true
        }
        Ok((s, body)) => {
            t.errors += 1;
            t.first_error.get_or_insert_with(|| format!("{path}: {s} {}", String::from_utf8_lossy(&body)));
            false
        }
        Err(e) => {
            t.errors += 1;
            t.first_error.get_or_insert_with(|| format!("{path}: {e}"));
            false
        }
    };
    while Instant::now() < stop {
        i += 1;
        let started = Instant::now();
        let sup = Some(w.supervisors[c % w.supervisors.len()].as_str());
        let path = match scenario {
            "healthz" => "/healthz".to_string(),
            "dashboard" => format!("/api/v1/dashboard?plan={}&period={period}", w.plans[i % w.plans.len()]),
            "plan" => format!("/api/v1/plans/{}?period={period}", w.plans[i % w.plans.len()]),
            "tasks" => format!("/api/v1/tasks?period={period}"),
            "report" => format!("/api/v1/assignments/{}/reports/{period}", w.reported[(i * 7919) % w.reported.len()]),
            "search" => format!("/api/v1/search?q={}", encode(SEARCH_WORDS[i % SEARCH_WORDS.len()])),
            "submit" => {
                let r = c % w.reporters.len();
                let next = w.work[r].lock().ok().and_then(|mut q| q.pop_front());
                let Some((assignment, open)) = next else { break };
                let token = Some(w.reporters[r].as_str());
                let body = serde_json::json!({
                    "version": 0,
                    "progress": format!("{open}月,按计划推进本项工作,完成了阶段性任务。"),
                    "cumulative": "累计完成全年任务的一部分。",
                    "problems": "暂无。",
                    "next_steps": "继续推进。",
                })
                .to_string();
                let put = format!("/api/v1/assignments/{assignment}/reports/{open}");
                let r1 = conn.send("PUT", &put, token, Some(body)).await;
                if !matches!(r1, Ok((200..=299, _))) {
                    record(&mut t, started, r1, &put);
                    continue;
                }
                let post = format!("{put}/submit");
                let r2 = conn.send("POST", &post, token, None).await;
                record(&mut t, started, r2, &post);
                continue;
            }
            other => {
                t.errors += 1;
                t.first_error = Some(format!("未知场景 {other}"));
                break;
            }
        };
        let token = match scenario {
            "healthz" => None,
            "tasks" => Some(w.reporters[c % w.reporters.len()].as_str()),
            _ => sup,
        };
        let r = conn.send("GET", &path, token, None).await;
        record(&mut t, started, r, &path);
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
    let addr = args.addr;
    let scenarios: Vec<String> =
        args.scenarios.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let needs_setup = scenarios.iter().any(|s| s != "healthz");
    let world = if needs_setup {
        setup(&args).await?
    } else {
        World { supervisors: vec![], reporters: vec![], plans: vec![], reported: vec![], work: vec![] }
    };
    let world = Arc::new(world);
    if !args.no_header {
        println!("| 场景 | 连接 | 成功请求 | 吞吐 (次/秒) | p50 (ms) | p99 (ms) | 错误 |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
    }
    for scenario in &scenarios {
        let started = Instant::now();
        let stop = started + Duration::from_secs_f64(args.duration);
        let mut handles = Vec::new();
        for c in 0..args.connections {
            let w = world.clone();
            let s = scenario.clone();
            let p = args.period.clone();
            handles.push(tokio::spawn(async move { worker(addr, &s, w, c, stop, p).await }));
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
        // Submissions may run out of open work before the time is up: count the time used.
        let elapsed = started.elapsed().as_secs_f64().min(args.duration.max(0.001) + 5.0);
        all.latencies_us.sort_unstable();
        let n = all.latencies_us.len();
        println!(
            "| {scenario} | {} | {n} | {:.0} | {:.1} | {:.1} | {} |",
            args.connections,
            n as f64 / elapsed,
            percentile(&all.latencies_us, 0.50),
            percentile(&all.latencies_us, 0.99),
            all.errors
        );
        if let Some(e) = all.first_error {
            eprintln!("{scenario}: 首个错误:{}", e.chars().take(300).collect::<String>());
        }
    }
    Ok(())
}

async fn setup(args: &Args) -> anyhow::Result<World> {
    let addr = args.addr;
    let mut c = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let admin = login(addr, 0, "admin", &args.password).await?;
    let users = c.json("GET", "/api/v1/users", Some(&admin), None).await?;
    let users = users.as_array().cloned().unwrap_or_default();
    let named = |role: &str| -> Vec<String> {
        let mut v: Vec<String> = users
            .iter()
            .filter(|u| u["role"] == role)
            .filter_map(|u| u["username"].as_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let supervisor_name = named("supervisor").into_iter().next().ok_or_else(|| anyhow!("没有督办员用户"))?;
    let supervisor = login(addr, 1, &supervisor_name, &args.password).await?;
    let plans: Vec<i64> = c
        .json("GET", "/api/v1/plans", Some(&supervisor), None)
        .await?
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["status"] == "published")
        .filter_map(|p| p["id"].as_i64())
        .collect();
    if plans.is_empty() {
        bail!("没有已发布的工作要点");
    }
    let all = c.json("GET", &format!("/api/v1/tasks?period={}", args.period), Some(&supervisor), None).await?;
    let reported: Vec<i64> = all
        .as_array()
        .into_iter()
        .flatten()
        .filter(|w| w["report_state"] != "new")
        .filter_map(|w| w["assignment_id"].as_i64())
        .collect();
    if reported.is_empty() {
        bail!("{} 没有报告", args.period);
    }
    // County reporters first (r…), then schools' (s…): one per connection where possible.
    let names: Vec<String> = named("reporter").into_iter().take(args.connections.max(1)).collect();
    if names.is_empty() {
        bail!("没有填报员用户");
    }
    let mut logins = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (name, password) = (name.clone(), args.password.clone());
        logins.push(tokio::spawn(async move { login(addr, i + 10, &name, &password).await }));
    }
    let mut reporters = Vec::new();
    for l in logins {
        reporters.push(l.await??);
    }
    let mut work = Vec::new();
    for token in &reporters {
        let mut queue = VecDeque::new();
        for open in args.open_periods.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let list = c.json("GET", &format!("/api/v1/tasks?period={open}"), Some(token), None).await?;
            for w in list.as_array().into_iter().flatten().filter(|w| w["report_state"] == "new") {
                if let Some(a) = w["assignment_id"].as_i64() {
                    queue.push_back((a, open.to_string()));
                }
            }
        }
        work.push(Mutex::new(queue));
    }
    let open: usize = work.iter().map(|q| q.lock().map(|q| q.len()).unwrap_or(0)).sum();
    eprintln!(
        "准备完成:{} 份工作要点,{} 个读取用报告,{} 个填报员,{open} 个可提交的报告",
        plans.len(),
        reported.len(),
        reporters.len()
    );
    // The supervisor's further sessions, from addresses of their own.
    let mut supervisors = vec![supervisor];
    let mut logins = Vec::new();
    for i in 1..args.connections.max(1) {
        let (name, password) = (supervisor_name.clone(), args.password.clone());
        logins.push(tokio::spawn(async move { login(addr, 10_000 + i, &name, &password).await }));
    }
    for l in logins {
        supervisors.push(l.await??);
    }
    Ok(World { supervisors, reporters, plans, reported, work })
}
