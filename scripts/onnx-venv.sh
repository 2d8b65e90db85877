#!/usr/bin/env bash
# A private venv with the ONNX tooling from PyPI, at pinned versions; prints its python.
#   scripts/onnx-venv.sh          onnx (fetch-assets.sh makes the durations model with it)
#   scripts/onnx-venv.sh --ort    and onnxruntime (scripts/durations-check.py)
# onnx's own dependencies are pinned too: the durations model's bytes come from protobuf's
# serialiser, and fetch-assets.sh checks them against a pinned sha256.
# Idempotent: a venv that already has the pins is reused; --ort adds to it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${TTSD_ONNX_VENV:-$root/target/onnx-venv}

base=(onnx==1.23.2 protobuf==7.36.2 numpy==2.4.6 ml_dtypes==0.6.0 typing_extensions==4.16.0)
pins=("${base[@]}")
case ${1:-} in
  --ort) pins+=(onnxruntime==1.31.1 flatbuffers==25.12.19 packaging==26.4) ;;
  "") ;;
  *) echo "usage: $0 [--ort]" >&2; exit 2 ;;
esac

# ready lists what the venv holds, one pin a line.
have() { [[ -f $venv/ready ]] && grep -qxF -- "$1" "$venv/ready"; }
missing=()
for p in "${pins[@]}"; do have "$p" || missing+=("$p"); done

if ((${#missing[@]})); then
  stale=0
  for p in "${base[@]}"; do have "$p" || stale=1; done
  if ((stale)) || [[ ! -x $venv/bin/python ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" || {
      echo "onnx-venv: python3 -m venv failed (apt-get install python3-venv)" >&2
      exit 1
    }
    : >"$venv/ready"
  fi
  echo "onnx-venv: installing ${missing[*]} into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "${pins[@]}" >&2
  printf '%s\n' "${pins[@]}" | sort -u - "$venv/ready" -o "$venv/ready"
fi
echo "$venv/bin/python"
