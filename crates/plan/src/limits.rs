//! How big a plan may be, and what it must name before it is published. Pure, so the API,
//! the review page and the store apply one rule.
//!
//! Real plans have a few dozen items (Yingtan 2024: 47) naming a handful of units each; the
//! bounds are an order of magnitude above that, so that an oversized or hostile document is
//! refused with a sentence instead of being stored, published in minutes while every writer
//! waits, or silently cut short.

use crate::Plan;

/// The most items a plan may have.
pub const MAX_ITEMS: usize = 500;

/// The most units one item may name (a group such as 各区(市) counts once).
pub const MAX_UNITS_PER_ITEM: usize = 50;

/// The most targets or measures one item may have.
pub const MAX_PARTS_PER_ITEM: usize = 100;

/// Why a plan is too big to import or keep as a draft, as one sentence; `None` when it fits.
pub fn size_problem(plan: &Plan) -> Option<String> {
    if plan.items.len() > MAX_ITEMS {
        return Some(format!(
            "工作要点条目过多:识别到 {} 条,上限为 {MAX_ITEMS} 条。请拆分为多个文件分别导入",
            plan.items.len()
        ));
    }
    for item in &plan.items {
        let name = || format!("条目 {}{}", item.label, short(&item.title));
        if item.units.len() > MAX_UNITS_PER_ITEM {
            return Some(format!("{}列出 {} 个责任单位,上限为 {MAX_UNITS_PER_ITEM} 个", name(), item.units.len()));
        }
        if item.targets.len() > MAX_PARTS_PER_ITEM || item.measures.len() > MAX_PARTS_PER_ITEM {
            return Some(format!("{}的目标或举措过多(每条至多 {MAX_PARTS_PER_ITEM} 项)", name()));
        }
    }
    None
}

/// What a plan lacks before it can be published, one sentence each (empty: publishable): a
/// title, at least one item, a title and at least one responsible unit on every item, and a
/// size within the bounds above.
pub fn publish_problems(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    if plan.title.trim().is_empty() {
        problems.push("工作要点缺少标题".to_string());
    }
    if plan.items.is_empty() {
        problems.push("工作要点没有任何条目".to_string());
    }
    if let Some(p) = size_problem(plan) {
        problems.push(p);
    }
    let untitled: Vec<String> =
        plan.items.iter().filter(|i| i.title.trim().is_empty()).map(|i| i.number.to_string()).collect();
    if !untitled.is_empty() {
        problems.push(format!("以下条目缺少标题:{}", listed(&untitled)));
    }
    let orphans: Vec<String> = plan
        .items
        .iter()
        .filter(|i| i.units.iter().all(|u| u.name.trim().is_empty()))
        .map(|i| i.number.to_string())
        .collect();
    if !orphans.is_empty() {
        problems.push(format!("以下条目未指定责任单位:{}", listed(&orphans)));
    }
    problems
}

/// Item numbers as people read them: "第 1、5、7 条", the first 20 and how many more.
fn listed(numbers: &[String]) -> String {
    let shown = numbers.iter().take(20).cloned().collect::<Vec<_>>().join("、");
    if numbers.len() > 20 { format!("第 {shown} 条等 {} 条", numbers.len()) } else { format!("第 {shown} 条") }
}

fn short(title: &str) -> String {
    let t: String = title.chars().take(20).collect();
    if t.is_empty() { String::new() } else { format!("“{t}”") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Item, Role, UnitRef};

    fn item(number: u32, title: &str, units: &[&str]) -> Item {
        Item {
            number,
            label: format!("{number}."),
            title: title.into(),
            units: units
                .iter()
                .map(|u| UnitRef {
                    name: u.to_string(),
                    raw: u.to_string(),
                    role: Role::Responsible,
                    group: false,
                    known: true,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_plan_lists_everything_it_lacks() {
        let empty = Plan::default();
        assert_eq!(publish_problems(&empty), ["工作要点缺少标题", "工作要点没有任何条目"]);
        let plan = Plan {
            title: "2024年工作要点".into(),
            items: vec![item(1, "甲", &["余江区"]), item(2, "乙", &[]), item(3, " ", &["  "])],
            ..Default::default()
        };
        assert_eq!(publish_problems(&plan), ["以下条目缺少标题:第 3 条", "以下条目未指定责任单位:第 2、3 条"]);
        let fine = Plan { title: "要点".into(), items: vec![item(1, "甲", &["余江区"])], ..Default::default() };
        assert!(publish_problems(&fine).is_empty());
    }

    #[test]
    fn oversized_plans_are_named_as_such() {
        let many = Plan {
            title: "要点".into(),
            items: (1..=501).map(|n| item(n, "甲", &["余江区"])).collect(),
            ..Default::default()
        };
        assert_eq!(
            size_problem(&many),
            Some("工作要点条目过多:识别到 501 条,上限为 500 条。请拆分为多个文件分别导入".into())
        );
        assert_eq!(publish_problems(&many).len(), 1);
        let units: Vec<String> = (0..51).map(|n| format!("单位{n}")).collect();
        let refs: Vec<&str> = units.iter().map(String::as_str).collect();
        let wide = Plan { title: "要点".into(), items: vec![item(1, "甲", &refs)], ..Default::default() };
        assert!(size_problem(&wide).expect("too wide").contains("51 个责任单位"));
        let max = Plan { items: (1..=500).map(|n| item(n, "甲", &["余江区"])).collect(), ..many };
        assert_eq!(size_problem(&max), None);
    }
}
