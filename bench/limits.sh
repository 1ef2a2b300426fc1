#!/usr/bin/env bash
# bench/limits.sh — generates inputs near and over annex's documented limits (src/limits.rs)
# and times import / check / render on them (whole process, wall clock and peak RSS via
# /usr/bin/time). Not a test: nothing is asserted; the figures go to BENCHMARKS.md
# ("Limits and linear cost"). Inputs are written to $WORK (default /tmp/annex-limits).
#
# Environment: ANNEX (binary; default target/release/annex, built if missing), WORK,
# TIMEOUT (seconds per run, default 120), ONLY (a regexp of case names to run).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANNEX=$(realpath "${ANNEX:-$ROOT/target/release/annex}")
WORK=${WORK:-/tmp/annex-limits}
TIMEOUT=${TIMEOUT:-120}
ONLY=${ONLY:-.}
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
if [ ! -x "$ANNEX" ]; then (cd "$ROOT" && cargo build --release); fi
rm -rf "$WORK/out" && mkdir -p "$WORK/out"
cd "$WORK"

python3 - <<'PY'
import os
HEAD = "| Activity | Customer | OVHcloud |\n| --- | --- | --- |\n"
def page(name, body):
    with open(name, "w") as f:
        f.write("---\ntitle: Bench\n---\n# Bench\n\n" + body)
def rows(n, prefix="Patch the operating system of server"):
    return "".join(f"| {prefix} {i} | RA | CI |\n" for i in range(n))
page("rows-10k.md", "## 1. Rows\n\n" + HEAD + rows(10_000))
page("rows-20k.md", "## 1. Rows\n\n" + HEAD + rows(20_000))
page("rows-200k.md", "## 1. Rows\n\n" + HEAD + rows(200_000))
words = " ".join(f"word{i % 997}" for i in range(2_500))
page("activity-2500-words.md", "## 1. Long\n\n" + HEAD + f"| {words} | RA | CI |\n")
big = ("lorem ipsum dolor sit amet " * 200_000)[:5_000_000]
page("activity-5mb.md", "## 1. Long\n\n" + HEAD + f"| {big} | RA | CI |\n")
page("activity-5mb-letters.md", "## 1. Long\n\n" + HEAD + f"| Do it | {'R' * 5_000_000} | CI |\n")
# Section nesting: 1, 1.1, 1.1.1, ... each with a one-row table.
def nested(depth):
    out, num = [], []
    for d in range(depth):
        num.append("1")
        out.append(f"### {'.'.join(num)}. Level {d + 1}\n\n" + HEAD + f"| Act {d} | RA | CI |\n\n")
    return "".join(out)
page("nesting-3000.md", nested(3000))
page("nesting-32.md", nested(32))
# A batch CSV of profiles with one long cell (the legal name): 1,000 chars, 100 KB, 10 MB.
HEADER = ("customer.legal-name,customer.short-name,contract.reference,contract.annex-number,"
          "contract.effective-date,contract.status,location.region,subscription.services,"
          "signatories.1.party,signatories.1.name,signatories.1.title,signatories.2.party,"
          "signatories.2.name,signatories.2.title\n")
