//! Readings (pinyin with tone) of words: the phrase table where it has the word or a part of
//! it, the `pinyin` crate's default reading of each character otherwise, and a few rules of
//! ours for polyphones standing alone, which neither table can decide.
//!
//! The phrase table is PyPI pypinyin 0.55.0's `phrases_dict.json`, which `make assets` puts
//! in `assets/zh`: pypinyin is what misaki's Kokoro v1.0 G2P reads with, and its default
//! character readings are the `pinyin` crate's (both are mozillazg's pinyin-data), so together
//! they read as misaki does. Of its 47,111 phrases, loading keeps the 10,743 that change
//! something: see [`select`]. Inside a word, the longest phrase from the left wins, as
//! pypinyin's own segmenter does.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use pinyin::ToPinyin;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::ipa::Syl;
use crate::{Error, Result};

/// pypinyin's phrase table, in the Mandarin asset directory.
pub const PHRASES: &str = "phrases_dict.json";

pub struct Readings {
    phrases: HashMap<Box<str>, Box<[Syl]>>,
    /// The longest phrase, in characters.
    longest: usize,
}

impl Readings {
    /// Reads pypinyin's phrase table from `dir` and keeps what [`select`] keeps.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(PHRASES);
        // Bytes, not a String: serde_json checks the UTF-8 of what it reads anyway.
        let json = std::fs::read(&path).map_err(|e| {
            Error::Asset(format!(
                "Mandarin phrase readings {}: {e} (run `make assets` to fetch them)",
                path.display()
            ))
        })?;
        Self::parse(&json).map_err(|e| {
            Error::Asset(format!(
                "Mandarin phrase readings {}: {e} (run `make assets` to fetch them again)",
                path.display()
            ))
        })
    }

    /// The phrase table from pypinyin's JSON: `{"phrase": [[reading, ...], ...]}`, one list
    /// of tone-marked readings per character, the first the usual one.
    fn parse(json: &[u8]) -> serde_json::Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let readings = serde::Deserializer::deserialize_map(&mut de, PhraseTable)?;
        de.end()?;
        Ok(readings)
    }

    /// The phrase table's reading of exactly `word`.
    pub fn phrase(&self, word: &str) -> Option<&[Syl]> {
        self.phrases.get(word).map(|s| &s[..])
    }

    /// One reading per character of `word` (None for a character with no reading), the
    /// longest phrase from the left first; `from_phrase` tells which came from a phrase.
    pub fn word(&self, word: &str, out: &mut Vec<Option<Syl>>, from_phrase: &mut Vec<bool>) {
        let bounds: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(word.len()))
            .collect();
        let chars = bounds.len() - 1;
        let mut i = 0;
        while i < chars {
            let longest = self.longest.min(chars - i);
            let found = (2..=longest).rev().find_map(|len| {
                self.phrases
                    .get(&word[bounds[i]..bounds[i + len]])
                    .map(|syls| (len, syls))
            });
            if let Some((len, syls)) = found {
                out.extend(syls.iter().copied().map(Some));
                from_phrase.extend(std::iter::repeat_n(true, len));
                i += len;
            } else {
                out.push(word[bounds[i]..].chars().next().and_then(default));
                from_phrase.push(false);
                i += 1;
            }
        }
    }
}

/// Takes pypinyin's map one entry at a time, so the 47,111 phrases are never all held, and
/// borrows their text from the file: only the phrases kept are copied.
struct PhraseTable;

impl<'de> Visitor<'de> for PhraseTable {
    type Value = Readings;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map from phrases to one list of readings per character")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Readings, A::Error> {
        let mut phrases = HashMap::new();
        let mut longest = 0;
        while let Some((Text(word), readings)) = map.next_entry::<Text, Vec<First>>()? {
            if let Some(syls) = select(&word, &readings).map_err(A::Error::custom)? {
                longest = longest.max(syls.len());
                phrases.insert(word.into(), syls);
            }
        }
        Ok(Readings { phrases, longest })
    }
}

/// A JSON string, borrowed from the file unless it has escapes to undo.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Str;
        impl<'de> Visitor<'de> for Str {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(Str)
    }
}

/// The first of a character's readings (the usual one), the others skipped; None for an
/// empty list.
struct First<'de>(Option<Text<'de>>);

