//! Markdown as chat assistants write it, reduced to what is said: headers, bullets and
//! numbered items become sentences, emphasis and code marks go, links keep their text,
//! tables their cells; emoji that decorate are dropped (those in a word's place named) and
//! repeated punctuation folded.

use std::borrow::Cow;

use super::rx;

/// Line by line: block structure (headers, bullets, quotes, fences, rules, tables).
fn blocks(text: &str) -> String {
    static HEADER: rx::Lazy = rx::lazy!(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$");
    static BULLET: rx::Lazy = rx::lazy!(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$");
    static QUOTE: rx::Lazy = rx::lazy!(r"^\s*(?:>\s?)+(.*)$");
    static RULE: rx::Lazy = rx::lazy!(r"^\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$");
    static TABLE_SEPARATOR: rx::Lazy =
        rx::lazy!(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$");
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            // The fence and its language tag are no speech; the code inside is kept.
            out.push('\n');
            continue;
        }
        if RULE.is_match(line) || TABLE_SEPARATOR.is_match(line) {
            out.push('\n');
            continue;
        }
        let line = QUOTE.replace(line, "$1");
        let (body, item) = if let Some(c) = HEADER.captures(&line) {
            (c[1].to_owned(), true)
        } else if let Some(c) = BULLET.captures(&line) {
            (c[1].to_owned(), true)
        } else if line.trim_start().starts_with('|') {
            // A table row: its cells as a list.
            let cells: Vec<&str> = line
                .split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            (cells.join(", "), true)
        } else {
            (line.into_owned(), false)
        };
        out.push_str(&body);
        // A header or list item is a sentence of its own even without a full stop.
        if item
            && !body.trim_end().ends_with(['.', '!', '?', ':', ';', ','])
            && !body.trim().is_empty()
        {
            out.push('.');
        }
        out.push('\n');
    }
    out
}

/// Inline marks: links and images keep their text, emphasis and code marks go.
fn inline(text: &str) -> Cow<'_, str> {
    static IMAGE_OR_LINK: rx::Lazy = rx::lazy!(r"!?\[([^\]\n]*)\]\([^)\s]*(?:\s+[^)]*)?\)");
    static AUTOLINK: rx::Lazy = rx::lazy!(r"<((?:https?://|mailto:)[^>\s]+)>");
    static STRONG: rx::Lazy = rx::lazy!(r"(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)");
    static EM_STAR: rx::Lazy = rx::lazy!(r"\*(\S(?:[^*\n]*?\S)?)\*");
    static EM_UNDERSCORE: rx::Lazy = rx::lazy!(r"(^|[\s(])_(\S(?:[^_\n]*?\S)?)_([\s).,;:!?]|$)");
    static STRIKE: rx::Lazy = rx::lazy!(r"~~(.+?)~~");
    static CODE: rx::Lazy = rx::lazy!(r"`+([^`\n]*)`+");
    // A tag ("<br>", "</b>", "<noise/>", "<span class=x>"): markup, never read. "x<y and
    // y>z" is no tag: a bare word after the name needs its "=".
    static HTML: rx::Lazy = rx::lazy!(
        r#"</?[A-Za-z][\w-]*(?:=[^\s<>]*)?(?:\s+[\w-]+=(?:"[^"]*"|'[^']*'|[^\s<>]+))*\s*/?>"#
    );
    let t = IMAGE_OR_LINK.replace_all(text, "$1");
    let t = AUTOLINK.replace_all(&t, "$1");
    let t = STRONG.replace_all(&t, "$2");
    let t = EM_STAR.replace_all(&t, "$1");
    let t = EM_UNDERSCORE.replace_all(&t, "$1$2$3");
    let t = STRIKE.replace_all(&t, "$1");
    let t = CODE.replace_all(&t, "$1");
    let t = HTML.replace_all(&t, " ");
    Cow::Owned(t.into_owned())
}

/// Markdown to plain sentences.
pub fn markdown(text: &str) -> String {
    inline(&blocks(text)).into_owned()
}

/// What becomes of an emoji that takes a word's place inside a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emoji {
    /// Said by its Unicode name (English).
    Name,
    /// Kept, for `speakable` to report (a language with no names for it).
    Keep,
    /// Left out (symbols switched off).
    Drop,
}

