#!/usr/bin/env bash
# Runs the cargo-fuzz targets (`make fuzz`): each for SECS seconds from its corpus and seeds,
# as many at once as there are cores. libFuzzer is one thread: one target after another left
# every core but one idle for the whole run (5 × 21 s with a core idle on 2 cores). Each
# target still has a core of its own for SECS seconds, so it makes as many runs as before.
#
#   scripts/fuzz.sh SECS TARGET...        (FUZZ_JOBS=N: N at once; default, the cores)
#
# A target's whole output goes to target/fuzz-logs/TARGET.log; printed here: its last line
# (runs, seconds), and, when it failed (a crash, a leak, a timeout), the end of its log.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=$1
shift
jobs=${FUZZ_JOBS:-$(nproc)}
logs=../target/fuzz-logs
mkdir -p "$logs"
# Built once before the runs (a build error shows here, whole), so that runs started together
# do not wait on each other's cargo lock to find nothing to build.
cargo +nightly fuzz build
export LSAN_OPTIONS=suppressions=$PWD/lsan.supp

run() { # run TARGET: fuzz it for $secs seconds, its output to its log
  mkdir -p "corpus/$1"
  cargo +nightly fuzz run "$1" "corpus/$1" "seeds/$1" -- \
    -max_total_time="$secs" -rss_limit_mb=4096 >"$logs/$1.log" 2>&1
}

declare -A pid_of status_of
running=0
reap() { # wait for one target to end, keep its exit status
  local pid rc=0
  wait -n -p pid || rc=$?
  status_of[$pid]=$rc
  running=$((running - 1))
}
for target in "$@"; do
  while ((running >= jobs)); do reap; done
  run "$target" &
  pid_of[$target]=$!
  running=$((running + 1))
done
while ((running)); do reap; done

failed=()
for target in "$@"; do
  if ((status_of[${pid_of[$target]}] == 0)); then
    echo "fuzz: $target: $(grep -E '^Done [0-9]+ runs' "$logs/$target.log" | tail -1)"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; the end of $logs/$target.log:"
    tail -n 60 "$logs/$target.log"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]} (artifacts in fuzz/artifacts/)" >&2
  exit 1
fi
