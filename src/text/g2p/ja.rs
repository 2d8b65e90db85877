//! Japanese G2P: text (kanji, kana, numbers, Latin, full- and half-width forms) → the phoneme
//! symbols Kokoro v1.0's Japanese voices were trained on.
//!
//! Kokoro v1.0 was trained on misaki's Japanese front end in its default (`cutlet`) mode:
//! MeCab readings, one word per morpheme with a space between words, kana spelled in IPA-like
//! symbols (misaki/cutlet.py). The same is done here:
//!
//! 1. [`normalize`]: NFKC and the rewrites number reading needs (¥1,500 → 1,500円, 7:15 →
//!    7時15分, 2025/3/14 → 2025年3月14日, 5km → 5キロメートル).
//! 2. The text is cut into Latin runs (read by the caller's English G2P, inserted as they
//!    come), punctuation (kept as misaki keeps it, for pauses and intonation) and Japanese runs.
//! 3. A Japanese run is analysed by vibrato (a MeCab-compatible analyser) over NAIST-jdic, the
//!    dictionary OpenJTalk's is built from, and its morphemes go through jpreprocess's port of
//!    OpenJTalk's NJD rules: numbers with their counters (3本 サンボン, 1人 ヒトリ, 20日
//!    ハツカ, 1,500円 センゴヒャクエン), readings of kana-only words. The readings spell long
//!    vowels with ー and the particles は, へ as ワ, エ, as spoken.
//! 4. [`kana`]: each word's reading → symbols by misaki's rules, and words are joined as
//!    misaki joins them (a space between words, none around a glottal stop ʔ, punctuation
//!    attached to the word before it).
//!
//! Where this differs from misaki: readings come from NAIST-jdic and OpenJTalk's rules instead
//! of UniDic (misaki reads 3本 "saɴ poɴ" and 1,500円 "iʨi, ɡoçakɯ eɴ"; this reads "saɴ boɴ",
//! "seŋɡoçakɯ eɴ"), the digits of one number form one word, Latin words are read by the
//! English G2P instead of being passed through as letters, and brackets misaki turns into « »
//! or [ ] (not in Kokoro's vocabulary) are dropped.
//!
//! Data, in the directory given to [`Japanese::load`] (`assets/ja`, placed by `make assets`):
//! `naist-jdic.dic`, a vibrato dictionary that tools/ja-dict compiles from Debian's
//! `mecab-naist-jdic-eucjp` (NAIST-jdic 0.6.3b, BSD-3-Clause), and `ja_words.txt`, misaki's
//! list of words whose morphemes it writes together (PyPI misaki 0.9.4, Apache-2.0).
//! Loading both takes about half a second and adds about 80 MB (65 the dictionary).
//!
//! Every step is linear in the input: the analyser's lattice is linear in its input, and runs
//! longer than [`MAX_RUN`] characters are cut before analysis (NJD's rules, written for
//! sentences, are not all linear). Emoji, symbols and stray combining marks say nothing. A
//! compound the dictionary lacks (予熱, 既読, 担々麺) is one word read by its longest known
//! pieces, a single kanji among them as the two-kanji words it is in read it (its on-reading:
//! 既 キ as in 既婚 キコン, not its own word スンデ), so too a kanji with no word of its own,
//! 々 as the kanji before; a kanji with no reading anywhere (a rare one, the extension blocks)
//! is an error naming it, never skipped in silence. Numbers longer than [`normalize::MAX_NUMBER_DIGITS`]
//! digits are read one digit at a time.

mod kana;
mod normalize;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Mutex;

use jpreprocess_core::pronunciation::MoraEnum;
use jpreprocess_core::word_entry::WordEntry;
use jpreprocess_njd::NJD;

use crate::language::needs_reading;
use crate::{Error, Result};

/// The compiled dictionary's file name inside the directory given to [`Japanese::load`].
pub const DICTIONARY: &str = "naist-jdic.dic";

/// misaki's word list (misaki/data/ja_words.txt), beside the dictionary.
pub const WORD_LIST: &str = "ja_words.txt";

/// Longest Japanese run (in characters) analysed at once; longer runs are cut, preferably
/// where a word is likely to start. Sentences are far shorter; this bounds garbage.
const MAX_RUN: usize = 128;

/// The Japanese G2P: the analyser's dictionary and the normalizer's rules.
pub struct Japanese {
    tokenizer: vibrato::Tokenizer,
    rules: normalize::Rules,
    /// misaki's list of words whose morphemes are written without spaces between them.
    word_list: HashSet<String>,
    /// The longest listed word, in characters.
    longest_word: usize,
    /// Kanji the dictionary has as words of one character, with their readings (katakana):
    /// the two-kanji words a kanji's reading in compounds is derived from.
    singles: Vec<(char, String)>,
    /// Kanji readings derived from two-kanji words (None: none), as they are met.
    derived: Mutex<HashMap<char, Option<String>>>,
}

