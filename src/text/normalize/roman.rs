//! Roman numerals, only where they are numerals: after a word that numbers what follows
//! ("Chapter IV" → "Chapter four", "PART XL", "World War II", "Super Bowl LVII") and after a
//! name, as a king's or a son's ("Henry VIII" → "Henry the eighth", "John Smith III"). Never
//! a lone "I", never a word that only looks like one ("MIX", "DC", "CLI"): after a name only
//! I, V and X count (up to XXXIX), and a numeral must be well formed.

use std::borrow::Cow;

use regex::Captures;

use super::numbers::{cardinal, ordinal};
use super::rx;

/// Words after which a numeral counts: read as a cardinal.
const COUNTED: &[&str] = &[
    "chapter", "part", "book", "volume", "vol", "act", "scene", "section", "article", "appendix",
    "phase", "war", "bowl", "title", "level", "type", "class", "stage", "schedule", "grade",
    "tier", "round", "episode", "season", "movement", "psalm", "canto", "unit", "lesson",
];

/// The value of a well-formed roman numeral (I–MMMCMXCIX), or `None`.
pub(super) fn value(numeral: &str) -> Option<u64> {
    const DIGITS: [(&str, u64); 13] = [
        ("M", 1000),
        ("CM", 900),
        ("D", 500),
        ("CD", 400),
        ("C", 100),
        ("XC", 90),
        ("L", 50),
        ("XL", 40),
        ("X", 10),
        ("IX", 9),
        ("V", 5),
        ("IV", 4),
        ("I", 1),
    ];
    let mut rest = numeral;
    let mut total = 0;
    for (digit, v) in DIGITS {
        // Each of M, C, X, I repeats at most three times; the others once.
        let repeats = if digit.len() == 1 && "MCXI".contains(digit) {
            3
        } else {
            1
        };
        for _ in 0..repeats {
            match rest.strip_prefix(digit) {
                Some(r) => {
                    rest = r;
                    total += v;
                }
                None => break,
            }
        }
    }
    (rest.is_empty() && total > 0).then_some(total)
}

/// Roman numerals read as numbers where the word before says they are.
pub fn roman(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b([A-Za-z][a-z]*|[A-Z]+)\.? ([IVXLCDM]+)\b");
    RE.replace_all(text, |c: &Captures| {
        let (word, numeral) = (&c[1], &c[2]);
        let Some(n) = value(numeral) else {
            return c[0].to_owned();
        };
        let head = &c[0][..c[0].len() - numeral.len()];
        if COUNTED.contains(&word.to_ascii_lowercase().as_str()) {
            return format!("{head}{}", cardinal(n));
        }
        // A name: capitalized, not all capitals; a numeral of two letters or more, of I, V, X.
        let name = word.len() > 1
            && word.starts_with(char::is_uppercase)
            && word.chars().skip(1).all(char::is_lowercase);
        if name && numeral.len() > 1 && numeral.chars().all(|c| "IVX".contains(c)) {
            return format!("{head}the {}", ordinal(n));
        }
        c[0].to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_where_they_count() {
        assert_eq!(roman("Chapter IV"), "Chapter four");
        assert_eq!(roman("PART XL"), "PART forty");
        assert_eq!(roman("World War II"), "World War two");
        assert_eq!(
            roman("Henry VIII and Pope Pius XII"),
            "Henry the eighth and Pope Pius the twelfth"
        );
    }

    #[test]
    fn words_that_look_like_numerals_are_left() {
        for text in [
            "Sam and I",
            "I MIX it",
            "Washington DC",
            "the CLI",
            "Apollo IIII",
            "Henry I",
            "go XL",
        ] {
            assert_eq!(roman(text), text);
        }
    }
}
