//! The journey `manual`: each role's main tasks on the demo data, walked in Chromium, saving
//! the screenshots the user manual (`docs/manual/*.md`, served at `/help`) shows, so they
//! never go stale. They are written into `docs/manual/images/` as WebP (1366×768, and 375×812
//! for the phone pages); the run fails if the manual shows an image this journey did not
//! write or this journey wrote one the manual does not show, or if one has the wrong size.
//! Bytes are not compared: under CI the clean clone's files are simply rewritten.
//!
//! The journey changes little: 月湖区 submits its month and gets one report returned,
//! which none of the other journeys look at; it runs after them (before `xss`) or alone.

use super::harness::*;
use base64::Engine;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// The manual's image folder in the repository.
fn image_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manual/images")
}

/// WebP quality of the screenshots: text stays crisp, and the whole set stays small enough
/// to compile into the program (a few MB).
const QUALITY: u32 = 80;

struct Shots<'a> {
    p: &'a Page,
    written: BTreeSet<String>,
}

impl Shots<'_> {
    /// Saves the viewport as `docs/manual/images/<name>.webp`.
    async fn take(&mut self, name: &str) {
        // Fonts and images settled, no caret blinking in the picture.
        let _ = self.p.c.execute("document.activeElement && document.activeElement.blur()", vec![]).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let shot = self.p.cdp("Page.captureScreenshot", json!({"format": "webp", "quality": QUALITY})).await;
        let data = shot["data"].as_str().unwrap_or_else(|| panic!("a screenshot for {name}: {shot}"));
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64 screenshot");
        let dir = image_dir();
        std::fs::create_dir_all(&dir).expect("image dir");
        let file = format!("{name}.webp");
        std::fs::write(dir.join(&file), &bytes).expect("screenshot written");
        assert!(self.written.insert(file.clone()), "{file} taken twice");
    }

    /// The same at a phone's width (375×812), then back to 1366×768.
    async fn take_phone(&mut self, name: &str, scroll_to: Option<&str>) {
        self.p.viewport(PHONE).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Some(css) = scroll_to {
            self.p.scroll_to(css).await;
        }
        self.take(name).await;
        let _ = self.p.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await;
        self.p.viewport(WIDE).await;
    }
}

