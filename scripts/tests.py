#!/usr/bin/env python3
"""Runs the test suite and says what each test cost (`make test` calls it).

    scripts/tests.py cargo [--jobs N] [--also NAME=COMMAND] [CARGO_TEST_ARGS...] [-- TEST_ARGS...]
        builds the test binaries (`cargo test --no-run`, the same build `cargo test` makes),
        then runs each as `cargo test` would (library, binary, tests, benches; from the
        repository's root), all of them even when one fails, N at a time (default: the
        machine's cores, or TTSD_TEST_JOBS), and records each test's time; --also runs a shell
        COMMAND as one more job of the same pool (the page's tests: `make web-test`)
    scripts/tests.py time NAME COMMAND...
        runs a command alone and records its time as one row
    scripts/tests.py report
        prints the table of what was recorded (target/test-report/), then the closing line
        "N passed, N failed"

Why not `cargo test` alone: libtest's stable output has no per-test time. Its JSON events
carry one (`--format json --report-time`), behind `-Z unstable-options`, which a test binary
accepts when RUSTC_BOOTSTRAP is set in its environment; it is set for the test binaries only,
never for the compiler (build scripts that probe for nightly features would build otherwise).
Why not cargo-nextest: it runs every test in a process of its own, so a binary's tests could
not share one real-model server, nor take turns through `common::serial()`.

Why binaries side by side: a third of the suite's time is waiting, not computing (audio played
in real time to the browsers and clients, servers starting, soak's clock): one binary at a
time left a core idle for that third. Each binary runs whole in its own process, with its own
servers on their own ports (`127.0.0.1:0`); its output is printed in one block when it ends.
The longest start first (`LONGEST`), so the last to end is a short one.

What a test spent besides time, the tests write themselves (tests/common `ledger`): seconds
of audio the real model made for it, and the calls of the ears (asr-check, the multilingual
ear) with the files they heard, as JSON lines in the file named by TTSD_TEST_LEDGER, which
this script sets per binary.
"""

import collections
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "test-report"
RESULTS = OUT / "results.jsonl"
# Cargo's order: the library's unit tests, the binary's, the integration tests, the benches.
ORDER = {"lib": 0, "bin": 1, "test": 2, "bench": 3}
NOTHING = {"waited": 0.0, "audio": 0.0, "ears": 0, "heard": 0}
# The binaries that took longest in the last measured runs (CONTRIBUTING.md's table), started
# first; the rest follow in cargo's order. A name missing here only starts later.
LONGEST = ["quality", "web-test", "clients", "cli", "soak", "formats", "server", "bench pipeline",
           "piper", "lib ttsd", "hardening"]
# The set-up that tests make on first use (idempotent, but not made to run twice at once):
# made here once, before binaries run side by side. asr-check installs itself on first use
# and then finds nothing to check.
SET_UP = [["scripts/clients-venv.sh"], ["scripts/piper-peer-venv.sh"],
          ["scripts/multilingual-ear.sh", "--install"],
          ["../shared/tools/asr-check", "--manifest", "/dev/null"]]
LOCK = threading.Lock()


def record(row):
    with LOCK:
        OUT.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as f:
            f.write(json.dumps(row) + "\n")


def say(line):
    with LOCK:
        print(line, flush=True)


def run_child(command, env=None, merge=True):
    """Runs a command to its end; returns its exit code and its stdout lines (stderr too when
    `merge`, else stderr goes straight on)."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT if merge else None, text=True,
                               errors="replace")
    lines = process.stdout.readlines()
    return process.wait(), lines


def cpu_times():
    """The machine's CPU time so far (/proc/stat, all cores, in ticks): (work at nice 0 or
    less, work at a positive nice, idle)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = fields[:7]
    return user + system + irq + softirq, nice, idle + iowait


def tail(text, lines=40):
    """The end of a failed test's output: what the report repeats after its table, so the last
    screen of a long run (all a CI log may keep) names the failure and shows why."""
    kept = text.rstrip().splitlines()
    return "\n".join(kept[-lines:])


def build(cargo, cargo_args):
    """The test executables (kind, name, path) that `cargo test CARGO_ARGS` would run."""
    command = [cargo, "test", "--no-run", "--message-format=json-render-diagnostics", *cargo_args]
    process = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if process.returncode != 0:
        sys.exit(f"tests: the build failed: {' '.join(command)}")
    found = {}
    for line in process.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message["profile"]["test"]:
            continue
        kind = message["target"]["kind"][0]
        found[message["executable"]] = (kind, message["target"]["name"])
    return sorted(((k, n, p) for p, (k, n) in found.items()), key=lambda t: (ORDER.get(t[0], 9), t[1]))


def ledger(path):
    """Per test: seconds waited for `common::serial()`, of real-model audio, ear calls, files
    heard."""
    spent = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            s = spent.setdefault(entry.get("test") or "?", dict(NOTHING))
            s["waited"] += entry.get("waited_seconds", 0.0)
            s["audio"] += entry.get("audio_seconds", 0.0)
            s["ears"] += entry.get("ear_calls", 0)
            s["heard"] += entry.get("ear_files", 0)
    return spent