impl Japanese {
    /// Loads the dictionary `naist-jdic.dic` from `dir` (placed by `make assets`).
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(DICTIONARY);
        let file = File::open(&path).map_err(|e| {
            Error::Asset(format!(
                "Japanese dictionary {}: {e} (run `make assets` to build it)",
                path.display()
            ))
        })?;
        let dict = vibrato::Dictionary::read(BufReader::new(file)).map_err(|e| {
            Error::Asset(format!(
                "Japanese dictionary {} is unreadable: {e} (run `make assets` to rebuild it)",
                path.display()
            ))
        })?;
        let list = dir.join(WORD_LIST);
        let word_list: HashSet<String> = std::fs::read_to_string(&list)
            .map_err(|e| {
                Error::Asset(format!(
                    "Japanese word list {}: {e} (run `make assets` to fetch it)",
                    list.display()
                ))
            })?
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let longest_word = word_list
            .iter()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        let tokenizer = vibrato::Tokenizer::new(dict);
        let mut worker = tokenizer.new_worker();
        let singles = ('\u{4E00}'..='\u{9FFF}')
            .filter_map(|c| {
                let feature = lookup(&mut worker, c.encode_utf8(&mut [0; 4]))?;
                Some((c, reading_of(&feature)?.to_owned()))
            })
            .collect();
        drop(worker);
        Ok(Self {
            tokenizer,
            rules: normalize::Rules::new(),
            word_list,
            longest_word,
            singles,
            derived: Mutex::new(HashMap::new()),
        })
    }

    /// One sentence or clause of Japanese text → phonemes in Kokoro v1.0's symbols (only
    /// symbols of vocab.json), punctuation kept as misaki keeps it. `latin` phonemizes a run
    /// of Latin-script text (English G2P), its result inserted as is.
    pub fn phonemize(&self, text: &str, latin: &dyn Fn(&str) -> Result<String>) -> Result<String> {
        let text = self.rules.normalize(text);
        let mut words = Words::default();
        let mut unreadable = Vec::new();
        let mut worker = self.tokenizer.new_worker();
        let mut budget = MAX_DERIVED_PER_TEXT;
        for piece in pieces(&text) {
            match piece {
                Piece::Latin(s) => words.word(latin(s)?.trim()),
                Piece::Punct(p) => words.punct(p),
                Piece::Break => {}
                Piece::Japanese(s) => {
                    for run in runs(s) {
                        self.analyse(&mut worker, run, &mut words, &mut unreadable, &mut budget);
                    }
                }
            }
        }
        if !unreadable.is_empty() {
            return Err(super::unreadable(
                "Japanese",
                &unreadable,
                "write them in kana or leave them out",
            ));
        }
        Ok(words.finish())
    }

    /// Readings of one Japanese run (no Latin, punctuation or spaces), as words; the letters
    /// of a morpheme with no reading go to `unreadable`.
    fn analyse(
        &self,
        worker: &mut vibrato::tokenizer::worker::Worker<'_>,
        run: &str,
        words: &mut Words,
        unreadable: &mut Vec<char>,
        budget: &mut usize,
    ) {
        // The dictionary spells digits and symbols in full width, as OpenJTalk feeds it.
        let wide: String = run.chars().map(full_width).collect();
        worker.reset_sentence(&wide);
        worker.tokenize();
        let analysed: Vec<(String, String, bool)> = worker
            .token_iter()
            .map(|t| {
                let unknown = t.lex_type() == vibrato::dictionary::LexType::Unknown;
                (t.surface().to_owned(), t.feature().to_owned(), unknown)
            })
            .collect();
        // A compound the dictionary lacks comes as unknown tokens with no reading, maybe
        // beside single kanji it knows as words of their own (既読: 既 スンデ, unknown 読),
        // and a 々 on its own reads as nothing: such a run is read by its known pieces.
        let is_kanji = |c: char| script(c) == 2;
        let unread = |(surface, _, unknown): &(String, String, bool)| {
            (*unknown || surface.starts_with('々')) && surface.chars().all(is_kanji)
        };
        let single = |(surface, _, _): &(String, String, bool)| {
            let mut chars = surface.chars();
            chars.next().is_some_and(|c| is_kanji(c) && c != '々') && chars.next().is_none()
        };
        let last_kanji = |s: &str| s.chars().last().filter(|&c| is_kanji(c) && c != '々');
        let mut tokens = Vec::with_capacity(analysed.len());
        let mut prev_kanji = None;
        let mut i = 0;
        while i < analysed.len() {
            let run = &analysed[i..];
            let end = i + run.iter().take_while(|t| unread(t) || single(t)).count();
            let group = &analysed[i..end.max(i + 1)];
            if group.iter().any(unread) {
                let surface: String = group.iter().map(|t| t.0.as_str()).collect();
                self.pieces_of(worker, &surface, prev_kanji, &mut tokens, budget);
            } else {
                for (surface, feature, _) in group {
                    tokens.push((surface.clone(), entry(feature)));
                }
            }
            prev_kanji = group.last().and_then(|t| last_kanji(&t.0));
            i += group.len();
        }
        // (String, WordEntry) tokens cannot fail to give their entry.
        let Ok(mut njd) = NJD::from_tokens(tokens) else {
            return;
        };
        njd.preprocess();
        // Morphemes with their readings; None where a silent one (a symbol) stood.
        let mut units: Vec<Option<Unit>> = Vec::with_capacity(njd.nodes.len());
        for node in &njd.nodes {
            let mut reading = Vec::new();
            for mora in node.get_pron().moras() {
                if matches!(mora.mora_enum, MoraEnum::Question | MoraEnum::Touten) {
                    continue;
                }
                // Display gives the kana, with ’ after a devoiced mora (not a sound of its own).
                reading.extend(
                    mora.to_string()
                        .chars()
                        .filter(|&c| c != '’')
                        .map(kana::to_hiragana),
                );
            }
            if reading.is_empty() {
                // Punctuation says nothing; letters (kanji, kana), radicals and symbols with
                // no reading cannot be read.
                // Named as written: an ASCII sign the dictionary saw in full width is ASCII.
                let written = |c: char| {
                    if run.contains(c) {
                        c
                    } else {
                        crate::text::normalize::compat::half_width(c)
                    }
                };
                unreadable.extend(
                    node.get_string()
                        .chars()
                        .filter(|&c| {
                            needs_reading(c) || super::is_word_symbol(c) || super::is_ascii_sign(c)
                        })
                        .map(written),
                );
                units.push(None);
                continue;
            }
            kana::lengthen(&mut reading);
            let number = node.get_pos().is_kazu();
            match units.last_mut() {
                // The parts OpenJTalk splits a number into (二 千 二十 五) are one word, and
                // a reading that starts with ー lengthens the word before (ましょ|う → ましょー).
                Some(Some(last)) if (number && last.number) || reading[0] == 'ー' => {
                    last.surface.push_str(node.get_string());
                    last.reading.extend(reading);
                }
                _ => units.push(Some(Unit {
                    surface: node.get_string().to_owned(),
                    reading,
                    number,
                })),
            }
        }
        self.group(units, words);
    }

    /// The tokens of a run of kanji the dictionary has no word for (an unknown token, or a
    /// 々 after `prev`): the longest pieces it knows, left to right, a 々 read as the kanji
    /// before it; a kanji with no reading at all stays a token without one, to be named.
    fn pieces_of(
        &self,
        worker: &mut vibrato::tokenizer::worker::Worker<'_>,
        surface: &str,
        prev: Option<char>,
        tokens: &mut Vec<(String, WordEntry)>,
        budget: &mut usize,
    ) {
        let written: Vec<char> = surface.chars().collect();
        // What is looked up: each 々 as the kanji it repeats.
        let mut looked_up = Vec::with_capacity(written.len());
        for &c in &written {
            let repeated = if c == '々' {
                looked_up.last().copied().or(prev)
            } else {
                None
            };
            looked_up.push(repeated.unwrap_or(c));
        }
        let compound = written.len() > 1;
        let mut pieces = Vec::new();
        let mut i = 0;
        while i < written.len() {
            let longest = (i + 1..=written.len().min(i + MAX_PIECE))
                .rev()
                .find_map(|j| {
                    let feature = self.known(worker, &looked_up[i..j], compound, budget)?;
                    Some((j, feature))
                });
            let (end, feature) = match longest {
                Some(found) => found,
                None => (i + 1, UNKNOWN_KANJI.to_owned()),
            };
            pieces.push((written[i..end].iter().collect::<String>(), feature));
            i = end;
        }
        // Read, the pieces are one word, as the compound is (既読 キドク, not キ ドク); a
        // piece with no reading stands alone, to be named.
        let field = |feature: &str, i: usize| feature.split(',').nth(i).map(str::to_owned);
        let joined = pieces
            .iter()
            .map(|(_, f)| Some((field(f, 6).filter(|r| r != "*")?, field(f, 7)?)))
            .collect::<Option<Vec<_>>>()
            .filter(|read| read.len() > 1);
        match joined {
            Some(read) => {
                let (reading, pron): (String, String) = read.into_iter().unzip();
                let feature = format!("名詞,一般,*,*,*,*,{reading},{pron}");
                tokens.push((surface.to_owned(), entry(&feature)));
            }
            None => tokens.extend(pieces.iter().map(|(s, f)| (s.clone(), entry(f)))),
        }
    }

    /// The features of `chars` as one word the dictionary knows with a reading: a word of
    /// its own, or a single kanji read as the two-kanji words it is in read it. A single
    /// kanji inside a longer compound is read so first: compounds read their kanji by
    /// on-readings, and a kanji's own word is often its kun-reading (既 スンデ, but 既読
    /// キドク).
    fn known(
        &self,
        worker: &mut vibrato::tokenizer::worker::Worker<'_>,
        chars: &[char],
        in_compound: bool,
        budget: &mut usize,
    ) -> Option<String> {
        // 々 has no reading of its own (人々 less 人 is no reading of it).
        let single = match chars {
            [c] if *c != '々' => Some(*c),
            _ => None,
        };
        if let Some(c) = single.filter(|_| in_compound)
            && let Some(feature) = self.kanji_reading(worker, c, budget)
        {
            return Some(feature);
        }
        let word: String = chars.iter().collect();
        if let Some(feature) = lookup(worker, &word) {
            return Some(feature);
        }
        self.kanji_reading(worker, single?, budget)
    }

    /// A kanji read as it is read in the two-kanji words the dictionary has (予定 ヨテイ less
    /// 定 テイ: 予 ヨ), its on-reading as compounds use it: for a kanji with no entry of its
    /// own, or one inside a compound the dictionary lacks. Found once per kanji (a few
    /// milliseconds) and kept; `budget` bounds how many one text may look for, past which
    /// there is none.
    fn kanji_reading(
        &self,
        worker: &mut vibrato::tokenizer::worker::Worker<'_>,
        kanji: char,
        budget: &mut usize,
    ) -> Option<String> {
        if let Some(known) = self.derived.lock().ok()?.get(&kanji) {
            return known.clone();
        }
        *budget = budget.checked_sub(1)?;
        let found = self
            .derive(worker, kanji, None)
            .map(|r| format!("名詞,一般,*,*,*,*,{r},{r}"));
        let mut cache = self.derived.lock().ok()?;
        if cache.len() >= MAX_DERIVED {
            cache.clear();
        }
        cache.insert(kanji, found.clone());
        found
    }

    /// The reading (katakana) of `kanji` that most two-kanji words with it agree on, `except`
    /// one of them (to check the guess against a word the dictionary has). A word votes for
    /// each way its reading splits into the kanji's and the other kanji's parts where the
    /// other's part is that kanji's own reading, or both parts have an on-reading's shape:
    /// the other kanji's own word is often its kun-reading (速 ハヤ), which alone would
    /// find only the words read by kun-readings. On-shaped readings win (compounds read
    /// kanji so); a kanji with none is read by its kun-reading. Names (固有名詞) do not
    /// vote: their readings are their own (三 in 健三 ケンゾウ).
    fn derive(
        &self,
        worker: &mut vibrato::tokenizer::worker::Worker<'_>,
        kanji: char,
        except: Option<&str>,
    ) -> Option<String> {
        let mut votes: HashMap<String, usize> = HashMap::new();
        for (other, other_reading) in &self.singles {
            for (word, first) in [
                (format!("{kanji}{other}"), true),
                (format!("{other}{kanji}"), false),
            ] {
                if except == Some(word.as_str()) {
                    continue;
                }
                let Some(feature) = lookup(worker, &word) else {
                    continue;
                };
                let Some(reading) = reading_of(&feature) else {
                    continue;
                };
                if feature.split(',').nth(1) == Some("固有名詞") {
                    continue;
                }
                for (cut, next) in reading.char_indices().skip(1) {
                    let (head, tail) = reading.split_at(cut);
                    let (mine, theirs) = if first { (head, tail) } else { (tail, head) };
                    // A part cut before a glottal stop or lengthening (読解 ドッカイ) is no
                    // reading, nor one cut inside a mora.
                    if !starts_mora(next) || mine.ends_with(['ッ', 'ー']) {
                        continue;
                    }
                    if theirs == other_reading || (on_shaped(mine) && on_shaped(theirs)) {
                        *votes.entry(mine.to_owned()).or_default() += 1;
                    }
                }
            }
        }
        // A tie goes to the shorter reading, then the first in order.
        votes
            .into_iter()
            .min_by(|a, b| {
                (on_shaped(&b.0), b.1)
                    .cmp(&(on_shaped(&a.0), a.1))
                    .then(a.0.len().cmp(&b.0.len()))
                    .then(a.0.cmp(&b.0))
            })
            .map(|(r, _)| r)
    }

    /// Morphemes → words: misaki joins consecutive morphemes that spell a word of its list
    /// (`Cutlet._romaji_tokens`: the longest such run from each morpheme, まし|た → ました).
    fn group(&self, units: Vec<Option<Unit>>, words: &mut Words) {
        let mut i = 0;
        while i < units.len() {
            let Some(first) = &units[i] else {
                i += 1;
                continue;
            };
            // The longest run units[i..j] whose surfaces spell a listed word; the length bound
            // keeps this linear.
            let mut spelled = String::new();
            let mut spelled_chars = 0;
            let mut end = i + 1;
            for (k, unit) in units.iter().enumerate().skip(i) {
                let Some(unit) = unit else { break };
                spelled.push_str(&unit.surface);
                spelled_chars += unit.surface.chars().count();
                if spelled_chars > self.longest_word {
                    break;
                }
                if k > i && self.word_list.contains(spelled.as_str()) {
                    end = k + 1;
                }
            }
            let mut reading = first.reading.clone();
            for unit in units[i + 1..end].iter().flatten() {
                reading.extend_from_slice(&unit.reading);
            }
            words.reading(&reading);
            i = end;
        }
    }
}

