//! Numbers in words: cardinals, decimals, ordinals, years, digit strings; and the rules that
//! read currency, percentages, "1.5M", "#12", ordinals, version numbers and plain numbers.

use std::borrow::Cow;

use regex::Captures;

use super::rx;

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [(u64, &str); 6] = [
    (1_000_000_000_000_000_000, "quintillion"),
    (1_000_000_000_000_000, "quadrillion"),
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];
/// The names of each group of three digits, from the right: "124,444,234,854,823,834,553"
/// has seven groups and is read up to "quintillion".
const GROUP_NAMES: [&str; 9] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
];
/// Longer digit strings without thousands separators are read digit by digit (ids, card
/// numbers), not as quantities; with separators, the writer said they are a quantity.
const MAX_CARDINAL_DIGITS: usize = 15;

/// `n` in words: 1234 → "one thousand two hundred thirty four".
pub fn cardinal(n: u64) -> String {
    if n < 20 {
        return ONES[n as usize].to_owned();
    }
    if n < 100 {
        let tens = TENS[(n / 10) as usize];
        return match n % 10 {
            0 => tens.to_owned(),
            r => format!("{tens} {}", ONES[r as usize]),
        };
    }
    if n < 1000 {
        let head = format!("{} hundred", ONES[(n / 100) as usize]);
        return match n % 100 {
            0 => head,
            r => format!("{head} {}", cardinal(r)),
        };
    }
    for (size, name) in SCALES {
        if n >= size {
            let head = format!("{} {name}", cardinal(n / size));
            return match n % size {
                0 => head,
                r => format!("{head} {}", cardinal(r)),
            };
        }
    }
    // Below 1000 (handled above): unreachable.
    digits(&n.to_string())
}

/// Each digit as a word: "42" → "four two".
pub fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| ONES[d as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A digit string (commas allowed as thousands separators) as a quantity, three digits at a
/// time with their scale names; very long ones without separators digit by digit.
pub fn integer(s: &str) -> String {
    let plain: String = s.chars().filter(char::is_ascii_digit).collect();
    if plain.is_empty() {
        return String::new();
    }
    let trimmed = plain.trim_start_matches('0');
    let grouped = s.contains(',');
    if trimmed.is_empty() {
        return "zero".to_owned();
    }
    if (!grouped && trimmed.len() > MAX_CARDINAL_DIGITS) || trimmed.len() > 3 * GROUP_NAMES.len() {
        return digits(&plain);
    }
    let groups = trimmed.len().div_ceil(3);
    let head = trimmed.len() - 3 * (groups - 1);
    let mut words = Vec::new();
    for g in 0..groups {
        let (start, end) = match g {
            0 => (0, head),
            _ => (head + 3 * (g - 1), head + 3 * g),
        };
        let value: u64 = trimmed[start..end].parse().unwrap_or(0);
        if value > 0 {
            words.push(cardinal(value));
            let name = GROUP_NAMES[groups - 1 - g];
            if !name.is_empty() {
                words.push(name.to_owned());
            }
        }
    }
    words.join(" ")
}

/// "3.14" → "three point one four"; "2.0" → "two point zero"; ".5" → "point five".
pub fn decimal(whole: &str, fraction: &str) -> String {
    decimal_with(whole, fraction, "zero")
}

/// [`decimal`], with the word for a zero after the point ("oh" in version numbers).
pub fn decimal_with(whole: &str, fraction: &str, zero: &str) -> String {
    let mut out = integer(whole);
    if !fraction.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("point ");
        out.push_str(&point_digits(fraction, zero));
    }
    out
}

/// Digits after a point, one by one.
fn point_digits(s: &str, zero: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| if d == 0 { zero } else { ONES[d as usize] })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A number as written, with an optional decimal part: "1,250.5".
pub fn number(s: &str) -> String {
    match s.split_once('.') {
        Some((whole, fraction)) => decimal(whole, fraction),
        None => integer(s),
    }
}

