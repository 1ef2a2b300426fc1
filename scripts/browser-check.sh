#!/usr/bin/env bash
# The page of `annex serve` in a real browser (#16): headless Chromium from Debian, driven
# over WebDriver by Python selenium (pinned, in its own venv). Fills the form, sees a
# finding appear beside the wrong field, fixes it, sees the preview, downloads the PDF and
# reads the customer's name in it with pdftotext; then makes it final and sees the Register
# section list it (the server runs with --register on a fresh SQLite file), with its details
# and filters; a server without a register says so, one with a token lists it once the
# token is typed (#26). Loopback only; installs what it needs (idempotent). Usage: scripts/browser-check.sh [ANNEX_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

venv=target/browser-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q 'selenium==4.27.1'

bin="${1:-}"
if [ -z "$bin" ]; then
  cargo build --quiet
  bin=target/debug/annex
fi
"$venv/bin/python" scripts/browser_check.py "$bin"
