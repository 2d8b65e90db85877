"""What the README's "Moving from OpenAI's speech API" section promises, through the official
`openai` package, unchanged but for base_url.

Usage: openai_migration.py BASE_URL API_KEY OUT_DIR TEXT
Writes OUT_DIR/instructions.mp3 (gpt-4o-mini-tts with `instructions`), OUT_DIR/format.EXT for
each response_format, OUT_DIR/speed-1.wav and OUT_DIR/speed-2.wav; asks for every OpenAI
voice name and every OpenAI model name; provokes a 400 and a 401. Prints a JSON summary.
"""

import json
import sys

import openai
from openai import OpenAI

VOICES = [
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx",
    "nova", "sage", "shimmer", "verse", "marin", "cedar",
]
MODELS = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"]
FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"]


def main(base_url, api_key, out_dir, text):
    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=0)
    summary = {}

    speech = client.audio.speech.create(
        model="gpt-4o-mini-tts",
        voice="coral",
        input=text,
        instructions="Speak in a cheerful and positive tone.",
    )
    speech.write_to_file(f"{out_dir}/instructions.mp3")
    summary["instructions_bytes"] = len(speech.content)

    summary["voices"] = {
        voice: len(
            client.audio.speech.create(
                model="tts-1", voice=voice, input="Hello.", response_format="wav"
            ).content
        )
        for voice in VOICES
    }
    summary["models"] = {
        model: len(
            client.audio.speech.create(
                model=model, voice="alloy", input="Hello.", response_format="wav"
            ).content
        )
        for model in MODELS
    }

    summary["formats"] = {}
    for fmt in FORMATS:
        with client.audio.speech.with_streaming_response.create(
            model="tts-1", voice="alloy", input="One format after another.", response_format=fmt
        ) as response:
            response.stream_to_file(f"{out_dir}/format.{fmt}")
            summary["formats"][fmt] = response.headers.get("content-type")

    for speed in (1, 2):
        client.audio.speech.create(
            model="tts-1",
            voice="alloy",
            input="The same words, at two speeds.",
            response_format="wav",
            speed=speed,
        ).write_to_file(f"{out_dir}/speed-{speed}.wav")

    try:
        client.audio.speech.create(model="tts-1", voice="nosuchvoice", input="Hello.")
    except openai.BadRequestError as e:
        summary["bad_request"] = {"status": e.status_code, "code": e.code, "message": e.message}
    try:
        OpenAI(base_url=base_url, api_key="wrong", max_retries=0).audio.speech.create(
            model="tts-1", voice="alloy", input="Hello."
        )
    except openai.AuthenticationError as e:
        summary["unauthorized"] = {"status": e.status_code, "code": e.code}
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:5])