/// Emoji and pictographs. One that takes a word's place inside a sentence is, by `mode`,
/// said by its Unicode name in lower case ("I hear 🦀 is fast" → "I hear crab is fast"), a
/// run of the same one once, a pair of regional indicators as "flag" and its letters ("🇺🇸"
/// → "flag U S"), or kept as written, or left out; so is a text of nothing but emoji
/// ("👍"). One that decorates (opening a line or sentence as a bullet, or after the last
/// word of its line: "✅ Tests pass", "Great job! 🎉") is dropped, as a reader skips it.
/// Their modifiers (skin tones, variation selectors, joiners, tags) are never said. With
/// names, the symbols in their blocks that the symbol rule says ("→" as "to", "↑" as "up")
/// are kept for it.
pub fn emoji(text: &str, mode: Emoji) -> Cow<'_, str> {
    let ours =
        |c: char| is_emoji(c) && (mode != Emoji::Name || super::symbols::said_as(c).is_none());
    if !text.chars().any(ours) {
        return Cow::Borrowed(text);
    }
    // No word anywhere: the emoji are all there is to say.
    let alone = !text.chars().any(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        // Where the line's last word ends: a run after it decorates the line's end.
        let last_word = line
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_alphanumeric())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let mut at = 0;
        while let Some(found) = line[at..].find(ours) {
            let start = at + found;
            // The run: emoji, their modifiers and the spaces between them.
            let len = line[start..]
                .find(|c: char| !(ours(c) || c == ' ' || c == '\t'))
                .unwrap_or(line.len() - start);
            let run = &line[start..start + len];
            out.push_str(&line[at..start]);
            let opens = line[..start]
                .trim_end()
                .chars()
                .last()
                .is_none_or(|c| matches!(c, '.' | '!' | '?' | '…' | ':' | ';'));
            let in_sentence = !opens && start < last_word;
            if (alone || in_sentence) && mode == Emoji::Name {
                say_emoji(run, &mut out);
            } else if (alone || in_sentence) && mode == Emoji::Keep {
                out.push_str(run);
            } else {
                out.extend(run.chars().map(|_| ' '));
            }
            at = start + len;
        }
        out.push_str(&line[at..]);
    }
    Cow::Owned(out)
}

/// A run of emoji by their names, each between spaces.
fn say_emoji(run: &str, out: &mut String) {
    let mut last: Option<char> = None;
    for c in run.chars() {
        if c.is_whitespace() || is_emoji_modifier(c) {
            out.push(' ');
            continue;
        }
        if let Some(letter) = regional_letter(c) {
            if last.and_then(regional_letter).is_none() {
                out.push_str(" flag");
            }
            out.push(' ');
            out.push(letter);
            out.push(' ');
        } else if last != Some(c) {
            out.push(' ');
            out.push_str(&super::symbols::unicode_name(c).unwrap_or_default());
            out.push(' ');
        }
        last = Some(c);
    }
}

/// What changes how the emoji before it looks (a skin tone, a variation selector, a tag) or
/// joins two ("👨‍👩‍👧"): never said.
pub(super) fn is_emoji_modifier(c: char) -> bool {
    matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{200d}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{e0000}'..='\u{e007f}')
}

/// The letter a regional indicator ("🇺") stands for.
fn regional_letter(c: char) -> Option<char> {
    let i = (c as u32).checked_sub(0x1f1e6).filter(|i| *i < 26)?;
    char::from_u32('A' as u32 + i)
}

pub fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{2190}'..='\u{21ff}' | '\u{2300}'..='\u{23ff}' | '\u{2460}'..='\u{24ff}' | '\u{25a0}'..='\u{27bf}'
        | '\u{2900}'..='\u{297f}' | '\u{2b00}'..='\u{2bff}' | '\u{fe00}'..='\u{fe0f}' | '\u{200d}'
        | '\u{1f000}'..='\u{1faff}' | '\u{e0000}'..='\u{e007f}')
}

