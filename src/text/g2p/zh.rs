//! Mandarin grapheme-to-phoneme for Kokoro v1.0: Chinese text (simplified or traditional) to
//! the symbols misaki writes for Kokoro v1.0's Chinese voices (misaki's `ZHG2P` without a
//! `version`, `misaki/zh.py`): IPA-like letters, the four tones as ↗ ↓ ↘ → after the vowel,
//! the neutral tone unmarked, syllables of a word run together, words apart, Chinese
//! punctuation mapped as misaki maps it (，、 to `,`, 。 to `.`, 《》「」【】 to “ ”).
//!
//! The steps, in order:
//! 1. `normalize`: full-width letters and digits folded, traditional characters made
//!    simplified (OpenCC's tables, crate `hanconv`), numbers, dates, times, money,
//!    percentages, phone numbers and units written out in characters (misaki's
//!    `zh_normalization` rules and a few of ours).
//! 2. Latin-script runs (iPhone, GPT, NBA) go to the caller's English G2P, inserted as is.
//! 3. Chinese runs are cut into words with parts of speech by jieba (crate `jieba-rs`, its
//!    dictionary embedded).
//! 4. `reading`: pinyin per word, from pypinyin's phrase readings where they differ from the
//!    default (the data misaki reads with, `assets/zh/phrases_dict.json` from `make assets`)
//!    and the `pinyin` crate's character readings, with rules of ours for polyphones jieba
//!    leaves standing alone (很长 cháng, 还给 huán).
//! 5. `sandhi`: misaki's tone sandhi (third tone, 一, 不, neutral tones), which misaki itself
//!    applies only for its v1.1 model; here its tones go to v1.0's symbols.
//! 6. `ipa`: each syllable to misaki's v1.0 symbols (`misaki/transcription.py`).
//!
//! Kangxi radicals and compatibility ideographs are read as the ideographs they stand for
//! (their Unicode compatibility mappings). A Chinese character without a pinyin reading (a
//! rare one of the extension blocks) is an error naming it, never skipped in silence; emoji
//! and symbols only separate words. Every step is linear in the input.

mod ipa;
mod normalize;
mod reading;
mod sandhi;

use std::path::Path;

use jieba_rs::Jieba;

use self::ipa::Syl;
use self::normalize::Verbalizer;
use self::reading::Readings;
use self::sandhi::{Sandhi, Word};
use crate::Result;
use crate::language::needs_reading;

/// The Mandarin G2P: segmenter, readings, tone sandhi, number rules. Load once and share
/// (it is `Sync`).
pub struct Mandarin {
    jieba: Jieba,
    readings: Readings,
    sandhi: Sandhi,
    verbalizer: Verbalizer,
}

impl Mandarin {
    /// Builds the segmenter and tables: pypinyin's phrase readings from `dir` (`assets/zh`,
    /// where `make assets` puts them), the rest embedded. About 0.3 s and 43 MB (release
    /// build), nearly all of it jieba's dictionary.
    pub fn load(dir: &Path) -> Result<Self> {
        // hanconv builds its table on first use: here, not in the first request.
        hanconv::t2s("");
        Ok(Mandarin {
            jieba: Jieba::new(),
            readings: Readings::load(dir)?,
            sandhi: Sandhi::new(),
            verbalizer: Verbalizer::new()?,
        })
    }

