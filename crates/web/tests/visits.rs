//! Visits, rectification and 督办件 over HTTP, on every backend: an inspector records a visit
//! with two findings, the school's reporter rectifies them, the office closes one and returns
//! the other, and the month's bulletin figures follow; bad input is refused with nothing kept;
//! another unit's finding or item does not exist for a unit.

mod support;

use support::*;

const SCHOOL: &str = "鹰潭市第一中学";

/// This file's own users: two inspectors and a school's reporter, whom no other file needs;
/// the office's inspector and coverage lists are read with exactly these two inspectors.
const VISIT_USERS: &[User] = &[
    ("supervisor", Role::Supervisor, Some("督导室")),
    ("leader", Role::Leader, None),
    ("duxue", Role::Inspector, None),
    ("duxue2", Role::Inspector, None),
    ("yizhong", Role::Reporter, Some(SCHOOL)),
    ("yujiang", Role::Reporter, Some("余江区")),
];

async fn start(store: Store) -> Server {
    Setup { users: VISIT_USERS, ..Setup::default() }.start(store).await
}

fn visit(findings: Value) -> Value {
    json!({"kind": "responsible", "visited_on": "2024-03-18", "unit": SCHOOL, "inspectors": [],
           "summary": "校园安全与课后服务检查", "findings": findings})
}

fn finding(text: &str, unit: &str, deadline: &str) -> Value {
    json!({"text": text, "unit": unit, "deadline": deadline, "requirement": "限期整改并报送整改前后照片"})
}

async fn figures(store: &Store) -> domain::rectification::VisitFigures {
    let march: domain::Period = "2024-03".parse().expect("period");
    store
        .visit_bulletin(march, chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("day"))
        .await
        .expect("bulletin")
        .visits
}

