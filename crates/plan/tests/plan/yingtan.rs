//! The golden test: 《2024年鹰潭市教育工作要点》 as published, read in full.

use crate::common::*;
use plan::{Comparator, Role};

const SECTIONS: [&str; 8] = [
    "坚持党建统领,加强党对教育工作的全面领导",
    "聚焦立德树人,着力培育学生全面健康成长",
    "围绕强基固本,学入推进基础教育高质量发展",
    "深化职教融合,全面提升职业教育服务经济社会发展水平",
    "注重改革创新,全面激活教育事业发展活力",
    "强化铸魂培能,加快建设高质量发展教师队伍",
    "提升保障能力,夯实教育改革发展基础",
    "筑牢安全防线,维护教育系统安全稳定",
];

/// (title, section, responsible units after normalisation)
const ITEMS: [(&str, u32, &[&str]); 29] = [
    ("坚持用党的创新理论凝心铸魂", 1, &["各区(市)", "工委组织部", "机关各科室", "市直各学校"]),
    ("全面加强教育系统党的建设", 1, &["各区(市)", "工委组织部", "机关团委", "妇委会", "市直各学校"]),
    ("坚定不移推进全面从严治党", 1, &["各区(市)", "工委组织部", "驻局纪检组", "市直各学校"]),
    ("推进大中小思政课一体化建设", 2, &["各区(市)", "思政科", "基教科", "人事科", "市直各学校"]),
    ("加快建设全省思政德育高地", 2, &["各区(市)", "思政科", "人事科", "教研室", "市直各学校"]),
    ("推动“五育并举”落地见效", 2, &["各区(市)", "基教科", "人事科", "市直各学校"]),
    ("持续推进“双减”工作", 2, &["各区(市)", "基教科", "市直各学校"]),
    ("推进学前教育普及普惠", 3, &["各区(市)", "基教科", "市直各学校"]),
    ("全域一体推进义务教育优质均衡", 3, &["各区(市)", "基教科", "发规科", "督导室", "市直各学校"]),
    ("推动普通高中特色多元发展", 3, &["各区(市)", "考试中心", "基教科", "市直各学校"]),
    ("全面提升教育基础办学水平", 3, &["各区(市)", "基教科", "安稳办", "市直各学校"]),
    ("推进职业教育创新发展", 4, &["各区(市)", "职成科", "各大中专院校"]),
    ("深化职业教育教学改革", 4, &["各区(市)", "职成科", "各大中专院校"]),
    ("推进职业教育产教融合", 4, &["各区(市)", "职成科", "各大中专院校"]),
    ("争创全国“县管校聘”改革“先行区”", 5, &["各区(市)", "人事科"]),
    ("优化县域义务教育资源配置改革", 5, &["各区(市)", "基教科", "人事科"]),
    ("深化教育督导体制机制改革", 5, &["各区(市)", "督导室", "各相关科室"]),
    ("深化新时代教育评价改革", 5, &["各区(市)", "督导室", "考试中心"]),
    ("健全教师培养体系", 6, &["各区(市)", "人事科", "教师交流发展中心", "教研室"]),
    ("强化师德师风建设", 6, &["各区(市)", "人事科", "市直各学校"]),
    ("切实保障教师权益", 6, &["各区(市)", "人事科", "市直各学校"]),
    ("全面推进依法治教", 7, &["各区(市)", "办公室", "安稳办", "基教科", "市直各学校"]),
    ("引导规范民办教育发展", 7, &["各区(市)", "基教科", "市直各民办学校"]),
    ("强化教育科研智力支撑", 7, &["各区(市)", "教研室", "思政科", "市直各学校"]),
    ("推进教育信息化发展", 7, &["各区(市)", "电教馆", "市直各学校"]),
    ("全力推进政府实事项目建设", 7, &["各区(市)", "发规科", "电教馆", "市直各学校"]),
    ("建立健全教育经费保障体系", 7, &["各区(市)", "办公室", "资助中心", "市直各学校"]),
    ("推进意识形态持续安全稳定", 8, &["各区(市)", "工委组织部", "基教科", "思政科", "市直各学校"]),
    (
        "持续维护全市教育系统安全稳定",
        8,
        &["各区(市)", "安稳办", "基教科", "职成科", "思政科", "发规科", "考试中心", "市直各学校"],
    ),
];

