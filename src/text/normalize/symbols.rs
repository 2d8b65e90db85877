//! Abbreviations ("Dr.", "St.", "e.g.", "etc.", "vs."), the shorthand of business and chat
//! ("YoY", "w/o", "N/A", "Q3", "FY25"), "&", "(s)", and the symbols left after the other rules
//! ("+", "=", "@", "/", "~", "×", arrows; any other by its Unicode name, never dropped).

use std::borrow::Cow;

use regex::Captures;
use unicode_normalization::UnicodeNormalization;

use super::rx;

/// Abbreviations always followed by a name: their period never ends a sentence.
const TITLES: &[(&str, &str)] = &[
    ("Dr", "Doctor"),
    ("Mr", "Mister"),
    ("Mrs", "Misses"),
    ("Ms", "Miz"),
    ("Mt", "Mount"),
    ("Prof", "Professor"),
    ("Capt", "Captain"),
    ("Gen", "General"),
    ("Sen", "Senator"),
    ("Rep", "Representative"),
    ("Lt", "Lieutenant"),
    ("Col", "Colonel"),
];

/// Abbreviations that can end a sentence: the period stays when the next word starts one.
const WORDS: &[(&str, &str)] = &[
    ("etc", "et cetera"),
    ("approx", "approximately"),
    ("Jr", "Junior"),
    ("Sr", "Senior"),
    ("Inc", "Incorporated"),
    ("Ltd", "Limited"),
    ("Dept", "Department"),
    ("Ave", "Avenue"),
    ("Blvd", "Boulevard"),
];

pub fn abbreviations(text: &str) -> Cow<'_, str> {
    // "Dr." is a title or a street: below, with "St.".
    static TITLE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let names: Vec<&str> = TITLES
            .iter()
            .map(|(a, _)| *a)
            .filter(|a| *a != "Dr")
            .collect();
        rx::compile(&format!(r"\b({})\.(\s)", names.join("|")))
    });
    static WORD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let names: Vec<&str> = WORDS.iter().map(|(a, _)| *a).collect();
        rx::compile(&format!(r"\b({})\.", names.join("|")))
    });
    // e.g. and i.e. introduce a clause: a comma, not a full stop.
    static LATIN: rx::Lazy = rx::lazy!(r"(?i)\b(e\.g|i\.e)\.?(,)?(\s|$)");
    static SAINT_STREET: rx::Lazy = rx::lazy!(r"\b(St|Dr)\.(\s*)(\S?)");
    // British English writes "Mr Smith", "Dr Watson" without the dot.
    static BARE_TITLE: rx::Lazy = rx::lazy!(r"\b(Mr|Mrs|Ms|Dr)(\s+)([A-Z])");
    // "vs." is always followed by what it compares: its period never ends a sentence.
    static VS: rx::Lazy = rx::lazy!(r"\bvs\b\.?");

    let t = TITLE.replace_all(text, |c: &Captures| {
        let full = TITLES
            .iter()
            .find(|(a, _)| *a == &c[1])
            .map_or(&c[1], |(_, f)| f);
        format!("{full}{}", &c[2])
    });
    let t = BARE_TITLE.replace_all(&t, |c: &Captures| {
        let full = TITLES
            .iter()
            .find(|(a, _)| *a == &c[1])
            .map_or(&c[1], |(_, f)| f);
        format!("{full}{}{}", &c[2], &c[3])
    });
    let t = LATIN.replace_all(&t, |c: &Captures| {
        let spoken = if c[1].eq_ignore_ascii_case("e.g") {
            "for example"
        } else {
            "that is"
        };
        format!("{spoken},{}", &c[3])
    });
    // "St. Louis" is a saint, "Dr. Watson" a doctor; "Main St.", "Mulholland Dr." streets.
    let t = SAINT_STREET.replace_all(&t, |c: &Captures| {
        let (title, street) = if &c[1] == "St" {
            ("Saint", "Street")
        } else {
            ("Doctor", "Drive")
        };
        let (space, next) = (&c[2], &c[3]);
        let start = c.get(0).map_or(0, |m| m.start());
        if after_a_name(&t[..start]) {
            // After a name or number it is a street, whatever follows; a capital after it
            // may begin the next sentence.
            let stop = if next.starts_with(char::is_uppercase) || next.is_empty() {
                "."
            } else {
                ""
            };
            format!("{street}{stop}{space}{next}")
        } else if next.starts_with(char::is_uppercase) || &c[1] == "Dr" {
            format!("{title}{space}{next}")
        } else {
            format!("{street}{space}{next}")
        }
    });
    let t = WORD.replace_all(&t, |c: &Captures| {
        let full = WORDS
            .iter()
            .find(|(a, _)| *a == &c[1])
            .map_or(&c[1], |(_, f)| f);
        let end = c.get(0).map_or(0, |m| m.end());
        if super::ends_sentence(&t[end..]) {
            format!("{full}.")
        } else {
            full.to_owned()
        }
    });
    let t = VS.replace_all(&t, "versus");
    Cow::Owned(t.into_owned())
}

