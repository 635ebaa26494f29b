//! Giving freed memory back to the system.
//!
//! The program's own memory is jemalloc's (see `duban`'s main), which gives freed pages back
//! by itself; what follows is for the C libraries inside (SQLite, zstd), which allocate through
//! glibc's malloc, and for builds on glibc's allocator alone.
//!
//! glibc keeps what the program frees in its heaps (one per thread that allocated, up to eight
//! per core) for reuse, and gives back only what lies at a heap's top. A server that builds its
//! search index at start, runs the month's jobs (every plan's view, the school-data figures) and
//! then serves small requests frees tens of megabytes it will not use again, scattered through
//! those heaps: started on the province of the benchmark, it held 141 MB eight seconds later, of
//! which `malloc_trim` gave back 44 MB (docs/benchmarks.md). So the server trims every few
//! seconds, and after the index build.

use std::time::Duration;

/// How often the server trims: rarely enough that the cost (a walk over the free lists, a
/// system call per run of free pages, and page faults when the memory is used again) is
/// invisible, often enough that a burst's garbage does not stay for long.
pub const TRIM_EVERY: Duration = Duration::from_secs(2);

/// Gives the system back every whole free page of every glibc heap (a no-op elsewhere).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back_freed_memory() {
    // SAFETY: malloc_trim only walks the allocator's own free lists, under its own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Gives the system back every whole free page of every glibc heap (a no-op elsewhere).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back_freed_memory() {}

/// Trims every [`TRIM_EVERY`] for the life of the runtime. The walk runs on the blocking
/// pool, so a request never waits behind it on a worker thread.
pub(crate) fn spawn_trimmer() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(TRIM_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = tokio::task::spawn_blocking(give_back_freed_memory).await;
        }
    })
}