impl<'de> Deserialize<'de> for First<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = First<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of readings")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<First<'de>, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(Seq)
    }
}

/// Which phrases the table keeps, with their first reading (一 and 不 at their base tone, yī
/// and bù: sandhi sets theirs): those whose reading differs from the characters' default
/// readings, where the table changes what is said, and every phrase holding a character of
/// [`RULED`], whose rules apply only where no phrase holds it (行走 is xíng zǒu, as the
/// default reads it, but 行 standing alone may become háng). Ok(None): a phrase left out,
/// also one with a character the `pinyin` crate cannot read; Err: an entry that is not a
/// phrase with tone-marked readings, one list per character.
fn select(word: &str, readings: &[First]) -> std::result::Result<Option<Box<[Syl]>>, String> {
    let len = word.chars().count();
    if readings.len() != len {
        return Err(format!(
            "'{word}' has {} readings for {len} characters",
            readings.len()
        ));
    }
    if len < 2 {
        return Ok(None);
    }
    let mut differs = false;
    let mut read = Vec::with_capacity(len);
    for (c, First(first)) in word.chars().zip(readings) {
        let Some(usual) = default(c) else {
            return Ok(None);
        };
        let first = first.as_ref().map_or("", |Text(t)| t);
        let Some((base, tone)) = numbered(first) else {
            return Err(format!("'{word}': '{first}' is not tone-marked pinyin"));
        };
        if base_tone(c).is_none() {
            differs |= !(usual.tone == tone && alike(usual.base, &base));
        }
        read.push((c, base, tone));
    }
    if !differs && !word.contains(|c| RULED.contains(c)) {
        return Ok(None);
    }
    let syls = read
        .into_iter()
        .map(|(c, base, tone)| base_tone(c).unwrap_or_else(|| Syl::new(spelling(&base), tone)));
    Ok(Some(syls.collect()))
}

/// 一 and 不 change tone by what follows (sandhi), so phrases keep them at their base tone.
fn base_tone(c: char) -> Option<Syl> {
    match c {
        '一' => Some(Syl::new("yi", 1)),
        '不' => Some(Syl::new("bu", 4)),
        _ => None,
    }
}

/// Two spellings of a syllable, ü written `ü` or `v`, are the same.
fn alike(a: &str, b: &str) -> bool {
    let v = |c| if c == 'ü' { 'v' } else { c };
    a.chars().map(v).eq(b.chars().map(v))
}

/// The vowels with their tone marks, first to fourth tone (`v` for ü).
const MARKED: [(char, [char; 4]); 6] = [
    ('a', ['ā', 'á', 'ǎ', 'à']),
    ('e', ['ē', 'é', 'ě', 'è']),
    ('i', ['ī', 'í', 'ǐ', 'ì']),
    ('o', ['ō', 'ó', 'ǒ', 'ò']),
    ('u', ['ū', 'ú', 'ǔ', 'ù']),
    ('v', ['ǖ', 'ǘ', 'ǚ', 'ǜ']),
];

/// Ours (no crate converts this way round): tone-marked pinyin ("yī", "lüè", "er") to its
/// toneless spelling, ü as `v`, and its tone, 5 for the neutral tone, which has no mark.
/// None for anything else: two marks, a letter outside pinyin's, nothing. Only precomposed
/// marks on the six vowels, which is all pypinyin's phrase readings use.
pub fn numbered(marked: &str) -> Option<(String, u8)> {
    let mut base = String::with_capacity(marked.len());
    let mut tone = None;
    for c in marked.chars() {
        let letter = match c {
            'a'..='z' => c,
            'ü' => 'v',
            _ => {
                let (vowel, t) = MARKED.iter().find_map(|(vowel, marks)| {
                    marks.iter().position(|&m| m == c).map(|t| (*vowel, t))
                })?;
                if tone.replace(t as u8 + 1).is_some() {
                    return None;
                }
                vowel
            }
        };
        base.push(letter);
    }
    (!base.is_empty()).then(|| (base, tone.unwrap_or(5)))
}

/// A syllable's spelling for [`Syl`], which holds `&'static str` (its spellings are constants
/// everywhere else): each distinct spelling is allocated once for the life of the process and
/// shared, so however often the table loads, this holds the few hundred syllables of
/// Mandarin, some bytes each.
fn spelling(base: &str) -> &'static str {
    static SPELLINGS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut spellings = SPELLINGS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = spellings.get(base) {
        return known;
    }
    let new: &'static str = Box::leak(base.into());
    spellings.insert(new);
    new
}

