//! The readable outline of a parsed plan, for `duban plan parse --format text` and the demo.

use plan::{Plan, Role};
use std::fmt::Write;

fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

pub fn render(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "《{}》", if plan.title.is_empty() { "(未识别标题)" } else { &plan.title });
    let m = &plan.meta;
    let mut meta = Vec::new();
    for (label, value) in [
        ("发文机关", m.issuer.clone()),
        ("文号", m.doc_no.clone()),
        ("成文日期", m.date.clone()),
        ("年度", m.year.map(|y| y.to_string())),
        ("索引号", m.index_no.clone()),
    ] {
        if let Some(v) = value {
            meta.push(format!("{label}:{v}"));
        }
    }
    if !meta.is_empty() {
        let _ = writeln!(s, "{}", meta.join("  "));
    }
    let targets: usize = plan.items.iter().map(|i| i.targets.len()).sum();
    let _ = writeln!(
        s,
        "格式:{}  部分:{}  条目:{}  量化目标:{}  提示:{}",
        plan.format,
        plan.sections.len(),
        plan.items.len(),
        targets,
        plan.warnings.len()
    );
    let mut section = None;
    for item in &plan.items {
        if section != Some(item.section) {
            section = Some(item.section);
            if let Some(sec) = plan.sections.iter().find(|x| x.number == item.section) {
                let _ = writeln!(s, "\n{}{}", sec.label, sec.title);
            }
        }
        let _ = writeln!(s, "  {} {}", item.label, item.title);
        if !item.units.is_empty() {
            // One line per role, in the order a 任务分工表 lists them.
            let mut parts = Vec::new();
            for (role, label) in [(Role::Responsible, "责任单位"), (Role::Lead, "牵头单位"), (Role::Co, "配合单位")]
            {
                let names: Vec<String> = item
                    .units
                    .iter()
                    .filter(|u| u.role == role)
                    .map(|u| if u.group { format!("{}(组)", u.name) } else { u.name.clone() })
                    .collect();
                if !names.is_empty() {
                    parts.push(format!("{label}:{}", names.join("、")));
                }
            }
            let _ = writeln!(s, "      {}", parts.join(";"));
        }
        for t in &item.targets {
            let value = match t.max {
                Some(max) => format!("{}-{}", fmt_number(t.value), fmt_number(max)),
                None => fmt_number(t.value),
            };
            let mut line = format!("      目标:{} {} {}{}", t.subject, t.comparator.symbol(), value, t.unit);
            if let Some(p) = &t.per {
                let _ = write!(line, "(按{p})");
            }
            if let Some(d) = &t.deadline {
                let _ = write!(line, "(时限:{d})");
            }
            let _ = writeln!(s, "{line}");
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(s, "\n提示:");
        for w in &plan.warnings {
            match w.item {
                Some(n) => {
                    let _ = writeln!(s, "  [第{n}条] {}", w.message);
                }
                None => {
                    let _ = writeln!(s, "  {}", w.message);
                }
            }
        }
    }
    s
}