    /// One sentence or clause of Chinese text (simplified or traditional) → phonemes in
    /// Kokoro v1.0's symbols (only symbols of vocab.json), punctuation kept as misaki keeps it.
    /// `latin` phonemizes a run of Latin-script text (English G2P); its result is inserted as
    /// is.
    pub fn phonemize(&self, text: &str, latin: &dyn Fn(&str) -> Result<String>) -> Result<String> {
        let text = normalize::fold(text);
        let text = hanconv::t2s(&text);
        let text = self.verbalizer.verbalize(&text);
        let mut out = Output::default();
        let mut unreadable = Vec::new();
        let mut rest = text.as_str();
        while let Some(c) = rest.chars().next() {
            let len = if is_han(c) {
                let len = rest.find(|c| !is_han(c)).unwrap_or(rest.len());
                self.han(&rest[..len], &mut out, &mut unreadable);
                len
            } else if is_latin(c) {
                let len = latin_run(rest);
                out.word(latin(&rest[..len])?.trim());
                len
            } else {
                if needs_reading(c) || super::is_word_symbol(c) || super::is_ascii_sign(c) {
                    // A letter or symbol no rule named, a radical with no ideograph: not
                    // punctuation.
                    unreadable.push(c);
                }
                out.punctuation(c);
                c.len_utf8()
            };
            rest = &rest[len..];
        }
        if !unreadable.is_empty() {
            return Err(super::unreadable(
                "Mandarin",
                &unreadable,
                "write them as common characters or leave them out",
            ));
        }
        Ok(out.finish())
    }

    /// A run of Chinese characters: words, readings, sandhi, symbols. Characters with no
    /// reading go to `unreadable`.
    fn han(&self, run: &str, out: &mut Output, unreadable: &mut Vec<char>) {
        let tags = self.jieba.tag(run, true);
        let mut from_phrase = Vec::new();
        let mut words = Vec::with_capacity(tags.len());
        for (i, tag) in tags.iter().enumerate() {
            let mut syls = Vec::new();
            from_phrase.clear();
            self.readings.word(tag.word, &mut syls, &mut from_phrase);
            // Polyphones no phrase holds, by their neighbours.
            for (k, (at, c)) in tag.word.char_indices().enumerate() {
                if from_phrase.get(k) == Some(&false) && reading::RULED.contains(c) {
                    let context = Context::around(&tags, i, at, c);
                    if let (Some(syl), Some(slot)) = (
                        reading::alone(c, context.prev(), context.next),
                        syls.get_mut(k),
                    ) {
                        *slot = Some(syl);
                    }
                }
            }
            unreadable.extend(
                tag.word
                    .chars()
                    .zip(&syls)
                    .filter(|(_, syl)| syl.is_none())
                    .map(|(c, _)| c),
            );
            words.push(Word {
                text: tag.word.to_owned(),
                pos: tag.tag,
                syls,
            });
        }
        for mut word in self.sandhi.pre_merge(words) {
            // A merged word the phrase table knows whole is read as the table reads it.
            if let Some(syls) = self.readings.phrase(&word.text) {
                word.syls = syls.iter().copied().map(Some).collect();
            }
            if reading::counted_hang(&word.text)
                && let Some(last) = word.syls.last_mut()
            {
                *last = Some(Syl::new("hang", 2));
            }
            self.sandhi.modify(&self.jieba, &mut word);
            let mut symbols = String::new();
            for syl in word.syls.iter().flatten() {
                ipa::push(*syl, &mut symbols);
            }
            out.word(&symbols);
        }
    }
}

/// What stands around a character of a jieba word, for [`reading::alone`]: the rest of its
/// word where there is some, else the neighbouring words with their parts of speech.
struct Context<'a> {
    prev: Option<(std::borrow::Cow<'a, str>, &'a str)>,
    next: reading::Neighbour<'a>,
}

impl<'a> Context<'a> {
    /// Around the character `c` at byte `at` of word `i`.
    fn around(tags: &'a [jieba_rs::Tag<'a>], i: usize, at: usize, c: char) -> Self {
        let word = tags[i].word;
        let (head, tail) = (&word[..at], &word[at + c.len_utf8()..]);
        let before = |n: usize| i.checked_sub(n).and_then(|j| tags.get(j));
        let prev = if !head.is_empty() {
            Some((head.into(), ""))
        } else {
            match (before(2), before(1)) {
                // Two same halves jieba cut apart (一步/一步) are one doubled word.
                (Some(a), Some(b)) if a.word == b.word => {
                    Some((format!("{}{}", a.word, b.word).into(), b.tag))
                }
                (_, b) => b.map(|t| (t.word.into(), t.tag)),
            }
        };
        let next = if tail.is_empty() {
            tags.get(i + 1).map(|t| (t.word, t.tag))
        } else {
            Some((tail, ""))
        };
        Context { prev, next }
    }

    fn prev(&self) -> reading::Neighbour<'_> {
        self.prev.as_ref().map(|(w, pos)| (w.as_ref(), *pos))
    }
}

