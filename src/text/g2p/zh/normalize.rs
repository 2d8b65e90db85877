//! Chinese text as it is read aloud: full-width letters and digits folded, and numbers,
//! dates, times, money, percentages, phone numbers and units written out in characters.
//!
//! The rules follow misaki's `misaki/zh_normalization/` (PaddleSpeech's text normalizer):
//! years digit by digit (2025年 二零二五年), months and days as numbers, 15:30 十五点半, 3:05
//! 三点零五分, 15% 百分之十五, 3/4 四分之三, -3°C 零下三度, 3.14 三点一四, numbers with 十 百 千
//! 万 亿, phone numbers digit by digit with 幺 for 1. Ours: thousands separators, money signs
//! (¥23.50 二十三点五元), 两 where it is said (两个, 两点, 两千), codes after words such as 电话
//! or 验证码 read digit by digit, a leading zero making a code, units only after a number
//! (misaki's replaces every "m" of a sentence), ranges with 到.

use regex::{Captures, Regex};

use crate::text::normalize::signs::MANDARIN;
use crate::{Error, Result};

/// Folds full-width ASCII forms (but the Chinese comma, which is punctuation here, not a
/// thousands separator) and the ideographic space, writes ￥ as ¥, and writes Kangxi
/// radicals (⼀ U+2F00), CJK radical forms and compatibility ideographs as the ideographs
/// they stand for (their Unicode compatibility mappings: what NFKC does to them alone,
/// without its other changes, such as … into three dots).
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '，' => c,
            '\u{FF01}'..='\u{FF5E}' => crate::text::normalize::compat::half_width(c),
            '\u{3000}' => ' ',
            '￥' => '¥',
            '\u{2E80}'..='\u{2FDF}' | '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}' => {
                ideograph(c)
            }
            _ => c,
        })
        .collect()
}

/// The one ideograph a radical or compatibility form maps to, or the character itself.
fn ideograph(c: char) -> char {
    let mut mapped = Vec::with_capacity(1);
    unicode_normalization::char::decompose_compatible(c, |d| mapped.push(d));
    match mapped.as_slice() {
        [one] => *one,
        _ => c,
    }
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Digits one by one (years, codes); `yao` reads 1 as 幺, as phone numbers are read.
fn digits(s: &str, yao: bool) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| match b - b'0' {
            1 if yao => "幺",
            d => DIGITS[d as usize],
        })
        .collect()
}

/// The longest number read with 十 百 千 万 亿 (below 10^16); longer ones are read digit by
/// digit.
const MAX_CARDINAL_DIGITS: usize = 16;

/// misaki's `_get_value`: the digits of `s` (ASCII, maybe with leading zeros) with their
/// units, a 零 for each gap.
fn units(s: &[u8], out: &mut String) {
    let stripped = s
        .iter()
        .position(|&b| b != b'0')
        .map_or(&s[..0], |i| &s[i..]);
    match stripped.len() {
        0 => {}
        1 => {
            if stripped.len() < s.len() {
                out.push('零');
            }
            out.push_str(DIGITS[(stripped[0] - b'0') as usize]);
        }
        n => {
            let (power, unit) = [(8, "亿"), (4, "万"), (3, "千"), (2, "百"), (1, "十")]
                .into_iter()
                .find(|&(p, _)| p < n)
                .unwrap_or((1, "十"));
            let (high, low) = s.split_at(s.len() - power);
            units(high, out);
            out.push_str(unit);
            units(low, out);
        }
    }
}

/// An integer (ASCII digits) as a number: 10 十, 1,010 一千零一十, 20000 两万.
pub fn cardinal(s: &str) -> String {
    let s = s.trim_start_matches('0');
    if s.is_empty() {
        return "零".into();
    }
    if s.len() > MAX_CARDINAL_DIGITS || !s.bytes().all(|b| b.is_ascii_digit()) {
        return digits(s, false);
    }
    let mut out = String::new();
    units(s.as_bytes(), &mut out);
    if let Some(rest) = out.strip_prefix("一十") {
        out = format!("十{rest}");
    }
    // 两千, 两万, 两亿 as they are said (二百 stays: both are heard).
    for unit in ["二千", "二万", "二亿"] {
        if out.starts_with(unit) {
            out.replace_range(..'二'.len_utf8(), "两");
        }
    }
    out
}

