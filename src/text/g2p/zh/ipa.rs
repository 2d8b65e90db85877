//! One pinyin syllable → Kokoro v1.0's symbols, as misaki writes them for v1.0
//! (`misaki/transcription.py`: `pinyin_to_ipa`, first variant of each sound; `misaki/zh.py`:
//! `ZHG2P.retone` for the tone letters and the apical vowels, and `legacy_call` dropping
//! U+032F). The tone arrow follows the syllable's vowel, before a final n or ŋ.

/// A syllable: toneless pinyin (`ü` written `v` or `ü`) and its tone, 1-4, or 5 for the
/// neutral tone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syl {
    pub base: &'static str,
    pub tone: u8,
}

impl Syl {
    pub const fn new(base: &'static str, tone: u8) -> Self {
        Syl { base, tone }
    }

    /// `"hang2"` → (`hang`, 2); no digit is the neutral tone (the pinyin crate's style).
    pub fn parse(numbered: &'static str) -> Option<Syl> {
        let (base, tone) = match numbered.as_bytes().last() {
            Some(d @ b'1'..=b'5') => (&numbered[..numbered.len() - 1], d - b'0'),
            Some(_) => (numbered, 5),
            None => return None,
        };
        (!base.is_empty()).then_some(Syl { base, tone })
    }

    /// The same syllable with another tone.
    pub fn with_tone(self, tone: u8) -> Syl {
        Syl { tone, ..self }
    }
}

/// misaki's `TONE_MAPPING` after `retone`: ˥ → ↗ ↓ ↘, the neutral tone unmarked.
fn tone_mark(tone: u8) -> &'static str {
    match tone {
        1 => "→",
        2 => "↗",
        3 => "↓",
        4 => "↘",
        _ => "",
    }
}

/// `INITIAL_MAPPING` (first variant); two-letter initials first.
const INITIALS: [(&str, &str); 21] = [
    ("zh", "ꭧ"),
    ("ch", "ꭧʰ"),
    ("sh", "ʂ"),
    ("b", "p"),
    ("p", "pʰ"),
    ("m", "m"),
    ("f", "f"),
    ("d", "t"),
    ("t", "tʰ"),
    ("n", "n"),
    ("l", "l"),
    ("g", "k"),
    ("k", "kʰ"),
    ("h", "x"),
    ("j", "ʨ"),
    ("q", "ʨʰ"),
    ("x", "ɕ"),
    ("r", "ɻ"),
    ("z", "ʦ"),
    ("c", "ʦʰ"),
    ("s", "s"),
];

/// `FINAL_MAPPING` as (onset glide, vowel carrying the tone, coda); `ü` spelled `v`.
fn final_parts(fin: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match fin {
        "a" => ("", "a", ""),
        "ai" => ("", "ai", ""),
        "an" => ("", "a", "n"),
        "ang" => ("", "a", "ŋ"),
        "ao" => ("", "au", ""),
        "e" => ("", "ɤ", ""),
        "ei" => ("", "ei", ""),
        "en" => ("", "ə", "n"),
        "eng" => ("", "ə", "ŋ"),
        "i" => ("", "i", ""),
        "ia" => ("j", "a", ""),
        "ian" => ("j", "ɛ", "n"),
        "iang" => ("j", "a", "ŋ"),
        "iao" => ("j", "au", ""),
        "ie" => ("j", "e", ""),
        "in" => ("", "i", "n"),
        "iou" => ("j", "ou", ""),
        "ing" => ("", "i", "ŋ"),
        "iong" => ("j", "ʊ", "ŋ"),
        "ong" => ("", "ʊ", "ŋ"),
        "ou" => ("", "ou", ""),
        "u" => ("", "u", ""),
        "uei" => ("w", "ei", ""),
        "ua" => ("w", "a", ""),
        "uai" => ("w", "ai", ""),
        "uan" => ("w", "a", "n"),
        "uen" => ("w", "ə", "n"),
        "uang" => ("w", "a", "ŋ"),
        "ueng" => ("w", "ə", "ŋ"),
        "uo" | "o" => ("w", "o", ""),
        "v" => ("", "y", ""),
        "ve" => ("ɥ", "e", ""),
        "van" => ("ɥ", "ɛ", "n"),
        "vn" => ("", "y", "n"),
        // "yo" (哟): misaki has it only as the interjection "io".
        "io" => ("j", "ɔ", ""),
        _ => return None,
    })
}

/// Appends the symbols of `syl` to `out`; false (and nothing appended) for a syllable that is
/// not pinyin.
pub fn push(syl: Syl, out: &mut String) -> bool {
    let tone = tone_mark(syl.tone);
    let mut base = [0u8; 8];
    let Some(base) = ascii_base(syl.base, &mut base) else {
        return false;
    };
    // Whole-syllable interjections and syllabic consonants (INTERJECTION_MAPPINGS,
    // SYLLABIC_CONSONANT_MAPPINGS).
    let whole = match base {
        "io" => Some(("j", "ɔ")),
        "E" => Some(("", "ɛ")),
        "er" => Some(("", "ɚ")),
        "o" => Some(("", "ɔ")),
        "hm" => Some(("h", "m")),
        "hng" => Some(("h", "ŋ")),
        "m" => Some(("", "m")),
        "n" => Some(("", "n")),
        "ng" => Some(("", "ŋ")),
        _ => None,
    };
    if let Some((onset, nucleus)) = whole {
        out.push_str(onset);
        out.push_str(nucleus);
        out.push_str(tone);
        return true;
    }
    let (initial, rest) = INITIALS
        .iter()
        .find_map(|&(py, ipa)| base.strip_prefix(py).map(|rest| ((py, ipa), rest)))
        .map_or((None, base), |(i, rest)| (Some(i), rest));
    let fin = strict_final(initial.map(|(py, _)| py), rest);
    let Some(fin) = fin else { return false };
    let parts = match (initial.map(|(py, _)| py), fin.as_str()) {
        // zhi chi shi ri, zi ci si: the apical vowel, ɨ after retone.
        (Some("zh" | "ch" | "sh" | "r" | "z" | "c" | "s"), "i") => Some(("", "ɨ", "")),
        (_, f) => final_parts(f),
    };
    let Some((glide, vowel, coda)) = parts else {
        return false;
    };
    if let Some((_, ipa)) = initial {
        out.push_str(ipa);
    }
    out.push_str(glide);
    out.push_str(vowel);
    out.push_str(tone);
    out.push_str(coda);
    true
}

