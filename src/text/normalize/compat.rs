//! Letters written in a compatibility form read as the letters they are: full-width
//! (`ｃａｔ`), circled and parenthesized (`Ⓗⓔⓛⓛⓞ`, `⒜`), mathematical (`𝐇𝐞𝐥𝐥𝐨`), small
//! capitals (`ꜱᴍᴀʟʟ`), ligatures (`ﬁ`), letterlike (`ℍ`), and the enclosed and squared CJK
//! forms (`㊀` 一, `㈠` (一), `㌔` キロ). Left as they are, a G2P spells them by code point,
//! drops them as symbols, or refuses them as a script it does not read. Roman-numeral
//! characters (`Ⅻ`, `ⅳ`, `第Ⅲ章`) are numbers whatever the language: a run of them is
//! written as its value in digits, which every language reads (their letters, "XII", are
//! read as a number only after the words the English rule knows).
//!
//! Unicode's compatibility mapping (what NFKC does to the character alone) for these
//! classes only, and only when what it maps to is letters or digits the language reads: a
//! circled ideograph stays a symbol in English (said by its name) and becomes its ideograph
//! in Mandarin. The rest of NFKC is not wanted: it would turn "m²" into "m2", "½" into
//! "1⁄2" and "…" into three dots, which the rules read differently. Small capitals have no
//! compatibility mapping; their Unicode names say which letter they are. Captions keep the
//! written form: this runs on the text to be spoken only.

use std::borrow::Cow;

use unicode_normalization::char::decompose_compatible;

use crate::language::Script;

/// The ASCII character a full-width form stands for (`％` → `%`, `ａ` → `a`); any other
/// character as it is.
pub fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

/// `text` with its compatibility letters folded for a reader of `script`.
pub fn fold(text: &str, script: Script) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| candidate(c) || roman_value(c).is_some() || enclosed_number(c).is_some())
    {
        return Cow::Borrowed(text);
    }
    let mut out = Folded::default();
    let mut numeral = Vec::new();
    for c in text.chars() {
        if roman_value(c).is_some() {
            numeral.push(c);
            continue;
        }
        push_numeral(&mut numeral, &mut out);
        if let Some((before, value, after)) = enclosed_number(c) {
            out.number(&format!("{before}{value}{after}"));
            continue;
        }
        match candidate(c).then(|| folded(c, script)).flatten() {
            Some(letters) => out.text(&letters),
            None => out.text(c.encode_utf8(&mut [0; 4])),
        }
    }
    push_numeral(&mut numeral, &mut out);
    Cow::Owned(out.out)
}

/// The folded text, which keeps each number the fold writes apart from the digits beside
/// it: ①② is one and two, not twelve, and ①0 and 1① are one and zero, one and one, not ten
/// and eleven.
#[derive(Default)]
struct Folded {
    out: String,
    /// Where the last number the fold wrote ends in `out`.
    number_end: Option<usize>,
}

impl Folded {
    /// Text as it is, or letters and digits folded from it.
    fn text(&mut self, s: &str) {
        if self.number_end == Some(self.out.len()) && starts_with_digit(s) {
            // After a number's period or parenthesis (`⒈5`, `⑴5`), a space.
            let sep = if self.after_digit() { ", " } else { " " };
            self.out.push_str(sep);
        }
        self.out.push_str(s);
    }

    /// A number the fold wrote (`1`, `(1)`, `1.`): after digits, a space between two numbers
    /// the fold wrote (①② is read as a list, 1 2), else a comma, as a space alone may still
    /// join it to the digits of the text (French reads "1 000" as a thousand).
    fn number(&mut self, number: &str) {
        if starts_with_digit(number) && self.after_digit() {
            let sep = if self.number_end == Some(self.out.len()) {
                " "
            } else {
                ", "
            };
            self.out.push_str(sep);
        }
        self.out.push_str(number);
        self.number_end = Some(self.out.len());
    }

    fn after_digit(&self) -> bool {
        self.out.ends_with(|c: char| c.is_ascii_digit())
    }
}

fn starts_with_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

