#!/usr/bin/env bash
# Fuzzes annex: builds the cargo-fuzz targets of fuzz/ and runs each for SECONDS (default
# 60), one after the other, each in one process on one core (the machine is shared).
# Exits 1 if any target found a crash, a panic, a timeout or an out-of-memory; the input
# is then in fuzz/artifacts/<target>/ (turn it into a regression test, then delete it).
#
#   scripts/fuzz.sh [SECONDS]           every target
#   FUZZ_TARGETS="read_pdf" scripts/fuzz.sh 600
#
# Only the stable toolchain is needed: cargo-fuzz passes nightly-only flags, which
# RUSTC_BOOTSTRAP=1 allows; no sanitizer (ASan needs a nightly standard library), so the
# targets find panics, aborts (stack overflow), hangs and memory blow-ups: safe Rust has
# no memory errors for ASan to find.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
read -r -a targets <<<"${FUZZ_TARGETS:-import_markdown load_matrix load_profile read_pdf_structure read_pdf escape_markup}"
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo fuzz build --sanitizer none

# Seeds: the repository's own inputs, read in place (libFuzzer reads folders recursively);
# what the fuzzer finds goes to fuzz/corpus/<target>/ (not committed).
seeds() {
  case "$1" in
    import_markdown) echo tests/fixtures/corpus data/matrices tests/fixtures/check-rules ;;
    load_matrix) echo data/matrices fuzz/seeds/load_matrix ;;
    load_profile) echo data/profiles tests/fixtures/injection tests/fixtures/tailor-base \
      tests/fixtures/bad-unknown-key tests/fixtures/bad-toml-syntax tests/fixtures/bad-missing-signatory ;;
    read_pdf) echo fuzz/corpus/read_pdf-seeds ;;
    # The verifier's finds, as well as small PDFs: most of its time goes to short inputs.
    read_pdf_structure) echo fuzz/seeds/read_pdf_structure fuzz/corpus/read_pdf-seeds fuzz/corpus/read_pdf ;;
    escape_markup) echo fuzz/seeds/escape_markup ;;
  esac
}

# PDFs to start from (made once, by the annex binary): a draft, a sealed final annex, and
# that annex signed twice.
pdf_seeds() {
  local dir=fuzz/corpus/read_pdf-seeds pki=tests/fixtures/seal-test-pki
  [ -s "$dir/signed-twice.pdf" ] && return
  # Without RUSTC_BOOTSTRAP: cargo keys builds on it, and the project's own build must stay
  # the one `cargo test` uses (else both rebuild typst from scratch).
  env -u RUSTC_BOOTSTRAP cargo build -q --bin annex >&2
  local annex=target/debug/annex tmp
  tmp=$(mktemp -d)
  mkdir -p "$dir"
  "$annex" render --out "$tmp/draft" >/dev/null 2>&1
  "$annex" render --profile data/profiles/nordwind.toml --out "$tmp/final" >/dev/null 2>&1
  cp "$tmp"/draft/*.pdf "$dir/draft.pdf"
  cp "$tmp"/final/*.pdf "$dir/final.pdf"
  cp "$dir/final.pdf" "$tmp/signed.pdf"
  "$annex" sign "$tmp/signed.pdf" --sign-key $pki/TEST-ONLY-provider.key.pem \
    --sign-cert $pki/TEST-ONLY-provider.cert.pem --sign-chain $pki/TEST-ONLY-ca.pem >/dev/null
  "$annex" sign "$tmp/signed.pdf" --sign-key $pki/TEST-ONLY-customer.key.pem \
    --sign-cert $pki/TEST-ONLY-customer.cert.pem --sign-chain $pki/TEST-ONLY-ca.pem >/dev/null
  cp "$tmp/signed.pdf" "$dir/signed-twice.pdf"
  rm -rf "$tmp"
}

# Extra libFuzzer options: the structure target stays on short inputs (64 KiB), where it
# runs thousands of times faster than on whole annexes.
options() {
  case "$1" in
    read_pdf_structure) echo -max_len=65536 ;;
  esac
}

failed=()
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  case "$target" in read_pdf | read_pdf_structure) pdf_seeds ;; esac
  # shellcheck disable=SC2046 # the seed folders are words
  set -- $(seeds "$target")
  # A seed folder another target fills may not exist yet (a first run, or one target alone).
  for d in "$@"; do mkdir -p "$d"; done
  echo "== $target: ${secs}s (seeds: $*)"
  # Not in fuzz/artifacts/: cargo-fuzz takes any file there for the failing input.
  mkdir -p fuzz/logs
  log=fuzz/logs/$target.log
  # -timeout: one input over 60 s is a hang (every stage must be linear);
  # -rss_limit_mb: over 2 GiB is a memory blow-up.
  if cargo fuzz run --sanitizer none "$target" "$corpus" "$@" -- \
    -max_total_time="$secs" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 $(options "$target") \
    >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$target")
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  echo "   $status: $runs runs, $rate exec/s, corpus $(find "$corpus" -type f | wc -l) inputs (log: $log)"
  if [ "$status" = FAILED ]; then
    grep -E -m 20 -A3 '^thread .* panicked|^==.*ERROR: libFuzzer|^SUMMARY|Test unit written' "$log" |
      cut -c1-300 || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes found in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "no crash in ${#targets[@]} target(s), ${secs}s each"
