//! Chinese numerals ("二十九", "两", "一百零五", "〇") and the section/item labels built on them.

/// The value of a Chinese numeral string, or `None` if it is not one. Accepts 〇零一二两三四五
/// 六七八九十百千万 (and 壹贰叁… in their common financial forms), up to 99,999,999.
pub fn chinese_number(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0; // completed 万 groups
    let mut section: u64 = 0; // value below 万
    let mut digit: Option<u64> = None;
    let mut all_digits = true; // "二〇二四" style: digits only, positional
    let mut positional: u64 = 0;
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            positional = positional.checked_mul(10)?.checked_add(d)?;
            digit = Some(d);
            continue;
        }
        all_digits = false;
        let mult = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            '万' | '萬' => {
                section += digit.take().unwrap_or(0);
                if section == 0 {
                    return None;
                }
                total = total.checked_add(section.checked_mul(10_000)?)?;
                section = 0;
                continue;
            }
            _ => return None,
        };
        // "十五" means 15: a bare 十 counts as 一十.
        let d = digit.take().unwrap_or(if mult == 10 { 1 } else { 0 });
        if d == 0 && mult != 10 {
            return None;
        }
        section += d * mult;
    }
    if all_digits {
        return Some(positional);
    }
    section += digit.unwrap_or(0);
    Some(total + section)
}

fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '〇' | '零' | 'О' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// Whether `c` can be part of a Chinese numeral.
pub fn is_chinese_numeral_char(c: char) -> bool {
    digit_value(c).is_some() || matches!(c, '十' | '百' | '千' | '万' | '拾' | '佰' | '仟' | '萬')
}

/// Converts full-width digits to ASCII and parses an unsigned decimal integer.
pub fn arabic_number(s: &str) -> Option<u64> {
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if ascii.is_empty() || ascii.len() > 9 || !ascii.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ascii.parse().ok()
}

/// A number written either way ("12", "１２", "十二").
pub fn any_number(s: &str) -> Option<u64> {
    arabic_number(s).or_else(|| chinese_number(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (s, v) in [
            ("一", 1),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("二十九", 29),
            ("两", 2),
            ("一百", 100),
            ("一百零五", 105),
            ("一百一十", 110),
            ("三千", 3000),
            ("一万二千", 12000),
            ("八十万", 800_000),
            ("二〇二四", 2024),
            ("〇", 0),
        ] {
            assert_eq!(chinese_number(s), Some(v), "{s}");
        }
        for s in ["", "个", "十a", "万", "零百"] {
            assert_eq!(chinese_number(s), None, "{s}");
        }
    }

    #[test]
    fn arabic_numerals() {
        assert_eq!(arabic_number("29"), Some(29));
        assert_eq!(arabic_number("２９"), Some(29));
        assert_eq!(arabic_number("2.0"), None);
        assert_eq!(arabic_number("1234567890"), None);
        assert_eq!(any_number("二十九"), Some(29));
    }
}
