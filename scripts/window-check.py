#!/usr/bin/env python3
"""Proof and quality of Kokoro's model cut at its decoder (scripts/split-model.py), for --window.

    "$(scripts/onnx-venv.sh --ort)" scripts/window-check.py [--first MS] [--after MS]

Proof: for inputs of 12 to 206 ids at speeds 0.8, 1 and 1.5 in two voices, the encoder
gives the durations model's durations, and chained into the decoder (phase 0, all frames)
audio of the same length; how far that is from the int8 model's (the decoder's convolutions
are float) is the "float / int8" column, beside the int8 model's own floor (two int8 decodes
whose features differ by one part in 10^4). Exits 1 on the first difference.

Quality: each input is decoded as ttsd's windows cut it (src/synth/windows.rs: a first window
of --first ms after speech starts with --after ms of context after it, more up to 1.2 s while
its span stays within --share of the chunk, and 200 ms either side of the later ones, each later window --growth times the last, seams moved to the nearest gap between words
within a third of a window, 10 ms raised-cosine cross-fades, the harmonic phase carried) and
compared with the whole decode (the same decoder, all frames at once): the log-spectral distance (Hann 1024, hop 256, mean
|ln(|X| + 1e-4) - ln(|Y| + 1e-4)|), over all and over the first half second; the loudest seam
in first differences (the largest |x[n] - x[n-1]| within 2 ms of a seam over the 99.9th
percentile of the rest); and the largest loudness difference per 100 ms (dB, where the whole
decode is above -40 dBFS).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
FRAME = 600
RATE = 24_000

# misaki-style IPA (Kokoro v1.0's symbols); every character must be in vocab.json.
TEXTS = [
    "hˈɛloʊ ðˈɛɹ!",
    "ðə mjuzˈiəm ˈOpᵊnz æt nˈIn ˈɛvɹi mˈɔɹnɪŋ, ænd ðə kˈæfe klˈOzɪz ˈɜɹli ˈɑn sˈʌndiz.",
    "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˌOvəɹ ðə lˈAzi dˈɔɡ, ænd ðə fˈIv bˈɑksɪŋ wˈɪzəɹdz ʤˈʌmp "
    "kwˈɪkli. wˌʌt ɐ bjˈuɾəfəl dˈA ɪt ɪz! hˌW mˈɛni wˈɜɹdz kæn wˈi fˈɪt ˈɪntu wˈʌn kˈɔl "
    "bəfˈɔɹ ɪt ɡˈɛts tˈu lˈɔŋ fəɹ ðə mˈɑdᵊl?",
]


def int8_decoder():
    """The int8 model's own decoder (cut from the durations model, in memory) for the floor."""
    import onnx

    model = onnx.load(str(ASSETS / "kokoro-v1.0.int8.durations.onnx"))
    names = {"/encoder/MatMul_1_output_0": "features", "/encoder/Reshape_output_0": "f0",
             "/encoder/Reshape_1_output_0": "energy"}
    part = onnx.utils.Extractor(model).extract_model(["style", *names], ["audio"])
    for node in part.graph.node:
        node.input[:] = [names.get(i, i) for i in node.input]
    for value in part.graph.input:
        value.name = names.get(value.name, value.name)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(part.SerializeToString(), options)


def session(name):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.enable_mem_pattern = False
    return ort.InferenceSession(str(ASSETS / name), options)


def lsd(a, b):
    n = min(len(a), len(b))
    window = np.hanning(1024)

    def spec(x):
        frames = np.array([x[i : i + 1024] * window for i in range(0, n - 1024, 256)])
        return np.log(np.abs(np.fft.rfft(frames, axis=1)) + 1e-4)

    return float(np.mean(np.abs(spec(a[:n]) - spec(b[:n]))))


def seam_click(y, seams):
    d = np.abs(np.diff(y))
    rest = np.ones(len(d), bool)
    peaks = []
    for s in seams:
        lo, hi = max(0, s - 48), min(len(d), s + 48)
        peaks.append(d[lo:hi].max())
        rest[lo:hi] = False
    return max(peaks) / np.percentile(d[rest], 99.9) if peaks else 0.0


def loudness(a, b):
    k = RATE // 10
    n = min(len(a), len(b)) // k * k
    ra = np.sqrt(np.mean(a[:n].reshape(-1, k) ** 2, axis=1))
    rb = np.sqrt(np.mean(b[:n].reshape(-1, k) ** 2, axis=1))
    loud = rb > 0.01
    if not loud.any():
        return 0.0
    return float(np.max(np.abs(20 * np.log10((ra[loud] + 1e-5) / (rb[loud] + 1e-5)))))


