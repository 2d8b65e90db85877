"""Drives ttsd's Wyoming server with the `wyoming` package's own client.

Usage: wyoming_tts.py HOST PORT OUT_DIR TEXT
`describe` → checks the info; `synthesize` → OUT_DIR/oneshot.wav; the streaming variant
(the text sent in small pieces, as an LLM produces it) → OUT_DIR/streamed.wav. Prints a
JSON summary on stdout.
"""

import asyncio
import json
import sys

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


async def read_audio(client, until_stopped):
    """Reads audio events; returns (format, pcm, number of chunks, event types seen)."""
    fmt, pcm, chunks, seen = None, b"", 0, []
    while True:
        event = await asyncio.wait_for(client.read_event(), timeout=120)
        if event is None:
            raise SystemExit("connection closed early")
        seen.append(event.type)
        if Error.is_type(event.type):
            raise SystemExit(f"error event: {Error.from_event(event).text}")
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            fmt = (start.rate, start.width, start.channels)
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            assert (chunk.rate, chunk.width, chunk.channels) == fmt, "chunk matches start"
            pcm += chunk.audio
            chunks += 1
        elif AudioStop.is_type(event.type):
            if not until_stopped:
                return fmt, pcm, chunks, seen
        elif SynthesizeStopped.is_type(event.type):
            return fmt, pcm, chunks, seen


async def main(host, port, out_dir, text):
    summary = {}
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), timeout=30)
        info = Info.from_event(event)
        program = info.tts[0]
        summary["program"] = program.name
        summary["streaming"] = program.supports_synthesize_streaming
        summary["voices"] = [v.name for v in program.voices]
        summary["languages"] = sorted({l for v in program.voices for l in v.languages})

    async with AsyncTcpClient(host, port) as client:
        voice = SynthesizeVoice(name="af_heart")
        await client.write_event(Synthesize(text=text, voice=voice).event())
        fmt, pcm, chunks, seen = await read_audio(client, until_stopped=False)
        wavfile.save(f"{out_dir}/oneshot.wav", pcm, *fmt)
        summary["oneshot"] = {"format": fmt, "chunks": chunks, "events": seen[0]}

    async with AsyncTcpClient(host, port) as client:
        voice = SynthesizeVoice(name="bf_emma")
        await client.write_event(SynthesizeStart(voice=voice).event())
        words = text.split(" ")
        for i in range(0, len(words), 3):
            await client.write_event(SynthesizeChunk(text=" ".join(words[i : i + 3]) + " ").event())
        # Home Assistant also sends the whole text for servers without streaming.
        await client.write_event(Synthesize(text=text, voice=voice).event())
        await client.write_event(SynthesizeStop().event())
        fmt, pcm, chunks, seen = await read_audio(client, until_stopped=True)
        wavfile.save(f"{out_dir}/streamed.wav", pcm, *fmt)
        summary["streamed"] = {
            "format": fmt,
            "chunks": chunks,
            "starts": seen.count("audio-start"),
            "stops": seen.count("audio-stop"),
            "last": seen[-1],
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    host, port, out_dir, text = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    asyncio.run(main(host, port, out_dir, text))
