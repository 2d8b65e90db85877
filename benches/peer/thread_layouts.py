"""Thread layouts for Kokoro on this machine: the same two long sentences through ONNX
Runtime (the peer venv's onnxruntime, the version ttsd loads) with ttsd's session options
(memory patterns off, arena shrinkage after each run), laid out four ways:

    seq     one session, 2 intra-op threads, the two runs one after the other
    same    one session, 2 intra-op threads, the two runs at once
    two     two sessions of 1 thread each, one run on each at once
    global  two sessions sharing one 2-thread global pool, one run on each at once

    $(scripts/peer-venv.sh) benches/peer/thread_layouts.py MODEL VOICE_PACK [REPEATS]

Prints each layout's wall time for both runs (the median of REPEATS, default 3) and the
seconds of compute per second of audio. Each layout runs in a process of its own (ONNX
Runtime's global pool is per process). Phoneme ids come from kokoro-onnx's tokenizer.
"""
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import onnxruntime as ort
from kokoro_onnx.tokenizer import Tokenizer

TEXTS = [
    "Visitors can walk through the ancient history rooms on the ground floor, then climb "
    "to the gallery of modern paintings upstairs.",
    "There is a small cafe near the exit, where the soup is always warm and the bread is "
    "baked fresh each day.",
]


LAYOUTS = ("seq", "same", "two", "global")


def main():
    if sys.argv[1] != "--layout":
        for layout in LAYOUTS:
            subprocess.run([sys.executable, __file__, "--layout", layout, *sys.argv[1:]],
                           check=True)
        return
    layout, model, pack = sys.argv[2], sys.argv[3], sys.argv[4]
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    if layout == "global":
        ort.set_global_thread_pool_sizes(2, 1)
    tok = Tokenizer()
    ids = [tok.tokenize(tok.phonemize(t, "en-us")) for t in TEXTS]
    voice = np.fromfile(pack, dtype="<f4").reshape(510, 1, 256)
    run_options = ort.RunOptions()
    run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def session(threads, spinning, global_pool=False):
        so = ort.SessionOptions()
        so.enable_mem_pattern = False
        if global_pool:
            so.use_per_session_threads = False
        else:
            so.intra_op_num_threads = threads
            so.add_session_config_entry("session.intra_op.allow_spinning", str(int(spinning)))
        return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])

    def infer(s, i):
        t = ids[i]
        feed = {"tokens": np.array([[0, *t, 0]], dtype=np.int64), "style": voice[len(t)],
                "speed": np.array([1.0], dtype=np.float32)}
        return len(s.run(None, feed, run_options)[0]) / 24000

    def sequential(s):
        return sum(infer(s, i) for i in range(2))

    def concurrent(a, b):
        audio = [0.0, 0.0]

        def work(i, s):
            audio[i] = infer(s, i)

        threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate((a, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(audio)

    def measure(name, run):
        walls, audio = [], 0.0
        for _ in range(repeats):
            started = time.perf_counter()
            audio = run()
            walls.append(time.perf_counter() - started)
        wall = statistics.median(walls)
        print(f"{name:7} {wall:6.2f} s for {audio:5.2f} s of audio: {wall / audio:.3f} s per s")

    if layout == "seq":
        one = session(2, True)
        measure(layout, lambda: sequential(one))
    elif layout == "same":
        one = session(2, False)
        measure(layout, lambda: concurrent(one, one))
    elif layout == "two":
        a, b = session(1, False), session(1, False)
        measure(layout, lambda: concurrent(a, b))
    else:
        a, b = session(0, False, True), session(0, False, True)
        measure(layout, lambda: concurrent(a, b))

if __name__ == "__main__":
    main()
