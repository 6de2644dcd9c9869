#!/usr/bin/env bash
# Make sure headless Chromium is on this machine: the docs render test (tests/publishing) needs it.
# Idempotent: when a chromium binary is already on PATH this does nothing, so make targets can call
# it every time. Debian's package is used because the only registries reachable here are PyPI, npm
# and Debian's; a browser build downloaded by a tool (e.g. Playwright's) would not install.
set -euo pipefail

for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        exit 0
    fi
done

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "chromium is missing and this user cannot run apt-get: install Debian's 'chromium' package" >&2
    exit 1
fi

echo "==> installing chromium (Debian package) for the docs render test"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
# fonts-liberation: without any font, screenshots saved on failure show boxes instead of text.
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
command -v chromium >/dev/null