/// A run of Roman-numeral characters as digits: the run's value when its letters make one
/// well-formed numeral (`ⅩⅡ` is XII, 12), else each character's own value.
fn push_numeral(numeral: &mut Vec<char>, out: &mut Folded) {
    if numeral.is_empty() {
        return;
    }
    let mut letters = String::new();
    for &c in numeral.iter() {
        decompose_compatible(c, |d| letters.push(d.to_ascii_uppercase()));
    }
    let lettered = numeral
        .iter()
        .all(|c| ('\u{2160}'..='\u{217f}').contains(c));
    let whole = (numeral.len() > 1 && lettered)
        .then(|| super::roman::value(&letters))
        .flatten();
    match whole {
        Some(n) => out.number(&n.to_string()),
        None => {
            for n in numeral.iter().filter_map(|&c| roman_value(c)) {
                out.number(&n.to_string());
            }
        }
    }
    numeral.clear();
}

/// The value of a Roman-numeral character of Unicode's Number Forms (`Ⅻ` 12, `ⅳ` 4, `ↂ`
/// 10000); the reversed C (a letter) is not one.
fn roman_value(c: char) -> Option<u64> {
    const UNITS: [u64; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 50, 100, 500, 1000];
    match c {
        '\u{2160}'..='\u{217f}' => Some(UNITS[(u32::from(c) & 0xf) as usize]),
        '\u{2180}' => Some(1000),
        '\u{2181}' => Some(5000),
        '\u{2182}' => Some(10_000),
        '\u{2185}' => Some(6),
        '\u{2186}' => Some(50),
        '\u{2187}' => Some(50_000),
        '\u{2188}' => Some(100_000),
        _ => None,
    }
}

/// The number an enclosed one stands for (① ⓫ ⓵ ⓪ ❶ ➀ ➊ ㉑ ㊿, and ⑴ ⒈), with what stands
/// around it as written (the parentheses of ⑴, the period of ⒈): numbers whatever the
/// language, as every reader reads digits. Left as they are, they were emoji, dropped or
/// refused.
fn enclosed_number(c: char) -> Option<(&'static str, u32, &'static str)> {
    let n = u32::from(c);
    let from = |first: u32, start: u32| Some(("", n - first + start, ""));
    match c {
        '\u{2460}'..='\u{2473}' => from(0x2460, 1),
        '\u{2474}'..='\u{2487}' => Some(("(", n - 0x2474 + 1, ")")),
        '\u{2488}'..='\u{249b}' => Some(("", n - 0x2488 + 1, ".")),
        '\u{24ea}' | '\u{24ff}' => Some(("", 0, "")),
        '\u{24eb}'..='\u{24f4}' => from(0x24eb, 11),
        '\u{24f5}'..='\u{24fe}' => from(0x24f5, 1),
        '\u{2776}'..='\u{277f}' => from(0x2776, 1),
        '\u{2780}'..='\u{2789}' => from(0x2780, 1),
        '\u{278a}'..='\u{2793}' => from(0x278a, 1),
        '\u{3251}'..='\u{325f}' => from(0x3251, 21),
        '\u{32b1}'..='\u{32bf}' => from(0x32b1, 36),
        _ => None,
    }
}

/// A character of the classes folded here.
fn candidate(c: char) -> bool {
    matches!(c,
        // Parenthesized and circled Latin letters.
        '\u{249c}'..='\u{24e9}'
        // Letterlike symbols (ℍ, ℓ, K); only those that map to one letter are folded.
        | '\u{2100}'..='\u{214f}'
        // Enclosed CJK letters and months, CJK compatibility (squared words and units).
        | '\u{3200}'..='\u{33ff}'
        // Latin ligatures.
        | '\u{fb00}'..='\u{fb06}'
        // Full-width ASCII: digits, Latin letters, signs and punctuation.
        | '\u{ff01}'..='\u{ff5e}'
        // Mathematical letters and digits.
        | '\u{1d400}'..='\u{1d7ff}')
        || small_capital(c).is_some()
        || digit(c).is_some()
}

