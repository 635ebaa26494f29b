//! A synthetic bulletin of the demo's size (Yingtan-like units, 8 sections), deterministic, for
//! tests, benchmarks and previews. Assessments come from `domain::assess` on invented facts.

use chrono::NaiveDate;
use domain::bulletin::{AssignmentInput, BulletinInput, IndicatorInput, ItemInput, Role, SectionInput, Submission};
use domain::{AssignmentFacts, Comparator, Period, TargetFact, TargetSpec, Thresholds, assess};

const DISTRICTS: [&str; 6] = ["月湖区", "余江区", "贵溪市", "龙虎山风景名胜区", "鹰潭高新技术产业开发区", "信江新区"];
const OFFICES: [&str; 12] = [
    "办公室",
    "思政科",
    "基教科",
    "人事科",
    "职成科",
    "发规科",
    "督导室",
    "安稳办",
    "教研室",
    "教育考试中心",
    "电教馆",
    "资助中心",
];
const SECTIONS: [&str; 8] = [
    "坚持党建引领,全面加强党对教育工作的领导",
    "坚持立德树人,推进五育并举",
    "坚持优质均衡,推进基础教育扩优提质",
    "坚持产教融合,推进职业教育提质培优",
    "坚持强师兴教,建设高素质教师队伍",
    "坚持改革创新,激发教育发展活力",
    "坚持安全稳定,守牢教育安全底线",
    "坚持作风建设,提升教育治理效能",
];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// A small deterministic generator (no dependency, same data on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A plan of `items` items over 8 sections, each assigned to `units_per_item` units, for
/// October 2024 (last month September).
pub fn bulletin_input(items: usize, units_per_item: usize) -> BulletinInput {
    let th = Thresholds::default();
    let (start, as_of, last_as_of) = (d(2024, 1, 1), d(2024, 10, 31), d(2024, 9, 30));
    let mut rng = Lcg(2024);
    let mut sections: Vec<SectionInput> = SECTIONS
        .iter()
        .enumerate()
        .map(|(i, t)| SectionInput {
            number: ["一", "二", "三", "四", "五", "六", "七", "八"][i].to_string(),
            title: t.to_string(),
            items: vec![],
        })
        .collect();
    for n in 0..items {
        let deadline = if rng.next() < 0.15 { d(2024, 9, 30) } else { d(2024, 12, 31) };
        let assignments = (0..units_per_item)
            .map(|k| {
                let district = k < DISTRICTS.len();
                let unit = if district { DISTRICTS[k] } else { OFFICES[(n + k) % OFFICES.len()] };
                let now_value = (100.0 * (0.62 + 0.45 * rng.next())).min(100.0);
                let last_value = now_value * (0.8 + 0.15 * rng.next());
                let facts = |actual: f64, reports: u32| AssignmentFacts {
                    start,
                    deadline,
                    targets: vec![TargetFact {
                        spec: TargetSpec { value: 100.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() },
                        baseline: None,
                        actual: (reports > 0).then_some(actual),
                    }],
                    milestones: vec![],
                    reports,
                    self_assessed: None,
                    declared_complete: false,
                };
                let r = rng.next();
                let submission = if r < 0.05 {
                    Submission::Missing
                } else if r < 0.12 {
                    Submission::Late
                } else {
                    Submission::OnTime
                };
                let reports = if rng.next() < 0.04 { 0 } else { 9 };
                let now = assess(&facts(now_value, reports), as_of, &th);
                let last = assess(&facts(last_value, reports.saturating_sub(1)), last_as_of, &th);
                let lagging = now.colour != domain::Colour::Green;
                AssignmentInput {
                    unit: unit.to_string(),
                    district,
                    role: if k == 0 { Role::Lead } else { Role::Support },
                    person: Some(format!("张{}", ["伟", "敏", "静", "磊", "洋", "艳"][k % 6])),
                    deadline,
                    now,
                    last: Some(last),
                    submission,
                    unchanged: rng.next() < 0.06,
                    progress_text: format!(
                        "已召开专题推进会{}次,完成年度目标的{:.0}%,各项工作按计划有序推进。",
                        1 + n % 4,
                        now_value
                    ),
                    problems: if lagging {
                        "项目资金尚未完全到位,用地手续办理进度偏慢。".into()
                    } else {
                        String::new()
                    },
                    next_steps: "加快推进项目建设,确保按期完成。".into(),
                    evidence: if rng.next() < 0.3 { vec!["推进会纪要.pdf".into()] } else { vec![] },
                    remarks: String::new(),
                    text_period: None,
                }
            })
            .collect();
        let indicators = if n % 4 == 0 {
            vec![IndicatorInput {
                subject: "公办园在园幼儿占比".into(),
                spec: TargetSpec { value: 57.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() },
                baseline: Some(50.0),
                current: Some(50.0 + 7.0 * rng.next()),
                start,
                deadline: d(2024, 12, 31),
            }]
        } else if n % 4 == 1 {
            vec![IndicatorInput {
                subject: "新增学位".into(),
                spec: TargetSpec { value: 800.0, max: None, comparator: Comparator::About, unit: "个".into() },
                baseline: None,
                current: Some((800.0 * rng.next()).round()),
                start,
                deadline: d(2024, 12, 31),
            }]
        } else if n % 4 == 2 {
            // Counts: paced in whole schools, never "2.5所".
            vec![
                IndicatorInput {
                    subject: "新建幼儿园".into(),
                    spec: TargetSpec { value: 3.0, max: None, comparator: Comparator::Exactly, unit: "所".into() },
                    baseline: None,
                    current: Some(2.0),
                    start,
                    deadline: d(2024, 12, 31),
                },
                IndicatorInput {
                    subject: "中职学校".into(),
                    spec: TargetSpec { value: 1.0, max: Some(2.0), comparator: Comparator::Range, unit: "所".into() },
                    baseline: None,
                    current: Some(0.0),
                    start,
                    deadline: d(2024, 12, 31),
                },
            ]
        } else {
            vec![]
        };
        let section = n * SECTIONS.len() / items.max(1);
        sections[section].items.push(ItemInput {
            number: (n + 1).to_string(),
            title: format!("推进第{}项重点工作,确保各项措施落地见效", n + 1),
            leader: Some("王局长".into()),
            indicators,
            assignments,
        });
    }
    sections.retain(|s| !s.items.is_empty());
    BulletinInput {
        plan_title: "2024年鹰潭市教育工作要点".into(),
        issuer: "鹰潭市教育局".into(),
        title: None,
        doc_number: Some("鹰教督通〔2024〕10号".into()),
        addressees: Some("各区(市)教育局,市直各学校,局机关各科室".into()),
        period: Period::new(2024, 10).unwrap_or(Period { year: 2024, month: 10 }),
        as_of,
        issued_on: Some(d(2024, 11, 5)),
        cc: Some("市委教育工委委员,局领导".into()),
        printed_by: Some("鹰潭市教育局办公室".into()),
        thresholds: th,
        sections,
        requirements: vec![
            "一是压实工作责任。各责任单位要对照任务台账,逐项明确责任人和完成时限,确保年底前全面完成。".into(),
            "二是加快滞后任务推进。对进展滞后的任务,实行挂牌督办,督查办将适时开展实地督导。".into(),
            "三是按时报送进展。各单位须于每月25日前报送当月进展,未按时报送的将予以通报。".into(),
        ],
        supervision: None,
    }
}

/// The demo-sized bulletin: 30 items, 10 units each (300 assignments).
pub fn demo() -> domain::bulletin::Bulletin {
    domain::bulletin::Bulletin::build(&bulletin_input(30, 10))
}
