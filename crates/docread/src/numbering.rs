//! Word's automatic list numbering. Word stores "一、", "（二）", "3." labels of numbered
//! paragraphs not as text but as a list definition (word/numbering.xml) plus a counter it
//! keeps while rendering. Chinese plans typed in Word use this a lot, and without the labels
//! the outline of the plan is lost, so the labels are rebuilt here the way Word shows them.
//!
//! Supported: `w:abstractNum` levels (`w:start`, `w:numFmt`, `w:lvlText`, `w:suff`,
//! `w:isLgl`, `w:pStyle`), `w:num` instances with `w:lvlOverride` (`w:startOverride` or a
//! whole `w:lvl`), and numbering attached through paragraph styles (word/styles.xml,
//! following `w:basedOn`). Not supported: list styles (`w:numStyleLink`), `w:lvlRestart`
//! other than the default, legacy numbering.
//!
//! Counters: Word continues a list across `w:num` instances that share an abstract
//! definition unless the instance restarts it with an override, so counters are kept per
//! abstract definition, or per instance when the instance has overrides.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use crate::ReadError;
use crate::xml;

const LEVELS: usize = 9;

#[derive(Debug, Clone, Default)]
struct Level {
    start: Option<u32>,
    format: Option<String>,
    text: Option<String>,
    /// `w:suff`: "tab" (Word's default), "space" or "nothing".
    suffix: Option<String>,
    legal: bool,
    style: Option<String>,
}

impl Level {
    fn start(&self) -> u32 {
        self.start.unwrap_or(1)
    }
}

#[derive(Debug, Clone, Default)]
struct Instance {
    abstract_id: u32,
    /// Per level: a start override and/or a replacement level definition.
    overrides: HashMap<usize, (Option<u32>, Option<Level>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CounterKey {
    Abstract(u32),
    Instance(u32),
}

/// A paragraph's numbering reference: `w:numId` and `w:ilvl`, either of which may be absent
/// and then comes from the paragraph style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NumRef {
    pub num_id: Option<u32>,
    pub level: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct Style {
    based_on: Option<String>,
    num: NumRef,
}

/// List definitions, paragraph styles and the running counters of one document.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    abstracts: HashMap<u32, Vec<Level>>,
    instances: HashMap<u32, Instance>,
    styles: HashMap<String, Style>,
    counters: HashMap<CounterKey, [Option<u32>; LEVELS]>,
}

impl Numbering {
    /// Reads word/numbering.xml and word/styles.xml (either may be absent).
    pub fn parse(numbering: Option<&str>, styles: Option<&str>) -> Result<Self, ReadError> {
        let mut n = Numbering::default();
        if let Some(xml) = numbering {
            n.parse_numbering(xml)?;
        }
        if let Some(xml) = styles {
            n.parse_styles(xml)?;
        }
        Ok(n)
    }

