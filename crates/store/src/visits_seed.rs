//! The demo's year of visits: inspectors' schools (挂牌, about five each), about sixty
//! visits with about two hundred findings in every state (closed on time and late, waiting
//! for verification, returned, overdue), and a few 督办件 of each source. Deterministic: the
//! same data on every machine (a small hash picks, as the demo's reports do), and every
//! finding's and item's stored stage is the replay of its generated steps by the domain's
//! rules, so nothing here can produce a state the workflow could not.

use crate::inspections::{DIRECTIVE_SOURCES, INSPECTION_KINDS};
use crate::users::Role;
use crate::{Result, Store, StoreError, flag, now};
use chrono::{Datelike, Duration, NaiveDate};
use domain::rectification::{Cadence, DirectiveStage, DirectiveStep, Stage, Step};
use sqlx::Row;

/// What the demo seeding added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitSeed {
    pub inspectors: usize,
    pub inspections: usize,
    pub findings: usize,
    pub directives: usize,
}

impl std::fmt::Display for VisitSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "已生成督导检查 {} 次(发现问题 {} 个,{} 名责任督学挂牌学校)、督办件 {} 件",
            self.inspections, self.findings, self.inspectors, self.directives
        )
    }
}

/// FNV-1a over the parts: the same picks everywhere.
fn hash(parts: &[i64]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn pick<T>(items: &[T], h: u64) -> &T {
    &items[usize::try_from(h % items.len() as u64).unwrap_or(0)]
}

fn days(n: u64) -> Duration {
    Duration::days(i64::try_from(n).unwrap_or(0))
}

const SCHOOL_PROBLEMS: [&str; 16] = [
    "消防通道堆放杂物,部分灭火器超过有效期",
    "课后服务台账不完整,缺少学生自愿参加的家长申请材料",
    "作业公示制度落实不到位,部分班级作业总量超标",
    "学生睡眠管理制度未上墙,午休安排不合理",
    "食堂陪餐记录缺失,食品留样不规范",
    "校园安全隐患排查记录不全,门卫登记不规范",
    "心理健康教育专职教师配备不足,心理辅导室未正常开放",
    "体育课时不足,大课间活动时间被挤占",
    "手机管理制度未告知家长,学生带手机入校现象较多",
    "读物进校园审核把关不严,图书馆存有不适宜读物",
    "实验室危化品管理台账不规范,双人双锁制度未落实",
    "教师有偿补课排查整治工作记录缺失",
    "校舍外墙局部脱落,存在安全隐患",
    "控辍保学台账更新不及时,个别学生去向不明",
    "课程开齐开足不到位,音体美课被占用",
    "校车接送管理制度不完善,随车照管人员记录缺失",
];

const DISTRICT_PROBLEMS: [&str; 10] = [
    "生均教学及辅助用房面积未达到优质均衡标准",
    "每百名学生拥有高于规定学历教师数不达标",
    "大班额问题未彻底消除,个别学校班额超过45人",
    "校际差异系数偏高,城乡学校办学条件差距较大",
    "教师交流轮岗比例未达到要求",
    "集团化办学实质性举措不足",
    "义务教育学校体育运动场馆面积不达标",
    "随迁子女在公办学校就读比例偏低",
    "特殊教育资源教室建设滞后",
    "学校规划布局调整未按时间节点推进",
];

const REQUIREMENTS: [&str; 4] = [
    "立即整改,举一反三排查同类问题,整改完成后报送整改情况及佐证材料",
    "制定整改方案,明确责任人和完成时限,按期报送整改进展",
    "建立长效机制,完善制度并组织培训,整改完成后申请核查销号",
    "限期整改到位,整改前后对比照片随整改报告一并报送",
];

const MEASURES: [&str; 5] = [
    "已召开专题会议研究部署,落实专人负责,问题已整改到位",
    "已完善相关制度并组织全体教职工学习,台账已补齐",
    "已清理整改,建立每周自查机制,附整改前后对比照片",
    "已制定整改方案并按节点推进,本月完成主要整改任务",
    "已落实资金和人员,完成整改并通过学校自查验收",
];

const RETURNS: [&str; 3] =
    ["佐证材料不充分,请补充整改前后对比照片", "整改不彻底,仍有同类问题,请继续整改", "台账缺少近期记录,请补齐后再报"];

const DIRECTIVES: [(&str, &str); 12] = [
    ("instruction", "关于做好校园周边交通安全整治的批示"),
    ("instruction", "关于加快推进城区学校扩容建设的批示"),
    ("instruction", "关于落实学生心理健康筛查工作的批示"),
    ("meeting", "局党组会议定:推进教师“县管校聘”改革"),
    ("meeting", "局长办公会议定:规范民办学校招生行为"),
    ("meeting", "专题会议定:做好秋季开学安全检查"),
    ("assigned", "省教育厅交办:义务教育优质均衡发展督导评估迎检准备"),
    ("assigned", "市政府交办:做好校园食品安全专项整治"),
    ("assigned", "省教育厅交办:推进“双减”工作落实情况自查"),
    ("other", "人大代表建议:关于增加城区公办幼儿园学位的建议办理"),
    ("other", "政协提案:关于加强乡村教师队伍建设的提案办理"),
    ("other", "群众来信:关于某校课后服务收费问题的核查"),
];

impl Store {
    /// Seeds the demo's visits of `today`'s year up to the day before `today`: every enabled
    /// inspector is assigned about five schools (the schools in turn), the office's first
    /// supervisor verifies, and each unit's first reporter reports. Run once, on a store with
    /// the directory loaded; refused when visits exist already.
    pub async fn seed_demo_visits(&self, today: NaiveDate) -> Result<VisitSeed> {
        let existing: i64 = sqlx::query("SELECT COUNT(*) FROM inspections").fetch_one(&self.pool).await?.get(0);
        if existing > 0 {
            return Err(StoreError::Conflict("已有督导检查数据,演示数据只生成一次".into()));
        }
        let ids = |rows: Vec<sqlx::any::AnyRow>| rows.iter().map(|r| r.get::<i64, _>(0)).collect::<Vec<_>>();
        let inspectors = ids(sqlx::query("SELECT id FROM users WHERE role = $1 AND disabled = 0 ORDER BY id")
            .bind(Role::Inspector.key())
            .fetch_all(&self.pool)
            .await?);
        let office = sqlx::query("SELECT id FROM users WHERE role = $1 AND disabled = 0 ORDER BY id LIMIT 1")
            .bind(Role::Supervisor.key())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get::<i64, _>(0));
        let schools =
            ids(sqlx::query("SELECT id FROM units WHERE kind = 'school' ORDER BY id").fetch_all(&self.pool).await?);
        let districts =
            ids(sqlx::query("SELECT id FROM units WHERE kind = 'district' ORDER BY id").fetch_all(&self.pool).await?);
        let departments = ids(sqlx::query("SELECT id FROM units WHERE kind = 'department' ORDER BY id")
            .fetch_all(&self.pool)
            .await?);
        let reporters: Vec<(i64, i64)> = sqlx::query(
            "SELECT unit_id, MIN(id) FROM users WHERE role = 'reporter' AND unit_id IS NOT NULL GROUP BY unit_id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let reporter = |unit: i64| reporters.iter().find(|(u, _)| *u == unit).map(|(_, id)| *id);
        if schools.is_empty() || districts.is_empty() {
            return Ok(VisitSeed::default());
        }
        // Visitors: the inspectors, or the office alone when there are none.
        let team: Vec<i64> = if inspectors.is_empty() { office.into_iter().collect() } else { inspectors.clone() };
        if team.is_empty() {
            return Ok(VisitSeed::default());
        }
        // Each inspector gets the schools in turn: with 14 schools and 3 inspectors, 5, 5, 4.
        let assigned: Vec<(i64, Vec<i64>)> = inspectors
            .iter()
            .enumerate()
            .map(|(k, id)| {
                (*id, schools.iter().enumerate().filter(|(i, _)| i % inspectors.len() == k).map(|(_, s)| *s).collect())
            })
            .collect();

        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 8).unwrap_or(today);
        let last = today - Duration::days(2);
        let span = u64::try_from((last - year_start).num_days().max(1)).unwrap_or(1);
        let at = now();
        let mut seed = VisitSeed { inspectors: assigned.len(), ..Default::default() };
        // The findings go into search as recorded ones do.
        let names: std::collections::HashMap<i64, String> =
            self.units().await?.into_iter().map(|u| (u.id, u.name)).collect();
        let mut docs = Vec::new();
        let mut tx = self.write_tx().await?;
        for (inspector, list) in &assigned {
            for school in list {
                sqlx::query("INSERT INTO inspector_schools (unit_id, user_id, assigned_at) VALUES ($1, $2, $3)")
                    .bind(*school)
                    .bind(*inspector)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        const VISITS: u64 = 60;
        for n in 0..VISITS {
            let h = hash(&[i64::try_from(n).unwrap_or(0), 20]);
            let visited_on = year_start + days(n * span / VISITS);
            // Six in ten are the responsible inspector's own visits; the rest the creation
            // visits to counties, topic visits and the annual inspection.
            let (kind, unit, mut visitors) = match n % 10 {
                0..=5 if !assigned.is_empty() => {
                    let (who, list) = pick(&assigned, h);
                    let unit = if list.is_empty() { *pick(&schools, h >> 8) } else { *pick(list, h >> 8) };
                    (0, unit, vec![*who])
                }
                0..=5 => (0, *pick(&schools, h >> 8), team.clone()),
                6 | 7 => (2, *pick(&districts, h >> 8), vec![*pick(&team, h >> 16)]),
                8 => (
                    1,
                    if h.is_multiple_of(2) { *pick(&schools, h >> 8) } else { *pick(&districts, h >> 8) },
                    vec![*pick(&team, h >> 16)],
                ),
                _ => (3, *pick(&schools, h >> 8), vec![*pick(&team, h >> 16)]),
            };
            if kind == 2 {
                visitors.extend(office);
                visitors.dedup();
            }
            let is_district = districts.contains(&unit);
            let summary = if is_district {
                "对照县域义务教育优质均衡发展评估指标,实地查看学校办学条件,查阅资料,座谈访谈。"
            } else {
                "实地查看校园安全、课后服务、五项管理等工作落实情况,查阅台账资料,与师生座谈。"
            };
            let inspection_id: i64 = sqlx::query(
                "INSERT INTO inspections (kind, visited_on, unit_id, summary, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(INSPECTION_KINDS[kind].0)
            .bind(visited_on.to_string())
            .bind(unit)
            .bind(summary)
            .bind(visitors.first().copied())
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            for v in &visitors {
                sqlx::query("INSERT INTO inspection_inspectors (inspection_id, user_id) VALUES ($1, $2)")
                    .bind(inspection_id)
                    .bind(*v)
                    .execute(&mut *tx)
                    .await?;
            }
            seed.inspections += 1;
            // Two to five findings; a few visits (one in twelve) find nothing.
            let findings = if h % 12 == 5 { 0 } else { 2 + (h >> 24) % 4 };
            for k in 0..findings {
                let fh = hash(&[inspection_id, i64::try_from(k).unwrap_or(0)]);
                let text = if is_district { *pick(&DISTRICT_PROBLEMS, fh) } else { *pick(&SCHOOL_PROBLEMS, fh) };
                let deadline = visited_on + days(15 * (1 + fh % 3));
                let severity = match fh % 10 {
                    0 => "serious",
                    1..=3 => "major",
                    _ => "general",
                };
                let steps = demo_steps(fh, visited_on, deadline, today);
                let mut stage = Stage::Issued;
                for (_, step) in &steps {
                    stage = stage.after(*step).map_err(|why| StoreError::Conflict(why.to_string()))?;
                }
                let finding_id: i64 = sqlx::query(
                    "INSERT INTO findings (inspection_id, position, text, task_id, severity, unit_id, deadline, \
                     requirement, stage, version, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10) \
                     RETURNING id",
                )
                .bind(inspection_id)
                .bind(i64::try_from(k + 1).unwrap_or(1))
                .bind(text)
                .bind(severity)
                .bind(unit)
                .bind(deadline.to_string())
                .bind(*pick(&REQUIREMENTS, fh >> 8))
                .bind(stage.key())
                .bind(i64::try_from(steps.len() + 1).unwrap_or(1))
                .bind(&at)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
                seed.findings += 1;
                let unit_name = names.get(&unit).map_or("", String::as_str);
                let visit = format!("{visited_on} {} {unit_name}", INSPECTION_KINDS[kind].1);
                let requirement: &&str = pick(&REQUIREMENTS, fh >> 8);
                docs.push(crate::inspections::finding_doc(
                    finding_id,
                    unit,
                    unit_name,
                    (&visit, visited_on),
                    text,
                    requirement,
                ));
                for (i, (on, step)) in steps.iter().enumerate() {
                    // Stored times keep the steps in order within a day.
                    let stamp = format!("{on}T0{}:00:00.000Z", i.min(9));
                    match step {
                        Step::Report { complete } => {
                            sqlx::query(
                                "INSERT INTO rectification_reports (finding_id, text, complete, user_id, on_date, at) \
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(finding_id)
                            .bind(*pick(&MEASURES, fh >> (12 + i)))
                            .bind(flag(*complete))
                            .bind(reporter(unit))
                            .bind(on.to_string())
                            .bind(&stamp)
                            .execute(&mut *tx)
                            .await?;
                        }
                        Step::Close | Step::Return => {
                            let (decision, comment) = match step {
                                Step::Close => ("close", ""),
                                _ => ("return", *pick(&RETURNS, fh >> 20)),
                            };
                            sqlx::query(
                                "INSERT INTO rectification_verifications (finding_id, decision, comment, user_id, \
                                 on_date, at) VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(finding_id)
                            .bind(decision)
                            .bind(comment)
                            .bind(office)
                            .bind(on.to_string())
                            .bind(&stamp)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
            }
        }

        crate::search::add_all(&mut tx, &docs).await?;

        // 督办件: three of each source, registered through the year.
        let leads: Vec<i64> = districts.iter().chain(departments.iter()).copied().collect();
        let mut directive_docs = Vec::new();
        for (n, (source, title)) in DIRECTIVES.iter().enumerate() {
            let n64 = i64::try_from(n).unwrap_or(0);
            let h = hash(&[n64, 21]);
            let registered = year_start + days(u64::try_from(n).unwrap_or(0) * span / 13 + h % 9);
            let deadline = registered + days(30 + 15 * (h % 4));
            let cadence = [Cadence::Once, Cadence::Weekly, Cadence::Monthly][n % 3];
            let lead = *pick(&leads, h >> 8);
            let co = *pick(&leads, h >> 16);
            let steps = directive_demo_steps(h, registered, deadline, today);
            let mut stage = DirectiveStage::Open;
            for (_, step, _) in &steps {
                stage = stage.after(*step).map_err(|why| StoreError::Conflict(why.to_string()))?;
            }
            debug_assert!(DIRECTIVE_SOURCES.iter().any(|(k, _)| k == source));
            let id: i64 = sqlx::query(
                "INSERT INTO directives (source, title, text, registered_on, deadline, cadence, stage, version, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(*source)
            .bind(*title)
            .bind(format!("{title}。请牵头单位会同配合单位抓紧办理,按要求反馈办理情况。"))
            .bind(registered.to_string())
            .bind(deadline.to_string())
            .bind(cadence.key())
            .bind(stage.key())
            .bind(i64::try_from(steps.len() + 1).unwrap_or(1))
            .bind(office)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            for (unit, role) in [(lead, "lead"), (co, "co")] {
                if role == "co" && co == lead {
                    continue;
                }
                sqlx::query("INSERT INTO directive_units (directive_id, unit_id, role) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(unit)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, (on, step, text)) in steps.iter().enumerate() {
                let stamp = format!("{on}T0{}:00:00.000Z", i.min(9));
                match step {
                    DirectiveStep::Feedback { done } => {
                        sqlx::query(
                            "INSERT INTO directive_feedback (directive_id, unit_id, text, done, user_id, on_date, at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(id)
                        .bind(lead)
                        .bind(*text)
                        .bind(flag(*done))
                        .bind(reporter(lead))
                        .bind(on.to_string())
                        .bind(&stamp)
                        .execute(&mut *tx)
                        .await?;
                    }
                    DirectiveStep::Close | DirectiveStep::Return => {
                        sqlx::query(
                            "INSERT INTO directive_decisions (directive_id, decision, comment, user_id, on_date, at) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(id)
                        .bind(if *step == DirectiveStep::Close { "close" } else { "return" })
                        .bind(*text)
                        .bind(office)
                        .bind(on.to_string())
                        .bind(&stamp)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            let text = format!("{title}。请牵头单位会同配合单位抓紧办理,按要求反馈办理情况。");
            let lead_name = names.get(&lead).map_or("", String::as_str);
            let units: Vec<i64> = if co == lead { vec![lead] } else { vec![lead, co] };
            directive_docs.push(crate::inspections::directive_doc(
                id,
                source,
                (lead_name, &units),
                title,
                &text,
                registered,
            ));
            seed.directives += 1;
        }
        crate::search::add_all(&mut tx, &directive_docs).await?;
        tx.commit().await?;
        Ok(seed)
    }
}

/// A finding's steps, by a profile the hash picks, up to the day before `today`: closed on
/// time, closed late, returned then closed, returned and left (overdue), reported and
/// waiting, partly done, or never touched (overdue once past its deadline).
fn demo_steps(h: u64, visited: NaiveDate, deadline: NaiveDate, today: NaiveDate) -> Vec<(NaiveDate, Step)> {
    let window = u64::try_from((deadline - visited).num_days().max(2)).unwrap_or(2);
    let report = visited + days(1 + (h >> 4) % (window - 1));
    let done = Step::Report { complete: true };
    let steps = match h % 20 {
        // Closed on time.
        0..=8 => vec![(report, done), (report + days(2 + (h >> 9) % 4), Step::Close)],
        // Reported late, closed late.
        9 | 10 => {
            let late = deadline + days(3 + (h >> 9) % 10);
            vec![(late, done), (late + days(3), Step::Close)]
        }
        // Returned once, then closed.
        11 | 12 => vec![
            (report, done),
            (report + days(3), Step::Return),
            (report + days(10), done),
            (report + days(13), Step::Close),
        ],
        // Returned and not reported since.
        13 | 14 => vec![(report, done), (report + days(3), Step::Return)],
        // Reported, waiting for verification.
        15 => vec![(report, done)],
        // Partly done.
        16 => vec![(report, Step::Report { complete: false })],
        // Nothing reported.
        _ => vec![],
    };
    steps.into_iter().filter(|(on, _)| *on < today).collect()
}

/// A 督办件's steps (with their text) by a profile, up to the day before `today`.
fn directive_demo_steps(
    h: u64,
    registered: NaiveDate,
    deadline: NaiveDate,
    today: NaiveDate,
) -> Vec<(NaiveDate, DirectiveStep, &'static str)> {
    let fb = |done| DirectiveStep::Feedback { done };
    let mid = registered + days(10);
    let end = deadline - days(3);
    let steps = match h % 6 {
        0 | 1 => vec![
            (mid, fb(false), "已召开专题会议部署,正在推进"),
            (end, fb(true), "已按要求办理完毕,请予确认"),
            (end + days(2), DirectiveStep::Close, ""),
        ],
        2 => vec![
            (mid, fb(true), "已办理完毕"),
            (mid + days(2), DirectiveStep::Return, "办理情况过于简略,请补充具体举措和成效"),
            (end, fb(true), "已补充办理情况和佐证材料"),
            (end + days(1), DirectiveStep::Close, ""),
        ],
        3 => vec![(mid, fb(false), "已制定工作方案,分解任务到人"), (end, fb(true), "已办理完毕,请予确认")],
        4 => vec![(mid, fb(true), "已办理"), (mid + days(2), DirectiveStep::Return, "请补充办理成效")],
        _ => vec![(mid, fb(false), "正在办理")],
    };
    steps.into_iter().filter(|(on, _, _)| *on < today).collect()
}
