#!/usr/bin/env bash
# The profile schema in an editor's checker (#17): taplo (the engine of VS Code's Even
# Better TOML), pinned, in its own venv, reads the `#:schema` line of the sample profiles
# and must accept them and every fixture profile meant to be valid, and must reject a
# profile with a bad choice (language = "xx") at its line. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/taplo-venv
if [ ! -x "$venv/bin/taplo" ]; then
  command -v python3 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; }
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'taplo==0.9.3'
fi
taplo="$venv/bin/taplo"
schema="file://$PWD/schemas/profile.schema.json"

# The sample profiles, through their own `#:schema` directive.
"$taplo" check data/profiles/*.toml

# The fixture profiles meant to be valid, through --schema.
good=()
for f in tests/fixtures/*/profile.toml; do
  case "$f" in tests/fixtures/bad-*) continue ;; esac
  good+=("$f")
done
"$taplo" check --schema "$schema" "${good[@]}"

# A bad choice is an error at its line (the editor underlines it as it is typed).
# Two folders deep like data/profiles/, so that its `#:schema ../../schemas/…` still holds.
tmp=target/profile-schema-check
rm -rf "$tmp" && mkdir -p "$tmp"
sed 's/^language = "en"/language = "xx"/' data/profiles/acme.toml > "$tmp/bad.toml"
grep -q '^language = "xx"' "$tmp/bad.toml"
if "$taplo" check "$tmp/bad.toml" >"$tmp/out" 2>&1; then
  echo "profile-schema-check: taplo accepted language = \"xx\"" >&2
  exit 1
fi
grep -q 'bad.toml:22:12' "$tmp/out" || { cat "$tmp/out" >&2; echo "profile-schema-check: no error at the language line" >&2; exit 1; }
echo "profile-schema-check: taplo accepts ${#good[@]} fixture and 3 sample profiles, rejects language = \"xx\""
