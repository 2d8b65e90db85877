//! Kana → Kokoro symbols: misaki's Japanese front end for Kokoro v1.0 (misaki/cutlet.py, its
//! `HEPBURN` table and `Cutlet._get_single_mapping`; misaki adapted them from polm/cutlet),
//! ported rule for rule. (misaki's other mode, misaki/ja.py's pyopenjtalk `M2P` table, writes
//! symbols such as ᶄ and ƫ that Kokoro v1.0's vocabulary lacks: v1.0 was trained on this one.)
//!
//! The input is one word's reading in hiragana (the analyser's katakana pronunciation, which
//! already spells long vowels with ー and the particles は, へ as わ, え). Each kana is read
//! with its neighbours inside the word: yōon digraphs (きゃ kʲa), small vowels after any kana
//! (みぇ mʲe), ー as a length mark ː, っ as a glottal stop ʔ, and ん assimilated to what follows
//! (m before m p b, ŋ before k ɡ, ɲ before ɲ ʨ ʥ, n before n t d ɾ z, else ɴ).

/// One kana (hiragana, and the four katakana ヷヸヹヺ that have no hiragana form).
fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'ぁ' | 'あ' => "a",
        'ぃ' | 'い' => "i",
        'ぅ' | 'う' => "ɯ",
        'ぇ' | 'え' => "e",
        'ぉ' | 'お' => "o",
        'か' => "ka",
        'が' => "ɡa",
        'き' => "kʲi",
        'ぎ' => "ɡʲi",
        'く' => "kɯ",
        'ぐ' => "ɡɯ",
        'け' => "ke",
        'げ' => "ɡe",
        'こ' => "ko",
        'ご' => "ɡo",
        'さ' => "sa",
        'ざ' => "ʣa",
        'し' => "ɕi",
        'じ' => "ʥi",
        'す' => "sɨ",
        'ず' => "zɨ",
        'せ' => "se",
        'ぜ' => "ʣe",
        'そ' => "so",
        'ぞ' => "ʣo",
        'た' => "ta",
        'だ' => "da",
        'ち' => "ʨi",
        'ぢ' => "ʥi",
        'つ' => "ʦɨ",
        'づ' => "zɨ",
        'て' => "te",
        'で' => "de",
        'と' => "to",
        'ど' => "do",
        'な' => "na",
        'に' => "ɲi",
        'ぬ' => "nɯ",
        'ね' => "ne",
        'の' => "no",
        'は' => "ha",
        'ば' => "ba",
        'ぱ' => "pa",
        'ひ' => "çi",
        'び' => "bʲi",
        'ぴ' => "pʲi",
        'ふ' => "ɸɯ",
        'ぶ' => "bɯ",
        'ぷ' => "pɯ",
        'へ' => "he",
        'べ' => "be",
        'ぺ' => "pe",
        'ほ' => "ho",
        'ぼ' => "bo",
        'ぽ' => "po",
        'ま' => "ma",
        'み' => "mʲi",
        'む' => "mɯ",
        'め' => "me",
        'も' => "mo",
        'ゃ' | 'や' => "ja",
        'ゅ' | 'ゆ' => "jɯ",
        'ょ' | 'よ' => "jo",
        'ら' => "ɾa",
        'り' => "ɾʲi",
        'る' => "ɾɯ",
        'れ' => "ɾe",
        'ろ' => "ɾo",
        'ゎ' | 'わ' => "βa",
        'ゐ' => "i",
        'ゑ' => "e",
        'を' => "o",
        'ゔ' => "vɯ",
        'ゕ' => "ka",
        'ゖ' => "ke",
        'ヷ' => "va",
        'ヸ' => "vʲi",
        'ヹ' => "ve",
        'ヺ' => "vo",
        // Symbols misaki's table maps when they reach it inside a reading.
        '、' | '，' => ",",
        '。' => ".",
        '？' => "?",
        '！' => "!",
        _ => return None,
    })
}