/// Longest piece (in characters) of an unknown run of kanji looked up as one word.
const MAX_PIECE: usize = 6;

/// Kanji readings derived from the words they are in, kept at most (a bound on memory).
const MAX_DERIVED: usize = 4096;

/// Kanji readings one text may derive (each takes a few milliseconds): text made of
/// thousands of rare kanji costs no more than a sentence of them.
const MAX_DERIVED_PER_TEXT: usize = 32;

/// The features of a kanji with no reading anywhere: unknown.def's layout, reading `*`.
const UNKNOWN_KANJI: &str = "名詞,一般,*,*,*,*,*,*";

/// The features of `word` when the dictionary knows it as one word with a reading.
fn lookup(worker: &mut vibrato::tokenizer::worker::Worker<'_>, word: &str) -> Option<String> {
    worker.reset_sentence(word);
    worker.tokenize();
    if worker.num_tokens() != 1 {
        return None;
    }
    let token = worker.token(0);
    if token.lex_type() != vibrato::dictionary::LexType::System {
        return None;
    }
    let feature = token.feature();
    reading_of(feature)?;
    Some(feature.to_owned())
}

/// Whether a reading has the shape of an on-reading: one mora (with a small ャ ュ ョ),
/// perhaps a second of ン ウ イ ク キ チ ツ (ジン, ショウ, バク, セツ; not シモ, マエ).
fn on_shaped(reading: &str) -> bool {
    let mut chars = reading.chars().peekable();
    if !chars.next().is_some_and(starts_mora) {
        return false;
    }
    chars.next_if(|c| matches!(c, 'ャ' | 'ュ' | 'ョ'));
    chars.next_if(|c| matches!(c, 'ン' | 'ウ' | 'イ' | 'ク' | 'キ' | 'チ' | 'ツ'));
    chars.next().is_none()
}

