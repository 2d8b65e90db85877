#!/usr/bin/env bash
# A private venv with the real clients the ecosystem tests (tests/clients.rs) drive: the
# official OpenAI SDK, a LiteLLM proxy, the Wyoming protocol package and `websockets` (the
# streaming-input WebSocket), at pinned versions.
# Prints the venv's python. Idempotent: a finished venv is reused until the pins change.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${CLIENTS_VENV:-$root/target/clients-venv}
# litellm 1.110 moved its proxy extra into a package that needs Python 3.14; 1.106.12
# installs with its proxy on Debian 12's Python 3.11, and it needs openai 2.x.
pins=(openai==2.54.0 'litellm[proxy]==1.106.12' wyoming==1.10.2 websockets==15.0.1 requests==2.32.5)
stamp="${pins[*]}"
if [[ ! -f $venv/ready || $(cat "$venv/ready") != "$stamp" ]]; then
  echo "clients: installing ${pins[*]} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}" >&2
  echo "$stamp" > "$venv/ready"
fi
echo "$venv/bin/python"