/// misaki's `num2str`: an integer part and decimals read digit by digit (3.14 三点一四,
/// 3.20 三点二).
pub fn number(int: &str, decimals: Option<&str>) -> String {
    let mut out = cardinal(int);
    if let Some(d) = decimals
        .map(|d| d.trim_end_matches('0'))
        .filter(|d| !d.is_empty())
    {
        out.push('点');
        out.push_str(&digits(d, false));
    }
    out
}

/// Measure words before which 2 is 两 (两个, 两点, 两年).
const LIANG_BEFORE: &str = "个位只本次张条件台天年周种家块元斤瓶杯份篇部辆座双对点倍层间门项所名句首岁届轮场片颗根匹头棵支枝把节";

/// Units after a number, and how they are read.
const UNITS: &[(&str, &str)] = &[
    ("km/h", "公里每小时"),
    ("cm²", "平方厘米"),
    ("cm2", "平方厘米"),
    ("cm³", "立方厘米"),
    ("cm3", "立方厘米"),
    ("m²", "平方米"),
    ("m2", "平方米"),
    ("m³", "立方米"),
    ("m3", "立方米"),
    ("km", "公里"),
    ("kg", "公斤"),
    ("mg", "毫克"),
    ("ml", "毫升"),
    ("mm", "毫米"),
    ("cm", "厘米"),
    ("ms", "毫秒"),
    ("min", "分钟"),
    ("m", "米"),
    ("g", "克"),
    ("s", "秒"),
    ("h", "小时"),
    ("L", "升"),
];

/// Words after which digits are a code, read one by one with 幺.
const CODE_WORDS: &str = "电话|手机|号码|热线|编号|单号|订单号|尾号|验证码|密码|账号|卡号|工号|学号|房间|房号|航班|车次|邮编|分机|代码|门牌";

/// Greek letters as they are read (misaki's `_post_replace`).
const GREEK: &[(char, &str)] = &[
    ('α', "阿尔法"),
    ('β', "贝塔"),
    ('γ', "伽玛"),
    ('Γ', "伽玛"),
    ('δ', "德尔塔"),
    ('Δ', "德尔塔"),
    ('ε', "艾普西龙"),
    ('ζ', "捷塔"),
    ('η', "依塔"),
    ('θ', "西塔"),
    ('Θ', "西塔"),
    ('ι', "艾欧塔"),
    ('κ', "喀帕"),
    ('λ', "拉姆达"),
    ('Λ', "拉姆达"),
    ('μ', "缪"),
    ('ν', "拗"),
    ('ξ', "克西"),
    ('Ξ', "克西"),
    ('ο', "欧米克伦"),
    ('π', "派"),
    ('Π', "派"),
    ('ρ', "肉"),
    ('ς', "西格玛"),
    ('Σ', "西格玛"),
    ('σ', "西格玛"),
    ('τ', "套"),
    ('υ', "宇普西龙"),
    ('φ', "服艾"),
    ('Φ', "服艾"),
    ('χ', "器"),
    ('ψ', "普赛"),
    ('Ψ', "普赛"),
    ('ω', "欧米伽"),
    ('Ω', "欧米伽"),
];

/// The compiled rules, in the order they apply.
pub struct Verbalizer {
    thousands: Regex,
    year_range: Regex,
    date: Regex,
    date_numeric: Regex,
    time_range: Regex,
    time: Regex,
    temperature: Regex,
    unit: Regex,
    fraction: Regex,
    percent: Regex,
    money: Regex,
    mobile: Regex,
    landline: Regex,
    chain: Regex,
    code: Regex,
    leading_zero: Regex,
    range: Regex,
    negative: Regex,
    number: Regex,
}

fn compile(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| Error::Asset(format!("Mandarin number rule '{pattern}': {e}")))
}