/// Whether the text before an abbreviation ends with a name or a number ("Baker St.",
/// "5th St."): a capitalized word that does not begin the sentence, or a word with digits.
fn after_a_name(before: &str) -> bool {
    let before = before.trim_end();
    let word = before.rsplit(char::is_whitespace).next().unwrap_or("");
    // "Jane, Dr. Smith": a comma or other mark ends the name's phrase.
    if !word.ends_with(char::is_alphanumeric) {
        return false;
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    let earlier = before[..before.len() - word.len()].trim_end();
    word.starts_with(char::is_uppercase)
        && !earlier.is_empty()
        && !earlier.ends_with(['.', '!', '?', ':'])
}

/// Shorthand misaki reads wrongly, as the words people say. Case-sensitive: "MoM" is month
/// over month, "mom" and "MOM" are left to be "mom"; "eta" is the Greek letter. What misaki
/// already reads as people say it is not here: letters for "ETA", "FYI", "TL;DR", "FAQ",
/// "KPI", "ROI", "CEO", …, and "ay-sap" for "ASAP" (both are said aloud that way).
const SHORTHAND: &[(&str, &str)] = &[
    ("YoY", "year over year"),
    ("YOY", "year over year"),
    ("yoy", "year over year"),
    ("QoQ", "quarter over quarter"),
    ("QOQ", "quarter over quarter"),
    ("qoq", "quarter over quarter"),
    ("MoM", "month over month"),
    // Chat initialisms that are written, not said: read aloud, they are the words.
    ("IMO", "in my opinion"),
    ("imo", "in my opinion"),
    ("IMHO", "in my humble opinion"),
    ("imho", "in my humble opinion"),
    ("BTW", "by the way"),
    ("btw", "by the way"),
    ("Btw", "by the way"),
    ("AFAIK", "as far as I know"),
    ("afaik", "as far as I know"),
    ("aka", "also known as"),
    ("AKA", "also known as"),
    ("pls", "please"),
    ("plz", "please"),
    ("thx", "thanks"),
];

/// Shorthand with a slash, lowercased: misaki would hear "w or o".
const SLASHED: &[(&str, &str)] = &[
    ("w/o", "without"),
    ("b/c", "because"),
    ("n/a", "not applicable"),
];

/// Business and chat shorthand: "YoY" → "year over year", "w/" → "with", "w/o" →
/// "without", "b/c" → "because", "N/A" → "not applicable", "a.k.a." → "also known as",
/// "Q3" → "Q three", "H1" → "H one", "FY25" → "F Y twenty five" (glued, misaki reads "Q3"
/// as one word and "H1" as "hone").
pub fn shorthand(text: &str) -> Cow<'_, str> {
    static WORD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        let words: Vec<&str> = SHORTHAND.iter().map(|(a, _)| *a).collect();
        rx::compile(&format!(r"\b({})\b", words.join("|")))
    });
    // Only at the start of a word: "src/w/o" is a path.
    static SLASH: rx::Lazy = rx::lazy!(r"(^|[\s(\[])([wW]/[oO]|[bB]/[cC]|[nN]/[aA])\b");
    static WITH: rx::Lazy = rx::lazy!(r"(^|[\s(\[])[wW]/(\s)");
    static AKA: rx::Lazy = rx::lazy!(r"(?i)\ba\.k\.a\b\.?");
    static PERIOD: rx::Lazy = rx::lazy!(r"\b([QH])([1-4])\b");
    // Retirement plans by their section of the tax code: "401(k)" → "four oh one k".
    static PLAN: rx::Lazy = rx::lazy!(r"\b([1-9])0([1-9])\(([a-z])\)");
    // Initials run together: "C. S. Lewis" → "CS Lewis".
    static INITIALS: rx::Lazy = rx::lazy!(r"\b([A-Z])\. ([A-Z])\. ([A-Z][a-z])");
    static FISCAL: rx::Lazy = rx::lazy!(r"\bFY ?(\d{4}|\d{2})\b");
    let t = WORD.replace_all(text, |c: &Captures| {
        SHORTHAND
            .iter()
            .find(|(a, _)| *a == &c[1])
            .map_or(&c[1], |(_, f)| f)
            .to_owned()
    });
    let t = SLASH.replace_all(&t, |c: &Captures| {
        let written = c[2].to_ascii_lowercase();
        let said = SLASHED
            .iter()
            .find(|(a, _)| *a == written)
            .map_or(&c[2], |(_, f)| f);
        format!("{}{said}", &c[1])
    });
    let t = WITH.replace_all(&t, "${1}with$2");
    let t = AKA.replace_all(&t, "also known as");
    let t = PERIOD.replace_all(&t, "$1 $2");
    let t = PLAN.replace_all(&t, |c: &Captures| {
        let d = |s: &str| super::numbers::digits(s);
        format!("{} oh {} {}", d(&c[1]), d(&c[2]), &c[3])
    });
    let t = INITIALS.replace_all(&t, "$1$2 $3");
    let t = FISCAL.replace_all(&t, "F Y $1");
    Cow::Owned(t.into_owned())
}