/// `n` as an ordinal: 1 → "first", 23 → "twenty third".
pub fn ordinal(n: u64) -> String {
    let words = cardinal(n);
    let (head, last) = match words.rsplit_once(' ') {
        Some((h, l)) => (format!("{h} "), l.to_owned()),
        None => (String::new(), words),
    };
    let last = match last.as_str() {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    };
    head + &last
}

/// A year as people say it: 1999 → "nineteen ninety nine", 2005 → "two thousand five",
/// 2025 → "twenty twenty five", 1900 → "nineteen hundred".
pub fn year(n: u64) -> String {
    if !(1100..=2099).contains(&n) || (2000..=2009).contains(&n) {
        return cardinal(n);
    }
    let (hi, lo) = (n / 100, n % 100);
    match lo {
        0 => format!("{} hundred", cardinal(hi)),
        1..=9 => format!("{} oh {}", cardinal(hi), cardinal(lo)),
        _ => format!("{} {}", cardinal(hi), cardinal(lo)),
    }
}

pub(super) fn scale_word(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().as_str() {
        "k" | "thousand" => Some("thousand"),
        "m" | "mn" | "million" => Some("million"),
        "b" | "bn" | "billion" => Some("billion"),
        "t" | "tn" | "trillion" => Some("trillion"),
        _ => None,
    }
}

/// "15%" → "fifteen percent", "-3.5 %" → "minus three point five percent"; after a number
/// the hyphen is a range's ("10-20%" → "10 to twenty percent").
pub fn percent(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"(-|\+)?\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?%");
    RE.replace_all(text, |c: &Captures| {
        let start = c.get(0).map_or(0, |m| m.start());
        let before = text[..start].chars().next_back();
        let sign = match c.get(1).map(|m| m.as_str()) {
            Some("-") if before.is_some_and(|c| c.is_ascii_digit()) => " to ",
            Some(sign) if before.is_some_and(char::is_alphanumeric) => sign,
            Some("-") => "minus ",
            Some("+") => "plus ",
            _ => "",
        };
        let n = decimal(&c[2], c.get(3).map_or("", |m| m.as_str()));
        format!("{sign}{n} percent")
    })
}

/// "1.5M users" → "one point five million users"; "10k" → "ten thousand".
pub fn scaled(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b(\d+)(?:\.(\d+))?([kKMB]|bn)\b");
    RE.replace_all(text, |c: &Captures| {
        let scale = scale_word(&c[3]).unwrap_or("thousand");
        format!(
            "{} {scale}",
            decimal(&c[1], c.get(2).map_or("", |m| m.as_str()))
        )
    })
}

/// "#12" → "number twelve"; "No. 5" → "number five".
pub fn number_sign(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"(?:#|\bNo\.\s?|\bno\.\s)(\d+)\b");
    RE.replace_all(text, |c: &Captures| format!("number {}", integer(&c[1])))
}

/// The suffix English writes after `n` as an ordinal: 1 "st", 12 "th", 22 "nd".
fn ordinal_suffix(n: u64) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// "1st" → "first", "23rd" → "twenty third", "1,000th" → "one thousandth". A suffix that
/// does not fit the number ("1th", "4rd") makes no ordinal: the number and the letters as
/// written.
pub fn ordinals(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b(\d{1,3}(?:,\d{3})+|\d{1,15})(?i:(st|nd|rd|th))\b");
    RE.replace_all(text, |c: &Captures| {
        let n: u64 = c[1].replace(',', "").parse().unwrap_or(0);
        if c[2].eq_ignore_ascii_case(ordinal_suffix(n)) {
            ordinal(n)
        } else {
            format!("{} {}", integer(&c[1]), &c[2])
        }
    })
}