/// The character's most common reading (pinyin-data's first).
pub fn default(c: char) -> Option<Syl> {
    c.to_pinyin()
        .and_then(|p| Syl::parse(p.with_tone_num_end()))
}

/// What stands next to a character: the text and its part of speech (jieba's tags; empty
/// for the rest of the character's own word).
pub type Neighbour<'a> = Option<(&'a str, &'a str)>;

/// The characters [`alone`] has rules for (the phrase table keeps every phrase with one).
pub const RULED: &str = "长还行得地重教";

/// Ours: the reading of a polyphone that no phrase holds, from its neighbours. A dictionary
/// cannot choose here (it reads 长 zhǎng, 地 dì, 得 dé, 还 hái, 行 xíng, 重 zhòng, 教 jiào
/// wherever no phrase holds them), so a few rules of thumb do; None keeps the default.
pub fn alone(c: char, prev: Neighbour, next: Neighbour) -> Option<Syl> {
    let prev_word = prev.map_or("", |p| p.0);
    let prev_pos = prev.map_or("", |p| p.1);
    let next_word = next.map_or("", |n| n.0);
    let next_pos = next.map_or("", |n| n.1);
    let next_first = next_word.chars().next().unwrap_or(' ');
    let prev_last = prev_word.chars().last().unwrap_or(' ');
    match c {
        // 很长, 太长了, 长 as an adjective: cháng; zhǎng only where it means "grow" (长大,
        // 长高, 长胖, 长满 when jieba splits them).
        '长' => Some(if "大高胖满出".contains(next_first) {
            Syl::new("zhang", 3)
        } else {
            Syl::new("chang", 2)
        }),
        // 还 hái (still), huán (give back) before what is given back.
        '还' if "给钱款书债贷清回".contains(next_first) => Some(Syl::new("huan", 2)),
        // 行 háng as the measure word: 第三行, 两行, 几行.
        '行' if "一二两三四五六七八九十百千几每第".contains(prev_last) => {
            Some(Syl::new("hang", 2))
        }
        // 得: děi (must) after a subject or an adverb (我得, 还得, 就得); the particle de
        // after a verb or an adjective (跑得快), as misaki makes it neutral.
        '得' if prev_pos.starts_with('r')
            || "我你他她它咱您".contains(prev_last)
            || ["还", "就", "都", "也", "又", "总", "可", "只", "必须", "非"]
                .contains(&prev_word) =>
        {
            Some(Syl::new("dei", 3))
        }
        '得' => Some(Syl::new("de", 5)),
        // 地 the adverbial particle de after an adjective, an adverb or a doubled word
        // (认真地, 慢慢地, 一步一步地); dì (ground, place) otherwise.
        '地' if ["a", "ad", "an", "d", "z", "i", "l"].contains(&prev_pos)
            || is_doubled(prev_word)
            || is_doubled_pair(prev_word) =>
        {
            Some(Syl::new("de", 5))
        }
        // 重 chóng (again) before a verb: 重做, 重写, 重来.
        '重' if next_pos.starts_with('v') => Some(Syl::new("chong", 2)),
        // 教 jiāo (to teach) as a verb standing alone: 教你, 教我们.
        '教' if next_pos.starts_with('r') || next_pos.starts_with('n') => {
            Some(Syl::new("jiao", 1))
        }
        _ => None,
    }
}

/// Ours: 行 is háng, the measure word for lines, after a number in the same word (一行, 三行,
/// 第二行), though pypinyin's 一行 and 三行 are xíng (a party travelling, conduct): lines
/// of text or code are what an assistant counts.
pub fn counted_hang(word: &str) -> bool {
    word.strip_suffix('行').is_some_and(|head| {
        !head.is_empty()
            && head
                .chars()
                .all(|c| "一二两三四五六七八九十百千几每第".contains(c))
    })
}

/// 慢慢, 看看: two characters, the same (misaki's `_is_reduplication`).
pub fn is_doubled(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(a), Some(b), None) if a == b)
}