class Model:
    def __init__(self):
        self.whole = session("kokoro-v1.0.int8.durations.onnx")
        self.encoder = session("kokoro-v1.0.int8.encoder.onnx")
        self.decoder = session("kokoro-v1.0.int8.decoder.onnx")
        self.int8_decoder = int8_decoder()
        vocab = json.loads((ASSETS / "vocab.json").read_text())
        self.vocab = vocab.get("vocab", vocab)

    def inputs(self, text, voice, speed):
        ids = [self.vocab[c] for c in text]
        pack = np.fromfile(ROOT / "voices" / f"{voice}.bin", dtype=np.float32).reshape(510, 256)
        return ids, {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": pack[min(len(ids), 509)][None, :],
            "speed": np.array([speed], dtype=np.float32),
        }

    def whole_of(self, features, f0, energy, feed):
        """The int8 model's decoder (the durations model's audio) on these frames."""
        audio = self.int8_decoder.run(
            None,
            {"style": feed["style"], "features": features, "f0": f0, "energy": energy},
        )[0]
        return audio.reshape(-1), None

    def decode(self, encoded, lo, hi, phase):
        features, f0, energy = encoded[:3]
        return self.decoder.run(
            None,
            {
                "style": encoded[4],
                "features": features[:, :, lo:hi],
                "f0": f0[:, 2 * lo : 2 * hi],
                "energy": energy[:, 2 * lo : 2 * hi],
                "phase": phase,
            },
        )


def windows(frames, ends, silent, first, after_first, before, after, growth, share=0.0):
    """ttsd's cuts: (start, end, context before, context after). With `share`, the first
    window's context after it grows (up to 1.2 s) while its whole span stays within that
    share of the chunk's frames."""
    gaps = [(ends[p] + ends[p + 1]) // 2 for p in range(len(ends) - 2) if silent[p]]
    out, start, want = [], 0, first
    while start < frames:
        aim = (ends[0] if start == 0 else start) + want
        reach = max(want // 3, 1)
        near = [g for g in gaps if g > start and abs(g - aim) <= reach]
        end = min(near, key=lambda g: abs(g - aim)) if near else aim
        end = frames if end + want // 2 >= frames else end
        first_after = after_first
        if start == 0 and share:
            first_after = min(max(after_first, int(frames * share) - end), 48)
        out.append((start, end, before, first_after if start == 0 else after))
        start, want = end, max(int(want * growth), end - start)
    return out


def windowed(model, encoded, cuts, frames):
    out = np.zeros(frames * FRAME, np.float32)
    track = np.zeros((2 * frames, 9))
    half = RATE // 200
    for start, end, before, after in cuts:
        lo, hi = max(0, start - before), min(frames, end + after)
        phase = np.zeros((1, 1, 9))
        if lo > 0:
            phase = ((track[2 * lo - 1] * 300) % 1.0 / 300)[None, None, :]
        audio, steps = model.decode(encoded, lo, hi, phase.astype(np.float32))
        track[2 * lo : 2 * hi] = phase.reshape(9).astype(np.float32) + steps[0].astype(np.float64)
        audio = audio.reshape(-1)
        a = start * FRAME - (half if start else 0)
        b = end * FRAME + (half if end < frames else 0)
        piece = audio[a - lo * FRAME : b - lo * FRAME].copy()
        if start:
            n = 2 * half
            gain = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
            out[a : a + n] = out[a : a + n] * (1 - gain) + piece[:n] * gain
            out[a + n : b] = piece[n:]
        else:
            out[a:b] = piece
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--first", type=int, default=250, help="first window, ms")
    p.add_argument("--after", type=int, default=600, help="context after the first window, ms")
    p.add_argument("--growth", type=float, default=2.0, help="each later window against the last")
    p.add_argument("--share", type=float, default=0.25, help="the first window's span, of the chunk (0: --after only)")
    a = p.parse_args()
    model = Model()
    failed = False
    space = model.vocab[" "]
    marks = {model.vocab[c] for c in ",.!?;:" if c in model.vocab} | {space}
    print("| text | speed | voice | frames | windows | LSD all | LSD first 0.5 s | seam click | loudness dB | float / int8 | int8 floor |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for text in TEXTS:
        for speed in (0.8, 1.0, 1.5):
            for voice in ("af_heart", "am_michael"):
                ids, feed = model.inputs(text, voice, speed)
                whole, durations = model.whole.run(None, feed)
                features, f0, energy, durs = model.encoder.run(None, feed)
                encoded = (features, f0, energy, durs, feed["style"])
                frames = features.shape[2]
                zero = np.zeros((1, 1, 9), np.float32)
                chained, _ = model.decode(encoded, 0, frames, zero)
                if chained.size != whole.size or not np.array_equal(durs, durations):
                    print(f"the chained halves differ from the model: {text[:20]} {speed} {voice}")
                    failed = True
                    continue
                int8, whole = whole.reshape(-1), chained.reshape(-1)
                ends = np.cumsum(durs.reshape(-1)).tolist()
                silent = [i in marks for i in ids]
                cuts = windows(frames, ends, silent, max(1, a.first // 25), -(-a.after // 25), 8, 8, a.growth, a.share)
                out = windowed(model, encoded, cuts, frames)
                rng = np.random.default_rng(0)
                noisy = features * (1 + 1e-4 * rng.standard_normal(features.shape)).astype(np.float32)
                floor, _ = model.whole_of(noisy, f0, energy, feed)
                seams = [s * FRAME for s, *_ in cuts[1:]]
                half_second = RATE // 2
                print(
                    f"| {len(ids)} ids | {speed} | {voice} | {frames} | {len(cuts)} | "
                    f"{lsd(whole, out):.3f} | {lsd(whole[:half_second], out[:half_second]):.3f} | "
                    f"{seam_click(out, seams):.2f} | {loudness(out, whole):.2f} | "
                    f"{lsd(int8, whole):.3f} | {lsd(int8, floor):.3f} |",
                    flush=True,
                )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
