#!/usr/bin/env bash
# The CUDA configuration as far as a machine without a GPU can take it (CI runs this):
#   1. `cargo build --release --features cuda` compiles;
#   2. `fetch-assets.sh --gpu` fetches and verifies onnxruntime-gpu's libraries (as
#      Dockerfile.cuda does);
#   3. that ONNX Runtime build loads in ttsd and speaks on the CPU (the same library the GPU
#      image runs), and the words are right;
#   4. `--device cuda` without a GPU fails at start with a clear reason, never a silent CPU
#      fallback.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --features cuda
./scripts/fetch-assets.sh --gpu
ttsd=target/release/ttsd
gpu_ort=assets/gpu/libonnxruntime.so.1.31.1
out=target/cuda-check
mkdir -p "$out"
text="The graphics build of the runtime speaks on the processor too."
"$ttsd" say --ort-library "$gpu_ort" --device cpu -o "$out/cpu.wav" "$text"
../shared/tools/asr-check --max-wer 0.1 "$text" "$out/cpu.wav"
if "$ttsd" say --ort-library "$gpu_ort" --device cuda -o "$out/cuda.wav" "$text" 2>"$out/cuda.err"; then
  echo "cuda-check: --device cuda succeeded on a machine with no GPU?" >&2
  exit 1
fi
grep -q "CUDA" "$out/cuda.err" || { echo "cuda-check: unclear error:" >&2; cat "$out/cuda.err" >&2; exit 1; }
echo "cuda-check: ok (refused as expected: $(grep -m1 CUDA "$out/cuda.err"))"
# Leave the default (CPU) binary in place for whatever runs next.
cargo build --release
