//! The scenarios against `duban serve`.
//!
//! Setup discovers what it needs through the API itself: signs in as `admin` to list users,
//! as the first supervisor for the bureau's reads (a session per connection, as the bureau's
//! staff at their desks would have: the server's API rate limit counts per session), and as
//! reporters (one per connection, as many as there are) for their task lists and for
//! submissions. Sign-ins come from distinct loopback addresses (127.0.0.x), as reporters at
//! different offices would, so the server's per-address sign-in limit does not throttle the
//! setup.
//!
//! A submission is a PUT of the draft and a POST of submit for an assignment and open month
//! with no report yet; its latency is the pair's.

use crate::http::{Auth, Conn, encode};
use crate::{Args, SEARCH_WORDS, Step};
use anyhow::{Context, anyhow, bail};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

/// What the scenarios' requests need, discovered once.
pub struct World {
    period: String,
    /// The supervisor's sessions, one per connection.
    supervisors: Vec<String>,
    /// A session per reporter used.
    reporters: Vec<String>,
    plans: Vec<i64>,
    /// Assignments with a report in the read period.
    reported: Vec<i64>,
    /// Per reporter: (assignment, period) with no report yet.
    work: Vec<Mutex<VecDeque<(i64, String)>>>,
}

/// The loopback address sign-in number `i` comes from: ten per address.
fn source(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 1 + (i / 2540) as u8, 2 + (i / 10 % 254) as u8))
}

async fn login(addr: SocketAddr, i: usize, username: &str, password: &str) -> anyhow::Result<String> {
    let mut c = Conn::new(addr, source(i));
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let v = c
        .json("POST", "/api/v1/auth/login", Auth::None, Some(body))
        .await
        .with_context(|| format!("登录 {username}"))?;
    v["token"].as_str().map(str::to_string).ok_or_else(|| anyhow!("登录 {username}:无 token"))
}

impl World {
    /// One operation of `scenario` on connection `c`, its `i`-th.
    pub async fn step(&self, conn: &mut Conn, scenario: &str, c: usize, i: usize) -> Step {
        let period = &self.period;
        let sup = Auth::Bearer(&self.supervisors[c % self.supervisors.len()]);
        let (path, auth) = match scenario {
            "healthz" => ("/healthz".to_string(), Auth::None),
            "dashboard" => {
                (format!("/api/v1/dashboard?plan={}&period={period}", self.plans[i % self.plans.len()]), sup)
            }
            "plan" => (format!("/api/v1/plans/{}?period={period}", self.plans[i % self.plans.len()]), sup),
            "tasks" => {
                (format!("/api/v1/tasks?period={period}"), Auth::Bearer(&self.reporters[c % self.reporters.len()]))
            }
            "report" => (
                format!("/api/v1/assignments/{}/reports/{period}", self.reported[(i * 7919) % self.reported.len()]),
                sup,
            ),
            "search" => (format!("/api/v1/search?q={}", encode(SEARCH_WORDS[i % SEARCH_WORDS.len()])), sup),
            "submit" => return self.submit(conn, c).await,
            other => return Step::Done { path: other.to_string(), result: Err(anyhow!("未知场景 {other}")) },
        };
        let result = conn.send("GET", &path, auth, None).await;
        Step::Done { path, result }
    }

    async fn submit(&self, conn: &mut Conn, c: usize) -> Step {
        let r = c % self.reporters.len();
        let next = self.work[r].lock().ok().and_then(|mut q| q.pop_front());
        let Some((assignment, open)) = next else { return Step::Exhausted };
        let token = Auth::Bearer(&self.reporters[r]);
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
            return Step::Done { path: put, result: r1 };
        }
        let post = format!("{put}/submit");
        let result = conn.send("POST", &post, token, None).await;
        Step::Done { path: post, result }
    }
}

pub async fn setup(args: &Args) -> anyhow::Result<World> {
    let addr = args.addr;
    let mut c = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let admin = login(addr, 0, "admin", &args.password).await?;
    let users = c.json("GET", "/api/v1/users", Auth::Bearer(&admin), None).await?;
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
        .json("GET", "/api/v1/plans", Auth::Bearer(&supervisor), None)
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
    let all = c.json("GET", &format!("/api/v1/tasks?period={}", args.period), Auth::Bearer(&supervisor), None).await?;
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
        for open in args.open_periods() {
            let list = c.json("GET", &format!("/api/v1/tasks?period={open}"), Auth::Bearer(token), None).await?;
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
    Ok(World { period: args.period.clone(), supervisors, reporters, plans, reported, work })
}