/// Two kana read as one mora (misaki's digraph entries).
fn digraph(a: char, b: char) -> Option<&'static str> {
    Some(match (a, b) {
        ('い', 'ぇ') => "je",
        ('う', 'ぃ') => "βi",
        ('う', 'ぇ') => "βe",
        ('う', 'ぉ') => "βo",
        ('き', 'ぇ') => "kʲe",
        ('き', 'ゃ') => "kʲa",
        ('き', 'ゅ') => "kʲɨ",
        ('き', 'ょ') => "kʲo",
        ('ぎ', 'ゃ') => "ɡʲa",
        ('ぎ', 'ゅ') => "ɡʲɨ",
        ('ぎ', 'ょ') => "ɡʲo",
        ('く', 'ぁ') => "kᵝa",
        ('く', 'ぃ') => "kᵝi",
        ('く', 'ぇ') => "kᵝe",
        ('く', 'ぉ') => "kᵝo",
        ('ぐ', 'ぁ') => "ɡᵝa",
        ('ぐ', 'ぃ') => "ɡᵝi",
        ('ぐ', 'ぇ') => "ɡᵝe",
        ('ぐ', 'ぉ') => "ɡᵝo",
        ('し', 'ぇ') => "ɕe",
        ('し', 'ゃ') => "ɕa",
        ('し', 'ゅ') => "ɕɨ",
        ('し', 'ょ') => "ɕo",
        ('じ', 'ぇ') => "ʥe",
        ('じ', 'ゃ') => "ʥa",
        ('じ', 'ゅ') => "ʥɨ",
        ('じ', 'ょ') => "ʥo",
        ('ち', 'ぇ') => "ʨe",
        ('ち', 'ゃ') => "ʨa",
        ('ち', 'ゅ') => "ʨɨ",
        ('ち', 'ょ') => "ʨo",
        ('ぢ', 'ゃ') => "ʥa",
        ('ぢ', 'ゅ') => "ʥɨ",
        ('ぢ', 'ょ') => "ʥo",
        ('つ', 'ぁ') => "ʦa",
        ('つ', 'ぃ') => "ʦʲi",
        ('つ', 'ぇ') => "ʦe",
        ('つ', 'ぉ') => "ʦo",
        ('て', 'ぃ') => "tʲi",
        ('て', 'ゅ') => "tʲɨ",
        ('で', 'ぃ') => "dʲi",
        ('で', 'ゅ') => "dʲɨ",
        ('と', 'ぅ') => "tɯ",
        ('ど', 'ぅ') => "dɯ",
        ('に', 'ぇ') => "ɲe",
        ('に', 'ゃ') => "ɲa",
        ('に', 'ゅ') => "ɲɨ",
        ('に', 'ょ') => "ɲo",
        ('ひ', 'ぇ') => "çe",
        ('ひ', 'ゃ') => "ça",
        ('ひ', 'ゅ') => "çɨ",
        ('ひ', 'ょ') => "ço",
        ('び', 'ゃ') => "bʲa",
        ('び', 'ゅ') => "bʲɨ",
        ('び', 'ょ') => "bʲo",
        ('ぴ', 'ゃ') => "pʲa",
        ('ぴ', 'ゅ') => "pʲɨ",
        ('ぴ', 'ょ') => "pʲo",
        ('ふ', 'ぁ') => "ɸa",
        ('ふ', 'ぃ') => "ɸʲi",
        ('ふ', 'ぇ') => "ɸe",
        ('ふ', 'ぉ') => "ɸo",
        ('ふ', 'ゅ') => "ɸʲɨ",
        ('ふ', 'ょ') => "ɸʲo",
        ('み', 'ゃ') => "mʲa",
        ('み', 'ゅ') => "mʲɨ",
        ('み', 'ょ') => "mʲo",
        ('り', 'ゃ') => "ɾʲa",
        ('り', 'ゅ') => "ɾʲɨ",
        ('り', 'ょ') => "ɾʲo",
        ('ゔ', 'ぁ') => "va",
        ('ゔ', 'ぃ') => "vʲi",
        ('ゔ', 'ぇ') => "ve",
        ('ゔ', 'ぉ') => "vo",
        ('ゔ', 'ゅ') => "bʲɨ",
        ('ゔ', 'ょ') => "bʲo",
        _ => return None,
    })
}

