//! The accept loop: every connection the server keeps costs a file descriptor and memory, so
//! neither a slow client nor a flood of them may hold one for long or exhaust the process.
//!
//! - A connection must deliver a complete request head within [`Config::header_timeout`],
//!   counted from its opening (or its TLS handshake) and again from the end of each answer, so
//!   a client sending half a header ("slowloris"), a silent one and an idle kept-alive one
//!   are all closed after it.
//! - At most [`Config::max_connections`] are open at once, and never more than the descriptor
//!   limit leaves room for (database, files, backups): at the limit the server stops
//!   accepting until one closes, so further clients wait in the kernel's backlog, which costs
//!   the process nothing, instead of failing it with "too many open files".
//! - At start the soft descriptor limit is raised to the hard one.
//!
//! [`Config::header_timeout`]: crate::Config::header_timeout
//! [`Config::max_connections`]: crate::Config::max_connections

use crate::{AppState, router_with, run_scheduler};
use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Descriptors kept free for everything that is not a client connection: the database pool
/// and its files, evidence files being written or read, backups, logs.
const RESERVED_DESCRIPTORS: u64 = 256;

/// Serves `listener` (over TLS when `tls` is given) until Ctrl-C / SIGTERM, then lets the
/// requests under way finish; the scheduler runs beside it.
pub(crate) async fn run(state: AppState, listener: TcpListener, tls: Option<TlsAcceptor>) -> std::io::Result<()> {
    let limit = connection_limit(state.config.max_connections, raise_descriptor_limit());
    let header_timeout = state.config.header_timeout;
    let state_grace = state.config.shutdown_grace;
    // One set of figures for the requests and the scheduler's jobs.
    let metrics = std::sync::Arc::new(crate::observe::Metrics::new(&state.config));
    // The search index is built beside the first requests, not before them; then the
    // scheduler's rounds begin. One after the other, so that what each takes for a moment at
    // start (the index's build, the month's jobs over every plan) does not add up in memory.
    let scheduler = {
        let (state, metrics) = (state.clone(), metrics.clone());
        tokio::spawn(async move {
            if let Err(e) = state.store.warm_search().await {
                tracing::warn!("检索索引建立失败(将在首次检索时重试):{e}");
            }
            // The build frees tens of megabytes that nothing after it reuses.
            crate::memory::give_back_freed_memory();
            run_scheduler(state, metrics).await;
        })
    };
    let trimmer = crate::memory::spawn_trimmer();
    let app = router_with(state, metrics);
    let slots = Arc::new(Semaphore::new(limit));
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        // A slot first, then the connection: at the limit nothing is accepted.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
            _ = &mut shutdown => break,
        };
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let (app, watcher, tls) = (app.clone(), graceful.watcher(), tls.clone());
        tokio::spawn(async move {
            // The slot is given back when the connection ends, however it ends.
            let _permit = permit;
            match tls {
                None => serve_connection(tcp, addr, app, header_timeout, watcher).await,
                Some(tls) => {
                    if let Some(stream) = crate::tls::handshake(&tls, tcp, addr).await {
                        serve_connection(stream, addr, app, header_timeout, watcher).await;
                    }
                }
            }
        });
    }
    // No new connections and no new scheduled jobs; the requests under way may finish, for at
    // most `shutdown_grace`, then the process ends anyway (a hung client cannot hold it).
    drop(listener);
    scheduler.abort();
    trimmer.abort();
    tracing::info!("shutting down: finishing the requests under way");
    if tokio::time::timeout(state_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace = ?state_grace, "requests still running after the grace period; stopping anyway");
    }
    Ok(())
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what systemd and container runtimes send to stop
/// a service).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            // Without a SIGTERM handler, Ctrl-C still stops the server gracefully.
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// HTTP/1.1 on one connection, with the header timeout, watched for graceful shutdown; the
/// client's address reaches handlers (audit records, rate limits) as axum's `ConnectInfo`.
async fn serve_connection<I>(io: I, addr: SocketAddr, app: Router, header_timeout: Duration, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(tower_http::add_extension::AddExtension::new(app, ConnectInfo(addr)));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%addr, error = %e, "connection ended");
    }
}

/// The configured limit, or what the descriptor limit leaves room for if that is less (at
/// least one connection).
fn connection_limit(configured: usize, descriptors: Option<u64>) -> usize {
    let room = descriptors
        .map_or(usize::MAX, |d| usize::try_from(d.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX));
    configured.min(room).clamp(1, Semaphore::MAX_PERMITS)
}

/// Raises the soft limit on open files to the hard limit (many systems start processes at
/// 1024 while allowing far more); the soft limit in force afterwards, if known.
#[cfg(unix)]
fn raise_descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            // macOS refuses an unlimited soft limit; the old one then stays in force.
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    Some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_leaves_descriptors_for_the_rest() {
        assert_eq!(connection_limit(10_000, Some(1024)), 768);
        assert_eq!(connection_limit(50, Some(1_048_576)), 50);
        assert_eq!(connection_limit(50, None), 50);
        assert_eq!(connection_limit(10_000, Some(100)), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_descriptor_limit_is_raised_to_the_hard_one() {
        let soft = raise_descriptor_limit().expect("known on unix");
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
        #[allow(clippy::unnecessary_cast)]
        let (cur, max) = (limit.rlim_cur as u64, limit.rlim_max as u64);
        assert_eq!(cur, soft);
        assert!(cur == max || cfg!(target_os = "macos"), "{cur} < {max}");
    }
}