/// "file(s)" → "files".
pub fn optional_plurals(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"(\w)\(s\)");
    RE.replace_all(text, "${1}s")
}

/// A name written against its bracket, as in function notation, said apart from what is
/// in the bracket: misaki drops a bracket inside a word and reads the rest as one ("log(n)"
/// was "lon", "sin(x)" "sinks"). A letter's argument is read with "of" ("f(x)" "f of x",
/// "O(n log n)" "O of n log n"); a longer name's arguments follow it ("log(n)" "log n",
/// "max(a, b)" "max a, b"), unless they are words with spaces, an aside ("cat(a tabby)"
/// "cat (a tabby)"). Left as written: "a(n)" (the article's "a or an"), a word's "(s)" (a
/// plural: "book(s)"), empty and nested brackets.
pub fn functions(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\b(\p{L}[\p{L}\d_]*)\(([^()]+)\)");
    RE.replace_all(text, |c: &Captures| {
        let (name, args) = (&c[1], c[2].trim());
        let letter = name.chars().nth(1).is_none();
        if args.is_empty() || name == "a" || (!letter && args == "s") {
            c[0].to_owned()
        } else if letter {
            format!("{name} of {args}")
        } else if args.replace(", ", ",").contains(char::is_whitespace) {
            format!("{name} ({args})")
        } else {
            format!("{name} {args}")
        }
    })
}

/// "&" → "and", always: it is never silent.
pub fn ampersand(text: &str) -> Cow<'_, str> {
    static RE: rx::Lazy = rx::lazy!(r"\s*&\s*");
    RE.replace_all(text, " and ")
}

/// Words that read "a/b" as a choice ("yes or no"); any other pair of words is read with
/// its slash ("upgrade slash update", "writer slash director").
const ALTERNATIVES: &[&str] = &[
    "yes", "no", "he", "she", "his", "her", "him", "true", "false", "on", "off", "either",
];

