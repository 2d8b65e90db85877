//! Text clean-up before splitting: what a chat assistant writes ("$23.50", "7:15 a.m.",
//! "Dr.", "72°F", "3/4 cup", "YoY", URLs, Markdown, emoji) turned into what a person would
//! say, then control characters out and whitespace folded.
//!
//! One file per rule family; [`for_speech`] runs them in an order where each sees what the
//! earlier ones left (URLs before numbers, currency before plain numbers, …). Every rule is a
//! single pass of a regular expression (linear time, no loops to get stuck in). English gets
//! every rule; the other languages get the language-neutral ones (Markdown, emoji,
//! punctuation) and espeak-ng reads their numbers.

mod address;
pub(crate) mod compat;
mod currency;
mod fractions;
mod markdown;
#[cfg(test)]
mod nemo;
mod numbers;
mod roman;
mod serial;
pub(crate) mod signs;
mod symbols;
mod time;
mod units;
mod web;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::Result;
use crate::language::{Language, Normalizer, needs_reading};

pub use markdown::{Emoji, is_emoji};
pub use numbers::{cardinal, ordinal};
pub use time::{MONTHS, clock, month_index};

/// Regular expressions compiled once, on first use.
pub(crate) mod rx {
    pub type Lazy = std::sync::LazyLock<regex::Regex>;

    /// A constant pattern. Every pattern is compiled by the unit tests, so a typo fails
    /// there, never in a request.
    pub fn compile(pattern: &str) -> regex::Regex {
        regex::Regex::new(pattern)
            .unwrap_or_else(|e| panic!("invalid built-in pattern {pattern:?}: {e}"))
    }

    macro_rules! lazy {
        ($pattern:expr $(,)?) => {
            std::sync::LazyLock::new(|| $crate::text::normalize::rx::compile($pattern))
        };
    }
    pub(crate) use lazy;
}

/// Per-request switches, with Kokoro-FastAPI's names (`normalization_options`). Missing
/// fields take their defaults; a name it does not take (a misspelt `normalise`) is refused,
/// never a switch silently left on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizationOptions {
    /// Off: the text goes to G2P as written (only whitespace, control characters and
    /// letters in compatibility forms folded, emoji left out).
    pub normalize: bool,
    /// Units written as letters after a number ("5 GB", "200 ms", "3 kg"). Symbol units
    /// (°F, °C, km/h) are read whenever `normalize` is on. Kokoro-FastAPI defaults this to
    /// false; ttsd to true, because misaki reads "200 ms" as letters.
    pub unit_normalization: bool,
    /// URLs as "acme dot io slash help".
    pub url_normalization: bool,
    /// Emails as "jane at example dot com".
    pub email_normalization: bool,
    /// "file(s)" as "files".
    pub optional_pluralization_normalization: bool,
    /// Phone numbers digit by digit, in their groups.
    pub phone_normalization: bool,
    /// Symbols left after the other rules ("+", "=", "@", "/", "→") as words, or dropped.
    pub replace_remaining_symbols: bool,
}

impl Default for NormalizationOptions {
    fn default() -> Self {
        NormalizationOptions {
            normalize: true,
            unit_normalization: true,
            url_normalization: true,
            email_normalization: true,
            optional_pluralization_normalization: true,
            phone_normalization: true,
            replace_remaining_symbols: true,
        }
    }
}

/// Most combining marks kept on one letter. Real text needs two or three (Vietnamese
/// stacks two); thousands of them ("Zalgo" text) only make every later stage slow.
const MAX_MARKS: usize = 4;

/// `text` in Unicode's composed form (NFC), with at most [`MAX_MARKS`] combining marks on
/// any letter: what every later stage can read in time linear in its length.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut marks = 0;
    for c in text.nfc() {
        if is_combining_mark(c) {
            marks += 1;
            if marks > MAX_MARKS {
                continue;
            }
        } else {
            marks = 0;
        }
        out.push(c);
    }
    out
}

