"""The multilingual ear: transcribe speech files with Whisper base (multilingual, run by
faster-whisper) and score them against the text they should say (word error rate).

Run it through scripts/multilingual-ear.sh, which installs the venv and the model. The
interface and the report are asr-check's (../shared/tools/asr-check):

    multilingual.py --model DIR [--max-wer 0.15] [--lang es] EXPECTED_TEXT FILE [...]
    multilingual.py --model DIR [--max-wer 0.15] [--lang es] --manifest PAIRS.tsv

One line per file, "wer=0.050 ok   file=... heard=...", then "N passed, M failed"; exit
status 1 if any file's WER is above --max-wer. A file named twice in one run is transcribed
once (a control can score the same audio against another text at no cost).

Scoring, the same function on both sides (expected text and what was heard):

* English (--lang en): exactly asr-check's normalization (lower case, digits spelled out in
  English, a few abbreviations, apostrophes kept inside words).
* Other languages: Unicode NFC, case folded; digits spelled out in the language by num2words
  (es, fr, it, pt; thousands separators dropped first; "%" is the language's "per cent",
  "&" its "and"); Hindi has no num2words speller, so its digits (Devanagari ones mapped to
  ASCII) stay digits on both sides. Punctuation, apostrophes and hyphens separate words
  ("l'application" is "l application", "puis-je" is "puis je", "vingt-cinq" is
  "vingt cinq"). Latin-script languages are compared without accents ("à" and "a", "é" and
  "e" match: an accent is a spelling choice the ear makes, not a different sound heard).
  Hindi keeps its vowel signs (they are letters, not accents); only the nukta is dropped
  and chandrabindu written as anusvara, two spellings Whisper mixes freely.
  Nothing else is forgiven: a missing, extra or different word is an error.
"""
import argparse
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


def wer(ref, hyp, lang):
    r, h = words(ref, lang), words(hyp, lang)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)] / max(1, len(r))


def main():
    p = argparse.ArgumentParser(prog="multilingual-ear")
    p.add_argument("--model", required=True, help="the CTranslate2 Whisper model directory")
    p.add_argument("--max-wer", type=float, default=0.15)
    p.add_argument("--lang", default="en")
    p.add_argument("--manifest")
    p.add_argument("pairs", nargs="*")
    a = p.parse_args()
    pairs = []
    if a.manifest:
        for line in open(a.manifest, encoding="utf-8"):
            if line.strip():
                f, t = line.rstrip("\n").split("\t", 1)
                pairs.append((t, f))
    if len(a.pairs) % 2:
        sys.exit("multilingual-ear: give EXPECTED_TEXT FILE pairs")
    pairs += [(a.pairs[i], a.pairs[i + 1]) for i in range(0, len(a.pairs), 2)]
    if not pairs:
        sys.exit("multilingual-ear: nothing to check")

    from faster_whisper import WhisperModel
    model = WhisperModel(a.model, device="cpu", compute_type="int8",
                         cpu_threads=os.cpu_count() or 2)
    if not model.model.is_multilingual:
        sys.exit(f"multilingual-ear: {a.model} is not a multilingual model")

    heard_in = {}

    def transcribe(path):
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
            segs, _ = model.transcribe(src, language=a.lang, beam_size=5, vad_filter=False,
                                       condition_on_previous_text=False)
            return " ".join(s.text.strip() for s in segs)
        except Exception as e:  # unreadable audio is a failure, not a crash
            return f"<unreadable: {e}>"

    passed = failed = 0
    for text, path in pairs:
        if path not in heard_in:
            heard_in[path] = transcribe(path)
        heard = heard_in[path]
        score = wer(text, heard, a.lang)
        ok = score <= a.max_wer
        passed += ok
        failed += not ok
        print(f"wer={score:.3f} {'ok  ' if ok else 'FAIL'} file={path} heard={heard!r}", flush=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
