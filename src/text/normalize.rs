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

/// The text with what an English voice cannot read replaced by spaces: letters of other
/// scripts (Hebrew, Arabic, CJK, …), emoji and pictographs. Reading them letter by letter
/// through the English rules would be noise, not speech.
pub fn english_only(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c.is_alphabetic() && !is_latin(c)) || is_pictograph(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn is_latin(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '\u{aa}' | '\u{ba}' | '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}'
        | '\u{2c60}'..='\u{2c7f}' | '\u{a720}'..='\u{a7ff}' | '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}')
}

fn is_pictograph(c: char) -> bool {
    matches!(c,
        '\u{2190}'..='\u{21ff}' | '\u{2300}'..='\u{23ff}' | '\u{2460}'..='\u{24ff}' | '\u{25a0}'..='\u{27bf}'
        | '\u{2900}'..='\u{297f}' | '\u{2b00}'..='\u{2bff}' | '\u{fe00}'..='\u{fe0f}'
        | '\u{1f000}'..='\u{1faff}' | '\u{e0000}'..='\u{e007f}')
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
    fn other_scripts_and_emoji_are_not_read_as_english() {
        assert_eq!(english_only("Café 😀 naïve"), "Café   naïve");
        assert_eq!(english_only("שלום hello مرحبا").trim(), "hello");
        assert_eq!(english_only("5 € & 10%"), "5 € & 10%");
    }

    #[test]
    fn paragraph_breaks_end_sentences() {
        assert_eq!(normalize("Title\n\nBody text."), "Title. Body text.");
        assert_eq!(normalize("One.\n\nTwo."), "One. Two.");
        assert_eq!(normalize("line\nwrapped"), "line wrapped");
    }
}
