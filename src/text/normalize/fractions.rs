//! Fractions as people say them: "1/2" → "a half", "3/4 cup" → "three quarters of a cup",
//! "2 1/2" → "two and a half", "5/8" → "five eighths", "½"; scores as "8 out of 10"; "24/7"
//! as "twenty four seven".
//!
//! A slash between two numbers is a fraction, a score or a ratio, and only the numbers say
//! which (dates with a year were read before this rule; paths and URLs too):
//! - the denominators of measuring (2, 3, 4, 6, 8, 12, 16, 32, 64) with a smaller numerator
//!   are fractions: "1/3", "5/8", "7/16";
//! - any other denominator, or a numerator equal to it, is a score: "8/10" → "eight out of
//!   ten", "10/20", "4/4" — unless "of" follows ("1/5 of the budget" → "a fifth of");
//! - after "page", "step", "part", … it is a position: "step 2/5" → "step two of five";
//! - a numerator larger than the denominator ("16/9", "2024/25") is left for the later
//!   rules ("over");
//! - Unicode's fraction characters (½ ⅓ ¾ ⅝ …) are always fractions.
//!
//! Around a fraction, the words people put there:
//! - a whole number: "2 1/2", "2-1/2" and "2½" → "two and a half";
//! - a measure ("cup", "inch", "hour", "lb", "tsp", …) ending its phrase → "half a cup",
//!   "three quarters of a cup of milk", "an eighth of an inch"; a measure before a noun is
//!   an adjective: "1/4 mile away" → "a quarter mile away", "5/8 inch plywood" → "five
//!   eighths inch plywood"; after a whole number it is plural: "2 1/2 lbs" → "two and a half
//!   pounds";
//! - "1/2" before a word is "half" ("half of", "half the", "half price", "cut in half"),
//!   before a number or at a clause's end "a half";
//! - after "a"/"an" and in a hyphenated compound, the bare form: "a 1/4 inch gap" → "a
//!   quarter inch gap", "1/2-inch" → "half-inch", "3/4-inch" → "three quarter-inch".

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::{cardinal, ordinal};
use super::rx;

/// Denominators read as fractions whatever follows: the ones of recipes, rulers and
/// drill bits. Others (5, 10, 100, …) are mostly scores ("4/5 stars", "8/10").
const MEASURING: &[u64] = &[2, 3, 4, 6, 8, 12, 16, 32, 64];

/// Scores with a larger denominator are rare: there a slash below one is a fraction
/// ("12639/12640"), one above it is left to the later rules.
const MAX_SCORE: u64 = 1000;

/// Written the way they are said, not as fractions or scores.
const IDIOMS: &[(&str, &str)] = &[
    ("24/7", "twenty four seven"),
    ("50/50", "fifty fifty"),
    ("20/20", "twenty twenty"),
];

/// The words after which "2/5" is a position in a sequence: "step two of five".
const POSITIONS: &[&str] = &[
    "page", "part", "step", "slide", "chapter", "episode", "question", "section", "lesson",
    "round", "phase", "stage", "level", "day", "week", "problem", "exercise", "item", "tweet",
];

/// Measures a fraction is "of": (written, one, many). Abbreviations are units, read only
/// with `unit_normalization` on, as in `units`.
const MEASURES: &[(&str, &str, &str)] = &[
    ("cup", "cup", "cups"),
    ("cups", "cup", "cups"),
    ("teaspoon", "teaspoon", "teaspoons"),
    ("teaspoons", "teaspoon", "teaspoons"),
    ("tablespoon", "tablespoon", "tablespoons"),
    ("tablespoons", "tablespoon", "tablespoons"),
    ("inch", "inch", "inches"),
    ("inches", "inch", "inches"),
    ("foot", "foot", "feet"),
    ("mile", "mile", "miles"),
    ("miles", "mile", "miles"),
    ("pound", "pound", "pounds"),
    ("pounds", "pound", "pounds"),
    ("ounce", "ounce", "ounces"),
    ("ounces", "ounce", "ounces"),
    ("gallon", "gallon", "gallons"),
    ("gallons", "gallon", "gallons"),
    ("quart", "quart", "quarts"),
    ("pint", "pint", "pints"),
    ("liter", "liter", "liters"),
    ("litre", "litre", "litres"),
    ("hour", "hour", "hours"),
    ("hours", "hour", "hours"),
    ("minute", "minute", "minutes"),
    ("day", "day", "days"),
    ("week", "week", "weeks"),
    ("month", "month", "months"),
    ("year", "year", "years"),
    ("stick", "stick", "sticks"),
    ("acre", "acre", "acres"),
];
const UNIT_MEASURES: &[(&str, &str, &str)] = &[
    ("tsp", "teaspoon", "teaspoons"),
    ("tbsp", "tablespoon", "tablespoons"),
    ("oz", "ounce", "ounces"),
    ("lb", "pound", "pounds"),
    ("lbs", "pound", "pounds"),
    ("mi", "mile", "miles"),
    ("ft", "foot", "feet"),
    ("hr", "hour", "hours"),
    ("hrs", "hour", "hours"),
    ("kg", "kilogram", "kilograms"),
    ("km", "kilometer", "kilometers"),
];

