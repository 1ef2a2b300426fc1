#!/usr/bin/env bash
# Renders the three documents for every sample and fixture profile and for every corpus
# page, and prints "<sha256>  <case>" per PDF: run it with the binary before and after a
# refactoring and diff the two lists (a change that must not change output must leave
# them identical).
#
#   scripts/same-bytes.sh [path/to/annex] > after.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-$PWD/target}/debug/annex}
bin=$(realpath "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset SOURCE_DATE_EPOCH

render() { # case, then annex render arguments
  local case=$1; shift
  local out="$tmp/$case"
  if "$bin" render --out "$out" --force "$@" >/dev/null 2>"$tmp/err"; then
    for pdf in "$out"/*.pdf; do
      printf '%s  %s\n' "$(sha256sum < "$pdf" | cut -d' ' -f1)" "$case"
    done
  else
    printf 'FAILED  %s: %s\n' "$case" "$(head -c 300 "$tmp/err" | tr '\n' ' ')"
  fi
}

profiles=(data/profiles/*.toml tests/fixtures/tailor-*/profile.toml tests/fixtures/injection/profile.toml)
pages=(data/matrices/*.md $(find tests/fixtures/corpus -name '*.md' ! -name README.md | sort))
for kind in annex onboarding audit; do
  for p in "${profiles[@]}"; do
    [ -f "$p" ] || continue
    render "$kind:$p" --kind "$kind" --profile "$p"
  done
  for m in "${pages[@]}"; do
    render "$kind:$m" --kind "$kind" --matrix "$m"
  done
done
