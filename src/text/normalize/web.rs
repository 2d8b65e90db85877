//! URLs, email addresses and phone numbers, read the way people say them: "acme dot io
//! slash help" (no "h t t p s colon slash slash"), "jane at example dot com", and phone
//! numbers digit by digit in their groups.

use std::borrow::Cow;

use regex::Captures;

use super::numbers::{digits, integer};
use super::rx;

/// Top-level domains recognized without a scheme or "www." ("acme.io/help").
const TLDS: &str = "com|org|net|io|dev|ai|app|co|uk|us|edu|gov|me|info|ly|gg|tv|xyz|tech|so|sh|fm|de|fr|ca|au|in|eu";

/// Digits in an address, one by one ("asdf123" → "asdf one two three"), a round number as
/// a number ("rtx-6000" → "rtx dash six thousand").
fn address_digits(run: &str) -> String {
    if run.len() > 1 && run.ends_with("00") && !run.starts_with('0') {
        integer(run)
    } else {
        digits(run)
    }
}

/// File types said as people say them after "dot" (the rest as written).
const EXTENSIONS: &[(&str, &str)] = &[
    ("html", "HTML"),
    ("htm", "HTM"),
    ("jpg", "jpeg"),
    ("png", "PNG"),
    ("pdf", "PDF"),
    ("svg", "SVG"),
    ("css", "CSS"),
    ("js", "JS"),
    ("json", "JSON"),
    ("xml", "XML"),
    ("csv", "CSV"),
    ("txt", "text"),
];

/// Two-letter endings of a host are said as letters ("dot DE", "dot UK"), except these,
/// which misaki reads as they are said: "co" and "me" as words, "io" as "eye oh".
const WORD_ENDINGS: &[&str] = &["co", "me", "io"];

/// One part of a host or path, spoken: digits one by one, separators as words, a
/// two-letter ending as letters, file types as they are said.
fn speak_part(part: &str) -> String {
    let words = speak_pieces(part);
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let after_dot = i > 0 && words[i - 1] == "dot";
        let last_of_host = words.get(i + 1).is_none_or(|n| n == "slash");
        let said = match EXTENSIONS.iter().find(|(e, _)| e.eq_ignore_ascii_case(w)) {
            Some((_, said)) if after_dot => said.to_string(),
            _ if after_dot
                && last_of_host
                && w.len() == 2
                && w.chars().all(|c| c.is_ascii_lowercase())
                && !WORD_ENDINGS.contains(&w.as_str()) =>
            {
                w.to_ascii_uppercase()
            }
            _ => w.clone(),
        };
        out.push(said);
    }
    out.join(" ")
}