/// Chinese characters: CJK unified ideographs and their extensions, compatibility
/// ideographs, 〇.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' | '\u{30000}'..='\u{323AF}')
}

/// Letters of the Latin script (ASCII and the accented ones of Latin-1 and Extended-A/B).
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || (c.is_alphabetic() && ('\u{C0}'..='\u{24F}').contains(&c))
}

/// The length in bytes of the Latin run at the start of `s`: letters, with apostrophes,
/// hyphens and dots between letters and single spaces between words (Apple Watch, Node.js,
/// don't).
fn latin_run(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_latin(c) {
            end = i + c.len_utf8();
        } else if matches!(c, '\'' | '’' | '-' | '.' | ' ')
            && chars.peek().is_some_and(|&(_, n)| is_latin(n))
        {
            continue;
        } else {
            break;
        }
    }
    end
}

/// The phonemes of a clause: words apart, punctuation as misaki writes it.
#[derive(Default)]
struct Output {
    text: String,
    /// A space goes before the next word.
    gap: bool,
    /// The next '"' closes a quotation.
    quoted: bool,
}

impl Output {
    fn word(&mut self, symbols: &str) {
        if symbols.is_empty() {
            return;
        }
        if self.gap {
            self.text.push(' ');
        }
        self.text.push_str(symbols);
        self.gap = true;
    }

    /// Punctuation that closes (attached to what is before it) or opens (to what follows).
    fn punctuation(&mut self, c: char) {
        let (mark, opens) = match c {
            '，' | ',' | '、' => (',', false),
            '。' | '.' | '｡' => ('.', false),
            '！' | '!' => ('!', false),
            '？' | '?' => ('?', false),
            '：' | ':' => (':', false),
            '；' | ';' => (';', false),
            '…' | '⋯' => ('…', false),
            // The wave dash and tilde soften or lengthen what comes before: a pause.
            '—' | '–' | '―' | '~' | '～' | '〜' => ('—', false),
            '（' | '(' => ('(', true),
            '）' | ')' => (')', false),
            '“' | '‘' | '《' | '「' | '『' | '【' | '〔' | '«' => ('“', true),
            '”' | '’' | '》' | '」' | '』' | '】' | '〕' | '»' => ('”', false),
            '"' => {
                self.quoted = !self.quoted;
                if self.quoted {
                    ('“', true)
                } else {
                    ('”', false)
                }
            }
            // Anything else (spaces, symbols, emoji, other scripts) only separates words.
            _ => {
                self.gap = !self.text.is_empty();
                return;
            }
        };
        if opens {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            self.text.push(mark);
            self.gap = false;
        } else {
            // …… and —— are one mark; punctuation with nothing before it says nothing.
            let repeated = self.text.ends_with(mark) && matches!(mark, '…' | '—');
            if !self.text.is_empty() && !repeated {
                while self.text.ends_with(' ') {
                    self.text.pop();
                }
                self.text.push(mark);
            }
            self.gap = true;
        }
    }

