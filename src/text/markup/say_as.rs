//! SSML `<say-as>`: the content written out in English words, so it reads the same whatever
//! the normalization switches (and is not read again by a rule that would guess otherwise).
//!
//! `interpret-as`: `characters` (also `spell-out`, `verbatim`, `digits`), `cardinal` (also
//! `number`), `ordinal`, `date` (with `format`), `time`, `telephone`. Numbers and ordinals
//! come from the normalizer's own [`cardinal`] and [`ordinal`]; years, clock times and phone
//! groups follow the normalizer's readings ("twenty twenty five", "seven oh five",
//! "five five five, one two three"). Anything that does not fit its kind is an error that
//! says so, never a guess.

use crate::text::normalize::{MONTHS, cardinal, clock, month_index, ordinal};

/// What `<say-as>` supports, for messages.
const KINDS: &str = "characters, cardinal, ordinal, date, time, telephone";

/// Longest number read as a quantity (as the normalizer: longer ones are ids, not amounts).
const MAX_DIGITS: usize = 15;

/// `content` as said for `interpret_as`; `Err` says what does not fit.
pub(super) fn expand(
    interpret_as: &str,
    format: Option<&str>,
    content: &str,
) -> Result<String, String> {
    let content = content.trim();
    if content.is_empty() {
        return Err("<say-as> is empty".into());
    }
    match interpret_as.trim().to_ascii_lowercase().as_str() {
        "characters" | "spell-out" | "verbatim" | "digits" => characters(content),
        "cardinal" | "number" => number(content),
        "ordinal" => nth(content),
        "date" => date(content, format),
        "time" => time(content),
        "telephone" => telephone(content),
        other => Err(format!(
            "interpret-as=\"{}\" is not supported ({KINDS})",
            super::quote(other)
        )),
    }
}

/// A digit as its word.
fn digit_word(d: u32) -> String {
    cardinal(u64::from(d))
}

/// "SSML" → "S S M L", "R2D2" → "R two D two": letters as capitals (read by name), digits as
/// words; spaces and punctuation are not said.
fn characters(content: &str) -> Result<String, String> {
    let said: Vec<String> = content
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c.to_digit(10) {
            Some(d) => digit_word(d),
            None => c.to_uppercase().collect(),
        })
        .collect();
    if said.is_empty() {
        return Err(format!(
            "characters '{}' has no letters or digits to spell",
            super::quote(content)
        ));
    }
    Ok(said.join(" "))
}

/// Digits with optional `,` or `_` thousands separators, as a `u64` of at most
/// [`MAX_DIGITS`] significant digits.
fn whole(text: &str) -> Option<u64> {
    if text.is_empty()
        || text.starts_with([',', '_'])
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'_')
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_DIGITS {
        return None;
    }
    Some(significant.parse().unwrap_or(0))
}

/// "-12,345.06" → "minus twelve thousand three hundred forty five point zero six".
fn number(content: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "cardinal '{}' is not a number (digits, optional sign and decimals, up to {MAX_DIGITS} digits)",
            super::quote(content)
        )
    };
    let (sign, rest) = match content.strip_prefix(['-', '−']) {
        Some(rest) => ("minus ", rest),
        None => ("", content.strip_prefix('+').unwrap_or(content)),
    };
    let (int, fraction) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let n = whole(int).ok_or_else(bad)?;
    let mut out = format!("{sign}{}", cardinal(n));
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        out.push_str(" point");
        for d in fraction.chars().filter_map(|c| c.to_digit(10)) {
            out.push(' ');
            out.push_str(&digit_word(d));
        }
    }
    Ok(out)
}

/// "3", "3rd", "1,000th" → "third", "one thousandth".
fn nth(content: &str) -> Result<String, String> {
    let lower = content.to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| lower.strip_suffix(s))
        .unwrap_or(&lower);
    whole(digits).map(ordinal).ok_or_else(|| {
        format!(
            "ordinal '{}' is not a whole number (like 3 or 3rd)",
            super::quote(content)
        )
    })
}

