//! Splitting: text into sentences, and a sentence's phonemes into chunks the model takes.
//!
//! Chunks are cut in phoneme space, where one symbol is one token id, so the 510-id limit
//! is exact: at clause punctuation first, then between words, and only for a single word
//! longer than the limit, inside it. The first chunk of a response can be cut shorter, at
//! its first clause, so the first audio comes early.

use unicode_segmentation::UnicodeSegmentation;

/// Punctuation after which a clause ends (misaki writes these into the phonemes).
const CLAUSE_ENDS: &[char] = &[',', ';', ':', '—', '…'];
/// Punctuation after which a sentence ends.
const SENTENCE_ENDS: &[char] = &['.', '!', '?'];
/// The fewest words a first clause must have before it is cut off on its own.
const MIN_FIRST_CLAUSE_WORDS: usize = 2;

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "mt", "jr", "sr", "prof", "vs", "etc", "e.g", "i.e", "inc",
    "ltd", "co", "fig", "approx", "dept", "gen", "gov", "sen", "rep", "capt", "lt", "col",
];

/// The silence a chunk ends with: decided by how its phonemes end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Cut between words (a clause too long for one chunk): no pause.
    Word,
    /// Ends at a comma, semicolon, colon, dash or ellipsis.
    Clause,
    /// Ends at a full stop, question or exclamation mark.
    Sentence,
}

impl Boundary {
    pub fn of(phonemes: &str) -> Self {
        match phonemes.trim_end().chars().last() {
            Some(c) if SENTENCE_ENDS.contains(&c) => Boundary::Sentence,
            Some(c) if CLAUSE_ENDS.contains(&c) => Boundary::Clause,
            _ => Boundary::Word,
        }
    }
}

/// Sentences of (normalized) text, trimmed, with abbreviation periods ("Dr.") not taken for
/// sentence ends.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glue = false;
    for s in text.split_sentence_bounds() {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(s);
            }
            _ => out.push(s.to_owned()),
        }
        glue = out.last().is_some_and(|l| ends_with_abbreviation(l));
    }
    out
}

fn ends_with_abbreviation(sentence: &str) -> bool {
    let Some(stem) = sentence.strip_suffix('.') else {
        return false;
    };
    let word = stem
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .next()
        .unwrap_or(stem);
    let word = word.to_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
}

/// A sentence's phonemes cut into pieces of at most `max` symbols: whole if it fits, else
/// at clause punctuation, else between words, else (one enormous word) anywhere.
/// With `first_clause`, the first piece is the sentence's first clause of at least two
/// words, when there is a clause break to cut at.
pub fn chunk_phonemes(phonemes: &str, max: usize, first_clause: bool) -> Vec<String> {
    let phonemes = phonemes.trim();
    if phonemes.is_empty() || max == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = phonemes;
    if let Some(cut) = first_clause.then(|| first_clause_end(rest)).flatten() {
        let (head, tail) = rest.split_at(cut);
        push_fitting(&mut out, head.trim(), max);
        rest = tail.trim_start();
    }
    push_fitting(&mut out, rest, max);
    out
}

/// Byte offset just after the first clause punctuation that follows at least
/// [`MIN_FIRST_CLAUSE_WORDS`] words, if something is left after it.
fn first_clause_end(phonemes: &str) -> Option<usize> {
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in phonemes.char_indices() {
        if c == ' ' {
            in_word = false;
            continue;
        }
        if !in_word && !CLAUSE_ENDS.contains(&c) {
            words += 1;
            in_word = true;
        }
        if CLAUSE_ENDS.contains(&c) && words >= MIN_FIRST_CLAUSE_WORDS {
            let end = i + c.len_utf8();
            let rest = phonemes[end..].trim();
            // Only a break worth making: something speakable must follow.
            return rest.chars().any(|c| c.is_alphabetic()).then_some(end);
        }
    }
    None
}

/// Appends `text` as one piece if it fits, else split by the coarsest break that works.
fn push_fitting(out: &mut Vec<String>, text: &str, max: usize) {
    if text.is_empty() {
        return;
    }
    if text.chars().count() <= max {
        out.push(text.to_owned());
        return;
    }
    let clauses = split_after(text, |c| CLAUSE_ENDS.contains(&c));
    if clauses.len() > 1 {
        pack(out, &clauses, max, push_fitting_words);
        return;
    }
    push_fitting_words(out, text, max);
}

fn push_fitting_words(out: &mut Vec<String>, text: &str, max: usize) {
    if text.chars().count() <= max {
        out.push(text.to_owned());
        return;
    }
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() > 1 {
        pack(out, &words, max, push_fitting_chars);
        return;
    }
    push_fitting_chars(out, text, max);
}