/// Version numbers: "v2.0" → "version two point oh", "3.11.4" → "three point eleven point
/// four" (each part a number, as developers read them).
pub fn versions(text: &str) -> Cow<'_, str> {
    static V: rx::Lazy = rx::lazy!(r"\b[vV](\d+(?:\.\d+)*)\b");
    static MULTI: rx::Lazy = rx::lazy!(r"\b\d+(?:\.\d+){2,}\b");
    let spoken = |v: &str| -> String {
        let parts: Vec<&str> = v.split('.').collect();
        if parts.len() == 2 {
            return decimal_with(parts[0], parts[1], "oh");
        }
        parts
            .iter()
            .map(|p| {
                if *p == "0" {
                    "oh".to_owned()
                } else {
                    integer(p)
                }
            })
            .collect::<Vec<_>>()
            .join(" point ")
    };
    let text = V.replace_all(text, |c: &Captures| format!("version {}", spoken(&c[1])));
    match MULTI.replace_all(&text, |c: &Captures| spoken(&c[0])) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Ranges: "10-20" → "10 to 20", "1960s-80s" → "1960s to 80s" (before the numbers are
/// read). Not a range: a hyphen in a chain ("1-413-te-b-1-5" is a code), before or after
/// "=" ("1-2=5" is a subtraction), or a second number below the first ("978-0"), except a
/// year's last digits ("1960-80").
pub fn ranges(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b(\d+(?:\.\d+)?)\s?[-–]\s?(\d+(?:\.\d+)?)\b");
    static DECADES: rx::Lazy = rx::lazy!(r"\b(\d{2,4}s)\s?[-–]\s?(\d{2,4}s)\b");
    let t = DECADES.replace_all(text, "$1 to $2");
    let out = RE.replace_all(&t, |c: &Captures| {
        let (start, end) = c.get(0).map_or((0, 0), |m| (m.start(), m.end()));
        let (before, after) = (&t[..start], &t[end..]);
        let chained =
            |s: &str, c: Option<char>| s.starts_with('-') && c.is_some_and(char::is_alphanumeric);
        if chained(after, after.chars().nth(1))
            || before.ends_with('-')
                && before
                    .chars()
                    .rev()
                    .nth(1)
                    .is_some_and(char::is_alphanumeric)
        {
            return c[0].to_owned();
        }
        if after.trim_start().starts_with('=') || before.trim_end().ends_with('=') {
            return format!("{} minus {}", &c[1], &c[2]);
        }
        let (a, b): (f64, f64) = (c[1].parse().unwrap_or(0.0), c[2].parse().unwrap_or(0.0));
        let year_end = c[1].len() == 4 && c[2].len() == 2;
        if b < a && !year_end {
            return format!("{} {}", &c[1], &c[2]);
        }
        format!("{} to {}", &c[1], &c[2])
    });
    Cow::Owned(out.into_owned())
}

/// Decades: "'80s" → "eighties", "1980 s" → "nineteen eighties" (a decade written apart).
pub fn decades(text: &str) -> Cow<'_, str> {
    static SHORT: rx::Lazy = rx::lazy!(r"(^|[\s(\[-])['’](\d0)s\b");
    static APART: rx::Lazy = rx::lazy!(r"\b(1[1-9]\d0|20\d0) s\b");
    let t = SHORT.replace_all(text, |c: &Captures| {
        format!(
            "{}{}",
            &c[1],
            pluralize(&cardinal(c[2].parse().unwrap_or(0)))
        )
    });
    let out = APART.replace_all(&t, |c: &Captures| {
        pluralize(&year(c[1].parse().unwrap_or(0)))
    });
    Cow::Owned(out.into_owned())
}

/// Decimals written without a whole part: ".1665" → "point one six six five".
pub fn bare_decimals(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"(^|[\s(\[])(-)?\.(\d+)\b");
    RE.replace_all(text, |c: &Captures| {
        let minus = if c.get(2).is_some() { "minus " } else { "" };
        format!("{}{minus}{}", &c[1], decimal("", &c[3]))
    })
}

