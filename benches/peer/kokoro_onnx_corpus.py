"""Renders a quality corpus (tests/corpus/*.txt) with kokoro-onnx, the peer in the WER
comparison: same model file and voice pack as ttsd, kokoro-onnx's own text handling
(espeak-ng through phonemizer, no normalization).

    python kokoro_onnx_corpus.py MODEL VOICES_DIR CORPUS VOICE LANG OUT_DIR

Writes OUT_DIR/NN.wav and prints a manifest for asr-check (FILE<TAB>EXPECTED per line).
"""
import os
import sys
import tempfile

import wave

import numpy as np
from kokoro_onnx import Kokoro


def voices_npz(voices_dir: str, voice: str) -> str:
    """kokoro-onnx reads voices from one .npz; build it from ttsd's voice pack."""
    path = os.path.join(tempfile.mkdtemp(), "voices.npz")
    pack = np.fromfile(os.path.join(voices_dir, f"{voice}.bin"), dtype="<f4")
    np.savez(path, **{voice: pack.reshape(510, 1, 256)})
    return path


def cases(corpus: str):
    for line in open(corpus, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        text, _, expected = line.partition("\t")
        yield text, expected or text


def main() -> None:
    model, voices_dir, corpus, voice, lang, out = sys.argv[1:7]
    os.makedirs(out, exist_ok=True)
    kokoro = Kokoro(model, voices_npz(voices_dir, voice))
    for i, (text, expected) in enumerate(cases(corpus)):
        samples, rate = kokoro.create(text, voice=voice, speed=1.0, lang=lang)
        path = os.path.join(out, f"{i:02}.wav")
        with wave.open(path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        print(f"{path}\t{expected}", flush=True)


main()