#[tokio::test]
async fn a_visit_is_rectified_closed_and_returned_over_http_and_the_bulletin_follows() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let (duxue, sup, yizhong, yujiang) =
            (s.login("duxue").await, s.login("supervisor").await, s.login("yizhong").await, s.login("yujiang").await);
        let body = visit(json!([
            finding("校门口减速带缺失", SCHOOL, "2024-04-30"),
            finding("课后服务台账不全", SCHOOL, "2024-04-15"),
        ]));
        // Recorded once, though sent twice with one key (a phone retrying on a bad network).
        let (st, v) =
            s.call_keyed(Method::POST, "/api/v1/inspections", &duxue, Some(body.clone()), Some("visit-1")).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let (st, again) = s.call_keyed(Method::POST, "/api/v1/inspections", &duxue, Some(body), Some("visit-1")).await;
        assert_eq!((st, again["id"].clone()), (StatusCode::CREATED, v["id"].clone()), "{name}");
        assert_eq!(v["findings"].as_array().expect("findings").len(), 2, "{name}");
        assert_eq!(v["inspectors"][0]["name"], "duxue", "{name}: the inspector recording it is on it");
        let (_, all) = s.call(Method::GET, "/api/v1/inspections", &sup, None).await;
        assert_eq!(all.as_array().expect("list").len(), 1, "{name}");
        let f = figures(&store).await;
        assert_eq!((f.visits, f.found, f.closed, f.rate), (1, 2, 0, Some(0.0)), "{name}");

        // The school sees both as 待整改; another unit sees neither and may not touch them.
        let (_, mine) = s.call(Method::GET, "/api/v1/rectifications", &yizhong, None).await;
        let mine = mine.as_array().expect("list").clone();
        assert_eq!(mine.len(), 2, "{name}");
        assert!(mine.iter().all(|r| r["state_label"] == "待整改"), "{name}: {mine:?}");
        let id = |i: usize| mine[i]["id"].as_i64().expect("id");
        let (a, b) = (id(0), id(1));
        let (_, theirs) = s.call(Method::GET, "/api/v1/rectifications", &yujiang, None).await;
        assert_eq!(theirs, json!([]), "{name}");
        let (st, _) = s.call(Method::GET, &format!("/api/v1/rectifications/{a}"), &yujiang, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let report = json!({"text": "已加装减速带", "version": mine[0]["version"]});
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{a}/reports"), &yujiang, Some(report.clone())).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}: another unit's finding does not exist for it");

        // The school reports on both.
        for (i, r) in [a, b].into_iter().enumerate() {
            let body = json!({"text": format!("整改措施 {i}"), "version": mine[i]["version"]});
            let (st, v) =
                s.call(Method::POST, &format!("/api/v1/rectifications/{r}/reports"), &yizhong, Some(body)).await;
            assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("待核查")), "{name}: {v}");
        }
        let (st, v) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{a}/reports"), &yizhong, Some(report)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{name}: a stale version: {v}");

        // The office closes one; returning the other needs a comment.
        let get = |r: i64| format!("/api/v1/rectifications/{r}");
        let (_, ra) = s.call(Method::GET, &get(a), &sup, None).await;
        let close = json!({"decision": "close", "comment": "", "version": ra["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{a}/verify"), &sup, Some(close)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("已销号")), "{name}: {v}");
        assert_eq!(v["verifier"], "supervisor", "{name}");
        let (_, rb) = s.call(Method::GET, &get(b), &sup, None).await;
        let bare = json!({"decision": "return", "comment": " ", "version": rb["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &sup, Some(bare)).await;
        assert_eq!(
            (st, v["errors"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("comment")),
            "{name}: {v}"
        );
        let (_, still) = s.call(Method::GET, &get(b), &sup, None).await;
        assert_eq!((still["state_label"].clone(), still["version"].clone()), (json!("待核查"), rb["version"].clone()));
        let back = json!({"decision": "return", "comment": "台账仍缺 3 月记录", "version": rb["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &sup, Some(back)).await;
        assert_eq!(
            (st, v["state_label"].clone(), v["returned"].clone()),
            (StatusCode::OK, json!("整改中"), json!(true))
        );
        // Units do not verify.
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &yizhong, Some(json!({}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");

        let f = figures(&store).await;
        assert_eq!((f.visits, f.found, f.closed, f.rate), (1, 2, 1, Some(0.5)), "{name}");

        // The school's 工作台 shows the returned one; the ledger and its export show both.
        let cookie = s.cookie("yizhong").await;
        let (_, home, _) = s.page(&cookie, "/home").await;
        let at = home.find("id=\"unit-rectifications\"").expect("the home page lists the unit's findings");
        let table = &home[at..at + home[at..].find("</table>").expect("table end")];
        assert!(table.contains("课后服务台账不全") && table.contains("已退回"), "{name}: {table}");
        assert!(!table.contains("校门口减速带缺失"), "{name}: a closed finding leaves the home page");
        let office = s.cookie("supervisor").await;
        let (st, ledger, _) = s.page(&office, "/rectifications?state=closed").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(ledger.contains("校门口减速带缺失") && !ledger.contains("课后服务台账不全"), "{name}");
        let r = s
            .http
            .get(format!("{}/rectifications/export.xlsx", s.base))
            .header("cookie", &office)
            .send()
            .await
            .expect("export");
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(r.bytes().await.expect("bytes").starts_with(b"PK"), "{name}");
        let (st, page, _) = s.page(&office, &format!("/rectifications/{b}")).await;
        assert!(st == StatusCode::OK && page.contains("台账仍缺 3 月记录"), "{name}");
    }
}

#[tokio::test]
async fn bad_visits_are_refused_with_nothing_kept() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let (duxue, sup) = (s.login("duxue").await, s.login("supervisor").await);
        let cases = [
            (visit(json!([finding("问题", SCHOOL, "2024-03-01")])), "findings[0].deadline"),
            (visit(json!([finding("问题", "不存在的学校", "2024-04-01")])), "findings[0].unit"),
            (json!({"kind": "responsible", "visited_on": "2024-03-18", "unit": "火星学校", "inspectors": []}), "unit"),
        ];
        for (body, field) in cases {
            let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{name}: {v}");
            assert!(v["detail"].as_str().is_some_and(|d| !d.is_ascii()), "{name}: a Chinese message: {v}");
        }
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(json!({"kind": 3}))).await;
        assert!(st.is_client_error(), "{name}: {v}");
        let (_, all) = s.call(Method::GET, "/api/v1/inspections", &sup, None).await;
        assert_eq!(all, json!([]), "{name}: nothing kept");
        let (_, r) = s.call(Method::GET, "/api/v1/rectifications", &sup, None).await;
        assert_eq!(r, json!([]), "{name}");
        // Units and leaders do not record visits.
        let leader = s.login("leader").await;
        let (st, _) = s.call(Method::POST, "/api/v1/inspections", &leader, Some(visit(json!([])))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn an_inspector_records_a_visit_with_two_findings_on_the_phone_form() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let cookie = s.cookie("duxue").await;
        let (st, _, to) = s.page(&cookie, "/home").await;
        assert_eq!((st, to.as_deref()), (StatusCode::SEE_OTHER, Some("/inspections")), "{name}: an inspector's home");
        let (st, form, _) = s.page(&cookie, "/inspections/new").await;
        assert!(st == StatusCode::OK && form.contains("id=\"add-finding\""), "{name}");
        let csrf = csrf_of(&form);
        // An executable: neither a photo nor a document.
        let png = vec![0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00];
        let post = |rows: &[(&str, &str, &str)], with_photo: bool| {
            let mut f = reqwest::multipart::Form::new()
                .text("_csrf", csrf.clone())
                .text("kind", "responsible")
                .text("visited_on", "2024-03-19")
                .text("unit", SCHOOL)
                .text("summary", "挂牌督导");
            for (text, unit, deadline) in rows {
                f = f
                    .text("finding_text", text.to_string())
                    .text("finding_unit", unit.to_string())
                    .text("finding_severity", "general")
                    .text("finding_deadline", deadline.to_string())
                    .text("finding_requirement", "");
                if with_photo {
                    f = f.part("finding_photo", reqwest::multipart::Part::bytes(png.clone()).file_name("a.exe"));
                }
            }
            s.http.post(format!("{}/inspections", s.base)).header("cookie", &cookie).multipart(f).send()
        };
        // A deadline before the visit: the form comes back with the entries and a message.
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30"), ("消防通道堵塞", SCHOOL, "2024-03-01")], false)
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let html = r.text().await.expect("html");
        assert!(html.contains("第 2 个问题") && html.contains("消防通道堵塞"), "{name}: {html}");
        // A file that is not a photo or a document is refused before anything is written.
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30")], true).await.expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let (_, list, _) = s.page(&cookie, "/inspections").await;
        assert!(list.contains("暂无督导记录"), "{name}: nothing kept");
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30"), ("消防通道堵塞", SCHOOL, "2024-04-10")], false)
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let to = r.headers().get("location").and_then(|l| l.to_str().ok()).expect("location").to_string();
        let (_, page, _) = s.page(&cookie, &to).await;
        assert!(page.contains("围墙破损") && page.contains("消防通道堵塞") && page.contains("待整改"), "{name}");

        // A phone's photo is a few megabytes: the form takes it (it was cut at 1 MB once).
        let mut photo = vec![0xFF, 0xD8, 0xFF, 0xE0];
        photo.resize(3 * 1024 * 1024, 0x20);
        let f = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("kind", "responsible")
            .text("visited_on", "2024-03-19")
            .text("unit", SCHOOL)
            .text("summary", "复查")
            .text("finding_text", "操场照明不足")
            .text("finding_unit", SCHOOL)
            .text("finding_severity", "general")
            .text("finding_deadline", "2024-04-30")
            .text("finding_requirement", "")
            .part("finding_photo", reqwest::multipart::Part::bytes(photo).file_name("现场.jpg"));
        let r = s.http.post(format!("{}/inspections", s.base)).header("cookie", &cookie).multipart(f).send().await;
        let r = r.expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}: a 3 MB photo is taken");
        let to = r.headers().get("location").and_then(|l| l.to_str().ok()).expect("location").to_string();
        let (_, page, _) = s.page(&cookie, &to).await;
        assert!(
            page.contains("操场照明不足") && page.contains("现场.jpg"),
            "{name}: the photo is kept with its finding"
        );
    }
}

#[tokio::test]
async fn a_directive_is_registered_fed_back_and_closed_and_hidden_from_other_units() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let (sup, yizhong, yujiang) = (s.login("supervisor").await, s.login("yizhong").await, s.login("yujiang").await);
        let body = json!({"source": "instruction", "title": "关于校园周边交通安全整治的批示", "lead_unit": SCHOOL,
                          "deadline": "2024-04-30", "cadence": "weekly"});
        let (st, d) = s.call(Method::POST, "/api/v1/directives", &sup, Some(body.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {d}");
        let id = d["id"].as_i64().expect("id");
        let mut bad = body;
        bad["lead_unit"] = json!("不存在的单位");
        let (st, v) = s.call(Method::POST, "/api/v1/directives", &sup, Some(bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        let (_, list) = s.call(Method::GET, "/api/v1/directives", &sup, None).await;
        assert_eq!(list.as_array().expect("list").len(), 1, "{name}: nothing kept");
        let (st, _) = s.call(Method::GET, &format!("/api/v1/directives/{id}"), &yujiang, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let done = json!({"text": "已完成整治", "done": true, "version": d["version"]});
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/directives/{id}/feedback"), &yujiang, Some(done.clone())).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let (st, v) = s.call(Method::POST, &format!("/api/v1/directives/{id}/feedback"), &yizhong, Some(done)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("待确认")), "{name}: {v}");
        let close = json!({"decision": "close", "comment": "", "version": v["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/directives/{id}/decide"), &sup, Some(close)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("已办结")), "{name}: {v}");
    }
}

/// Text without any whitespace (PDF lines wrap anywhere).
fn flat(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of a docx, html or csv file, paragraph by paragraph and cell by cell, as the
/// project's own document reader sees it.
fn text_of(bytes: &[u8]) -> String {
    let doc = docread::extract(bytes).expect("readable");
    let mut out = String::new();
    for b in doc.blocks {
        match b {
            docread::Block::Para(p) => out.push_str(&p),
            docread::Block::Table(rows) => rows.iter().flatten().for_each(|c| out.push_str(c)),
        }
        out.push('\n');
    }
    out
}

fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bulletin.pdf");
    std::fs::write(&path, bytes).expect("write");
    match std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8(out.stdout).expect("utf-8"))
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("pdftotext (poppler-utils) is required"),
        Err(_) => {
            println!("SKIPPED: the PDF read-back needs pdftotext (poppler-utils)");
            None
        }
    }
}

/// The supervision sheet of the bulletin's workbook: (part, figure, unit, value) per row.
fn xlsx_rows(bytes: &[u8]) -> Vec<[String; 4]> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = wb.worksheet_range("督导和督办件").expect("the supervision sheet");
    range
        .rows()
        .skip(2)
        .map(|r| {
            let cell = |i: usize| r.get(i).map(|c| c.to_string()).unwrap_or_default();
            [cell(0), cell(1), cell(2), cell(3)]
        })
        .collect()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("utf-8").trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    r.records().map(|rec| rec.expect("record").iter().map(str::to_string).collect()).collect()
}

/// What every format of the March bulletin must say, as counted by hand.
struct Expected<'a> {
    visits: &'a str,
    directives: &'a str,
    /// (figure, value) in the spreadsheet and the CSV.
    rows: &'a [(&'a str, &'a str, &'a str)],
}

async fn check_formats(s: &Server, token: &str, url: &str, want: &Expected<'_>, name: &str) {
    let get = |format: &'static str| {
        let req = s.http.get(format!("{}{url}?format={format}", s.base)).bearer_auth(token);
        async move {
            let r = req.send().await.expect("download");
            assert_eq!(r.status(), StatusCode::OK, "{format}");
            r.bytes().await.expect("bytes").to_vec()
        }
    };
    for format in ["docx", "html"] {
        let text = flat(&text_of(&get(format).await));
        assert!(text.contains("督导检查和督办件办理情况"), "{name} {format}: the heading");
        assert!(text.contains(&flat(want.visits)), "{name} {format}: {} in\n{text}", want.visits);
        assert!(text.contains(&flat(want.directives)), "{name} {format}: {}", want.directives);
    }
    if let Some(text) = pdf_text(&get("pdf").await) {
        let text = flat(&text);
        // pdftotext puts page footers between lines of a paragraph: each clause on its own.
        for clause in want.visits.split(['。', '，', '、', '：']).chain(want.directives.split(['。', '，', '；']))
        {
            assert!(text.contains(&flat(clause)), "{name} pdf: {clause} in\n{text}");
        }
    }
    let sheet = xlsx_rows(&get("xlsx").await);
    let csv = csv_rows(&get("csv").await);
    let header = &csv[0];
    let col = |c: &str| header.iter().position(|h| h == c).expect(c);
    let (item, unit, value) = (col("工作任务"), col("牵头单位"), col("本月进展"));
    for (figure, who, v) in want.rows {
        let in_sheet = sheet.iter().any(|r| r[1] == *figure && r[2] == *who && r[3] == *v);
        assert!(in_sheet, "{name} xlsx: {figure} {who} = {v} in {sheet:?}");
        let in_csv = csv.iter().any(|r| r[item] == *figure && r[unit] == *who && r[value] == *v);
        assert!(in_csv, "{name} csv: {figure} {who} = {v}");
    }
}

