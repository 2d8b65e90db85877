//! Codes and serials: letters and digits in one token ("B2A23C", "t-0t25d12-f", "es3",
//! "ab9453"), read piece by piece: the letters as written, each run of digits as a number
//! ("C24" → "C twenty four") or, where it is a code, digit by digit: a run with a leading
//! zero ("d08"), or four digits and more that are not a round number ("ab9453" → "ab nine
//! four five three"; "t2000" → "t two thousand"). Digits after a word that says they are a
//! code ("card ending in 8876", "PIN 1234", "ext. 27") are read one by one too.
//!
//! Runs after the rules that read a number glued to letters as something else (units
//! "12kg", ordinals "1st", scales "10k", decades "80s", "3x", versions "v2", times "6pm").

use std::borrow::Cow;

use regex::Captures;

use super::numbers::{digits, integer};
use super::rx;

/// A run of digits inside a code.
fn code_digits(run: &str) -> String {
    let round = run.ends_with("00") && !run.starts_with('0');
    if run.len() > 1 && run.starts_with('0') || run.len() >= 4 && !round {
        digits(run)
    } else {
        integer(run)
    }
}

/// Letters and digits of one token apart, each digit run read as [`code_digits`] says.
fn spoken(token: &str) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in token.chars() {
        if let Some(last) = run.chars().last()
            && last.is_ascii_digit() != c.is_ascii_digit()
        {
            pieces.push(std::mem::take(&mut run));
        }
        run.push(c);
    }
    pieces.push(run);
    pieces
        .iter()
        .map(|p| {
            if p.starts_with(|c: char| c.is_ascii_digit()) {
                code_digits(p)
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tokens of letters and digits, and digits after the words that make them a code.
pub fn serials(text: &str) -> Cow<'_, str> {
    static MIXED: rx::Lazy =
        rx::lazy!(r"\b[A-Za-z0-9]*(?:[A-Za-z][0-9]|[0-9][A-Za-z])[A-Za-z0-9]*\b");
    static AFTER_CODE_WORD: rx::Lazy = rx::lazy!(
        r"(?i)\b(ending in|ends in|pin|otp|pnr|cvv|ext\.?|extension)(\s*(?:is|number|no\.?|#|:)?\s*)(\d{2,})\b"
    );
    let t = AFTER_CODE_WORD.replace_all(text, |c: &Captures| {
        let word = if c[1].to_ascii_lowercase().starts_with("ext") {
            "extension"
        } else {
            &c[1]
        };
        format!("{word}{}{}", &c[2], digits(&c[3]))
    });
    let out = MIXED.replace_all(&t, |c: &Captures| {
        let token = &c[0];
        // "4s", "80s": plural numbers, read by the number rules.
        if token
            .strip_suffix('s')
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            return token.to_owned();
        }
        spoken(token)
    });
    Cow::Owned(out.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_piece_by_piece() {
        assert_eq!(serials("B2A23C"), "B two A twenty three C");
        assert_eq!(serials("25d08A"), "twenty five d zero eight A");
        assert_eq!(serials("t-0t25d12-f"), "t-zero t twenty five d twelve-f");
        assert_eq!(serials("es3 and C24"), "es three and C twenty four");
        assert_eq!(serials("otp is ab9453"), "otp is ab nine four five three");
        assert_eq!(serials("pnr is t2000"), "pnr is t two thousand");
        assert_eq!(serials("the 1990s and 4s"), "the 1990s and 4s");
    }

    #[test]
    fn digits_after_code_words() {
        assert_eq!(
            serials("card ending in 8876"),
            "card ending in eight eight seven six"
        );
        assert_eq!(serials("ext. 27"), "extension two seven");
        assert_eq!(serials("PIN: 0042"), "PIN: zero zero four two");
    }
}