/// The value of a decimal digit of any script (`٥` Arabic-Indic, `५` Devanagari, `๕` Thai:
/// 5), read as the ASCII digit every reader reads. Unicode keeps each script's ten digits
/// together, 0 to 9 (some blocks of them follow each other: their run is counted in tens).
fn digit(c: char) -> Option<char> {
    static DIGIT: super::rx::Lazy = super::rx::lazy!(r"^\p{Nd}$");
    let is_digit = |c: char| DIGIT.is_match(c.encode_utf8(&mut [0; 4]));
    if c.is_ascii() || !is_digit(c) {
        return None;
    }
    let mut zero = u32::from(c);
    while zero > 0 && char::from_u32(zero - 1).is_some_and(is_digit) {
        zero -= 1;
    }
    char::from_digit((u32::from(c) - zero) % 10, 10)
}

/// What `c` reads as in `script`: its compatibility mapping, when that is letters and
/// digits (in parentheses for the parenthesized forms) of the script.
fn folded(c: char, script: Script) -> Option<String> {
    if let Some(letter) = small_capital(c) {
        return Some(letter.to_owned());
    }
    if let Some(d) = digit(c) {
        return Some(d.to_string());
    }
    // Full-width signs are ASCII's in a Latin-script text (`50％` is `50%`);
    // Japanese and Chinese are written with them, and their readers take them as written.
    // (Their punctuation, `，` `。` `！`, is a pause the later rules read, with its space.)
    if ('\u{ff01}'..='\u{ff5e}').contains(&c) && !c.is_alphanumeric() {
        let ascii = half_width(c);
        let sign = matches!(ascii, '#'..='&' | '*' | '+' | '-' | '/' | '<'..='>' | '@' | '\\' | '^'..='`' | '|' | '~');
        return (sign && matches!(script, Script::Latin | Script::Devanagari))
            .then(|| ascii.to_string());
    }
    let mut mapped = String::new();
    decompose_compatible(c, |d| mapped.push(d));
    let letters = mapped.trim_start_matches('(').trim_end_matches(')');
    let readable = !letters.is_empty()
        && letters
            .chars()
            .all(|d| d.is_ascii_digit() || (d.is_alphabetic() && script.has(d)));
    let letterlike = ('\u{2100}'..='\u{214f}').contains(&c);
    (readable && mapped != c.to_string() && (!letterlike || mapped.chars().count() == 1))
        .then_some(mapped)
}

/// The letter a Latin small capital (`ᴀ` U+1D00, `ꜱ` U+A731, `ʟ` U+029F) stands for, in
/// lower case: small capitals set a word in capitals' shape, not an acronym.
fn small_capital(c: char) -> Option<&'static str> {
    const PREFIX: &str = "LATIN LETTER SMALL CAPITAL ";
    if !matches!(c, '\u{250}'..='\u{2af}' | '\u{1d00}'..='\u{1d2b}' | '\u{a730}'..='\u{a731}' | '\u{a7ae}'..='\u{a7ff}')
    {
        return None;
    }
    let name = unicode_names2::name(c)?.to_string();
    let letter = name.strip_prefix(PREFIX)?;
    LETTERS
        .iter()
        .find(|l| l.eq_ignore_ascii_case(letter))
        .copied()
}

