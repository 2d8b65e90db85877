"""The official `openai` package speaking with one voice of ttsd's, unchanged but for
base_url: for a voice of another engine than the default (a Piper voice beside Kokoro).

Usage: openai_voice.py BASE_URL API_KEY OUT_DIR TEXT VOICE MODEL
`audio.speech.create` (wav) with MODEL → OUT_DIR/create.wav; the same with OpenAI's
`tts-1` streamed as raw pcm (`with_streaming_response` … `iter_bytes`) → OUT_DIR/streamed.pcm.
Prints a JSON summary on stdout: the WAV's rate, the stream's content type, chunks and bytes.
"""

import io
import json
import sys
import wave

from openai import OpenAI


def main(base_url, api_key, out_dir, text, voice, model):
    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=0)
    summary = {}

    speech = client.audio.speech.create(model=model, voice=voice, input=text, response_format="wav")
    speech.write_to_file(f"{out_dir}/create.wav")
    with wave.open(io.BytesIO(speech.content)) as w:
        summary["create_rate"] = w.getframerate()

    pcm, chunks = b"", 0
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice=voice, input=text, response_format="pcm"
    ) as response:
        summary["stream_content_type"] = response.headers.get("content-type")
        for chunk in response.iter_bytes():
            pcm += chunk
            chunks += 1
    with open(f"{out_dir}/streamed.pcm", "wb") as f:
        f.write(pcm)
    summary["stream_chunks"] = chunks
    summary["stream_bytes"] = len(pcm)
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:7])
