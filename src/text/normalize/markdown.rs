//! Markdown as chat assistants write it, reduced to what is said: headers, bullets and
//! numbered items become sentences, emphasis and code marks go, links keep their text,
//! tables their cells; emoji are dropped and repeated punctuation folded.

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

/// Emoji, pictographs and their modifiers, dropped; the symbols in their blocks that the
/// symbol rule says ("→" as "to", "↑" as "up") are kept for it.
pub fn drop_emoji(text: &str) -> Cow<'_, str> {
    let dropped = |c: char| is_emoji(c) && super::symbols::said_as(c).is_none();
    if !text.chars().any(dropped) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if dropped(c) { ' ' } else { c })
            .collect(),
    )
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
        assert_eq!(drop_emoji("Done 🎉✅!"), "Done   !");
        assert_eq!(drop_emoji("👍🏽"), "  ");
        assert_eq!(
            fold_punctuation("Wow!!! Really?!? Wait...."),
            "Wow! Really? Wait…"
        );
        assert_eq!(fold_punctuation("yes -- no"), "yes — no");
    }
}
