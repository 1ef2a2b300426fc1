#!/usr/bin/env bash
# Checks of rendered PDFs with outside tools (poppler-utils, qpdf), run by .ci/run after
# `cargo test`. Prints one line per check and a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build -q
exec python3 scripts/pdf_checks.py "${CARGO_TARGET_DIR:-$PWD/target}/debug/annex"
