"""The official `openai` package against ttsd, unchanged but for base_url.

Usage: openai_sdk.py BASE_URL API_KEY OUT_DIR TEXT
Writes OUT_DIR/create.wav (audio.speech.create), OUT_DIR/streamed.wav (with_streaming_response
… iter_bytes, raw pcm wrapped here) and OUT_DIR/sse.wav (stream_format="sse": the events'
base64 audio decoded and concatenated). Prints a JSON summary on stdout.
"""

import base64
import json
import sys

from openai import OpenAI

import wavfile


def main(base_url, api_key, out_dir, text):
    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=0)
    summary = {}

    speech = client.audio.speech.create(
        model="tts-1", voice="alloy", input=text, response_format="wav"
    )
    speech.write_to_file(f"{out_dir}/create.wav")
    summary["create_bytes"] = len(speech.content)

    pcm, chunks = b"", 0
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="nova", input=text, response_format="pcm"
    ) as response:
        summary["stream_content_type"] = response.headers.get("content-type")
        for chunk in response.iter_bytes():
            pcm += chunk
            chunks += 1
    wavfile.save(f"{out_dir}/streamed.wav", pcm)
    summary["stream_chunks"] = chunks

    pcm, deltas, done = b"", 0, None
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="af_heart",
        input=text,
        response_format="pcm",
        stream_format="sse",
    ) as response:
        summary["sse_content_type"] = response.headers.get("content-type")
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                summary["sse_done_marker"] = True
                continue
            event = json.loads(line[len("data: ") :])
            if event["type"] == "speech.audio.delta":
                pcm += base64.b64decode(event["audio"])
                deltas += 1
            elif event["type"] == "speech.audio.done":
                done = event
    wavfile.save(f"{out_dir}/sse.wav", pcm)
    summary["sse_deltas"] = deltas
    summary["sse_done"] = done
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:5])
