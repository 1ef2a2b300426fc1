#!/usr/bin/env bash
# OSCAL exports must be accepted by real OSCAL tooling (#15): exports the seed matrix, its
# Markdown page and two tailored profiles with `annex export --format oscal`, then loads
# each with compliance-trestle's ComponentDefinition model and validates it against NIST's
# OSCAL 1.1.3 component-definition JSON schema (tests/oscal/, see its README), and checks
# the requirement UUIDs against Python's uuid.uuid5 (scripts/oscal_check.py).
# Installs what it needs itself, idempotently: its own venv (target/oscal-venv, or
# $OSCAL_VENV) with pinned versions. Usage: scripts/oscal-check.sh. Exits 1 if any check failed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${OSCAL_VENV:-target/oscal-venv}
if [ ! -x "$venv/bin/python" ]; then
  command -v python3 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; }
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check 'compliance-trestle==3.12.4' 'jsonschema==4.26.0' 'regex==2026.11.19'
"$venv/bin/python" -c 'import trestle, jsonschema, regex' 
echo "225e770ba71081c48a7052ae40a8ed948db5a752cf03a8071e2d4a6cf411d1b1  tests/oscal/oscal_component_schema.json" | sha256sum -c --quiet
cargo build -q
annex="${CARGO_TARGET_DIR:-$PWD/target}/debug/annex"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$annex" export --format oscal data/matrices/ovhcloud-data-processing.toml -o "$work/seed-matrix.json" 2>/dev/null
"$annex" export --format oscal data/matrices/ovhcloud-data-processing-responsibility-model.md -o "$work/seed-page.json" 2>/dev/null
"$annex" export --format oscal data/profiles/acme.toml -o "$work/acme-profile.json" 2>/dev/null
"$annex" export --format oscal tests/fixtures/tailor-option/profile.toml -o "$work/tailor-option-profile.json" 2>/dev/null
# A re-export is byte-identical (so its UUIDs are the same).
"$annex" export --format oscal data/matrices/ovhcloud-data-processing.toml -o "$work/again.json" 2>/dev/null
cmp "$work/seed-matrix.json" "$work/again.json"
echo "ok      a re-export of the seed matrix is byte-identical"
"$venv/bin/python" scripts/oscal_check.py "$work"/seed-matrix.json "$work"/seed-page.json "$work"/acme-profile.json "$work"/tailor-option-profile.json
