"""The peer in the latency bench: kokoro-onnx's create_stream on the same texts, with the
same model file, voice and ONNX Runtime version as ttsd.

    python kokoro_onnx_stream.py MODEL VOICES_DIR RUNS < texts.json

texts.json is {"name": "text", ...}. Prints one JSON object per run:
{"text": name, "ttfa": s, "total": s, "audio": s, "worst_stall": s}.
"""
import asyncio
import json
import os
import sys
import tempfile
import time

import numpy as np
from kokoro_onnx import Kokoro

VOICE = "af_heart"
SAMPLE_RATE = 24_000


def voices_npz(voices_dir: str) -> str:
    """kokoro-onnx reads voices from one .npz; build it from ttsd's voice packs."""
    path = os.path.join(tempfile.mkdtemp(), "voices.npz")
    pack = np.fromfile(os.path.join(voices_dir, f"{VOICE}.bin"), dtype="<f4")
    np.savez(path, **{VOICE: pack.reshape(510, 1, 256)})
    return path


async def one(kokoro: Kokoro, text: str) -> dict:
    started = time.perf_counter()
    ttfa = None
    samples = 0
    play_end = 0.0
    worst_stall = 0.0
    async for audio, rate in kokoro.create_stream(text, voice=VOICE, speed=1.0, lang="en-us"):
        now = time.perf_counter() - started
        if ttfa is None:
            ttfa = play_end = now
        elif now > play_end:
            worst_stall = max(worst_stall, now - play_end)
        play_end = max(play_end, now) + len(audio) / rate
        samples += len(audio)
    return {
        "ttfa": ttfa,
        "total": time.perf_counter() - started,
        "audio": samples / SAMPLE_RATE,
        "worst_stall": worst_stall,
    }


async def main() -> None:
    model, voices_dir, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    texts = json.load(sys.stdin)
    kokoro = Kokoro(model, voices_npz(voices_dir))
    await one(kokoro, "Warming up.")
    for name, text in texts.items():
        for _ in range(runs):
            result = await one(kokoro, text)
            print(json.dumps({"text": name, **result}), flush=True)


asyncio.run(main())
