"""The multilingual ear: transcribe speech files with Whisper base (multilingual, run by
faster-whisper) and score them against the text they should say: word error rate, or a
character error rate for Hindi (over a phonetic skeleton), Japanese (over kana readings) and
Mandarin (over toneless pinyin syllables), below.

Run it through scripts/multilingual-ear.sh, which installs the venv and the model. The
interface and the report are asr-check's (../shared/tools/asr-check):

    multilingual.py --model DIR [--max-wer 0.15] [--lang es] EXPECTED_TEXT FILE [...]
    multilingual.py --model DIR [--max-wer 0.15] [--lang es] --manifest PAIRS.tsv

A manifest's lines are FILE<TAB>EXPECTED_TEXT, or FILE<TAB>EXPECTED_TEXT<TAB>LANG where a
pair is in another language than --lang: one run (one model load) hears every language.

One line per file, "wer=0.050 ok   file=... heard=..." ("cer=" for Hindi, Japanese and
Mandarin), then
"N passed, M failed"; exit status 1 if any file's score is above --max-wer. A file named
twice in one run is transcribed once (a control can score the same audio against another
text at no cost). `--words-to PATH` also writes each file's word timestamps from the same
transcription, one JSON line per file as tests/asr/word_times.py prints them (faster-whisper
aligns words after decoding: in a file of one 30 s window, as the tests' are, the words heard
are the same).

Scoring, the same function on both sides (expected text and what was heard):

* English (--lang en): exactly asr-check's normalization (lower case, digits spelled out in
  English, a few abbreviations, apostrophes kept inside words).
* Other languages: Unicode NFC, case folded; digits spelled out in the language by num2words
  (es, fr, it, pt; thousands separators dropped first; "%" is the language's "per cent",
  "&" its "and"). Punctuation, apostrophes and hyphens separate words ("l'application" is
  "l application", "puis-je" is "puis je", "vingt-cinq" is "vingt cinq"). Latin-script
  languages are compared without accents ("à" and "a", "é" and "e" match: an accent is a
  spelling choice the ear makes, not a different sound heard). Nothing else is forgiven:
  a missing, extra or different word is an error.
* Hindi (--lang hi): Whisper base writes Hindi speech in Urdu (Perso-Arabic) script, now
  and then in Latin letters, even when told the language is Hindi, so no Devanagari word
  could match. Spoken Hindi and Urdu are the same Hindustani words, and what it writes
  sounds right ("آج موسم بہت اچھا ہے" is "आज मौसम बहुत अच्छा है"). So the expected text
  and what was heard are both spelled in one phonetic skeleton (skeleton_word: one table
  per script, Devanagari, Urdu, romanized Latin), roughly as Urdu spells: consonants, long
  vowels as a i u, short vowels unwritten but at a word's end; retroflex and dental t d
  merged, ज/ज़ one, फ/f one, doubled letters single, a final ā or h dropped. Words are
  joined (the scripts split them differently: آپ کی, आपकी) and the score is the character
  error rate over that skeleton: edits / length of the expected skeleton. Words are found
  as for the other languages (nukta dropped, chandrabindu is anusvara, "%" is प्रतिशत, "&"
  और); digits of any script are ASCII digits and nothing is spelled out, so a number heard
  as digits where the text has words (or the reverse) is an error. Nothing else is
  forgiven: a letter of any other script, a missing, extra or different sound is an error.
* Japanese (--lang ja): Whisper writes Japanese in its own mix of kanji, kana and digits
  (東京 or とうきょう, 3時 or 三時), so no word or spelling can be compared. Both the
  expected text and what was heard are turned into their reading in hiragana by one
  analyser (MeCab with UniDic-lite, through fugashi: each word's 仮名形, the reading as
  spelled, so 東京 and とうきょう are both とうきょう and は stays は), and the score is the
  character error rate over those readings: edits / length of the expected reading.
  Digits: after NFKC (full-width digits are ASCII), every number is written in kanji
  numerals before the analyser reads it, on both sides (1,500 → 千五百, 2025 → 二千二十五,
  3.5 → 三点五), so 3時, ３時 and 三時 read alike; a number heard as kana reads as the kana
  (a counter's sound change, さんぼん for 三本, then costs a letter). Latin letters are kept,
  lower-cased (iPhone heard as iPhone matches; heard as アイフォン it does not). Everything
  else (punctuation, spaces, symbols) is dropped. Nothing else is forgiven.
* Mandarin (--lang zh): a character error rate over pinyin syllables without tones
  (zh_tokens): each Chinese character is the set of its toneless readings (pypinyin, every
  reading of a polyphone), each Latin word one token, and two characters match when they
  share a reading. So simplified and traditional characters (银行, 銀行) and homophones the
  ear picks (在/再, 他/她, 的/地) are not errors, and nor is a polyphone read either way;
  tones are not scored: Whisper writes characters, and which of the homophones that differ
  only by tone it writes says more of its language model than of the tone it heard. Digits
  are written out in characters on both sides the same way (zh_numbers: cn2an, after times
  15:30 as 十五点半, money ¥23.50 as 二十三点五元, phone numbers and codes digit by digit,
  thousands separators dropped), and 幺 两 〇 count as 一 二 零, so "2025年", "二零二五年" and
  "二〇二五年" match. Nothing else is forgiven: a missing, extra or different syllable is an error.
"""
import argparse
import json
import os
import re
import sys
import tempfile
import unicodedata
import wave

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# --- English: asr-check's normalization, verbatim -------------------------------------
ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spell(n):
    """Digits to words, so '15' and 'fifteen' score alike (both sides go through this)."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        return ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + spell(n % 100))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            return spell(n // size) + " " + name + ("" if n % size == 0 else " " + spell(n % size))


def english_words(s):
    s = s.lower().replace("’", "'").replace("%", " percent ").replace("&", " and ")
    s = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", s)          # p.m. -> pm.
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)                   # 1,234 -> 1234
    s = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", s)    # 3pm -> 3 pm
    s = re.sub(r"\d+", lambda m: " " + spell(int(m.group())) + " " if len(m.group()) < 13 else m.group(), s)
    alias = {"dr": "doctor", "mr": "mister", "mrs": "missus", "mt": "mount", "ok": "okay", "vs": "versus"}
    return [alias.get(w, w) for w in re.sub(r"[^\w']+", " ", s).split()]


# --- Other languages ------------------------------------------------------------------
# Whisper's code -> (num2words' code or None, "per cent", "and").
LANGS = {
    "es": ("es", "por ciento", "y"),
    "fr": ("fr", "pour cent", "et"),
    "it": ("it", "per cento", "e"),
    "pt": ("pt_BR", "por cento", "e"),
    "hi": (None, "प्रतिशत", "और"),
}
LATIN = {"es", "fr", "it", "pt"}
DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
NUKTA, CHANDRABINDU, ANUSVARA = "\u093c", "\u0901", "\u0902"


def words(s, lang):
    if lang == "en":
        return english_words(s)
    speller, percent, and_ = LANGS.get(lang, (None, "%", "&"))
    s = unicodedata.normalize("NFC", s).casefold().translate(DEVANAGARI_DIGITS)
    s = s.replace("%", f" {percent} ").replace("&", f" {and_} ")
    # Thousands separators: 1.234, 1,234, 1 234 (also no-break spaces) -> 1234.
    s = re.sub(r"(?<=\d)[.,  \u00a0\u202f](?=\d{3}(?!\d))", "", s)
    s = re.sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " ", s)  # 3h -> 3 h
    if speller:
        from num2words import num2words
        s = re.sub(r"\d+", lambda m: " " + num2words(int(m.group()), lang=speller) + " "
                   if len(m.group()) < 13 else m.group(), s)
    s = unicodedata.normalize("NFD", s)
    if lang in LATIN:
        s = "".join(c for c in s if not unicodedata.category(c).startswith("M"))
    else:
        s = s.replace(NUKTA, "").replace(CHANDRABINDU, ANUSVARA)
    s = unicodedata.normalize("NFC", s)
    # Letters, marks and digits make words; everything else (punctuation, apostrophes,
    # hyphens, symbols, the danda) separates them.
    s = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in s)
    return s.split()


# --- Hindi: a script-neutral skeleton -------------------------------------------------
# Whisper base writes Hindi speech in Urdu script (sometimes in Latin letters), so both the
# expected text and what was heard are spelled in one skeleton alphabet, roughly as Urdu
# writes words: consonants, long vowels as a i u, short vowels unwritten. Any script's
# digits become ASCII digits and nothing is spelled out. Anything not in these tables (a
# letter of another script) is kept as it is, so it can only count as an error.
SKEL_DEVANAGARI = {
    # Consonants, without their inherent a. Retroflex ट ठ ड ढ are t th d dh like त थ द ध
    # (Latin letters do not tell them apart); श ष स are s; य व are i u (Urdu's ی و are
    # both); ज (and ज़, its nukta dropped) is j.
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n",
    "च": "c", "छ": "ch", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n",
    "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m",
    "य": "i", "र": "r", "ल": "l", "व": "u", "श": "s", "ष": "s", "स": "s", "ह": "h",
    # Vowel signs as Urdu writes them: ā a; ī e ai i; ū o au u; short i u unwritten. ृ is r,
    # anusvara (and chandrabindu) n, visarga h; the virama, a mark, is dropped.
    "ा": "a", "ि": "", "ी": "i", "ु": "", "ू": "u", "ृ": "r", "े": "i", "ै": "i", "ॅ": "i",
    "ो": "u", "ौ": "u", "ॉ": "u", "ं": "n", "ः": "h",
    # Independent vowels, the same (a word-initial one also gets an a: SKEL_ALEF).
    "अ": "", "आ": "a", "इ": "", "ई": "i", "उ": "", "ऊ": "u", "ऋ": "r", "ए": "i", "ऐ": "i",
    "ऍ": "i", "ओ": "u", "औ": "u", "ऑ": "u",
}
SKEL_URDU = {
    # Alef is a (ā, and the carrier of a word-initial vowel); ی ے are i and و is u, vowels
    # or y v; ھ is the h of aspiration (کھ kh, like ख). Letters from Arabic and Persian go
    # with the sound Hindi gives them: ث ص s; ذ ز ژ ض ظ j (ज and ज़ are one, above); ط t;
    # ح ہ h; ع a; ق k; خ kh; غ g. ٹ ڈ ڑ (retroflex) are t d d; hamza is nothing. Madda,
    # hamza above and the short-vowel marks are marks, dropped (آ is ا, ئ is ی).
    "ا": "a", "ب": "b", "پ": "p", "ت": "t", "ٹ": "t", "ث": "s", "ج": "j", "چ": "c",
    "ح": "h", "خ": "kh", "د": "d", "ڈ": "d", "ذ": "j", "ر": "r", "ڑ": "d", "ز": "j",
    "ژ": "j", "س": "s", "ش": "s", "ص": "s", "ض": "j", "ط": "t", "ظ": "j", "ع": "a",
    "غ": "g", "ف": "f", "ق": "k", "ک": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m",
    "ن": "n", "ں": "n", "و": "u", "ہ": "h", "ه": "h", "ھ": "h", "ۃ": "h", "ة": "h",
    "ی": "i", "ي": "i", "ى": "i", "ے": "i", "ء": "",
}
SKEL_LATIN = {
    # Romanized Hindi. Consonants as above: kh gh jh th dh ph bh come out as letter + h
    # (like ख, کھ); ch is च (chh, छ, is ch); sh is s; v w are u and y is i (व य); z is j.
    **{c: c for c in "bdfghjklmnprst"},
    "ch": "c", "sh": "s", "c": "k", "q": "k", "x": "ks",
    "v": "u", "w": "u", "y": "i", "z": "j",
    # Vowels as Urdu writes them: long (doubled, e o, ai au) a i u; a i u are taken as short
    # and unwritten (romanization uses them for long vowels too: that is an error).
    "aa": "a", "ee": "i", "ii": "i", "oo": "u", "uu": "u", "e": "i", "ai": "i", "ei": "i",
    "o": "u", "au": "u", "ou": "u", "a": "", "i": "", "u": "",
}
SKELETON = {**SKEL_DEVANAGARI, **SKEL_URDU, **SKEL_LATIN}
# A word-initial vowel gets an a, as Urdu writes it on an alef (एक, ایک, ek: aik).
SKEL_ALEF = {c for c in SKEL_DEVANAGARI if "अ" <= c <= "औ" and c != "ऋ"} | {
    v for v in SKEL_LATIN if v[0] in "aeiou"}
# A word-final short i or u is written (Urdu writes a word's last vowel; it is long in
# Hindi anyway).
SKEL_FINAL = {"ि": "i", "ु": "u", "इ": "i", "उ": "u", "i": "i", "u": "u"}
# Latin digraphs before single letters; anything else one character at a time.
SKEL_TOKEN = re.compile("|".join(sorted((k for k in SKEL_LATIN if len(k) > 1), key=len,
                                        reverse=True)) + "|.", re.S)


def skeleton_word(w):
    toks = SKEL_TOKEN.findall(unicodedata.normalize("NFD", w))
    out = []
    for k, t in enumerate(toks):
        if t in SKELETON:
            s = SKELETON[t]
        elif unicodedata.digit(t, None) is not None:
            s = str(unicodedata.digit(t))  # ० ۰ 0 alike
        elif unicodedata.category(t).startswith("M"):
            s = ""                          # virama, nukta, Urdu vowel marks, madda, hamza
        else:
            s = t
        if k == len(toks) - 1:
            s = SKEL_FINAL.get(t, s)
        if k == 0 and t in SKEL_ALEF:
            s = "a" + s
        out.append(s)
    s = "".join(out).replace("ph", "f")      # फ, پھ, ف, ph, f: one sound
    s = re.sub(r"(.)\1+", r"\1", s)          # doubled letters: geminates, aa, ii
    return re.sub(r"(?<=.)[ah]$", "", s)     # a final ā or h: Urdu writes -ā as ا or ہ


def skeleton(s):
    """A Hindi text's skeleton, words joined: Urdu script and Devanagari split words
    differently (آپ کی, आपकी)."""
    return "".join(skeleton_word(w) for w in words(s, "hi"))


# --- Japanese: a kana reading ----------------------------------------------------------
KANJI_DIGITS = "〇一二三四五六七八九"
_tagger = None


def kanji_number(n):
    """A whole number in kanji numerals, as Japanese writes it (1500 → 千五百)."""
    if n == 0:
        return "〇"
    out = ""
    for size, name in ((10**16, "京"), (10**12, "兆"), (10**8, "億"), (10**4, "万")):
        if n >= size:
            out += kanji_number(n // size) + name
            n %= size
    for size, name in ((1000, "千"), (100, "百"), (10, "十")):
        if n >= size:
            d = n // size
            out += ("" if d == 1 else KANJI_DIGITS[d]) + name
            n %= size
    return out + (KANJI_DIGITS[n] if n else "")


def kanji_numbers(s):
    def one(m):
        whole, _, frac = m.group().replace(",", "").partition(".")
        if len(whole) > 20:
            return "".join(KANJI_DIGITS[int(d)] for d in whole)
        return kanji_number(int(whole)) + ("点" + "".join(KANJI_DIGITS[int(d)] for d in frac) if frac else "")
    return re.sub(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?", one, s)


def kana_reading(s):
    """A Japanese text's reading in hiragana (and lower-case Latin letters), nothing else."""
    global _tagger
    if _tagger is None:
        import fugashi
        import unidic_lite
        _tagger = fugashi.Tagger("-d " + unidic_lite.DICDIR)
    s = kanji_numbers(unicodedata.normalize("NFKC", s))
    out = []
    for w in _tagger(s):
        kana = getattr(w.feature, "kana", None)
        reading = kana if kana and kana != "*" else w.surface
        for c in reading:
            if "ァ" <= c <= "ヶ":
                c = chr(ord(c) - 0x60)
            if "ぁ" <= c <= "ゖ" or c == "ー" or c.isascii() and c.isalnum():
                out.append(c.lower())
    return "".join(out)


