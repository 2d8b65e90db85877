//! URLs, email addresses and phone numbers, read the way people say them: "acme dot io
//! slash help" (no "h t t p s colon slash slash"), "jane at example dot com", and phone
//! numbers digit by digit in their groups.

use std::borrow::Cow;

use regex::Captures;

use super::numbers::{digits, integer};
use super::rx;

/// Top-level domains recognized without a scheme or "www." ("acme.io/help").
const TLDS: &str = "com|org|net|io|dev|ai|app|co|uk|us|edu|gov|me|info|ly|gg|tv|xyz|tech|so|sh|fm|de|fr|ca|au|in|eu";

/// One part of a host or path, spoken: digits as a number, separators as words.
fn speak_part(part: &str) -> String {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        if word.chars().all(|c| c.is_ascii_digit()) {
            out.push(integer(word));
        } else {
            out.push(std::mem::take(word));
        }
        word.clear();
    };
    for c in part.chars() {
        let name = match c {
            '.' => Some("dot"),
            '/' => Some("slash"),
            '-' => Some("dash"),
            '_' => Some("underscore"),
            '+' => Some("plus"),
            '@' => Some("at"),
            '~' => Some("tilde"),
            '#' => Some("hash"),
            '=' => Some("equals"),
            '&' => Some("and"),
            '?' => Some("question mark"),
            c if c.is_alphanumeric() => {
                // "v2" and "abc123": letters and digits apart
                if let Some(last) = word.chars().last()
                    && last.is_ascii_digit() != c.is_ascii_digit()
                {
                    flush(&mut word, &mut out);
                }
                word.push(c);
                None
            }
            _ => None,
        };
        if let Some(name) = name {
            flush(&mut word, &mut out);
            out.push(name.to_owned());
        }
    }
    flush(&mut word, &mut out);
    out.join(" ")
}

/// A URL as said aloud: no scheme, no "www.", no trailing slash, no query string.
fn speak_url(url: &str) -> String {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .trim_start_matches("www.");
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    speak_part(rest.trim_end_matches('/'))
}

/// URLs: with a scheme, with "www.", or a bare domain with a known top-level domain.
pub fn urls(text: &str) -> Cow<'_, str> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"(?i)\b(?:https?://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\x22]|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{TLDS})\b(?:/[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\x22])?"
        ))
    });
    RE.replace_all(text, |c: &Captures| {
        let start = c.get(0).map_or(0, |m| m.start());
        // The domain of an email address left as written (email_normalization is off).
        if text[..start].ends_with('@') {
            return c[0].to_owned();
        }
        speak_url(&c[0])
    })
}

/// Email addresses: "jane.doe@example.com" → "jane dot doe at example dot com".
pub fn emails(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b");
    RE.replace_all(text, |c: &Captures| speak_part(&c[0]))
}

/// Phone numbers in their usual shapes ("(555) 123-4567", "+1 555-123-4567",
/// "555.123.4567"): digit by digit, a comma between groups for the pause a person makes.
pub fn phones(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(
        r"(?:(\+\d{1,3})[\s.-]?)?(?:\((\d{3})\)\s?|\b(\d{3})[\s.-])(\d{3})[\s.-](\d{4})\b",
    );
    RE.replace_all(text, |c: &Captures| {
        let mut groups = Vec::new();
        if let Some(country) = c.get(1) {
            groups.push(format!("plus {}", digits(country.as_str())));
        }
        for i in 2..=5 {
            if let Some(g) = c.get(i) {
                groups.push(digits(g.as_str()));
            }
        }
        groups.join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_said_naturally() {
        assert_eq!(
            urls("See https://acme.io/help for more."),
            "See acme dot io slash help for more."
        );
        assert_eq!(
            urls("visit www.example.com/docs/v2/."),
            "visit example dot com slash docs slash v two."
        );
        assert_eq!(urls("go to github.com"), "go to github dot com");
        assert_eq!(
            urls("https://docs.rs/tokio/latest?search=x"),
            "docs dot rs slash tokio slash latest"
        );
        assert_eq!(urls("version 3.14 is fine"), "version 3.14 is fine");
    }

    #[test]
    fn emails_are_said_naturally() {
        assert_eq!(
            emails("Write to jane.doe@example.com today"),
            "Write to jane dot doe at example dot com today"
        );
        assert_eq!(
            emails("support_team@acme.co.uk"),
            "support underscore team at acme dot co dot uk"
        );
    }

    #[test]
    fn phone_numbers_in_digit_groups() {
        assert_eq!(
            phones("Call (555) 123-4567 now"),
            "Call five five five, one two three, four five six seven now"
        );
        assert_eq!(
            phones("+1 555-123-4567"),
            "plus one, five five five, one two three, four five six seven"
        );
        assert_eq!(
            phones("555.123.4567"),
            "five five five, one two three, four five six seven"
        );
    }
}