/// 一步一步, 高高兴兴: a doubled pair of characters (ABAB or AABB).
fn is_doubled_pair(word: &str) -> bool {
    let c: Vec<char> = word.chars().collect();
    c.len() == 4 && ((c[0] == c[2] && c[1] == c[3]) || (c[0] == c[1] && c[2] == c[3]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test fails loudly where it cannot go on
mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// The table from `assets/zh` (put there by `make assets`), loaded once for all tests.
    fn table() -> &'static Readings {
        static TABLE: OnceLock<Readings> = OnceLock::new();
        TABLE.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/zh");
            Readings::load(&dir).unwrap_or_else(|e| {
                panic!("{e}\nthe Mandarin reading tests need pypinyin's phrases: run `make assets`")
            })
        })
    }

    fn read(r: &Readings, word: &str) -> Vec<String> {
        let mut out = Vec::new();
        r.word(word, &mut out, &mut Vec::new());
        out.into_iter()
            .map(|s| s.map_or("?".into(), |s| format!("{}{}", s.base, s.tone)))
            .collect()
    }

    #[test]
    fn phrases_decide_polyphones_inside_words() {
        let r = table();
        assert_eq!(read(r, "银行"), ["yin2", "hang2"]);
        assert_eq!(read(r, "行走"), ["xing2", "zou3"]);
        assert_eq!(read(r, "重要"), ["zhong4", "yao4"]);
        assert_eq!(read(r, "重新"), ["chong2", "xin1"]);
        assert_eq!(read(r, "长大"), ["zhang3", "da4"]);
        assert_eq!(read(r, "长城"), ["chang2", "cheng2"]);
        assert_eq!(read(r, "了解"), ["liao3", "jie3"]);
        assert_eq!(read(r, "还是"), ["hai2", "shi4"]);
        assert_eq!(read(r, "还钱"), ["huan2", "qian2"]);
        assert_eq!(read(r, "觉得"), ["jue2", "de5"]);
        assert_eq!(read(r, "目的"), ["mu4", "di4"]);
        assert_eq!(read(r, "的确"), ["di2", "que4"]);
        assert_eq!(read(r, "音乐"), ["yin1", "yue4"]);
        assert_eq!(read(r, "快乐"), ["kuai4", "le4"]);
        // The longest phrase from the left, then the rest: 中国银行 = 中国 + 银行.
        assert_eq!(read(r, "中国银行"), ["zhong1", "guo2", "yin2", "hang2"]);
    }

    #[test]
    fn polyphones_standing_alone_follow_their_neighbours() {
        let syl = |s: Option<Syl>| s.map(|s| format!("{}{}", s.base, s.tone));
        assert_eq!(syl(alone('长', Some(("很", "d")), None)).unwrap(), "chang2");
        assert_eq!(syl(alone('长', None, Some(("大", "a")))).unwrap(), "zhang3");
        assert_eq!(syl(alone('还', None, Some(("给", "p")))).unwrap(), "huan2");
        assert_eq!(alone('还', None, Some(("没有", "v"))), None);
        assert_eq!(
            syl(alone('行', Some(("第三", "m")), None)).unwrap(),
            "hang2"
        );
        assert_eq!(alone('行', Some(("不", "d")), None), None);
        assert!(counted_hang("一行") && counted_hang("第二行") && counted_hang("三行"));
        assert!(!counted_hang("行") && !counted_hang("银行") && !counted_hang("不行"));
        assert_eq!(
            syl(alone('得', Some(("我", "r")), Some(("走", "v")))).unwrap(),
            "dei3"
        );
        assert_eq!(
            syl(alone('得', Some(("跑", "v")), Some(("快", "a")))).unwrap(),
            "de5"
        );
        assert_eq!(syl(alone('地', Some(("认真", "ad")), None)).unwrap(), "de5");
        assert_eq!(syl(alone('地', Some(("慢慢", "v")), None)).unwrap(), "de5");
        assert_eq!(
            syl(alone('地', Some(("一步一步", "m")), None)).unwrap(),
            "de5"
        );
        assert_eq!(alone('地', Some(("在", "p")), None), None);
        assert_eq!(syl(alone('重', None, Some(("做", "v")))).unwrap(), "chong2");
        assert_eq!(alone('重', Some(("很", "d")), None), None);
    }

    #[test]
    fn every_phrase_is_pinyin() {
        let r = table();
        let mut out = String::new();
        for (word, syls) in &r.phrases {
            for s in syls.iter() {
                assert!(
                    super::super::ipa::push(*s, &mut out),
                    "{word}: {}{}",
                    s.base,
                    s.tone
                );
            }
        }
    }

    #[test]
    fn tone_marks_become_numbers() {
        let n = |s| numbered(s).map(|(base, tone)| format!("{base}{tone}"));
        assert_eq!(n("yī").unwrap(), "yi1");
        assert_eq!(n("háng").unwrap(), "hang2");
        assert_eq!(n("hǎo").unwrap(), "hao3");
        assert_eq!(n("shì").unwrap(), "shi4");
        // No mark is the neutral tone.
        assert_eq!(n("er").unwrap(), "er5");
        assert_eq!(n("de").unwrap(), "de5");
        // ü is written v, with a tone mark on it or on the vowel after it.
        assert_eq!(n("lǜ").unwrap(), "lv4");
        assert_eq!(n("nǚ").unwrap(), "nv3");
        assert_eq!(n("lüè").unwrap(), "lve4");
        assert_eq!(n("lü").unwrap(), "lv5");
        assert_eq!(n("lǘ").unwrap(), "lv2");
        assert_eq!(n("lǖ").unwrap(), "lv1");
        // Not pinyin: nothing, two marks, digits, capitals, other letters.
        for bad in ["", "yīī", "yi1", "Yī", "ê", "ńg", "a b"] {
            assert_eq!(numbered(bad), None, "{bad}");
        }
    }

    /// The table from a few entries of pypinyin's JSON.
    fn phrases(json: &str) -> Vec<String> {
        let r = Readings::parse(json.as_bytes()).unwrap();
        let mut kept: Vec<String> = r
            .phrases
            .iter()
            .map(|(word, syls)| {
                let syls: Vec<String> = syls
                    .iter()
                    .map(|s| format!("{}{}", s.base, s.tone))
                    .collect();
                format!("{word} {}", syls.join(" "))
            })
            .collect();
        kept.sort();
        kept
    }

    #[test]
    fn only_phrases_that_change_a_reading_are_kept() {
        let kept = phrases(
            r#"{
                "银行": [["yín"], ["háng", "xíng"]],
                "中国": [["zhōng"], ["guó"]],
                "东西": [["dōng"], ["xi"]],
                "绿色": [["lǜ"], ["sè"]],
                "略微": [["lüè"], ["wēi"]],
                "一个": [["yí"], ["gè"]],
                "一会儿": [["yí"], ["huì"], ["er"]],
                "不是": [["bú"], ["shì"]],
                "行走": [["xíng"], ["zǒu"]],
                "长城": [["cháng"], ["chéng"]],
                "A股": [["a"], ["gǔ"]]
            }"#,
        );
        assert_eq!(
            kept,
            [
                // 一 and 不 at their base tone; 一会儿 kept for its neutral er.
                "一会儿 yi1 hui4 er5",
                // The neutral tone differs from 西's default xī.
                "东西 dong1 xi5",
                // Read as the defaults, but 行 and 长 have rules the phrase overrides.
                "行走 xing2 zou3",
                "银行 yin2 hang2",
                "长城 chang2 cheng2",
            ]
        );
    }

    #[test]
    fn escaped_json_strings_read_as_the_text() {
        let kept = phrases(r#"{"\u91cd\u8981": [["zh\u00f2ng"], ["y\u00e0o"]]}"#);
        assert_eq!(kept, ["重要 zhong4 yao4"]);
    }

    #[test]
    fn a_table_that_is_not_pypinyins_is_an_error() {
        for bad in [
            r#"{"银行": [["yín"]]}"#,
            r#"{"银行": [["yín"], []]}"#,
            r#"{"银行": [["yin2"], ["hang2"]]}"#,
            r#"{"银行": "yín háng"}"#,
            r#"["银行"]"#,
            r#"{"银行": [["yín"], ["háng"]]} {}"#,
            "",
        ] {
            assert!(Readings::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_missing_table_says_to_run_make_assets() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-dir");
        let Err(e) = Readings::load(&dir) else {
            panic!("loaded a table from {}", dir.display());
        };
        assert!(e.to_string().contains("make assets"), "{e}");
    }

    #[test]
    fn a_syllable_is_spelled_once() {
        let a = spelling(&String::from("hang"));
        let b = spelling(&String::from("hang"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "hang");
    }
}