/// What a symbol left after the other rules is said as: a word, or (brackets, a bar) the
/// punctuation that makes the same pause. `None`: not a symbol this rule says.
pub(super) fn said_as(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '=' => "equals",
        '@' => "at",
        '×' => "times",
        '÷' => "divided by",
        '→' | '⇒' | '➜' | '⟶' => "to",
        '←' | '⟵' => "from",
        '↑' => "up",
        '↓' => "down",
        '≈' | '∼' => "about",
        '≤' | '⩽' => "at most",
        '≥' | '⩾' => "at least",
        '≠' => "not equal to",
        '±' => "plus or minus",
        '∓' => "minus or plus",
        '−' => "minus",
        '∞' => "infinity",
        '√' => "square root of",
        '∛' => "cube root of",
        '¬' => "not",
        '∑' => "sum of",
        '∏' => "product of",
        '∫' => "integral of",
        '∂' => "partial",
        '∆' => "delta",
        '∇' => "nabla",
        '∈' => "in",
        '∉' => "not in",
        '∀' => "for all",
        '∃' => "there exists",
        '∅' => "empty set",
        '∩' => "intersect",
        '∪' => "union",
        '⊂' => "subset of",
        '∧' => "and",
        '∨' => "or",
        '∴' => "therefore",
        '∵' => "because",
        '∝' => "proportional to",
        '∠' => "angle",
        '⊥' => "perpendicular to",
        '∥' => "parallel to",
        '‰' => "per mille",
        '‱' => "per ten thousand",
        '†' => "dagger",
        '‡' => "double dagger",
        '№' => "number",
        '℃' => "degrees Celsius",
        '℉' => "degrees Fahrenheit",
        '°' => "degrees",
        '%' => "percent",
        '#' => "hash",
        '*' => "asterisk",
        '_' => "underscore",
        '^' => "caret",
        '~' => "tilde",
        '`' => "backtick",
        '<' => "less than",
        '>' => "greater than",
        '\\' => "backslash",
        '/' => "slash",
        '²' => "squared",
        '³' => "cubed",
        '§' => "section",
        '¶' => "paragraph",
        '©' => "copyright",
        '®' => "registered",
        '™' => "trademark",
        // Bars, bullets and middle dots between words separate them, as a comma does.
        '|' | '¦' | '•' | '·' | '‧' | '∙' => ",",
        // Guillemets are quotation marks.
        '«' | '‹' => "“",
        '»' | '›' => "”",
        '[' | '{' => "(",
        ']' | '}' => ")",
        c => return super::currency::name(c).or_else(|| bracket_or_quote(c)),
    })
}

/// Any other opening or closing bracket (Unicode's Ps, Pe) as a parenthesis, any other
/// opening or closing quotation mark (Pi, Pf) as a curly quote: the pause and the voice
/// the model gives those.
fn bracket_or_quote(c: char) -> Option<&'static str> {
    static CLASS: rx::Lazy = rx::lazy!(r"^(?:(\p{Ps})|(\p{Pe})|(\p{Pi})|(\p{Pf}))$");
    if c.is_ascii() {
        return None;
    }
    let mut utf8 = [0; 4];
    let found = CLASS.captures(c.encode_utf8(&mut utf8))?;
    ["(", ")", "“", "”"]
        .into_iter()
        .enumerate()
        .find_map(|(i, said)| found.get(i + 1).map(|_| said))
}

