"""A WebSocket session that keeps talking but says nothing, with the `websockets` package:
settings and a first sentence, then only the library's pings (every half second) and
`{"text": ""}` now and then — an idle client that a ping-resetting timer would keep open
for ever, holding its speech slot.

Usage: ws_idle.py URL GIVE_UP_S
Prints a JSON summary: whether the server closed the session (and when, counted from the
settings), its close code, the events it sent, the audio messages. Gives up (closing
itself) after GIVE_UP_S seconds.
"""

import asyncio
import json
import sys
import time

import websockets


async def main(url, give_up):
    summary = {"binary": 0, "events": [], "closed_by_server": False}
    async with websockets.connect(url, ping_interval=0.5, ping_timeout=5) as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"response_format": "pcm", "input": "Hello there."}))

        async def chatter():
            while True:
                await asyncio.sleep(0.7)
                await ws.send(json.dumps({"text": ""}))

        talker = asyncio.create_task(chatter())
        try:
            async with asyncio.timeout(give_up):
                async for message in ws:
                    if isinstance(message, bytes):
                        summary["binary"] += 1
                    else:
                        summary["events"].append(json.loads(message))
                summary["closed_by_server"] = True
        except TimeoutError:
            pass
        except websockets.ConnectionClosed:
            summary["closed_by_server"] = True
        talker.cancel()
        summary["closed_after_s"] = time.monotonic() - started
        summary["close_code"] = ws.close_code
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
