#!/usr/bin/env bash
# A private venv with the Piper peers: piper-tts 1.8.0 (the reference implementation) and
# wyoming-piper 2.5.2 (the Wyoming server Home Assistant runs), with wyoming 1.10.2's client,
# on ONNX Runtime 1.31.1 (the same runtime version as ttsd). Prints the venv's python.
# Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${PIPER_PEER_VENV:-$root/target/piper-peer-venv}
if [[ ! -f $venv/ready ]]; then
  echo "peer: installing piper-tts==1.8.0 wyoming-piper==2.5.2 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check piper-tts==1.8.0 wyoming-piper==2.5.2 \
    wyoming==1.10.2 onnxruntime==1.31.1 >&2
  touch "$venv/ready"
fi
echo "$venv/bin/python"