    fn finish(self) -> String {
        self.text.trim().to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test fails loudly where it cannot go on
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn zh() -> &'static Mandarin {
        static ZH: OnceLock<Mandarin> = OnceLock::new();
        ZH.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/zh");
            Mandarin::load(&dir).unwrap_or_else(|e| {
                panic!("{e}\nthe Mandarin G2P tests need pypinyin's phrases: run `make assets`")
            })
        })
    }

    /// Phonemes, Latin runs shown as ‹run›.
    fn p(text: &str) -> String {
        zh().phonemize(text, &|s| Ok(format!("‹{s}›"))).unwrap()
    }

    #[test]
    fn third_tones_rise_before_third_tones() {
        assert_eq!(p("你好"), "ni↗xau↓");
        assert_eq!(p("展览馆"), "ꭧa↗nla↗nkwa↓n");
        assert_eq!(p("我很好"), "wo↓xə↗nxau↓");
    }

    #[test]
    fn yi_changes_tone_by_what_follows() {
        assert_eq!(p("一个"), "i↗kɤ");
        assert_eq!(p("一样"), "i↗ja↘ŋ");
        assert_eq!(p("一天"), "i↘tʰjɛ→n");
        assert_eq!(p("第一"), "ti↘i→");
        assert_eq!(p("看一看"), "kʰa↘nikʰa↘n");
        assert_eq!(p("十一"), "ʂɨ↗i→");
        assert_eq!(p("一百"), "i↘pai↓");
    }

    #[test]
    fn bu_changes_tone_before_a_fourth_tone() {
        assert_eq!(p("不是"), "pu↗ʂɨ↘");
        assert_eq!(p("不要"), "pu↗jau↘");
        assert_eq!(p("不好"), "pu↘xau↓");
        assert_eq!(p("看不懂"), "kʰa↘nputʊ↓ŋ");
    }

    #[test]
    fn polyphones_are_read_in_context() {
        assert_eq!(p("银行"), "i↗nxa↗ŋ");
        assert_eq!(p("行走"), "ɕi↗ŋʦou↓");
        assert_eq!(p("重要"), "ꭧʊ↘ŋjau↘");
        assert_eq!(p("重新"), "ꭧʰʊ↗ŋɕi→n");
        assert_eq!(p("长大"), "ꭧa↓ŋta↘");
        assert_eq!(p("很长"), "xə↓nꭧʰa↗ŋ");
        assert_eq!(p("很长时间"), "xə↓n ꭧʰa↗ŋʂɨ↗ʨjɛ→n");
        assert_eq!(p("我明白了"), "wo↓ mi↗ŋpai lɤ");
        assert_eq!(p("了解"), "ljau↗ʨje↓");
        assert_eq!(p("还有"), "xai↗jou↓");
        assert_eq!(p("还给我"), "xwa↗nkei↗wo↓");
        assert_eq!(p("跑得快"), "pʰau↓tɤkʰwai↘");
        assert_eq!(p("我得走了"), "wo↓tei↗ʦou↓ lɤ");
        assert_eq!(p("认真地学习"), "ɻə↘nꭧə→n tɤ ɕɥe↗ɕi↗");
        assert_eq!(p("一步一步地"), "i↗pu↘i↗pu↘ tɤ");
        assert_eq!(p("最长的河"), "ʦwei↘ꭧʰa↗ŋ tɤ xɤ↗");
        assert_eq!(p("先长按"), "ɕjɛ→nꭧʰa↗ŋ a↘n");
        assert_eq!(p("我的"), "wo↓ tɤ");
        assert_eq!(p("目的"), "mu↘ti↘");
        assert_eq!(p("写了一行代码"), "ɕje↓ lɤ i↘xa↗ŋ tai↘ma↓");
        assert_eq!(p("等一会儿"), "tə↓ŋ i↗xwei↘ɚ");
    }

    #[test]
    fn numbers_dates_times_and_money_are_read() {
        assert_eq!(p("2025年3月14日"), p("二零二五年三月十四日"));
        assert_eq!(p("下午3点15分"), p("下午三点十五分"));
        assert_eq!(p("15:30"), p("十五点半"));
        assert_eq!(p("¥23.50"), p("二十三点五元"));
        assert_eq!(p("15%"), p("百分之十五"));
        assert_eq!(p("3.14"), p("三点一四"));
        assert_eq!(p("1,234,567"), p("一百二十三万四千五百六十七"));
        assert_eq!(p("13812345678"), p("幺三八，幺二三四，五六七八"));
    }

    #[test]
    fn punctuation_is_kept_as_misaki_keeps_it() {
        assert_eq!(p("你好，世界！"), "ni↗xau↓, ʂɨ↘ʨje↘!");
        assert_eq!(p("好的。"), "xau↓ tɤ.");
        assert_eq!(p("《红楼梦》"), "“xʊ↗ŋlou↗mə↘ŋ”");
        assert_eq!(p("等等……"), "tə↗ŋtə↓ŋ…");
    }

    #[test]
    fn traditional_and_full_width_text_reads_as_simplified() {
        assert_eq!(p("銀行還是學習"), p("银行还是学习"));
        assert_eq!(p("１５％"), p("百分之十五"));
        assert_eq!(p("你好，ｉＰｈｏｎｅ！"), p("你好，iPhone!"));
    }

    #[test]
    fn latin_runs_go_to_the_callback() {
        assert_eq!(p("我用iPhone看NBA"), "wo↓jʊ↘ŋ ‹iPhone› kʰa↘n ‹NBA›");
        assert_eq!(p("Apple Watch很好"), "‹Apple Watch› xə↗nxau↓");
        let failing = zh().phonemize("用GPT", &|_| Err(crate::Error::Phonemize("no".into())));
        assert!(failing.is_err());
    }

    #[test]
    fn one_mandarin_serves_every_thread() {
        fn shared<T: Send + Sync>() {}
        shared::<Mandarin>();
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            " ",
            "😀🎉👍",
            "𠀀𪚥𰻞",
            "\u{0}\u{FFFF}\u{10FFFF}",
            "ааа مرحبا 안녕 こんにちは",
            "-.-:-/-%-¥",
            "9999999999999999999999999999999999999999",
            "..........",
            "一一一一一一不不不不不",
            "1/0/0/0/0",
            "12:99 99:12 2025年13月40日",
        ] {
            // Speech, or an error naming what has no reading (a rare character).
            match zh().phonemize(text, &|s| Ok(format!("‹{s}›"))) {
                Ok(out) => assert!(out.chars().all(|c| !c.is_control()), "{text}: {out}"),
                Err(e) => assert!(e.is_client_error(), "{text}: {e}"),
            }
        }
        let long: String = "中文😀abc123，".chars().cycle().take(10_000).collect();
        assert!(!p(&long).is_empty());
    }

    #[test]
    fn radicals_are_read_and_characters_without_a_reading_are_named() {
        // Kangxi radicals are read as the ideographs they stand for.
        assert_eq!(p("⼀⼆ 中国"), p("一二 中国"));
        // A character of an extension block that has no pinyin reading is an error naming
        // it, not a word left out.
        let rare = ('\u{20000}'..='\u{2A6DF}')
            .find(|&c| reading::default(c).is_none())
            .unwrap();
        let e = zh()
            .phonemize(&format!("中国{rare}人"), &|s| Ok(s.to_owned()))
            .unwrap_err();
        assert!(e.is_client_error());
        let message = e.to_string();
        assert!(
            message.contains(rare) && message.contains(&format!("U+{:04X}", u32::from(rare))),
            "{message}"
        );
        // So is a symbol with no reading (〄, the JIS mark), where it used to be left out.
        let e = zh()
            .phonemize("〄 中国", &|s| Ok(s.to_owned()))
            .unwrap_err();
        assert!(e.to_string().contains("(U+3004)"), "{e}");
    }

    #[test]
    fn every_symbol_is_in_kokoros_vocabulary() {
        const VOCAB: &str = ";:,.!?—…\"()“” \u{303}ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ";
        let text = "你好，世界！我们今天去银行办事，一共花了¥23.50，大约15%的手续费。\
                    《红楼梦》是中国古典小说；“长城”很长……嗯，哦，儿子、女儿、这儿、绿色、旅游、\
                    略微、学习、选择、军队、群众、雪花、月亮、日子、自己、四川、知道、吃饭、\
                    说话、热情、恶心、欸、呣、哼、嗯哼、噢、哟。";
        let out = p(text);
        for c in out.chars() {
            assert!(VOCAB.contains(c), "'{c}' (U+{:04X}) in {out}", c as u32);
        }
    }
}
