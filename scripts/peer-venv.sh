#!/usr/bin/env bash
# A private venv with the latency bench's peer: kokoro-onnx 0.6.1 on ONNX Runtime 1.31.1
# (the same runtime version as ttsd). Prints the venv's python. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${PEER_VENV:-$root/target/peer-venv}
if [[ ! -f $venv/ready ]]; then
  echo "peer: installing kokoro-onnx==0.6.1 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check kokoro-onnx==0.6.1 onnxruntime==1.31.1 >&2
  touch "$venv/ready"
fi
echo "$venv/bin/python"