/// Whether a reading can start at `c` (a mora's first kana, not ン ッ ー or a small one).
fn starts_mora(c: char) -> bool {
    !matches!(
        c,
        'ン' | 'ッ' | 'ー' | 'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ'
    )
}

/// The reading (katakana) of features, if they have one.
fn reading_of(feature: &str) -> Option<&str> {
    feature
        .split(',')
        .nth(6)
        .filter(|r| !r.is_empty() && r.chars().all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c)))
}

/// A morpheme (or a whole number) and its reading in hiragana.
struct Unit {
    surface: String,
    reading: Vec<char>,
    number: bool,
}

/// A dictionary entry from a token's features as `make assets` compiled them: four POS
/// fields, conjugation type and form, reading, pronunciation. An entry jpreprocess cannot
/// parse keeps its POS and loses its reading (a kana surface is still read from its kana).
fn entry(feature: &str) -> WordEntry {
    let f: Vec<&str> = feature.split(',').collect();
    let field = |i: usize| f.get(i).copied().unwrap_or("*");
    let mut details = [
        field(0),
        field(1),
        field(2),
        field(3),
        field(4),
        field(5),
        "*",
        field(6),
        field(7),
        "*",
        "*",
        "*",
    ];
    WordEntry::load(&details)
        .or_else(|_| {
            details[7] = "*";
            details[8] = "*";
            WordEntry::load(&details)
        })
        .unwrap_or_default()
}

