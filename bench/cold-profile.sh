#!/usr/bin/env bash
# bench/cold-profile.sh — where a cold single annex spends its work, in instructions.
#
# Wall-clock times of a 60 ms process on a shared 2-core VM move by ±15 % from one minute to
# the next; instruction counts do not. This runs one `annex render` (the cold start that
# bench/run.sh times) under valgrind's callgrind and prints the instructions of each stage,
# inclusive, all threads together. Compare two builds, or two template sets, with it:
#   bench/cold-profile.sh                         # the default annex
#   TEMPLATES=/tmp/variant bench/cold-profile.sh  # lib.typ etc. overridden (--templates)
#   PROFILE=data/profiles/nordwind.toml bench/cold-profile.sh
#
# ANNEX defaults to target/release/annex. Build it without LTO for this script
#   cargo build --release --config profile.release.lto=false --config profile.release.codegen-units=16
# fat LTO inlines several of the functions named below into their callers.
set -euo pipefail
. "$(dirname "$0")/common.sh"
ANNEX=${ANNEX:-$ROOT/target/release/annex}
PROFILE=${PROFILE:-$ROOT/data/profiles/acme.toml}
WORK=${WORK:-/tmp/annex-cold-profile}
need_apt valgrind valgrind
if [ ! -x "$ANNEX" ]; then
  (cd "$ROOT" && cargo build --release --config profile.release.lto=false \
    --config profile.release.codegen-units=16)
fi
mkdir -p "$WORK"
args=(render --profile "$PROFILE" --out "$WORK/out" --force)
[ -n "${TEMPLATES:-}" ] && args+=(--templates "$TEMPLATES")
# Once outside valgrind: the output folder exists, as in bench/run.sh's cold runs.
"$ANNEX" "${args[@]}" >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$ANNEX" "${args[@]}" \
  >/dev/null 2>"$WORK/valgrind.log"
callgrind_annotate --inclusive=yes "$WORK/callgrind.out" > "$WORK/inclusive.txt" 2>/dev/null

total=$(sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' "$WORK/inclusive.txt" | tr -d ,)
grouped() { echo "$1" | sed -e :a -e 's/\(.*[0-9]\)\([0-9]\{3\}\)/\1,\2/;ta'; }
row() {  # row LABEL SYMBOL: the inclusive instructions of the first line naming SYMBOL
  local n
  n=$(grep -F -m1 -- "???:$2 [" "$WORK/inclusive.txt" | awk '{print $1}' | tr -d , || true)
  if [ -z "$n" ]; then  # callgrind_annotate leaves out what is under 0.1 %
    printf '| %s | `%s` | | < 0.1 %% |\n' "$1" "$2"
    return
  fi
  printf '| %s | `%s` | %s | %.1f %% |\n' "$1" "$2" "$(grouped "$n")" \
    "$(echo "100 * $n / $total" | bc -l)"
}
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); annex: $ANNEX ($("$ANNEX" --version)); profile: $PROFILE${TEMPLATES:+; templates: $TEMPLATES}"
echo
echo "| stage | function | instructions | share |"
echo "| --- | --- | --- | --- |"
printf '| whole process, all threads | | %s | 100 %% |\n' "$(grouped "$total")"
row "load the shared inputs (matrix, catalogue, templates)" "annex::prepare::Shared::load"
row "tailor + template context" "annex::context::build"
row "warm-up on its own thread (fonts, library, lazy tables)" "annex::pdf::warm_up"
row "… of which: parse the bundled fonts" "typst_library::text::font::Font::new"
row "… of which: load the code highlighter's syntaxes (raw)" "two_face::syntax::extra_no_newlines"
row "Typst: evaluate the generated source" "typst_eval::eval"
row "Typst: lay out the page runs (rayon)" "typst_layout::pages::run::layout_page_run"
row "Typst: PDF export" "typst_pdf::pdf"
row "… of which: glyph outlines for the tag bounding boxes" "typst_library::text::item::TextItem::bbox"
row "… of which: zlib compression of streams" "krilla::stream::deflate_encode"
row "… of which: font subsetting" "krilla::text::cid::subset_font::{{closure}}"
row "decode the JSON data files (json())" "typst_library::loading::json_::json"
row "SHA-256 (digests, fingerprint)" "sha2::sha256::compress256"
echo
echo "(inclusive counts overlap: a row includes the rows below it that it calls; the full"
echo " listing is $WORK/inclusive.txt)"
