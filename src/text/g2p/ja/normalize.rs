//! Text → the form the analyser reads: Unicode NFKC (full-width Latin and digits to ASCII,
//! half-width katakana to full-width, ① to 1, … to ...), as misaki's `Cutlet._normalize_text`
//! does, then the rewrites OpenJTalk's number rules need: a currency sign moves behind its
//! amount as a counter (¥1,500 → 1,500円), clock times and ISO-style dates get their counters
//! (7:15 → 7時15分, 2025/3/14 → 2025年3月14日), a few unit abbreviations after a number are
//! spelled in katakana (5km → 5キロメートル: the Latin callback would read them as English),
//! a wave dash before a number is から (misaki: 3〜5 → 3から5), a minus sign before one is
//! マイナス, a URL's scheme (https://) is dropped, and a number longer than
//! [`MAX_NUMBER_DIGITS`] digits is spelled a digit at a time (イチ・ゼロ・ゼロ…).
//!
//! Every rule is a `regex` replacement: linear in the input, no backtracking.

use std::borrow::Cow;

use regex::{Captures, Regex};
use unicode_normalization::UnicodeNormalization;

/// The compiled rewrites.
pub struct Rules {
    scheme: Regex,
    minus: Regex,
    wave: Regex,
    date: Regex,
    time: Regex,
    currency: Regex,
    unit: Regex,
    number: Regex,
}

/// The most digits a number is read with: up to 京 (10^16), the largest unit Japanese uses
/// in practice. OpenJTalk's rules read longer ones with rare units (垓, 澗) and give up past
/// those, reading "1" and 400 zeros as 千澗 and then 400 times ゼロ; spelled a digit at a
/// time they are read as a person reads a long code.
pub const MAX_NUMBER_DIGITS: usize = 16;

/// Each digit's name, as a digit of a code is read.
const DIGIT_NAMES: [&str; 10] = [
    "ゼロ",
    "イチ",
    "ニ",
    "サン",
    "ヨン",
    "ゴ",
    "ロク",
    "ナナ",
    "ハチ",
    "キュウ",
];

/// Units spelled after a number (the longest first, so `km` wins over `m`).
const UNITS: &[(&str, &str)] = &[
    ("GHz", "ギガヘルツ"),
    ("MHz", "メガヘルツ"),
    ("kHz", "キロヘルツ"),
    ("kWh", "キロワットアワー"),
    ("km", "キロメートル"),
    ("cm", "センチメートル"),
    ("mm", "ミリメートル"),
    ("kg", "キログラム"),
    ("mg", "ミリグラム"),
    ("ml", "ミリリットル"),
    ("mL", "ミリリットル"),
    ("GB", "ギガバイト"),
    ("MB", "メガバイト"),
    ("KB", "キロバイト"),
    ("kB", "キロバイト"),
    ("TB", "テラバイト"),
    ("kW", "キロワット"),
    ("Hz", "ヘルツ"),
    ("°C", "度"),
    ("m", "メートル"),
    ("g", "グラム"),
    ("L", "リットル"),
];

impl Rules {
    pub fn new() -> Self {
        // The patterns are constants: a failure here is a bug caught by every test.
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("bad pattern {p}: {e}"));
        let units = UNITS.iter().map(|(u, _)| *u).collect::<Vec<_>>().join("|");
        Self {
            scheme: re(r"(?i)(?-u:\b)(?:https?|ftp)://"),
            minus: re(r"(^|[^0-9A-Za-z])[-−]([0-9])"),
            wave: re(r"[〜~]([0-9])"),
            date: re(r"(?-u:\b)([12][0-9]{3})[/\-.]([0-9]{1,2})[/\-.]([0-9]{1,2})(?-u:\b)"),
            time: re(r"(?-u:\b)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?-u:\b)"),
            currency: re(r"([¥$€£])\s?([0-9][0-9,]*(?:\.[0-9]+)?)"),
            unit: re(&format!(r"([0-9])\s?({units})(?-u:\b)")),
            number: re(r"[0-9](?:,?[0-9])*(?:\.[0-9]+)?"),
        }
    }

    pub fn normalize(&self, text: &str) -> String {
        // Katakana phonetic extensions (small ㇰ ㇱ …) are not folded by NFKC; misaki maps them
        // to their full-size kana first.
        let text: String = text.chars().map(phonetic_extension).nfkc().collect();
        // A URL's scheme is not read (example.com is).
        let text = self.scheme.replace_all(&text, "");
        // A minus sign before a number (not a hyphen between digits or after a word).
        let text = self.minus.replace_all(&text, "${1}マイナス$2");
        let text = self.wave.replace_all(&text, "から$1");
        let text = self.date.replace_all(&text, |c: &Captures| {
            // Not a date (a part number, 0120-12-34): left as it is.
            if !in_range(&c[2], 1, 12) || !in_range(&c[3], 1, 31) {
                return c[0].to_owned();
            }
            format!("{}年{}月{}日", &c[1], trim_zeros(&c[2]), trim_zeros(&c[3]))
        });
        let text = self.time.replace_all(&text, |c: &Captures| {
            // Japanese clocks run past 24 (25時, after midnight); minutes and seconds do not.
            if !in_range(&c[1], 0, 30)
                || !in_range(&c[2], 0, 59)
                || c.get(3).is_some_and(|s| !in_range(s.as_str(), 0, 59))
            {
                return c[0].to_owned();
            }
            let mut s = format!("{}時", trim_zeros(&c[1]));
            if &c[2] != "00" || c.get(3).is_some() {
                s += &format!("{}分", trim_zeros(&c[2]));
            }
            if let Some(sec) = c.get(3) {
                s += &format!("{}秒", trim_zeros(sec.as_str()));
            }
            s
        });
        let text = self.currency.replace_all(&text, |c: &Captures| {
            let counter = match &c[1] {
                "¥" => "円",
                "$" => "ドル",
                "€" => "ユーロ",
                _ => "ポンド",
            };
            format!("{}{counter}", &c[2])
        });
        let text = self.unit.replace_all(&text, |c: &Captures| {
            let name = UNITS
                .iter()
                .find(|(u, _)| *u == &c[2])
                .map_or("", |(_, n)| n);
            format!("{}{name}", &c[1])
        });
        let text = self.number.replace_all(&text, |c: &Captures| {
            let number = &c[0];
            let whole = number.split('.').next().unwrap_or(number);
            if whole.bytes().filter(u8::is_ascii_digit).count() <= MAX_NUMBER_DIGITS {
                return number.to_owned();
            }
            spell_digits(number)
        });
        match text {
            Cow::Borrowed(s) => s.to_owned(),
            Cow::Owned(s) => s,
        }
    }
}