#[tokio::test]
async fn the_bulletin_prints_visits_and_directives_in_every_format_and_follows_a_closing() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let plan_id = published(&store).await;
        let (duxue, sup, yizhong) = (s.login("duxue").await, s.login("supervisor").await, s.login("yizhong").await);
        // March (today is 2024-03-20): one visit with two findings, one of them due yesterday;
        // February: a visit to 余江区 with a finding overdue since 2 March.
        let march = visit(json!([
            finding("校门口减速带缺失", SCHOOL, "2024-04-30"),
            finding("课后服务台账不全", SCHOOL, "2024-03-19"),
        ]));
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(march)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let february = json!({"kind": "special", "visited_on": "2024-02-10", "unit": "余江区", "inspectors": [],
                              "summary": "控辍保学专项督导",
                              "findings": [finding("辍学学生劝返台账不全", "余江区", "2024-03-01")]});
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(february)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let directive = json!({"source": "meeting", "title": "暑期学生安全教育专项部署", "lead_unit": SCHOOL,
                               "deadline": "2024-06-30", "cadence": "once"});
        let (st, v) = s.call(Method::POST, "/api/v1/directives", &sup, Some(directive)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");

        let url = format!("/api/v1/plans/{plan_id}/bulletins/2024-03");
        // By hand: 1 visit in March, 2 findings in March, none closed; 3 found this year, 0
        // closed: 0.0%; overdue: 余江区 1 (due 1 March), the school 1 (due 19 March).
        let (st, b) = s.call(Method::GET, &url, &sup, None).await;
        assert_eq!(st, StatusCode::OK, "{name}: {b}");
        let v = &b["supervision"]["visits"];
        assert_eq!(
            (v["visits"].as_u64(), v["found"].as_u64(), v["closed"].as_u64(), v["found_to_date"].as_u64()),
            (Some(1), Some(2), Some(0), Some(3)),
            "{name}: {b}"
        );
        let before = Expected {
            visits: "本月督导1次，发现问题2个，已销号0个。2024年以来累计发现问题3个、已销号0个，整改率0.0%。\
                     逾期未整改问题2个：余江区1个、鹰潭市第一中学1个。",
            directives: "本月交办督办件1件，办结0件；截至2024年3月20日，在办1件。没有逾期未办结的督办件。",
            rows: &[
                ("本月督导（次）", "", "1"),
                ("本月发现问题（个）", "", "2"),
                ("本月已销号（个）", "", "0"),
                ("整改率", "", "0.0%"),
                ("逾期未整改（个）", "", "2"),
                ("逾期未整改（个）", "余江区", "1"),
                ("逾期未整改（个）", SCHOOL, "1"),
                ("本月交办（件）", "", "1"),
                ("在办（件）", "", "1"),
            ],
        };
        check_formats(&s, &sup, &url, &before, name).await;
        // The ledger page shows the same figures.
        let office = s.cookie("supervisor").await;
        let (_, ledger, _) = s.page(&office, "/rectifications").await;
        assert!(ledger.contains(before.visits), "{name}: the ledger's figures are the bulletin's");

        // The school rectifies the overdue one; the office closes it.
        let (_, mine) = s.call(Method::GET, "/api/v1/rectifications", &yizhong, None).await;
        let late = mine
            .as_array()
            .expect("list")
            .iter()
            .find(|r| r["text"] == "课后服务台账不全")
            .expect("the finding")
            .clone();
        let id = late["id"].as_i64().expect("id");
        let body = json!({"text": "已补齐台账", "complete": true, "version": late["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{id}/reports"), &yizhong, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        let close = json!({"decision": "close", "comment": "", "version": v["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{id}/verify"), &sup, Some(close)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");

        // By hand again: 1 closed this month, 1 of 3 this year (33.3%), 余江区 alone overdue.
        let after = Expected {
            visits: "本月督导1次，发现问题2个，已销号1个。2024年以来累计发现问题3个、已销号1个，整改率33.3%。\
                     逾期未整改问题1个：余江区1个。",
            directives: before.directives,
            rows: &[
                ("本月已销号（个）", "", "1"),
                ("整改率", "", "33.3%"),
                ("逾期未整改（个）", "", "1"),
                ("逾期未整改（个）", "余江区", "1"),
            ],
        };
        check_formats(&s, &sup, &url, &after, name).await;
        let csv = {
            let r = s.http.get(format!("{}{url}?format=csv", s.base)).bearer_auth(&sup).send().await.expect("csv");
            csv_rows(&r.bytes().await.expect("bytes"))
        };
        assert!(
            !csv.iter().any(|r| r.iter().any(|c| c == SCHOOL) && r.iter().any(|c| c.contains("逾期未整改"))),
            "{name}: the school is no longer named overdue"
        );
        let (_, ledger, _) = s.page(&office, "/rectifications").await;
        assert!(ledger.contains(after.visits), "{name}: the ledger follows too");
    }
}

#[tokio::test]
async fn the_public_page_shows_nothing_of_visits_until_the_office_opens_a_summary_of_figures() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let plan_id = published(&store).await;
        store.set_setting(&format!("public_plan_{plan_id}"), "true").await.expect("the public page opened");
        // February (the month the public page shows on 20 March): a visit with two findings.
        let duxue = s.login("duxue").await;
        let school = "余江区中等专业学校";
        let body = json!({"kind": "special", "visited_on": "2024-02-10", "unit": school, "inspectors": [],
                          "summary": "实训安全专项督导",
                          "findings": [finding("实训车间灭火器过期未更换", school, "2024-02-20"),
                                       finding("危化品台账缺失", school, "2024-03-31")]});
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(body)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let public = format!("/public/plans/{plan_id}");
        let anonymous = |path: String| {
            let req = s.http.get(format!("{}{path}", s.base));
            async move {
                let r = req.send().await.expect("get");
                assert_eq!(r.status(), StatusCode::OK);
                r.text().await.expect("html")
            }
        };
        let shut = anonymous(public.clone()).await;
        for hidden in ["public-visits", "督导检查和问题整改情况", "本月督导", "整改率", "实训车间灭火器过期未更换"]
        {
            assert!(!shut.contains(hidden), "{name}: {hidden} on the public page before it is opened");
        }

        // Only the office may open it; a reporter's attempt changes nothing.
        let reporter = s.cookie("yizhong").await;
        let (_, home, _) = s.page(&reporter, "/home").await;
        let r = s
            .http
            .post(format!("{}/plans/{plan_id}/public/visits", s.base))
            .header("cookie", &reporter)
            .form(&[("_csrf", csrf_of(&home).as_str()), ("visits", "on")])
            .send()
            .await
            .expect("post");
        assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::NOT_FOUND, "{name}: {}", r.status());
        assert!(!anonymous(public.clone()).await.contains("public-visits"), "{name}");

        let office = s.cookie("supervisor").await;
        let (_, plan_page, _) = s.page(&office, &format!("/plans/{plan_id}")).await;
        assert!(plan_page.contains("id=\"public-visits-form\""), "{name}: the office's toggle");
        let r = s
            .http
            .post(format!("{}/plans/{plan_id}/public/visits", s.base))
            .header("cookie", &office)
            .form(&[("_csrf", csrf_of(&plan_page).as_str()), ("visits", "on")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let open = anonymous(public.clone()).await;
        let at = open.find("id=\"public-visits\"").expect("the summary");
        let section = &open[at..at + open[at..].find("</section>").expect("end")];
        // By hand, February as of its last day: 1 visit, 2 findings, none closed; the one due
        // 20 February overdue.
        for figure in [
            "本月督导1次，发现问题2个，已销号0个。",
            "2024年以来累计发现问题2个、已销号0个，整改率0.0%；逾期未整改问题1个。",
        ] {
            assert!(section.contains(figure), "{name}: {figure} in {section}");
        }
        // No finding anywhere on the page; no unit in the summary (the plan's own items name
        // their responsible units, the school among them, elsewhere on the page).
        for hidden in ["实训车间灭火器过期未更换", "危化品台账缺失"] {
            assert!(!open.contains(hidden), "{name}: {hidden} must not be public");
        }
        for hidden in [school, "余江区"] {
            assert!(!section.contains(hidden), "{name}: {hidden} must not be named in the summary");
        }

        // Closed again: gone.
        let (_, plan_page, _) = s.page(&office, &format!("/plans/{plan_id}")).await;
        let r = s
            .http
            .post(format!("{}/plans/{plan_id}/public/visits", s.base))
            .header("cookie", &office)
            .form(&[("_csrf", csrf_of(&plan_page).as_str()), ("visits", "off")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        assert!(!anonymous(public).await.contains("public-visits"), "{name}");
    }
}

#[tokio::test]
async fn a_findings_text_is_found_by_search_as_far_as_the_role_sees_it() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let (duxue, duxue2, sup, yizhong, yujiang) = (
            s.login("duxue").await,
            s.login("duxue2").await,
            s.login("supervisor").await,
            s.login("yizhong").await,
            s.login("yujiang").await,
        );
        let (st, v) = s
            .call(
                Method::POST,
                "/api/v1/inspections",
                &duxue,
                Some(visit(json!([finding("食堂留样记录缺失", SCHOOL, "2024-04-30")]))),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let school_finding = v["findings"][0]["id"].as_i64().expect("id");
        let district = json!({"kind": "special", "visited_on": "2024-03-12", "unit": "余江区", "inspectors": [],
                              "summary": "控辍保学专项督导", "findings": [finding("控辍保学台账缺失", "余江区", "2024-04-30")]});
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue2, Some(district)).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");

        let found = |token: String, q: &'static str| {
            let s = &s;
            async move {
                let (st, hits) = s.call(Method::GET, &format!("/api/v1/search?q={q}"), &token, None).await;
                assert_eq!(st, StatusCode::OK, "{hits}");
                hits.as_array()
                    .expect("hits")
                    .iter()
                    .filter(|h| h["kind"] == "finding")
                    .map(|h| h["ref_id"].as_i64().expect("id"))
                    .collect::<Vec<i64>>()
            }
        };
        let canteen = "食堂留样记录缺失";
        // The office finds it; the school finds its own; another unit does not.
        assert_eq!(found(sup.clone(), canteen).await, [school_finding], "{name}: the office");
        assert_eq!(found(yizhong.clone(), canteen).await, [school_finding], "{name}: the school");
        assert!(found(yujiang.clone(), canteen).await.is_empty(), "{name}: another unit");
        assert_eq!(found(yujiang.clone(), "控辍保学台账缺失").await.len(), 1, "{name}: 余江区 its own");
        assert!(found(yizhong.clone(), "控辍保学台账缺失").await.is_empty(), "{name}");
        // An inspector: their own visit's findings; another's only once that school is theirs.
        assert_eq!(found(duxue.clone(), canteen).await, [school_finding], "{name}: the visit's inspector");
        assert!(found(duxue.clone(), "控辍保学台账缺失").await.is_empty(), "{name}: not their visit or school");
        assert!(found(duxue2.clone(), canteen).await.is_empty(), "{name}: not yet their school");
        let inspector2 = store.user_by_name("duxue2").await.expect("lookup").expect("exists").id;
        let school = store.unit_by_name(SCHOOL).await.expect("lookup").expect("exists").id;
        store.set_inspector_schools(inspector2, &[school]).await.expect("assigned");
        assert_eq!(found(duxue2.clone(), canteen).await, [school_finding], "{name}: now their school");

        // The search page lists it as a 督导问题 with the page's link, for a 督学 too.
        let cookie = s.cookie("duxue2").await;
        let (st, page, _) = s.page(&cookie, "/search?q=食堂留样记录缺失").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(
            page.contains("督导问题") && page.contains(&format!("href=\"/rectifications/{school_finding}\"")),
            "{name}: {page}"
        );
    }
}

#[tokio::test]
async fn the_office_assigns_schools_to_inspectors_with_bad_input_refused_and_nothing_changed() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let (sup, yizhong) = (s.login("supervisor").await, s.login("yizhong").await);
        let user = |u: &'static str| {
            let store = store.clone();
            async move { store.user_by_name(u).await.expect("lookup").expect("exists").id }
        };
        let unit = |u: &'static str| {
            let store = store.clone();
            async move { store.unit_by_name(u).await.expect("lookup").expect("exists").id }
        };
        let (duxue, duxue2, reporter) = (user("duxue").await, user("duxue2").await, user("yizhong").await);
        let (yizhong_school, vocational) = (unit(SCHOOL).await, unit("余江区中等专业学校").await);
        let path = |id: i64| format!("/api/v1/inspectors/{id}/schools");
        let schools_of = |list: &Value, id: i64| -> Vec<String> {
            list.as_array()
                .expect("list")
                .iter()
                .find(|i| i["inspector"]["id"] == id)
                .expect("the inspector")["schools"]
                .as_array()
                .expect("schools")
                .iter()
                .map(|s| s["name"].as_str().expect("name").to_string())
                .collect()
        };

        let (st, list) = s.call(Method::GET, "/api/v1/inspectors", &sup, None).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(schools_of(&list, duxue).is_empty() && schools_of(&list, duxue2).is_empty(), "{name}: {list}");
        // By name and by id.
        let body = json!({"schools": [SCHOOL, vocational], "previous": []});
        let (st, v) = s.call(Method::PUT, &path(duxue), &sup, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        assert_eq!(v["schools"].as_array().map(Vec::len), Some(2), "{name}: {v}");

        // Refused, each naming its field, in Chinese; nothing changes.
        let previous = json!([yizhong_school, vocational]);
        let cases = [
            (duxue, json!({"schools": [SCHOOL, "火星学校"], "previous": previous}), "schools[1]", 422),
            (duxue, json!({"schools": [999_999], "previous": previous}), "schools", 422),
            (duxue, json!({"schools": ["余江区"], "previous": previous}), "schools", 422),
            (reporter, json!({"schools": [SCHOOL]}), "inspector", 422),
            (duxue2, json!({"schools": [SCHOOL]}), "schools", 422),
            (duxue, json!({"schools": [SCHOOL], "previous": []}), "", 409),
        ];
        for (who, body, field, status) in cases {
            let (st, v) = s.call(Method::PUT, &path(who), &sup, Some(body.clone())).await;
            assert_eq!(st.as_u16(), status, "{name}: {body} → {v}");
            if !field.is_empty() {
                assert_eq!(v["errors"][0]["field"], field, "{name}: {v}");
            }
            assert!(v["detail"].as_str().is_some_and(|d| !d.is_ascii()), "{name}: a Chinese message: {v}");
        }
        let (_, v) = s.call(Method::PUT, &path(duxue2), &sup, Some(json!({"schools": [SCHOOL]}))).await;
        assert!(v["detail"].as_str().is_some_and(|d| d.contains("duxue")), "{name}: names the holder: {v}");
        let (_, list) = s.call(Method::GET, "/api/v1/inspectors", &sup, None).await;
        assert_eq!(schools_of(&list, duxue), [SCHOOL, "余江区中等专业学校"], "{name}: nothing changed");
        assert!(schools_of(&list, duxue2).is_empty(), "{name}");
        // Only the office assigns.
        let (st, _) = s.call(Method::PUT, &path(duxue2), &yizhong, Some(json!({"schools": [vocational]}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
        let (st, v) = s.call(Method::PUT, &path(duxue), &sup, Some(json!({"schools": "all"}))).await;
        assert!(st.is_client_error(), "{name}: {v}");

        // The page: the office ticks a school for duxue2; the coverage page counts it.
        let office = s.cookie("supervisor").await;
        let (st, page, _) = s.page(&office, "/inspectors").await;
        assert!(st == StatusCode::OK && page.contains(&format!("id=\"assign-{duxue2}\"")), "{name}");
        assert!(page.contains("现由duxue挂牌"), "{name}: a school held by another is marked");
        let first_primary = unit("鹰潭市第一小学").await;
        let post = |fields: Vec<(&'static str, String)>| {
            s.http
                .post(format!("{}/inspectors/{duxue2}/schools", s.base))
                .header("cookie", &office)
                .form(&fields)
                .send()
        };
        let csrf = csrf_of(&page);
        let r = post(vec![("_csrf", csrf.clone()), ("previous", String::new()), ("school", first_primary.to_string())])
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        // Ticking a school another holds comes back with the reason; a stale form with 409.
        let r = post(vec![
            ("_csrf", csrf.clone()),
            ("previous", first_primary.to_string()),
            ("school", yizhong_school.to_string()),
        ])
        .await
        .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.text().await.expect("html").contains("已由督学duxue挂牌"), "{name}");
        let second_primary = unit("鹰潭市第二小学").await;
        let r = post(vec![("_csrf", csrf), ("previous", String::new()), ("school", second_primary.to_string())])
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::CONFLICT, "{name}");
        let (_, coverage) = s.call(Method::GET, "/api/v1/coverage?period=2024-03", &sup, None).await;
        let mine = coverage["inspectors"]
            .as_array()
            .expect("inspectors")
            .iter()
            .find(|i| i["inspector"]["id"] == duxue2)
            .expect("duxue2")
            .clone();
        assert_eq!(mine["assigned"], 1, "{name}: {mine}");
        // Units do not see the page.
        let cookie = s.cookie("yizhong").await;
        let (st, _, _) = s.page(&cookie, "/inspectors").await;
        assert!(st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND, "{name}: {st}");
    }
}