impl Verbalizer {
    pub fn new() -> Result<Self> {
        let units = UNITS
            .iter()
            .map(|(u, _)| regex::escape(u))
            .collect::<Vec<_>>()
            .join("|");
        Ok(Verbalizer {
            thousands: compile(r"\d{1,3}(?:,\d{3})+")?,
            year_range: compile(r"(\d{4})\s*[-~到至]\s*(\d{4})年")?,
            date: compile(r"(\d{4}|\d{2})年(?:(\d{1,2})月)?(?:(\d{1,2})([日号]))?")?,
            date_numeric: compile(r"(\d{4})([-/.])(\d{1,2})[-/.](\d{1,2})")?,
            time_range: compile(
                r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*[-~到至]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?",
            )?,
            time: compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")?,
            temperature: compile(r"(-?)(\d+)(?:\.(\d+))?\s?(°C|℃|°|摄氏度|度)")?,
            unit: compile(&format!(r"(\d+)(?:\.(\d+))?\s?({units})"))?,
            fraction: compile(r"(\d+)/(\d+)")?,
            percent: compile(r"(-?)(\d+)(?:\.(\d+))?\s?([%‰])")?,
            money: compile(r"([¥$€£])\s?(\d+)(?:\.(\d+))?")?,
            mobile: compile(r"(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})")?,
            landline: compile(r"(0\d{2,3}|400)-(\d{3,4})-?(\d{4})")?,
            chain: compile(r"\d+(?:-\d+){2,}")?,
            code: compile(&format!(r"({CODE_WORDS})(号)?([是为:\s]*)([A-Za-z]*)(\d+)"))?,
            leading_zero: compile(r"0\d+")?,
            range: compile(r"(\d+)(?:\.(\d+))?\s?[-~]\s?(\d+)(?:\.(\d+))?")?,
            negative: compile(r"-(\d+)(?:\.(\d+))?")?,
            number: compile(r"(\d+)(?:\.(\d+))?")?,
        })
    }

    /// Writes out every number of `text` in characters; symbols read as words, and the math
    /// signs left between them.
    pub fn verbalize(&self, text: &str) -> String {
        math(&self.numbers(&symbols(text)))
    }

