//! Quantitative targets: "新建幼儿园3所", "占比达到57%", "1400人以上", "1-2所", "800个左右".
//!
//! A number is a target only when a counting unit follows it. Ordinals (第40个), years
//! (2024年), versions (2.0), formulas (3+1+2) and slogans (四个意识, 一校一品) are not: the
//! first four have no counting unit or are marked by 第/+, and Chinese numerals only count
//! after a verb of building or reaching ("新建三所") or with an explicit comparator.

use crate::model::{Comparator, Target};
use crate::numerals::chinese_number;
use regex::Regex;
use std::sync::LazyLock;

const UNITS: &str = "个工作日|工作日|万平方米|平方米|延长米|万人次|人次|万人|万名|万元|亿元|场次|万册|个百分点|百分点|%|％|‰|所|个|人|家|名|项|场|次|间|座|套|台|张|亩|公里|千米|学时|课时|小时|元|节|门|本|册|件|支|期|班|处|条|篇|部|位|辆|户|种|天";

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?x)
        (?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百千万〇零]+)
        (?:\s*(?P<dash>[-~～—–至到])\s*(?P<num2>\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+))?
        (?P<approx>余|多)?
        \s*(?P<unit>{UNITS})
        (?P<post>及以上|以上|及以下|以下|以内|左右|上下)?"
    ))
    .expect("valid regex")
});

static UNIT_START: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^(?:{UNITS})")).expect("valid regex"));

/// Whether `s` begins with a counting unit ("所", "万人", "%"): the digits before it are a
/// quantity. A unit character that opens a word ("121人才梯队", "3项目") is not one.
pub fn starts_with_unit(s: &str) -> bool {
    UNIT_START.is_match(s) && !opens_word(s)
}

/// Words that begin with a counting unit's character: after a number they name a thing, so
/// the number is a label or a name ("121人才梯队项目"), not a count of 人.
const UNIT_WORDS: &[&str] = &[
    "人才", "人员", "人民", "人口", "人大", "人事", "人居", "人文", "人工", "人防", "人社", "家庭", "家长", "名师",
    "名校", "名单", "项目", "场所", "场馆", "场景", "所有", "所属", "次数", "台账", "本科", "班子", "条件", "部门",
    "门户", "期间", "处理", "件事",
];

fn opens_word(s: &str) -> bool {
    UNIT_WORDS.iter().any(|w| s.starts_with(w))
}

/// Units that also measure time or frequency ("24小时值班", "每年两次"): counted only with a
/// comparator or a verb of achievement before them.
const WEAK_UNITS: &[&str] = &[
    "小时", "天", "次", "期", "节", "门", "部", "处", "条", "篇", "位", "种", "本", "册", "件", "支", "班", "场", "户",
];

/// Comparators written before the number, longest first.
const PREFIXES: &[(&str, Comparator)] = &[
    ("不应少于", Comparator::AtLeast),
    ("不得少于", Comparator::AtLeast),
    ("应不少于", Comparator::AtLeast),
    ("不应低于", Comparator::AtLeast),
    ("不得低于", Comparator::AtLeast),
    ("不应超过", Comparator::AtMost),
    ("不得超过", Comparator::AtMost),
    ("不少于", Comparator::AtLeast),
    ("不低于", Comparator::AtLeast),
    ("不小于", Comparator::AtLeast),
    ("至少", Comparator::AtLeast),
    ("超过", Comparator::AtLeast),
    ("高于", Comparator::AtLeast),
    ("提高到", Comparator::AtLeast),
    ("提升到", Comparator::AtLeast),
    ("提高至", Comparator::AtLeast),
    ("提升至", Comparator::AtLeast),
    ("增加到", Comparator::AtLeast),
    ("增至", Comparator::AtLeast),
    ("达到", Comparator::AtLeast),
    ("达", Comparator::AtLeast),
    ("不超过", Comparator::AtMost),
    ("压缩至", Comparator::AtMost),
    ("压缩到", Comparator::AtMost),
    ("压减至", Comparator::AtMost),
    ("缩短至", Comparator::AtMost),
    ("缩短到", Comparator::AtMost),
    ("减少到", Comparator::AtMost),
    ("减少至", Comparator::AtMost),
    ("不高于", Comparator::AtMost),
    ("不多于", Comparator::AtMost),
    ("控制在", Comparator::AtMost),
    ("降至", Comparator::AtMost),
    ("降低到", Comparator::AtMost),
    ("低于", Comparator::AtMost),
    ("少于", Comparator::AtMost),
    ("大约", Comparator::About),
    ("约", Comparator::About),
    ("近", Comparator::About),
];

