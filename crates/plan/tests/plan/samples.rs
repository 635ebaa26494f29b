//! Plans of other shapes, written for these tests: three levels with 牵头/配合 clauses,
//! "A牵头,B按职责分工负责" numbered straight through, (一) items with clauses on their own
//! line and "下同".

use crate::common::*;
use plan::{Comparator, Directory, Role};

fn n(s: &str, r: Role) -> (String, Role) {
    (s.to_string(), r)
}

#[test]
fn three_levels_with_lead_and_co() {
    let text = sample("three-levels-lead-co.txt");
    let p = plan::parse_text(&text, &Directory::empty()).expect("parses");
    assert_covers(&p, &text_lines(&text));
    assert_eq!(p.title, "青山市2025年民生实事工作要点");
    assert_eq!(p.meta.doc_no.as_deref(), Some("青府办发〔2025〕7号"));
    assert_eq!(p.meta.date.as_deref(), Some("2025-02-18"));
    assert_eq!(p.meta.issuer.as_deref(), Some("青山市人民政府办公室"));
    assert_eq!(p.meta.year, Some(2025));
    assert_eq!(p.sections.len(), 2);
    assert_eq!(p.subsections.len(), 3);
    assert_eq!(p.items.len(), 5);
    assert_eq!((p.items[2].section, p.items[2].subsection), (1, Some(2)));
    assert_eq!(
        unit_names(&p, 0),
        vec![
            n("市教育局", Role::Lead),
            n("市发展改革委", Role::Co),
            n("市财政局", Role::Co),
            n("市自然资源局", Role::Co)
        ]
    );
    let u = &p.items[1].units[1];
    assert_eq!((u.name.as_str(), u.role, u.group), ("各县(市、区)人民政府", Role::Co, true));
    assert_eq!(p.items[0].title, "新建改扩建中小学校5所,新增学位4000个以上");
    let t: Vec<_> = p.items.iter().flat_map(|i| &i.targets).map(|t| (t.value, t.unit.as_str(), t.comparator)).collect();
    assert_eq!(
        t,
        vec![
            (5.0, "所", Comparator::Exactly),
            (4000.0, "个", Comparator::AtLeast),
            (55.0, "%", Comparator::AtLeast),
            (90.0, "%", Comparator::AtLeast),
            (1.0, "个", Comparator::AtLeast),
            (75.0, "%", Comparator::AtLeast),
        ]
    );
    assert_eq!(p.items[3].targets[0].per.as_deref(), Some("每个县"));
    // An empty directory names no unit as unknown: there is nothing to compare with.
    assert!(p.warnings.iter().all(|w| w.code != "unknown_unit"));
}

#[test]
fn lead_then_co_numbered_straight_through() {
    let text = sample("straight-through-qiantou.txt");
    let p = plan::parse_text(&text, &Directory::empty()).expect("parses");
    assert_covers(&p, &text_lines(&text));
    assert_eq!(p.title, "绿水县2025年营商环境优化工作要点");
    assert_eq!(p.items.iter().map(|i| i.number).collect::<Vec<_>>(), vec![1, 2, 3, 5, 6]);
    assert_eq!(p.items.iter().map(|i| i.section).collect::<Vec<_>>(), vec![1, 1, 2, 2, 3]);
    assert_eq!(p.items[0].label, "1、");
    assert_eq!(
        unit_names(&p, 0),
        vec![n("县政务服务中心", Role::Lead), n("县市场监管局", Role::Co), n("县税务局", Role::Co)]
    );
    assert_eq!(
        unit_names(&p, 2),
        vec![n("县市场监管局", Role::Lead), n("县发展改革局", Role::Co), n("县财政局", Role::Co)]
    );
    assert_eq!(unit_names(&p, 3), vec![n("县市场监管局", Role::Responsible)]);
    assert!(p.items[4].units[1].group, "县直各有关单位 is a group");
    assert!(p.warnings.iter().any(|w| w.code == "numbering_gap" && w.item == Some(5)));
    assert_eq!(p.closing.as_deref(), Some("绿水县人民政府\n2025年3月1日"));
    assert_eq!(p.meta.date.as_deref(), Some("2025-03-01"));
    let first: Vec<_> = p.items[0].targets.iter().map(|t| (t.value, t.unit.as_str(), t.comparator)).collect();
    assert_eq!(first, vec![(13.0, "个", Comparator::Exactly), (1.0, "工作日", Comparator::AtMost)]);
    assert_eq!(p.items[3].targets[0].comparator, Comparator::About);
}

#[test]
fn chinese_numbered_items_with_unit_lines_and_carry_over() {
    let text = sample("chinese-items-responsible-line.txt");
    let p = plan::parse_text(&text, &Directory::empty()).expect("parses");
    assert_covers(&p, &text_lines(&text));
    assert_eq!(p.sections.len(), 2);
    assert_eq!(p.items.len(), 5);
    assert_eq!(
        p.items.iter().map(|i| (i.section, i.number)).collect::<Vec<_>>(),
        vec![(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)]
    );
    assert_eq!(p.items[0].label, "（一）");
    assert_eq!(p.items[0].title, "强化理论武装");
    let r = Role::Responsible;
    assert_eq!(unit_names(&p, 0), vec![n("办公室", r), n("组织人事科", r)]);
    assert_eq!(unit_names(&p, 1), vec![n("办公室", r), n("组织人事科", r)], "下同 carries the units over");
    assert_eq!(unit_names(&p, 2), vec![n("基础教育科", r), n("发展规划科", r)]);
    assert_eq!(unit_names(&p, 3), vec![n("组织人事科", r)]);
    assert_eq!(unit_names(&p, 4), vec![n("职成科", r)]);
    assert!(p.warnings.iter().any(|w| w.code == "units_carried_over" && w.item == Some(2)));
    assert!(p.warnings.iter().all(|w| !w.code.starts_with("numbering")), "{:?}", p.warnings);
    let t: Vec<_> = p.items.iter().flat_map(|i| &i.targets).map(|t| (t.value, t.unit.as_str(), t.comparator)).collect();
    assert_eq!(
        t,
        vec![
            (12.0, "次", Comparator::AtLeast),
            (3.0, "所", Comparator::Exactly),
            (2.0, "个", Comparator::Exactly),
            (20.0, "所", Comparator::AtLeast),
            (120.0, "名", Comparator::Exactly),
        ]
    );
}

#[test]
fn unknown_units_are_kept_with_a_suggestion() {
    let text = "2025年工作要点\n一、党建\n1.加强学习。〔责任单位:基教科、督道室、市直各学校〕";
    let p = plan::parse_text(text, &yingtan_directory()).expect("parses");
    let u = &p.items[0].units[1];
    assert_eq!((u.name.as_str(), u.known), ("督道室", false));
    let w = p.warnings.iter().find(|w| w.code == "unknown_unit").expect("warning");
    assert_eq!(w.item, Some(1));
    assert!(w.message.contains("督导室"), "{}", w.message);
}
