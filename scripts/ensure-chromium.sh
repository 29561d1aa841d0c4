#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright; install it if we may.
set -euo pipefail
CHROMIUM="${ONRAMP_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests (apt-get install chromium)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
    [ -x "$CHROMIUM" ] && exit 0
fi
cat >&2 <<MSG
The browser tests need Chromium at $CHROMIUM, and it is not installed.
  On Debian:  sudo apt-get install chromium   (then run make test again)
  Elsewhere:  install Chromium and point ONRAMP_CHROMIUM at its binary,
              e.g. make test ONRAMP_CHROMIUM=/usr/bin/chromium-browser
MSG
exit 1
