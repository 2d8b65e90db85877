#!/usr/bin/env python3
"""Proof and cost of assets/kokoro-v1.0.int8.durations.onnx against the audio-only model.

    "$(scripts/onnx-venv.sh --ort)" scripts/durations-check.py          # proof only
    "$(scripts/onnx-venv.sh --ort)" scripts/durations-check.py --bench  # then the cost

Proof, over a short and a 510-id input at speeds 0.8, 1.0 and 1.5 in two voices, and the
speed range's ends (0.25, 2.5, 4.0) on short and 100-id inputs: the two
models' audio arrays are identical byte for byte; `durations` is int64 [1, N + 2], every
value >= 1, and sum(durations) * 600 is exactly the audio's length in samples. Exits 1 on
the first difference.

Cost (--bench, or --bench-only to skip the proof): both models on the same input, one after
the other, alternating which goes first; the median of the per-pair ratios (durations /
audio-only) of wall time and of process CPU time, for a ~30-id and a ~400-id input. Sessions
are built as ttsd builds them: 2 intra-op threads, sequential execution, memory pattern off,
arena shrinkage after each run (--no-spin turns off spinning, which otherwise adds waiting to
the CPU time). Other processes on the machine move absolute times, so only ratios measured
in one run mean anything; under load the CPU-time ratio is the steadier one.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_PER_FRAME = 600

# misaki-style IPA (Kokoro v1.0's symbols); every character must be in vocab.json.
SHORT = "hˈɛloʊ wˈɜːld."
SENTENCE = (
    "ðə kwˈɪk bɹˈaʊn fˈɑːks dʒˈʌmps ˌoʊvɚ ðə lˈeɪzi dˈɑːɡ, ænd ðə fˈaɪv bˈɑːksɪŋ wˈɪzɚdz "
    "dʒˈʌmp kwˈɪkli. wˌʌt ɐ bjˈuːɾɪfəl dˈeɪ ɪt ɪz! hˌaʊ mˈɛni wˈɜːdz kæn wˈiː fˈɪt? "
)


def phoneme_ids(vocab: dict[str, int], text: str, n: int | None = None) -> list[int]:
    if n is not None:
        text = (text * (n // len(text) + 1))[:n]
    missing = sorted({c for c in text if c not in vocab})
    if missing:
        sys.exit(f"durations-check: symbols not in the vocabulary: {missing}")
    return [vocab[c] for c in text]


def session(path: Path, spinning: bool = True) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.enable_mem_pattern = False
    # ttsd spins when its threads have cores of their own; spinning burns CPU time while
    # waiting, so the CPU-time ratio is only clean without it (--no-spin).
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


RUN = ort.RunOptions()
RUN.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")


def feeds(ids: list[int], pack: np.ndarray, speed: float) -> dict[str, np.ndarray]:
    return {
        "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
        "style": pack[min(len(ids), len(pack) - 1)][None, :].copy(),
        "speed": np.array([speed], dtype=np.float32),
    }


def cases(vocab, packs):
    """(label, ids, voice, pack, speed): short and 510 ids at 0.8, 1.0 and 1.5 in both voices,
    then the speed range's ends on a short and a 100-id input (above 2, tokens would round to
    0 frames if the graph did not clip them to 1)."""
    short, full = phoneme_ids(vocab, SHORT), phoneme_ids(vocab, SENTENCE, 510)
    for label, ids in (("short (14 ids)", short), ("510 ids", full)):
        for voice, pack in packs.items():
            for speed in (0.8, 1.0, 1.5):
                yield label, ids, voice, pack, speed
    mid = phoneme_ids(vocab, SENTENCE, 100)
    for label, ids in (("short (14 ids)", short), ("100 ids", mid)):
        for speed in (0.25, 2.5, 4.0):
            yield label, ids, "af_heart", packs["af_heart"], speed


def prove(audio_only, with_durations, vocab, packs) -> int:
    done = 0
    for label, ids, voice, pack, speed in cases(vocab, packs):
        f = feeds(ids, pack, speed)
        (audio,) = audio_only.run(["audio"], f, RUN)
        audio2, durations = with_durations.run(["audio", "durations"], f, RUN)
        same = audio.dtype == audio2.dtype and audio.tobytes() == audio2.tobytes()
        frames = int(durations.sum())
        ok = (
            same
            and durations.dtype == np.int64
            and durations.shape == (1, len(ids) + 2)
            and int(durations.min()) >= 1
            and frames * SAMPLES_PER_FRAME == audio.shape[0]
        )
        print(
            f"{'ok ' if ok else 'BAD'} {label:15} {voice:11} speed {speed:<4}: audio "
            f"{audio.shape[0]:6} samples {'identical' if same else 'DIFFERENT'}; "
            f"durations {durations.dtype} {list(durations.shape)} min "
            f"{int(durations.min())}, sum {frames} x {SAMPLES_PER_FRAME} = "
            f"{frames * SAMPLES_PER_FRAME}",
            flush=True,
        )
        if not ok:
            return 1
        done += 1
    print(f"{done} passed, 0 failed")
    return 0


def bench(audio_only, with_durations, vocab, pack, pairs: int) -> None:
    inputs = {
        "short (30 ids)": phoneme_ids(vocab, SENTENCE, 30),
        "long (400 ids)": phoneme_ids(vocab, SENTENCE, 400),
    }
    for label, ids in inputs.items():
        f = feeds(ids, pack, 1.0)
        for _ in range(2):  # warm both sessions' arenas and caches
            audio_only.run(["audio"], f, RUN)
            with_durations.run(["audio", "durations"], f, RUN)
        wall = {"a": [], "d": []}
        cpu = {"a": [], "d": []}
        for i in range(pairs):
            order = [("a", audio_only, ["audio"]), ("d", with_durations, ["audio", "durations"])]
            if i % 2:
                order.reverse()
            for key, sess, names in order:
                start, start_cpu = time.perf_counter(), time.process_time()
                sess.run(names, f, RUN)
                wall[key].append(time.perf_counter() - start)
                cpu[key].append(time.process_time() - start_cpu)
        for kind, t in (("wall", wall), ("cpu", cpu)):
            ratios = [d / a for a, d in zip(t["a"], t["d"])]
            print(
                f"{label} {kind}: audio-only median {statistics.median(t['a']) * 1000:.1f} ms, "
                f"with durations {statistics.median(t['d']) * 1000:.1f} ms; per-pair ratio "
                f"median {statistics.median(ratios):.4f} (min {min(ratios):.4f}, max "
                f"{max(ratios):.4f}, {pairs} pairs)",
                flush=True,
            )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, default=ROOT / "assets/kokoro-v1.0.int8.onnx")
    p.add_argument(
        "--durations-model", type=Path, default=ROOT / "assets/kokoro-v1.0.int8.durations.onnx"
    )
    p.add_argument("--vocab", type=Path, default=ROOT / "assets/vocab.json")
    p.add_argument("--voices", type=Path, default=ROOT / "voices")
    p.add_argument("--bench", action="store_true", help="also measure the cost")
    p.add_argument("--bench-only", action="store_true", help="measure the cost, skip the proof")
    p.add_argument("--pairs", type=int, default=15, help="alternating pairs per input")
    p.add_argument("--no-spin", action="store_true", help="intra-op threads do not spin")
    args = p.parse_args()

    vocab = json.loads(args.vocab.read_text())["vocab"]
    packs = {
        v: np.fromfile(args.voices / f"{v}.bin", dtype="<f4").reshape(510, 256)
        for v in ("af_heart", "am_michael")
    }
    audio_only = session(args.model, not args.no_spin)
    with_durations = session(args.durations_model, not args.no_spin)
    names = [o.name for o in with_durations.get_outputs()]
    types = [(o.name, o.type, o.shape) for o in with_durations.get_outputs()]
    print(f"outputs of {args.durations_model.name}: {types}")
    if names != ["audio", "durations"]:
        print(f"durations-check: outputs are {names}, expected ['audio', 'durations']")
        return 1
    if not args.bench_only and prove(audio_only, with_durations, vocab, packs):
        return 1
    if args.bench or args.bench_only:
        bench(audio_only, with_durations, vocab, packs["af_heart"], args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