/// The letters and letter pairs small capitals are named after.
const LETTERS: &[&str] = &[
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s",
    "t", "u", "v", "w", "x", "y", "z", "ae", "oe", "ou",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn latin(text: &str) -> String {
        fold(text, Script::Latin).into_owned()
    }

    #[test]
    fn compatibility_letters_read_as_letters() {
        assert_eq!(latin("Ⓗⓔⓛⓛⓞ cat."), "Hello cat.");
        assert_eq!(latin("ｃａｔ sat ４ times"), "cat sat 4 times");
        assert_eq!(latin("𝐇𝐞𝐥𝐥𝐨 𝑤𝑜𝑟𝑙𝑑 𝟏𝟐"), "Hello world 12");
        assert_eq!(latin("ꜱᴍᴀʟʟ ᴄᴀᴘɪᴛᴀʟꜱ"), "small capitals");
        assert_eq!(latin("ﬁne ﬂour"), "fine flour");
        assert_eq!(latin("50％ ＊ ３ ／ ana＠correo"), "50% * 3 / ana@correo");
        assert_eq!(fold("猫！", Script::Han), "猫！");
        // Decimal digits of every script are digits.
        assert_eq!(latin("x ٥ y ๑๒"), "x 5 y 12");
        assert_eq!(fold("तापमान ५ है", Script::Devanagari), "तापमान 5 है");
        assert_eq!(fold("猫 ٣", Script::Japanese), "猫 3");
        assert_eq!(latin("⒜ ℍ ℓ"), "(a) H l");
        // Nothing else changes.
        let plain = "Café, m² ½ … № 5 ™ 😀 ə ʻ";
        assert_eq!(latin(plain), plain);
    }

    #[test]
    fn enclosed_numbers_are_numbers_in_every_script() {
        assert_eq!(latin("② ⑩ ⑳ ㉑ ㊿"), "2 10 20 21 50");
        assert_eq!(latin("⓪⓫⓴⓵⓾⓿"), "0 11 20 1 10 0");
        assert_eq!(latin("❶ ➀ ➓ ⑴ ⒛"), "1 1 10 (1) 20.");
        assert_eq!(fold("步骤①完成。", Script::Han), "步骤1完成。");
        assert_eq!(fold("手順①②", Script::Japanese), "手順1 2");
    }

    #[test]
    fn enclosed_numbers_stay_apart_from_digits_beside_them() {
        // ①0 is one and zero, not ten; 1① one and one, not eleven. A comma, not a space: a
        // space may join digits still (French reads "1 000" as a thousand).
        assert_eq!(latin("①0 1① ①000"), "1, 0 1, 1 1, 000");
        assert_eq!(latin("⑩1 ㉑0 ①０ 𝟏① ⓪٥"), "10, 1 21, 0 1, 0 1, 1 0, 5");
        assert_eq!(fold("①0番", Script::Japanese), "1, 0番");
        assert_eq!(fold("第1①", Script::Han), "第1, 1");
        // After a number's period or parenthesis, a space; Roman numerals too.
        assert_eq!(latin("⒈5 ⑴5 5⑴ Ⅻ0 1Ⅻ"), "1. 5 (1) 5 5(1) 12, 0 1, 12");
        // Numbers beside each other are a list, as before; digits of the text stay one.
        assert_eq!(latin("①② ⅫⅫ １２ 𝟏𝟐"), "1 2 12 12 12 12");
        assert_eq!(latin("a① ①a"), "a1 1a");
    }

    #[test]
    fn enclosed_ideographs_fold_only_where_ideographs_are_read() {
        assert_eq!(fold("㊀ 中国", Script::Han), "一 中国");
        assert_eq!(fold("㈠ 中国", Script::Han), "(一) 中国");
        assert_eq!(fold("㋐ ㌔", Script::Japanese), "ア キロ");
        // English says them by name; kana are not read in Mandarin.
        assert_eq!(latin("㊀ ㈠"), "㊀ ㈠");
        assert_eq!(fold("㋐", Script::Han), "㋐");
        // Units squared into one character are letters everywhere.
        assert_eq!(latin("5 ㎏"), "5 kg");
    }

    #[test]
    fn roman_numeral_characters_are_numbers_in_every_script() {
        assert_eq!(latin("Chapter Ⅻ cat."), "Chapter 12 cat.");
        assert_eq!(latin("I have ⅳ cats."), "I have 4 cats.");
        // A run is one numeral when its letters make one, else its numbers one by one.
        assert_eq!(latin("ⅩⅡ and ⅿⅽⅿⅹⅽⅸ"), "12 and 1999");
        assert_eq!(latin("ⅫⅫ ↂⅩ"), "12 12 10000 10");
        assert_eq!(fold("第Ⅲ章", Script::Japanese), "第3章");
        assert_eq!(fold("中国 Ⅻ 中国", Script::Han), "中国 12 中国");
    }
}