    /// Every number of `text` in characters: after [`symbols`], before [`math`] (the rules
    /// read `-`, `/` and `~` next to digits as a negative, a fraction, a range).
    fn numbers(&self, text: &str) -> String {
        let mut s = text.to_owned();
        if !s.bytes().any(|b| b.is_ascii_digit()) {
            return s;
        }
        s = rewrite(&self.thousands, &s, |c, _, after| {
            (!starts_digit(after)).then(|| c[0].replace(',', ""))
        });
        s = rewrite(&self.year_range, &s, |c, before, _| {
            (!ends_digit(before))
                .then(|| format!("{}到{}年", digits(&c[1], false), digits(&c[2], false)))
        });
        s = rewrite(&self.date, &s, |c, before, _| {
            if ends_digit(before) {
                return None;
            }
            let mut out = format!("{}年", digits(&c[1], false));
            let month = c.get(2).map(|m| m.as_str());
            if let Some(m) = month {
                if !(1..=12).contains(&int(m)) {
                    return None;
                }
                out += &format!("{}月", cardinal(m));
            }
            if let (Some(d), Some(mark)) = (c.get(3), c.get(4)) {
                if month.is_none() || !(1..=31).contains(&int(d.as_str())) {
                    return None;
                }
                out += &format!("{}{}", cardinal(d.as_str()), mark.as_str());
            }
            Some(out)
        });
        s = rewrite(&self.date_numeric, &s, |c, before, after| {
            let (m, d) = (int(&c[3]), int(&c[4]));
            let same_separator = c[0][4..].matches(&c[2]).count() == 2;
            (same_separator
                && !ends_digit(before)
                && !starts_digit(after)
                && (1..=12).contains(&m)
                && (1..=31).contains(&d))
            .then(|| {
                format!(
                    "{}年{}月{}日",
                    digits(&c[1], false),
                    cardinal(&c[3]),
                    cardinal(&c[4])
                )
            })
        });
        s = rewrite(&self.time_range, &s, |c, before, after| {
            if ends_digit(before) || starts_digit(after) {
                return None;
            }
            let from = time(&c[1], &c[2], c.get(3).map(|m| m.as_str()))?;
            let to = time(&c[4], &c[5], c.get(6).map(|m| m.as_str()))?;
            Some(format!("{from}到{to}"))
        });
        s = rewrite(&self.time, &s, |c, before, after| {
            if ends_digit(before) || starts_digit(after) {
                return None;
            }
            time(&c[1], &c[2], c.get(3).map(|m| m.as_str()))
        });
        s = rewrite(&self.temperature, &s, |c, before, _| {
            (!ends_digit(before)).then(|| {
                let unit = if &c[4] == "摄氏度" {
                    "摄氏度"
                } else {
                    "度"
                };
                let below = if c[1].is_empty() { "" } else { "零下" };
                format!(
                    "{below}{}{unit}",
                    number(&c[2], c.get(3).map(|m| m.as_str()))
                )
            })
        });
        s = rewrite(&self.unit, &s, |c, before, after| {
            if ends_digit(before) || after.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
                return None;
            }
            let word = UNITS.iter().find(|(u, _)| *u == &c[3]).map(|(_, w)| *w)?;
            let n = number(&c[1], c.get(2).map(|m| m.as_str()));
            Some(format!(
                "{}{word}",
                liang(&n, c.get(2).is_none(), word, before)
            ))
        });
        s = rewrite(&self.fraction, &s, |c, before, after| {
            (!ends_digit(before)
                && !before.ends_with('/')
                && !starts_digit(after)
                && !after.starts_with('/'))
            .then(|| format!("{}分之{}", cardinal(&c[2]), cardinal(&c[1])))
        });
        s = rewrite(&self.percent, &s, |c, before, _| {
            if ends_digit(before) {
                return None;
            }
            let sign = if c[1].is_empty() { "" } else { "负" };
            let per = if &c[4] == "‰" {
                "千分之"
            } else {
                "百分之"
            };
            Some(format!(
                "{sign}{per}{}",
                number(&c[2], c.get(3).map(|m| m.as_str()))
            ))
        });
        s = rewrite(&self.money, &s, |c, _, after| {
            if starts_digit(after) {
                return None;
            }
            let unit = match &c[1] {
                "$" => "美元",
                "€" => "欧元",
                "£" => "英镑",
                _ => "元",
            };
            // 23.5元 already reads itself; the sign says the unit.
            let after = after.trim_start();
            let unit = if after.starts_with(unit) || after.starts_with('元') {
                ""
            } else {
                unit
            };
            let n = number(&c[2], c.get(3).map(|m| m.as_str()));
            Some(format!("{}{unit}", liang(&n, c.get(3).is_none(), "块", "")))
        });
        s = rewrite(&self.mobile, &s, |c, before, after| {
            (!ends_digit(before) && !starts_digit(after)).then(|| {
                format!(
                    "{}，{}，{}",
                    digits(&c[1], true),
                    digits(&c[2], true),
                    digits(&c[3], true)
                )
            })
        });
        s = rewrite(&self.landline, &s, |c, before, after| {
            (!ends_digit(before) && !starts_digit(after)).then(|| {
                format!(
                    "{}，{}，{}",
                    digits(&c[1], true),
                    digits(&c[2], true),
                    digits(&c[3], true)
                )
            })
        });
        // Three numbers or more joined by hyphens that no rule read as a date or a phone
        // number, and no run of math: a code or scores, its numbers said apart (10-5-2
        // 十，五，二), not a range and a negative number.
        s = rewrite(&self.chain, &s, |c, before, after| {
            (!ends_digit(before) && !before.ends_with(['-', '.']) && !after.starts_with('.')).then(
                || {
                    let part = |p: &str| {
                        if p.starts_with('0') {
                            digits(p, true)
                        } else {
                            cardinal(p)
                        }
                    };
                    c[0].split('-').map(part).collect::<Vec<_>>().join("，")
                },
            )
        });
        s = rewrite(&self.code, &s, |c, _, after| {
            (!after.starts_with(['.', ':'])).then(|| {
                // Letters stay apart from the digits (CA 幺二三四): they go to the Latin reader.
                let gap = if c[4].is_empty() { "" } else { " " };
                let hao = c.get(2).map_or("", |m| m.as_str());
                format!(
                    "{}{hao}{}{}{gap}{}",
                    &c[1],
                    &c[3],
                    &c[4],
                    digits(&c[5], true)
                )
            })
        });
        s = rewrite(&self.leading_zero, &s, |c, before, after| {
            (!ends_digit(before) && !before.ends_with('.') && !after.starts_with('.'))
                .then(|| digits(&c[0], true))
        });
        s = rewrite(&self.range, &s, |c, before, after| {
            if ends_digit(before) || starts_digit(after) || ends_latin(before) {
                return None;
            }
            let from = number(&c[1], c.get(2).map(|m| m.as_str()));
            let to = number(&c[3], c.get(4).map(|m| m.as_str()));
            // Whole numbers and a hyphen that fall are a score (赢了3-1 三比一), as are any
            // after 比分; a year and its last digits (1990-95) stay a range.
            let whole = c.get(2).is_none() && c.get(4).is_none();
            let small = c[1].len() <= 3 && c[3].len() <= 3;
            let scored = before
                .trim_end_matches([' ', ':', '是', '为'])
                .ends_with("比分");
            let score = whole && small && c[0].contains('-') && (int(&c[3]) < int(&c[1]) || scored);
            Some(format!("{from}{}{to}", if score { "比" } else { "到" }))
        });
        s = rewrite(&self.negative, &s, |c, before, _| {
            (!ends_digit(before) && !ends_latin(before))
                .then(|| format!("负{}", number(&c[1], c.get(2).map(|m| m.as_str()))))
        });
        rewrite(&self.number, &s, |c, before, after| {
            let n = number(&c[1], c.get(2).map(|m| m.as_str()));
            let next = after.chars().next().map_or(String::new(), String::from);
            Some(liang(&n, c.get(2).is_none(), &next, before))
        })
    }
}

