#!/usr/bin/env python3
"""The joe Piper voice in ttsd against its peers, in one run (BENCHMARKS.md, issue 31).

    "$(scripts/piper-peer-venv.sh)" scripts/piper-bench.py [--rounds N]

Starts `ttsd serve --engine piper --wyoming-port` (target/release/ttsd) and `wyoming-piper`
2.5.2 on the same voice file, each with its default threads, as a user runs them: ONNX Runtime's
intra-op threads are the machine's cores in both (ttsd: cores / workers, one worker;
wyoming-piper: `SessionOptions()`'s 0, which ONNX Runtime reads as the physical cores). A second
ttsd at `--threads 1` and `piper-tts` 1.8.0, loaded in this process at one thread, give the
real-time factor. Then, in
alternation so both see the same machine:

- TTFA over Wyoming, the way Home Assistant streams (`synthesize-start`, the text in one
  `synthesize-chunk`, `synthesize-stop`), and one-shot (`synthesize`): from the first event
  sent to the first `audio-chunk`, with `wyoming==1.10.2`'s client; also the event names in
  order and the audio format (of the last long and the last short text), which must agree
  (streamed, wyoming-piper frames each sentence in its own audio-start ... audio-stop);
- real-time factor: seconds of compute per second of audio, ttsd's whole-file HTTP `pcm`
  against `piper-tts`'s `PiperVoice.synthesize` on the same texts (1 thread each);
- ttsd's resident memory (the first server's).

TTFA is given over each group (long, short) and per text. `TTSD_BIN` names another ttsd
binary to measure (an A/B of two builds: run the bench once with each).

Both ttsd servers run without their chunk cache (`--cache-mb 0`): the texts repeat each round.

Each request starts SETTLE seconds after the last one ended, as a voice assistant's do (seconds
apart): wyoming-piper's ONNX Runtime threads spin for a while after a run (its default; ttsd's
do not), so a request sent the moment the peer's ended shared the cores with them (the train
text back to back: ttsd 147 ms, peer 276-281; 0.3 s apart: 113-115 and 248-249).

Prints medians and ratios.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import wave
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeVoice

ROOT = Path(__file__).resolve().parent.parent
VOICE = "en_US-joe-medium"
VOICES = ROOT / "voices" / "piper"

# First sentences of 12 or more words, with the clauses people write.
# Seconds between one request's end and the next one's start (see the docstring).
SETTLE = 0.3

LONG = [
    "The train to the city leaves from platform four, at half past eight, and it usually arrives "
    "on time. Please remember to bring your ticket.",
    "When the weather is good, we like to walk along the river and watch the boats go slowly past "
    "the old mill. Then we have lunch.",
    "Our quarterly report shows that sales in the northern region, which had been flat for years, "
    "grew faster than expected. Costs fell too.",
]
SHORT = ["Good morning.", "Turn on the lights.", "It is seven o'clock.", "Okay, done."]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, limit=120):
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"nothing listening on {port}")


def wait_ready(base, limit=120):
    end = time.time() + limit
    while time.time() < end:
        try:
            if urllib.request.urlopen(base + "/ready", timeout=2).status == 200:
                return
        except Exception:
            pass
        time.sleep(0.3)
    sys.exit("ttsd not ready")


async def wyoming_ttfa(port, text, streamed):
    """Seconds to the first audio chunk, the event names, the audio-start's format, audio s."""
    client = AsyncTcpClient("127.0.0.1", port)
    await client.connect()
    voice = SynthesizeVoice(name=VOICE)
    started = time.perf_counter()
    if streamed:
        await client.write_event(SynthesizeStart(voice=voice).event())
        await client.write_event(SynthesizeChunk(text=text).event())
        await client.write_event(Synthesize(text=text, voice=voice).event())
        await client.write_event(SynthesizeStop().event())
        last = "synthesize-stopped"
    else:
        await client.write_event(Synthesize(text=text, voice=voice).event())
        last = "audio-stop"
    first = None
    names = []
    fmt = None
    audio_bytes = 0
    while True:
        event = await asyncio.wait_for(client.read_event(), 120)
        if event is None:
            break
        if not names or names[-1] != event.type:
            names.append(event.type)
        if AudioStart.is_type(event.type):
            s = AudioStart.from_event(event)
            fmt = (s.rate, s.width, s.channels)
        if AudioChunk.is_type(event.type):
            if first is None:
                first = time.perf_counter() - started
            audio_bytes += len(AudioChunk.from_event(event).audio)
        if event.type == last:
            break
    await client.disconnect()
    seconds = audio_bytes / 2 / fmt[0] if fmt else 0.0
    return first, names, fmt, seconds


def ttsd_rtf(base, text):
    body = json.dumps({"voice": VOICE, "input": text, "response_format": "pcm"}).encode()
    req = urllib.request.Request(
        base + "/v1/audio/speech", data=body, headers={"content-type": "application/json"}
    )
    started = time.perf_counter()
    pcm = urllib.request.urlopen(req, timeout=120).read()
    spent = time.perf_counter() - started
    return spent, len(pcm) / 2 / 22_050


