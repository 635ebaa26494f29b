//! The same scenarios against Redmine loaded with the same province (bench/redmine/load.rb:
//! a project per plan, an issue per plan item, a sub-issue per assignment assigned to the
//! unit's user, a journal per monthly report), for issue G's side-by-side comparison. Each
//! scenario is the closest request Redmine has to duban's, asked as the same kind of user:
//!
//! - healthz: `GET /robots.txt`. Redmine has no health route; this is its most trivial
//!   dynamic one: unauthenticated, through the whole Rails stack (session, settings, user
//!   lookup), one small query (public projects), plain text — as duban's `/healthz` is one
//!   trivial query answered in plain text. (Static files are not served by Rails in
//!   production, so a file under public/ would not reach Redmine at all.)
//! - dashboard: `GET /projects/{id}/issues/report`, the project's summary (issue counts by
//!   status per tracker, priority, assignee, author, …), the nearest thing Redmine has to
//!   duban's counts and ranking per plan. It exists only as an HTML page, and HTML pages take
//!   no API key, so it is asked with browser sessions of the supervisor (signed in through
//!   the login form; a few, shared by the connections, since Redmine keeps only a user's ten
//!   newest sessions).
//! - plan: the project's whole issue list, `GET /projects/{id}/issues.json?status_id=*`
//!   page after page (the REST API gives at most 100 issues a page) until every item and
//!   assignment has come: the same content as duban's plan view. One operation is all the
//!   pages; its latency is theirs together.
//! - tasks: `GET /issues.json?assigned_to_id=me&status_id=*&limit=100` with a reporter's key.
//! - report: `GET /issues/{id}.json?include=journals` of an assignment's issue that has
//!   reports: Redmine has no request for one journal, so this returns all the months'.
//! - search: `GET /search.json?q=` with the same ten words, as the supervisor: all of
//!   Redmine's searchable kinds over all projects (issues' subjects, descriptions and
//!   journal notes, i.e. the plan and the reports).
//! - submit: `PUT /issues/{id}.json` with a note carrying the month's report, as the unit's
//!   user (role 报告人员). One request is a submission; there are as many to make as duban's
//!   reporters have (assignment, open month) pairs.
//!
//! Discovery goes through the REST API with the admin's key (`--api-key`): the groups 督办员
//! and 填报员 name the supervisors and reporters, whose API keys the admin can read.

use crate::http::{Auth, Body, Conn, encode};
use crate::{Args, SEARCH_WORDS, Step};
use anyhow::{Context, anyhow, bail};
use serde_json::Value;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

/// The REST API's largest page.
const PAGE: usize = 100;

/// The supervisor's browser sessions: Redmine ends all but a user's ten newest.
const SESSIONS: usize = 8;

/// What the scenarios' requests need, discovered once.
pub struct World {
    /// The supervisor's API key.
    supervisor: String,
    /// The supervisor's browser sessions (cookies), shared by the connections in turn.
    sessions: Vec<String>,
    /// A reporter's API key per connection, as many reporters as there are.
    reporters: Vec<String>,
    /// Each project's id and the number of issue pages it has.
    projects: Vec<(i64, usize)>,
    /// Assignments' issues that have journals (reports).
    reported: Vec<i64>,
    /// Per reporter: (issue, month) to report on.
    work: Vec<Mutex<VecDeque<(i64, String)>>>,
}

impl World {
    /// One operation of `scenario` on connection `c`, its `i`-th.
    pub async fn step(&self, conn: &mut Conn, scenario: &str, c: usize, i: usize) -> Step {
        let sup = Auth::RedmineKey(&self.supervisor);
        let (path, auth) = match scenario {
            "healthz" => ("/robots.txt".to_string(), Auth::None),
            "dashboard" => (
                format!("/projects/{}/issues/report", self.projects[i % self.projects.len()].0),
                Auth::Cookie(&self.sessions[c % self.sessions.len()]),
            ),
            "plan" => return self.plan(conn, i).await,
            "tasks" => (
                "/issues.json?assigned_to_id=me&status_id=*&limit=100".to_string(),
                Auth::RedmineKey(&self.reporters[c % self.reporters.len()]),
            ),
            "report" => {
                (format!("/issues/{}.json?include=journals", self.reported[(i * 7919) % self.reported.len()]), sup)
            }
            "search" => (format!("/search.json?q={}", encode(SEARCH_WORDS[i % SEARCH_WORDS.len()])), sup),
            "submit" => return self.submit(conn, c).await,
            other => return Step::Done { path: other.to_string(), result: Err(anyhow!("未知场景 {other}")) },
        };
        let result = conn.send("GET", &path, auth, None).await;
        Step::Done { path, result }
    }

