//! The users' effort, measured in a real browser: the demo served by `duban demo`, Debian's
//! Chromium driven through chromedriver (the journeys' harness, `tests/support/browser.rs`).
//! For each task of a real month it counts interactions after sign-in (each click and field
//! edit; a click that loads a page counts once), page loads and wall time, and prints a table
//! for docs/month.md ("Effort, measured"; the summary row is in docs/benchmarks.md):
//!
//! ```sh
//! cargo bench -p duban --bench effort
//! ```
//!
//! The journeys run as tests too (`tests/browser.rs`), held to the same goals.

#[path = "../tests/support/browser.rs"]
mod harness;

use std::path::Path;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not used.
    for binary in [harness::CHROMIUM, harness::CHROMEDRIVER] {
        if !Path::new(binary).exists() {
            eprintln!("the effort benchmark needs Debian's chromium and chromium-driver ({binary} is missing)");
            std::process::exit(2);
        }
    }
    let driver = harness::start_chromedriver();
    let server = tokio::task::spawn_blocking(harness::start_server).await.expect("server");
    let (d, b) = (driver.url.clone(), server.base.clone());
    // In this order: the approvals take the reports the two months submit.
    let efforts = vec![
        harness::month_one_figure(d.clone(), b.clone()).await,
        harness::month_three_figures(d.clone(), b.clone()).await,
        harness::review_clean(d, b).await,
    ];
    println!("| 任务 | 交互次数(登录后) | 页面加载 | 用时 | 目标 |");
    println!("|---|---:|---:|---:|---:|");
    for e in &efforts {
        let met = if e.interactions <= e.goal { "达到" } else { "未达到" };
        println!("| {} | {} | {} | {:.1} s | ≤ {}({met}) |", e.what, e.interactions, e.loads, e.secs, e.goal);
    }
}