def run_libtest(binary, path, test_args, ledger_path):
    """Runs one libtest binary with JSON events; prints a line per test when it ends; records
    each."""
    env = dict(os.environ, RUSTC_BOOTSTRAP="1", TTSD_TEST_LEDGER=str(ledger_path))
    command = [path, "-Z", "unstable-options", "--format", "json", "--report-time", *test_args]
    started = time.monotonic()
    # Its stderr (servers' logs, panics) goes straight on: only stdout is JSON.
    code, lines = run_child(command, env, merge=False)
    wall = time.monotonic() - started
    shown = [f"     Running {binary} ({os.path.relpath(path, ROOT)})"]
    tests = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            shown.append(line.rstrip("\n"))
            continue
        # "timeout" is libtest's note that a test has run for a minute; it goes on.
        if event.get("type") != "test" or event.get("event") in ("started", "timeout"):
            continue
        outcome = event["event"]
        seconds = float(event.get("exec_time", 0.0))
        shown.append(f"test {binary} {event['name']} ... {outcome} ({seconds:.1f} s from its start)")
        output = event.get("stdout") or ""
        if outcome == "failed" and output:
            shown.append(output.rstrip())
        tests.append((event["name"], outcome, seconds, output if outcome == "failed" else ""))
    spent = ledger(ledger_path)
    for name, outcome, seconds, output in tests:
        s = spent.pop(name, NOTHING)
        # libtest's time runs from the test's start, its wait for another's turn included.
        record({"binary": binary, "test": name, "outcome": outcome,
                "seconds": max(0.0, seconds - s["waited"]),
                "audio": s["audio"], "ears": s["ears"], "heard": s["heard"],
                "output": tail(output)})
    # What no test thread claimed (a thread of the binary's own), and the binary's wall time.
    rest = {k: sum(s[k] for s in spent.values()) for k in ("audio", "ears", "heard")}
    crashed = code != 0 and not any(t[1] == "failed" for t in tests)
    record({"binary": binary, "test": None, "outcome": "crashed" if crashed else "ok",
            "seconds": wall, **rest})
    if crashed:
        shown.append(f"test binary {binary} exited with {code} and no failed test: counted as a failure")
    shown.append(f"     Ended {binary} ({wall:.1f} s)")
    say("\n".join(shown))
    return code == 0


def run_plain(binary, command, ledger_path=None, test="(main)"):
    """A command with its own main (a bench, `harness = false`; the page's tests): one row."""
    env = dict(os.environ)
    if ledger_path:
        env["TTSD_TEST_LEDGER"] = str(ledger_path)
    started = time.monotonic()
    code, lines = run_child(command, env)
    seconds = time.monotonic() - started
    outcome = "ok" if code == 0 else "failed"
    output = "\n".join(line.rstrip("\n") for line in lines[-40:])
    say("".join(lines) + f"test {binary} {test} ... {outcome} ({seconds:.1f} s)")
    spent = ledger(ledger_path) if ledger_path else {}
    total = {k: sum(s[k] for s in spent.values()) for k in ("audio", "ears", "heard")}
    total = {"audio": 0.0, "ears": 0, "heard": 0, **total}
    record({"binary": binary, "test": test, "outcome": outcome, "seconds": seconds, **total,
            "output": output if code else ""})
    record({"binary": binary, "test": None, "outcome": "ok", "seconds": seconds,
            "audio": 0.0, "ears": 0, "heard": 0})
    return code == 0


def cargo_tests(args):
    cargo = os.environ.get("CARGO", "cargo")
    jobs = int(os.environ.get("TTSD_TEST_JOBS") or os.cpu_count() or 1)
    also = []
    while args and args[0] in ("--jobs", "--also"):
        if len(args) < 2:
            sys.exit(__doc__)
        if args[0] == "--jobs":
            jobs = int(args[1])
        else:
            name, _, command = args[1].partition("=")
            also.append((name, shlex.split(command)))
        args = args[2:]
    if "--" in args:
        cut = args.index("--")
        cargo_args, test_args = args[:cut], args[cut + 1:]
    else:
        cargo_args, test_args = args, []
    binaries = build(cargo, cargo_args)
    ledgers = OUT / "ledger"
    ledgers.mkdir(parents=True, exist_ok=True)
    if jobs > 1:
        for command in SET_UP:
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    work = []
    for kind, name, path in binaries:
        binary = f"{kind} {name}" if kind in ("lib", "bin", "bench") else name
        ledger_path = ledgers / f"{kind}-{name}.jsonl"
        ledger_path.unlink(missing_ok=True)
        if kind == "bench":
            work.append((binary, lambda b=binary, p=path, l=ledger_path: run_plain(b, [p], l)))
        else:
            work.append((binary, lambda b=binary, p=path, l=ledger_path:
                         run_libtest(b, p, test_args, l)))
    for name, command in also:
        work.append((name, lambda n=name, c=command: run_plain(n, c, test="(whole)")))
    first = {name: i for i, name in enumerate(LONGEST)}
    work.sort(key=lambda w: first.get(w[0], len(LONGEST)))  # stable: cargo's order after
    say(f"     Running {len(work)} test binaries, {jobs} at a time")
    started, before = time.monotonic(), cpu_times()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda w: w[1](), work))
    busy, niced, idle = (b - a for a, b in zip(before, cpu_times()))
    total = max(1, busy + niced + idle)
    record({"binary": None, "test": None, "outcome": "ok", "seconds": 0.0, **NOTHING,
            "elapsed": time.monotonic() - started, "jobs": jobs, "busy": busy / total,
            "niced": niced / total, "idle": idle / total})
    return 0 if all(results) else 1