    fn parse_numbering(&mut self, text: &str) -> Result<(), ReadError> {
        const PART: &str = "word/numbering.xml";
        let mut reader = xml::reader(text);
        let mut abstract_id: Option<u32> = None;
        let mut abstract_levels: Vec<Level> = Vec::new();
        let mut num: Option<(u32, Instance)> = None;
        let mut override_level: Option<usize> = None;
        // The level being read: its index and definition.
        let mut level: Option<(usize, Level)> = None;
        let mut skip_depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|_| xml::malformed(PART, reader.error_position()))?;
            let (e, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    if skip_depth > 0 {
                        skip_depth -= 1;
                        continue;
                    }
                    match e.local_name().as_ref() {
                        "abstractNum" => {
                            if let Some(id) = abstract_id.take() {
                                self.abstracts.insert(id, std::mem::take(&mut abstract_levels));
                            }
                        }
                        "num" => {
                            if let Some((id, inst)) = num.take() {
                                self.instances.insert(id, inst);
                            }
                        }
                        "lvlOverride" => override_level = None,
                        "lvl" => {
                            if let Some((ilvl, lvl)) = level.take() {
                                store_level(ilvl, lvl, &mut abstract_levels, num.as_mut(), override_level);
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            if skip_depth > 0 {
                if !empty {
                    skip_depth += 1;
                }
                continue;
            }
            match e.local_name().as_ref() {
                // Only the newer-Word branch of alternate content is read.
                "Fallback" if !empty => skip_depth = 1,
                "abstractNum" if !empty => {
                    abstract_id = xml::attr(&e, "abstractNumId").and_then(|v| v.parse().ok());
                    abstract_levels = vec![Level::default(); LEVELS];
                }
                "num" if !empty => {
                    let id = xml::attr(&e, "numId").and_then(|v| v.parse().ok());
                    num = id.map(|id| (id, Instance::default()));
                }
                "abstractNumId" => {
                    if let (Some((_, inst)), Some(v)) = (num.as_mut(), xml::val_u32(&e)) {
                        inst.abstract_id = v;
                    }
                }
                "lvlOverride" if !empty => override_level = level_index(&e),
                "startOverride" => {
                    if let (Some((_, inst)), Some(ilvl)) = (num.as_mut(), override_level) {
                        inst.overrides.entry(ilvl).or_default().0 = xml::val_u32(&e);
                    }
                }
                "lvl" if !empty => level = level_index(&e).map(|i| (i, Level::default())),
                name => {
                    if let Some((_, lvl)) = level.as_mut() {
                        read_level_property(lvl, name, &e);
                    }
                }
            }
        }
        Ok(())
    }

    fn parse_styles(&mut self, text: &str) -> Result<(), ReadError> {
        const PART: &str = "word/styles.xml";
        let mut reader = xml::reader(text);
        let mut current: Option<(String, Style)> = None;
        let mut skip_depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|_| xml::malformed(PART, reader.error_position()))?;
            let (e, empty) = match event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    if skip_depth > 0 {
                        skip_depth -= 1;
                    } else if e.local_name().as_ref() == "style"
                        && let Some((id, style)) = current.take()
                    {
                        self.styles.insert(id, style);
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            if skip_depth > 0 {
                if !empty {
                    skip_depth += 1;
                }
                continue;
            }
            match e.local_name().as_ref() {
                "Fallback" | "pPrChange" | "rPrChange" if !empty => skip_depth = 1,
                "style" if !empty => {
                    current = xml::attr(&e, "styleId").map(|id| (id, Style::default()));
                }
                "basedOn" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.based_on = xml::attr(&e, "val");
                    }
                }
                "numId" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.num.num_id = xml::val_u32(&e);
                    }
                }
                "ilvl" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.num.level = xml::val_u32(&e);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Advances the counter of the paragraph's list level and returns its label followed by
    /// the separator to put before the paragraph text, or `None` for unnumbered paragraphs
    /// and bullets (a bullet glyph carries no outline information).
    pub fn label(&mut self, direct: NumRef, style: Option<&str>) -> Option<String> {
        let (num_id, ilvl) = self.resolve(direct, style)?;
        let inst = self.instances.get(&num_id)?;
        let levels = self.abstracts.get(&inst.abstract_id)?;
        let key = if inst.overrides.is_empty() {
            CounterKey::Abstract(inst.abstract_id)
        } else {
            CounterKey::Instance(num_id)
        };
        // The effective definition and start value of every level of this list.
        let effective: Vec<(Level, u32)> = (0..LEVELS)
            .map(|i| {
                let base = levels.get(i).cloned().unwrap_or_default();
                let (start_override, replacement) = inst.overrides.get(&i).cloned().unwrap_or_default();
                let lvl = replacement.unwrap_or(base);
                let start = start_override.unwrap_or_else(|| lvl.start());
                (lvl, start)
            })
            .collect();
        let counters = self.counters.entry(key).or_insert([None; LEVELS]);
        let (current, start) = effective.get(ilvl).map(|(l, s)| (l.clone(), *s))?;
        let value = match counters.get(ilvl).copied().flatten() {
            Some(v) => v.saturating_add(1),
            None => start,
        };
        for (i, c) in counters.iter_mut().enumerate() {
            if i == ilvl {
                *c = Some(value);
            } else if i > ilvl {
                *c = None;
            }
        }
        let format = current.format.as_deref().unwrap_or("decimal");
        if format == "bullet" {
            return None;
        }
        let template = current.text.as_deref()?;
        let mut label = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            let level_ref = match (c, chars.peek()) {
                ('%', Some(d)) if ('1'..='9').contains(d) => d.to_digit(10),
                _ => None,
            };
            let Some(n) = level_ref else {
                label.push(c);
                continue;
            };
            chars.next();
            let i = usize::try_from(n).unwrap_or(1).saturating_sub(1);
            let Some((lvl, lvl_start)) = effective.get(i) else {
                continue;
            };
            let value = counters.get(i).copied().flatten().unwrap_or(*lvl_start);
            let fmt = if current.legal { "decimal" } else { lvl.format.as_deref().unwrap_or("decimal") };
            label.push_str(&format_number(value, fmt));
        }
        if label.trim().is_empty() {
            return None;
        }
        // Word puts a tab after the label by default; a label ending in punctuation ("一、",
        // "1.", "（一）") reads right glued to the text as Chinese is written, one ending in
        // a word or number ("第一章") gets a space.
        let ends_in_word = label.chars().last().is_some_and(char::is_alphanumeric);
        if ends_in_word && current.suffix.as_deref() != Some("nothing") {
            label.push(' ');
        }
        Some(label)
    }