/// Registers a 督办件 as the office; its id.
async fn directive(s: &Server, sup: &str, title: &str, text: &str, lead: &str, co: &[&str]) -> i64 {
    let body = json!({"source": "meeting", "title": title, "text": text, "lead_unit": lead, "co_units": co,
                      "deadline": "2024-04-30", "cadence": "monthly"});
    let (st, d) = s.call(Method::POST, "/api/v1/directives", sup, Some(body)).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    d["id"].as_i64().expect("id")
}

#[tokio::test]
async fn the_month_page_lists_the_units_open_rectifications_and_directives_and_no_one_elses() {
    for db in store::testing::all().await {
        let name = db.name;
        published(&db.store).await;
        let s = start(db.store.clone()).await;
        let (duxue, sup) = (s.login("duxue").await, s.login("supervisor").await);
        let findings = json!([
            finding("食堂留样记录缺失", SCHOOL, "2024-04-30"),
            finding("消防通道堆放杂物", SCHOOL, "2024-03-19"),
            finding("控辍保学台账缺失", "余江区", "2024-04-30"),
        ]);
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(visit(findings))).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let ids: Vec<i64> = (0..3).map(|i| v["findings"][i]["id"].as_i64().expect("id")).collect();
        let led = directive(&s, &sup, "校园周边交通安全整治", "会同交警部门整治校门口交通秩序", SCHOOL, &[]).await;
        let joined = directive(&s, &sup, "农村学校营养餐核查", "逐校核查营养餐供应", "余江区", &[SCHOOL]).await;
        let other = directive(&s, &sup, "区域教研共同体建设", "建立区域教研共同体", "余江区", &[]).await;

        let school = s.cookie("yizhong").await;
        let (st, page, _) = s.page(&school, "/months/2024-03").await;
        assert_eq!(st, StatusCode::OK, "{name}: {page}");
        // Its two findings, the overdue one first, each with its badge and link.
        let overdue = page.find(&format!("href=\"/rectifications/{}\"", ids[1])).expect("overdue finding listed");
        let pending = page.find(&format!("href=\"/rectifications/{}\"", ids[0])).expect("open finding listed");
        assert!(overdue < pending, "{name}: overdue first");
        assert!(page.contains("消防通道堆放杂物") && page.contains("逾期") && page.contains("待整改"), "{name}");
        // The 督办件 it leads and the one it joins, with their text; not another unit's.
        for (id, text) in [(led, "会同交警部门整治校门口交通秩序"), (joined, "逐校核查营养餐供应")]
        {
            assert!(page.contains(&format!("href=\"/directives/{id}\"")) && page.contains(text), "{name}: {id}");
        }
        assert!(page.contains("牵头") && page.contains("配合"), "{name}");
        assert!(!page.contains("控辍保学台账缺失"), "{name}: another unit's finding");
        assert!(!page.contains(&format!("href=\"/rectifications/{}\"", ids[2])), "{name}");
        assert!(!page.contains(&format!("href=\"/directives/{other}\"")), "{name}: another unit's 督办件");
        // Its 工作台 lists the same 督办件, and not another unit's.
        let (_, home, _) = s.page(&school, "/home").await;
        let listed = home.split("id=\"unit-directives\"").nth(1).unwrap_or_default();
        assert!(listed.contains(&format!("href=\"/directives/{led}\"")), "{name}: the 工作台 lists its 督办件");
        assert!(listed.contains(&format!("href=\"/directives/{joined}\"")), "{name}");
        assert!(!home.contains(&format!("href=\"/directives/{other}\"")), "{name}");

        // 余江区 sees its own and none of the school's.
        let district = s.cookie("yujiang").await;
        let (st, page, _) = s.page(&district, "/months/2024-03").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains(&format!("href=\"/rectifications/{}\"", ids[2])), "{name}");
        assert!(page.contains(&format!("href=\"/directives/{other}\"")), "{name}");
        assert!(page.contains(&format!("href=\"/directives/{joined}\"")), "{name}: it leads it");
        assert!(!page.contains("食堂留样记录缺失") && !page.contains(&format!("href=\"/directives/{led}\"")), "{name}");

        // A finding once closed leaves the list.
        let yizhong = s.login("yizhong").await;
        let (_, r) = s.call(Method::GET, &format!("/api/v1/rectifications/{}", ids[0]), &yizhong, None).await;
        let report = json!({"text": "已补齐留样记录", "complete": true, "version": r["version"]});
        let (st, r) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{}/reports", ids[0]), &yizhong, Some(report)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {r}");
        let close = json!({"decision": "close", "comment": "", "version": r["version"]});
        let (st, r) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{}/verify", ids[0]), &sup, Some(close)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {r}");
        let (_, page, _) = s.page(&school, "/months/2024-03").await;
        assert!(!page.contains(&format!("href=\"/rectifications/{}\"", ids[0])), "{name}: closed");
        assert!(page.contains(&format!("href=\"/rectifications/{}\"", ids[1])), "{name}");
    }
}