/// Unicode's vulgar fractions (U+00BC–U+00BE, U+2150–U+215E).
fn glyph(c: char) -> Option<(u64, u64)> {
    Some(match c {
        '½' => (1, 2),
        '⅓' => (1, 3),
        '⅔' => (2, 3),
        '¼' => (1, 4),
        '¾' => (3, 4),
        '⅕' => (1, 5),
        '⅖' => (2, 5),
        '⅗' => (3, 5),
        '⅘' => (4, 5),
        '⅙' => (1, 6),
        '⅚' => (5, 6),
        '⅐' => (1, 7),
        '⅛' => (1, 8),
        '⅜' => (3, 8),
        '⅝' => (5, 8),
        '⅞' => (7, 8),
        '⅑' => (1, 9),
        '⅒' => (1, 10),
        _ => return None,
    })
}

/// "half", "quarter", "third", "eighth", "thirty second" (plural: "halves", "quarters",
/// "thirds", …).
fn part(d: u64, plural: bool) -> String {
    let one = match d {
        2 if plural => return "halves".to_owned(),
        2 => "half".to_owned(),
        4 => "quarter".to_owned(),
        _ => ordinal(d),
    };
    if plural { one + "s" } else { one }
}

/// "a" or "an" before `word`, by its first sound.
fn article(word: &str) -> &'static str {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']) && !word.starts_with("uni")
        || word.starts_with("hour");
    if vowel { "an" } else { "a" }
}

/// The fraction on its own: "a half", "an eighth", "three quarters".
fn fraction(n: u64, d: u64) -> String {
    if n == 1 {
        let p = part(d, false);
        format!("{} {p}", article(&p))
    } else {
        format!("{} {}", cardinal(n), part(d, true))
    }
}

/// The fraction as an adjective ("a 1/4 inch gap", "3/4-inch", "5/8 inch plywood"):
/// "quarter", "three quarter", "five eighths" — "three-quarter" is said in the singular,
/// the others ("five-eighths", "two-thirds majority") in the plural.
fn adjective(n: u64, d: u64) -> String {
    if n == 1 {
        part(d, false)
    } else {
        format!("{} {}", cardinal(n), part(d, d != 4))
    }
}

/// What the slash between `n` and `d` is.
enum Reading {
    Fraction,
    Score,
    /// Left for the later rules.
    Other,
}

fn reading(n: u64, d: u64, of_follows: bool) -> Reading {
    if d == 0 {
        Reading::Other
    } else if d > MAX_SCORE {
        // "12639/12640": no score; a fraction when it is less than one.
        if n < d {
            Reading::Fraction
        } else {
            Reading::Other
        }
    } else if n > d {
        // "22/3", "5/2": more than one, in parts people measure in; "16/9" is a ratio.
        if MEASURING.contains(&d) {
            Reading::Fraction
        } else {
            Reading::Other
        }
    } else if n < d && (MEASURING.contains(&d) || of_follows) {
        Reading::Fraction
    } else {
        Reading::Score
    }
}

fn measure(written: &str) -> Option<(&'static str, &'static str)> {
    MEASURES
        .iter()
        .chain(UNIT_MEASURES)
        .find(|(w, ..)| w.eq_ignore_ascii_case(written))
        .map(|&(_, one, many)| (one, many))
}

fn pattern(units: bool) -> Regex {
    let mut measures: Vec<&str> = MEASURES.iter().map(|(w, ..)| *w).collect();
    if units {
        measures.extend(UNIT_MEASURES.iter().map(|(w, ..)| *w));
    }
    // Longest first: "cups" before "cup", "lbs" before "lb".
    measures.sort_by_key(|w| std::cmp::Reverse(w.len()));
    // 1 sign · 2 whole (n/d) · 3 n · 4 d · 5 whole (glyph) · 6 glyph · 7 a hyphenated word ·
    // 8 a measure. A whole number needs a space or hyphen before n/d ("12/3" is not
    // "1 2/3"); a glyph may touch it ("2½").
    rx::compile(&format!(
        r"(?i)(-)?(?:(?:\b(\d{{1,9}})[ -])?\b(\d{{1,9}})[/⁄](\d{{1,9}})(?:st|nd|rd|th)?\b|(?:\b(\d{{1,9}})[ -]?)?([½¼¾⅐-⅞]))(?:-([a-z]+)\b|[ ]?\b({})\b)?",
        measures.join("|")
    ))
}