const GROUPS: [&str; 5] = ["各区(市)", "机关各科室", "市直各学校", "市直各民办学校", "各大中专院校"];

/// (item, value, max, unit, comparator, per, deadline): every quantitative target of the plan.
#[allow(clippy::type_complexity)]
const TARGETS: [(u32, f64, Option<f64>, &str, Comparator, Option<&str>, Option<&str>); 16] = [
    (5, 10.0, None, "个", Comparator::Exactly, None, None),
    (8, 3.0, None, "所", Comparator::Exactly, None, None),
    (8, 800.0, None, "个", Comparator::About, None, None),
    (8, 57.0, None, "%", Comparator::AtLeast, None, None),
    (8, 94.0, None, "%", Comparator::AtLeast, None, None),
    (10, 95.5, None, "%", Comparator::AtLeast, None, Some("2024年底")),
    (12, 1.0, Some(2.0), "所", Comparator::Range, None, None),
    (12, 3.0, None, "个", Comparator::AtLeast, Some("每个职业学校"), None),
    (12, 3.0, None, "家", Comparator::AtLeast, Some("每个专业点"), None),
    (12, 2.0, None, "人", Comparator::AtLeast, Some("各专业点"), None),
    (13, 1400.0, None, "人", Comparator::AtLeast, None, None),
    (13, 3.0, None, "个", Comparator::Exactly, None, None),
    (15, 20.0, None, "%", Comparator::AtLeast, None, None),
    (16, 89.0, None, "所", Comparator::Exactly, None, None),
    (25, 100.0, None, "%", Comparator::AtLeast, None, None),
    (26, 14.0, None, "所", Comparator::Exactly, None, None),
];

fn parsed() -> plan::Plan {
    plan::parse(YINGTAN_TEXT.as_bytes(), &yingtan_directory()).expect("the Yingtan plan parses")
}

#[test]
fn metadata() {
    let p = parsed();
    assert_eq!(p.title, "2024年鹰潭市教育工作要点");
    assert_eq!(p.meta.issuer.as_deref(), Some("市教育局"));
    assert_eq!(p.meta.signature.as_deref(), Some("鹰潭市教育局"));
    assert_eq!(p.meta.date.as_deref(), Some("2024-03-11"));
    assert_eq!(p.meta.year, Some(2024));
    assert_eq!(p.meta.index_no.as_deref(), Some("YT0005/2024-07745"));
    assert_eq!(p.meta.doc_no, None, "the page's 文号 field is empty");
    assert_eq!(p.format, "txt");
    assert_eq!(p.encoding.as_deref(), Some("UTF-8"));
}

#[test]
fn notice_and_overview_are_kept_apart_from_the_body() {
    let p = parsed();
    let notice = p.notice.as_deref().expect("notice");
    assert!(notice.starts_with("关于印发《2024年鹰潭市教育工作要点》的通知"));
    assert!(notice.ends_with("2024311"));
    assert!(p.header.as_deref().expect("header").contains("YT0005/2024-07745"));
    assert_eq!(p.heading.as_deref(), Some("2024年鹰潭市教育工作要点"));
    let preamble = p.preamble.as_deref().expect("preamble");
    assert!(preamble.starts_with("2024年的工作总体思路:"));
    assert!(preamble.ends_with("努力办好全市人民满意教育。"));
}

#[test]
fn sections_and_items() {
    let p = parsed();
    let titles: Vec<&str> = p.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, SECTIONS);
    let labels: Vec<&str> = p.sections.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、"]);
    assert_eq!(p.items.len(), 29);
    for (i, (item, (title, section, _))) in p.items.iter().zip(ITEMS).enumerate() {
        assert_eq!(item.number, i as u32 + 1);
        assert_eq!(item.label, format!("{}.", i + 1));
        assert_eq!(item.title, title, "item {}", i + 1);
        assert_eq!(item.section, section, "item {}", i + 1);
        assert!(!item.body.is_empty(), "item {}", i + 1);
    }
    assert!(p.items[7].body.starts_with("制定并实施十四五全市学前教育发展提升计划"));
}

