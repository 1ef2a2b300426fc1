#!/usr/bin/env bash
# pyHanko and `annex verify` must agree (#11): run by .ci/run with the venv it made.
#   1. an annex signed by both signatories (`annex sign` twice): both say valid;
#   2. the same annex with page 1 overdrawn after signature 1, then countersigned by
#      pyHanko itself (`annex sign` refuses to): both reject it.
# Usage: scripts/pyhanko-check.sh PYTHON (a python with pyHanko installed).
# Prints one line per check; exits 1 if any check failed. Nothing is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: scripts/pyhanko-check.sh PYTHON}
cargo build -q || exit 1
annex="${CARGO_TARGET_DIR:-$PWD/target}/debug/annex"
pki=tests/fixtures/seal-test-pki
ca=$pki/TEST-ONLY-ca.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() { # name, expected exit code, command...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/log" 2>&1
  local got=$?
  if [ "$got" = "$want" ]; then
    echo "ok      $name"
  else
    echo "FAILED  $name (exit $got, expected $want)"
    sed 's/^/        /' "$work/log"
    failed=1
  fi
}
sign() { # pdf, who
  "$annex" sign "$1" --sign-key "$pki/TEST-ONLY-$2.key.pem" \
    --sign-cert "$pki/TEST-ONLY-$2.cert.pem" --sign-chain "$ca"
}

(cd "$work" && "$annex" render --profile "$OLDPWD/data/profiles/nordwind.toml" --final) >/dev/null 2>&1 ||
  { echo "FAILED  render the final annex"; exit 1; }
pdf=$work/output/nordwind-annex.pdf
check "annex sign: first signatory (certifies, DocMDP P=2)" 0 sign "$pdf" provider
cp "$pdf" "$work/once.pdf"
check "annex sign: second signatory" 0 sign "$pdf" customer
check "annex verify accepts the countersigned annex" 0 "$annex" verify "$pdf" --trust "$ca"
check "pyHanko accepts both signatures of the countersigned annex" 0 \
  "$python" scripts/pyhanko_check.py validate "$ca" "$pdf"

check "pyHanko overdraws page 1 after signature 1 and countersigns" 0 \
  "$python" scripts/pyhanko_check.py tamper-countersign "$work/once.pdf" "$work/tampered.pdf" \
  "$pki/TEST-ONLY-customer.key.pem" "$pki/TEST-ONLY-customer.cert.pem" "$ca"
check "annex sign refuses to countersign the overdrawn annex" 1 sign "$work/tampered.pdf.tampered" customer
check "annex verify rejects the tampered-then-countersigned annex" 1 \
  "$annex" verify "$work/tampered.pdf" --trust "$ca"
grep -q "FAILED  revision 3 (after signature 1) changes object [0-9]* 0 (page 1: /Contents)" "$work/log" ||
  { echo "FAILED  annex verify names revision 3 and page 1's /Contents"; sed 's/^/        /' "$work/log"; failed=1; }
check "pyHanko rejects the tampered-then-countersigned annex" 1 \
  "$python" scripts/pyhanko_check.py validate "$ca" "$work/tampered.pdf"
grep -q "signature 1 .*INVALID intact=True valid=True trusted=True docmdp_ok=False" "$work/log" ||
  { echo "FAILED  pyHanko rejects signature 1 for the modification, not for another reason"; sed 's/^/        /' "$work/log"; failed=1; }

exit $failed