    /// Every page of a project's issues, in order; stops at the first that fails.
    async fn plan(&self, conn: &mut Conn, i: usize) -> Step {
        let (project, pages) = self.projects[i % self.projects.len()];
        let auth = Auth::RedmineKey(&self.supervisor);
        let mut last = None;
        for page in 0..pages {
            let path = issues_page(project, page);
            let result = conn.send("GET", &path, auth, None).await;
            let ok = matches!(result, Ok((200..=299, _)));
            last = Some(Step::Done { path, result });
            if !ok {
                break;
            }
        }
        last.unwrap_or(Step::Exhausted)
    }

    async fn submit(&self, conn: &mut Conn, c: usize) -> Step {
        let r = c % self.reporters.len();
        let next = self.work[r].lock().ok().and_then(|mut q| q.pop_front());
        let Some((issue, open)) = next else { return Step::Exhausted };
        // The text of duban's submission (progress, cumulative, problems, next steps).
        let notes = format!(
            "【{open} 月报】\n本月进展:{open}月,按计划推进本项工作,完成了阶段性任务。\n\
             累计完成:累计完成全年任务的一部分。\n存在问题:暂无。\n下步打算:继续推进。"
        );
        let body = serde_json::json!({ "issue": { "notes": notes } }).to_string();
        let path = format!("/issues/{issue}.json");
        let result = conn.send("PUT", &path, Auth::RedmineKey(&self.reporters[r]), Some(body)).await;
        Step::Done { path, result }
    }
}

fn issues_page(project: i64, page: usize) -> String {
    format!("/projects/{project}/issues.json?status_id=*&sort=id&limit={PAGE}&offset={}", page * PAGE)
}

/// The items of a paged list (`/users.json`, `/issues.json`, …): every page's `key` array.
async fn all_pages(conn: &mut Conn, path: &str, key: &str, auth: Auth<'_>) -> anyhow::Result<Vec<Value>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    loop {
        let page = conn.json("GET", &format!("{path}{sep}limit={PAGE}&offset={}", out.len()), auth, None).await?;
        let items = page[key].as_array().cloned().unwrap_or_default();
        let total = page["total_count"].as_u64().unwrap_or(0) as usize;
        let done = items.is_empty();
        out.extend(items);
        if done || out.len() >= total {
            return Ok(out);
        }
    }
}

/// The users of the group named `name`, sorted by login: (login, id).
async fn group(conn: &mut Conn, groups: &[Value], name: &str, admin: Auth<'_>) -> anyhow::Result<Vec<(String, i64)>> {
    let id = groups
        .iter()
        .find(|g| g["name"] == name)
        .and_then(|g| g["id"].as_i64())
        .ok_or_else(|| anyhow!("Redmine 中没有“{name}”组(由 bench/redmine/load.rb 创建)"))?;
    let mut users: Vec<(String, i64)> = all_pages(conn, &format!("/users.json?group_id={id}"), "users", admin)
        .await?
        .iter()
        .filter_map(|u| Some((u["login"].as_str()?.to_string(), u["id"].as_i64()?)))
        .collect();
    users.sort();
    Ok(users)
}

async fn api_key(conn: &mut Conn, id: i64, admin: Auth<'_>) -> anyhow::Result<String> {
    let u = conn.json("GET", &format!("/users/{id}.json"), admin, None).await?;
    u["user"]["api_key"].as_str().map(str::to_string).ok_or_else(|| anyhow!("用户 {id} 没有 API 密钥"))
}

/// Signs in through the login form as a browser does; the session cookie.
async fn browser_login(addr: SocketAddr, username: &str, password: &str) -> anyhow::Result<String> {
    let mut c = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let form = c.request("GET", "/login", Auth::None, None).await?;
    let cookie = session_cookie(&form.headers).ok_or_else(|| anyhow!("/login 未设置会话 cookie"))?;
    let html = String::from_utf8_lossy(&form.body);
    let token = html
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or_else(|| anyhow!("/login 页面中没有 CSRF 令牌"))?;
    let body = format!(
        "authenticity_token={}&username={}&password={}&login=1",
        encode(token),
        encode(username),
        encode(password)
    );
    let reply = c.request("POST", "/login", Auth::Cookie(&cookie), Some(Body::Form(body))).await?;
    // A successful sign-in redirects to the user's page with a new session; a failed one
    // renders the form again (200).
    if reply.status != 302 {
        bail!("以 {username} 登录 Redmine 失败:{}", reply.status);
    }
    session_cookie(&reply.headers).ok_or_else(|| anyhow!("登录后没有会话 cookie"))
}