/// A number a digit at a time, the names apart (・ is a break between words), its point
/// read as テン and its separators left out.
fn spell_digits(number: &str) -> String {
    let names: Vec<&str> = number
        .chars()
        .filter_map(|c| match c {
            '.' => Some("テン"),
            _ => c.to_digit(10).map(|d| DIGIT_NAMES[d as usize]),
        })
        .collect();
    format!("・{}・", names.join("・"))
}

/// Whether a run of digits is a number in lo..=hi.
fn in_range(digits: &str, lo: u32, hi: u32) -> bool {
    digits.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
}

/// "07" → "7", "00" → "0": OpenJTalk reads a leading zero aloud.
fn trim_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }
}

/// ㇰ..ㇿ (U+31F0..U+31FF) → the full-size katakana (misaki's `Katakana_Phonetic_Extensions`).
fn phonetic_extension(c: char) -> char {
    const FULL: [char; 16] = [
        'ク', 'シ', 'ス', 'ト', 'ヌ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'ム', 'ラ', 'リ', 'ル', 'レ',
        'ロ',
    ];
    match c {
        '\u{31F0}'..='\u{31FF}' => FULL[(c as usize) - 0x31F0],
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_like_nfkc() {
        let r = Rules::new();
        assert_eq!(r.normalize("ＡＢＣ１２３"), "ABC123");
        assert_eq!(r.normalize("ｶﾀｶﾅ ｶﾞｷﾞ"), "カタカナ ガギ");
        assert_eq!(r.normalize("ㇰ"), "ク");
        assert_eq!(r.normalize("まあ…"), "まあ...");
    }

    #[test]
    fn numbers_get_counters() {
        let r = Rules::new();
        assert_eq!(r.normalize("¥1,500"), "1,500円");
        assert_eq!(r.normalize("￥ 1500です"), "1500円です");
        assert_eq!(r.normalize("$20"), "20ドル");
        assert_eq!(r.normalize("7:15に"), "7時15分に");
        assert_eq!(r.normalize("１９：００"), "19時");
        assert_eq!(r.normalize("08:05:09"), "8時5分9秒");
        assert_eq!(r.normalize("2025/03/14"), "2025年3月14日");
        assert_eq!(r.normalize("2025-3-4まで"), "2025年3月4日まで");
        assert_eq!(r.normalize("3〜5個"), "3から5個");
        assert_eq!(r.normalize("5km先"), "5キロメートル先");
        assert_eq!(r.normalize("25℃"), "25度");
        assert_eq!(r.normalize("128GBの"), "128ギガバイトの");
        assert_eq!(r.normalize("-5℃、03-1234"), "マイナス5度、03-1234");
        assert_eq!(r.normalize("https://example.com"), "example.com");
        // Not a date, not a time: left alone.
        assert_eq!(r.normalize("0120-12-34"), "0120-12-34");
        assert_eq!(r.normalize("2025/13/01"), "2025/13/01");
        assert_eq!(r.normalize("12:75"), "12:75");
        assert_eq!(r.normalize("25:30"), "25時30分");
        // Not a unit: a letter follows.
        assert_eq!(r.normalize("5mph"), "5mph");
    }

    #[test]
    fn numbers_past_the_largest_unit_are_spelled_a_digit_at_a_time() {
        let r = Rules::new();
        // Up to 16 digits, OpenJTalk reads the number.
        let sixteen = "1234567890123456";
        assert_eq!(r.normalize(sixteen), sixteen);
        assert_eq!(r.normalize("1,000,000円"), "1,000,000円");
        let long = format!("1{}", "0".repeat(400));
        let spelled = r.normalize(&long);
        assert!(spelled.starts_with("・イチ・ゼロ・ゼロ"), "{spelled}");
        assert_eq!(spelled.matches("ゼロ").count(), 400);
        assert_eq!(
            r.normalize("12345678901234567.5です"),
            "・イチ・ニ・サン・ヨン・ゴ・ロク・ナナ・ハチ・キュウ・ゼロ・イチ・ニ・サン・ヨン・ゴ・ロク・ナナ・テン・ゴ・です"
        );
    }
}