    /// The list and level a paragraph belongs to: direct formatting first, then the
    /// paragraph style and the styles it is based on. `w:numId` 0 removes numbering.
    fn resolve(&self, direct: NumRef, style: Option<&str>) -> Option<(u32, usize)> {
        let mut num = direct;
        let mut style_with_num = None;
        let mut next = style.map(str::to_owned);
        // A bound on the basedOn chain also stops cycles.
        for _ in 0..16 {
            let Some(id) = next.take() else { break };
            let Some(s) = self.styles.get(&id) else { break };
            if num.num_id.is_none() && s.num.num_id.is_some() {
                num.num_id = s.num.num_id;
                style_with_num = Some(id.clone());
            }
            if num.level.is_none() {
                num.level = s.num.level;
            }
            next = s.based_on.clone();
        }
        let num_id = num.num_id.filter(|&id| id != 0)?;
        let level = match num.level {
            Some(l) => usize::try_from(l).ok()?,
            // A style's list level is the level that names the style.
            None => style_with_num
                .and_then(|sid| {
                    let inst = self.instances.get(&num_id)?;
                    let levels = self.abstracts.get(&inst.abstract_id)?;
                    levels.iter().position(|l| l.style.as_deref() == Some(sid.as_str()))
                })
                .unwrap_or(0),
        };
        (level < LEVELS).then_some((num_id, level))
    }
}

fn level_index(e: &BytesStart<'_>) -> Option<usize> {
    xml::attr(e, "ilvl").and_then(|v| v.trim().parse::<usize>().ok()).filter(|&i| i < LEVELS)
}

fn store_level(
    ilvl: usize,
    lvl: Level,
    abstract_levels: &mut [Level],
    num: Option<&mut (u32, Instance)>,
    override_level: Option<usize>,
) {
    match (num, override_level) {
        (Some((_, inst)), Some(o)) => inst.overrides.entry(o).or_default().1 = Some(lvl),
        _ => {
            if let Some(slot) = abstract_levels.get_mut(ilvl) {
                *slot = lvl;
            }
        }
    }
}

