//! Watching the running server: the client's address (behind trusted proxies), a request id
//! for every request, one log line per request, and the figures `GET /metrics` shows to the
//! operator's monitoring (Prometheus text format).
//!
//! [`track`] wraps every route (and the fallback) outside all other layers, so what it
//! records is what the client got, including the rate limits' 429s. It reads nothing of a
//! request but its method, matched route pattern and headers, and logs nothing a person wrote:
//! no path (ids, query strings with tokens), no body, no header but the request id.
//!
//! This module stands below `security` and the areas: they tell it the signed-in user
//! ([`note_user`]) and read the client's address from it ([`client_addr`]).

use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The request id header, read (from a trusted proxy) and sent back.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

// ---------------------------------------------------------------------------------------
// The client's address
// ---------------------------------------------------------------------------------------

/// The client's address as [`track`] resolved it (see [`client_ip`]), for the rate limits,
/// the audit log and sign-in throttling.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// The address a request comes from: the connection's peer, unless the peer is one of the
/// `trusted` proxies, in which case the rightmost address of `X-Forwarded-For` that is not a
/// trusted proxy (each proxy appends the address it was reached from, so everything left of
/// that could have been written by the client). A header from an untrusted peer is ignored,
/// so it cannot be used to pose as another address; a malformed one from a trusted proxy
/// leaves the proxy's own address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in headers.get_all(&FORWARDED_FOR) {
        let Ok(text) = value.to_str() else { return peer };
        for part in text.split(',') {
            match parse_hop(part.trim()) {
                Some(ip) => hops.push(ip),
                None => return peer,
            }
        }
    }
    // From the right: the first hop no trusted proxy accounts for is the client; if every
    // hop is a proxy, the leftmost is the furthest known.
    hops.iter().rev().find(|ip| !is_trusted(ip)).or(hops.first()).copied().unwrap_or(peer)
}

/// An IPv4 address mapped into IPv6 (a dual-stack socket's peer) as the IPv4 address, so
/// that `127.0.0.1/32` matches it.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop of X-Forwarded-For: an address, possibly with a port (`1.2.3.4:5678`,
/// `[::1]:80`).
fn parse_hop(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    text.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The client's address of a request that [`track`] has seen; otherwise the connection's
/// peer (`None` when not served over TCP, e.g. in-process tests).
pub fn client_addr(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| extensions.get::<ConnectInfo<SocketAddr>>().map(|c| canonical(c.0.ip())))
}

// ---------------------------------------------------------------------------------------
// Request ids and the log line
// ---------------------------------------------------------------------------------------

/// A request's id, also in the request's extensions for whoever wants to name it.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

/// A well-formed incoming id: 1 to 64 letters, digits, `-`, `_`, `.` or `:`.
fn well_formed(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// A new id: 128 random bits in hex.
fn new_request_id() -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// Where the signed-in user of a request is noted (by the extractors that check the
/// session), for its log line.
#[derive(Clone, Default)]
struct Seen(Arc<AtomicI64>);

/// Notes the signed-in user of a request for its log line.
pub fn note_user(extensions: &axum::http::Extensions, user_id: i64) {
    if let Some(seen) = extensions.get::<Seen>() {
        seen.0.store(user_id, Ordering::Relaxed);
    }
}

/// What [`track`] needs: the figures it adds to and who is trusted.
#[derive(Clone)]
pub struct Tracker {
    pub metrics: Arc<Metrics>,
    pub trusted_proxies: Arc<[IpNet]>,
}

/// Gives every request its client address and id, answers with the id in `X-Request-Id`,
/// writes one log line per request (id, method, route pattern, status, latency, user id) and
/// counts it in the metrics.
pub async fn track(State(tracker): State<Tracker>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| canonical(c.0.ip()));
    let from_proxy = peer.is_some_and(|p| tracker.trusted_proxies.iter().any(|n| n.contains(&p)));
    if let Some(peer) = peer {
        let client = client_ip(peer, request.headers(), &tracker.trusted_proxies);
        request.extensions_mut().insert(ClientAddr(client));
    }
    // An id a trusted proxy already gave the request is kept, so one request can be followed
    // through both logs; anyone else's is replaced.
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| from_proxy && well_formed(id))
        .map_or_else(new_request_id, str::to_string);
    let id: Arc<str> = id.into();
    let seen = Seen::default();
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(seen.clone());
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("(unmatched)", |m| m.as_str()).to_string();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    let user = seen.0.load(Ordering::Relaxed);
    tracing::info!(
        target: "duban::request",
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = (took.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        user_id = (user != 0).then_some(user),
        "request"
    );
    tracker.metrics.request(method.as_str(), &route, status, took);
    response
}

// ---------------------------------------------------------------------------------------
// The metrics
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