def piper_rtf(voice, config, text):
    started = time.perf_counter()
    samples = sum(len(c.audio_float_array) for c in voice.synthesize(text, config))
    return time.perf_counter() - started, samples / voice.config.sample_rate


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import onnxruntime
    from piper import PiperVoice, SynthesisConfig

    http_port, ttsd_wy, peer_wy = free_port(), free_port(), free_port()
    rtf_port, rtf_wy = free_port(), free_port()
    env = dict(os.environ, TTSD_LOG="warn")

    ttsd_bin = os.environ.get("TTSD_BIN", str(ROOT / "target/release/ttsd"))

    def serve(port, wyoming, *flags):
        return subprocess.Popen(
            [ttsd_bin, "serve", "--engine", "piper", "--port", str(port),
             "--wyoming-port", str(wyoming), "--cache-mb", "0", *flags],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    ttsd = serve(http_port, ttsd_wy)
    ttsd_one = serve(rtf_port, rtf_wy, "--threads", "1")
    peer = subprocess.Popen(
        [sys.executable, "-m", "wyoming_piper", "--voice", VOICE, "--data-dir", str(VOICES),
         "--uri", f"tcp://127.0.0.1:{peer_wy}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{http_port}")
        base = f"http://127.0.0.1:{rtf_port}"
        wait_ready(base)
        wait_port(peer_wy)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        voice = PiperVoice.load(str(VOICES / f"{VOICE}.onnx"))
        voice.session = onnxruntime.InferenceSession(
            str(VOICES / f"{VOICE}.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = SynthesisConfig()
        # Warm both servers and the library.
        for port in (ttsd_wy, peer_wy):
            asyncio.run(wyoming_ttfa(port, "Warm up.", True))
        piper_rtf(voice, config, "Warm up.")
        ttsd_rtf(base, "Warm up.")

        ttfa = {(who, kind, mode): [] for who in ("ttsd", "peer") for kind in ("long", "short")
                for mode in ("streamed", "one-shot")}
        # Each text's own, too: the long texts' first clauses differ (5 to 10 words), so the
        # median over all of them is one text's.
        by_text = {}
        events = {}
        rtf = {"ttsd": [0.0, 0.0], "piper-tts": [0.0, 0.0]}
        for _ in range(args.rounds):
            for kind, texts in (("long", LONG), ("short", SHORT)):
                for text in texts:
                    for mode in ("streamed", "one-shot"):
                        for who, port in (("ttsd", ttsd_wy), ("peer", peer_wy)):
                            first, names, fmt, _ = asyncio.run(
                                wyoming_ttfa(port, text, mode == "streamed"))
                            time.sleep(SETTLE)
                            ttfa[(who, kind, mode)].append(first)
                            by_text.setdefault((text, mode, who), []).append(first)
                            events[(who, kind, mode)] = (names, fmt)
            for text in LONG + SHORT:
                spent, audio = ttsd_rtf(base, text)
                rtf["ttsd"][0] += spent
                rtf["ttsd"][1] += audio
                spent, audio = piper_rtf(voice, config, text)
                rtf["piper-tts"][0] += spent
                rtf["piper-tts"][1] += audio

        print("TTFA over Wyoming (median seconds to the first audio-chunk, default threads)")
        for kind in ("long", "short"):
            for mode in ("streamed", "one-shot"):
                t, p = med(ttfa[("ttsd", kind, mode)]), med(ttfa[("peer", kind, mode)])
                print(f"  {kind:5} {mode:9}: ttsd {t:.3f}  wyoming-piper {p:.3f}  ratio {t / p:.2f}")
        print("TTFA per text (median seconds; ttsd's first clause against the first sentence)")
        for text in LONG + SHORT:
            for mode in ("streamed", "one-shot"):
                t, p = med(by_text[(text, mode, "ttsd")]), med(by_text[(text, mode, "peer")])
                print(f"  {text[:32]:32} {mode:9}: ttsd {t:.3f}  wyoming-piper {p:.3f}  ratio {t / p:.2f}")
        print("events (names in order, audio format)")
        for (who, kind, mode), (names, fmt) in sorted(events.items()):
            print(f"  {who:5} {kind:5} {mode:9}: {' '.join(names)}  {fmt}")
        print("real-time factor (compute s / audio s, all texts, all rounds, one thread each)")
        r_t = rtf["ttsd"][0] / rtf["ttsd"][1]
        r_p = rtf["piper-tts"][0] / rtf["piper-tts"][1]
        print(f"  ttsd {r_t:.4f}  piper-tts {r_p:.4f}  ratio {r_t / r_p:.3f}")
        print(f"ttsd resident memory: {rss_mib(ttsd.pid):.0f} MiB; wyoming-piper {rss_mib(peer.pid):.0f} MiB")
    finally:
        for server in (ttsd, ttsd_one, peer):
            server.terminate()
        for server in (ttsd, ttsd_one, peer):
            server.wait()


if __name__ == "__main__":
    main()