/// The cookies a reply sets, as a `Cookie` header sends them back. (The session cookie's
/// name depends on the Debian instance: `Redmine` rather than `_redmine_session`.)
fn session_cookie(headers: &hyper::HeaderMap) -> Option<String> {
    let cookies: Vec<&str> = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect();
    (!cookies.is_empty()).then(|| cookies.join("; "))
}

pub async fn setup(args: &Args) -> anyhow::Result<World> {
    let addr = args.addr;
    let key = args.api_key.as_deref().ok_or_else(|| anyhow!("--target redmine 需要 --api-key(管理员的 API 密钥)"))?;
    let admin = Auth::RedmineKey(key);
    let mut c = Conn::new(addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let groups = c.json("GET", "/groups.json", admin, None).await.context("读取 Redmine 的组")?;
    let groups = groups["groups"].as_array().cloned().unwrap_or_default();
    let (supervisor_login, supervisor_id) =
        group(&mut c, &groups, "督办员", admin).await?.into_iter().next().ok_or_else(|| anyhow!("没有督办员用户"))?;
    let supervisor = api_key(&mut c, supervisor_id, admin).await?;
    let sup = Auth::RedmineKey(&supervisor);

    let mut projects = Vec::new();
    for p in all_pages(&mut c, "/projects.json", "projects", sup).await? {
        let id = p["id"].as_i64().ok_or_else(|| anyhow!("项目没有 id"))?;
        let first = c.json("GET", &issues_page(id, 0), sup, None).await?;
        let total = first["total_count"].as_u64().unwrap_or(0) as usize;
        projects.push((id, total.div_ceil(PAGE).max(1)));
    }
    if projects.is_empty() {
        bail!("Redmine 中没有项目");
    }
    // Assignments' issues that have reports: sub-issues in the second status (进行中).
    let statuses = c.json("GET", "/issue_statuses.json", sup, None).await?;
    let in_progress = statuses["issue_statuses"][1]["id"].as_i64().ok_or_else(|| anyhow!("没有第二个问题状态"))?;
    let reported: Vec<i64> = all_pages(&mut c, &format!("/issues.json?status_id={in_progress}&sort=id"), "issues", sup)
        .await?
        .iter()
        .filter(|i| i["parent"]["id"].is_i64())
        .filter_map(|i| i["id"].as_i64())
        .collect();
    if reported.is_empty() {
        bail!("Redmine 中没有已填报的子任务");
    }

    // County reporters first (r…), then schools' (s…): one per connection where possible.
    let mut reporters = Vec::new();
    for (_, id) in group(&mut c, &groups, "填报员", admin).await?.into_iter().take(args.connections.max(1)) {
        reporters.push(api_key(&mut c, id, admin).await?);
    }
    if reporters.is_empty() {
        bail!("没有填报员用户");
    }
    let open: Vec<&str> = args.open_periods().collect();
    let mut work = Vec::new();
    for key in &reporters {
        let mine =
            c.json("GET", "/issues.json?assigned_to_id=me&status_id=*&limit=100", Auth::RedmineKey(key), None).await?;
        let ids: Vec<i64> = mine["issues"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_i64()).collect();
        let queue: VecDeque<(i64, String)> =
            open.iter().flat_map(|p| ids.iter().map(|id| (*id, p.to_string()))).collect();
        work.push(Mutex::new(queue));
    }
    let submissions: usize = work.iter().map(|q| q.lock().map(|q| q.len()).unwrap_or(0)).sum();

    // Redmine keeps the newest ten sessions of a user and ends older ones: fewer sessions
    // than that, shared by the connections (a cookie session has no per-session limits).
    let mut logins = Vec::new();
    for _ in 0..args.connections.clamp(1, SESSIONS) {
        let (name, password) = (supervisor_login.clone(), args.password.clone());
        logins.push(tokio::spawn(async move { browser_login(addr, &name, &password).await }));
    }
    let mut sessions = Vec::new();
    for l in logins {
        sessions.push(l.await??);
    }
    eprintln!(
        "准备完成(Redmine):{} 个项目,{} 个读取用子任务,{} 个填报员,{submissions} 次可提交的月报",
        projects.len(),
        reported.len(),
        reporters.len()
    );
    Ok(World { supervisor, sessions, reporters, projects, reported, work })
}