fn read_level_property(lvl: &mut Level, name: &str, e: &BytesStart<'_>) {
    match name {
        "start" => lvl.start = xml::val_u32(e),
        "numFmt" => lvl.format = xml::attr(e, "val"),
        "lvlText" => lvl.text = xml::attr(e, "val"),
        "suff" => lvl.suffix = xml::attr(e, "val"),
        "isLgl" => lvl.legal = xml::is_on(e),
        "pStyle" => lvl.style = xml::attr(e, "val"),
        _ => {}
    }
}

/// Renders a counter value in one of Word's number formats (`w:numFmt`). Unknown formats
/// fall back to decimal, as Word does.
pub(crate) fn format_number(n: u32, format: &str) -> String {
    match format {
        "none" => String::new(),
        "decimalZero" => format!("{n:02}"),
        "upperLetter" => letters(n, b'A'),
        "lowerLetter" => letters(n, b'a'),
        "upperRoman" => roman(n),
        "lowerRoman" => roman(n).to_lowercase(),
        "chineseCounting"
        | "chineseCountingThousand"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand"
        | "japaneseCounting" => chinese(n, &LOWER_DIGITS, &LOWER_UNITS),
        "chineseLegalSimplified" => chinese(n, &UPPER_DIGITS, &UPPER_UNITS),
        "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => n
            .to_string()
            .chars()
            .map(|d| d.to_digit(10).and_then(|d| LOWER_DIGITS.get(d as usize)).copied().unwrap_or(d))
            .collect(),
        "ideographTraditional" => cyclic(n, &['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸']),
        "ideographZodiac" => cyclic(n, &['子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥']),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => enclosed(n, 0x2460, 20),
        "decimalEnclosedParen" => enclosed(n, 0x2474, 20),
        "decimalEnclosedFullstop" => enclosed(n, 0x2488, 20),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|d| d.to_digit(10).and_then(|d| char::from_u32(0xff10 + d)).unwrap_or(d))
            .collect(),
        _ => n.to_string(),
    }
}

const LOWER_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const LOWER_UNITS: [char; 3] = ['十', '百', '千'];
const UPPER_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const UPPER_UNITS: [char; 3] = ['拾', '佰', '仟'];

/// Chinese counting numerals below 10000 (十一, 二十, 一百零五); larger values in decimal.
fn chinese(n: u32, digits: &[char; 10], units: &[char; 3]) -> String {
    if n == 0 || n >= 10_000 {
        return n.to_string();
    }
    let digit = |d: u32| digits.get(d as usize).copied().unwrap_or('?');
    let zero = if digits == &LOWER_DIGITS { '零' } else { digit(0) };
    let places = [(n / 1000) % 10, (n / 100) % 10, (n / 10) % 10, n % 10];
    let place_units = [units.get(2), units.get(1), units.first(), None];
    let mut out = String::new();
    let mut pending_zero = false;
    for (d, unit) in places.into_iter().zip(place_units) {
        if d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push(zero);
            pending_zero = false;
        }
        // "十一" rather than "一十一" when the number starts at the tens.
        let is_leading_ten = out.is_empty() && d == 1 && (10..20).contains(&n);
        if !is_leading_ten {
            out.push(digit(d));
        }
        if let Some(u) = unit {
            out.push(*u);
        }
    }
    out
}

/// A, B, … Z, AA, BB, … as Word counts letters.
fn letters(n: u32, base: u8) -> String {
    if n == 0 {
        return String::new();
    }
    let index = (n - 1) % 26;
    let repeat = usize::try_from((n - 1) / 26 + 1).unwrap_or(1).min(64);
    let c = char::from(base.saturating_add(u8::try_from(index).unwrap_or(0)));
    std::iter::repeat_n(c, repeat).collect()
}

fn roman(mut n: u32) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, symbol) in TABLE {
        while n >= value {
            out.push_str(symbol);
            n -= value;
        }
    }
    out
}

