//! Times ("7:15 a.m.", "6pm", "18:30") and dates ("March 14, 2025", "14/03/2025" in the
//! order the dialect writes them, "2025-03-14", "12/2026").

use std::borrow::Cow;

use regex::Captures;

use super::numbers::{cardinal, ordinal, year};
use super::rx;

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Minutes after the hour: ":05" → "oh five", ":30" → "thirty".
fn minutes(m: u64) -> String {
    if m < 10 {
        format!("oh {}", cardinal(m))
    } else {
        cardinal(m)
    }
}

/// A clock time in words, before its meridiem if `twelve_hour` ("seven", "seven fifteen"),
/// else as the hour reads alone ("seven o'clock", "eighteen hundred", "eighteen thirty").
/// The normalizer and SSML's `<say-as interpret-as="time">` both read times this way.
pub fn clock(h: u64, m: u64, twelve_hour: bool) -> String {
    match (twelve_hour, h, m) {
        (true, h, 0) => cardinal(h),
        (false, h, 0) if (1..=12).contains(&h) => format!("{} o'clock", cardinal(h)),
        (false, h, 0) => format!("{} hundred", cardinal(h)),
        (_, h, m) => format!("{} {}", cardinal(h), minutes(m)),
    }
}

/// "AM"/"PM": misaki spells a capitalized pair as letters ("A M" apart would be the article
/// "a" and "M").
fn meridiem(letter: &str) -> &'static str {
    if letter.eq_ignore_ascii_case("a") {
        "AM"
    } else {
        "PM"
    }
}

/// A clock time with seconds, as NeMo and a stopwatch read it: "one hour one minute and one
/// second", "fourteen hours ten minutes and thirty seconds".
fn with_seconds(h: u64, m: u64, s: u64) -> String {
    let unit = |n: u64, one: &str| {
        let name = if n == 1 {
            one.to_owned()
        } else {
            format!("{one}s")
        };
        format!("{} {name}", cardinal(n))
    };
    format!(
        "{} {} and {}",
        unit(h, "hour"),
        unit(m, "minute"),
        unit(s, "second")
    )
}

/// Time zones said after a time, as letters: "est", "e.s.t" → "EST".
const ZONES: &str = r"[ecmp]\.?[sd]\.?t\b\.?|gmt\b|utc\b|bst\b|cet\b|cest\b|jst\b|aest\b";

/// Times of day: "7:15 a.m." → "seven fifteen AM", "6pm", "1.59 p.m. est" → "one fifty nine
/// PM EST", "2pm-5pm" → "two PM to five PM", "18:30", "14:10:30" → "fourteen hours ten
/// minutes and thirty seconds".
pub fn times(text: &str) -> Cow<'_, str> {
    // [from – ] hour[:minutes[:seconds]] meridiem [zone]; a dot between hour and minutes
    // only where a meridiem follows ("1.59 p.m.").
    static TWELVE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"\b(?:(\d{{1,2}})(?:[:.](\d{{2}}))?\s?(?:([aApP])\.?\s?[mM]\b\.?)?\s?[-–]\s?)?(\d{{1,2}})(?:[:.](\d{{2}}))?(?::(\d{{2}}))?\s?([aApP])\.?\s?[mM]\b\.?(?:\s?(?i:({ZONES})))?(\s+[a-z])?"
        ))
    });
    // 18:30, 09:00, 14:10:30 (24-hour or a bare clock time)
    static CLOCK: rx::Lazy = rx::lazy!(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b");
    let number = |c: &Captures, i: usize| -> u64 {
        c.get(i).map_or(0, |m| m.as_str().parse().unwrap_or(99))
    };
    let text = TWELVE.replace_all(text, |c: &Captures| {
        let (h, m, s) = (number(c, 4), number(c, 5), number(c, 6));
        if !(1..=12).contains(&h) && h != 0 || m > 59 || s > 59 {
            return c[0].to_owned();
        }
        let said = |h: u64, m: u64, s: Option<u64>, letter: &str| match s {
            Some(s) => format!("{} {}", with_seconds(h, m, s), meridiem(letter)),
            None => format!("{} {}", clock(h, m, true), meridiem(letter)),
        };
        let mut out = String::new();
        if let Some(from) = c.get(1) {
            let (fh, fm): (u64, u64) = (from.as_str().parse().unwrap_or(99), number(c, 2));
            if !(1..=12).contains(&fh) || fm > 59 {
                return c[0].to_owned();
            }
            let letter = c.get(3).map_or(&c[7], |m| m.as_str());
            out.push_str(&said(fh, fm, None, letter));
            out.push_str(" to ");
        }
        out.push_str(&said(h, m, c.get(6).map(|_| s), &c[7]));
        if let Some(zone) = c.get(8) {
            out.push(' ');
            out.extend(
                zone.as_str()
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_uppercase()),
            );
        }
        // "7 a.m. tomorrow": the abbreviation's period was not a sentence end.
        let next = c.get(9).map_or("", |m| m.as_str());
        if next.is_empty() && c[0].ends_with('.') {
            out.push('.');
        }
        out.push_str(next);
        out
    });
    // A range of clock times: "10:30-11:00".
    static CLOCKS: rx::Lazy = rx::lazy!(r"\b(\d{1,2}:\d{2}) ?[-–] ?(\d{1,2}:\d{2})\b");
    let text = CLOCKS.replace_all(&text, "$1 to $2");
    let out = CLOCK.replace_all(&text, |c: &Captures| {
        let (h, m) = (number(c, 1), number(c, 2));
        let limit = if c.get(3).is_some() { 99 } else { 24 };
        if h > limit || m > 59 || number(c, 3) > 59 {
            return c[0].to_owned();
        }
        match c.get(3) {
            Some(_) => with_seconds(h, m, number(c, 3)),
            None => clock(h, m, false),
        }
    });
    Cow::Owned(out.into_owned())
}

