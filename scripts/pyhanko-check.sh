#!/usr/bin/env bash
# pyHanko and `annex verify` must agree (#11): run by .ci/run with the venv it made.
#   1. an annex signed by both signatories (`annex sign` twice): both say valid;
#   2. the same annex changed after signature 1 (a red box drawn over page 1, a FreeText
#      annotation, a replaced attachment), then countersigned by pyHanko itself (`annex
#      sign` refuses to): both reject each, annex naming the revision and the object;
#   3. the annex signed once by `annex sign`, then countersigned honestly by pyHanko (which
#      also updates /Info ModDate and Producer, the XMP metadata and /Extensions): both
#      accept, annex reporting the housekeeping;
#   4. the /Info title changed after signature 1, then countersigned by pyHanko: annex
#      verify rejects it, pyHanko accepts it. An expected, documented disagreement (annex
#      allows only ModDate and Producer in /Info: the title is what readers show); it is
#      printed as such, and fails the script only if either side changes its mind.
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

# Each change after signature 1, countersigned by pyHanko; the line annex verify must print.
for case in \
  "red-box|changes object [0-9]* 0 (page 1: /Contents)" \
  "free-text|adds object [0-9]* 0 to page 1's /Annots, which is not a new signature" \
  "attachment|changes object [0-9]* 0 (embedded file catalogue.toml: "; do
  kind=${case%%|*} line=${case#*|}
  out=$work/$kind.pdf
  check "$kind: pyHanko changes the annex after signature 1 and countersigns" 0 \
    "$python" scripts/pyhanko_check.py tamper-countersign "$kind" "$work/once.pdf" "$out" \
    "$pki/TEST-ONLY-customer.key.pem" "$pki/TEST-ONLY-customer.cert.pem" "$ca"
  check "$kind: annex sign refuses to countersign it" 1 sign "$out.tampered" customer
  check "$kind: annex verify rejects the countersigned file" 1 "$annex" verify "$out" --trust "$ca"
  grep -q "FAILED  revision 3 (after signature 1) $line" "$work/log" ||
    { echo "FAILED  $kind: annex verify names revision 3 and the object"; sed 's/^/        /' "$work/log"; failed=1; }
  check "$kind: pyHanko rejects the countersigned file" 1 \
    "$python" scripts/pyhanko_check.py validate "$ca" "$out"
  grep -q "signature 1 .*INVALID intact=True valid=True trusted=True docmdp_ok=False" "$work/log" ||
    { echo "FAILED  $kind: pyHanko rejects signature 1 for the modification, not another reason"; sed 's/^/        /' "$work/log"; failed=1; }
done

# An honest countersignature by another tool: both accept.
ph=$work/pyhanko-countersigned.pdf
check "pyHanko countersigns the annex signed once by annex sign" 0 \
  "$python" scripts/pyhanko_check.py countersign "$work/once.pdf" "$ph" \
  "$pki/TEST-ONLY-customer.key.pem" "$pki/TEST-ONLY-customer.cert.pem" "$ca"
check "pyHanko accepts its own countersignature" 0 \
  "$python" scripts/pyhanko_check.py validate "$ca" "$ph"
check "annex verify accepts pyHanko's countersignature" 0 "$annex" verify "$ph" --trust "$ca"
grep -q "ok      revision 3 also updates .*/Info ModDate, Producer.*the XMP metadata (housekeeping a signer may do)" "$work/log" ||
  { echo "FAILED  annex verify reports pyHanko's housekeeping"; sed 's/^/        /' "$work/log"; failed=1; }

# The /Info title changed after signature 1, countersigned by pyHanko: annex is stricter.
out=$work/title.pdf
check "title: pyHanko changes /Info Title after signature 1 and countersigns" 0 \
  "$python" scripts/pyhanko_check.py tamper-countersign title "$work/once.pdf" "$out" \
  "$pki/TEST-ONLY-customer.key.pem" "$pki/TEST-ONLY-customer.cert.pem" "$ca"
check "title: annex sign refuses to countersign it" 1 sign "$out.tampered" customer
check "title: annex verify rejects the changed /Info title" 1 "$annex" verify "$out" --trust "$ca"
grep -q "FAILED  revision 3 (after signature 1) changes object [0-9]* 0 (document information /Info: /Title)" "$work/log" ||
  { echo "FAILED  title: annex verify names revision 3 and the /Info object"; sed 's/^/        /' "$work/log"; failed=1; }
if "$python" scripts/pyhanko_check.py validate "$ca" "$out" >"$work/log" 2>&1; then
  echo "ok      title: pyHanko accepts it: expected, documented disagreement (annex is stricter on /Info Title)"
else
  echo "FAILED  title: pyHanko now rejects a changed /Info title too: update the documented disagreement"
  sed 's/^/        /' "$work/log"
  failed=1
fi

exit $failed
