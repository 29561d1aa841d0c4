#!/usr/bin/env bash
# Create .venv with the locked dependencies and Onramp itself (called by `make`; safe to re-run).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "Onramp needs Python 3.11 or newer, and '$PYTHON' is not installed." >&2
    echo "On Debian or Ubuntu: apt-get install python3 python3-venv (or set PYTHON=/path/to/python3.11)." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Onramp needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
    echo "Install a newer Python and run: make PYTHON=/path/to/python3.11 run" >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        # Debian and Ubuntu ship venv's pip bootstrap in a separate package.
        version="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "Installing python${version}-venv (needed to create the virtualenv)…"
            DEBIAN_FRONTEND=noninteractive apt-get install -y "python${version}-venv" \
                || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "python${version}-venv"; }
        else
            echo "Python's venv module is missing. On Debian or Ubuntu run:" >&2
            echo "    sudo apt-get install python${version}-venv" >&2
            echo "then run make again." >&2
            exit 1
        fi
    fi
    echo "Creating the virtualenv in $VENV…"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

echo "Installing the locked dependencies (requirements.lock)…"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.lock
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
