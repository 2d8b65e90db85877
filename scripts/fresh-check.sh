#!/usr/bin/env bash
# The dependency list (scripts/deps.sh) tried on a fresh Debian 12: a minimal root made by
# debootstrap from Debian's packages (no compiler, no Python, no Node, no certificates), with
# this machine's Rust toolchain bind-mounted read-only and an empty CARGO_HOME. In it:
#   1. as a user without root or sudo, `scripts/deps.sh run` stops with the exact
#      `sudo apt-get install ...` line (deps.sh runs before anything else in `make run`);
#   2. as root, `scripts/deps.sh run` installs what is missing; a second run is silent;
#   3. `make assets` fetches the model, runtime and voices with what step 2 installed;
#   4. every C part of the build: the crates that build or bind C code (ffmpeg-next with
#      bindgen over FFmpeg's headers, opus, mp3lame-encoder with LAME from source) build in
#      release, and a C program linked like ttsd (libavcodec, libavformat, libavutil, libopus,
#      libespeak-ng) finds FFmpeg's AAC encoder, libopus, and espeak-ng's Spanish voice;
#   5. the Docker image's last stage: a second fresh root gets the release binary and the
#      assets, `scripts/deps.sh runtime` installs the runtime packages, every library the
#      binary loads resolves, and ttsd speaks English and Spanish into mp3, opus, aac, flac;
#   6. `scripts/deps.sh test` installs the rest; a second run is silent; each tool the tests
#      call runs: python3 -m venv with pip, node >= 20 with npm, chromium, firefox-esr,
#      geckodriver, kill, rustfmt, clippy.
# Step 4 builds the C parts rather than all of ttsd, and step 6 takes geckodriver from this
# machine's CARGO_HOME when it has one, to keep CI's cost to a few minutes; with --full,
# step 4 is `make build` (the whole release build, which step 5 then uses), geckodriver is
# built by deps.sh, and step 6 ends with `make web-test` (both browsers against the build).
# Without --full, step 5 takes target/release/ttsd from this machine (also Debian 12).
#
# Needs root (chroot, mounts), debootstrap (installed with apt-get if missing) and Debian's
# mirror. The pristine base is cached as target/fresh-check/base.tar for a week (debootstrap
# takes 2 to 3 minutes), downloaded .debs in target/fresh-check/apt-archives; each run unpacks
# new roots. KEEP=1 keeps them.
set -euo pipefail
# One compound command, read whole before it runs: editing this file during a run is safe.
{
repo=$(cd "$(dirname "$0")/.." && pwd)
full=0
[[ ${1:-} == --full ]] && full=1
work=$repo/target/fresh-check
base=$work/base.tar
mirror=http://deb.debian.org/debian
toolchain=$(dirname "$(dirname "$(rustup which cargo)")")
start=$SECONDS

say() { printf 'fresh-check: [%4ss] %s\n' $((SECONDS - start)) "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
((EUID == 0)) || fail "needs root (debootstrap, chroot, mounts)"
((full)) || [[ -x $repo/target/release/ttsd ]] || fail "needs target/release/ttsd (make build)"
# The tests call ../shared/tools/asr-check (SHARED_DIR, when the checkout has none beside it).
shared=${SHARED_DIR:-$repo/../shared}
[[ -x $shared/tools/asr-check ]] || fail "no $shared/tools/asr-check (set SHARED_DIR)"

mounts=()
roots=()
# A root is removed only when nothing is mounted in it any more (binds share a file system
# with it, so --one-file-system alone would not stop rm at them).
remove_root() {
  [[ -d $1 ]] || return 0
  if grep -q " $1/" /proc/mounts; then
    say "left $1 in place: something is still mounted in it"
    return 1
  fi
  rm -rf --one-file-system "$1"
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
  if [[ -z ${KEEP:-} ]]; then
    for i in "${roots[@]}"; do remove_root "$i" || true; done
  fi
}
trap cleanup EXIT
bind() { # bind SRC DEST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounts+=("$2")
  if [[ ${3:-} == ro ]]; then mount -o remount,bind,ro "$2"; fi
}

# The CA bundle this machine's network needs for HTTPS (an egress proxy may sign with its own
# CA), handed to cargo, pip and npm by variable, so that each root's /etc/ssl stays what
# Debian's ca-certificates makes of it, and deps.sh's probe for it stays honest.
ca_env=()
if [[ -s /etc/ssl/certs/ca-certificates.crt ]]; then
  ca_env=(CARGO_HTTP_CAINFO=/opt/host-ca.crt PIP_CERT=/opt/host-ca.crt
    NODE_EXTRA_CA_CERTS=/opt/host-ca.crt SSL_CERT_FILE=/opt/host-ca.crt)
fi

# new_root DIR: a pristine Debian 12 (minbase) with the sources an installation has, the
# kernel file systems, and the shared .deb cache.
new_root() {
  local r=$1
  remove_root "$r" || fail "$r is in use"
  mkdir -p "$r"
  roots+=("$r")
  tar -C "$r" -xf "$base"
  rm -f "$r/etc/apt/sources.list"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  [[ ${#ca_env[@]} == 0 ]] || cp /etc/ssl/certs/ca-certificates.crt "$r/opt/host-ca.crt"
  local fs
  for fs in proc sys dev dev/pts dev/shm; do bind "/$fs" "$r/$fs"; done
  bind "$work/apt-archives" "$r/var/cache/apt/archives"
}
# in_root ROOT [--user USER] COMMAND: a clean environment, in /build/ttsd, with the host's
# Rust on PATH and cargo's home at /root/.cargo.
in_root() {
  local r=$1 user=root home=/root
  shift
  if [[ $1 == --user ]]; then user=$2 home=/home/$2; shift 2; fi
  chroot --userspec="$user:$user" "$r" /usr/bin/env -i HOME="$home" \
    PATH="/root/.cargo/bin:/opt/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    CARGO_HOME=/root/.cargo LANG=C.UTF-8 TERM=dumb "${ca_env[@]}" \
    /bin/bash -o pipefail -c "cd /build/ttsd 2>/dev/null || cd /; $1"
}
packages() { chroot "$1" dpkg-query -W -f='.\n' | wc -l; }

# --- A fresh Debian 12 --------------------------------------------------------------------------
mkdir -p "$work/apt-archives/partial"
if [[ ! -f $base || -n $(find "$base" -mtime +7) ]]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  say "debootstrap bookworm (minbase) from $mirror"
  remove_root "$work/base" || fail "$work/base is in use"
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || fail "debootstrap failed: $work/debootstrap.log"
  tar -C "$work/base" -cf "$base.tmp" . && mv "$base.tmp" "$base" && rm -rf --one-file-system "$work/base"
fi
b=$work/build-root
new_root "$b"
say "base: $(packages "$b") packages (debootstrap minbase)"
# Rust: this machine's toolchain, read-only; cargo's home starts empty.
bind "$toolchain" "$b/opt/rust" ro
mkdir -p "$b/root/.cargo"
# The repository as committed plus the working tree's changes (no target/, no assets), and
# the shared tools the tests call from ../shared.
mkdir -p "$b/build/ttsd"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) \
  | tar -C "$b/build/ttsd" -xf -
bind "$(cd "$shared" && pwd)" "$b/build/shared" ro
chroot "$b" useradd --create-home --shell /bin/bash fresh
chroot "$b" chown -R fresh:fresh /build/ttsd

# --- 1. No root, no sudo: one clear message -----------------------------------------------------
say "1. scripts/deps.sh run as a user without root or sudo"
if in_root "$b" --user fresh 'scripts/deps.sh run' >"$work/1.out" 2>&1; then
  fail "deps.sh run succeeded without the packages"
fi
sed 's/^/fresh-check:          /' "$work/1.out" >&2
expected=$(in_root "$b" 'scripts/deps.sh --list' | sed -n 's/^run: //p')
grep -qxF "deps:   sudo apt-get install --no-install-recommends $expected" "$work/1.out" \
  || fail "the message lacks the line: sudo apt-get install --no-install-recommends $expected"

# --- 2. Root: installs, then silent -------------------------------------------------------------
say "2. scripts/deps.sh run as root (apt-get)"
t=$SECONDS
in_root "$b" 'scripts/deps.sh run' || fail "deps.sh run failed"
say "   done in $((SECONDS - t)) s; $(packages "$b") packages now"
in_root "$b" 'time scripts/deps.sh run' >"$work/2.out" 2>&1 || fail "second deps.sh run failed"
grep -v -E '^(real|user|sys)|^$' "$work/2.out" >&2 && fail "second deps.sh run printed something"
say "   second run silent, $(awk '/^real/ {print $2}' "$work/2.out")"

# --- 3. The assets ------------------------------------------------------------------------------
say "3. make assets"
t=$SECONDS
in_root "$b" 'make -s assets' >"$work/3.out" 2>&1 || { cat "$work/3.out" >&2; fail "make assets failed"; }
say "   fetched in $((SECONDS - t)) s"

# --- 4. The C parts of the build ----------------------------------------------------------------
t=$SECONDS
if ((full)); then
  say "4. make build (release)"
  in_root "$b" 'make -s build' || fail "make build failed"
  bin=$b/build/ttsd/target/release/ttsd
else
  say "4. the crates with C in them, in release; a C program linked like ttsd"
  in_root "$b" 'cargo build --release --locked --quiet -p ffmpeg-next -p opus -p mp3lame-encoder' \
    || fail "the C crates do not build"
  cat >"$b/tmp/probe.c" <<'EOF'
#include <stdio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <opus.h>
#include <espeak-ng/speak_lib.h>
int main(void) {
  const AVCodec *aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!aac) { puts("FFmpeg has no AAC encoder"); return 1; }
  int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, 0x8000);
  if (rate <= 0) { puts("espeak-ng finds no data"); return 1; }
  if (espeak_SetVoiceByName("es") != EE_OK) { puts("espeak-ng has no Spanish"); return 1; }
  unsigned v = avcodec_version();
  printf("libavcodec %u.%u.%u with the %s encoder, %s, espeak-ng with Spanish\n", v >> 16,
         (v >> 8) & 255, v & 255, aac->name, opus_get_version_string());
  return avformat_version() == 0;
}
EOF
  # shellcheck disable=SC2016 # expanded in the root
  in_root "$b" 'cc -o /tmp/probe /tmp/probe.c $(pkg-config --cflags --libs libavcodec libavformat libavutil opus espeak-ng) && /tmp/probe' \
    >"$work/4.out" 2>&1 || { cat "$work/4.out" >&2; fail "the C libraries do not link or run"; }
  say "   $(cat "$work/4.out")"
  bin=$repo/target/release/ttsd
fi
say "   done in $((SECONDS - t)) s"

# --- 5. The Docker image's last stage ----------------------------------------------------------
say "5. runtime: a fresh root, the release binary, scripts/deps.sh runtime"
r=$work/runtime-root
new_root "$r"
mkdir -p "$r/app/assets" "$r/app/voices"
cp "$bin" "$r/usr/local/bin/ttsd"
cp "$repo/scripts/deps.sh" "$r/tmp/deps.sh"
assets=$b/build/ttsd
# The whole assets folder, as the Dockerfile copies it: a list of files here drifts from what
# ttsd loads (it did: the model with durations was missing).
cp -r "$assets"/assets/. "$r/app/assets/"
cp "$assets"/voices/{af_heart,ef_dora}.bin "$r/app/voices/"
t=$SECONDS
# As the Dockerfiles run it.
in_root "$r" '/tmp/deps.sh runtime /usr/local/bin/ttsd ca-certificates curl' || fail "deps.sh runtime failed"
say "   done in $((SECONDS - t)) s; $(packages "$r") packages now; the binary's NEEDED entries,"
say "   all resolved: $(readelf -d "$r/usr/local/bin/ttsd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
for said in 'af_heart mp3 A fresh machine speaks.' 'ef_dora opus Una máquina nueva habla.' \
  'af_heart aac A fresh machine speaks.' 'ef_dora flac Una máquina nueva habla.'; do
  read -r voice fmt text <<<"$said"
  in_root "$r" "cd /app && ttsd say --voice $voice -o /tmp/out.$fmt '$text' 2>/tmp/say.err" \
    || { cat "$r/tmp/say.err" >&2; fail "ttsd say --voice $voice ($fmt) failed"; }
  [[ -s $r/tmp/out.$fmt ]] || fail "ttsd say wrote no $fmt"
done
say "   ttsd say: English and Spanish, mp3, opus, aac, flac"

# --- 6. The tests' tools ------------------------------------------------------------------------
gecko=$(type -P geckodriver || true)
if ((!full)) && [[ -n $gecko ]]; then
  mkdir -p "$b/root/.cargo/bin"
  cp "$gecko" "$b/root/.cargo/bin/"
  say "6. scripts/deps.sh test as root (geckodriver copied from $gecko)"
else
  say "6. scripts/deps.sh test as root"
fi
t=$SECONDS
in_root "$b" 'scripts/deps.sh test' || fail "deps.sh test failed"
say "   done in $((SECONDS - t)) s; $(packages "$b") packages now"
in_root "$b" 'time scripts/deps.sh test' >"$work/6.out" 2>&1 || fail "second deps.sh test failed"
grep -v -E '^(real|user|sys)|^$' "$work/6.out" >&2 && fail "second deps.sh test printed something"
say "   second run silent, $(awk '/^real/ {print $2}' "$work/6.out")"
# The tools with the Makefile's PATH (Node.js may be deps.sh's own). `sed -n 1p`, not
# `head -1`: head leaves as soon as it has its line, and geckodriver, still writing, then
# panics on the broken pipe, which pipefail makes a failure (it did, once in two runs).
# shellcheck disable=SC2016 # expanded in the root
tools='export PATH=/build/ttsd/target/tools/node/bin:$PATH
python3 -m venv /tmp/venv && /tmp/venv/bin/pip --version | cut -d" " -f1-2
echo "node $(node --version), npm $(npm --version)"
timeout 120 chromium --headless --no-sandbox --dump-dom about:blank >/dev/null 2>&1 && chromium --version
timeout 120 firefox-esr --headless --screenshot /tmp/ff.png about:blank >/dev/null 2>&1 && firefox-esr --version 2>/dev/null
geckodriver --version | sed -n 1p
type -P kill
cargo fmt --version && cargo clippy --version'
in_root "$b" "set -e; $tools" >"$work/6-tools.out" 2>&1 || { cat "$work/6-tools.out" >&2; fail "a test tool does not run"; }
sed 's/^/fresh-check:          /' "$work/6-tools.out" >&2
if ((full)); then
  say "6b. make web-test (release build, both browsers)"
  in_root "$b" 'make web-test' || fail "make web-test failed"
fi
say "ok in $((SECONDS - start)) s: on a fresh Debian 12, scripts/deps.sh gives \`make run\` and \`make test\` what they need"
exit 0
}
