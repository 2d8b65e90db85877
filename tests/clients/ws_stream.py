"""Speaks a text over ttsd's streaming-input WebSocket with the `websockets` package, the
way an LLM would write it: word by word at a steady rate.

Usage: ws_stream.py URL KEY OUT.wav TEXT
URL is ws://HOST:PORT/v1/audio/speech/stream. The key goes in the Authorization header.
Writes the 24 kHz pcm it received as a WAV file; prints a JSON summary: the time from the
first clause's punctuation to the first audio, whether audio came before the text ended,
the messages seen.
"""

import asyncio
import json
import sys
import time

import websockets

import wavfile

WORDS_PER_SECOND = 20


async def main(url, key, out, text):
    headers = {"Authorization": f"Bearer {key}"}
    summary = {"binary": 0, "events": []}
    pcm = bytearray()
    async with websockets.connect(url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"voice": "af_heart", "response_format": "pcm"}))
        first_clause_at = None
        writing_done = asyncio.Event()

        async def write():
            nonlocal first_clause_at
            words = text.split(" ")
            for i, word in enumerate(words):
                piece = word if i == 0 else " " + word
                await ws.send(json.dumps({"text": piece}))
                if first_clause_at is None and piece.rstrip()[-1:] in ",.;:!?":
                    first_clause_at = time.monotonic()
                await asyncio.sleep(1 / WORDS_PER_SECOND)
            await ws.send(json.dumps({"close": True}))
            writing_done.set()

        writer = asyncio.create_task(write())
        first_audio_at = None
        async for message in ws:
            if isinstance(message, bytes):
                if first_audio_at is None:
                    first_audio_at = time.monotonic()
                    summary["audio_before_text_ended"] = not writing_done.is_set()
                pcm += message
                summary["binary"] += 1
            else:
                summary["events"].append(json.loads(message))
        await writer
        summary["close_code"] = ws.close_code
        summary["first_audio_after_first_clause_s"] = first_audio_at - first_clause_at
    wavfile.save(out, pcm)
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