/// A year as the normalizer says it: 1999 → "nineteen ninety nine", 2005 → "two thousand
/// five", 2025 → "twenty twenty five", 1900 → "nineteen hundred".
fn year(n: u64) -> String {
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

/// A date's fields in `format`'s order (`mdy`, `dmy`, `ymd`, `md`, `dm`, `ym`, `my`, `y`,
/// `m`, `d`; letters may repeat as in Google's `yyyymmdd`, which also splits an unseparated
/// `19600910` by width). Without a format: `ymd` when the first field has four digits,
/// else `mdy` (or `md`/`ym` for two fields, `y` for one). Said as "September tenth,
/// nineteen sixty", "September nineteen sixty", "the tenth".
fn date(content: &str, format: Option<&str>) -> Result<String, String> {
    let bad = |why: &str| format!("date '{}': {why}", super::quote(content));
    let fields: Vec<&str> = content
        .split(|c: char| matches!(c, '-' | '/' | '.' | ',') || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    let (order, fields) = match format {
        Some(f) => {
            let f = f.trim().to_ascii_lowercase();
            let mut order = String::new();
            for c in f.chars() {
                if !matches!(c, 'y' | 'm' | 'd') {
                    return Err(bad(
                        "format takes the letters y, m and d (like mdy or yyyymmdd)",
                    ));
                }
                if !order.ends_with(c) {
                    order.push(c);
                }
            }
            let unique = order.len() <= 3
                && ['y', 'm', 'd']
                    .iter()
                    .all(|l| order.matches(*l).count() <= 1);
            if order.is_empty() || !unique {
                return Err(bad("format takes each of y, m and d at most once"));
            }
            // "yyyymmdd" over "19600910": split by the letters' widths.
            let fields = match fields.as_slice() {
                [one] if order.len() > 1 && one.len() == f.len() && one.is_ascii() => {
                    let mut at = 0;
                    let mut split = Vec::new();
                    for letter in order.chars() {
                        let width = f[at..].chars().take_while(|&c| c == letter).count();
                        split.push(&one[at..at + width]);
                        at += width;
                    }
                    split
                }
                _ => fields,
            };
            (order, fields)
        }
        None => {
            let four = fields.first().is_some_and(|f| f.len() == 4);
            let order = match (fields.len(), four) {
                (3, true) => "ymd",
                (3, false) => "mdy",
                (2, true) => "ym",
                (2, false) => "md",
                _ => "y",
            };
            (order.to_owned(), fields)
        }
    };
    if fields.len() != order.len() {
        return Err(bad(&format!(
            "{} fields for the format '{order}'",
            fields.len()
        )));
    }
    let (mut y, mut m, mut d) = (None, None, None);
    for (letter, field) in order.chars().zip(&fields) {
        let digits = |max_len: usize| {
            (field.len() <= max_len && field.bytes().all(|b| b.is_ascii_digit()))
                .then(|| field.parse::<u64>().ok())
                .flatten()
        };
        match letter {
            'y' => y = Some(digits(4).ok_or_else(|| bad("the year is not a number"))?),
            'm' => {
                let month = digits(2)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| (1..=12).contains(n))
                    .map(|n| n - 1)
                    .or_else(|| month_index(field))
                    .ok_or_else(|| bad("the month is not 1 to 12 or a month's name"))?;
                m = Some(month);
            }
            _ => {
                let lower = field.to_ascii_lowercase();
                let plain = ["st", "nd", "rd", "th"]
                    .iter()
                    .find_map(|s| lower.strip_suffix(s))
                    .unwrap_or(&lower);
                let day = (plain.len() <= 2 && plain.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| plain.parse::<u64>().ok())
                    .flatten()
                    .filter(|n| (1..=31).contains(n))
                    .ok_or_else(|| bad("the day is not 1 to 31"))?;
                d = Some(day);
            }
        }
    }
    let month = m.map(|m| MONTHS[m]);
    Ok(match (month, d, y) {
        (Some(m), Some(d), Some(y)) => format!("{m} {}, {}", ordinal(d), year(y)),
        (Some(m), Some(d), None) => format!("{m} {}", ordinal(d)),
        (Some(m), None, Some(y)) => format!("{m} {}", year(y)),
        (Some(m), None, None) => m.to_owned(),
        (None, Some(d), Some(y)) => format!("the {}, {}", ordinal(d), year(y)),
        (None, Some(d), None) => format!("the {}", ordinal(d)),
        (None, None, Some(y)) => year(y),
        (None, None, None) => return Err(bad("no fields")),
    })
}

/// "2:30pm" → "two thirty PM", "14:30" → "fourteen thirty", "9:00" → "nine o'clock",
/// "18:00" → "eighteen hundred", "7:05:09 am" → "seven oh five and nine seconds AM"
/// (misaki spells "AM" out; "A M" would be the article "a" and "M").
fn time(content: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "time '{}' is not a time of day (like 14:30, 2:30 PM or 7am)",
            super::quote(content)
        )
    };
    let lower = content.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    let (digits, meridiem) = match compact
        .strip_suffix("am")
        .map(|c| (c, "AM"))
        .or_else(|| compact.strip_suffix("pm").map(|c| (c, "PM")))
    {
        Some((c, m)) => (c.to_owned(), Some(m)),
        // Without a meridiem the dots were no part of the clock ("14.30" is not a time here).
        None => (lower.trim().to_owned(), None),
    };
    let parts: Vec<&str> = digits.split(':').collect();
    let field = |s: &str, min_len: usize| {
        (s.len() >= min_len && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (h, m, s) = match parts.as_slice() {
        [h] => (field(h, 1), Some(0), None),
        [h, m] => (field(h, 1), field(m, 2), None),
        [h, m, s] => (field(h, 1), field(m, 2), Some(field(s, 2).ok_or_else(bad)?)),
        _ => return Err(bad()),
    };
    let (Some(h), Some(m)) = (h, m) else {
        return Err(bad());
    };
    let max_hour = if meridiem.is_some() { 12 } else { 24 };
    if h > max_hour || m > 59 || s.is_some_and(|s| s > 59) || (h == 24 && m + s.unwrap_or(0) > 0) {
        return Err(bad());
    }
    let mut out = clock(h, m, meridiem.is_some());
    if let Some(s) = s.filter(|&s| s > 0) {
        let unit = if s == 1 { "second" } else { "seconds" };
        out.push_str(&format!(" and {} {unit}", cardinal(s)));
    }
    if let Some(meridiem) = meridiem {
        out.push(' ');
        out.push_str(meridiem);
    }
    Ok(out)
}

/// "+1 (555) 123-4567" → "plus one, five five five, one two three, four five six seven":
/// digit by digit, a comma between groups for a person's pause, letters by name.
fn telephone(content: &str) -> Result<String, String> {
    let bad = |why: &str| format!("telephone '{}': {why}", super::quote(content));
    if let Some(c) = content
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || c.is_whitespace() || "+-.()/".contains(*c)))
    {
        return Err(bad(&format!("'{c}' has no place in a phone number")));
    }
    if !content.chars().any(|c| c.is_ascii_digit()) {
        return Err(bad("no digits"));
    }
    let mut groups = Vec::new();
    if content.trim_start().starts_with('+') {
        groups.push("plus".to_owned());
    }
    for group in content
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|g| !g.is_empty())
    {
        let said: Vec<String> = group
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => digit_word(d),
                None => c.to_ascii_uppercase().to_string(),
            })
            .collect();
        let said = said.join(" ");
        match groups.last_mut() {
            // "plus" goes with the country code: "plus one".
            Some(plus) if plus == "plus" => {
                plus.push(' ');
                plus.push_str(&said);
            }
            _ => groups.push(said),
        }
    }
    Ok(groups.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(kind: &str, format: Option<&str>, content: &str) -> String {
        expand(kind, format, content).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn characters_are_spelled() {
        assert_eq!(say("characters", None, "SSML"), "S S M L");
        assert_eq!(say("spell-out", None, "abc"), "A B C");
        assert_eq!(say("verbatim", None, "R2-D2"), "R two D two");
        assert_eq!(say("characters", None, "10"), "one zero");
        assert!(expand("characters", None, "-- !").is_err());
    }

    #[test]
    fn numbers_are_quantities() {
        assert_eq!(
            say("cardinal", None, "12,345"),
            "twelve thousand three hundred forty five"
        );
        assert_eq!(say("number", None, "-3.05"), "minus three point zero five");
        assert_eq!(say("cardinal", None, "0"), "zero");
        assert_eq!(say("ordinal", None, "10"), "tenth");
        assert_eq!(say("ordinal", None, "23rd"), "twenty third");
        for bad in ["ten", "1.2.3", "1e5", "12a", ",1", "1234567890123456", "3."] {
            assert!(expand("cardinal", None, bad).is_err(), "{bad}");
        }
        assert!(expand("ordinal", None, "-1").is_err());
        assert!(expand("ordinal", None, "1.5").is_err());
    }

    #[test]
    fn dates_follow_their_format() {
        assert_eq!(
            say("date", Some("yyyymmdd"), "1960-09-10"),
            "September tenth, nineteen sixty"
        );
        assert_eq!(
            say("date", Some("yyyymmdd"), "19600910"),
            "September tenth, nineteen sixty"
        );
        assert_eq!(say("date", Some("dm"), "10-9"), "September tenth");
        assert_eq!(
            say("date", Some("dmy"), "14/03/2025"),
            "March fourteenth, twenty twenty five"
        );
        assert_eq!(
            say("date", None, "3/14/2025"),
            "March fourteenth, twenty twenty five"
        );
        assert_eq!(
            say("date", None, "2005-01-02"),
            "January second, two thousand five"
        );
        assert_eq!(
            say("date", Some("my"), "Sep 1999"),
            "September nineteen ninety nine"
        );
        assert_eq!(say("date", Some("y"), "1900"), "nineteen hundred");
        assert_eq!(say("date", Some("d"), "3rd"), "the third");
        for (format, bad) in [
            (Some("mdy"), "13/01/2020"),
            (Some("mdy"), "01/32/2020"),
            (Some("mdy"), "01/02"),
            (Some("mmx"), "01/02"),
            (Some("mdm"), "01/02/03"),
            (None, "yesterday"),
            (Some("ymd"), "20201/01/01"),
        ] {
            assert!(expand("date", format, bad).is_err(), "{format:?} {bad}");
        }
    }

    #[test]
    fn times_read_as_the_normalizer_reads_them() {
        assert_eq!(say("time", None, "2:30pm"), "two thirty PM");
        assert_eq!(say("time", Some("hms12"), "7 a.m."), "seven AM");
        assert_eq!(say("time", None, "14:30"), "fourteen thirty");
        assert_eq!(say("time", None, "9:00"), "nine o'clock");
        assert_eq!(say("time", None, "18:00"), "eighteen hundred");
        assert_eq!(say("time", None, "0:05"), "zero oh five");
        assert_eq!(
            say("time", None, "7:05:09 AM"),
            "seven oh five and nine seconds AM"
        );
        for bad in [
            "25:00", "13pm", "12:60", "noon", "1:2", "24:01", "1:00:60", "14.30",
        ] {
            assert!(expand("time", None, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_are_digits_in_groups() {
        assert_eq!(
            say("telephone", None, "+1 (555) 123-4567"),
            "plus one, five five five, one two three, four five six seven"
        );
        assert_eq!(
            say("telephone", None, "1800-202-1212"),
            "one eight zero zero, two zero two, one two one two"
        );
        assert_eq!(
            say("telephone", None, "1-800-FLOWERS"),
            "one, eight zero zero, F L O W E R S"
        );
        assert!(expand("telephone", None, "call me").is_err());
        assert!(expand("telephone", None, "555#123").is_err());
    }

    #[test]
    fn other_kinds_are_refused_by_name() {
        let e = expand("currency", None, "$42.01").err().unwrap_or_default();
        assert!(e.contains("currency") && e.contains("characters"), "{e}");
        assert!(expand("cardinal", None, "  ").is_err());
    }
}