/// Small kana that combine with the kana before them (misaki's `SUTEGANA`).
fn is_sutegana(c: char) -> bool {
    matches!(c, 'ゃ' | 'ゅ' | 'ょ' | 'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ')
}

/// Katakana → hiragana (jaconv's `kata2hira`): ァ..ヶ shift down; ー and ヷ..ヺ stay.
pub fn to_hiragana(c: char) -> char {
    match c {
        'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Long vowels as UniDic spells them (misaki reads UniDic's pronunciation field): inside one
/// morpheme, e + い, i + い and u + う are a long vowel (先生 センセイ → センセー, 新しい
/// アタラシイ → アタラシー, 縫う ヌウ → ヌー), where NAIST-jdic writes them as read
/// (it already writes o + う as ー).
pub fn lengthen(reading: &mut [char]) {
    for k in 1..reading.len() {
        if matches!(
            (vowel(reading[k - 1]), reading[k]),
            (Some('e' | 'i'), 'い') | (Some('u'), 'う')
        ) {
            reading[k] = 'ー';
        }
    }
}

/// The vowel a hiragana ends in (None for ん, っ, ー and anything else).
fn vowel(c: char) -> Option<char> {
    const ROWS: [(&str, char); 5] = [
        ("ぁあかがさざただなはばぱまゃやらゎわゕヷ", 'a'),
        ("ぃいきぎしじちぢにひびぴみりゐヸ", 'i'),
        ("ぅうくぐすずつづぬふぶぷむゅゆるゔ", 'u'),
        ("ぇえけげせぜてでねへべぺめれゑゖヹ", 'e'),
        ("ぉおこごそぞとどのほぼぽもょよろをヺ", 'o'),
    ];
    ROWS.iter()
        .find(|(row, _)| row.contains(c))
        .map(|&(_, v)| v)
}

/// Appends the phonemes of one word's reading (hiragana) to `out`.
pub fn push_word(hira: &[char], out: &mut String) {
    for (i, &kk) in hira.iter().enumerate() {
        let pk = i.checked_sub(1).map(|j| hira[j]);
        let nk = hira.get(i + 1).copied();
        push_kana(pk, kk, nk, out);
    }
}

/// One kana with its neighbours inside the word (`Cutlet._get_single_mapping`).
fn push_kana(pk: Option<char>, kk: char, nk: Option<char>, out: &mut String) {
    // Iteration marks: misaki finds none in dictionary readings; repeat the kana before.
    if matches!(kk, 'ゝ' | 'ヽ' | 'ゞ' | 'ヾ') {
        let voiced = matches!(kk, 'ゞ' | 'ヾ');
        if let Some(p) = pk.map(|p| if voiced { add_dakuten(p) } else { Some(p) }) {
            out.push_str(p.and_then(single).unwrap_or(""));
        }
        return;
    }
    if let Some(ps) = pk.and_then(|p| digraph(p, kk)) {
        out.push_str(ps);
        return;
    }
    if nk.is_some_and(|n| digraph(kk, n).is_some()) {
        return;
    }
    if let Some(n) = nk.filter(|&n| is_sutegana(n)) {
        if kk == 'っ' {
            return;
        }
        // A kana and a small vowel with no digraph entry: the kana's consonant, then the
        // small kana's sound (みぇ: mʲ + e).
        if let (Some(k), Some(s)) = (single(kk), single(n)) {
            let mut cs = k.chars();
            cs.next_back();
            out.push_str(cs.as_str());
            out.push_str(s);
            return;
        }
    }
    if is_sutegana(kk) {
        return;
    }
    match kk {
        'ー' => out.push('ː'),
        'っ' => out.push('ʔ'),
        'ん' => out.push(match nk.and_then(single).and_then(|s| s.chars().next()) {
            Some('m' | 'p' | 'b') => 'm',
            Some('k' | 'ɡ') => 'ŋ',
            Some('ɲ' | 'ʨ' | 'ʥ') => 'ɲ',
            Some('n' | 't' | 'd' | 'ɾ' | 'z') => 'n',
            _ => 'ɴ',
        }),
        _ => out.push_str(single(kk).unwrap_or("")),
    }
}

/// The voiced form of a kana (misaki's `add_dakuten`), for ゞ.
fn add_dakuten(c: char) -> Option<char> {
    const PLAIN: &str = "かきくけこさしすせそたちつてとはひふへほ";
    const VOICED: &str = "がぎぐげござじずぜぞだぢづでどばびぶべぼ";
    let i = PLAIN.chars().position(|p| p == c)?;
    VOICED.chars().nth(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> String {
        let hira: Vec<char> = s.chars().map(to_hiragana).collect();
        let mut out = String::new();
        push_word(&hira, &mut out);
        out
    }

    #[test]
    fn plain_kana_and_digraphs() {
        assert_eq!(word("カタカナ"), "katakana");
        assert_eq!(word("トーキョー"), "toːkʲoː");
        assert_eq!(word("シャシン"), "ɕaɕiɴ");
        assert_eq!(word("ティーシャツ"), "tʲiːɕaʦɨ");
        assert_eq!(word("ファイル"), "ɸaiɾɯ");
        assert_eq!(word("ヴァイオリン"), "vaioɾʲiɴ");
        // No digraph entry: the consonant of the kana, then the small vowel.
        assert_eq!(word("ミェ"), "mʲe");
    }

    #[test]
    fn sokuon_and_moraic_n() {
        assert_eq!(word("ガッコー"), "ɡaʔkoː");
        assert_eq!(word("サンポ"), "sampo");
        assert_eq!(word("テンキ"), "teŋkʲi");
        assert_eq!(word("コンニチワ"), "koɲɲiʨiβa");
        assert_eq!(word("ホンダ"), "honda");
        assert_eq!(word("ホン"), "hoɴ");
        assert_eq!(word("レンアイ"), "ɾeɴai");
        assert_eq!(word("シンジュク"), "ɕiɲʥɨkɯ");
    }

    #[test]
    fn particles_as_the_reading_spells_them() {
        // The analyser's pronunciation spells は and へ as ワ and エ; を is o.
        assert_eq!(word("ワ"), "βa");
        assert_eq!(word("エ"), "e");
        assert_eq!(word("ヲ"), "o");
    }

    #[test]
    fn long_vowels_as_unidic_spells_them() {
        let long = |s: &str| {
            let mut r: Vec<char> = s.chars().map(to_hiragana).collect();
            lengthen(&mut r);
            r.into_iter().collect::<String>()
        };
        assert_eq!(long("センセイ"), "せんせー");
        assert_eq!(long("アタラシイ"), "あたらしー");
        assert_eq!(long("ヌウ"), "ぬー");
        assert_eq!(long("キュウ"), "きゅー");
        // Not a long vowel: a + い, o + う is the dictionary's call, i + う (言う).
        assert_eq!(long("カイ"), "かい");
        assert_eq!(long("イウ"), "いう");
        assert_eq!(long("オウ"), "おう");
        assert_eq!(word("センセイ"), "seɴsei");
    }

    #[test]
    fn iteration_marks_and_strays() {
        assert_eq!(word("いすゞ"), "isɨzɨ");
        assert_eq!(word("ゝ"), "");
        assert_eq!(word("ッ"), "ʔ");
        assert_eq!(word("ャ"), "");
        assert_eq!(word("ーャ"), "ː");
    }
}