/// Symbols still in the text after the other rules, as words: "2 + 2 = 4", "a/b", "~5",
/// "#tag", "$" alone ("dollar"), "[note]" as a parenthesis. None is dropped, except the
/// marks of Markdown emphasis and code left glued to a word ("*word", "`code`") and runs of
/// them ("**"), which are markup, not text.
pub fn remaining_symbols(text: &str) -> Cow<'_, str> {
    static TIMES: rx::Lazy = rx::lazy!(r"\b(\d+(?:\.\d+)?)\s?[x×]\b");
    static BETWEEN_NUMBERS: rx::Lazy = rx::lazy!(r"(\d)\s*([+=×*/<>−])\s*(\d)");
    static SLASH_WORDS: rx::Lazy = rx::lazy!(r"\b([A-Za-z]+)/([A-Za-z]+)\b");
    static APPROX: rx::Lazy = rx::lazy!(r"(^|\s)~\s?(\d)");
    let t = TIMES.replace_all(text, "$1 times");
    let t = BETWEEN_NUMBERS.replace_all(&t, |c: &Captures| {
        let op = match &c[2] {
            "+" => "plus",
            "=" => "equals",
            "×" | "*" => "times",
            "−" => "minus",
            "/" => "over",
            "<" => "is less than",
            _ => "is greater than",
        };
        format!("{} {op} {}", &c[1], &c[3])
    });
    // "and/or", "yes/no": both words; "client/server": the slash said.
    let t = SLASH_WORDS.replace_all(&t, |c: &Captures| {
        let (a, b) = (c[1].to_ascii_lowercase(), c[2].to_ascii_lowercase());
        if a == "and" {
            format!("{} {}", &c[1], &c[2])
        } else if ALTERNATIVES.contains(&a.as_str()) && ALTERNATIVES.contains(&b.as_str()) {
            format!("{} or {}", &c[1], &c[2])
        } else {
            format!("{} slash {}", &c[1], &c[2])
        }
    });
    let t = APPROX.replace_all(&t, "${1}about $2");
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let markdown = matches!(c, '*' | '`' | '_');
        // A run ("**", "__") or a mark glued to one side of a word is emphasis or code.
        if markdown && (before == Some(c) || after == Some(c) || word(before) != word(after)) {
            out.push(' ');
            continue;
        }
        // "don´t": an acute accent between letters stands for an apostrophe.
        if c == '´' && word(before) && word(after) {
            out.push('\'');
            continue;
        }
        match said_as(c) {
            Some(said) if said.starts_with(char::is_alphabetic) => {
                out.push(' ');
                out.push_str(said);
                out.push(' ');
            }
            Some(pause) => out.push_str(pause),
            None => match named(c) {
                Some(name) => {
                    out.push(' ');
                    out.push_str(&name);
                    out.push(' ');
                }
                None => out.push(c),
            },
        }
    }
    Cow::Owned(out)
}

/// A symbol no rule says that the G2P would drop, by its Unicode name in lower case ("⊕" →
/// "circled plus", "¨" → "diaeresis"): a math sign (Sm), another symbol (So), a spacing
/// accent (Sk) or a punctuation mark of another script (Po, "※", "፧"). Not the marks the
/// G2P reads as pauses ("…") nor Spanish's inverted marks, which open a sentence; the
/// full-width and ideographic forms of a pause ("！", "，", "。", "、") are that pause.
pub(super) fn named(c: char) -> Option<String> {
    static CLASS: rx::Lazy = rx::lazy!(r"^[\p{Sm}\p{So}\p{Sk}\p{Po}]$");
    if c.is_ascii() || matches!(c, '…' | '¡' | '¿') {
        return None;
    }
    if !CLASS.is_match(c.encode_utf8(&mut [0; 4])) {
        return None;
    }
    let pause = match c {
        '。' | '｡' => '.',
        '、' | '､' => ',',
        _ => std::iter::once(c).nfkc().next().unwrap_or(c),
    };
    if matches!(pause, '.' | ',' | ';' | ':' | '!' | '?') {
        return Some(pause.to_string());
    }
    unicode_name(c)
}