fn push_fitting_chars(out: &mut Vec<String>, text: &str, max: usize) {
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(max) {
        out.push(piece.iter().collect());
    }
}

/// Greedily joins `parts` with spaces into pieces of at most `max` symbols; a part that is
/// too long alone goes to `oversize`.
fn pack(
    out: &mut Vec<String>,
    parts: &[&str],
    max: usize,
    oversize: fn(&mut Vec<String>, &str, usize),
) {
    let mut current = String::new();
    let mut current_len = 0;
    for part in parts {
        let len = part.chars().count();
        if len > max {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                current_len = 0;
            }
            oversize(out, part, max);
            continue;
        }
        let joined = if current.is_empty() {
            len
        } else {
            current_len + 1 + len
        };
        if joined > max {
            out.push(std::mem::take(&mut current));
            current.push_str(part);
            current_len = len;
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(part);
            current_len = joined;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
}

/// `text` split after each char matching `is_break`, pieces trimmed, empties dropped.
fn split_after(text: &str, is_break: impl Fn(char) -> bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if is_break(c) {
            let end = i + c.len_utf8();
            parts.push(text[start..end].trim());
            start = end;
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_and_keep_abbreviations() {
        assert_eq!(
            sentences("Hello there. Dr. Smith is in! Is he? Yes."),
            vec!["Hello there.", "Dr. Smith is in!", "Is he?", "Yes."]
        );
        assert_eq!(sentences("   "), Vec::<String>::new());
        assert_eq!(
            sentences("No period at the end"),
            vec!["No period at the end"]
        );
    }

    #[test]
    fn short_sentences_stay_whole() {
        assert_eq!(chunk_phonemes("hˈI, ðˈɛɹ.", 510, false), vec!["hˈI, ðˈɛɹ."]);
    }

    #[test]
    fn first_clause_is_cut_off_when_asked() {
        let ph = "wˈɛl ðˈɛn, wˌi ɡˈO hˈOm.";
        assert_eq!(
            chunk_phonemes(ph, 510, true),
            vec!["wˈɛl ðˈɛn,", "wˌi ɡˈO hˈOm."]
        );
        // one word is too short to stand alone: the next clause break is used
        assert_eq!(
            chunk_phonemes("jˈɛs, aɪ kˈæn, ɡˈO.", 510, true),
            vec!["jˈɛs, aɪ kˈæn,", "ɡˈO."]
        );
        // nothing speakable after the break: no cut
        assert_eq!(chunk_phonemes("wˈɛl ðˈɛn,", 510, true), vec!["wˈɛl ðˈɛn,"]);
    }

    #[test]
    fn long_sentences_cut_at_clauses_then_words_then_anywhere() {
        let clause = "ab cd ef,"; // 9 symbols
        let text = [clause; 4].join(" ");
        let chunks = chunk_phonemes(&text, 20, false);
        assert_eq!(chunks, vec!["ab cd ef, ab cd ef,", "ab cd ef, ab cd ef,"]);

        let words = "abc def ghi jkl mno";
        assert_eq!(
            chunk_phonemes(words, 8, false),
            vec!["abc def", "ghi jkl", "mno"]
        );

        let giant = "x".repeat(25);
        assert_eq!(
            chunk_phonemes(&giant, 10, false)
                .iter()
                .map(String::len)
                .collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
    }

    #[test]
    fn every_chunk_fits_and_nothing_is_lost() {
        let text = "ðɪs ɪz ə vˈɛɹi lˈɔŋ sˈɛntəns, wɪð ˈɛvɹi kˈIn∂ ʌv θˈɪŋ; ænd mˈɔɹ ".repeat(40)
            + &"q".repeat(1300)
            + " ˈɛnd.";
        for max in [7, 50, 510] {
            let chunks = chunk_phonemes(&text, max, true);
            assert!(
                chunks
                    .iter()
                    .all(|c| c.chars().count() <= max && !c.is_empty())
            );
            let rejoined: String = chunks.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(rejoined, original);
        }
    }

    #[test]
    fn boundaries_follow_the_last_symbol() {
        assert_eq!(Boundary::of("hˈI."), Boundary::Sentence);
        assert_eq!(Boundary::of("hˈI?"), Boundary::Sentence);
        assert_eq!(Boundary::of("wˈɛl,"), Boundary::Clause);
        assert_eq!(Boundary::of("ænd"), Boundary::Word);
    }
}