#[test]
fn units_are_normalised() {
    let p = parsed();
    for (item, (_, _, units)) in p.items.iter().zip(ITEMS) {
        let names: Vec<&str> = item.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, units, "item {}", item.number);
        for u in &item.units {
            assert_eq!(u.role, Role::Responsible);
            assert!(u.known, "{}", u.name);
            assert_eq!(u.group, GROUPS.contains(&u.name.as_str()) || u.name == "各相关科室", "{}", u.name);
        }
    }
    // The raw forms are kept beside the normalised names.
    assert_eq!(p.items[3].units[4].raw, "直各学校");
    assert_eq!(p.items[28].units[6].raw, "教育考试中心");
    assert_eq!(p.items[28].units[1].raw, "安稳办");
}

#[test]
fn every_target_and_nothing_else() {
    let p = parsed();
    let found: Vec<_> = p
        .items
        .iter()
        .flat_map(|i| i.targets.iter().map(move |t| (i.number, t)))
        .map(|(n, t)| (n, t.value, t.max, t.unit.as_str(), t.comparator, t.per.as_deref(), t.deadline.as_deref()))
        .collect();
    assert_eq!(found, TARGETS);
    let p8 = &p.items[7].targets;
    assert_eq!(p8[2].subject, "全市公办在园幼儿数占比");
    assert_eq!(p8[3].subject, "普惠性覆盖率");
    assert_eq!(p.items[9].targets[0].subject, "高中阶段教育毛入学率");
}

#[test]
fn warnings_name_every_repair() {
    let p = parsed();
    let of =
        |code: &str| -> Vec<Option<u32>> { p.warnings.iter().filter(|w| w.code == code).map(|w| w.item).collect() };
    assert_eq!(of("unclosed_bracket"), (15..=29).map(Some).collect::<Vec<_>>());
    assert_eq!(of("alias_applied"), (4..=11).map(Some).collect::<Vec<_>>());
    assert_eq!(of("missing_separator"), vec![Some(29)]);
    assert_eq!(of("date_repaired"), vec![None]);
    assert_eq!(p.warnings.len(), 15 + 8 + 1 + 1, "{:#?}", p.warnings);
    // 教育考试中心 is another correct name for 考试中心: no warning.
    assert!(p.warnings.iter().all(|w| !w.message.contains("教育考试中心")));
}

#[test]
fn measures_partition_each_body_and_are_classified() {
    let p = parsed();
    for item in &p.items {
        let joined: String = item.measures.iter().map(|m| plan::text::squeeze(&m.text)).collect();
        assert_eq!(joined, plan::text::squeeze(&item.body), "item {}", item.number);
    }
    let kind = |item: usize, starts: &str| {
        p.items[item - 1].measures.iter().find(|m| m.text.starts_with(starts)).map(|m| m.kind).expect(starts)
    };
    use plan::MeasureKind::*;
    assert_eq!(kind(5, "召开全市中小学思政德育工作会议"), Event);
    assert_eq!(kind(6, "举办全市中小学生花样跳绳比赛"), Event);
    assert_eq!(kind(17, "研究印发"), Document);
    assert_eq!(kind(8, "高品质、高品位新改扩建幼儿园"), Target);
    assert_eq!(kind(4, "深化大中小思政课一体化改革"), Ongoing);
}

#[test]
fn nothing_is_dropped() {
    assert_covers(&parsed(), &text_lines(YINGTAN_TEXT));
}

#[test]
fn text_outline_is_stable_json_shape() {
    let p = parsed();
    let v = serde_json::to_value(&p).expect("serialises");
    for key in ["title", "meta", "preamble", "sections", "items", "warnings"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let t = &v["items"][7]["targets"][2];
    assert_eq!(t["comparator"], ">=");
    assert_eq!(t["value"], 57.0);
    assert_eq!(v["items"][0]["units"][0]["role"], "responsible");
    assert_eq!(v["items"][0]["units"][0]["group"], true);
    assert_eq!(v["meta"]["date"], "2024-03-11");
}
