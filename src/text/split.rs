//! Splitting: a segment's normalized text into sentences, and a sentence's phonemes into
//! chunks the model takes.
//!
//! Chunks are cut in phoneme space, where one symbol is one token id, so the model's id
//! limit is exact: at clause punctuation first, then between words, and only for a single
//! word longer than the limit, inside it.

use unicode_segmentation::UnicodeSegmentation;

/// Punctuation after which a clause ends (misaki writes these into the phonemes).
const CLAUSE_ENDS: &[char] = &[',', ';', ':', '—', '…'];
/// Punctuation after which a sentence ends.
const SENTENCE_ENDS: &[char] = &['.', '!', '?'];

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

/// Whether a sentence ends with an abbreviation's period ("Dr.", "e.g.", an initial), which
/// does not end it.
pub(crate) fn ends_with_abbreviation(sentence: &str) -> bool {
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

/// Takes the next chunk off the front of a sentence's `phonemes`: as many whole clauses as
/// fit in `budget` symbols, and at least one. A single clause longer than `max` is cut
/// between words, and a single word longer than `max` anywhere, so the chunk never has
/// more than `max` symbols. Returns the chunk and the rest.
pub fn take_chunk(phonemes: &str, budget: usize, max: usize) -> (&str, &str) {
    let phonemes = phonemes.trim();
    let max = max.max(1);
    let budget = budget.clamp(1, max);
    let mut fitting = None; // the longest run of whole clauses within the budget
    let mut first = None; // the end of the first clause
    let mut count = 0;
    for (i, c) in phonemes.char_indices() {
        count += 1;
        if CLAUSE_ENDS.contains(&c) {
            let end = i + c.len_utf8();
            first.get_or_insert((end, count));
            if count <= budget {
                fitting = Some(end);
            }
        }
    }
    let total = count;
    let cut = if total <= budget {
        phonemes.len()
    } else if let Some(end) = fitting {
        end
    } else {
        match first {
            Some((end, n)) if n <= max => end,
            _ if total <= max => phonemes.len(),
            _ => word_cut(phonemes, max),
        }
    };
    let (head, tail) = phonemes.split_at(cut);
    (head.trim(), tail.trim_start())
}

/// The fewest symbols a clause's last words are left with when a chunk is cut between them.
/// Alone, a clause's last word is spoken as an utterance of its own, with a sentence's
/// falling end, and heard as something else ("check it | soon." was heard "check it. So
/// no."): the cut moves back a word or more instead, never forward (past the cap).
const MIN_TAIL: usize = 12;

/// Byte offset of the last word break within the first `max` symbols that leaves the
/// clause's rest at least [`MIN_TAIL`] symbols (else the last break), or of the `max`-th
/// symbol when one word is longer than that.
fn word_cut(phonemes: &str, max: usize) -> usize {
    let chars: Vec<(usize, char)> = phonemes.char_indices().collect();
    let Some(&(at_max, _)) = chars.get(max) else {
        return phonemes.len();
    };
    // Where the clause being cut ends (its mark included): past `max`, since `take_chunk`
    // cuts between words only a clause longer than that.
    let clause_end = chars[max..]
        .iter()
        .position(|&(_, c)| CLAUSE_ENDS.contains(&c))
        .map_or(chars.len(), |p| max + p + 1);
    let breaks: Vec<(usize, usize)> = chars[..max]
        .iter()
        .enumerate()
        .filter(|&(n, &(_, c))| c == ' ' && n > 0)
        .map(|(n, &(i, _))| (n, i))
        .collect();
    breaks
        .iter()
        .rev()
        // The symbols after the break at `n`: clause_end - n - 1.
        .find(|&&(n, _)| clause_end - n > MIN_TAIL)
        .or(breaks.last())
        .map_or(at_max, |&(_, i)| i)
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

    /// A sentence's phonemes cut into chunks of at most `max` symbols, as the plan cuts
    /// them without a budget.
    fn chunk_phonemes(phonemes: &str, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = phonemes.trim();
        while !rest.is_empty() {
            let (chunk, tail) = take_chunk(rest, max, max);
            out.push(chunk.to_owned());
            rest = tail;
        }
        out
    }

    #[test]
    fn short_sentences_stay_whole() {
        assert_eq!(chunk_phonemes("hˈI, ðˈɛɹ.", 510), vec!["hˈI, ðˈɛɹ."]);
    }

    #[test]
    fn long_sentences_cut_at_clauses_then_words_then_anywhere() {
        let clause = "ab cd ef,"; // 9 symbols
        let text = [clause; 4].join(" ");
        let chunks = chunk_phonemes(&text, 20);
        assert_eq!(chunks, vec!["ab cd ef, ab cd ef,", "ab cd ef, ab cd ef,"]);

        // Between words, never leaving a clause's last word alone when a word more goes
        // back with it ("mno" would be: the cut moves back).
        let words = "abc def ghi jkl mno";
        assert_eq!(chunk_phonemes(words, 8), vec!["abc", "def ghi", "jkl mno"]);

        let giant = "x".repeat(25);
        assert_eq!(
            chunk_phonemes(&giant, 10)
                .iter()
                .map(String::len)
                .collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
    }

    /// A cap inside a clause's last words (a stream about to run dry): the cut goes back
    /// until the words after it are a phrase, not the last word alone ("check it | soon."
    /// was heard as "check it. So no." by the ear).
    #[test]
    fn a_cut_between_words_leaves_the_clause_more_than_its_last_word() {
        let clause = "bɪkˈʌz ðə kəndˈʌktɚ wɪl ʧˈɛk ɪt sˈuːn.";
        let n = clause.chars().count();
        for max in n - 5..n {
            let (head, tail) = take_chunk(clause, max, max);
            assert_eq!(head, "bɪkˈʌz ðə kəndˈʌktɚ wɪl", "max {max}");
            assert_eq!(tail, "ʧˈɛk ɪt sˈuːn.", "max {max}");
        }
        // Where no break leaves enough, the last break within the cap still cuts.
        assert_eq!(take_chunk("ab cd", 3, 3), ("ab", "cd"));
    }

    #[test]
    fn every_chunk_fits_and_nothing_is_lost() {
        let text = "ðɪs ɪz ə vˈɛɹi lˈɔŋ sˈɛntəns, wɪð ˈɛvɹi kˈIn∂ ʌv θˈɪŋ; ænd mˈɔɹ ".repeat(40)
            + &"q".repeat(1300)
            + " ˈɛnd.";
        for max in [7, 50, 510] {
            let chunks = chunk_phonemes(&text, max);
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