fn seconds_histogram() -> Histogram {
    Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
}

/// The figures `/metrics` shows. Counters and histograms are added to as things happen;
/// the gauges (pools, backups, data version) are read when scraped.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    write_wait: Histogram,
    group_writes: Histogram,
    group_seconds: Histogram,
    groups: Family<OutcomeLabels, Counter>,
    jobs: Family<JobLabels, Counter>,
    notices: Family<OutcomeLabels, Counter>,
    verifications: Family<OutcomeLabels, Counter>,
    pool_open: Family<PoolLabels, Gauge>,
    pool_idle: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolLabels, Gauge>,
    data_version: Gauge,
    /// Scheduled backups only (registered when a backup directory is set).
    backup_age: FloatGauge,
    backup_verified: Gauge,
    backup_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new(config: &crate::Config) -> Metrics {
        let mut registry = Registry::with_prefix("duban");
        let m = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(seconds_histogram),
            write_wait: seconds_histogram(),
            group_writes: Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]),
            group_seconds: seconds_histogram(),
            groups: Family::default(),
            jobs: Family::default(),
            notices: Family::default(),
            verifications: Family::default(),
            pool_open: Family::default(),
            pool_idle: Family::default(),
            pool_max: Family::default(),
            data_version: Gauge::default(),
            backup_age: FloatGauge::default(),
            backup_verified: Gauge::default(),
            backup_dir: config.backup.as_ref().map(|b| b.dir.clone()),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "Requests answered, by method, route pattern and status",
            m.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request (until the response head), by method and route pattern",
            m.latency.clone(),
        );
        registry.register(
            "db_write_wait_seconds",
            "Time a write waited for its write transaction (the writer's turn and a connection)",
            m.write_wait.clone(),
        );
        registry.register("db_group_commit_writes", "Writes committed together in one group", m.group_writes.clone());
        registry.register(
            "db_group_commit_seconds",
            "Time a group commit held the write transaction",
            m.group_seconds.clone(),
        );
        registry.register("db_group_commits", "Group commits, by outcome (committed, failed)", m.groups.clone());
        registry.register("db_pool_connections_open", "Connections open, by pool", m.pool_open.clone());
        registry.register("db_pool_connections_idle", "Open connections not in use, by pool", m.pool_idle.clone());
        registry.register("db_pool_connections_max", "The most connections a pool opens", m.pool_max.clone());
        registry.register("scheduler_jobs", "Scheduled jobs, by job and outcome (ran, failed)", m.jobs.clone());
        registry.register("notices", "Notices sent by e-mail or webhook, by outcome (sent, failed)", m.notices.clone());
        registry.register(
            "data_version",
            "The data version (raised by every change of the data)",
            m.data_version.clone(),
        );
        registry.register(
            "backup_verifications",
            "Scheduled backups verified by this process, by outcome (ok, failed)",
            m.verifications.clone(),
        );
        if m.backup_dir.is_some() {
            registry.register(
                "backup_age_seconds",
                "Age of the newest scheduled backup (-1: none yet)",
                m.backup_age.clone(),
            );
            registry.register(
                "backup_last_verification_ok",
                "Whether the newest scheduled backup's verification passed (1), failed (0), or none is recorded (-1)",
                m.backup_verified.clone(),
            );
        }
        Metrics { registry, ..m }
    }

    fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let (method, route) = (method.to_string(), route.to_string());
        self.latency
            .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// A scheduled job (or a round of one) ran or failed.
    pub fn job(&self, job: &str, ok: bool) {
        let outcome = if ok { "ran" } else { "failed" };
        self.jobs.get_or_create(&JobLabels { job: job.to_string(), outcome }).inc();
    }

    /// A notice went out through the channels, or did not.
    pub fn notice(&self, sent: bool) {
        self.notices.get_or_create(&OutcomeLabels { outcome: if sent { "sent" } else { "failed" } }).inc();
    }

    /// A scheduled backup's verification came out.
    pub fn verification(&self, ok: bool) {
        self.verifications.get_or_create(&OutcomeLabels { outcome: if ok { "ok" } else { "failed" } }).inc();
    }

    /// The exposition, with the gauges read now.
    async fn render(&self, store: &store::Store) -> String {
        for p in store.pool_stats() {
            let pool = PoolLabels { pool: p.name };
            self.pool_open.get_or_create(&pool).set(i64::from(p.open));
            self.pool_idle.get_or_create(&pool).set(i64::from(p.idle));
            self.pool_max.get_or_create(&pool).set(i64::from(p.max));
        }
        if let Ok(v) = store.data_version().await {
            self.data_version.set(v);
        }
        if let Some(dir) = &self.backup_dir {
            let dir = dir.clone();
            let (age, verified) = tokio::task::spawn_blocking(move || {
                let age = store::archive::newest_backup(&dir)
                    .map(|(_, at)| std::time::SystemTime::now().duration_since(at).unwrap_or_default().as_secs_f64());
                let verified = store::archive::last_verification(&dir).map(|v| v.ok);
                (age, verified)
            })
            .await
            .unwrap_or((None, None));
            self.backup_age.set(age.unwrap_or(-1.0));
            self.backup_verified.set(verified.map_or(-1, i64::from));
        }
        let mut text = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl store::observe::Observer for Metrics {
    fn write_waited(&self, waited: Duration) {
        self.write_wait.observe(waited.as_secs_f64());
    }

    fn group_committed(&self, writes: usize, took: Duration, committed: bool) {
        self.group_writes.observe(writes as f64);
        self.group_seconds.observe(took.as_secs_f64());
        self.groups.get_or_create(&OutcomeLabels { outcome: if committed { "committed" } else { "failed" } }).inc();
    }
}

/// The token that opens `/metrics` (never shown by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// Whether a request may read `/metrics`: from an address in `metrics_allow`, or with
/// `Authorization: Bearer <metrics_token>`.
fn may_scrape(config: &crate::Config, client: Option<IpAddr>, headers: &HeaderMap) -> bool {
    let allowed = client.is_some_and(|ip| config.metrics_allow.iter().any(|n| n.contains(&ip)));
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let with_token = match (&config.metrics_token, token) {
        (Some(MetricsToken(expected)), Some(given)) => {
            // Compared as digests: the time taken says nothing about how much matched.
            use sha2::{Digest, Sha256};
            !expected.is_empty() && Sha256::digest(expected.as_bytes()) == Sha256::digest(given.as_bytes())
        }
        _ => false,
    };
    allowed || with_token
}

/// The metrics in Prometheus text format, for the addresses the operator allows
/// (`metrics_allow`) or with the token (`metrics_token`); to anyone else the path does not
/// exist (404, as for any unknown page).
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Prometheus 文本格式(OpenMetrics)的运行指标"),
    (status = 404, description = "来源地址不在 metrics_allow 中且未携带 metrics_token")
))]
pub async fn metrics(
    State(state): State<AppState>,
    axum::Extension(metrics): axum::Extension<Arc<Metrics>>,
    uri: axum::http::Uri,
    request: Request,
) -> Response {
    if !may_scrape(&state.config, client_addr(request.extensions()), request.headers()) {
        return crate::fallback(uri).await;
    }
    let text = metrics.render(&state.store).await;
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(FORWARDED_FOR.clone(), HeaderValue::from_str(value).expect("value"));
        h
    }

    #[test]
    fn the_client_address_comes_from_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let proxies = nets(&["127.0.0.1/32", "10.1.0.0/16"]);
        // An untrusted peer's header is ignored.
        assert_eq!(client_ip(ip("203.0.113.9"), &forwarded("1.2.3.4"), &proxies), ip("203.0.113.9"));
        // Behind one proxy: the address it appended.
        assert_eq!(client_ip(ip("127.0.0.1"), &forwarded("198.51.100.7"), &proxies), ip("198.51.100.7"));
        // Whatever the client wrote itself stands left of it and is not believed.
        assert_eq!(client_ip(ip("127.0.0.1"), &forwarded("6.6.6.6, 198.51.100.7"), &proxies), ip("198.51.100.7"));
        // Two proxies: the rightmost address that is not one of them.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &forwarded("6.6.6.6, 198.51.100.7, 10.1.2.3"), &proxies),
            ip("198.51.100.7")
        );
        // Ports and IPv6; a mapped IPv4 peer counts as IPv4.
        assert_eq!(client_ip(ip("::ffff:127.0.0.1"), &forwarded("[2001:db8::1]:443"), &proxies), ip("2001:db8::1"));
        // Garbage or no header: the proxy itself.
        assert_eq!(client_ip(ip("127.0.0.1"), &forwarded("unknown"), &proxies), ip("127.0.0.1"));
        assert_eq!(client_ip(ip("127.0.0.1"), &HeaderMap::new(), &proxies), ip("127.0.0.1"));
        // No trusted proxies: never read.
        assert_eq!(client_ip(ip("127.0.0.1"), &forwarded("198.51.100.7"), &[]), ip("127.0.0.1"));
    }

    #[test]
    fn request_ids() {
        assert!(well_formed("abc-123_x.y:z") && well_formed(&"a".repeat(64)));
        assert!(!well_formed("") && !well_formed(&"a".repeat(65)) && !well_formed("a b") && !well_formed("é"));
        let (a, b) = (new_request_id(), new_request_id());
        assert!(a != b && a.len() == 32 && well_formed(&a));
    }
}