#[tokio::test]
async fn the_dashboard_gives_the_bulletins_visit_and_directive_figures() {
    for db in store::testing::all().await {
        let name = db.name;
        published(&db.store).await;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let (duxue, sup) = (s.login("duxue").await, s.login("supervisor").await);
        let findings = json!([
            finding("食堂留样记录缺失", SCHOOL, "2024-04-30"),
            finding("消防通道堆放杂物", SCHOOL, "2024-03-19")
        ]);
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(visit(findings))).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        directive(&s, &sup, "校园周边交通安全整治", "会同交警部门整治校门口交通秩序", SCHOOL, &[]).await;
        directive(&s, &sup, "农村学校营养餐核查", "逐校核查营养餐供应", "余江区", &[SCHOOL]).await;

        let march: domain::Period = "2024-03".parse().expect("period");
        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("day");
        let bulletin: domain::bulletin::Supervision =
            store.visit_bulletin(march, today).await.expect("bulletin").into();
        let (v, d) = (&bulletin.visits, &bulletin.directives);
        // The hand count: one visit, two findings (one overdue), two 督办件 open.
        assert_eq!((v.visits, v.found, v.closed, v.overdue_total), (1, 2, 0, 1), "{name}");
        assert_eq!((d.registered, d.closed, d.open, d.overdue.len()), (2, 0, 2, 0), "{name}");

        for path in ["/api/v1/dashboard?period=2024-03", "/api/v1/dashboard"] {
            let (st, body) = s.call(Method::GET, path, &sup, None).await;
            assert_eq!(st, StatusCode::OK, "{name}: {body}");
            let f = &body["supervision"];
            assert_eq!(f["period"], "2024-03", "{name}");
            assert_eq!(f["visits"], json!(v.visits), "{name}");
            assert_eq!(f["found"], json!(v.found), "{name}");
            assert_eq!(f["closed"], json!(v.closed), "{name}");
            assert_eq!(f["rate"], json!(v.rate), "{name}");
            assert_eq!(f["rate_text"], json!(bulletin.rate_text()), "{name}");
            assert_eq!(f["overdue"], json!(v.overdue_total), "{name}");
            assert_eq!(f["directives_registered"], json!(d.registered), "{name}");
            assert_eq!(f["directives_closed"], json!(d.closed), "{name}");
            assert_eq!(f["directives_open"], json!(d.open), "{name}");
            assert_eq!(f["directives_overdue"], json!(d.overdue.len()), "{name}");
            // The plan's counts are still there.
            assert!(body["assignments"].is_object(), "{name}: {body}");
        }

        // The 驾驶舱 shows the same figures, each card linking to the list it counts.
        let cookie = s.cookie("supervisor").await;
        let (st, page, _) = s.page(&cookie, "/dashboard?period=2024-03").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        let flat_page = flat(&page);
        for want in [
            "<lidata-figure=\"found\"><aclass=\"card-link\"href=\"/rectifications\"",
            "发现问题</span><spanclass=\"count\">2<",
            "href=\"/rectifications?state=overdue\"",
            "逾期未整改</span><spanclass=\"count\">1<",
            "本月登记</span><spanclass=\"count\">2<",
            "在办</span><spanclass=\"count\">2<",
            "href=\"/directives?state=closed\"",
        ] {
            assert!(flat_page.contains(want), "{name}: {want}");
        }
        assert!(flat_page.contains(&format!("整改率</span><spanclass=\"count\">{}<", bulletin.rate_text())), "{name}");
        // The filtered list the overdue 督办件 card opens.
        let (st, page, _) = s.page(&cookie, "/directives?state=overdue").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains("仅显示“逾期”") && !page.contains("校园周边交通安全整治"), "{name}");
        let (_, page, _) = s.page(&cookie, "/directives?state=open").await;
        assert!(page.contains("校园周边交通安全整治"), "{name}");

        // The dashboard is made once per state of the data and kept: a visit recorded now
        // shows in the next read.
        let findings = json!([finding("宿舍楼安全出口指示灯损坏", SCHOOL, "2024-04-30")]);
        let (st, _) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(visit(findings))).await;
        assert_eq!(st, StatusCode::CREATED, "{name}");
        let (_, body) = s.call(Method::GET, "/api/v1/dashboard?period=2024-03", &sup, None).await;
        assert_eq!(body["supervision"]["visits"], json!(v.visits + 1), "{name}: {body}");
        assert_eq!(body["supervision"]["found"], json!(v.found + 1), "{name}: {body}");
    }
}

