//! The bulletin's data on every backend: the office's per-plan document settings, and the
//! month an unchanged progress text was first written.

use crate::workflow::published;
use domain::Period;
use domain::bulletin::Bulletin;
use store::StoreError;
use store::bulletin::BulletinSettings;
use store::reports::ReportInput;
use store::testing::all;

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

#[tokio::test]
async fn bulletin_settings_are_kept_per_plan_and_refused_whole() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let other = plan_id + 1000;
        let oct = p("2024-10");
        let today = day("2024-11-10");
        let th = Default::default();

        // Never set: empty, and the document leaves the date blank (never the machine's date).
        assert_eq!(s.bulletin_settings(plan_id).await.expect("reads"), BulletinSettings::default(), "{}", db.name);
        let input = s.bulletin_input(plan_id, oct, today, &th).await.expect("input");
        assert_eq!((input.doc_number.as_deref(), input.issued_on, input.cc.as_deref()), (None, None, None));

        let set = BulletinSettings {
            doc_number: "鹰教督〔2024〕10号".into(),
            addressees: "各区(市)教育局,市直各学校".into(),
            issuer: "鹰潭市教育局".into(),
            issued_on: Some(day("2024-11-05")),
            cc: "市委教育工委委员,局领导".into(),
            printed_by: " 鹰潭市教育局办公室 ".into(),
        };
        s.set_bulletin_settings(plan_id, &set).await.expect("saves");
        let kept = s.bulletin_settings(plan_id).await.expect("reads");
        assert_eq!(kept, BulletinSettings { printed_by: "鹰潭市教育局办公室".into(), ..set.clone() }, "{}", db.name);
        // Another plan's bulletins are not affected.
        assert_eq!(s.bulletin_settings(other).await.expect("reads"), BulletinSettings::default(), "{}", db.name);

        // The month's bulletin carries them, into the document.
        let input = s.bulletin_input(plan_id, oct, today, &th).await.expect("input");
        assert_eq!(input.doc_number.as_deref(), Some("鹰教督〔2024〕10号"), "{}", db.name);
        assert_eq!(input.addressees.as_deref(), Some("各区(市)教育局,市直各学校"));
        assert_eq!(input.issuer, "鹰潭市教育局");
        assert_eq!(input.issued_on, Some(day("2024-11-05")));
        assert_eq!(input.cc.as_deref(), Some("市委教育工委委员,局领导"));
        assert_eq!(input.printed_by.as_deref(), Some("鹰潭市教育局办公室"));
        // Kept for the next month too (the office changes the number and the date each month).
        let nov = s.bulletin_input(plan_id, p("2024-11"), day("2024-12-10"), &th).await.expect("input");
        assert_eq!(nov.doc_number.as_deref(), Some("鹰教督〔2024〕10号"));

        // Bad settings are refused whole: a valid new number in the same request is not kept.
        let refused = [
            BulletinSettings {
                doc_number: "鹰教督〔2024〕11号".into(), addressees: "各".repeat(501), ..set.clone()
            },
            BulletinSettings {
                doc_number: "鹰教督〔2024〕11号".into(), cc: "局领导\n办公室".into(), ..set.clone()
            },
            BulletinSettings {
                doc_number: "鹰教督〔2024〕11号".into(),
                issued_on: Some(day("1999-12-31")),
                ..set.clone()
            },
            BulletinSettings { doc_number: "号".repeat(51), ..set.clone() },
        ];
        for bad in &refused {
            let err = s.set_bulletin_settings(plan_id, bad).await.expect_err("refused");
            assert!(matches!(err, StoreError::Invalid { .. }), "{}: {err:?}", db.name);
            assert_eq!(s.bulletin_settings(plan_id).await.expect("reads"), kept, "{}: nothing changed", db.name);
        }

        // Cleared: back to the 督查通报 masthead and a blank date.
        let cleared = BulletinSettings { doc_number: String::new(), issued_on: None, ..set.clone() };
        s.set_bulletin_settings(plan_id, &cleared).await.expect("saves");
        let input = s.bulletin_input(plan_id, oct, today, &th).await.expect("input");
        assert_eq!((input.doc_number, input.issued_on), (None, None), "{}", db.name);
        assert_eq!(input.cc.as_deref(), Some("市委教育工委委员,局领导"), "the rest stays");
    }
}

#[tokio::test]
async fn a_text_carried_over_is_marked_with_the_month_it_was_written() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let unit = |name: &str| {
            let name = name.to_string();
            async move { s.unit_by_name(&name).await.expect("lookup").expect("exists").id }
        };
        let task = s.tasks(plan_id).await.expect("tasks")[7].id;
        let assignment = |unit_id: i64| async move {
            s.assignments(plan_id, Some(unit_id))
                .await
                .expect("assignments")
                .into_iter()
                .find(|a| a.task_id == task)
                .expect("item 8")
                .id
        };
        let (yujiang, guixi, yuehu) = (unit("余江区").await, unit("贵溪市").await, unit("月湖区").await);
        let (a_yj, a_gx, a_yh) = (assignment(yujiang).await, assignment(guixi).await, assignment(yuehu).await);
        let open = p("2024-10");
        let report = |a: i64, month: &'static str, text: &'static str| async move {
            let period = p(month);
            let input = ReportInput { progress: text.into(), ..Default::default() };
            let version = s.report(a, period).await.expect("reads").version;
            s.save_report(a, period, &input, version, open, None).await.expect("saves");
            s.submit_report(a, period, period.last_day(), 25, None, false).await.expect("submits");
        };
        // 余江区 wrote its text in August and sent it again in September and October.
        for m in ["2024-08", "2024-09", "2024-10"] {
            report(a_yj, m, "完成3所幼儿园选址。").await;
        }
        // 贵溪市 wrote a new text in September and sent it again in October.
        report(a_gx, "2024-08", "启动选址。").await;
        report(a_gx, "2024-09", "完成2所幼儿园选址。").await;
        report(a_gx, "2024-10", "完成2所幼儿园选址。").await;
        // 月湖区 wrote something new each month.
        report(a_yh, "2024-09", "完成选址。").await;
        report(a_yh, "2024-10", "1所幼儿园开工。").await;

        let input = s.bulletin_input(plan_id, open, day("2024-11-10"), &Default::default()).await.expect("input");
        let item = input.sections.iter().flat_map(|s| &s.items).find(|i| i.number == "8").expect("item 8");
        let of = |name: &str| item.assignments.iter().find(|a| a.unit == name).expect("assignment");
        let (yj, gx, yh) = (of("余江区"), of("贵溪市"), of("月湖区"));
        assert!(yj.unchanged && gx.unchanged && !yh.unchanged, "{}", db.name);
        assert_eq!(yj.text_period, Some(p("2024-08")), "{}: the month the text was first written", db.name);
        assert_eq!(gx.text_period, Some(p("2024-09")), "{}", db.name);
        assert_eq!(yh.text_period, None, "{}", db.name);

        // The ledger says which month each carried-over text is from.
        let b = Bulletin::build(&input);
        let row = |name: &str| b.ledger_rows().find(|r| r.unit() == name && r.source.ends_with("-8")).expect("row");
        assert_eq!(row("余江区").progress_text, "完成3所幼儿园选址。（8月报送）", "{}", db.name);
        assert_eq!(row("贵溪市").progress_text, "完成2所幼儿园选址。（9月报送）", "{}", db.name);
        assert_eq!(row("月湖区").progress_text, "1所幼儿园开工。", "{}", db.name);
    }
}