/// A month by its name or a prefix of three letters or more ("Sep", "sept.", "September").
pub fn month_index(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    MONTHS
        .iter()
        .position(|m| lower.len() >= 3 && m.to_ascii_lowercase().starts_with(lower))
}

/// A date spoken: "March fourteenth, twenty twenty five" (US) or "the fourteenth of March
/// twenty twenty five" (GB).
fn spoken_date(month: usize, day: u64, y: Option<u64>, british: bool) -> String {
    let name = MONTHS[month];
    let mut out = if british {
        format!("the {} of {name}", ordinal(day))
    } else {
        format!("{name} {}", ordinal(day))
    };
    if let Some(y) = y {
        out.push_str(if british { " " } else { ", " });
        out.push_str(&year(y));
    }
    out
}

/// A two-digit year as said: "05" → "oh five", "98" → "ninety eight".
fn short_year(y: &str) -> String {
    let n: u64 = y.parse().unwrap_or(0);
    if n < 10 {
        format!("oh {}", cardinal(n))
    } else {
        cardinal(n)
    }
}

/// A year before an era ("340 AD", "44 BC"): read in pairs from three digits ("three
/// forty"), as a year from four.
fn era_year(n: u64) -> String {
    match n {
        100..=999 if n.is_multiple_of(100) => cardinal(n),
        100..=999 if n % 100 < 10 => format!("{} oh {}", cardinal(n / 100), cardinal(n % 100)),
        100..=999 => format!("{} {}", cardinal(n / 100), cardinal(n % 100)),
        _ => year(n),
    }
}

/// Month names and their abbreviations, for the patterns.
/// The days of the week, for their short names before a date.
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const MONTH: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

/// Month names that are also everyday words in lower case ("you may 5 times", "mar the
/// finish"): a date only with a year.
const WORDLIKE_MONTHS: &[&str] = &["may", "mar", "march"];