/// 二 as 两 before a measure word (两个, 两点), not after 第 (第二) nor as a month or a day.
fn liang(n: &str, whole: bool, next: &str, before: &str) -> String {
    let measured = next
        .chars()
        .next()
        .is_some_and(|c| LIANG_BEFORE.contains(c))
        || ["块", "公里", "公斤", "小时", "分钟", "米", "克", "升"].contains(&next);
    if n == "二" && whole && measured && !before.ends_with('第') {
        "两".into()
    } else {
        n.into()
    }
}

/// misaki's `replace_time`: 15:30 十五点半, 3:05 三点零五分, 8:00 八点, with seconds.
fn time(hour: &str, minute: &str, second: Option<&str>) -> Option<String> {
    let (h, m) = (int(hour), int(minute));
    if h > 24 || m > 59 || second.is_some_and(|s| int(s) > 59) {
        return None;
    }
    let mut out = liang(&cardinal(hour), true, "点", "");
    out.push('点');
    match m {
        0 => {}
        30 => out.push('半'),
        _ => {
            out += &minutes(minute);
            out.push('分');
        }
    }
    if let Some(s) = second.filter(|s| int(s) > 0) {
        out += &minutes(s);
        out.push('秒');
    }
    Some(out)
}

/// misaki's `_time_num2str`: 05 零五.
fn minutes(s: &str) -> String {
    let n = cardinal(s);
    if s.starts_with('0') {
        format!("零{n}")
    } else {
        n
    }
}