/// The words of one part of an address: letters, digits, and separators by name.
fn speak_pieces(part: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        if word.chars().all(|c| c.is_ascii_digit()) {
            out.push(address_digits(word));
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
            '&' => Some("ampersand"),
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
    out
}

/// A URL as said aloud: no scheme, no "www.", no trailing slash, no query string. A file
/// URL keeps its scheme ("file colon slash slash slash …"): it names no web site.
fn speak_url(url: &str) -> String {
    if let Some(path) = url.strip_prefix("file://") {
        return format!("file colon slash slash {}", speak_part(path));
    }
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
            r"(?i)\b(?:https?://|www\.|file:///?)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\x22]|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{TLDS})\b(?:/[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\x22])?"
        ))
    });
    let t = RE.replace_all(text, |c: &Captures| {
        let start = c.get(0).map_or(0, |m| m.start());
        // The domain of an email address left as written (email_normalization is off).
        if text[..start].ends_with('@') {
            return c[0].to_owned();
        }
        speak_url(&c[0])
    });
    // "test.abc", "notes.md": a lower-case name with a dot and an ending that is no known
    // domain, standing alone.
    static BARE: rx::Lazy = rx::lazy!(
        r"(^|\s)([a-z][a-z0-9-]+(?:\.[a-z][a-z0-9-]*)*\.[a-z]{2,5})(\.?(?:\s|$)|[,;:!?])"
    );
    match BARE.replace_all(&t, |c: &Captures| {
        format!("{}{}{}", &c[1], speak_part(&c[2]), &c[3])
    }) {
        Cow::Borrowed(_) => t,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Email addresses: "jane.doe@example.com" → "jane dot doe at example dot com".
pub fn emails(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b[\w.+&-]+@[\w-]+(?:\.[\w-]+)+\b(?:/[\w./-]*\w)?");
    RE.replace_all(text, |c: &Captures| speak_part(&c[0]))
}

/// Phone numbers in their usual shapes ("(555) 123-4567", "+1 555-123-4567",
/// "555.123.4567", "(123)-123-5678", an extension "-1111" or "ext. 12"), US social security
/// numbers ("111-11-1111") and toll-free words ("1-800-GO-U-HAUL"): digit by digit, a comma
/// between groups for the pause a person makes.
pub fn phones(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(
        r"(?:(\+\d{1,3})[\s.-]?)?(?:\((\d{3})\)[\s-]?|\b(\d{3})[\s.-])(\d{3})[\s.-](\d{4})\b(?:(?:-|\s?(?i:ext\.?|x)\s?)(\d{1,5})\b)?",
    );
    static SSN: rx::Lazy = rx::lazy!(r"\b(\d{3})-(\d{2})-(\d{4})\b");
    static TOLL_FREE: rx::Lazy =
        rx::lazy!(r"\b1-(8[0-8]{2})-((?:[A-Z0-9]+-)*[A-Z]+(?:-[A-Z0-9]+)*)\b");
    let t = RE.replace_all(text, |c: &Captures| {
        let mut groups = Vec::new();
        if let Some(country) = c.get(1) {
            groups.push(format!("plus {}", digits(country.as_str())));
        }
        for i in 2..=6 {
            if let Some(g) = c.get(i) {
                groups.push(digits(g.as_str()));
            }
        }
        groups.join(", ")
    });
    let t = SSN.replace_all(&t, |c: &Captures| {
        format!("{}, {}, {}", digits(&c[1]), digits(&c[2]), digits(&c[3]))
    });
    let out = TOLL_FREE.replace_all(&t, |c: &Captures| {
        // Letters run on as one word ("GO U HAUL"); a digit among them is its own group.
        let mut said = format!("one, {}", integer(&c[1]));
        let mut letters = false;
        for part in c[2].split('-') {
            if part.chars().all(|c| c.is_ascii_digit()) {
                said.push(' ');
                said.push_str(&digits(part));
                said.push(',');
                letters = false;
            } else {
                said.push_str(if letters { " " } else { ", " });
                said.push_str(part);
                letters = true;
            }
        }
        said.trim_end_matches(',').replace(",,", ",")
    });
    Cow::Owned(out.into_owned())
}

/// IPv4 addresses (and what is written like one), digit by digit and "dot": "10.0.0.1" →
/// "one zero dot zero dot zero dot one". One of the four numbers has two digits or more (a
/// version "1.2.3.4" stays a version).
pub fn ip_addresses(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b");
    RE.replace_all(text, |c: &Captures| {
        let parts: Vec<&str> = (1..=4)
            .map(|i| c.get(i).map_or("", |m| m.as_str()))
            .collect();
        let start = c.get(0).map_or(0, |m| m.start());
        let version = text[..start].ends_with(['v', 'V']);
        if version || parts.iter().all(|p| p.len() == 1) {
            return c[0].to_owned();
        }
        parts
            .iter()
            .map(|p| digits(p))
            .collect::<Vec<_>>()
            .join(" dot ")
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
            "docs dot RS slash tokio slash latest"
        );
        assert_eq!(urls("version 3.14 is fine"), "version 3.14 is fine");
    }

    #[test]
    fn digits_endings_and_files() {
        assert_eq!(
            emails("asdf123@abc.com and a@hotmail.de"),
            "asdf one two three at abc dot com and a at hotmail dot DE"
        );
        assert_eq!(
            urls("http://www.nvidia.com/rtx-6000"),
            "nvidia dot com slash rtx dash six thousand"
        );
        assert_eq!(
            urls("test.abc and notes.md."),
            "test dot abc and notes dot MD."
        );
        assert_eq!(
            urls("file:///photos/image.jpg"),
            "file colon slash slash slash photos slash image dot jpeg"
        );
        assert_eq!(urls("Hello.World"), "Hello.World");
    }

    #[test]
    fn emails_are_said_naturally() {
        assert_eq!(
            emails("Write to jane.doe@example.com today"),
            "Write to jane dot doe at example dot com today"
        );
        assert_eq!(
            emails("support_team@acme.co.uk"),
            "support underscore team at acme dot co dot UK"
        );
        assert_eq!(
            emails("a-1.b3_c&-d@gma4i-l.com"),
            "a dash one dot b three underscore c ampersand dash d at gma four i dash l dot com"
        );
    }

    #[test]
    fn phone_shapes_ssns_toll_free_and_ips() {
        assert_eq!(
            phones("+1 (123)-123-5678"),
            "plus one, one two three, one two three, five six seven eight"
        );
        assert_eq!(
            phones("123-123-5678-1111"),
            "one two three, one two three, five six seven eight, one one one one"
        );
        assert_eq!(
            phones("111-11-1111"),
            "one one one, one one, one one one one"
        );
        assert_eq!(phones("1-800-GO-U-HAUL"), "one, eight hundred, GO U HAUL");
        assert_eq!(
            phones("1-800-GO-2-HAUL"),
            "one, eight hundred, GO two, HAUL"
        );
        assert_eq!(
            ip_addresses("IP 123.123.0.40"),
            "IP one two three dot one two three dot zero dot four zero"
        );
        assert_eq!(ip_addresses("v1.2.3.4 or 1.2.3.4"), "v1.2.3.4 or 1.2.3.4");
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