#[tokio::test]
async fn a_directives_text_is_found_by_search_by_the_office_and_its_units_only() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let (sup, leader, duxue, yizhong, yujiang) = (
            s.login("supervisor").await,
            s.login("leader").await,
            s.login("duxue").await,
            s.login("yizhong").await,
            s.login("yujiang").await,
        );
        let led = directive(&s, &sup, "校园周边交通安全整治", "会同交警部门整治校门口交通秩序", SCHOOL, &[]).await;
        let joined = directive(&s, &sup, "农村学校营养餐核查", "逐校核查营养餐供应情况", "余江区", &[SCHOOL]).await;

        let found = |token: String, q: &'static str| {
            let s = &s;
            async move {
                let (st, hits) = s.call(Method::GET, &format!("/api/v1/search?q={q}"), &token, None).await;
                assert_eq!(st, StatusCode::OK, "{hits}");
                hits.as_array()
                    .expect("hits")
                    .iter()
                    .filter(|h| h["kind"] == "directive")
                    .map(|h| h["ref_id"].as_i64().expect("id"))
                    .collect::<Vec<i64>>()
            }
        };
        let traffic = "交警部门整治";
        assert_eq!(found(sup.clone(), traffic).await, [led], "{name}: the office");
        assert_eq!(found(leader.clone(), traffic).await, [led], "{name}: a leader");
        assert_eq!(found(yizhong.clone(), traffic).await, [led], "{name}: the lead unit");
        assert!(found(yujiang.clone(), traffic).await.is_empty(), "{name}: an unrelated unit");
        assert!(found(duxue.clone(), traffic).await.is_empty(), "{name}: a 督学");
        // A co unit finds it too; by its title as well as its text.
        assert_eq!(found(yizhong.clone(), "营养餐核查").await, [joined], "{name}: a co unit");
        assert_eq!(found(yujiang.clone(), "营养餐供应情况").await, [joined], "{name}: its lead");

        // The search page lists it as a 督办件 linking to its page.
        let cookie = s.cookie("yizhong").await;
        let (st, page, _) = s.page(&cookie, "/search?q=交警部门整治").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(page.contains("督办件") && page.contains(&format!("href=\"/directives/{led}\"")), "{name}: {page}");
    }
}