/// The comparator of "至少" standing a few words before its number.
static AT_LEAST: (&str, Comparator) = ("至少", Comparator::AtLeast);

/// Verbs after which a Chinese numeral counts as a target ("新建三所幼儿园").
const TARGET_VERBS: &[&str] = &[
    "新建",
    "新增",
    "建成",
    "建设",
    "创建",
    "培育",
    "打造",
    "完成",
    "新改扩建",
    "改扩建",
    "培养",
    "招聘",
    "引进",
    "认定",
    "评选",
    "遴选",
    "增加",
    "新开",
    "开设",
    "开办",
    "建好",
    "办好",
    "评定",
    "选树",
    "命名",
    "安排",
    "改造",
];

/// Words that start a clause without belonging to its subject.
const LEADING_NOISE: &[&str] = &["力争", "确保", "实现", "持续", "争取", "全面", "努力", "进一步", "要", "使"];

/// Subject endings that name a measured quantity ("…率", "…占比", "…人数").
const METRIC_ENDINGS: &[&str] = &["率", "比", "比例", "占比", "人数", "数", "面积", "总量", "规模", "水平", "学位"];

/// Words after which the text following a number stops naming what is counted.
const PREDICATES: &[&str] = &["基本", "全部", "全面", "建设", "优化", "升格", "达到", "完成", "实现", "纳入"];

static PER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(每[个所一]?|各)[\p{Han}]{0,6}?(职业学校|专业点|学校|幼儿园|园|校|县|区|县区|单位|院校|专业|班级|乡镇)",
    )
    .expect("valid regex")
});
static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:到|至|于)?\d{4}年(?:底|末|年底|上半年|下半年|前|\d{1,2}月(?:底|前|末)?)?)").expect("valid regex")
});

fn is_clause_break(c: char) -> bool {
    matches!(c, ',' | '，' | ';' | '；' | '。' | ':' | '：' | '!' | '！' | '?' | '？' | '\n')
}

/// Full-width digits ("１件以上", as some pages type them) read as ASCII ones.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            c => c,
        })
        .collect()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn parse_value(s: &str) -> Option<f64> {
    let s = ascii_digits(s);
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        s.parse().ok()
    } else {
        chinese_number(&s).map(|v| v as f64)
    }
}

/// "每年2万元的运营补贴政策": the clause after 的 names a policy's terms, not a result.
fn is_policy_term(after: &str) -> bool {
    let clause = after.split(is_clause_break).next().unwrap_or(after);
    ["补贴政策", "补助政策", "奖励政策", "优惠政策", "补贴标准", "补助标准"].iter().any(|w| clause.contains(w))
}

/// Units of time after which 内 means "within" ("3小时内便捷通关", "5个工作日内办结").
const WITHIN_UNITS: &[&str] = &["小时", "天", "工作日", "个工作日", "日"];

/// "至少" a few words before the number ("每半年至少专题研究一次", "至少组织1次演练"): the
/// comparator governs the verb phrase and its count.
fn at_least_before_verb(before: &str) -> bool {
    let tail = tail_chars(before, 8);
    tail.rfind("至少").is_some_and(|i| {
        let between = &tail[i + "至少".len()..];
        between.chars().count() <= 6 && between.chars().all(crate::text::is_han)
    })
}

static PERCENT_IN_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"百分之(?P<int>[〇零一二两三四五六七八九十百]+)(?:点(?P<frac>[〇零一二三四五六七八九]+))?(?P<post>以上|以下|以内|左右)?")
        .expect("valid regex")
});