REST = ",Nordwind,CTR-1,3,2026-12-01,draft,WAW,data-processing,customer,Anna Schmidt,CTO,provider,Sophie Durand,Key Account Manager\n"
for name, size in (("cell-1k.csv", 1_000), ("cell-100k.csv", 100_000), ("cell-10mb.csv", 10_000_000)):
    with open(name, "w") as f:
        f.write(HEADER + '"' + ("Nordwind " * (size // 9 + 1))[:size] + '"' + REST)
page("emphasis.md", "## 1. Marks\n\n" + HEAD + "".join(f"| {'*a_' * 33_000} | RA | CI |\n" for _ in range(100)))
page("prose-19mb.md", "## 1. Prose\n\n" + ("word [x](y) *e* " * 1_200_000)[:19_000_000] + "\n\n" + HEAD + "| a | RA | CI |\n")
page("cell-10mb.md", "## 1. Big cell\n\n" + HEAD + "| Do | RA | " + "C" * 10_000_000 + " |\n")
# A 19 MiB page: activities whose canonical form is larger than the page.
n = 19 * 1024 * 1024 // 60
page("page-19mib.md", "## 1. Big\n\n" + HEAD + "".join(f"| \"q\" {i:09d} \\ \"q\" \\ \"q\" | RA | CI |\n" for i in range(n)))
PY
python3 - "$ROOT/data/profiles/acme.toml" <<'PY'
import sys, re
text = open(sys.argv[1]).read()
ids = ", ".join(f'"no-such-service-{i:05d}"' for i in range(10_000))
text = re.sub(r'^services = \[.*$', f'services = ["data-processing", {ids}]', text, flags=re.M)
open("profile-10k-unknown.toml", "w").write(text)
PY

run() {  # run NAME COMMAND...: wall time, peak RSS, exit code, stderr size
  local name=$1; shift
  [[ $name =~ $ONLY ]] || return 0
  /usr/bin/time -f '%e %M' -o "$name.time" timeout "$TIMEOUT" "$@" >"$name.stdout" 2>"$name.stderr"
  local rc=$?
  read -r wall rss < <(tail -1 "$name.time") || { wall=?; rss=0; }
  [ $rc = 124 ] && wall=">$TIMEOUT"
  printf '%-34s exit %3s  %8s s  %7.0f MiB  stdout %9s B  stderr %9s B  %s\n' "$name" "$rc" "$wall" \
    "$(echo "${rss:-0} / 1024" | bc -l)" "$(stat -c %s "$name.stdout")" "$(stat -c %s "$name.stderr")" \
    "$(grep -m1 -E 'error|limit' "$name.stderr" | cut -c1-110)"
}
echo "annex: $ANNEX ($("$ANNEX" --version)); $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
run check-rows-10k          "$ANNEX" check rows-10k.md
run import-rows-10k         "$ANNEX" import rows-10k.md -o out/rows-10k.toml --force
run check-canonical-10k     "$ANNEX" check out/rows-10k.toml
run check-rows-20k          "$ANNEX" check rows-20k.md
run check-rows-200k         "$ANNEX" check rows-200k.md
run import-rows-200k        "$ANNEX" import rows-200k.md -o out/rows-200k.toml --force
run render-2500-words       "$ANNEX" render --matrix activity-2500-words.md --out out/r2500 --force
run render-rows-10k         "$ANNEX" render --matrix rows-10k.md --out out/r10k --force
run import-activity-5mb     "$ANNEX" import activity-5mb.md -o out/a5.toml --force
run check-activity-5mb      "$ANNEX" check activity-5mb.md
run render-activity-5mb     "$ANNEX" render --matrix activity-5mb.md --out out/r5 --force
run check-letters-5mb       "$ANNEX" check activity-5mb-letters.md
run check-nesting-32        "$ANNEX" check nesting-32.md
run check-nesting-3000      "$ANNEX" check nesting-3000.md
run render-nesting-3000     "$ANNEX" render --matrix nesting-3000.md --out out/n3000 --force
run check-emphasis          "$ANNEX" check emphasis.md
run check-prose-19mb        "$ANNEX" check prose-19mb.md
run check-cell-10mb         "$ANNEX" check cell-10mb.md
run batch-csv-cell-1k       "$ANNEX" batch cell-1k.csv --out out/csv1k --force
run batch-csv-cell-100k     "$ANNEX" batch cell-100k.csv --out out/csv100k --force
run batch-csv-cell-10mb     "$ANNEX" batch cell-10mb.csv --out out/csv --force
run import-page-19mib       "$ANNEX" import page-19mib.md -o out/p19.toml --force
run check-page-19mib-out    "$ANNEX" check out/p19.toml
run check-profile-10k       "$ANNEX" check --profile profile-10k-unknown.toml
run check-profile-10k-json  "$ANNEX" check --profile profile-10k-unknown.toml --format json
run render-profile-10k      "$ANNEX" render --profile profile-10k-unknown.toml --out out/p10k --force