/// `text` as it should be said in `lang`, ready for sentence splitting.
pub fn for_speech(text: &str, lang: Language, options: &NormalizationOptions) -> String {
    let text = clean(text);
    let text = compat::fold(&text, lang.row().script);
    if !options.normalize {
        return normalize(&unnamed_symbols_dropped(
            &markdown::emoji(&text, Emoji::Drop),
            lang,
        ));
    }
    let t = markdown::markdown(&dashes(&text));
    // Emoji in a sentence: English says their names; the other languages have none, so
    // `speakable` reports them. Off, or decorating a line's ends, they are left out.
    let emoji = match lang.row().normalizer {
        _ if !options.replace_remaining_symbols => Emoji::Drop,
        Normalizer::English { .. } => Emoji::Name,
        _ => Emoji::Keep,
    };
    let t = markdown::emoji(&t, emoji).into_owned();
    let t = match lang.row().normalizer {
        Normalizer::English { day_first } => english(&t, day_first, options),
        Normalizer::Neutral {
            percent,
            and,
            degrees,
            signs,
        } => neutral(
            &signs::said(&t, signs, options.replace_remaining_symbols),
            percent,
            and,
            degrees,
        ),
        // A run of math first, while its hyphens are still signs ("10 - 5 - 2" is not yet a
        // dash); then ASCII's two-letter signs as the one sign they are, before the
        // sentences are cut at "!": "a!=b" is 不等于, not "a!" and 等于.
        Normalizer::Own { math } => {
            let t = match math {
                Some(words) => signs::math(&t, words),
                None => std::borrow::Cow::Borrowed(t.as_str()),
            };
            t.replace("!=", "≠").replace("<=", "≤").replace(">=", "≥")
        }
    };
    let t = if options.replace_remaining_symbols {
        t
    } else {
        unnamed_symbols_dropped(&t, lang).into_owned()
    };
    let t = normalize(&markdown::fold_punctuation(&t));
    // Rules leave spaces before punctuation ("cents ,"): misaki would read them as pauses.
    static SPACE_BEFORE_PUNCTUATION: rx::Lazy = rx::lazy!(r" +([,.;:!?…])");
    SPACE_BEFORE_PUNCTUATION.replace_all(&t, "$1").into_owned()
}

/// Unicode's hyphens as the ASCII hyphen-minus, its long dashes as the em dash, and its
/// minus sign before a number ("−5") as a minus: the rules read what these stand for (a
/// compound, a range, a pause, a negative number) from the ASCII forms. A minus sign
/// between numbers ("5 − 3") is left to be said "minus".
fn dashes(text: &str) -> std::borrow::Cow<'_, str> {
    let dash = |c: char, before: Option<char>, after: Option<char>| match c {
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{fe63}' | '\u{ff0d}' => Some('-'),
        '\u{2212}'
            if after.is_some_and(|c| c.is_ascii_digit())
                && !before.is_some_and(char::is_alphanumeric) =>
        {
            Some('-')
        }
        '\u{2015}' | '\u{2e3a}' | '\u{2e3b}' => Some('—'),
        _ => None,
    };
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| {
        let before = i.checked_sub(1).map(|j| chars[j]);
        dash(chars[i], before, chars.get(i + 1).copied())
    };
    if !(0..chars.len()).any(|i| at(i).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        (0..chars.len())
            .map(|i| at(i).unwrap_or(chars[i]))
            .collect(),
    )
}

/// What follows an abbreviation's period ("etc.", "A.D.", "St.") decides whether it also
/// ended the sentence: the end of the text, or a capital, says it did.
fn ends_sentence(rest: &str) -> bool {
    let next = rest.trim_start();
    next.is_empty() || next.starts_with(|c: char| c.is_uppercase() || c == '\n')
}

fn english(text: &str, day_first: bool, o: &NormalizationOptions) -> String {
    let mut t = text.to_owned();
    let mut step = |on: bool, rule: &dyn Fn(&str) -> std::borrow::Cow<'_, str>| {
        if on && let std::borrow::Cow::Owned(s) = rule(&t) {
            t = s;
        }
    };
    step(o.email_normalization, &web::emails);
    step(o.url_normalization, &web::urls);
    step(o.phone_normalization, &web::phones);
    step(o.url_normalization, &web::ip_addresses);
    // Before math, which would read "f(x+1)" from its bracket on: "f of x plus one".
    step(true, &symbols::functions);
    // Before dates and fractions: "x = 10-5-2", "10/2-1" are math, not a date or a range.
    step(o.replace_remaining_symbols, &|s| {
        signs::math(s, &signs::ENGLISH)
    });
    step(true, &|s| time::dates(s, day_first));
    step(true, &time::times);
    step(true, &address::addresses);
    // After dates ("3/4/2025") and before the rules that read a number next to a unit.
    step(true, &|s| fractions::fractions(s, o.unit_normalization));
    step(true, &currency::currency);
    step(true, &numbers::percent);
    step(true, &|s| units::units(s, o.unit_normalization));
    step(true, &numbers::number_sign);
    step(true, &numbers::versions);
    step(true, &numbers::scaled);
    step(true, &numbers::ordinals);
    step(
        o.optional_pluralization_normalization,
        &symbols::optional_plurals,
    );
    step(true, &symbols::abbreviations);
    step(true, &roman::roman);
    step(true, &symbols::shorthand);
    step(true, &symbols::ampersand);
    step(true, &numbers::ranges);
    step(o.replace_remaining_symbols, &symbols::remaining_symbols);
    step(true, &numbers::decades);
    step(true, &serial::serials);
    step(true, &numbers::bare_decimals);
    step(true, &numbers::plain);
    t
}