def kana_cer(ref, hyp):
    r = kana_reading(ref)
    return edits(r, kana_reading(hyp)) / max(1, len(r))


def edits(r, h):
    """Levenshtein distance between two sequences (words or characters)."""
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)]


def wer(ref, hyp, lang):
    r = words(ref, lang)
    return edits(r, words(hyp, lang)) / max(1, len(r))


def skeleton_cer(ref, hyp):
    r = skeleton(ref)
    return edits(r, skeleton(hyp)) / max(1, len(r))


# --- Mandarin: toneless pinyin syllables -----------------------------------------------
ZH_DIGITS = "零一二三四五六七八九"


def zh_time(m):
    """15:30 十五点半, 9:05 九点零五分, 9:00 九点 (as the G2P reads them)."""
    import cn2an
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 24 or mi > 59:
        return m.group()
    out = cn2an.an2cn(str(h)) + "点"
    if mi == 30:
        return out + "半"
    if mi:
        out += ("零" if mi < 10 else "") + cn2an.an2cn(str(mi)) + "分"
    return out


def zh_numbers(s):
    """Digits written out in Chinese characters, the same way for the expected text and
    what was heard."""
    import cn2an
    s = re.sub(r"\d+(?:[-. ]\d+){2,}|\d{7,}",                         # phones, codes
               lambda m: "".join(ZH_DIGITS[int(c)] for c in m.group() if c.isdigit()), s)
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)                      # 1,234,567
    s = re.sub(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)", zh_time, s)          # 15:30
    s = re.sub(r"[¥$]\s?(\d+(?:\.\d+)?)", r"\1元", s)                  # ¥23.50
    s = re.sub(r"(\d\.\d*?[1-9])0+(?!\d)|(\d)\.0+(?!\d)",              # 23.50 -> 23.5
               lambda m: m.group(1) or m.group(2), s)
    try:
        s = cn2an.transform(s, "an2cn")
    except Exception:  # cn2an gives up on some shapes: digits one by one then
        pass
    s = re.sub(r"\d", lambda m: ZH_DIGITS[int(m.group())], s)
    return s.replace("幺", "一").replace("两", "二").replace("〇", "零")