/// Small digit strings (at most a few digits, checked by the rules' patterns).
fn int(s: &str) -> u32 {
    s.bytes()
        .take(9)
        .filter(u8::is_ascii_digit)
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

fn ends_digit(s: &str) -> bool {
    s.ends_with(|c: char| c.is_ascii_digit())
}

fn starts_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

fn ends_latin(s: &str) -> bool {
    s.ends_with(|c: char| c.is_ascii_alphabetic())
}

/// Replaces each match of `re` in `text` by what `f` makes of it (given the text before and
/// after it), or keeps it where `f` says None.
fn rewrite(re: &Regex, text: &str, f: impl Fn(&Captures, &str, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(m) = caps.get(0) else { continue };
        if let Some(new) = f(&caps, &text[..m.start()], &text[m.end()..]) {
            out.push_str(&text[last..m.start()]);
            out.push_str(&new);
            last = m.end();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// The math signs in words (`signs::MANDARIN`'s, `*` as `×`): `2+3=5` 二加三等于五, `x≤y`
/// x小于等于y, and a percent sign no number came before (`猫%狗`: after one, the number
/// rules read it). A run of one sign ("===") is decoration, left for the reader to drop.
fn math(text: &str) -> String {
    let word = |c: char| match c {
        '%' => Some("百分号"),
        '*' => MANDARIN.word('×'),
        c => MANDARIN.word(c),
    };
    if !text.chars().any(|c| word(c).is_some()) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let before = |k: usize| i.checked_sub(k).map(|j| chars[j]);
        let run = before(1) == Some(c) || chars.get(i + 1) == Some(&c);
        // "C++" says both (a letter, two pluses, no third).
        let pluses = |first: usize| {
            first >= 1
                && chars[first - 1].is_ascii_alphabetic()
                && chars.get(first + 1) == Some(&'+')
                && chars.get(first + 2) != Some(&'+')
        };
        let run = run && !(c == '+' && (pluses(i) || (before(1) == Some('+') && pluses(i - 1))));
        match word(c) {
            Some(word) if !run => out.push_str(word),
            _ => out.push(c),
        }
    }
    out
}

/// Symbols read as words: circled numbers, Greek letters, &.
fn symbols(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '①'..='⑩' => out.push_str(match c as u32 - '①' as u32 {
                9 => "十",
                d => DIGITS[d as usize + 1],
            }),
            '&' => out.push('和'),
            _ => match GREEK.iter().find(|(g, _)| *g == c) {
                Some((_, word)) => out.push_str(word),
                None => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test fails loudly where it cannot go on
mod tests {
    use super::*;

    fn v(text: &str) -> String {
        Verbalizer::new().unwrap().verbalize(&fold(text))
    }

    #[test]
    fn numbers_are_read_with_their_units() {
        assert_eq!(cardinal("0"), "零");
        assert_eq!(cardinal("10"), "十");
        assert_eq!(cardinal("15"), "十五");
        assert_eq!(cardinal("110"), "一百一十");
        assert_eq!(cardinal("1010"), "一千零一十");
        assert_eq!(cardinal("10005"), "一万零五");
        assert_eq!(cardinal("100000"), "十万");
        assert_eq!(cardinal("1234567"), "一百二十三万四千五百六十七");
        assert_eq!(cardinal("1000010"), "一百万零一十");
        assert_eq!(cardinal("100000000"), "一亿");
        assert_eq!(cardinal("2000"), "两千");
        assert_eq!(cardinal("20000"), "两万");
        assert_eq!(cardinal("200"), "二百");
        assert_eq!(
            cardinal("12345678901234567890"),
            "一二三四五六七八九零一二三四五六七八九零"
        );
        assert_eq!(number("3", Some("14")), "三点一四");
        assert_eq!(number("23", Some("50")), "二十三点五");
        assert_eq!(number("0", Some("5")), "零点五");
    }

    #[test]
    fn dates_times_money_and_percentages_are_read_as_said() {
        assert_eq!(v("2025年3月14日"), "二零二五年三月十四日");
        assert_eq!(v("3月14号"), "三月十四号");
        assert_eq!(v("2024-2025年"), "二零二四到二零二五年");
        assert_eq!(v("2025-03-14"), "二零二五年三月十四日");
        assert_eq!(v("下午3点15分"), "下午三点十五分");
        assert_eq!(v("下午2点"), "下午两点");
        assert_eq!(v("15:30"), "十五点半");
        assert_eq!(v("3:05"), "三点零五分");
        assert_eq!(v("9:00-17:00"), "九点到十七点");
        assert_eq!(v("¥23.50"), "二十三点五元");
        assert_eq!(v("23.5元"), "二十三点五元");
        assert_eq!(v("$5"), "五美元");
        assert_eq!(v("15%"), "百分之十五");
        assert_eq!(v("2+3=5"), "二加三等于五");
        assert_eq!(v("5*3 ≤ 16"), "五乘三 小于等于 十六");
        assert_eq!(v("猫>狗 ==="), "猫大于狗 ===");
        assert_eq!(v("C++ +++"), "C加加 +++");
        assert_eq!(v("猫%狗 15%"), "猫百分号狗 百分之十五");
        assert_eq!(v("-3.5%"), "负百分之三点五");
        assert_eq!(v("-3°C"), "零下三度");
        assert_eq!(v("3/4"), "四分之三");
        assert_eq!(v("3.14"), "三点一四");
        assert_eq!(v("1,234,567"), "一百二十三万四千五百六十七");
        assert_eq!(v("第2名"), "第二名");
        assert_eq!(v("2个人"), "两个人");
        assert_eq!(v("2月"), "二月");
        assert_eq!(v("12个"), "十二个");
        assert_eq!(v("3-5天"), "三到五天");
        assert_eq!(v("零下-5"), "零下负五");
        assert_eq!(v("5km"), "五公里");
        assert_eq!(v("2h"), "两小时");
        assert_eq!(v("5G网络"), "五G网络");
        assert_eq!(v("GPT-4"), "GPT-四");
    }

    /// `text` as the server reads it: the normalizer's language-neutral rules and math run
    /// (`for_speech`), then this module's.
    fn said(text: &str) -> String {
        let t = crate::text::normalize::for_speech(
            text,
            crate::language::Language::Zh,
            &Default::default(),
        );
        v(&t)
    }

    #[test]
    fn a_run_of_math_says_every_sign_and_a_score_is_a_score() {
        for (text, want) in [
            // A subtraction's minus is 减, a number's own minus 负.
            ("10 - 5 - 2", "十 减 五 减 二"),
            ("10-5-2 = 3", "十 减 五 减 二 等于 三"),
            ("x-5 = 0", "x 减 五 等于 零"),
            ("5--10, 5+-10", "五 减 负 十, 五 加 负 十"),
            ("5x-3", "五 乘 x 减 三"),
            ("-x, -(5)", "负 x, 负 (五)"),
            ("(-5)-(-10)", "(负 五) 减 (负 十)"),
            ("10/2-1, x = 15/3", "十 除以 二 减 一, x 等于 十五 除以 三"),
            ("x-5 != 0", "x 减 五 不等于 零"),
            ("x^2+1, 2^(n+1)", "x 的 二 次方 加 一, 二 的 (n 加 一) 次方"),
            // Not math: a chain of numbers said apart, a date, a range, a phone number, a
            // negative number, a label.
            ("10-5-2, 1-413-5", "十，五，二, 一，四百一十三，五"),
            ("2024-01-05", "二零二四年一月五日"),
            ("3-5天, 1990-95", "三到五天, 一千九百九十到九十五"),
            ("010-12345678", "零幺零，幺二三四，五六七八"),
            ("-5度, -5, 温度-5", "零下五度, 负五, 温度负五"),
            ("a-z, GPT-4", "a-z, GPT-四"),
            // A pair that falls, or any after 比分: a score.
            ("赢了3-1, 比分是1-3", "赢了三比一, 比分是一比三"),
        ] {
            assert_eq!(said(text), want, "{text}");
        }
    }

    #[test]
    fn phone_numbers_and_codes_are_read_digit_by_digit() {
        assert_eq!(v("13812345678"), "幺三八，幺二三四，五六七八");
        assert_eq!(v("+86 138 1234 5678"), "幺三八，幺二三四，五六七八");
        assert_eq!(v("010-12345678"), "零幺零，幺二三四，五六七八");
        assert_eq!(v("400-123-4567"), "四零零，幺二三，四五六七");
        assert_eq!(v("验证码是 520131"), "验证码是 五二零幺三幺");
        assert_eq!(v("航班CA1234"), "航班CA 幺二三四");
        assert_eq!(v("编号007"), "编号零零七");
        assert_eq!(v("区号0571"), "区号零五七幺");
    }

    #[test]
    fn full_width_forms_are_folded() {
        assert_eq!(fold("ＡＢＣ１２３：％　￥"), "ABC123:% ¥");
        assert_eq!(fold("你好，世界！"), "你好，世界!");
        assert_eq!(v("１５：３０"), "十五点半");
        // Kangxi radicals and compatibility ideographs are their ideographs; … stays one mark.
        assert_eq!(fold("⼀⼆ 中国…"), "一二 中国…");
        assert_eq!(fold("\u{F900}\u{2F800}"), "豈丽");
    }
}