/// "!!!" → "!", "?!?" → "?", "...." → "…", "--" → "—", ",," → ",".
pub fn fold_punctuation(text: &str) -> Cow<'_, str> {
    static QUESTION: rx::Lazy = rx::lazy!(r"\?[?!]+|![!?]*\?[?!]*");
    static BANG: rx::Lazy = rx::lazy!(r"!{2,}");
    static DOTS: rx::Lazy = rx::lazy!(r"\.{3,}|…+");
    static DASHES: rx::Lazy = rx::lazy!(r"\s?-{2,}\s?|\s?—+\s?|\s[-–]\s");
    static OTHER: rx::Lazy = rx::lazy!(r"([,;:])[,;:]+");
    let t = QUESTION.replace_all(text, "?");
    let t = BANG.replace_all(&t, "!");
    let t = DOTS.replace_all(&t, "…");
    let t = DASHES.replace_all(&t, " — ");
    let t = OTHER.replace_all(&t, "$1");
    Cow::Owned(t.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_bullets_and_tables_become_sentences() {
        assert_eq!(
            markdown("## Steps\n- Open the app\n- Tap **Save**\n1. Done!"),
            "Steps.\nOpen the app.\nTap Save.\nDone!\n"
        );
        assert_eq!(
            markdown("| Plan | Price |\n|---|---|\n| Pro | 10 |"),
            "Plan, Price.\n\nPro, 10.\n"
        );
        assert_eq!(
            markdown("> quoted text\n---\nafter"),
            "quoted text\n\nafter\n"
        );
    }

    #[test]
    fn inline_marks_go_and_links_keep_their_text() {
        assert_eq!(
            markdown("Read [the guide](https://x.io/g) and *then* run `make`."),
            "Read the guide and then run make.\n"
        );
        assert_eq!(markdown("a __bold__ ~~old~~ move"), "a bold old move\n");
        assert_eq!(markdown("keep snake_case_names"), "keep snake_case_names\n");
        assert_eq!(markdown("```rust\nlet x = 1;\n```"), "\nlet x = 1;\n\n");
        assert_eq!(markdown("2 * 3 * 4"), "2 * 3 * 4\n");
        assert_eq!(markdown("go<noise/>home <b>now</b>"), "go home  now \n");
        assert_eq!(markdown("if x<y and y>z"), "if x<y and y>z\n");
    }

    #[test]
    fn emoji_dropped_and_punctuation_folded() {
        assert_eq!(emoji("Done 🎉✅!", Emoji::Drop), "Done   !");
        assert_eq!(emoji("👍🏽", Emoji::Drop), "  ");
        assert_eq!(emoji("a 🐱 → b", Emoji::Drop), "a     b");
        // Kept in a word's place, dropped as decoration.
        assert_eq!(emoji("✅ El 🐱 gato 🎉", Emoji::Keep), "  El 🐱 gato  ");
        let said = |t: &str| super::super::normalize(&emoji(t, Emoji::Name));
        // In a word's place: said.
        assert_eq!(said("I hear 🦀 is fast"), "I hear crab is fast");
        assert_eq!(
            said("Done 🎉✅ at last"),
            "Done party popper white heavy check mark at last"
        );
        assert_eq!(said("so 👍🏽👍🏽 👍🏽 thanks"), "so thumbs up sign thanks");
        assert_eq!(
            said("both 🇺🇸 and 🇫🇷 agree"),
            "both flag U S and flag F R agree"
        );
        assert_eq!(said("the 👨‍👩‍👧 came"), "the man woman girl came");
        // Nothing else to say: said.
        assert_eq!(said("🦀"), "crab");
        assert_eq!(said("👍 !"), "thumbs up sign !");
        // Decoration: a bullet opening a line or a sentence, or after the line's last word.
        assert_eq!(said("✅ Tests pass.\n🚀 Deployed"), "Tests pass. Deployed");
        assert_eq!(said("Great job! 🎉🎉 See you"), "Great job! See you");
        assert_eq!(
            said("Great job, you finished! 🎉🎉"),
            "Great job, you finished!"
        );
        assert_eq!(said("Let me know 😊\nBye."), "Let me know Bye.");
        assert_eq!(said("I love 🦀."), "I love .");
        assert_eq!(
            fold_punctuation("Wow!!! Really?!? Wait...."),
            "Wow! Really? Wait…"
        );
        assert_eq!(fold_punctuation("yes -- no"), "yes — no");
    }
}