/// Dates written with month names ("March 14, 2025", "jul 25 2012", "Jan-15", "25th july
/// 2012"), numerically (in the dialect's order, or day first where the first number can only
/// be a day), year first ("2025-03-14", "2016/07/03"), with an era ("340 A.D"), and fiscal
/// quarters ("2Q22").
pub fn dates(text: &str, british: bool) -> Cow<'_, str> {
    static NAMED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"(?i)\b({MONTH})\.?(?:\s+|-)(\d{{1,2}})(?:st|nd|rd|th)?\b(?:(?:,?\s+|-)(\d{{4}})\b)?"
        ))
    });
    static DAY_FIRST: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(?:of\s+)?|-)({MONTH})\b\.?(?:,?\s+(\d{{4}})\b)?"
        ))
    });
    static NUMERIC: rx::Lazy = rx::lazy!(r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4})\b");
    static SHORT: rx::Lazy = rx::lazy!(r"\b(\d{1,2})/(\d{1,2})/(\d{2})\b");
    static YEAR_FIRST: rx::Lazy = rx::lazy!(r"\b(\d{4})([/.-])(\d{1,2})([/.-])(\d{1,2})\b");
    // "expires 12/2026": a month and a year, not a fraction.
    static MONTH_YEAR: rx::Lazy = rx::lazy!(r"\b(\d{1,2})/(\d{4})\b");
    static ERA: rx::Lazy = rx::lazy!(r"\b(\d{1,4})\s?(A\.?D|B\.?C\.?E?|C\.?E)\b(\.)?");
    static QUARTER: rx::Lazy = rx::lazy!(r"\b([1-4])Q(\d{4}|\d{2})\b");
    static WEEKDAY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"\b(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?(,?\s+(?:the\s+\w+\s+of\s+)?(?:{MONTHS_SAID})\b)",
            MONTHS_SAID = MONTHS.join("|")
        ))
    });

    let valid = |m: u64, d: u64| (1..=12).contains(&m) && (1..=31).contains(&d);
    let number = |c: &Captures, i: usize| -> u64 { c[i].parse().unwrap_or(0) };
    let t = YEAR_FIRST.replace_all(text, |c: &Captures| {
        let (y, m, d) = (number(c, 1), number(c, 3), number(c, 5));
        if c[2] != c[4] || !valid(m, d) {
            return c[0].to_owned();
        }
        spoken_date(m as usize - 1, d, Some(y), british)
    });
    let t = NUMERIC.replace_all(&t, |c: &Captures| {
        let (a, b, y) = (number(c, 1), number(c, 3), number(c, 5));
        if c[2] != c[4] {
            return c[0].to_owned();
        }
        // The dialect decides the order; a first number over 12 can only be the day, and
        // a date written day first is read day first.
        let day_first = british || a > 12;
        let (month, day) = if day_first { (b, a) } else { (a, b) };
        if !valid(month, day) {
            return c[0].to_owned();
        }
        spoken_date(month as usize - 1, day, Some(y), day_first)
    });
    let t = SHORT.replace_all(&t, |c: &Captures| {
        let (a, b) = (number(c, 1), number(c, 2));
        let (month, day) = if british || a > 12 { (b, a) } else { (a, b) };
        let end = c.get(0).map_or(0, |m| m.end());
        if !valid(month, day) || t[end..].starts_with('/') {
            return c[0].to_owned();
        }
        let date = spoken_date(month as usize - 1, day, None, british || a > 12);
        format!("{date} {}", short_year(&c[3]))
    });
    let t = MONTH_YEAR.replace_all(&t, |c: &Captures| {
        let (m, y) = (number(c, 1), number(c, 2));
        let end = c.get(0).map_or(0, |m| m.end());
        // "1/2025/3" is something else.
        if (1..=12).contains(&m) && (1900..=2099).contains(&y) && !t[end..].starts_with('/') {
            format!("{} {}", MONTHS[m as usize - 1], year(y))
        } else {
            c[0].to_owned()
        }
    });
    let t = NAMED.replace_all(&t, |c: &Captures| {
        let (Some(m), Ok(d)) = (month_index(&c[1]), c[2].parse::<u64>()) else {
            return c[0].to_owned();
        };
        let y = c.get(3).and_then(|y| y.as_str().parse().ok());
        // "May 5" is a date; "may 5" is more likely the verb, unless a year follows.
        let wordlike = c[1].starts_with(char::is_lowercase)
            && WORDLIKE_MONTHS.contains(&c[1].to_ascii_lowercase().as_str());
        if !(1..=31).contains(&d) || (wordlike && y.is_none()) {
            return c[0].to_owned();
        }
        spoken_date(m, d, y, british)
    });
    let t = DAY_FIRST.replace_all(&t, |c: &Captures| {
        let (Ok(d), Some(m)) = (c[1].parse::<u64>(), month_index(&c[2])) else {
            return c[0].to_owned();
        };
        if !(1..=31).contains(&d) {
            return c[0].to_owned();
        }
        let date = spoken_date(m, d, c.get(3).and_then(|y| y.as_str().parse().ok()), true);
        // "on the 26th May": the date's own "the" is already there.
        let start = c.get(0).map_or(0, |m| m.start());
        let before = t[..start].trim_end();
        // (`get`: the three bytes before may end inside a character of another script.)
        let has_the = before
            .get(before.len().saturating_sub(3)..)
            .is_some_and(|w| w.eq_ignore_ascii_case("the"));
        match date.strip_prefix("the ") {
            Some(rest) if has_the => rest.to_owned(),
            _ => date,
        }
    });
    // "Wed., Jan. 3rd", "Sat 5 May": a weekday's short name before the date it names (the
    // date already in words here); elsewhere "Wed", "Sat" and "Sun" are more likely words.
    let t = WEEKDAY.replace_all(&t, |c: &Captures| {
        let day = WEEKDAYS
            .iter()
            .find(|d| d[..3].eq_ignore_ascii_case(&c[1][..3]))
            .map_or(&c[1], |d| d);
        format!("{day}{}", &c[2])
    });
    let t = ERA.replace_all(&t, |c: &Captures| {
        let era: String = c[2].chars().filter(char::is_ascii_alphabetic).collect();
        let end = c.get(0).map_or(0, |m| m.end());
        let period = c.get(3).is_some() && super::ends_sentence(&t[end..]);
        let stop = if period { "." } else { "" };
        format!("{} {era}{stop}", era_year(number(c, 1)))
    });
    let t = QUARTER.replace_all(&t, |c: &Captures| {
        let y = &c[2];
        let y = if y.len() == 4 {
            year(number(c, 2))
        } else {
            cardinal(number(c, 2))
        };
        format!("the {} quarter of {y}", ordinal(number(c, 1)))
    });
    Cow::Owned(t.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A date after a character of another script ends no "the" inside it (proptest found
    /// the slice that panicked there).
    #[test]
    fn a_date_after_another_script_is_read() {
        assert!(dates("ફb 26 May", false).contains("May"));
    }

    #[test]
    fn twelve_hour_times() {
        assert_eq!(
            times("at 7:15 a.m. tomorrow"),
            "at seven fifteen AM tomorrow"
        );
        assert_eq!(times("by 6pm"), "by six PM");
        assert_eq!(times("It opens at 9 AM."), "It opens at nine AM.");
        assert_eq!(times("from 10:05 PM"), "from ten oh five PM");
    }

    #[test]
    fn clock_times() {
        assert_eq!(times("at 18:30"), "at eighteen thirty");
        assert_eq!(times("at 9:00"), "at nine o'clock");
        assert_eq!(times("at 18:00"), "at eighteen hundred");
        assert_eq!(times("ratio 99:99"), "ratio 99:99");
    }

    #[test]
    fn dates_by_dialect() {
        assert_eq!(
            dates("on March 14, 2025.", false),
            "on March fourteenth, twenty twenty five."
        );
        assert_eq!(
            dates("on 14/03/2025", true),
            "on the fourteenth of March twenty twenty five"
        );
        assert_eq!(
            dates("on 03/14/2025", false),
            "on March fourteenth, twenty twenty five"
        );
        // Written day first: read day first, whatever the dialect.
        assert_eq!(
            dates("on 25/12/2024", false),
            "on the twenty fifth of December twenty twenty four"
        );
        assert_eq!(
            dates("due 2025-01-02", false),
            "due January second, twenty twenty five"
        );
        assert_eq!(dates("Sat 4 July", false), "Saturday the fourth of July");
        assert_eq!(dates("Wed., Jan. 3rd", false), "Wednesday, January third");
        assert_eq!(dates("Thurs, 5 May", false), "Thursday, the fifth of May");
        assert_eq!(
            dates("they wed. Then Sat 5 times", false),
            "they wed. Then Sat 5 times"
        );
        assert_eq!(
            dates("expires 12/2026", false),
            "expires December twenty twenty six"
        );
        assert_eq!(dates("3/4/2025", false), "March fourth, twenty twenty five");
        assert_eq!(dates("13/2025 and 1/2025/3", false), "13/2025 and 1/2025/3");
        assert_eq!(dates("you may 5 times", false), "you may 5 times");
        assert_eq!(dates("mar 5", false), "mar 5");
        assert_eq!(
            dates("jul 25 2012 and Jan-15", false),
            "July twenty fifth, twenty twelve and January fifteenth"
        );
        assert_eq!(
            dates("on the 26th May, 15-01-2020", false),
            "on the twenty sixth of May, the fifteenth of January twenty twenty"
        );
        assert_eq!(dates("2016/07/03", false), "July third, twenty sixteen");
        assert_eq!(dates("01/07/98", false), "January seventh ninety eight");
        assert_eq!(dates("340 A.D. Rome", false), "three forty AD. Rome");
        assert_eq!(
            dates("in 2Q22", false),
            "in the second quarter of twenty two"
        );
    }

    #[test]
    fn times_with_seconds_zones_and_ranges() {
        assert_eq!(times("1:59 p.m. e.s.t"), "one fifty nine PM EST");
        assert_eq!(times("1.59 p.m."), "one fifty nine PM.");
        assert_eq!(times("2pm-5pm"), "two PM to five PM");
        assert_eq!(times("10:30-11:00"), "ten thirty to eleven o'clock");
        assert_eq!(times("4:00 am - 8:12 pm"), "four AM to eight twelve PM");
        assert_eq!(
            times("14:10:30"),
            "fourteen hours ten minutes and thirty seconds"
        );
        assert_eq!(times("1:01:01"), "one hour one minute and one second");
        assert_eq!(times("price 2.50 today"), "price 2.50 today");
    }
}
