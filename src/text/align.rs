//! Which words of the input a spoken word belongs to, so captions carry the words the user
//! wrote: "$23.50" is one caption word spanning "twenty three dollars and fifty cents";
//! Markdown marks and emoji, which are not spoken, get none.
//!
//! The normalizer is a chain of rewriting rules; rather than have every rule report what it
//! replaced, the written and the spoken text are aligned afterwards by their words. Words
//! that read the same on both sides (letters and digits, case folded) are anchors, matched
//! in order as a longest common subsequence; what lies between two anchors on the written
//! side ("$23.50", "7:15 a.m.", an URL) is one caption word, spoken as whatever lies between
//! them on the spoken side. Among the pairings with the most anchors, the one that leaves
//! the fewest written words with nothing spoken in their gap wins ("2 two" spoken "two
//! two": "2" is the first "two"). A written word with nothing spoken for it gets no caption.

use std::ops::Range;

/// A caption word: a byte range of the written text.
pub type Span = Range<usize>;

/// A word of a text, with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub range: Range<usize>,
    /// Its letters and digits, lower case: what must match for an anchor.
    pub key: String,
}

/// The whitespace-separated words of `text`.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(Word {
                    range: s..i,
                    key: key(&text[s..i]),
                });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// A word's letters and digits as the normalizer reads them: letters written in a