/// The word before byte `at` of `text`, lowercased.
fn word_before(text: &str, at: usize) -> String {
    text[..at]
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase()
}

/// Whether `text[start..end]` is a clause of its own: nothing but punctuation around it.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let clause = |s: Option<char>| s.is_none_or(|c| ".,;:!?()".contains(c));
    clause(text[..start].trim_end().chars().next_back())
        && clause(text[end..].trim_start().chars().next())
}

/// The word after byte `at` of `text`, lowercased.
fn word_after(text: &str, at: usize) -> String {
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase()
}

/// Words after a measure that end its phrase: "3/4 cup of milk", "3/4 cup and stir" are
/// "three quarters of a cup"; before any other word the fraction is an adjective, "3/4 cup
/// milk" and "1/4 mile away" are "three quarter cup milk", "a quarter mile away".
const ENDS_A_MEASURE: &[&str] = &[
    "of", "and", "or", "to", "with", "in", "into", "for", "at", "per", "from", "on", "then", "is",
    "was", "are", "each", "more", "less", "than", "but", "so", "as", "if", "will",
];

/// Words after "1/2" that keep it "a half" ("1/2 and 1/4", "1/2 to 3/4"); before any other
/// word it is "half": "half of", "half the", "half price".
const A_HALF_BEFORE: &[&str] = &["and", "or", "to", "than", "is", "was", "are", "were"];