/// ASCII → full width (OpenJTalk's `text2mecab`), so digits and symbols meet their entries.
fn full_width(c: char) -> char {
    match c {
        '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A piece of normalized text.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    /// Latin-script words (with apostrophes, hyphens, periods, ampersands and single spaces
    /// inside): the English G2P reads them. Digits are not part of them: iPhone 15 and A4
    /// are read with Japanese numbers, as a Japanese speaker reads them.
    Latin(&'a str),
    /// Punctuation, as misaki writes it.
    Punct(Punct),
    /// Kanji, kana, digits and everything else the analyser reads (or skips).
    Japanese(&'a str),
    /// A space or a bracket: ends a Japanese run, says nothing.
    Break,
}

/// misaki's punctuation, by how it joins the words around it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Punct {
    /// Attaches to the word before, a space after: . , ? ! : ”
    Close(char),
    /// A space before, attaches to the word after: “
    Open(char),
    /// Stands alone between spaces: — ; " and runs of dots.
    Alone(&'static str),
}

/// What a punctuation character is, if it is one (after NFKC).
fn punct(c: char) -> Option<Punct> {
    Some(match c {
        '。' | '.' => Punct::Close('.'),
        '、' | ',' => Punct::Close(','),
        '?' => Punct::Close('?'),
        '!' => Punct::Close('!'),
        ':' => Punct::Close(':'),
        '「' | '『' | '“' | '«' | '〝' => Punct::Open('“'),
        '」' | '』' | '”' | '»' | '〟' => Punct::Close('”'),
        ';' => Punct::Alone(";"),
        '"' => Punct::Alone("\""),
        '〜' | '~' | '—' | '―' | '–' => Punct::Alone("—"),
        _ => return None,
    })
}

/// Spaces and the brackets misaki writes as « » or [ ] (not in Kokoro's vocabulary): a
/// break between words.
fn is_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '【'
                | '】'
                | '〈'
                | '〉'
                | '《'
                | '》'
                | '〔'
                | '〕'
                | '・'
        )
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (('\u{C0}'..='\u{24F}').contains(&c) && c.is_alphabetic())
        || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

/// Cuts normalized text into pieces, in one pass.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut japanese_start: Option<usize> = None;
    let mut i = 0;
    while let Some(c) = at(i) {
        let digit_sep = matches!(c, ',' | '.')
            && i > 0
            && at(i - 1).is_some_and(|p| p.is_ascii_digit())
            && at(i + 1).is_some_and(|n| n.is_ascii_digit());
        let kind = if is_latin_letter(c) {
            Some(Piece::Latin(""))
        } else if digit_sep {
            None
        } else if c == '.' && at(i + 1) == Some('.') {
            Some(Piece::Punct(Punct::Alone("")))
        } else if let Some(p) = punct(c) {
            Some(Piece::Punct(p))
        } else if is_break(c) {
            Some(Piece::Break)
        } else {
            None
        };
        let Some(kind) = kind else {
            japanese_start.get_or_insert(i);
            i += 1;
            continue;
        };
        if let Some(s) = japanese_start.take() {
            out.push(Piece::Japanese(&text[byte(s)..byte(i)]));
        }
        match kind {
            Piece::Latin(_) => {
                let start = i;
                i += 1;
                while let Some(c) = at(i) {
                    let next_letter = at(i + 1).is_some_and(is_latin_letter);
                    let joins = is_latin_letter(c)
                        || (matches!(c, '\'' | '’' | '-' | '.' | '&' | ' ') && next_letter);
                    if !joins {
                        break;
                    }
                    i += 1;
                }
                out.push(Piece::Latin(&text[byte(start)..byte(i)]));
            }
            Piece::Punct(Punct::Alone("")) => {
                // A run of dots ("...", NFKC's form of …) stands as misaki writes it.
                let start = i;
                while at(i) == Some('.') {
                    i += 1;
                }
                let dots = &text[byte(start)..byte(i)];
                out.push(Piece::Punct(Punct::Alone(if dots.len() == 2 {
                    ".."
                } else {
                    "..."
                })));
            }
            kind => {
                out.push(kind);
                i += 1;
            }
        }
    }
    if let Some(s) = japanese_start {
        out.push(Piece::Japanese(&text[byte(s)..]));
    }
    out
}

/// Cuts a Japanese piece into runs of at most [`MAX_RUN`] characters, each cut where a word
/// likely starts: after hiragana (particles, endings) before anything else, else at any change
/// of script, else anywhere.
fn runs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while rest.chars().nth(MAX_RUN).is_some() {
        let bytes: Vec<(usize, char)> = rest.char_indices().take(MAX_RUN + 1).collect();
        let cut = (1..=MAX_RUN)
            .rev()
            .find(|&k| is_hiragana(bytes[k - 1].1) && !is_hiragana(bytes[k].1))
            .or_else(|| {
                (1..=MAX_RUN)
                    .rev()
                    .find(|&k| script(bytes[k - 1].1) != script(bytes[k].1))
            })
            .unwrap_or(MAX_RUN);
        let (head, tail) = rest.split_at(bytes[cut].0);
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

/// A coarse script class, for cutting long runs.
fn script(c: char) -> u8 {
    match c {
        '\u{3041}'..='\u{309F}' => 0,
        '\u{30A0}'..='\u{30FF}' => 1,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' => 2,
        '0'..='9' => 3,
        _ => 4,
    }
}

/// The words of a sentence, joined as misaki's cutlet mode joins them.
#[derive(Default)]
struct Words {
    /// (symbols, a space follows)
    tokens: Vec<(String, bool)>,
}

impl Words {
    /// A word from its reading (hiragana).
    fn reading(&mut self, reading: &[char]) {
        let mut symbols = String::new();
        kana::push_word(reading, &mut symbols);
        self.push(symbols, true);
    }

    /// A word already in symbols (the Latin callback's).
    fn word(&mut self, symbols: &str) {
        self.push(symbols.to_owned(), true);
    }

    fn push(&mut self, symbols: String, space: bool) {
        if !symbols.is_empty() {
            self.tokens.push((symbols, space));
        }
    }

    fn punct(&mut self, p: Punct) {
        match p {
            Punct::Close(c) => {
                if let Some(last) = self.tokens.last_mut() {
                    last.1 = false;
                }
                self.tokens.push((c.to_string(), true));
            }
            Punct::Open(c) => {
                if let Some(last) = self.tokens.last_mut() {
                    last.1 = true;
                }
                self.tokens.push((c.to_string(), false));
            }
            Punct::Alone(s) => self.tokens.push((s.to_owned(), true)),
        }
    }

    /// The sentence: tokens joined, spaces single, none at the ends; no space before a
    /// glottal stop unless punctuation precedes, none after one unless an opening quote
    /// follows (misaki: `iʔ te` → `iʔte`).
    fn finish(self) -> String {
        let mut joined = String::new();
        for (symbols, space) in &self.tokens {
            joined.push_str(symbols);
            if *space {
                joined.push(' ');
            }
        }
        let chars: Vec<char> = joined
            .split_whitespace()
            .flat_map(|w| w.chars().chain([' ']))
            .collect();
        let mut out = String::with_capacity(joined.len());
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
                let next = chars.get(i + 1).copied();
                let Some(next) = next else { break };
                let before_stop = next == 'ʔ' && !prev.is_some_and(|p| "!\",.:;?»—…”".contains(p));
                let after_stop = prev == Some('ʔ') && !"\"«“".contains(next);
                if before_stop || after_stop {
                    continue;
                }
            }
            out.push(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::OnceLock;

    use super::*;

    /// Kokoro v1.0's 114 symbols (vocab.json).
    const VOCAB: &str = ";:,.!?—…\"()“” \u{303}ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ";

    fn japanese() -> &'static Japanese {
        static JA: OnceLock<Japanese> = OnceLock::new();
        JA.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/ja");
            match Japanese::load(&dir) {
                Ok(ja) => ja,
                Err(e) => {
                    panic!("{e}\nthe Japanese G2P tests need its dictionary: run `make assets`")
                }
            }
        })
    }

    /// Phonemes, with Latin runs read as «run» (the callback's word, not a real reading).
    fn ph(text: &str) -> String {
        let out = japanese()
            .phonemize(text, &|s| Ok(format!("«{s}»")))
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let symbols = out.replace(['«', '»'], "");
        if let Some(c) = symbols
            .chars()
            .find(|&c| !VOCAB.contains(c) && !c.is_ascii_alphabetic())
        {
            panic!("{text:?} → {out:?}: {c:?} is not one of Kokoro's symbols");
        }
        out
    }

    #[test]
    fn sentences_read_as_misaki_reads_them() {
        // misaki 0.9.4 (cutlet mode) gives the same for these.
        assert_eq!(ph("今日は良い天気ですね。"), "kʲoː βa joi teŋkʲi desɨ ne.");
        assert_eq!(
            ph("コーヒーを飲みながら、新宿駅で待っています。"),
            "koːçiː o nomʲi naɡaɾa, ɕiɲʥɨkɯ ekʲi de maʔte imasɨ."
        );
    }

    #[test]
    fn particles_as_spoken() {
        assert_eq!(ph("私は東京へ行きます"), "βataɕi βa toːkʲoː e ikʲimasɨ");
        assert_eq!(ph("本を読む"), "hoɴ o jomɯ");
    }

    #[test]
    fn long_vowels() {
        assert_eq!(ph("東京"), "toːkʲoː");
        assert_eq!(ph("先生"), "seɴseː");
        assert_eq!(ph("新しい"), "ataɾaɕiː");
        // A reading that starts with ー lengthens the word before it.
        assert_eq!(ph("始めましょう"), "haʥime maɕoː");
    }

    #[test]
    fn sokuon_and_moraic_n() {
        assert_eq!(ph("行って"), "iʔte");
        assert_eq!(ph("学校へ行った。"), "ɡaʔkoː e iʔta.");
        assert_eq!(ph("新聞"), "ɕimbɯɴ");
        assert_eq!(ph("天気"), "teŋkʲi");
        assert_eq!(ph("本を"), "hoɴ o");
    }

    #[test]
    fn numbers_with_counters() {
        assert_eq!(ph("3本"), "saɴ boɴ");
        assert_eq!(ph("1本"), "iʔpoɴ");
        assert_eq!(ph("6分"), "ɾoʔpɯɴ");
        assert_eq!(ph("1人"), "çitoɾʲi");
        assert_eq!(ph("2人"), "ɸɯtaɾʲi");
        assert_eq!(ph("20日"), "haʦɨka");
        assert_eq!(ph("2つ"), "ɸɯtaʦɨ");
        assert_eq!(ph("3日以内"), "mʲiʔka inai");
    }

    #[test]
    fn dates_times_prices() {
        let date = "ɲiseɲɲiʥɨːɡo neɴ saŋɡaʦɨ ʥɨːjoʔka";
        assert_eq!(ph("2025年3月14日"), date);
        assert_eq!(ph("2025/3/14"), date);
        // 七時 is one word of misaki's list.
        assert_eq!(ph("7時15分"), "ɕiʨiʥi ʥɨːɡo ɸɯɴ");
        assert_eq!(ph("7:15"), "ɕiʨiʥi ʥɨːɡo ɸɯɴ");
        assert_eq!(ph("1,500円"), "seŋɡoçakɯ eɴ");
        assert_eq!(ph("¥1,500"), "seŋɡoçakɯ eɴ");
        assert_eq!(ph("￥１，５００"), "seŋɡoçakɯ eɴ");
        assert_eq!(ph("50%"), "ɡoʥɨʔpaːsento");
    }

    #[test]
    fn width_forms_fold() {
        assert_eq!(ph("ｶﾀｶﾅ"), "katakana");
        assert_eq!(ph("１２３"), ph("123"));
        assert_eq!(ph("ＡＢＣ"), "«ABC»");
    }

    #[test]
    fn latin_goes_to_the_callback() {
        let seen = RefCell::new(Vec::new());
        let latin = |s: &str| {
            seen.borrow_mut().push(s.to_owned());
            Ok("ˈaɪfˌoʊn".to_owned())
        };
        let out = japanese().phonemize("新しいiPhoneは、Google Mapsで", &latin);
        assert_eq!(
            out.ok().as_deref(),
            Some("ataɾaɕiː ˈaɪfˌoʊn βa, ˈaɪfˌoʊn de")
        );
        assert_eq!(*seen.borrow(), ["iPhone", "Google Maps"]);
        // Digits stay Japanese; the callback's error is the caller's error.
        assert_eq!(ph("iPhone 15"), "«iPhone» ʥɨːɡo");
        let failing = |_: &str| Err(Error::Phonemize("no English".into()));
        assert!(japanese().phonemize("Appleの", &failing).is_err());
    }

    #[test]
    fn punctuation_as_misaki_keeps_it() {
        assert_eq!(ph("「はい」と言った。"), "“hai” to iʔta.");
        assert_eq!(ph("本当？！"), "hontoː?!");
        assert_eq!(ph("ええ…そう"), "eː ... soː");
        assert_eq!(ph("東京・大阪"), "toːkʲoː oːsaka");
        assert_eq!(ph("（注）これ"), "ʨɨː koɾe");
        assert_eq!(ph("A～Z"), "«A» — «Z»");
    }

    #[test]
    fn garbage_is_skipped_never_a_panic() {
        assert_eq!(ph("😀楽しい！"), "tanoɕiː!");
        assert_eq!(ph(""), "");
        assert_eq!(ph("\u{301}\u{302}\u{3099}"), "");
        // A kanji the dictionary lacks is named, never skipped (𠮷 is an extension-B
        // variant of 吉, U+20BB7).
        let Err(e) = japanese().phonemize("𠮷野家で", &|s| Ok(s.to_owned())) else {
            panic!("𠮷 was read");
        };
        assert!(e.is_client_error(), "{e}");
        assert!(e.to_string().contains("'𠮷' (U+20BB7)"), "{e}");
        for garbage in [
            "😀".repeat(10_000),
            "漢".repeat(10_000),
            "ア".repeat(10_000),
            "1".repeat(10_000),
            "1,".repeat(5_000),
            "っんー".repeat(3_000),
            "\u{301}".repeat(10_000),
            "a".repeat(10_000),
            "。「".repeat(5_000),
            (0..10_000u32)
                .filter_map(|i| char::from_u32(0x3000 + i * 7 % 0x7000))
                .collect(),
        ] {
            // Speech, or an error naming what has no reading.
            if let Err(e) = japanese().phonemize(&garbage, &|s| Ok(s.to_owned())) {
                assert!(e.is_client_error(), "{e}");
            }
        }
    }

    #[test]
    fn kangxi_radicals_are_read_and_extensions_are_named() {
        // NFKC maps a radical to its ideograph.
        assert_eq!(ph("⼀⼆ 日本"), ph("一二 日本"));
        // A symbol with no reading is named too (〄, the JIS mark), not left out.
        for rare in ["𠀀𠀁𠀂 日本", "\u{3400}日本", "〄 日本"] {
            let Err(e) = japanese().phonemize(rare, &|s| Ok(s.to_owned())) else {
                panic!("{rare} was read");
            };
            assert!(e.to_string().contains("no reading"), "{rare}: {e}");
        }
        // A long digit string is read a digit at a time, its first digit too.
        let long = ph(&format!("1{}", "0".repeat(400)));
        assert!(long.starts_with("iʨi ʣeɾo"), "{}", &long[..40]);
        assert!(!long.contains("seŋkaɴ"));
    }

    #[test]
    fn compounds_the_dictionary_lacks_are_read_by_their_kanji() {
        // Each was one unknown word, and all its kanji were named as having no reading.
        assert_eq!(ph("予熱"), "joneʦɨ");
        assert_eq!(ph("担々麺"), ph("担担麺"));
        // A kanji in one is read as compounds read it, not as its own word (既 スンデ,
        // 速 ハヤ), and the compound is one word; a known word in it keeps its reading.
        assert_eq!(ph("既読がつかない。"), "kʲidokɯ ɡa ʦɨkanai.");
        assert_eq!(ph("爆速"), "bakɯsokɯ");
        assert_eq!(ph("担担麺"), "tantammeɴ");
        // 辣 has no word of its own, but 辣腕 ラツワン and 悪辣 アクラツ read it.
        assert_eq!(ph("辣"), "ɾaʦɨ");
        for text in [
            "オーブンを200度に予熱します。",
            "既読がつかない。",
            "担担麺を食べた。",
            "爆砕",
            "担々麺",
        ] {
            assert!(!ph(text).is_empty(), "{text}");
        }
        // A kanji with no reading anywhere is still named (U+3400 has no word in the
        // dictionary; 𠮷 is outside the blocks it has).
        for rare in ["\u{3400}", "予熱\u{3400}", "𠮷野家で"] {
            let Err(e) = japanese().phonemize(rare, &|s| Ok(s.to_owned())) else {
                panic!("{rare} was read");
            };
            assert!(e.to_string().contains("no reading"), "{rare}: {e}");
        }
    }

    #[test]
    fn pieces_split_latin_punctuation_and_japanese() {
        // (after NFKC, which spells … as ...)
        let p = pieces("新しいiPhone 15は、U.S.A.で1,500円...");
        assert_eq!(
            p,
            [
                Piece::Japanese("新しい"),
                Piece::Latin("iPhone"),
                Piece::Break,
                Piece::Japanese("15は"),
                Piece::Punct(Punct::Close(',')),
                Piece::Latin("U.S.A"),
                Piece::Punct(Punct::Close('.')),
                Piece::Japanese("で1,500円"),
                Piece::Punct(Punct::Alone("...")),
            ]
        );
    }

    #[test]
    fn long_runs_are_cut_where_words_start() {
        let s = "日本語のテキスト".repeat(40);
        let r = runs(&s);
        assert!(r.iter().all(|run| run.chars().count() <= MAX_RUN));
        assert_eq!(r.concat(), s);
        // Cut after the particle の, before テキスト.
        assert!(r[0].ends_with('の'));
    }

    #[test]
    fn shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Japanese>();
    }

    #[test]
    fn kanji_in_compounds_read_as_the_dictionarys_compounds_read_them() {
        // 200 two-kanji words of the dictionary, drawn at random: each read as a compound
        // the dictionary lacked would be, kanji by kanji (its own word left out of what the
        // readings are derived from), against the dictionary's reading. By each kanji's own
        // word, 50 matched; 122 do.
        let sample = [
        "一種万緑三下上皮下刻下駄不様中庸丹頂享有人偏人煙作製係船俗諺停泊偽書傾向先兵先手先議全車円卓凍傷処遇利口前非剥奪勅命勅語募集千振半平同一君恩喉頭団扇図学土足墳丘",
        "壁画壮観変態外郭大番大粒失体子方家付富籤小昼小耳尖端帯芯底止庵室建碑式法強健強権当事当流征衣後棒恩人悪酔愛妻感染戸締所蔵手勢手縫手蔓手負手鍋才知打率折節揚鍋文学",
        "新秋新著日干旬余春泥時数暖簾書巻木組木醋来談松脂板紙根掛棒先機屋歌舞歯入歯肉民俗水槽水鏡法号法界浸潤淡白滑翔潮流炭壷熱愛燃費特務犬死犯行状袋狗鷲猛威玄関産年用次",
        "異郷瘡毒白雨皇宗直参着岸短気石印石投碑銘祭場私法競映竹槍算段納采素脚索漠綱玉緒戦縦縞老熟肉感胸部脈動腰縄自説船窓船縁良縁艷文芳書草根華氏著作蝶鮫表記表題裁決裂痔",
        "製版西漸訛声誇示調進諒闇諸訳諸諸譚詩豆類貴国貴様賞讚転校送検運航道産遠出邪念邪曲里数鉄兜銃殺銅銭鍵盤鑑別附置降参陣立陳情隣席離水雪崩面相頬袋風趣駆足魚類黒幕黙過",
        ]
        .concat();
        let ja = japanese();
        let mut worker = ja.tokenizer.new_worker();
        let chars: Vec<char> = sample.chars().collect();
        let mut matched = Vec::new();
        for pair in chars.chunks(2) {
            let word: String = pair.iter().collect();
            let feature = lookup(&mut worker, &word).unwrap_or_else(|| panic!("{word}"));
            let mut read = String::new();
            for &kanji in pair {
                let own = lookup(&mut worker, &kanji.to_string());
                let derived = ja.derive(&mut worker, kanji, Some(&word));
                let own = own.as_deref().and_then(reading_of).map(str::to_owned);
                read.push_str(&derived.or(own).unwrap_or_default());
            }
            if reading_of(&feature) == Some(read.as_str()) {
                matched.push(word);
            }
        }
        assert!(matched.len() >= 115, "{}: {matched:?}", matched.len());
    }
}