/// The Unicode name of `c` in lower case, from the `unicode_names2` tables.
pub(super) fn unicode_name(c: char) -> Option<String> {
    Some(unicode_names2::name(c)?.to_string().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_never_end_sentences() {
        assert_eq!(
            abbreviations("Dr. Smith and Mr. Lee"),
            "Doctor Smith and Mister Lee"
        );
        assert_eq!(abbreviations("Mt. Everest"), "Mount Everest");
        assert_eq!(
            abbreviations("Mr Holmes and Dr Watson"),
            "Mister Holmes and Doctor Watson"
        );
    }

    #[test]
    fn latin_and_sentence_final_abbreviations() {
        assert_eq!(
            abbreviations("fruit, e.g. apples, etc. are fine"),
            "fruit, for example, apples, et cetera are fine"
        );
        assert_eq!(abbreviations("i.e., the cache"), "that is, the cache");
        assert_eq!(
            abbreviations("apples, pears, etc. Then"),
            "apples, pears, et cetera. Then"
        );
        assert_eq!(abbreviations("cats vs. dogs"), "cats versus dogs");
        assert_eq!(abbreviations("Rust vs Go"), "Rust versus Go");
        assert_eq!(abbreviations("Lakers vs. Celtics"), "Lakers versus Celtics");
    }

    #[test]
    fn saint_or_street() {
        assert_eq!(abbreviations("St. Louis"), "Saint Louis");
        assert_eq!(abbreviations("on 5th St. near"), "on 5th Street near");
        assert_eq!(
            abbreviations("at 12 Main St. Then we"),
            "at 12 Main Street. Then we"
        );
        assert_eq!(abbreviations("Visit St. Louis"), "Visit Saint Louis");
        assert_eq!(abbreviations("Dr. Watson"), "Doctor Watson");
        assert_eq!(abbreviations("Meet Jane, Dr. Lee"), "Meet Jane, Doctor Lee");
        assert_eq!(
            abbreviations("at 4 Elm Dr., Springfield"),
            "at 4 Elm Drive, Springfield"
        );
        assert_eq!(abbreviations("I saw Dr. Watson"), "I saw Doctor Watson");
        assert_eq!(abbreviations("the Dr. said"), "the Doctor said");
        assert_eq!(
            abbreviations("Dr. Smith lives on Smith Dr."),
            "Doctor Smith lives on Smith Drive."
        );
        assert_eq!(
            abbreviations("on Mulholland Dr. near"),
            "on Mulholland Drive near"
        );
    }

    #[test]
    fn symbols_become_words() {
        assert_eq!(ampersand("R&D and Q & A"), "R and D and Q and A");
        assert_eq!(optional_plurals("the file(s)"), "the files");
        assert_eq!(
            remaining_symbols("2 + 2 = 4 + x")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            "2 plus 2 equals 4 plus x"
        );
        assert_eq!(remaining_symbols("and/or"), "and or");
        assert_eq!(remaining_symbols("yes/no"), "yes or no");
        let said = |t: &str| {
            remaining_symbols(t)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            said("upgrade/update/downgrade"),
            "upgrade slash update slash downgrade"
        );
        assert_eq!(
            said("#mytext# test$ $"),
            "hash mytext hash test dollar dollar"
        );
        assert_eq!(
            said("**bold** *em* `code` a * b snake_case"),
            "bold em code a asterisk b snake underscore case"
        );
        assert_eq!(said("a [note] | b"), "a (note) , b");

        assert_eq!(remaining_symbols("it is 3x faster"), "it is 3 times faster");
        assert_eq!(remaining_symbols("~5 minutes"), "about 5 minutes");
    }

    #[test]
    fn business_and_chat_shorthand() {
        assert_eq!(
            shorthand("revenue grew 12% YoY, 3% QoQ and 1% MoM"),
            "revenue grew 12% year over year, 3% quarter over quarter and 1% month over month"
        );
        assert_eq!(
            shorthand("YOY and yoy"),
            "year over year and year over year"
        );
        assert_eq!(
            shorthand("coffee w/ milk, tea w/o sugar"),
            "coffee with milk, tea without sugar"
        );
        assert_eq!(shorthand("W/o a key"), "without a key");
        assert_eq!(
            shorthand("slow b/c of the cache"),
            "slow because of the cache"
        );
        assert_eq!(shorthand("Owner: N/A"), "Owner: not applicable");
        assert_eq!(
            shorthand("Bob, a.k.a. the boss"),
            "Bob, also known as the boss"
        );
        assert_eq!(
            shorthand("Bob, aka the boss"),
            "Bob, also known as the boss"
        );
        assert_eq!(shorthand("Q3 and H1"), "Q 3 and H 1");
        assert_eq!(shorthand("FY25 and FY 2025"), "F Y 25 and F Y 2025");
        assert_eq!(shorthand("a 401(k) plan"), "a four oh one k plan");
        assert_eq!(shorthand("C. S. Lewis"), "CS Lewis");
    }

    #[test]
    fn words_that_contain_shorthand_are_left() {
        for text in [
            "mom called",
            "MOM",
            "the eta symbol",
            "yoyo",
            "imob",
            "ETA",
            "FYI",
            "momentum",
            "Akai",
            "src/w/o",
            "a/b/c",
            "w/e",
            "Q5",
            "HQ1",
            "FY2",
            "banana",
            "snow/rain",
        ] {
            assert_eq!(shorthand(text), text);
        }
    }
}