/// compatibility form (`ｃａｔ`, `ﬁne`, `Ⓗⓔⓛⓛⓞ`) are folded first, so each is an anchor
/// of its own; left as written, two such words side by side were one gap and one caption
/// entry. The fold of the widest script: a key only has to equal the spoken word's.
fn key(word: &str) -> String {
    crate::text::normalize::compat::fold(word, crate::language::Script::Japanese)
        .chars()
        .filter(|&c| crate::language::is_word_char(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each word of `spoken` (the normalized text), the caption word of `written` it
/// belongs to (an index into the returned spans), and the caption words in order. Spoken
/// words with no written counterpart (none in practice: every spoken word comes from
/// something written) join the caption word before them.
pub fn align(written: &str, spoken: &str) -> (Vec<Option<usize>>, Vec<Span>) {
    let w = words(written);
    let s = words(spoken);
    let anchors = common_subsequence(&w, &s);
    let mut captions: Vec<Span> = Vec::new();
    let mut of_spoken: Vec<Option<usize>> = vec![None; s.len()];
    let (mut wi, mut si) = (0, 0);
    // Each anchor closes the gap before it; a sentinel closes the last one.
    for (aw, asp) in anchors
        .iter()
        .copied()
        .chain(std::iter::once((w.len(), s.len())))
    {
        // The gap: written words wi..aw, spoken words si..asp.
        if si < asp {
            let caption = if wi < aw {
                captions.push(w[wi].range.start..w[aw - 1].range.end);
                Some(captions.len() - 1)
            } else {
                captions.len().checked_sub(1)
            };
            for slot in &mut of_spoken[si..asp] {
                *slot = caption;
            }
        }
        if aw < w.len() && asp < s.len() {
            captions.push(w[aw].range.clone());
            of_spoken[asp] = Some(captions.len() - 1);
        }
        wi = aw + 1;
        si = asp + 1;
    }
    (of_spoken, captions)
}

/// Pairs (written index, spoken index) of words with equal, non-empty keys, as many as can
/// be matched in order; among the pairings with that many, one that leaves the fewest
/// written words with no spoken word in their gap. A written word the spoken text says
/// in other words ("2", "Dr.", "$5", "🐱") is no anchor, and its reading may end in the next
/// written word: "2 two" spoken "two two" pairs the written "two" with the second "two",
/// so "2" is the first, not nothing; "🐱 cat" spoken "cat face cat" makes "🐱" "cat face".
///
/// A dynamic program over (written word, spoken word, state of the open gap). Within a gap
/// its spoken words are taken before its written ones (any pairing can be walked that way),
/// so a written word taken while the gap has no spoken word will have none: it costs one.
/// Texts are a segment long (at most a few hundred words), so the tables are small.
fn common_subsequence(w: &[Word], s: &[Word]) -> Vec<(usize, usize)> {
    /// States of the open gap: nothing yet; spoken words only; spoken then written words;
    /// written words only (each one left without a spoken word).
    const EMPTY: usize = 0;
    const SPOKEN: usize = 1;
    const BOTH: usize = 2;
    const ORPHANS: usize = 3;
    /// A state that cannot reach the end (spoken words left after the gap's written ones).
    const DEAD: i64 = i64::MIN / 4;
    let (n, m) = (w.len(), s.len());
    // A score is anchors × scale − orphans: one more anchor outweighs every orphan.
    let scale = n as i64 + 1;
    let cells = (n + 1) * (m + 1);
    let mut score = vec![DEAD; 4 * cells];
    let at = |state: usize, i: usize, j: usize| state * cells + i * (m + 1) + j;
    let anchor =
        |i: usize, j: usize| i < n && j < m && !w[i].key.is_empty() && w[i].key == s[j].key;
    // The moves from (i, j) in `state`, in order of preference on a tie: pair the two words,
    // take the spoken word into the gap, take the written word into the gap.
    let moves = |state: usize, i: usize, j: usize| {
        let pair = anchor(i, j).then(|| (EMPTY, i + 1, j + 1, scale));
        let spoken = (j < m && matches!(state, EMPTY | SPOKEN)).then(|| (SPOKEN, i, j + 1, 0));
        let written = (i < n).then(|| match state {
            SPOKEN | BOTH => (BOTH, i + 1, j, 0),
            _ => (ORPHANS, i + 1, j, -1),
        });
        [pair, spoken, written].into_iter().flatten()
    };
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            for state in [EMPTY, SPOKEN, BOTH, ORPHANS] {
                let best = if i == n && j == m {
                    0
                } else {
                    moves(state, i, j)
                        .map(|(next, i2, j2, gain)| score[at(next, i2, j2)] + gain)
                        .max()
                        .unwrap_or(DEAD)
                };
                score[at(state, i, j)] = best;
            }
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j, mut state) = (0, 0, EMPTY);
    while i < n || j < m {
        let best = score[at(state, i, j)];
        let Some((next, i2, j2, _)) =
            moves(state, i, j).find(|&(next, i2, j2, gain)| score[at(next, i2, j2)] + gain == best)
        else {
            break;
        };
        if next == EMPTY {
            pairs.push((i, j));
        }
        (i, j, state) = (i2, j2, next);
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caption word of each spoken word, as text.
    fn captions_of(written: &str, spoken: &str) -> Vec<(String, String)> {
        let (of_spoken, captions) = align(written, spoken);
        words(spoken)
            .iter()
            .zip(&of_spoken)
            .map(|(w, c)| {
                (
                    spoken[w.range.clone()].to_owned(),
                    c.map_or(String::new(), |c| written[captions[c].clone()].to_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn rewritten_words_belong_to_what_was_written() {
        let written = "Your total is $23.50, due by 7:15 a.m. on March 14.";
        let spoken = "Your total is twenty three dollars and fifty cents, due by seven fifteen A M on March fourteenth.";
        let got = captions_of(written, spoken);
        let caption = |word: &str| {
            got.iter()
                .find(|(w, _)| w == word)
                .map(|(_, c)| c.as_str())
                .unwrap_or("?")
        };
        assert_eq!(caption("Your"), "Your");
        assert_eq!(caption("twenty"), "$23.50,");
        assert_eq!(caption("cents,"), "$23.50,");
        assert_eq!(caption("seven"), "7:15 a.m.");
        assert_eq!(caption("M"), "7:15 a.m.");
        assert_eq!(caption("March"), "March");
        assert_eq!(caption("fourteenth."), "14.");
        // One caption word per written word or group, in order, no repeats.
        let (_, captions) = align(written, spoken);
        assert!(captions.windows(2).all(|p| p[0].end <= p[1].start));
    }

    #[test]
    fn what_is_not_spoken_gets_no_caption() {
        let written = "**Note:** it works 😀 — really!";
        let spoken = "Note: it works, really!";
        let (of_spoken, captions) = align(written, spoken);
        let texts: Vec<&str> = captions.iter().map(|c| &written[c.clone()]).collect();
        assert_eq!(texts, vec!["**Note:**", "it", "works", "really!"]);
        assert!(of_spoken.iter().all(Option::is_some));
    }

    #[test]
    fn a_symbol_whose_name_ends_in_the_next_word_keeps_its_caption() {
        let written = "The 🐱 cat sat on the mat.";
        let got = captions_of(written, "The cat face cat sat on the mat.");
        let captions: Vec<&str> = got.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(
            captions,
            ["The", "🐱", "🐱", "cat", "sat", "on", "the", "mat."]
        );
        let (_, spans) = align(written, "The cat face cat sat on the mat.");
        assert_eq!(spans.len(), words(written).len());
        let got = captions_of("The 🐶 dog ran.", "The dog face dog ran.");
        assert_eq!(
            got[1..3],
            [("dog".into(), "🐶".into()), ("face".into(), "🐶".into())]
        );
        assert_eq!(got[3], ("dog".into(), "dog".into()));
    }

    /// A word read in other words ("2", "101", "Dr.", "$5") whose reading ends in the next
    /// written word keeps its caption: every written word has one, in order.
    #[test]
    fn a_reading_that_ends_in_the_next_word_keeps_its_caption() {
        for (written, spoken, first) in [
            ("I have 2 two cats.", "I have two two cats.", ("two", "2")),
            (
                "Room 101 one oh one.",
                "Room one hundred one one oh one.",
                ("hundred", "101"),
            ),
            (
                "Dr. Doctor Who is here.",
                "Doctor Doctor Who is here.",
                ("Doctor", "Dr."),
            ),
            (
                "It costs $5 five dollars.",
                "It costs five dollars five dollars.",
                ("dollars", "$5"),
            ),
            (
                "Mr. Mister Smith left.",
                "Mister Mister Smith left.",
                ("Mister", "Mr."),
            ),
            ("Apollo 11 eleven", "Apollo eleven eleven", ("eleven", "11")),
            (
                "Catch-22 twenty-two",
                "Catch twenty-two twenty-two",
                ("twenty-two", "Catch-22"),
            ),
        ] {
            let (_, spans) = align(written, spoken);
            let texts: Vec<&str> = spans.iter().map(|c| &written[c.clone()]).collect();
            let want: Vec<&str> = written.split_whitespace().collect();
            assert_eq!(texts, want, "{written}");
            let got = captions_of(written, spoken);
            let (word, caption) = first;
            let found = got.iter().find(|(w, _)| w == word).map(|(_, c)| c.as_str());
            assert_eq!(found, Some(caption), "{written}: {got:?}");
        }
        // A word read as written stays its own anchor.
        let (_, spans) = align("two 2", "two two");
        assert_eq!(spans, vec![0..3, 4..5]);
    }

    /// Words written in compatibility forms, side by side, are a caption word each.
    #[test]
    fn folded_words_keep_their_own_caption() {
        for (written, spoken) in [
            (
                "The ｃａｔ and ﬁne Ⓗⓔⓛⓛⓞ cat.",
                "The cat and fine Hello cat.",
            ),
            ("ꜱᴍᴀʟʟ 𝐇𝐞𝐥𝐥𝐨 ｗｏｒｌｄ now", "small Hello world now"),
        ] {
            let (of_spoken, spans) = align(written, spoken);
            let texts: Vec<&str> = spans.iter().map(|c| &written[c.clone()]).collect();
            let want: Vec<&str> = written.split_whitespace().collect();
            assert_eq!(texts, want, "{written}");
            assert_eq!(of_spoken, (0..want.len()).map(Some).collect::<Vec<_>>());
        }
    }

    #[test]
    fn symbols_read_as_words_are_their_own_caption() {
        let (of_spoken, captions) = align("salt & pepper", "salt and pepper");
        assert_eq!(of_spoken, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(captions, vec![0..4, 5..6, 7..13]);
    }
}