/// The syllable in ASCII (ü → v, ê → E), or None when it is not a short Latin syllable.
fn ascii_base<'a>(base: &str, buf: &'a mut [u8; 8]) -> Option<&'a str> {
    let mut n = 0;
    for c in base.chars() {
        let b = match c {
            'a'..='z' => c as u8,
            'ü' => b'v',
            'ê' => b'E',
            _ => return None,
        };
        *buf.get_mut(n)? = b;
        n += 1;
    }
    std::str::from_utf8(buf.get(..n)?)
        .ok()
        .filter(|s| !s.is_empty())
}

/// pypinyin's `to_finals(strict=True)`: y- and w- spellings and the abbreviations iu ui un
/// written out, ü restored after j q x.
fn strict_final(initial: Option<&str>, rest: &str) -> Option<String> {
    if rest.is_empty() {
        return None;
    }
    Some(match initial {
        None => {
            if let Some(r) = rest.strip_prefix('y') {
                match r {
                    "i" => "i".into(),
                    "in" | "ing" => r.into(),
                    "u" => "v".into(),
                    "ue" | "uan" | "un" => format!("v{}", &r[1..]),
                    "ou" => "iou".into(),
                    "o" => "io".into(),
                    _ if r.starts_with('i') => r.into(),
                    _ => format!("i{r}"),
                }
            } else if let Some(r) = rest.strip_prefix('w') {
                match r {
                    "u" => "u".into(),
                    _ => format!("u{r}"),
                }
            } else {
                rest.into()
            }
        }
        Some("j" | "q" | "x") => match rest.strip_prefix('u') {
            Some(r) => format!("v{r}"),
            None if rest == "iu" => "iou".into(),
            None => rest.into(),
        },
        Some(_) => match rest {
            "iu" => "iou".into(),
            "ui" => "uei".into(),
            "un" => "uen".into(),
            _ => rest.into(),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test fails loudly where it cannot go on
mod tests {
    use super::*;

    fn ipa(numbered: &'static str) -> String {
        let mut out = String::new();
        assert!(push(Syl::parse(numbered).unwrap(), &mut out), "{numbered}");
        out
    }

    #[test]
    fn syllables_are_written_as_misaki_writes_them_for_v1_0() {
        // misaki 0.9.4, ZHG2P() (version None): 你好 ni↓xau↓, 展览馆 ꭧa↓nla↓nkwa↓n, 银行
        // i↗nxa↗ŋ, 觉得 ʨɥe↗tɤ, 日 ɻɨ↘, 四 sɨ↘, 下午 ɕja↘u↓, 五 u↓, 点 tjɛ↓n, 时间 ʂɨ↗ʨjɛ→n.
        for (py, want) in [
            ("ni3", "ni↓"),
            ("hao3", "xau↓"),
            ("zhan3", "ꭧa↓n"),
            ("guan3", "kwa↓n"),
            ("yin2", "i↗n"),
            ("hang2", "xa↗ŋ"),
            ("jue2", "ʨɥe↗"),
            ("de", "tɤ"),
            ("ri4", "ɻɨ↘"),
            ("si4", "sɨ↘"),
            ("xia4", "ɕja↘"),
            ("wu3", "u↓"),
            ("dian3", "tjɛ↓n"),
            ("jian1", "ʨjɛ→n"),
            ("chi1", "ꭧʰɨ→"),
            ("qu4", "ʨʰy↘"),
            ("xue2", "ɕɥe↗"),
            ("yuan2", "ɥɛ↗n"),
            ("jun1", "ʨy→n"),
            ("you3", "jou↓"),
            ("liu2", "ljou↗"),
            ("gui4", "kwei↘"),
            ("dun4", "twə↘n"),
            ("wo3", "wo↓"),
            ("bo1", "pwo→"),
            ("er4", "ɚ↘"),
            ("n2", "n↗"),
            ("lv4", "ly↘"),
            ("lü4", "ly↘"),
            ("xiong2", "ɕjʊ↗ŋ"),
            ("weng1", "wə→ŋ"),
            ("ye4", "je↘"),
            ("yi1", "i→"),
            ("jiu3", "ʨjou↓"),
            ("xiu1", "ɕjou→"),
        ] {
            assert_eq!(ipa(py), want, "{py}");
        }
    }

    #[test]
    fn what_is_not_pinyin_writes_nothing() {
        let mut out = String::new();
        for bad in ["", "xyz", "qqqq", "a very long thing", "zhng"] {
            assert!(!push(Syl::new(bad, 1), &mut out), "{bad}");
        }
        assert!(out.is_empty());
    }
}
