#!/usr/bin/env bash
# The English quality corpus (tests/corpus/en.txt) spoken by ttsd and by kokoro-onnx 0.6.1
# (same model, voice af_heart), both transcribed by ../shared/tools/asr-check; prints each
# one's mean word error rate. Needs `make assets` and a release build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
corpus=${1:-tests/corpus/en.txt}
voice=${VOICE:-af_heart}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python=$(scripts/peer-venv.sh)
mkdir -p "$out/ttsd"
i=0
: > "$out/ttsd.tsv"
while IFS= read -r line; do
  [[ -z ${line// } || $line == \#* ]] && continue
  text=${line%%$'\t'*}
  expected=${line#*$'\t'}
  file=$(printf '%s/ttsd/%02d.wav' "$out" "$i")
  # Through standard input: a line may start with "-" (a Markdown bullet).
  printf "%s" "$text" | ./target/release/ttsd say - --voice "$voice" -o "$file" 2>/dev/null
  printf '%s\t%s\n' "$file" "$expected" >> "$out/ttsd.tsv"
  i=$((i + 1))
done < "$corpus"
"$python" benches/peer/kokoro_onnx_corpus.py assets/kokoro-v1.0.int8.onnx voices "$corpus" \
  "$voice" en-us "$out/peer" > "$out/peer.tsv"
mean() { awk -F'[= ]' '/^wer=/ { s += $2; n++ } END { printf "%.3f over %d\n", s / n, n }'; }
for who in ttsd peer; do
  ../shared/tools/asr-check --max-wer 1000 --manifest "$out/$who.tsv" > "$out/$who.report" || true
  echo "$who: mean WER $(mean < "$out/$who.report")"
  if [[ -n ${VERBOSE:-} ]]; then cat "$out/$who.report"; fi
done