def is_han(c):
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\U00020000" <= c <= "\U0003134f"


def zh_tokens(s):
    """A Mandarin text as tokens: the set of toneless readings of each Chinese character,
    each Latin word (or any other letter) as itself; punctuation dropped."""
    from pypinyin import Style, pinyin
    s = zh_numbers(unicodedata.normalize("NFKC", s).casefold())
    tokens = []
    for m in re.finditer(r"[a-z]+|[^\W\d_]", s):
        t = m.group()
        if is_han(t):
            tokens.append(frozenset(pinyin(t, style=Style.NORMAL, heteronym=True)[0]))
        else:
            tokens.append(frozenset([t]))
    return tokens


def zh_cer(ref, hyp):
    """Levenshtein distance over zh_tokens (tokens match when they share a reading) / the
    number of expected tokens."""
    r, h = zh_tokens(ref), zh_tokens(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (not r[i - 1] & h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)] / max(1, len(r))


def main():
    p = argparse.ArgumentParser(prog="multilingual-ear")
    p.add_argument("--model", required=True, help="the CTranslate2 Whisper model directory")
    p.add_argument("--max-wer", type=float, default=0.15)
    p.add_argument("--lang", default="en")
    p.add_argument("--manifest")
    p.add_argument("--words-to", help="write each file's word timestamps here (JSON lines)")
    p.add_argument("pairs", nargs="*")
    a = p.parse_args()
    pairs = []  # (expected text, file, language)
    if a.manifest:
        for line in open(a.manifest, encoding="utf-8"):
            if line.strip():
                f, t, *lang = line.rstrip("\n").split("\t")
                pairs.append((t, f, lang[0] if lang else a.lang))
    if len(a.pairs) % 2:
        sys.exit("multilingual-ear: give EXPECTED_TEXT FILE pairs")
    pairs += [(a.pairs[i], a.pairs[i + 1], a.lang) for i in range(0, len(a.pairs), 2)]
    if not pairs:
        sys.exit("multilingual-ear: nothing to check")

    from faster_whisper import WhisperModel
    model = WhisperModel(a.model, device="cpu", compute_type="int8",
                         cpu_threads=os.cpu_count() or 2)
    if not model.model.is_multilingual:
        sys.exit(f"multilingual-ear: {a.model} is not a multilingual model")

    heard_in = {}
    words_of = {}

    def transcribe(path, lang):
        src = path
        if path.endswith(".pcm"):
            tmp = tempfile.NamedTemporaryFile(suffix=".wav", delete=False)
            with wave.open(tmp.name, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(24000)
                w.writeframes(open(path, "rb").read())
            src = tmp.name
        try:
            # condition_on_previous_text=False: no repetition loops carried across windows.
            segs, _ = model.transcribe(src, language=lang, beam_size=5, vad_filter=False,
                                       condition_on_previous_text=False,
                                       word_timestamps=bool(a.words_to))
            segs = list(segs)
            words_of[path] = [{"word": w.word.strip(), "start": round(w.start, 3),
                               "end": round(w.end, 3)} for s in segs for w in s.words or []]
            return " ".join(s.text.strip() for s in segs)
        except Exception as e:  # unreadable audio is a failure, not a crash
            return f"<unreadable: {e}>"

    passed = failed = 0
    for text, path, lang in pairs:
        if path not in heard_in:
            heard_in[path] = transcribe(path, lang)
        heard = heard_in[path]
        if lang == "hi":
            score = skeleton_cer(text, heard)
        elif lang == "ja":
            score = kana_cer(text, heard)
        elif lang == "zh":
            score = zh_cer(text, heard)
        else:
            score = wer(text, heard, lang)
        ok = score <= a.max_wer
        passed += ok
        failed += not ok
        metric = "cer" if lang in ("hi", "ja", "zh") else "wer"
        print(f"{metric}={score:.3f} {'ok  ' if ok else 'FAIL'} file={path} heard={heard!r}",
              flush=True)
    print(f"{passed} passed, {failed} failed")
    if a.words_to:
        with open(a.words_to, "w", encoding="utf-8") as out:
            for path in heard_in:
                out.write(json.dumps({"file": path, "words": words_of.get(path, [])},
                                     ensure_ascii=False) + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