/// "百分之九十五点五" as a number.
fn percent_in_words(c: &regex::Captures<'_>) -> Option<f64> {
    let int = chinese_number(&c["int"])? as f64;
    let frac = match c.name("frac") {
        Some(f) => {
            let digits: String = f
                .as_str()
                .chars()
                .filter_map(|ch| chinese_number(&ch.to_string()))
                .map(|d| char::from(b'0' + d as u8))
                .collect();
            format!("0.{digits}").parse::<f64>().ok()?
        }
        None => 0.0,
    };
    Some(int + frac)
}

/// The quantitative targets stated in one sentence, in order.
pub fn find_targets(sentence: &str) -> Vec<Target> {
    let mut out = Vec::new();
    for c in PERCENT_IN_WORDS.captures_iter(sentence) {
        let whole = c.get(0).expect("match");
        let Some(value) = percent_in_words(&c) else {
            continue;
        };
        let before = &sentence[..whole.start()];
        let prefix = longest_prefix(before.trim_end());
        let comparator = match c.name("post").map(|m| m.as_str()) {
            Some("以上") => Comparator::AtLeast,
            Some("以下" | "以内") => Comparator::AtMost,
            Some(_) => Comparator::About,
            None => prefix.map_or(Comparator::Exactly, |p| p.1),
        };
        let clause_start = before.rfind(is_clause_break).map_or(0, |i| i + char_len_at(before, i));
        let rest = &sentence[whole.end()..];
        let clause_end = rest.find(is_clause_break).map_or(sentence.len(), |i| whole.end() + i);
        out.push(Target {
            subject: subject(&sentence[clause_start..whole.start()], prefix.map(|p| p.0), ""),
            value,
            max: None,
            unit: "%".into(),
            comparator,
            per: None,
            deadline: None,
            text: sentence[clause_start..clause_end].trim().to_string(),
        });
    }
    for c in NUMBER.captures_iter(sentence) {
        let whole = c.get(0).expect("match");
        let num = c.name("num").expect("num");
        let unit = c.name("unit").expect("unit").as_str();
        let chinese = !num.as_str().starts_with(is_digit);
        let before = &sentence[..num.start()];
        let after = &sentence[whole.end()..];
        let prev = before.chars().last();
        // "121人才梯队项目": the unit's character opens a word; nothing is counted.
        if opens_word(&sentence[c.name("unit").expect("unit").start()..]) {
            continue;
        }

        // Ordinals, formulas, codes and versions.
        if matches!(prev, Some('第' | '+' | '.' | '．')) || prev.is_some_and(|p| p.is_ascii_alphanumeric()) {
            continue;
        }
        if after.starts_with(['+', '.']) {
            continue;
        }
        // "300人以下规模的学校", "规模以上企业", "30人(含)以下的企业": a size class, not a goal;
        // "下调费率50%的政策": a rule's parameter.
        // "70%以上的医疗机构…" is a share to reach, though: a percentage is no size class.
        let percent = matches!(unit, "%" | "％");
        if after.starts_with("规模")
            || (c.name("post").is_some() && after.starts_with('的') && !percent)
            || after.starts_with("(含)")
            || after.starts_with("（含）")
            || ["的政策", "的标准", "的补贴", "的补助", "的奖励"].iter().any(|w| after.starts_with(w))
            || (after.starts_with('的') && is_policy_term(after))
        {
            continue;
        }
        // "给予12个月渐退期", "为期24个月": a length of time, not a count of things; "打造24小时
        // 自助服务区": round the clock, a kind of service.
        if (unit == "个" && after.starts_with('月'))
            || before.ends_with("为期")
            || (unit == "小时" && num.as_str() == "24" && c.name("post").is_none())
        {
            continue;
        }
        // "由苏澳、平原等5个乡镇负责": a count of the units just listed as doing the work, not a
        // goal (whereas "启动东澳、葫芦澳等2个渔港经济区建设" counts what is to be built);
        // "按50%收取", "100%即征即退": a rate a rule applies.
        let rest_of_clause = after.split(is_clause_break).next().unwrap_or(after);
        let names_doers = ["负责", "牵头", "承担", "配合"].iter().any(|w| rest_of_clause.contains(w));
        if (before.ends_with('等') && names_doers) || before.ends_with('按') || after.starts_with("即征即退") {
            continue;
        }
        // "至少建成1个": a comparator may stand before the verb.
        let before_verb = TARGET_VERBS.iter().find_map(|v| before.trim_end().strip_suffix(v)).unwrap_or(before);
        let prefix = longest_prefix(before.trim_end())
            .or_else(|| longest_prefix(before_verb.trim_end()))
            .or_else(|| at_least_before_verb(before).then_some(&AT_LEAST));
        // "3小时内": within a time.
        let within = c.name("post").is_none() && WITHIN_UNITS.contains(&unit) && after.starts_with('内');
        let post = c.name("post").map(|m| m.as_str()).or(within.then_some("以内"));
        let verb_before = TARGET_VERBS.iter().any(|v| before.ends_with(v))
            || TARGET_VERBS.iter().any(|v| tail_chars(before, 8).contains(v));
        let has_comparator = prefix.is_some() || post.is_some() || c.name("dash").is_some();
        if chinese {
            // Slogans: "一校一品", "一乡一策", "四个意识", "五比五看".
            let verb_right_before = TARGET_VERBS.iter().any(|v| before.ends_with(v));
            if is_slogan(num.as_str(), before, after) || !(verb_right_before || has_comparator) {
                continue;
            }
            // "建设一支…队伍", "开展一次…": 一 before a unit of time or kind is an article.
            if num.as_str() == "一" && WEAK_UNITS.contains(&unit) && !has_comparator {
                continue;
            }
        }
        if WEAK_UNITS.contains(&unit) && !(has_comparator || verb_before) {
            continue;
        }
        let Some(value) = parse_value(num.as_str()) else {
            continue;
        };
        // "补助不超过100万元": a cap on money is a rule for spending, not a result to reach.
        let money = matches!(unit, "元" | "万元" | "亿元");
        let capped =
            prefix.is_some_and(|p| p.1 == Comparator::AtMost) || matches!(post, Some("以下" | "及以下" | "以内"));
        if money && capped {
            continue;
        }
        let max = c.name("num2").and_then(|m| parse_value(m.as_str()));
        if max.is_some_and(|m| m < value) {
            continue;
        }
        let comparator = if max.is_some() {
            Comparator::Range
        } else if let Some(p) = post {
            match p {
                "以上" | "及以上" => Comparator::AtLeast,
                "以下" | "及以下" | "以内" => Comparator::AtMost,
                _ => Comparator::About,
            }
        } else if c.name("approx").is_some() {
            Comparator::AtLeast
        } else if let Some((_, cmp)) = prefix {
            *cmp
        } else {
            Comparator::Exactly
        };

        let clause_start = before.rfind(is_clause_break).map_or(0, |i| i + char_len_at(before, i));
        let clause_end = after.find(is_clause_break).map_or(sentence.len(), |i| whole.end() + i);
        let clause = sentence[clause_start..clause_end].trim();
        let subject =
            subject(&sentence[clause_start..num.start()], prefix.map(|p| p.0), &after[..clause_end - whole.end()]);
        let scope_text = &sentence[..num.start()];
        let per = PER
            .find_iter(&sentence[clause_start..num.start()])
            .last()
            .map(|m| m.as_str().to_string())
            .filter(|p| p.starts_with('每') || p.chars().count() >= 3);
        let deadline = DEADLINE
            .captures_iter(scope_text)
            .last()
            .map(|d| d[1].to_string())
            .filter(|d| d.contains(['底', '末', '前', '月']) || d.starts_with(['到', '至']));
        let unit = match unit {
            "％" => "%",
            "个工作日" => "工作日",
            "个百分点" => "百分点",
            u => u,
        };
        out.push(Target {
            subject,
            value,
            max,
            unit: unit.to_string(),
            comparator,
            per,
            deadline,
            text: clause.to_string(),
        });
    }
    out
}

