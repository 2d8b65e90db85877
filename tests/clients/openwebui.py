"""The requests Open WebUI's OpenAI TTS engine sends, as its backend sends them
(open-webui backend/open_webui/routers/audio.py): the model and voice listings with
`requests` and no key, then the speech with aiohttp, its JSON payload
`{"input", "voice", "model"}` merged with the admin's TTS_OPENAI_PARAMS, and the whole body
read and saved as an .mp3.

Usage: openwebui.py BASE_URL API_KEY MODEL VOICE OUT_FILE TEXT
Prints a JSON summary on stdout.
"""

import asyncio
import json
import sys

import aiohttp
import requests


def available_models(base_url):
    response = requests.get(f"{base_url}/audio/models")
    response.raise_for_status()
    return response.json().get("models", [])


def available_voices(base_url):
    response = requests.get(f"{base_url}/audio/voices")
    response.raise_for_status()
    voices_list = response.json().get("voices", [])
    return {voice["id"]: voice["name"] for voice in voices_list}


async def speech(base_url, api_key, model, voice, out_file, text):
    # What the browser sends to Open WebUI, then what Open WebUI adds.
    payload = {"input": text, "voice": voice}
    payload["model"] = model
    payload = {**payload, **{}}  # TTS_OPENAI_PARAMS, empty by default
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as session:
        r = await session.post(
            url=f"{base_url}/audio/speech",
            json=payload,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {api_key}",
            },
        )
        r.raise_for_status()
        body = await r.read()
        with open(out_file, "wb") as f:
            f.write(body)
        return r.headers.get("Content-Type"), len(body)


def main(base_url, api_key, model, voice, out_file, text):
    models = available_models(base_url)
    voices = available_voices(base_url)
    content_type, size = asyncio.run(speech(base_url, api_key, model, voice, out_file, text))
    print(
        json.dumps(
            {
                "models": [m["id"] for m in models],
                "voices": voices,
                "content_type": content_type,
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:7])
