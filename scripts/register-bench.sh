#!/usr/bin/env bash
# scripts/register-bench.sh [ANNEX_BINARY] — the register's bench (#26), not a test:
#   (a) a batch of N_BATCH final profiles with and without --register (fresh output folder
#       and fresh register before every run, hyperfine --prepare; ROUNDS rounds of
#       PER_ROUND runs of each, the order swapped every round, so both see the same
#       machine load), and the ratios;
#   (b) a register holding one real document made under the OLD matrix, filled by
#       scripts/register-bench.py to N_DOCS documents, then `register status`,
#       `register outdated --matrix <current matrix>` (and `list`, for information)
#       timed with hyperfine.
# The binary: the argument, else target/release/annex if built, else target/debug/annex
# (its dependencies are built at opt-level 3; the annex crate itself at opt-level 1).
# Environment: WORK (scratch, default /tmp/annex-register-bench), N_BATCH (40), N_DOCS
# (100000), ROUNDS (6) and PER_ROUND (2: runs of each batch command per round), RUNS
# (hyperfine runs of each register command, 6), JOBS (batch --jobs, default annex's own).
# Raw figures (hyperfine JSON and Markdown) stay in $WORK/results-<stamp>/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -ge 1 ]; then
  ANNEX=$(realpath "$1")
elif [ -x "$ROOT/target/release/annex" ]; then
  ANNEX=$ROOT/target/release/annex
else
  ANNEX=$ROOT/target/debug/annex
  echo "note: no target/release/annex: using the dev build $ANNEX (dependencies at opt-level 3)" >&2
fi
[ -x "$ANNEX" ] || { echo "no annex binary at $ANNEX: cargo build first" >&2; exit 2; }
WORK=${WORK:-/tmp/annex-register-bench}
N_BATCH=${N_BATCH:-40}
N_DOCS=${N_DOCS:-100000}
RUNS=${RUNS:-6}
ROUNDS=${ROUNDS:-6}
PER_ROUND=${PER_ROUND:-2}
OLD=$ROOT/tests/fixtures/pack-customers/old-matrix.toml
NEW=$ROOT/data/matrices/ovhcloud-data-processing.toml
JOBS_ARG=()
[ -n "${JOBS:-}" ] && JOBS_ARG=(--jobs "$JOBS")

if ! command -v hyperfine >/dev/null 2>&1; then
  apt-get install -y hyperfine >/dev/null || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
R=$WORK/results-$STAMP
mkdir -p "$R"
cd "$WORK"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"
  echo "annex: $ANNEX ($("$ANNEX" --version | head -1)), commit $(git -C "$ROOT" rev-parse --short HEAD)"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$R/machine.txt"

profile() {  # profile N: a final profile of contract BENCH-N (as tests/cli/register.rs writes them)
  cat <<P
[customer]
legal-name = "Customer $1 Ltd"
short-name = "C$1"

[contract]
reference = "BENCH-$1"
annex-number = 2
effective-date = 2026-09-01
status = "final"
language = "en"

[location]
region = "GRA"

[subscription]
services = ["data-processing"]

[[signatories]]
party = "customer"
name = "Signer $1"
title = "CISO"

[[signatories]]
party = "provider"
name = "Sophie Durand"
title = "Key Account Manager"
P
}

# (a) The batch, with and without the register.
rm -rf profiles && mkdir -p profiles
for ((i = 1; i <= N_BATCH; i++)); do profile "$(printf %03d "$i")" > "profiles/c$(printf %03d "$i").toml"; done
BATCH="$ANNEX batch profiles --out out --quiet ${JOBS_ARG[*]:-}"
echo "== $(date -u +%T) batch of $N_BATCH, with and without --register, $ROUNDS rounds | load $(cut -d' ' -f1-3 /proc/loadavg)"
# Interleaved: hyperfine does all runs of one command before the next, so it is run once
# per round with both commands ($PER_ROUND runs each), the order swapped every round.
PREP="rm -rf out batch.db batch.db-wal batch.db-shm"
$BATCH >/dev/null 2>&1; eval "$PREP"  # warm the page cache
for ((r = 1; r <= ROUNDS; r++)); do
  A=(-n "batch" "$BATCH"); B=(-n "batch --register" "$BATCH --register batch.db")
  if ((r % 2)); then CMDS=("${A[@]}" "${B[@]}"); else CMDS=("${B[@]}" "${A[@]}"); fi
  hyperfine -N --runs "$PER_ROUND" --prepare "$PREP" --style basic \
    --export-json "$R/batch-$r.json" "${CMDS[@]}" | grep -E '^Benchmark|Time \(mean'