/// The language-neutral rules for a language whose G2P reads numbers itself: "%", "&" and
/// degrees ("20 °C", "20℃", "20°") in its words. The scales' names are the same words in
/// these languages.
fn neutral(text: &str, percent: &str, and: &str, degrees: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let word = |out: &mut String, words: &str| {
            out.push(' ');
            out.push_str(words);
            out.push(' ');
        };
        match c {
            '%' => word(&mut out, percent),
            '&' => word(&mut out, and),
            '℃' => word(&mut out, &format!("{degrees} Celsius")),
            '℉' => word(&mut out, &format!("{degrees} Fahrenheit")),
            '°' => {
                let scale = chars.peek().and_then(|&s| match s {
                    'C' => Some("Celsius"),
                    'F' => Some("Fahrenheit"),
                    _ => None,
                });
                let mut after = chars.clone();
                after.next();
                let alone = !after.peek().is_some_and(|c| c.is_alphanumeric());
                match scale {
                    Some(scale) if alone => {
                        chars.next();
                        word(&mut out, &format!("{degrees} {scale}"));
                    }
                    _ => word(&mut out, degrees),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// A language with no names for symbols, when symbols are switched off: those it would
/// report are left out, as its emoji are.
fn unnamed_symbols_dropped(text: &str, lang: Language) -> std::borrow::Cow<'_, str> {
    if !names_no_symbols(lang) || !text.chars().any(crate::text::g2p::is_word_symbol) {
        return std::borrow::Cow::Borrowed(text);
    }
    let dropped = text.chars().map(|c| {
        if crate::text::g2p::is_word_symbol(c) {
            ' '
        } else {
            c
        }
    });
    std::borrow::Cow::Owned(dropped.collect())
}

/// A language whose normalizer names no symbol and whose G2P reads only letters and digits
/// (espeak-ng is fed nothing else): a symbol left in its text would say nothing. English
/// names every symbol; the Japanese and Mandarin readers report the ones they cannot read.
fn names_no_symbols(lang: Language) -> bool {
    matches!(lang.row().normalizer, Normalizer::Neutral { .. })
}

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

/// The longest run of letters read as one word; longer runs are read in pieces of this
/// length. No word of any language is longer, and G2P lookups cost more than linear time in
/// a word's length, so a pasted 3000-letter "word" is spoken in pieces instead of stalling
/// (or being cut off).
pub const MAX_WORD_CHARS: usize = 40;

/// The text as a voice of `lang` reads it: letter-like symbols of no script (IPA,
/// modifiers) left out (a symbol with no name says nothing), and words longer than
/// [`MAX_WORD_CHARS`] split into pieces. Letters of another script (Hebrew, Arabic,
/// Cyrillic, Hangul, CJK in a Latin-script language, …) and private-use characters are
/// refused, named: reading them through another language's rules would be noise, and
/// leaving them out would speak a text that was not written. So are emoji the normalizer
/// kept in a sentence for a language with no names for them (English's are named by then;
/// espeak-ng has names in its languages, but it is fed only letters: symbols have crashed
/// it), and so are the other symbols (Braille, "℗", "½", "²") in those languages. One rule
/// for every language;
/// the Japanese and Mandarin readers report what they take but cannot read (rare Han,
/// radicals with no ideograph, symbols) the same way.
pub fn speakable(text: &str, lang: Language) -> Result<String> {
    let script = lang.row().script;
    let symbols_unnamed = names_no_symbols(lang);
    let mut out = String::with_capacity(text.len());
    let mut unreadable = Vec::new();
    let mut run = 0;
    for c in text.chars() {
        let foreign = (c.is_alphabetic() || needs_reading(c)) && !script.has(c);
        let emoji = is_emoji(c) && !markdown::is_emoji_modifier(c);
        let symbol = symbols_unnamed && crate::text::g2p::is_word_symbol(c);
        if (foreign && needs_reading(c)) || emoji || symbol {
            unreadable.push(c);
        }
        let c = if foreign || is_emoji(c) || symbol {
            ' '
        } else {
            c
        };
        // Scripts written without spaces (Han, kana) are not words of letters.
        let spelled = is_latin(c) || is_devanagari(c) || c.is_ascii_digit() || is_combining_mark(c);
        if !spelled {
            run = 0;
        } else {
            run += 1;
            if run > MAX_WORD_CHARS && !is_combining_mark(c) {
                out.push(' ');
                run = 1;
            }
        }
        out.push(c);
    }
    if !unreadable.is_empty() {
        let row = lang.row();
        let hint = if unreadable
            .iter()
            .all(|&c| is_emoji(c) || crate::text::g2p::is_word_symbol(c))
        {
            "write it in words or leave it out"
        } else {
            row.script.hint()
        };
        return Err(crate::text::g2p::unreadable(row.name, &unreadable, hint));
    }
    Ok(out)
}

pub use crate::language::{is_devanagari, is_latin};

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
    fn emoji_are_said_or_refused_and_other_scripts_refused_by_name() -> Result<()> {
        // A modifier the normalizer left (a skin tone alone) says nothing.
        assert_eq!(speakable("Il \u{1f3fd} va", Language::It)?, "Il   va");
        assert_eq!(speakable("5 & 10%", Language::Fr)?, "5 & 10%");
        assert_eq!(speakable("नमस्ते hello", Language::Hi)?, "नमस्ते hello");
        // Letter-like symbols of no script are left out, as symbols are.
        assert_eq!(speakable("Hawaiʻi", Language::EnUs)?, "Hawai i");
        for (text, lang, named) in [
            ("שלום hello مرحبا", Language::EnUs, "'ש' (U+05E9)"),
            ("The Русский cat.", Language::EnUs, "'Р' (U+0420)"),
            // IPA's letters are no language's spelling here.
            ("The ɐʃŋ cat.", Language::EnUs, "'ɐ' (U+0250)"),
            ("Hawaiʻi ə", Language::EnUs, "'ə' (U+0259)"),
            ("El ʃ gato.", Language::Es, "'ʃ' (U+0283)"),
            ("日本 gato.", Language::Es, "'日' (U+65E5)"),
            ("नमस्ते hello", Language::Es, "'न' (U+0928)"),
            ("a \u{e000} b", Language::EnGb, "(U+E000)"),
            ("a \u{378} b", Language::EnGb, "(U+0378)"),
            ("한국어 日本", Language::Ja, "'한' (U+D55C)"),
            ("ㄅㄆㄇ 中国", Language::Zh, "'ㄅ' (U+3105)"),
            ("カタカナ 中国", Language::Zh, "'カ' (U+30AB)"),
            // Emoji in a language with no names for them.
            ("El 🐱 gato", Language::Es, "'🐱' (U+1F431)"),
            ("Il 👍🏽 va", Language::It, "'👍' (U+1F44D)"),
            ("猫 🐱 日本", Language::Ja, "'🐱' (U+1F431)"),
            ("猫 🐱 中国", Language::Zh, "'🐱' (U+1F431)"),
            ("Café 😀 naïve", Language::EnUs, "'😀' (U+1F600)"),
        ] {
            let Err(e) = speakable(text, lang) else {
                panic!("{text:?} was read");
            };
            assert!(e.is_client_error(), "{text}: {e}");
            assert!(e.to_string().contains(named), "{text}: {e}");
        }
        Ok(())
    }

    /// Letters in compatibility forms are read as the letters they are, and a symbol a
    /// language has no name for is reported, never left out in silence; the decorations
    /// every language leaves out stay out.
    #[test]
    fn compatibility_letters_are_read_and_unnamed_symbols_reported() -> Result<()> {
        let o = NormalizationOptions::default();
        let speak = |text: &str, lang| speakable(&for_speech(text, lang, &o), lang);
        assert_eq!(speak("Ⓗⓔⓛⓛⓞ cat.", Language::EnUs)?, "Hello cat.");
        assert_eq!(speak("ꜱᴍᴀʟʟ cat.", Language::EnUs)?, "small cat.");
        assert_eq!(speak("ｃａｔ sat.", Language::EnUs)?, "cat sat.");
        assert_eq!(speak("𝐇𝐞𝐥𝐥𝐨 cat.", Language::EnGb)?, "Hello cat.");
        assert_eq!(speak("Ⓑⓞⓝ chat.", Language::Fr)?, "Bon chat.");
        assert_eq!(speak("㊀ 中国", Language::Zh)?, "一 中国");
        assert_eq!(speak("㈠ 中国", Language::Zh)?, "(一) 中国");
        // Off, too: they are how the letters are written, not a rule.
        let off = NormalizationOptions {
            normalize: false,
            ..Default::default()
        };
        assert_eq!(for_speech("ｃａｔ 😀 sat", Language::EnUs, &off), "cat sat");
        // The other languages have no names for emoji.
        for (text, lang) in [
            ("El 🐱 gato se sentó.", Language::Es),
            ("Le 🐱 chat.", Language::Fr),
            ("El gato 🐱 se sentó.", Language::Ja),
            ("猫 🐱 が", Language::Ja),
            ("猫 🐱 是", Language::Zh),
        ] {
            let Err(e) = speak(text, lang) else {
                panic!("{text:?} in {lang}: the emoji vanished");
            };
            assert!(e.to_string().contains("(U+1F431)"), "{e}");
        }
        // Decoration is left out in every language.
        assert_eq!(speak("✅ Listo 🎉", Language::Es)?.trim(), "Listo");
        assert_eq!(speak("✅ 日本 🎉", Language::Ja)?.trim(), "日本");
        // Roman-numeral characters are numbers in every language.
        assert_eq!(
            speak("Chapter Ⅻ cat.", Language::EnUs)?,
            "Chapter twelve cat."
        );
        assert_eq!(
            speak("I have ⅳ cats.", Language::EnUs)?,
            "I have four cats."
        );
        assert_eq!(speak("El Ⅻ gato.", Language::Es)?, "El 12 gato.");
        assert_eq!(speak("日本 Ⅻ 日本", Language::Ja)?, "日本 12 日本");
        // Degrees are said where the language has the word; other symbols are reported
        // by a language that has no names for them (English says them).
        assert_eq!(
            speak("Hace 20 °C, 5℃ o 70°F; gira 90°.", Language::Es)?,
            "Hace 20 grados Celsius, 5 grados Celsius o 70 grados Fahrenheit; gira 90 grados."
        );
        for (text, lang, named) in [
            ("El ⠓⠑ gato.", Language::Es, "'⠓' (U+2813)"),
            ("Le ⠓ chat.", Language::Fr, "'⠓' (U+2813)"),
            ("O ⠓ gato.", Language::PtBr, "'⠓' (U+2813)"),
            ("El ½ gato.", Language::Es, "'½' (U+00BD)"),
            ("Il x² gatto.", Language::It, "'²' (U+00B2)"),
            // Math signs, currencies and marks with no word in the language.
            ("El ∑ gato.", Language::Es, "'∑' (U+2211)"),
            ("Le † chat.", Language::Fr, "'†' (U+2020)"),
            ("O ¤ gato.", Language::PtBr, "'¤' (U+00A4)"),
            ("Il ₩ gatto.", Language::It, "'₩' (U+20A9)"),
            ("बिल्ली ∴ कुत्ता", Language::Hi, "'∴' (U+2234)"),
        ] {
            let Err(e) = speak(text, lang) else {
                panic!("{text:?} in {lang}: the symbol vanished");
            };
            let message = e.to_string();
            assert!(message.contains(named), "{message}");
            assert!(message.contains("write it in words"), "{message}");
        }
        assert!(speak("The ⠓ cat.", Language::EnUs)?.contains("braille"));
        // The common signs and currencies are said in the language's words.
        assert_eq!(
            speak("El gato ≤ perro, 2 + 2 = 4.", Language::Es)?,
            "El gato menor o igual que perro, 2 más 2 igual a 4."
        );
        assert_eq!(
            speak("Ça coûte 5 € ou $1.", Language::Fr)?,
            "Ça coûte 5 euros ou 1 dollar."
        );
        assert_eq!(speak("Custa R$ 10.", Language::PtBr)?, "Custa 10 reais.");
        // Pauses, quotes and Spanish's opening marks are not signs.
        assert_eq!(
            speak("¿Qué? «Hola» · sí…", Language::Es)?,
            "¿Qué? «Hola» · sí…"
        );
        // Symbols switched off: left out, as emoji are.
        let off = NormalizationOptions {
            replace_remaining_symbols: false,
            ..Default::default()
        };
        assert_eq!(for_speech("El ⠓ gato.", Language::Es, &off), "El gato.");
        Ok(())
    }

    #[test]
    fn marks_are_composed_and_bounded() {
        assert_eq!(clean("e\u{301}"), "é");
        let zalgo = format!("e{}", "\u{301}".repeat(2000));
        assert_eq!(clean(&zalgo).chars().count(), 1 + MAX_MARKS);
    }

    #[test]
    fn long_words_are_read_in_pieces_not_cut() -> Result<()> {
        let word = "supercalifragilistic".repeat(10);
        let spoken = speakable(&word, Language::EnUs)?;
        assert!(
            spoken
                .split(' ')
                .all(|w| w.chars().count() <= MAX_WORD_CHARS)
        );
        assert_eq!(spoken.replace(' ', ""), word);
        Ok(())
    }

    fn say(text: &str) -> String {
        for_speech(text, Language::EnUs, &NormalizationOptions::default())
    }

    #[test]
    fn assistant_text_is_spoken_naturally() {
        assert_eq!(
            say("Your total is $23.50, due by 7:15 a.m. on March 14, 2025."),
            "Your total is twenty three dollars and fifty cents, due by seven fifteen AM \
             on March fourteenth, twenty twenty five."
        );
        assert_eq!(
            say("**Note:** Dr. Patel said it's 72°F & sunny 😀!!"),
            "Note: Doctor Patel said it's seventy two degrees Fahrenheit and sunny!"
        );
        assert_eq!(
            say("See [the docs](https://acme.io/help) or https://acme.io/help, e.g. for v2.0."),
            "See the docs or acme dot io slash help, for example, for version two point oh."
        );
        assert_eq!(
            say("## Results\n- 15% faster\n- 200 ms less\n- issue #12 closed"),
            "Results. fifteen percent faster. two hundred milliseconds less. issue number \
             twelve closed."
        );
        assert_eq!(
            say("Call (555) 123-4567 or email help@acme.io."),
            "Call five five five, one two three, four five six seven or email help at acme \
             dot io."
        );
    }

    #[test]
    fn a_run_that_can_only_be_math_says_every_sign() {
        assert_eq!(
            say("x = 10-5-2, 10/2-1 and 3/4-1/2."),
            "x equals ten minus five minus two, ten over two minus one and three over four \
             minus one over two."
        );
        assert_eq!(
            say("5x-3, -x and n-1 = 0; 10:30-11:00."),
            "five times x minus three, minus x and n minus one equals zero; ten thirty to eleven \
             o'clock."
        );
        assert_eq!(
            say("10-20% off, -5% and +3%."),
            "ten to twenty percent off, minus five percent and plus three percent."
        );
        assert_eq!(
            say("If a != b and x <= 5, 10 - 5 - 2 and -(5)."),
            "If a is not equal to b and x is less than or equal to five, ten minus five minus two \
             and minus (five)."
        );
        let zh = for_speech("a!=b, x<=1, y>=2", Language::Zh, &Default::default());
        assert_eq!(zh, "a 不等于 b, x 小于等于 1, y 大于等于 2");
        // Outside a run of math, the sign is folded before the sentence is cut at "!".
        let zh = for_speech("猫!=狗", Language::Zh, &Default::default());
        assert_eq!(zh, "猫≠狗");
        // Not math: labels, a compound, a range, a date.
        assert_eq!(
            say("a-z, the p-n junction, omega n-3, an x-y plot"),
            "a-z, the p-n junction, omega n three, an x-y plot"
        );
        assert_eq!(
            say("b-12, x-ray, 5-10 and 2025-12-07."),
            "b twelve, x-ray, five to ten and December seventh, twenty twenty five."
        );
    }

    /// A name against its bracket is said apart from its argument; asides, plurals,
    /// numbers and links keep their readings.
    #[test]
    fn function_notation_is_said_apart() -> crate::Result<()> {
        for (text, want) in [
            ("log(n) and len(x)", "log n and len x"),
            (
                "the O(n) algorithm, O(n log n)",
                "the O of n algorithm, O of n log n",
            ),
            ("f(x) = 2x+1", "f of x equals two times x plus one"),
            ("sin(x+1), max(a, b)", "sin x plus one, max a, b"),
            ("print(x); sin(x-y)", "print x; sin x-y"),
            ("the cat(a tabby) sat", "the cat (a tabby) sat"),
            // As before.
            ("the cat (a tabby) sat", "the cat (a tabby) sat"),
            ("the book(s), a(n) apple", "the books, a(n) apple"),
            ("f() and -(5)", "f() and minus (five)"),
            ("[see](https://acme.io) and Ltd.(UK)", "see and Limited(UK)"),
        ] {
            assert_eq!(say(text), want, "{text}");
        }
        let p = crate::text::Phonemizer::default();
        let ph = |t: &str| p.phonemize(&say(t), Language::EnUs);
        assert_eq!(ph("log(n)")?, ph("log n")?);
        assert_eq!(ph("sin(x)")?, ph("sin x")?);
        Ok(())
    }

    #[test]
    fn fractions_and_shorthand() {
        assert_eq!(
            say("Mix 1/2 cup of flour with 3/4 cup of milk."),
            "Mix half a cup of flour with three quarters of a cup of milk."
        );
        assert_eq!(
            say("Use 2 1/2 lbs of beef, 5/8 of the sauce and a 1/2-inch dice."),
            "Use two and a half pounds of beef, five eighths of the sauce and a half-inch dice."
        );
        assert_eq!(
            say("Revenue grew 12% YoY; ETA is 3/4/2025, FYI."),
            "Revenue grew twelve percent year over year; ETA is March fourth, twenty twenty \
             five, FYI."
        );
        assert_eq!(
            say("Rated 8/10, open 24/7, ½ price w/o tax; see acme.io/docs/1/2 and/or N/A."),
            "Rated eight out of ten, open twenty four seven, half price without tax; see \
             acme dot io slash docs slash one slash two and or not applicable."
        );
        assert_eq!(
            say("Q3 was up 1/3 vs. FY24."),
            "Q three was up a third versus F Y twenty four."
        );
        let british = for_speech("due 12/03/2025", Language::EnGb, &Default::default());
        assert_eq!(british, "due the twelfth of March twenty twenty five");
    }

    /// misaki reads what the rules wrote as words, not letters: "year over year", not
    /// "Y O Y"; "half-inch" as one compound.
    #[test]
    fn misaki_reads_the_words() -> crate::Result<()> {
        let p = crate::text::Phonemizer::default();
        let ph = |t: &str| p.phonemize(&say(t), Language::EnUs);
        assert_eq!(ph("12% YoY")?, ph("twelve percent year over year")?);
        assert_eq!(ph("a 1/2-inch gap")?, ph("a half-inch gap")?);
        assert!(ph("5/8")?.contains("ˈAθs"), "{}", ph("5/8")?);
        // misaki spells these capitals out itself: no rule needed.
        assert_eq!(ph("ETA")?, "ˌitˌiˈA");
        assert_eq!(ph("FYI")?, "ˌɛfwˌIˈI");
        Ok(())
    }

    #[test]
    fn options_switch_rules_off() {
        let off = NormalizationOptions {
            normalize: false,
            ..Default::default()
        };
        assert_eq!(for_speech("$5 at 6pm", Language::EnUs, &off), "$5 at 6pm");
        let no_urls = NormalizationOptions {
            url_normalization: false,
            email_normalization: false,
            ..Default::default()
        };
        assert_eq!(
            for_speech("see acme.io or a@b.com", Language::EnUs, &no_urls),
            "see acme.io or a at b.com"
        );
        let no_units = NormalizationOptions {
            unit_normalization: false,
            ..Default::default()
        };
        assert_eq!(
            for_speech("5 GB at 20°C", Language::EnUs, &no_units),
            "five GB at twenty degrees Celsius"
        );
    }

    #[test]
    fn other_languages_keep_their_numbers_for_espeak() {
        let o = NormalizationOptions::default();
        assert_eq!(
            for_speech("😀 **Hola**, un 20% más!!", Language::Es, &o),
            "Hola, un 20 por ciento más!"
        );
        assert_eq!(for_speech("A & B", Language::Fr, &o), "A et B");
    }

    #[test]
    fn abbreviations_do_not_break_sentences() {
        use crate::text::split::sentences;
        let text = say("Dr. Smith lives on St. Mark's Pl., e.g. near Mt. Hood. It is 5 p.m. now.");
        assert_eq!(sentences(&text).len(), 2, "{text}");
    }

    /// No symbol is lost: every currency sign (Unicode's Sc, as the regex crate knows it),
    /// every ASCII punctuation mark, every math sign, other symbol, spacing accent and other
    /// punctuation mark (Sm, So, Sk, Po) of every plane (but the inverted marks of Spanish
    /// and the emoji modifiers), Unicode's hyphens and dashes, every bracket and quotation
    /// mark of Unicode, and every emoji of the emoji blocks, alone between two words,
    /// changes what the model reads (its name, or a pause it hears); a currency sign before
    /// an amount is said with it, in the plural after more than one. Every symbol of those
    /// categories has a Unicode name to be said by.
    #[test]
    fn no_symbol_is_dropped_silently() {
        let sc = rx::compile(r"^\p{Sc}$");
        let currency = |c: char| sc.is_match(c.encode_utf8(&mut [0; 4]));
        let paired = rx::compile(r"^[\p{Ps}\p{Pe}\p{Pi}\p{Pf}]$");
        let other = rx::compile(r"^[\p{Sm}\p{So}\p{Sk}\p{Po}]$");
        let modifier = |c: char| matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{200d}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{e0000}'..='\u{e007f}');
        let symbol = |c: char| {
            other.is_match(c.encode_utf8(&mut [0; 4])) && !matches!(c, '¡' | '¿') && !modifier(c)
        };
        let assigned = rx::compile(r"^\P{Cn}$");
        let pictograph =
            |c: char| is_emoji(c) && !modifier(c) && assigned.is_match(c.encode_utf8(&mut [0; 4]));
        let checked = |c: char| {
            c.is_ascii_punctuation()
                || currency(c)
                || symbol(c)
                || pictograph(c)
                || ('\u{2010}'..='\u{2015}').contains(&c)
                || paired.is_match(c.encode_utf8(&mut [0; 4]))
                || symbols::said_as(c).is_some()
        };
        let unnamed: Vec<char> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| symbol(c) && !c.is_ascii() && unicode_names2::name(c).is_none())
            .collect();
        assert!(unnamed.is_empty(), "symbols without a name: {unnamed:?}");
        // What the model reads: the phonemes of the normalized sentences, punctuation kept.
        let f = nemo::frontend();
        let sentences = |text: &str| f.sentences(text, Language::EnUs, &Default::default());
        let read = |sentences: &[String]| {
            let phonemes: Vec<String> = sentences
                .iter()
                .map(|s| f.phonemes(s, Language::EnUs).unwrap_or_default())
                .collect();
            phonemes.join(" ")
        };
        let letters = |sentences: &[String]| {
            sentences
                .iter()
                .flat_map(|s| s.chars())
                .filter(|c| c.is_alphabetic())
                .count()
        };
        let plain = sentences("a b");
        let mut lost = Vec::new();
        let mut count = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if !checked(c) {
                continue;
            }
            count += 1;
            let around = sentences(&format!("a {c} b"));
            // Words the normalizer wrote for it (its name) are read; only what it kept as
            // it was needs the G2P's answer.
            if letters(&around) == letters(&plain) && read(&around) == read(&plain) {
                lost.push(c);
            }
            // Cent signs are written after the amount ("50¢").
            if currency(c) && !matches!(c, '¢' | '￠') {
                let (one, many) = currency::names(c).unwrap_or(("?", "?"));
                assert_eq!(say(&format!("{c}1")), format!("one {one}"), "{c:?}");
                assert_eq!(say(&format!("{c}2")), format!("two {many}"), "{c:?}");
            }
        }
        assert!(lost.is_empty(), "said as nothing: {lost:?}");
        assert!(count > 7_000, "{count} symbols checked");
    }

    #[test]
    fn unicode_symbols_and_dashes_are_said() {
        assert_eq!(say("5 − 3 = 2"), "five minus three equals two");
        assert_eq!(say("−5 degrees"), "minus five degrees");
        assert_eq!(say("x ± 2"), "x plus or minus two");
        assert_eq!(say("a → b ← c"), "a to b from c");
        assert_eq!(say("a ≠ b, n → ∞"), "a not equal to b, n to infinity");
        assert_eq!(say("He said «hi»"), "He said “hi”");
        assert_eq!(say("tea • coffee"), "tea, coffee");
        assert_eq!(say("well‐known"), say("well-known"));
        assert_eq!(say("wait ― what"), say("wait — what"));
        assert_eq!(say("Done 🎉 ✅"), "Done");
        assert_eq!(
            say("I hear 🦀 is fast ⊕ safe"),
            "I hear crab is fast circled plus safe"
        );
        assert_eq!(say("a ※ b ¨ c"), "a reference mark b diaeresis c");
        assert_eq!(say("don´t"), "don't");
        assert_eq!(
            say("yes！ no，maybe。 so、 fine"),
            "yes! no, maybe. so, fine"
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences() {
        assert_eq!(normalize("Title\n\nBody text."), "Title. Body text.");
        assert_eq!(normalize("One.\n\nTwo."), "One. Two.");
        assert_eq!(normalize("line\nwrapped"), "line wrapped");
    }
}