pub async fn journey(driver: String, base: String) {
    let p = Page::new(&driver, &base, "manual").await;
    let mut s = Shots { p: &p, written: BTreeSet::new() };

    // Signed out: the sign-in page leads to the manual.
    p.goto("/login").await;
    s.take("reporter-01-login").await;
    assert!(p.maybe("a[href='/help']").await.is_some(), "the sign-in page links the manual");

    // 填报员: 工作台, the month on one page (also on a phone), the single-task form, submit.
    p.login("yuehu").await;
    assert!(p.maybe("nav a[href='/help']").await.is_some(), "the signed-in header links the manual");
    s.take("reporter-02-home").await;
    let rows = p.worklist().await;
    let open: Vec<_> = rows.iter().filter(|(_, st, _)| is_open_state(st)).collect();
    assert!(open.len() > 2, "月湖区 has open reports: {}", p.describe().await);
    let first = open[0].0;
    p.click("#month-link").await;
    assert_eq!(p.path().await, format!("/months/{PERIOD}"));
    s.take("reporter-03-month").await;
    s.take_phone("reporter-04-month-375", Some("fieldset.month-row")).await;
    p.goto(&report_path(first)).await;
    s.take("reporter-05-form").await;
    p.goto(&format!("/months/{PERIOD}")).await;
    let note = format!("textarea[name='progress_{first}']");
    p.fill(&note, "本月完成辖区内学校的专项排查,形成问题清单。").await;
    p.click("#month-submit-rest").await;
    assert!(p.text(".flash").await.contains("已提交本月"), "{}", p.describe().await);
    assert_eq!(p.text("#open-rows").await, "0");
    s.take("reporter-06-submitted").await;
    p.logout().await;

    // 督办管理员: 工作台 with 待审核 and 催办, the queue narrowed to one unit, a report
    // returned with a comment, the bulletin, the plan import, the ledger, 督办件, 挂牌.
    p.login("supervisor").await;
    s.take("supervisor-01-home").await;
    p.click("a#queue-count").await;
    // Choosing a filter applies it.
    let unit =
        p.c.execute(
            "return Array.from(document.querySelectorAll('form#queue-filter select[name=unit] option')) \
             .find((o) => o.text.includes('月湖区')).value",
            vec![],
        )
        .await
        .expect("月湖区 among the units");
    p.select_loading("form#queue-filter select[name=unit]", unit.as_str().unwrap_or_default()).await;
    s.take("supervisor-02-queue").await;
    let review = format!("/review/{first}/{PERIOD}");
    p.goto(&review).await;
    s.take("supervisor-03-review").await;
    p.fill("textarea[name=comment]", "请补充本月排查发现的问题数量和整改安排").await;
    p.click("button[name=decision][value=return]").await;
    p.goto("/plans").await;
    let plan = p.find("table#plans tr[data-plan]").await.attr("data-plan").await.expect("attr").expect("plan id");
    p.goto(&format!("/plans/{plan}")).await;
    s.take("supervisor-04-plan").await;
    p.goto(&format!("/plans/{plan}/bulletins/{PERIOD}")).await;
    s.take("supervisor-05-bulletin").await;
    p.goto("/plans/import").await;
    s.take("supervisor-06-import").await;
    p.goto("/rectifications").await;
    s.take("supervisor-07-rectifications").await;
    p.goto("/directives").await;
    s.take("supervisor-08-directives").await;
    p.logout().await;

    // 填报员 again: the returned report, its comment, and the unit's rectification.
    p.login("yuehu").await;
    let returned = p.text(&format!("#worklist tr[data-assignment='{first}'] td.state")).await;
    assert_eq!(returned, "已退回", "{}", p.describe().await);
    p.scroll_to("#worklist .review-comment").await;
    s.take("reporter-07-returned").await;
    p.goto(&report_path(first)).await;
    assert!(p.text("#review-comment").await.contains("请补充本月排查"), "{}", p.describe().await);
    s.take("reporter-08-returned-form").await;
    p.goto("/home").await;
    let rect = p.find("#unit-rectifications a.rect-link").await.attr("href").await.expect("href").expect("a finding");
    p.goto(&rect).await;
    p.find("form#rect-report").await;
    s.take("reporter-09-rectification").await;
    p.goto("/home").await;
    if let Some(d) = p.maybe("#unit-directives a.directive-link").await {
        let href = d.attr("href").await.expect("href").expect("a 督办件");
        p.goto(&href).await;
    } else {
        p.goto("/directives").await;
    }
    s.take("reporter-10-directive").await;
    p.logout().await;

    // 单位负责人: the unit's 工作台 and month.
    p.login("yujiang_head").await;
    s.take("unit-head-01-home").await;
    p.goto(&format!("/months/{PERIOD}")).await;
    s.take("unit-head-02-month").await;
    p.logout().await;

    // 督学: the visits, the phone form with two findings (not saved: the `visits` journey
    // saves one), 一月一督导.
    p.sign_in("duxue2", PASSWORD).await;
    assert_eq!(p.path().await, "/inspections", "{}", p.describe().await);
    s.take("inspector-01-inspections").await;
    p.viewport(PHONE).await;
    p.goto("/inspections/new").await;
    let date = p.find("#visited_on").await;
    p.set_value(&date, "2024-11-08").await;
    p.fill("#unit", "鹰潭市第二中学").await;
    p.fill("#summary", "责任督学挂牌督导:查看课后服务和校园安全").await;
    for (k, text) in ["实验室危化品台账未按月更新", "课后服务收费公示不全"].iter().enumerate() {
        let row = format!("#findings fieldset.finding:nth-of-type({})", k + 1);
        p.fill(&format!("{row} textarea[name=finding_text]"), text).await;
        p.fill(&format!("{row} input[name=finding_unit]"), "鹰潭市第二中学").await;
        let deadline = p.find(&format!("{row} input[name=finding_deadline]")).await;
        p.set_value(&deadline, "2024-11-30").await;
    }
    s.take_phone("inspector-02-form-375", None).await;
    p.viewport(PHONE).await;
    s.take_phone("inspector-03-findings-375", Some("#findings fieldset.finding:nth-of-type(2)")).await;
    p.goto("/coverage").await;
    s.take("inspector-04-coverage").await;
    p.logout().await;

    // 领导: lagging items first, the 驾驶舱 (also on a phone), a task and its 批示.
    p.login("leader").await;
    s.take("leader-01-home").await;
    p.goto("/dashboard").await;
    s.take("leader-02-dashboard").await;
    s.take_phone("leader-03-dashboard-375", None).await;
    p.goto("/home").await;
    let task = p.find("#lagging a.task-link").await.attr("href").await.expect("href").expect("a lagging task");
    p.goto(&task).await;
    p.scroll_to("#instructions").await;
    s.take("leader-04-instructions").await;
    p.logout().await;

    // The administrators, each on their own page.
    p.login("admin").await;
    p.goto("/admin/users").await;
    p.scroll_to("#user-form").await;
    s.take("admin-01-users").await;
    p.goto("/account/password").await;
    s.take("admin-02-password").await;
    p.logout().await;
    p.sign_in("security", PASSWORD).await;
    p.goto("/admin/users").await;
    s.take("admin-03-roles").await;
    p.logout().await;
    p.sign_in("auditor", PASSWORD).await;
    assert_eq!(p.path().await, "/admin/audit", "{}", p.describe().await);
    s.take("admin-04-audit").await;
    p.logout().await;

    // The manual shows exactly what was taken, at the sizes taken.
    let mut shown = BTreeSet::new();
    for text in std::iter::once(web::areas::help::INDEX).chain(web::areas::help::ROLES.iter().map(|r| r.markdown)) {
        shown.extend(web::areas::help::image_refs(text));
    }
    let missing: Vec<_> = shown.difference(&s.written).collect();
    assert!(missing.is_empty(), "the manual shows images no journey step takes: {missing:?}");
    let unused: Vec<_> = s.written.difference(&shown).collect();
    assert!(unused.is_empty(), "screenshots taken that the manual does not show: {unused:?}");
    for file in &s.written {
        let bytes = std::fs::read(image_dir().join(file)).expect("screenshot read back");
        let size = web::areas::help::webp_size(&bytes);
        let expected = if file.contains("-375") { PHONE } else { WIDE };
        assert_eq!(size, Some(expected), "{file}: {} bytes", bytes.len());
    }
    let total: u64 =
        s.written.iter().map(|f| std::fs::metadata(image_dir().join(f)).map(|m| m.len()).unwrap_or(0)).sum();
    eprintln!("[manual] {} screenshots, {} KB in {}", s.written.len(), total / 1024, image_dir().display());

    // The manual as served, signed out and in, at both widths (into the journeys' own
    // screenshot folder). The program shows the images it was built with: the committed ones.
    p.goto("/login").await;
    p.click("a[href='/help']").await;
    assert_eq!(p.path().await, "/help", "{}", p.describe().await);
    assert_eq!(p.text("article.manual-text h1").await, "督办系统操作手册");
    p.shot_both("help-signed-out").await;
    p.goto("/help/reporter").await;
    p.shot_both("help-reporter").await;
    p.login("leader").await;
    p.click("nav a[href='/help']").await;
    p.click("a[href='/help/leader']").await;
    assert!(p.maybe("form#logout-form").await.is_some(), "signed in: {}", p.describe().await);
    p.shot_both("help-leader").await;
    p.close().await;
}