done
eval "$PREP"; $BATCH --register batch.db >/dev/null 2>&1
echo "recorded: $(sqlite3 batch.db "SELECT count(*) FROM annex_events WHERE event = 'document'" 2>/dev/null || echo '?') documents (expect $N_BATCH)"
# Instructions (user space, all threads) do not move with the machine's load as wall time
# does: one count of each, alternated, three times.
# (Skipped where the CPU counters are not exposed, as on this VM.)
if command -v perf >/dev/null 2>&1 && perf stat -x, -e instructions:u true 2>&1 | grep -q '^[0-9]'; then
  for ((r = 1; r <= 3; r++)); do
    for reg in "" "--register batch.db"; do
      eval "$PREP"
      n=$(perf stat -x, -e instructions:u $BATCH $reg 2>&1 >/dev/null | awk -F, '/instructions/{print $1}')
      echo "instructions $([ -n "$reg" ] && echo with || echo without) --register: $n"
    done
  done | tee "$R/batch-instructions.txt"
  awk '/without/{a+=$NF; na++} /with --register/{b+=$NF; nb++} END{if (na && nb) printf "instructions with/without: %.3f (mean of %d each)\n", (b/nb)/(a/na), na}' "$R/batch-instructions.txt" | tee -a "$R/batch-ratio.txt"
fi
python3 - "$R" "$ROUNDS" <<'PY' | tee "$R/batch-ratio.txt"
import json, statistics, sys
times = {"batch": [], "batch --register": []}
ratios = []
for r in range(1, int(sys.argv[2]) + 1):
    res = {x["command"]: x["times"] for x in json.load(open(f"{sys.argv[1]}/batch-{r}.json"))["results"]}
    for k in times:
        times[k] += res[k]
    ratios.append(statistics.mean(res["batch --register"]) / statistics.mean(res["batch"]))
cpu = {"batch": [], "batch --register": []}
for r in range(1, int(sys.argv[2]) + 1):
    for x in json.load(open(f"{sys.argv[1]}/batch-{r}.json"))["results"]:
        cpu[x["command"]].append(x["user"] + x["system"])
a, b = times["batch"], times["batch --register"]
for name, t in (("without --register", a), ("with --register", b)):
    print(f"batch {name}: {len(t)} runs, mean {statistics.mean(t):.3f} s ± {statistics.stdev(t):.3f}, median {statistics.median(t):.3f} s, min {min(t):.3f} s")
print(f"ratio with/without: of means {statistics.mean(b) / statistics.mean(a):.3f}, of medians {statistics.median(b) / statistics.median(a):.3f}, of minima {min(b) / min(a):.3f}")
print(f"CPU (user + system, mean of the rounds' means): without {statistics.mean(cpu['batch']):.3f} s, with {statistics.mean(cpu['batch --register']):.3f} s, ratio {statistics.mean(cpu['batch --register']) / statistics.mean(cpu['batch']):.3f}")
print("ratio per round: " + ", ".join(f"{x:.3f}" for x in ratios) + f" (median {statistics.median(ratios):.3f})")
PY

# (b) A register of N_DOCS documents.
echo "== $(date -u +%T) building a register of $N_DOCS documents | load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf one big.db big.db-wal big.db-shm && mkdir -p one
profile 000 > one/c000.toml
"$ANNEX" render --profile one/c000.toml --matrix "$OLD" --out one/out --force --register big.db >/dev/null 2>/dev/null
python3 "$ROOT/scripts/register-bench.py" big.db $((N_DOCS - 1))
"$ANNEX" register verify --register big.db | head -1
echo "register: $(du -h big.db | cut -f1), $(sqlite3 big.db "SELECT count(*) FROM annex_events WHERE event = 'document'") documents, $(sqlite3 big.db "SELECT count(*) FROM annex_events WHERE event = 'signature'") signatures"
for c in "status --format csv" "outdated --matrix $NEW --format csv" "list --format csv"; do
  echo "rows of register ${c%% *}: $("$ANNEX" register $c --register big.db | wc -l)"
done
echo "== $(date -u +%T) status, outdated, list | load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 1 --runs "$RUNS" --output=null \
  --export-json "$R/register.json" --export-markdown "$R/register.md" \
  -n "register status" "$ANNEX register status --format csv --register big.db" \
  -n "register outdated" "$ANNEX register outdated --matrix $NEW --format csv --register big.db" \
  -n "register list" "$ANNEX register list --format csv --register big.db"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$R/machine.txt"
echo "results: $R"