/// Every number left: negatives, decimals, thousands separators, years; a number written
/// with leading zeros ("004", "007") digit by digit.
pub fn plain(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy =
        rx::lazy!(r"(^|[\s(\[])?(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(s\b|'s\b)?",);
    RE.replace_all(text, |c: &Captures| {
        let lead = c.get(1).map_or("", |m| m.as_str());
        let minus = if c.get(2).is_some() && c.get(1).is_some() {
            "minus "
        } else if c.get(2).is_some() {
            // "5-6" was a range, handled before; a hyphen glued to a word stays a pause.
            " "
        } else {
            ""
        };
        let whole = &c[3];
        let fraction = c.get(4).map_or("", |m| m.as_str());
        let decade = c.get(5).is_some();
        let value: Option<u64> = (!whole.contains(',') && whole.len() == 4 && fraction.is_empty())
            .then(|| whole.parse().ok())
            .flatten();
        let words = match value {
            Some(y) if (1100..=2099).contains(&y) => year(y),
            _ if whole.len() > 1 && whole.starts_with('0') && fraction.is_empty() => digits(whole),
            _ if fraction.is_empty() => integer(whole),
            _ => decimal(whole, fraction),
        };
        let words = if decade { pluralize(&words) } else { words };
        format!("{lead}{minus}{words}")
    })
}

/// "nineteen ninety" → "nineteen nineties" (for "1990s", "80s").
fn pluralize(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{words}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals_and_ordinals() {
        assert_eq!(cardinal(0), "zero");
        assert_eq!(cardinal(23), "twenty three");
        assert_eq!(cardinal(100), "one hundred");
        assert_eq!(
            cardinal(1_234_567),
            "one million two hundred thirty four thousand five hundred sixty seven"
        );
        assert_eq!(ordinal(1), "first");
        assert_eq!(ordinal(12), "twelfth");
        assert_eq!(ordinal(20), "twentieth");
        assert_eq!(ordinal(23), "twenty third");
        assert_eq!(ordinal(101), "one hundred first");
        assert_eq!(integer("1,250"), "one thousand two hundred fifty");
        assert_eq!(
            integer("4111111111111111111"),
            digits("4111111111111111111")
        );
    }

    #[test]
    fn years_and_decimals() {
        assert_eq!(year(2025), "twenty twenty five");
        assert_eq!(year(1999), "nineteen ninety nine");
        assert_eq!(year(2005), "two thousand five");
        assert_eq!(year(1905), "nineteen oh five");
        assert_eq!(decimal("3", "14"), "three point one four");
        assert_eq!(decimal("2", "0"), "two point zero");
        assert_eq!(decimal("", "1665"), "point one six six five");
    }

    #[test]
    fn percentages_scales_and_signs() {
        assert_eq!(percent("up 15%"), "up fifteen percent");
        assert_eq!(percent("-3.5%"), "minus three point five percent");
        assert_eq!(scaled("1.5M users"), "one point five million users");
        assert_eq!(scaled("10k steps"), "ten thousand steps");
        assert_eq!(number_sign("issue #12"), "issue number twelve");
        assert_eq!(ordinals("the 1st and 22nd"), "the first and twenty second");
    }

    #[test]
    fn versions_ranges_and_plain_numbers() {
        assert_eq!(
            versions("Python 3.11.4"),
            "Python three point eleven point four"
        );
        assert_eq!(versions("v2.0 is out"), "version two point oh is out");
        assert_eq!(ranges("10-20 minutes"), "10 to 20 minutes");
        assert_eq!(
            ranges("1960-80 and 1960s-80s"),
            "1960 to 80 and 1960s to 80s"
        );
        assert_eq!(ranges("1-2=5 and 978-0"), "1 minus 2=5 and 978 0");
        assert_eq!(ranges("1-413-te-b-1-5"), "1-413-te-b-1-5");
        assert_eq!(
            plain("in 2025 we had 1,200 users"),
            "in twenty twenty five we had one thousand two hundred users"
        );
        assert_eq!(plain("it was -5 outside"), "it was minus five outside");
        assert_eq!(plain("the 1990s"), "the nineteen nineties");
        assert_eq!(plain("pi is 3.14"), "pi is three point one four");
    }
}
