"""ttsd's Wyoming server and wyoming-piper 2.5.2, on the same Piper voice, through the
`wyoming` package's own client: what each sends, one-shot and streamed.

Usage: wyoming_piper_peer.py TTSD_HOST:PORT VOICES_DIR VOICE OUT_DIR ONE_SHOT_TEXT STREAMED_TEXT

Runs in the Piper peers' venv (scripts/piper-peer-venv.sh: wyoming-piper 2.5.2, wyoming
1.10.2), and starts wyoming-piper itself on VOICES_DIR's VOICE. Asks ttsd to `describe`;
then, of each server, a one-shot `synthesize` of ONE_SHOT_TEXT and Home Assistant's
streaming of STREAMED_TEXT (`synthesize-start`, the text in pieces cut mid-word as an LLM
writes it, the compatibility `synthesize` with the whole text, `synthesize-stop`). Writes
OUT_DIR/{ttsd,peer}-{one-shot,streamed}.wav and prints a JSON summary on stdout: ttsd's
voices (name, languages), and per server and mode the event names in order (a run of
audio-chunks as one), every audio format seen (audio-start's and each chunk's) and the
seconds of audio.
"""

import asyncio
import json
import socket
import subprocess
import sys
import time

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

import wavfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, peer, limit=120):
    end = time.time() + limit
    while time.time() < end:
        if peer.poll() is not None:
            raise SystemExit(f"wyoming-piper exited with {peer.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"wyoming-piper not listening on {port} after {limit} s")


async def describe(host, port):
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        info = Info.from_event(await asyncio.wait_for(client.read_event(), timeout=30))
    return [{"name": v.name, "languages": v.languages} for tts in info.tts for v in tts.voices]


async def speak(host, port, voice, text, streamed):
    """The events' names (a run of one name as one), the formats seen, the PCM."""
    names, formats, pcm = [], [], b""
    voice = SynthesizeVoice(name=voice)
    async with AsyncTcpClient(host, port) as client:
        if streamed:
            await client.write_event(SynthesizeStart(voice=voice).event())
            for i in range(0, len(text), 7):
                await client.write_event(SynthesizeChunk(text=text[i : i + 7]).event())
            await client.write_event(Synthesize(text=text, voice=voice).event())
            await client.write_event(SynthesizeStop().event())
        else:
            await client.write_event(Synthesize(text=text, voice=voice).event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=120)
            if event is None:
                raise SystemExit(f"{host}:{port} closed the connection early: {names}")
            if not names or names[-1] != event.type:
                names.append(event.type)
            if Error.is_type(event.type):
                raise SystemExit(f"{host}:{port}: error event: {Error.from_event(event).text}")
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                fmt = [start.rate, start.width, start.channels]
            elif AudioChunk.is_type(event.type):
                chunk = AudioChunk.from_event(event)
                fmt = [chunk.rate, chunk.width, chunk.channels]
                pcm += chunk.audio
            else:
                fmt = None
            if fmt and fmt not in formats:
                formats.append(fmt)
            if (SynthesizeStopped if streamed else AudioStop).is_type(event.type):
                return names, formats, pcm


async def main(ttsd, voices_dir, voice, out_dir, one_shot, streamed):
    host, port = ttsd.rsplit(":", 1)
    peer_port = free_port()
    peer = subprocess.Popen(
        [sys.executable, "-m", "wyoming_piper", "--voice", voice, "--data-dir", voices_dir,
         "--uri", f"tcp://127.0.0.1:{peer_port}"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(peer_port, peer)
        summary = {"voices": await describe(host, int(port))}
        for who, (h, p) in (("ttsd", (host, int(port))), ("peer", ("127.0.0.1", peer_port))):
            for mode, text in (("one-shot", one_shot), ("streamed", streamed)):
                names, formats, pcm = await speak(h, p, voice, text, mode == "streamed")
                rate, width, channels = formats[0]
                wavfile.save(f"{out_dir}/{who}-{mode}.wav", pcm, *formats[0])
                summary.setdefault(who, {})[mode] = {
                    "events": names,
                    "formats": formats,
                    "seconds": len(pcm) / (rate * width * channels),
                }
    finally:
        peer.terminate()
        peer.wait()
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