def time_command(name, command):
    return 0 if run_plain(name, command, test="(whole)") else 1


def report():
    lines = []
    say = lines.append
    rows = [json.loads(l) for l in RESULTS.read_text().splitlines()] if RESULTS.exists() else []
    tests = [r for r in rows if r["test"] is not None]
    walls = [r for r in rows if r["test"] is None and r["binary"]]
    elapsed = [r for r in rows if "elapsed" in r]

    def ears(r):
        return f"{r['ears']} ({r['heard']})" if r["ears"] else ""

    def audio(r):
        return f"{r['audio']:.0f}" if r["audio"] else ""

    say("\n## Test cost\n")
    say("Seconds: a binary's from start to exit; a test's own, from its start less its wait")
    say("for another's turn (`common::serial()`); binaries run side by side, so a binary's")
    say("seconds include sharing the cores. Audio: seconds of speech the real model made for it.")
    say("Ears: calls of asr-check or the multilingual ear (files heard).\n")
    say("| binary | wall s | audio s | ears |")
    say("| --- | ---: | ---: | ---: |")
    for w in sorted(walls, key=lambda r: -r["seconds"]):
        mine = [t for t in tests if t["binary"] == w["binary"]] + [w]
        total = {"audio": sum(t["audio"] for t in mine), "ears": sum(t["ears"] for t in mine),
                 "heard": sum(t["heard"] for t in mine)}
        say(f"| {w['binary']} | {w['seconds']:.1f} | {audio(total)} | {ears(total)} |")
    say(f"| **all** | **{sum(w['seconds'] for w in walls):.1f}** | "
        f"{sum(t['audio'] for t in rows):.0f} | {sum(t['ears'] for t in rows)} "
        f"({sum(t['heard'] for t in rows)}) |")
    for r in elapsed:
        say(f"\nThe binaries took {r['elapsed']:.1f} s from the first's start to the last's end, "
            f"{r['jobs']} at a time; the machine's cores meanwhile: {r['busy']:.0%} busy, "
            f"{r['niced']:.0%} at a positive nice (in CI: the background fuzz build), {r['idle']:.0%} idle.")
    say("\n| binary | test | s | audio s | ears |")
    say("| --- | --- | ---: | ---: | ---: |")
    shown = [t for t in tests if t["seconds"] >= 1.0 or t["audio"] or t["ears"]]
    for t in sorted(shown, key=lambda r: -r["seconds"]):
        mark = "" if t["outcome"] in ("ok", "ignored") else f" **{t['outcome']}**"
        say(f"| {t['binary']} | {t['test']}{mark} | {t['seconds']:.1f} | {audio(t)} | {ears(t)} |")
    fast = len(tests) - len(shown)
    if fast:
        say(f"\n({fast} more tests took under a second each.)")
    load = os.getloadavg()
    say(f"\nload average now: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    broken = [r for r in rows if r["outcome"] in ("failed", "crashed")]
    if broken:
        say("\n## Failed\n")
        for r in broken:
            say(f"- {r['binary']} {r['test'] or '(the binary, outside any test)'}: {r['outcome']}")
            if r.get("output"):
                say("\n```\n" + r["output"] + "\n```\n")
    passed = sum(t["outcome"] == "ok" for t in tests)
    # A binary that exited with an error and no failed test (a panic outside any test).
    failed = sum(t["outcome"] == "failed" for t in tests) + sum(w["outcome"] == "crashed" for w in walls)
    ignored = sum(t["outcome"] == "ignored" for t in tests)
    say(f"\n{passed} passed, {failed} failed" + (f", {ignored} skipped" if ignored else ""))
    text = "\n".join(lines) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.md").write_text(text)
    sys.stdout.write(text)
    return 1 if failed else 0


def main(argv):
    if not argv:
        sys.exit(__doc__)
    verb, rest = argv[0], argv[1:]
    if verb == "cargo":
        return cargo_tests(rest)
    if verb == "time" and len(rest) >= 2:
        return time_command(rest[0], rest[1:])
    if verb == "report":
        return report()
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
