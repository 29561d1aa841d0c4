#!/usr/bin/env bash
# Regenerate requirements.lock: install pyproject.toml's dependencies (with the test extra) into
# a fresh virtualenv and freeze exactly what pip resolved.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check ".[test]"
"$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude onramp > requirements.lock
echo "requirements.lock: $(wc -l < requirements.lock) pinned packages. Run make (any target) to install them."