/// The comparator written right before a number: the longest that fits, so 不超过 is not
/// read as 超过 nor 不应少于 as 少于.
fn longest_prefix(before: &str) -> Option<&'static (&'static str, Comparator)> {
    PREFIXES.iter().filter(|(p, _)| before.ends_with(p)).max_by_key(|(p, _)| p.len())
}

fn char_len_at(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

fn tail_chars(s: &str, n: usize) -> &str {
    let start = s.char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i);
    &s[start..]
}

/// Numbered slogans repeat a pattern ("一校一品", "一乡一策") or are fixed phrases
/// that happen to contain a counting unit ("四个意识", "两个维护", "三位一体").
fn is_slogan(num: &str, before: &str, after: &str) -> bool {
    let next_two: String = after.chars().take(3).collect();
    let prev_two: String = before.chars().rev().take(2).collect();
    next_two.contains(['一', '二', '两', '三', '四', '五']) || prev_two.contains('一') && num == "一"
}

/// What the target counts: the words before the number when they name a quantity
/// ("公办在园幼儿数占比达到57%"), else the noun after it ("打造3个特色专业").
fn subject(before: &str, prefix: Option<&str>, after: &str) -> String {
    let mut b = before.trim();
    if let Some(p) = prefix {
        b = b.strip_suffix(p).unwrap_or(b).trim_end();
    }
    for w in ["持续", "均", "要", "稳定"] {
        b = b.strip_suffix(w).unwrap_or(b);
    }
    loop {
        let stripped = LEADING_NOISE.iter().find_map(|w| b.strip_prefix(w));
        match stripped {
            Some(s) => b = s,
            None => break,
        }
    }
    // Drop a leading date ("2024年底高中阶段…") which is the deadline, not the subject.
    if let Some(m) = DEADLINE.find(b).filter(|m| m.start() == 0) {
        b = &b[m.end()..];
    }
    let after = after.trim();
    let verb_ending = TARGET_VERBS.iter().any(|v| b.ends_with(v)) || b.ends_with(['的', '有']) || b.ends_with("达到");
    let use_before = !b.is_empty()
        && !b.contains('、')
        && (!verb_ending || after.is_empty())
        && (METRIC_ENDINGS.iter().any(|e| b.ends_with(e)) || after.is_empty() || b.chars().count() <= 12);
    if use_before {
        b.to_string()
    } else if !after.is_empty() {
        // "89所小规模学校基本优化到位": the noun, without what is to happen to it.
        let cut = PREDICATES.iter().filter_map(|p| after.find(p)).filter(|&i| i > 0).min().unwrap_or(after.len());
        after[..cut].to_string()
    } else {
        b.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Target {
        let t = find_targets(s);
        assert_eq!(t.len(), 1, "{s}: {t:?}");
        t.into_iter().next().expect("one")
    }

    #[test]
    fn plain_counts_and_comparators() {
        let t = one("新建幼儿园3所");
        assert_eq!(
            (t.value, t.unit.as_str(), t.comparator, t.subject.as_str()),
            (3.0, "所", Comparator::Exactly, "新建幼儿园")
        );
        let t = one("新增学位800个左右");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (800.0, "个", Comparator::About));
        let t = one("安装边石1000延长米");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (1000.0, "延长米", Comparator::Exactly));
        let t = one("全市公办在园幼儿数占比达到57%");
        assert_eq!(
            (t.value, t.unit.as_str(), t.comparator, t.subject.as_str()),
            (57.0, "%", Comparator::AtLeast, "全市公办在园幼儿数占比")
        );
        let t = one("力争2024年底高中阶段教育毛入学率达到95.5%");
        assert_eq!((t.value, t.comparator, t.deadline.as_deref()), (95.5, Comparator::AtLeast, Some("2024年底")));
        assert_eq!(t.subject, "高中阶段教育毛入学率");
        let t = one("推动1-2所中职学校升格为省级B档学校");
        assert_eq!((t.value, t.max, t.unit.as_str(), t.comparator), (1.0, Some(2.0), "所", Comparator::Range));
        let t = one("每个职业学校要打造3个以上特色专业或特色专业群");
        assert_eq!((t.value, t.comparator, t.per.as_deref()), (3.0, Comparator::AtLeast, Some("每个职业学校")));
        assert_eq!(t.subject, "特色专业或特色专业群");
        let t = one("各专业点企业兼职教师聘用人数不少于2人");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (2.0, "人", Comparator::AtLeast));
        let t = one("每年取得技能等级证书学生人数1400人以上");
        assert_eq!((t.value, t.comparator), (1400.0, Comparator::AtLeast));
        let t = one("班额控制在45人以内");
        assert_eq!((t.value, t.comparator), (45.0, Comparator::AtMost));
        let t = one("新建三所幼儿园");
        assert_eq!((t.value, t.unit.as_str()), (3.0, "所"));
        let t = one("覆盖率提高到百分之九十五");
        assert_eq!(t.value, 95.0);
        let t = one("创建标准化学校达到 250 所");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (250.0, "所", Comparator::AtLeast));
        let t = one("培训教师1.2万名");
        assert_eq!((t.value, t.unit.as_str()), (1.2, "万名"));
        let t = one("举办送教下乡活动不少于30场次");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (30.0, "场次", Comparator::AtLeast));
        let t = one("安排公费师范生80个左右");
        assert_eq!((t.value, t.comparator), (80.0, Comparator::About));
        let t = one("集中培训时间不应少于7天");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (7.0, "天", Comparator::AtLeast));
        let t = one("每年培训不超过3次");
        assert_eq!(t.comparator, Comparator::AtMost);
        let t = one("项目审批时间压缩在20个工作日以内");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (20.0, "工作日", Comparator::AtMost));
        let t = one("贫困生资助覆盖率不低于98%");
        assert_eq!(t.comparator, Comparator::AtLeast);
        let t = one("完成棚户区改造2836户");
        assert_eq!((t.value, t.unit.as_str(), t.comparator), (2836.0, "户", Comparator::Exactly));
    }

    #[test]
    fn not_targets() {
        for s in [
            "开展第40个教师节系列庆祝活动",
            "举行第27届推动普周活动",
            "推动赣教云教学通2.0”智慧作业的应用工作",
            "稳步推进“3+1+2”新高考改革",
            "实施“1+X”证书制度",
            "制定并实施十四五全市学前教育发展提升计划",
            "增强四个意识,坚定四个自信,做到两个维护",
            "推动五育并举落地见效",
            "继续开好五比五看一争先品牌活动",
            "严格落实两个只增不减",
            "加强基层党组织一校一品党建文化品牌建设",
            "按照一乡一策”“一校一案”“一生一档的要求",
            "全市300人以下规模的农村学校初中学生基本优化到县城初中就读",
            "职业学校每个专业点校企合作的规模以上企业",
            "深入推进督政、督学、质量监测三位一体的教育督导体制机制改革",
            "切实做好2024年第一年新高考组考",
            "力争三年时间",
            "持续开展四个机关建设",
            "实行24小时值班",
            "单个项目补助不超过100万元",
            "奖励资金最高不超过50万元",
            "在职职工总数30人(含)以下的企业暂免征收",
            "实施阶段性下调工伤保险费率50%的政策",
            "121人才梯队项目",
            "加快建设一支高素质、创新型教育人才队伍",
            "由苏澳、平原、芦洋、中楼、岚城等5个乡镇负责",
            "公共资源交易平台交易服务费按50%收取",
            "可享受增值税100%即征即退政策",
            "组织召开一次专题部署会",
            "落实社区居家养老服务中心每年2万元的运营补贴政策",
            "给予12个月渐退期",
            "打造24小时自助服务区",
            "将为入驻的台青小微企业提供为期24个月免租金优惠",
        ] {
            assert!(find_targets(s).is_empty(), "{s}: {:?}", find_targets(s));
        }
    }

    #[test]
    fn full_width_digits_within_a_time_and_at_least_before_the_verb() {
        for (sentence, value, unit, comparator) in [
            ("今年要选择１件以上重大行政决策项目开展评估", 1.0, "件", Comparator::AtLeast),
            ("实现台湾农渔产品3小时内便捷通关目标", 3.0, "小时", Comparator::AtMost),
            ("70%以上的医疗机构为居家老年人提供服务", 70.0, "%", Comparator::AtLeast),
            ("启动东澳中心渔港、葫芦澳等2个渔港经济区建设", 2.0, "个", Comparator::Exactly),
            ("每半年至少组织1次生产安全事故应急救援演练", 1.0, "次", Comparator::AtLeast),
            ("领导小组每半年至少专题研究一次安全生产工作", 1.0, "次", Comparator::AtLeast),
        ] {
            let t = one(sentence);
            assert_eq!((t.value, t.unit.as_str(), t.comparator), (value, unit, comparator), "{sentence}");
        }
    }
}