/// Fractions, scores and mixed numbers in words. `units`: abbreviated measures ("lb",
/// "tsp") are read too (`unit_normalization`).
pub fn fractions(text: &str, units: bool) -> Cow<'_, str> {
    static ALL: LazyLock<Regex> = LazyLock::new(|| pattern(true));
    static WORDS: LazyLock<Regex> = LazyLock::new(|| pattern(false));
    let re = if units { &*ALL } else { &*WORDS };
    re.replace_all(text, |c: &Captures| {
        let whole_match = c.get(0).map_or("", |m| m.as_str());
        let start = c.get(0).map_or(0, |m| m.start());
        let before = text[..start].chars().next_back();
        let (n, d, whole, glyphed, number_end) = match (c.get(3), c.get(4), c.get(6)) {
            (Some(n), Some(d), _) => {
                // "1/4th": the ordinal's letters belong to the number.
                let suffix = text[d.end()..]
                    .get(..2)
                    .filter(|s| ["st", "nd", "rd", "th"].contains(&s.to_ascii_lowercase().as_str()))
                    .map_or(0, str::len);
                (
                    n.as_str().parse::<u64>().unwrap_or(0),
                    d.as_str().parse::<u64>().unwrap_or(0),
                    c.get(2),
                    false,
                    d.end() + suffix,
                )
            }
            (_, _, Some(g)) => {
                let (n, d) = g.as_str().chars().next().and_then(glyph).unwrap_or((1, 2));
                (n, d, c.get(5), true, g.end())
            }
            _ => return whole_match.to_owned(),
        };
        // Part of something longer: "1/2/3", "v1.1/2", "1/2.5", "1,000/3".
        let after = &text[number_end..];
        let glued = |c: Option<char>| matches!(c, Some('/' | '.' | ',' | '⁄'));
        let mut rest = after.chars();
        if before == Some('/')
            || after.starts_with('/')
            || (glued(after.chars().next()) && rest.nth(1).is_some_and(|c| c.is_ascii_digit()))
            || (glued(before)
                && text[..start]
                    .chars()
                    .rev()
                    .nth(1)
                    .is_some_and(|c| c.is_ascii_digit()))
        {
            return whole_match.to_owned();
        }
        // "MIG-25/235212-asdg": a code's piece, not a number.
        if c.get(1).is_some() && before.is_some_and(char::is_alphabetic) {
            return whole_match.to_owned();
        }
        let sign = match (c.get(1), before) {
            (None, _) => "",
            // "1/2-3/4 cup": a range.
            (Some(_), Some(b)) if b.is_ascii_digit() || glyph(b).is_some() => " to ",
            (Some(_), _) => "minus ",
        };
        if !glyphed && whole.is_none() {
            let written = format!("{n}/{d}");
            if let Some((_, said)) = IDIOMS.iter().find(|(w, _)| *w == written) {
                return format!("{sign}{said}{}", &whole_match[number_end - start..]);
            }
        }
        let hyphenated = c.get(7);
        let measured = c.get(8);
        let end = c.get(0).map_or(number_end, |m| m.end());
        let next = word_after(text, if measured.is_some() { end } else { number_end });
        let kind = if glyphed {
            Reading::Fraction
        } else {
            reading(n, d, word_after(text, number_end) == "of")
        };
        // Everything after the numbers, as written, for the readings that keep it.
        let tail = &whole_match[number_end - start..];
        // The whole number and the space or hyphen after it ("2 1/2", "2-1/2"; none in "2½").
        let whole_words = whole.map(|w| {
            let at = w.end() - start;
            (w.as_str(), whole_match.get(at..at + 1).unwrap_or(""))
        });
        let said = match kind {
            Reading::Other => return whole_match.to_owned(),
            Reading::Score => {
                let prefix = whole_words.map_or(String::new(), |(w, sep)| format!("{w}{sep}"));
                let position =
                    whole.is_none() && POSITIONS.contains(&word_before(text, start).as_str());
                let joint = if position { "of" } else { "out of" };
                let numbers = format!("{} {joint} {}", cardinal(n), cardinal(d));
                return format!("{sign}{prefix}{numbers}{tail}");
            }
            Reading::Fraction => {
                if !glyphed
                    && whole.is_none()
                    && POSITIONS.contains(&word_before(text, start).as_str())
                {
                    return format!("{sign}{} of {}{tail}", cardinal(n), cardinal(d));
                }
                let after_article =
                    whole.is_none() && matches!(word_before(text, start).as_str(), "a" | "an");
                if let Some((w, _)) = whole_words {
                    let whole_n: u64 = w.parse().unwrap_or(0);
                    let mixed = format!("{} and {}", cardinal(whole_n), fraction(n, d));
                    match (hyphenated, measured) {
                        (Some(h), _) => format!("{mixed}-{}", h.as_str()),
                        (_, Some(m)) => {
                            let (_, many) = measure(m.as_str()).unwrap_or(("", m.as_str()));
                            format!("{mixed} {many}")
                        }
                        _ => mixed,
                    }
                } else if let Some(h) = hyphenated {
                    let words = if after_article || n == 1 && matches!(d, 2 | 4) {
                        adjective(n, d)
                    } else if n == 1 {
                        format!("one {}", part(d, false))
                    } else {
                        adjective(n, d)
                    };
                    format!("{words}-{}", h.as_str())
                } else if let Some(m) = measured {
                    let (one, _) = measure(m.as_str()).unwrap_or((m.as_str(), ""));
                    if after_article {
                        format!("{} {one}", adjective(n, d))
                    } else if next.starts_with(char::is_alphabetic)
                        && !ENDS_A_MEASURE.contains(&next.as_str())
                    {
                        // A noun follows: the measure describes it ("a quarter mile away",
                        // "five eighths inch plywood").
                        let adj = adjective(n, d);
                        if n == 1 {
                            format!("{} {adj} {one}", article(&adj))
                        } else {
                            format!("{adj} {one}")
                        }
                    } else if (n, d) == (1, 2) {
                        format!("half {} {one}", article(one))
                    } else {
                        format!("{} of {} {one}", fraction(n, d), article(one))
                    }
                } else if after_article {
                    adjective(n, d)
                } else if (n, d) == (1, 2)
                    && (next.starts_with(char::is_alphabetic)
                        && !A_HALF_BEFORE.contains(&next.as_str())
                        || word_before(text, start) == "in")
                {
                    // "half of", "half price", "cut in half".
                    "half".to_owned()
                } else if n == 1 && stands_alone(text, start, number_end) {
                    // Standing alone, a fraction is a number: "one half", "one quarter".
                    format!("one {}", part(d, false))
                } else {
                    fraction(n, d)
                }
            }
        };
        format!("{sign}{said}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(text: &str) -> String {
        fractions(text, true).into_owned()
    }

    #[test]
    fn fractions_as_people_say_them() {
        assert_eq!(say("1/2"), "one half");
        assert_eq!(say("1/4th"), "one quarter");
        assert_eq!(say("2/4th"), "two quarters");
        assert_eq!(
            say("22/3 and 3 5/2"),
            "twenty two thirds and three and five halves"
        );
        assert_eq!(say("about 1/4 left"), "about a quarter left");
        assert_eq!(say("3/4"), "three quarters");
        assert_eq!(say("5/8"), "five eighths");
        assert_eq!(say("7/16"), "seven sixteenths");
        assert_eq!(say("1/3 and 2/3"), "a third and two thirds");
        assert_eq!(say("1/8"), "one eighth");
        assert_eq!(say("about 1/8"), "about an eighth");
        assert_eq!(say("5/32"), "five thirty seconds");
        assert_eq!(say("1/2 of the users"), "half of the users");
        assert_eq!(say("1/2 the time"), "half the time");
        assert_eq!(say("½ price"), "half price");
        assert_eq!(say("cut it in 1/2."), "cut it in half.");
        assert_eq!(say("1/2 and 1/4"), "a half and a quarter");
        assert_eq!(say("about 1/2."), "about a half.");
        assert_eq!(say("1/3 of the votes"), "a third of the votes");
    }

    #[test]
    fn mixed_numbers_and_glyphs() {
        assert_eq!(say("2 1/2"), "two and a half");
        assert_eq!(say("1-3/4"), "one and three quarters");
        assert_eq!(say("½"), "one half");
        assert_eq!(say("2½ cups"), "two and a half cups");
        assert_eq!(say("1 ¾ hours"), "one and three quarters hours");
        assert_eq!(
            say("⅓ ⅔ ⅛ ⅝ ⅕"),
            "a third two thirds an eighth five eighths a fifth"
        );
    }

    #[test]
    fn before_a_measure() {
        assert_eq!(
            say("Mix 1/2 cup with 3/4 cup"),
            "Mix half a cup with three quarters of a cup"
        );
        assert_eq!(say("1/2 hour"), "half an hour");
        assert_eq!(say("1/8 inch"), "an eighth of an inch");
        assert_eq!(say("1/4 tsp salt"), "a quarter teaspoon salt");
        assert_eq!(say("1/4 mile away"), "a quarter mile away");
        assert_eq!(say("5/8 inch plywood"), "five eighths inch plywood");
        assert_eq!(say("1/2 cup milk"), "a half cup milk");
        assert_eq!(say("3/4 cup of milk"), "three quarters of a cup of milk");
        assert_eq!(say("2 1/2 lbs"), "two and a half pounds");
        assert_eq!(say("1 1/2 lb"), "one and a half pounds");
        assert_eq!(say("3/4 lbs"), "three quarters of a pound");
        assert_eq!(fractions("1/2 lb", false), "half lb");
        assert_eq!(say("a 1/4 inch gap"), "a quarter inch gap");
        assert_eq!(say("an 1/8 inch gap"), "an eighth inch gap");
    }

    #[test]
    fn compounds() {
        assert_eq!(say("a 1/2-inch pipe"), "a half-inch pipe");
        assert_eq!(say("1/2-inch"), "half-inch");
        assert_eq!(say("3/4-inch plywood"), "three quarter-inch plywood");
        assert_eq!(say("1/8-inch"), "one eighth-inch");
        assert_eq!(say("2 1/2-inch"), "two and a half-inch");
    }

    #[test]
    fn scores_positions_and_idioms() {
        assert_eq!(say("rated 8/10"), "rated eight out of ten");
        assert_eq!(say("10/20 passed"), "ten out of twenty passed");
        assert_eq!(say("4/4 tests"), "four out of four tests");
        assert_eq!(say("4/5 stars"), "four out of five stars");
        assert_eq!(say("1/5 of the budget"), "a fifth of the budget");
        assert_eq!(say("3/10 of them"), "three tenths of them");
        assert_eq!(say("step 2/5"), "step two of five");
        assert_eq!(say("Page 1/3"), "Page one of three");
        assert_eq!(say("open 24/7."), "open twenty four seven.");
        assert_eq!(say("a 50/50 chance"), "a fifty fifty chance");
    }

    #[test]
    fn signs_and_ranges() {
        assert_eq!(say("x = -1/2"), "x = minus a half");
        assert_eq!(say("1/2-3/4 cup"), "a half to three quarters of a cup");
    }

    #[test]
    fn what_is_not_a_fraction_is_left() {
        for text in [
            "16/9", "2024/25", "3/4/25", "1/2/3", "v1.1/2", "1/2.5", "1,000/3", "src/1/2",
            "and/or", "1/0", "a1/2",
        ] {
            assert_eq!(say(text), text);
        }
        assert_eq!(say("MIG-25/235212-asdg"), "MIG-25/235212-asdg");
        assert_eq!(say("12/3"), "twelve thirds");
    }
}
