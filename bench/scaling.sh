#!/usr/bin/env bash
# bench/scaling.sh — threads against processes, in one run (#12):
#   1. cold single annex, whole process (hyperfine): annex render vs the typst-py peer
#   2. for every N = 1..cores, the same DOCS distinct profiles rendered by
#        - one `annex batch --jobs N` process (threads),
#        - N `annex batch --shard i/N --jobs 1` processes side by side,
#        - the typst-py peer as N `--batch DOCS/N` processes side by side (N = 1: one process),
#      with docs/s, the highest peak RSS of any process, and the ratios the issue asks for:
#      threads / processes (target ≥ 0.95) and annex / peer (target ≥ 3), the peer taken
#      both as its own one-process --batch and as N processes.
# Every ratio printed comes from this one run. Figures go to $WORK/scaling-<UTC stamp>/.
#
# Environment: ANNEX (binary; default target/release/annex), PEERS, VENV (see common.sh),
# WORK (default /tmp/annex-scaling), DOCS (default 200), CORES (default nproc), RUNS
# (hyperfine runs of the cold start, default 15).
set -euo pipefail
. "$(dirname "$0")/common.sh"
WORK=${WORK:-/tmp/annex-scaling}
ANNEX=${ANNEX:-$ROOT/target/release/annex}
DOCS=${DOCS:-200}
CORES=${CORES:-$(nproc)}
RUNS=${RUNS:-15}

need_apt hyperfine hyperfine
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
need_apt bc bc
need_peers
[ -x "$ANNEX" ] || (cd "$ROOT" && cargo build --release)

R=$WORK/scaling-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$R"
cd "$WORK"
rm -rf out && mkdir out
gen_profiles profiles "$DOCS"
machine | tee "$R/machine.txt"
echo "documents per run: $DOCS" | tee -a "$R/machine.txt"

# 1. Cold single document, whole process.
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$R/cold.json" --export-markdown "$R/cold.md" \
  -n "annex render" "$ANNEX render --profile $ROOT/data/profiles/acme.toml --out out/cold --force" \
  -n typst-py-peer "$PY $PEERS/peer_typst_py.py --profile $PEERS/data/profiles/acme-gra.json --out out/x-ty.pdf" \
  >/dev/null
cold() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(r[int(sys.argv[2])]['median'])" "$R/cold.json" "$1"; }
COLD_ANNEX=$(cold 0)
COLD_PEER=$(cold 1)

declare -A RATE
side_by_side() {  # side_by_side NAME DOCS K COMMAND...: K processes at once, {i} and {k} in
  # COMMAND replaced by the process's index and K; prints docs/s over the group's wall time
  local name=$1 docs=$2 k=$3 i; shift 3
  local pids=() start end rss=0 r
  start=$(date +%s.%N)
  for ((i = 0; i < k; i++)); do
    local args=("${@//\{i\}/$i}")
    args=("${args[@]//\{k\}/$k}")
    /usr/bin/time -f %M -o "$R/$name.$i.rss" "${args[@]}" >"$R/$name.$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || echo "!! $name: a process failed (see $R/$name.*.log)"; done
  end=$(date +%s.%N)
  for ((i = 0; i < k; i++)); do
    r=$(tail -1 "$R/$name.$i.rss"); [ "$r" -gt "$rss" ] && rss=$r
  done
  RATE[$name]=$(echo "$docs / ($end - $start)" | bc -l)
  printf '%-22s %4d docs  %6.2f s  %6.1f docs/s  peak RSS %5.1f MiB (%d process%s)\n' \
    "$name" "$docs" "$(echo "$end - $start" | bc -l)" "${RATE[$name]}" "$(echo "$rss / 1024" | bc -l)" \
    "$k" "$([ "$k" -gt 1 ] && echo es)" | tee -a "$R/scaling.txt"
}

for ((n = 1; n <= CORES; n++)); do
  per=$((DOCS / n))
  side_by_side "annex-jobs$n" "$DOCS" 1 "$ANNEX" batch profiles --out out/jobs$n --force --quiet --jobs "$n"
  side_by_side "annex-shards$n" "$DOCS" "$n" \
    "$ANNEX" batch profiles --out "out/shard$n-{i}" --force --quiet --jobs 1 --shard "{i}/{k}"
  side_by_side "peer-procs$n" $((per * n)) "$n" \
    "$PY" "$PEERS/peer_typst_py.py" --batch "$per" --outdir "out/peer$n-{i}"
done

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
{
  echo
  echo "## $(head -1 "$R/machine.txt" | cut -d' ' -f2-) — $DOCS documents, one run"
  echo
  # Two peer baselines: its own --batch (one process, as bench/run.sh and the issue measure
  # "the peer's docs/s"), and the peer run as N processes (the harder one: every core).
  echo "| N | annex --jobs N | N shard processes | jobs/shards (≥ 0.95) | peer, N processes | annex / peer --batch, 1 process (≥ 3) | annex / peer, N processes |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  p1=${RATE[peer-procs1]}
  for ((n = 1; n <= CORES; n++)); do
    j=${RATE[annex-jobs$n]} s=${RATE[annex-shards$n]} p=${RATE[peer-procs$n]}
    printf '| %d | %.1f docs/s | %.1f docs/s | %s | %.1f docs/s | %s | %s |\n' "$n" "$j" "$s" "$(ratio "$j" "$s")" "$p" "$(ratio "$j" "$p1")" "$(ratio "$j" "$p")"
  done
  echo
  printf 'cold single document (median of %d): annex %.1f ms, peer %.1f ms: peer / annex = %s (≥ 3)\n' \
    "$RUNS" "$(echo "$COLD_ANNEX * 1000" | bc -l)" "$(echo "$COLD_PEER * 1000" | bc -l)" "$(ratio "$COLD_PEER" "$COLD_ANNEX")"
} | tee "$R/summary.md"
