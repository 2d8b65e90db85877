"""Kokoro-FastAPI v0.8.0's README request examples, run unchanged against ttsd.

usage: kokoro_fastapi_readme.py BASE_URL OUT_DIR

Each example is the README's code (README.md at v0.8.0, the lines named), with only its
server address (http://localhost:8880) replaced by BASE_URL; each runs in a directory of its
own under OUT_DIR, where it writes its files. Left out, as they cannot run anywhere as
written: the speaker half of lines 227-258 (PyAudio and a sound card), the "combined_voice"
request of lines 322-357 (a name no server has: Kokoro-FastAPI answers it with a 400 too),
and the fragments at lines 425-432 and 649-665.

Prints, last, one JSON line: {"files": [[path, expected words], ...], "checks": {...}}.
"""
import contextlib
import io
import json
import os
import subprocess
import sys

BASE, OUT = sys.argv[1].rstrip("/"), sys.argv[2]

EXAMPLES = {
    # name: (code, {file it writes: the words it should say})
    "readme_145": ('''
from openai import OpenAI

client = OpenAI(
    base_url="http://localhost:8880/v1", api_key="not-needed"
)

with client.audio.speech.with_streaming_response.create(
    model="kokoro",
    voice="af_sky+af_bella", #single or multiple voicepack combo
    input="Hello world!"
  ) as response:
      response.stream_to_file("output.mp3")
''', {"output.mp3": "Hello world!"}),
    "readme_179": ('''
# Using OpenAI's Python library
from openai import OpenAI
client = OpenAI(base_url="http://localhost:8880/v1", api_key="not-needed")
response = client.audio.speech.create(
    model="kokoro",  
    voice="af_bella+af_sky", # see /api/src/core/openai_mappings.json to customize
    input="Hello world!",
    response_format="mp3"
)

response.stream_to_file("output.mp3")
''', {"output.mp3": "Hello world!"}),
    "readme_193": ('''
import requests


response = requests.get("http://localhost:8880/v1/audio/voices")
voices = [v["id"] for v in response.json()["voices"]]

# Generate audio
response = requests.post(
    "http://localhost:8880/v1/audio/speech",
    json={
        "model": "kokoro",  
        "input": "Hello world!",
        "voice": "af_bella",
        "response_format": "mp3",  # Supported: mp3, wav, opus, flac, aac, pcm
        "speed": 1.0
    }
)

# Save audio
with open("output.mp3", "wb") as f:
    f.write(response.content)
CHECKS["voices"] = len(voices)
''', {"output.mp3": "Hello world!"}),
    "readme_227": ('''
# OpenAI-compatible streaming
from openai import OpenAI
client = OpenAI(
    base_url="http://localhost:8880/v1", api_key="not-needed")

# Stream to file
with client.audio.speech.with_streaming_response.create(
    model="kokoro",
    voice="af_bella",
    input="Hello world!"
) as response:
    response.stream_to_file("output.mp3")
''', {"output.mp3": "Hello world!"}),
    "readme_261": ('''
import requests

response = requests.post(
    "http://localhost:8880/v1/audio/speech",
    json={
        "input": "Hello world!",
        "voice": "af_bella",
        "response_format": "pcm"
    },
    stream=True
)

for chunk in response.iter_content(chunk_size=1024):
    if chunk:
        # Process streaming chunks
        pass
CHECKS["pcm_status"] = response.status_code
''', {}),
    "readme_322": ('''
import requests
response = requests.get("http://localhost:8880/v1/audio/voices")
voices = [v["id"] for v in response.json()["voices"]]

# Weighted voice combination (67%/33% mix)
response = requests.post(
    "http://localhost:8880/v1/audio/speech",
    json={
        "input": "Hello world!",
        "voice": "af_bella(2)+af_sky(1)",  # 2:1 ratio = 67%/33%
        "response_format": "mp3"
    }
)
with open("weighted.mp3", "wb") as f:
    f.write(response.content)

# Download combined voice as .pt file
response = requests.post(
    "http://localhost:8880/v1/audio/voices/combine",
    json="af_bella(2)+af_sky(1)"  # 2:1 ratio = 67%/33%
)

# Save the .pt file
with open("combined_voice.pt", "wb") as f:
    f.write(response.content)
CHECKS["combine_status"] = response.status_code
CHECKS["combine_bytes"] = len(response.content)
CHECKS["combine_disposition"] = response.headers.get("content-disposition")
''', {"weighted.mp3": "Hello world!"}),
    "readme_372": ('''
from openai import OpenAI
client = OpenAI(base_url="http://localhost:8880/v1", api_key="not-needed")

client.audio.speech.create(
    model="kokoro",
    voice="narrator",
    input="[voice:narrator] Once upon a time. [voice:villain] Never!",
    extra_body={
        "allow_voice_tags": True,
        "voice_aliases": {"narrator": "af_bella(2)+af_sky", "villain": "am_michael"},
    },
).write_to_file("aliased_sdk.mp3")
''', {"aliased_sdk.mp3": "Once upon a time. Never!"}),
    "readme_389": ('''curl -X POST http://localhost:8880/v1/audio/speech \\
  -H "Content-Type: application/json" \\
  -d '{
    "model": "kokoro",
    "voice": "narrator",
    "input": "[voice:narrator] Once upon a time. [voice:villain] Never!",
    "allow_voice_tags": true,
    "voice_aliases": {"narrator": "af_bella(2)+af_sky", "villain": "am_michael"},
    "response_format": "mp3"
  }' --output aliased.mp3
''', {"aliased.mp3": "Once upon a time. Never!"}),
    "readme_411": ('''curl -X POST http://localhost:8880/v1/audio/speech \\
  -H "Content-Type: application/json" \\
  -d '{
    "model": "kokoro",
    "voice": "af_heart",
    "input": "The narrator opens. [voice:af_bella] Did it land? [pause:0.3s] [voice:am_michael] It did.",
    "allow_voice_tags": true,
    "response_format": "mp3"
  }' --output dialogue.mp3
''', {"dialogue.mp3": "The narrator opens. Did it land? It did."}),
    "readme_436": ('''curl -X POST http://localhost:8880/dev/dialogue \\
  -H "Content-Type: application/json" \\
  -d '{
    "turns": [
      {"voice": "af_bella", "text": "Did the multi speaker support land?"},
      {"voice": "am_michael", "text": "It did. Turns switch voices inline."}
    ],
    "pause_between_turns": 0.4,
    "response_format": "mp3"
  }' --output dialogue.mp3
''', {"dialogue.mp3": "Did the multi speaker support land? It did. Turns switch voices inline."}),
    # Lines 481-483 (an input) and 491-499 (a request body), sent as the README says.
    "readme_481": ('''
import requests
r = requests.post("http://localhost:8880/v1/audio/speech", json={
    "model": "kokoro", "voice": "af_bella", "response_format": "wav",
    "input": "The city of [Worcester](/wˈʊstər/) is easy. [pause:1s] See?"})
open("worcester.wav", "wb").write(r.content)
r = requests.post("http://localhost:8880/v1/audio/speech", json={
  "model": "kokoro",
  "input": "<speak>Hi<break time=\\"750ms\\"/>there</speak>",
  "voice": "af_bella",
  "allow_voice_tags": True,
  "ssml": True
})
open("ssml.mp3", "wb").write(r.content)
''', {"worcester.wav": "The city of Worcester is easy. See?", "ssml.mp3": "Hi there"}),
    "readme_536": ('''
import requests

def get_phonemes(text: str, language: str = "a"):
    """Get phonemes and tokens for input text"""
    response = requests.post(
        "http://localhost:8880/dev/phonemize",
        json={"text": text, "language": language}  # "a" for American English
    )
    response.raise_for_status()
    result = response.json()
    return result["phonemes"], result["tokens"]

def generate_audio_from_phonemes(phonemes: str, voice: str = "af_bella"):
    """Generate audio from phonemes"""
    response = requests.post(
        "http://localhost:8880/dev/generate_from_phonemes",
        json={"phonemes": phonemes, "voice": voice},
        headers={"Accept": "audio/wav"}
    )
    if response.status_code != 200:
        print(f"Error: {response.text}")
        return None
    return response.content

# Example usage
text = "Hello world!"
try:
    # Convert text to phonemes
    phonemes, tokens = get_phonemes(text)
    print(f"Phonemes: {phonemes}")  # e.g. ðɪs ɪz ˈoʊnli ɐ tˈɛst
    print(f"Tokens: {tokens}")      # Token IDs including start/end tokens

    # Generate and save audio
    if audio_bytes := generate_audio_from_phonemes(phonemes):
        with open("speech.wav", "wb") as f:
            f.write(audio_bytes)
        print(f"Generated {len(audio_bytes)} bytes of audio")
except Exception as e:
    print(f"Error: {e}")
CHECKS["phonemes"] = phonemes
CHECKS["tokens"] = len(tokens)
''', {"speech.wav": "Hello world!"}),
    "readme_587": ('''
import requests
import base64
import json

response = requests.post(
    "http://localhost:8880/dev/captioned_speech",
    json={
        "model": "kokoro",
        "input": "Hello world!",
        "voice": "af_bella",
        "speed": 1.0,
        "response_format": "mp3",
        "stream": False,
    },
    stream=False
)

with open("output.mp3","wb") as f:

    audio_json=json.loads(response.content)
    chunk_audio=base64.b64decode(audio_json["audio"].encode("utf-8"))
    f.write(chunk_audio)
    print(audio_json["timestamps"])
CHECKS["captioned_words"] = [w["word"] for w in audio_json["timestamps"]]
''', {"output.mp3": "Hello world!"}),
    "readme_614": ('''
import requests
import base64
import json

response = requests.post(
    "http://localhost:8880/dev/captioned_speech",
    json={
        "model": "kokoro",
        "input": "Hello world!",
        "voice": "af_bella",
        "speed": 1.0,
        "response_format": "mp3",
        "stream": True,
    },
    stream=True
)

f=open("output.mp3","wb")
for chunk in response.iter_lines(decode_unicode=True):
    if chunk:
        chunk_json=json.loads(chunk)
        chunk_audio=base64.b64decode(chunk_json["audio"].encode("utf-8"))
        f.write(chunk_audio)
        print(chunk_json["timestamps"])
f.close()
''', {"output.mp3": "Hello world!"}),
}

files, checks, failed = [], {}, []
here = os.getcwd()
for name, (code, wrote) in EXAMPLES.items():
    code = code.replace("http://localhost:8880", BASE)
    work = os.path.join(OUT, name)
    os.makedirs(work, exist_ok=True)
    os.chdir(work)
    try:
        if code.startswith("curl"):
            done = subprocess.run(["bash", "-c", "curl -sS --fail-with-body " + code[5:]],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"curl exited {done.returncode}: {done.stderr}")
        else:
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                exec(compile(code, name, "exec"), {"CHECKS": checks, "__name__": "__main__"})
            if "Error" in printed.getvalue():
                raise RuntimeError(printed.getvalue())
        for file, words in wrote.items():
            path = os.path.join(work, file)
            if not os.path.getsize(path):
                raise RuntimeError(f"{file} is empty")
            files.append([path, words])
    except Exception as e:  # noqa: BLE001 - every example's failure is reported, not just one
        failed.append(f"{name}: {e!r}")
    finally:
        os.chdir(here)
print(json.dumps({"files": files, "checks": checks, "failed": failed}))
