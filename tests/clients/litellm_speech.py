"""A request through a LiteLLM proxy whose backend is ttsd, with the official `openai` client.

Usage: litellm_speech.py PROXY_BASE_URL MASTER_KEY MODEL OUT_FILE TEXT
Prints a JSON summary on stdout.
"""

import json
import sys

from openai import OpenAI


def main(base_url, key, model, out_file, text):
    client = OpenAI(base_url=base_url, api_key=key, timeout=120, max_retries=0)
    speech = client.audio.speech.create(
        model=model, voice="af_heart", input=text, response_format="mp3"
    )
    speech.write_to_file(out_file)
    print(json.dumps({"bytes": len(speech.content), "content_type": speech.response.headers.get("content-type")}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
