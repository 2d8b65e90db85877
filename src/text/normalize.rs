//! Text clean-up before splitting: control characters out, whitespace folded.

/// The text with control characters replaced by spaces, runs of whitespace folded into one
/// space (a blank line stays a sentence break), and the ends trimmed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut newlines = 0;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() || is_invisible(c) {
            if c == '\n' {
                newlines += 1;
            }
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            // A paragraph break with no closing punctuation still ends a sentence.
            if newlines >= 2 && !out.ends_with(['.', '!', '?', ':', ';', ',']) {
                out.push('.');
            }
            out.push(' ');
        }
        pending_space = false;
        newlines = 0;
        out.push(c);
    }
    out
}

/// Format characters that carry no sound (zero-width spaces, joiners, BOM, bidi marks).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_whitespace_and_controls() {
        assert_eq!(normalize("  Hello,\t\u{7}world \r\n "), "Hello, world");
        assert_eq!(normalize("a\u{200b}b"), "a b");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn paragraph_breaks_end_sentences() {
        assert_eq!(normalize("Title\n\nBody text."), "Title. Body text.");
        assert_eq!(normalize("One.\n\nTwo."), "One. Two.");
        assert_eq!(normalize("line\nwrapped"), "line wrapped");
    }
}
