#!/usr/bin/env bash
# bench/run.sh — annex against the peer pipelines (../shared/peers), in one run:
#   1. cold single annex, whole process (hyperfine): annex render vs typst-py vs WeasyPrint
#   2. batch of N distinct annexes (default 1,000): docs/s and peak RSS (/usr/bin/time -v),
#      annex batch vs typst-py --batch (and WeasyPrint --batch at N_WP, default 100: ~1 s/doc)
#   3. the warm in-process floor: annex's hidden `batch --bench-floor` (per-stage timings)
#      and the peers' typst_floor.py
# Figures go to $WORK/results-<UTC stamp>/ and a summary is printed at the end.
#
# Environment: ANNEX (binary; default target/release/annex, built if missing), PEERS
# (default ../shared/peers), VENV (peers' venv, created if missing; default
# /tmp/peers-venv), WORK (scratch, default /tmp/annex-bench), N, N_WP, RUNS (hyperfine runs),
# FLOOR (warm documents timed), SKIP_WP=1 (no WeasyPrint at all).
set -euo pipefail
. "$(dirname "$0")/common.sh"
WORK=${WORK:-/tmp/annex-bench}
ANNEX=${ANNEX:-$ROOT/target/release/annex}
N=${N:-1000}
N_WP=${N_WP:-100}
RUNS=${RUNS:-10}
FLOOR=${FLOOR:-50}

need_apt hyperfine hyperfine
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
if [ -z "${SKIP_WP:-}" ]; then
  # WeasyPrint's native libraries, as the peers' README lists them.
  dpkg -s libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null 2>&1 ||
    apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
fi
need_peers
if [ ! -x "$ANNEX" ]; then
  (cd "$ROOT" && cargo build --release)
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
R=$WORK/results-$STAMP
mkdir -p "$R" "$WORK/out"
cd "$WORK"
machine | tee "$R/machine.txt"

note() { echo "== $(date -u +%T) $1 | load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$R/load.txt"; }

# Sources the floors compile: the peer's rendered .typ, and a warm-up of each tool.
"$PY" "$PEERS/peer_typst_py.py" --profile "$PEERS/data/profiles/acme-gra.json" \
  --out out/acme-ty.pdf --keep-source out/annex-acme.typ
"$ANNEX" render --profile "$ROOT/data/profiles/acme.toml" --out out/cold --force >/dev/null

# 1. Cold single document, whole process.
note cold
WP_CMD=()
if [ -z "${SKIP_WP:-}" ]; then
  WP_CMD=(-n weasyprint-peer "$PY $PEERS/peer_weasyprint.py --profile $PEERS/data/profiles/acme-gra.json --out out/x-wp.pdf")
fi
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$R/cold.json" --export-markdown "$R/cold.md" \
  -n "annex render" "$ANNEX render --profile $ROOT/data/profiles/acme.toml --out out/cold --force" \
  -n typst-py-peer "$PY $PEERS/peer_typst_py.py --profile $PEERS/data/profiles/acme-gra.json --out out/x-ty.pdf" \
  "${WP_CMD[@]}"

# 2. Batch of N distinct documents: the three sample profiles in turn, legal and short name
#    suffixed with the copy number (as the peers' --batch does).
note "generate $N profiles"
gen_profiles profiles "$N"

batch() {  # batch NAME DOCS COMMAND...: one timed run with peak RSS
  local name=$1 docs=$2; shift 2
  note "$name"
  /usr/bin/time -v "$@" > "$R/$name.log" 2> "$R/$name.time" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$R/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$R/$name.time")
  printf '%s\t%s docs\t%s s\t%.1f docs/s\t%s MiB peak RSS\n' "$name" "$docs" "$wall" \
    "$(echo "$docs / $wall" | bc -l)" "$rss" | tee -a "$R/batch.tsv"
}
batch "annex-batch-$N" "$N" "$ANNEX" batch profiles --out out/batch --force --quiet --report "$R/report.json"
batch "annex-batch-$N-jobs1" "$N" "$ANNEX" batch profiles --out out/batch1 --force --quiet --jobs 1
batch "annex-batch-$N-rerun-skip" "$N" "$ANNEX" batch profiles --out out/batch --quiet
# The first 100 profiles (all of them when N is smaller).
N100=$((N < 100 ? N : 100))
rm -rf profiles100 && mkdir profiles100
files=(profiles/p*.toml)  # sorted by the glob; no pipe for pipefail to trip on
cp "${files[@]:0:N100}" profiles100/
batch "annex-batch-$N100" "$N100" "$ANNEX" batch profiles100 --out out/batch100 --force --quiet
batch "typst-py-peer-batch-$N" "$N" "$PY" "$PEERS/peer_typst_py.py" --batch "$N" --outdir out/bty
if [ -z "${SKIP_WP:-}" ]; then
  batch "weasyprint-peer-batch-$N_WP" "$N_WP" "$PY" "$PEERS/peer_weasyprint.py" --batch "$N_WP" --outdir out/bwp
fi

# 3. Warm in-process floor.
note floor
"$ANNEX" batch "$ROOT/data/profiles" --bench-floor "$FLOOR" --out out/floor | tee "$R/floor-annex.txt"
"$PY" "$PEERS/typst_floor.py" out/annex-acme.typ --n 20 | tee "$R/floor-typst-py.txt"
note done

echo
echo "## results ($R)"
cat "$R/machine.txt"
cat "$R/cold.md"
echo
cat "$R/batch.tsv"
echo
grep -E "warm document|cold|fonts" "$R/floor-annex.txt"
