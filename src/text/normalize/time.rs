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

/// "AM"/"PM" letters as misaki reads them (spelled, not the word "am").
fn meridiem(letter: &str) -> &'static str {
    if letter.eq_ignore_ascii_case("a") {
        "A M"
    } else {
        "P M"
    }
}

/// Times of day.
pub fn times(text: &str) -> Cow<'_, str> {
    // 7:15 a.m. / 7:15pm / 7 AM / 6pm
    static TWELVE: rx::Lazy =
        rx::lazy!(r"\b(\d{1,2})(?::(\d{2}))?\s?([aApP])\.?\s?[mM]\b\.?(\s+[a-z])?",);
    // 18:30, 09:00 (24-hour or a bare clock time)
    static CLOCK: rx::Lazy = rx::lazy!(r"\b(\d{1,2}):(\d{2})\b");
    let text = TWELVE.replace_all(text, |c: &Captures| {
        let h: u64 = c[1].parse().unwrap_or(0);
        let m: u64 = c.get(2).map_or(0, |m| m.as_str().parse().unwrap_or(0));
        if h > 12 || m > 59 {
            return c[0].to_owned();
        }
        let clock = clock(h, m, true);
        // "7 a.m. tomorrow": the abbreviation's period was not a sentence end.
        let next = c.get(4).map_or("", |m| m.as_str());
        let end = if next.is_empty() && c[0].ends_with('.') {
            "."
        } else {
            ""
        };
        format!("{clock} {}{end}{next}", meridiem(&c[3]))
    });
    let out = CLOCK.replace_all(&text, |c: &Captures| {
        let h: u64 = c[1].parse().unwrap_or(0);
        let m: u64 = c[2].parse().unwrap_or(0);
        if h > 24 || m > 59 {
            return c[0].to_owned();
        }
        clock(h, m, false)
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

/// Dates written with month names, numerically, or ISO 8601.
pub fn dates(text: &str, british: bool) -> Cow<'_, str> {
    static NAMED: rx::Lazy = rx::lazy!(
        r"(?i)\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?",
    );
    static DAY_FIRST: rx::Lazy = rx::lazy!(
        r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?(?:,?\s+(\d{4})\b)?",
    );
    static NUMERIC: rx::Lazy = rx::lazy!(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b");
    static ISO: rx::Lazy = rx::lazy!(r"\b(\d{4})-(\d{2})-(\d{2})\b");
    // "expires 12/2026": a month and a year, not a fraction.
    static MONTH_YEAR: rx::Lazy = rx::lazy!(r"\b(\d{1,2})/(\d{4})\b");

    let iso = ISO.replace_all(text, |c: &Captures| {
        let y: u64 = c[1].parse().unwrap_or(0);
        let m: usize = c[2].parse().unwrap_or(0);
        let d: u64 = c[3].parse().unwrap_or(0);
        if (1..=12).contains(&m) && (1..=31).contains(&d) {
            spoken_date(m - 1, d, Some(y), british)
        } else {
            c[0].to_owned()
        }
    });
    let numeric = NUMERIC.replace_all(&iso, |c: &Captures| {
        let a: u64 = c[1].parse().unwrap_or(0);
        let b: u64 = c[2].parse().unwrap_or(0);
        let y: u64 = c[3].parse().unwrap_or(0);
        // The dialect decides the order; a first number over 12 can only be the day.
        let (month, day) = if british || a > 12 { (b, a) } else { (a, b) };
        if (1..=12).contains(&month) && (1..=31).contains(&day) {
            spoken_date(month as usize - 1, day, Some(y), british)
        } else {
            c[0].to_owned()
        }
    });
    let numeric = match MONTH_YEAR.replace_all(&numeric, |c: &Captures| {
        let m: usize = c[1].parse().unwrap_or(0);
        let y: u64 = c[2].parse().unwrap_or(0);
        let end = c.get(0).map_or(0, |m| m.end());
        // "1/2025/3" is something else.
        if (1..=12).contains(&m) && (1900..=2099).contains(&y) && !numeric[end..].starts_with('/') {
            format!("{} {}", MONTHS[m - 1], year(y))
        } else {
            c[0].to_owned()
        }
    }) {
        Cow::Borrowed(_) => numeric,
        Cow::Owned(s) => Cow::Owned(s),
    };
    let named = NAMED.replace_all(&numeric, |c: &Captures| {
        let (Some(m), Ok(d)) = (month_index(&c[1]), c[2].parse::<u64>()) else {
            return c[0].to_owned();
        };
        // "May 5" is a date; "may 5" is more likely the verb.
        if !(1..=31).contains(&d) || c[1].starts_with(char::is_lowercase) {
            return c[0].to_owned();
        }
        spoken_date(
            m,
            d,
            c.get(3).and_then(|y| y.as_str().parse().ok()),
            british,
        )
    });
    let out = DAY_FIRST.replace_all(&named, |c: &Captures| {
        let (Ok(d), Some(m)) = (c[1].parse::<u64>(), month_index(&c[2])) else {
            return c[0].to_owned();
        };
        if !(1..=31).contains(&d) || c[2].starts_with(char::is_lowercase) {
            return c[0].to_owned();
        }
        spoken_date(m, d, c.get(3).and_then(|y| y.as_str().parse().ok()), true)
    });
    Cow::Owned(out.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_hour_times() {
        assert_eq!(
            times("at 7:15 a.m. tomorrow"),
            "at seven fifteen A M tomorrow"
        );
        assert_eq!(times("by 6pm"), "by six P M");
        assert_eq!(times("It opens at 9 AM."), "It opens at nine A M.");
        assert_eq!(times("from 10:05 PM"), "from ten oh five P M");
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
        assert_eq!(
            dates("on 25/12/2024", false),
            "on December twenty fifth, twenty twenty four"
        );
        assert_eq!(
            dates("due 2025-01-02", false),
            "due January second, twenty twenty five"
        );
        assert_eq!(dates("Sat 4 July", false), "Sat the fourth of July");
        assert_eq!(
            dates("expires 12/2026", false),
            "expires December twenty twenty six"
        );
        assert_eq!(dates("3/4/2025", false), "March fourth, twenty twenty five");
        assert_eq!(dates("13/2025 and 1/2025/3", false), "13/2025 and 1/2025/3");
        assert_eq!(dates("you may 5 times", false), "you may 5 times");
    }
}