fn cyclic(n: u32, symbols: &[char]) -> String {
    let len = u32::try_from(symbols.len()).unwrap_or(1).max(1);
    let i = usize::try_from((n.max(1) - 1) % len).unwrap_or(0);
    symbols.get(i).map(char::to_string).unwrap_or_default()
}

/// ①②③…: `count` consecutive code points from `first`; beyond them, decimal.
fn enclosed(n: u32, first: u32, count: u32) -> String {
    if (1..=count).contains(&n) {
        char::from_u32(first + n - 1).map(String::from).unwrap_or_else(|| n.to_string())
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counting() {
        let got: Vec<String> = [1, 9, 10, 11, 19, 20, 21, 99, 100, 101, 110, 1000, 1005, 10_000]
            .iter()
            .map(|&n| format_number(n, "chineseCounting"))
            .collect();
        assert_eq!(
            got,
            [
                "一",
                "九",
                "十",
                "十一",
                "十九",
                "二十",
                "二十一",
                "九十九",
                "一百",
                "一百零一",
                "一百一十",
                "一千",
                "一千零五",
                "10000"
            ]
        );
        assert_eq!(format_number(12, "chineseLegalSimplified"), "拾贰");
    }

    #[test]
    fn other_formats() {
        assert_eq!(format_number(3, "decimal"), "3");
        assert_eq!(format_number(3, "decimalZero"), "03");
        assert_eq!(format_number(28, "upperLetter"), "BB");
        assert_eq!(format_number(14, "lowerRoman"), "xiv");
        assert_eq!(format_number(2, "ideographTraditional"), "乙");
        assert_eq!(format_number(3, "decimalEnclosedCircleChinese"), "③");
        assert_eq!(format_number(25, "decimalEnclosedCircle"), "25");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
        assert_eq!(format_number(7, "somethingNew"), "7");
        assert_eq!(format_number(0, "upperLetter"), "");
    }

    const NUMBERING: &str = r#"<w:numbering xmlns:w="w">
      <w:abstractNum w:abstractNumId="0">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:pStyle w:val="H1"/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%3"/></w:lvl>
      </w:abstractNum>
      <w:abstractNum w:abstractNumId="1">
        <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val=""/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num>
      <w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
      <w:num w:numId="4"><w:abstractNumId w:val="1"/></w:num>
    </w:numbering>"#;

    const STYLES: &str = r#"<w:styles xmlns:w="w">
      <w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>
      <w:style w:type="paragraph" w:styleId="H1b"><w:basedOn w:val="H1"/></w:style>
    </w:styles>"#;

    fn num(id: u32, lvl: u32) -> NumRef {
        NumRef { num_id: Some(id), level: Some(lvl) }
    }

    #[test]
    fn counters_levels_and_restarts() {
        let mut n = Numbering::parse(Some(NUMBERING), Some(STYLES)).unwrap();
        assert_eq!(n.label(num(1, 0), None).as_deref(), Some("一、"));
        assert_eq!(n.label(num(1, 1), None).as_deref(), Some("（一）"));
        assert_eq!(n.label(num(1, 1), None).as_deref(), Some("（二）"));
        assert_eq!(n.label(num(1, 2), None).as_deref(), Some("一.1 "));
        // Another instance of the same list continues it; the style gives level 0.
        assert_eq!(n.label(NumRef::default(), Some("H1b")).as_deref(), Some("二、"));
        assert_eq!(n.label(num(2, 1), None).as_deref(), Some("（一）"));
        // An instance with a start override has its own counter.
        assert_eq!(n.label(num(3, 0), None).as_deref(), Some("五、"));
        assert_eq!(n.label(num(4, 0), None), None);
        assert_eq!(n.label(num(0, 0), Some("H1")), None);
        assert_eq!(n.label(num(99, 0), None), None);
        assert_eq!(n.label(num(1, 12), None), None);
    }
}
