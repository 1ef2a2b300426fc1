#!/usr/bin/env bash
# pyHanko and `annex verify` must agree (#11): run by .ci/run with the venv it made.
#   1. an annex signed by both signatories (`annex sign` twice): both say valid, and its
#      signature widgets stay tagged for PDF/UA-1 (also after pyHanko's countersignatures);
#   2. the same annex changed after signature 1 (a red box drawn over page 1, a FreeText
#      annotation, a replaced attachment), then countersigned by pyHanko itself (`annex
#      sign` refuses to): both reject each, annex naming the revision and the object;
#   3. the annex signed once by `annex sign`, then countersigned honestly by pyHanko (which
#      also updates /Info ModDate and Producer, the XMP metadata and /Extensions): both
#      accept, annex reporting the housekeeping; `annex register import` records both
#      signatures of the file (#26);
#   4. the /Info title changed after signature 1, then countersigned by pyHanko: annex
#      verify rejects it, pyHanko accepts it. An expected, documented disagreement (annex
#      allows only ModDate and Producer in /Info: the title is what readers show); it is
#      printed as such, and fails the script only if either side changes its mind;
#   5. (#24) what today's tools add for the life of a contract, each judged by both: a
#      countersignature with pyHanko's default /SubFilter (adbe.pkcs7.detached), by an RSA
#      and by an ECDSA key (pyHanko 0.38 then raises the catalogue's /Version to 2.0), and
#      with --use-pades; a B-T countersignature timestamped by a loopback TSA; `ltvfix`
#      validation data; an `ltaupdate` document timestamp (and (#26) those three files
#      imported into a register that never saw the annex made: recorded from its
#      attachments, pyHanko's signature listed once at B-LTA); `annex sign --tsa` (B-T), which
#      pyHanko must find TIMESTAMP_TOKEN<INTACT:TRUSTED>. With pyhanko-cli next to PYTHON,
#      the countersignature is also made by the command line the issue quotes;
#   6. (#24) B-LT and B-LTA made by annex (`annex ltv`, CRLs fetched from the loopback
#      server; `annex timestamp`), then, the server stopped, judged offline by pyHanko's
#      AdES validation (revocation data required, taken from the file only):
#      INTACT:TRUSTED with TIMESTAMP_TOKEN<INTACT:TRUSTED>, the B-LTA file holding a document
#      timestamp; annex verify agrees (B-LT, B-LTA). A certificate revoked before use:
#      annex sign refuses it, naming the CRL; countersigned with it by pyHanko, pyHanko's
#      ltvfix and annex ltv both refuse to add validation data. A red box drawn after the
#      document timestamp: both reject the file.
# Usage: scripts/pyhanko-check.sh PYTHON (a python with pyHanko installed). CI runs it with
# the old pin (pyHanko 0.29) and the current release (pyHanko 0.38 + pyhanko-cli 0.6).
# Prints one line per check; exits 1 if any check failed. Nothing is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: scripts/pyhanko-check.sh PYTHON}
# `cargo test --no-run` builds the binary the CLI tests run, with their features (a plain
# `cargo build` resolves other features and rebuilds typst).
cargo test --no-run -q >/dev/null 2>&1 || { echo "FAILED  build"; exit 1; }
annex="${CARGO_TARGET_DIR:-$PWD/target}/debug/annex"
pki=tests/fixtures/seal-test-pki
ca=$pki/TEST-ONLY-ca.pem
work=$(mktemp -d)
tsapid=
trap '[ -n "$tsapid" ] && kill "$tsapid" 2>/dev/null; rm -rf "$work"' EXIT
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
sign() { # pdf, who, more flags
  "$annex" sign "$1" --sign-key "$pki/TEST-ONLY-$2.key.pem" \
    --sign-cert "$pki/TEST-ONLY-$2.cert.pem" --sign-chain "$ca" "${@:3}"
}

# Recorded in a register (#26), so that a countersignature made elsewhere can be imported.
register=$work/register.db
(cd "$work" && "$annex" render --profile "$OLDPWD/data/profiles/nordwind.toml" --final \
  --register "$register") >/dev/null 2>&1 ||
  { echo "FAILED  render the final annex"; exit 1; }
pdf=$work/output/nordwind-annex.pdf
cp "$pdf" "$work/unsigned.pdf"
check "annex sign: first signatory (certifies, DocMDP P=2)" 0 sign "$pdf" provider
# PDF/UA-1 (#24): every signature field's widget tagged in a Form element, whoever signs.
check "PDF/UA: the certified annex's widgets are tagged (Form, /Alt, /Tabs /S)" 0 \
  "$python" scripts/pyhanko_check.py tagged "$pdf"
cp "$pdf" "$work/once.pdf"
check "annex sign: second signatory" 0 sign "$pdf" customer
check "PDF/UA: the countersigned annex's widgets are still tagged" 0 \
  "$python" scripts/pyhanko_check.py tagged "$pdf"
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
# #26: the file comes back countersigned by another tool; `annex register import` records
# both signatures (annex's, which the register had not seen, and pyHanko's).
check "register import: pyHanko's countersigned annex" 0 "$annex" register import "$ph" --register "$register"
grep -q "2 signature(s), 2 new" "$work/log" ||
  { echo "FAILED  register import records both signatures"; sed 's/^/        /' "$work/log"; failed=1; }
check "register: the annex is signed by both signatories" 0 "$annex" register status --format json --register "$register"
[ "$(jq -r '.[0].state + " " + (.[0].signatures|tostring)' "$work/log")" = "signed 2" ] ||
  { echo "FAILED  register status says signed, 2 signatures"; sed 's/^/        /' "$work/log"; failed=1; }
check "PDF/UA: pyHanko's countersignature leaves the widgets tagged" 0 \
  "$python" scripts/pyhanko_check.py tagged "$ph"

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

# 5. (#24) Today's tools, for the life of the contract. A loopback TSA (and CRL server) with
# its own throw-away PKI; both validators trust its CA besides the signers'.
tsadir=$work/tsa
mkdir "$tsadir"
"$python" scripts/loopback_tsa.py "$tsadir" 2>"$work/tsa.log" &
tsapid=$!
for _ in $(seq 200); do [ -f "$tsadir/port" ] && break; sleep 0.1; done
[ -f "$tsadir/port" ] || { echo "FAILED  the loopback TSA did not start"; cat "$work/tsa.log"; exit 1; }
tsa=http://127.0.0.1:$(cat "$tsadir/port")/
trust=$work/trust.pem
cat "$ca" "$tsadir/ca.pem" >"$trust"
both_accept() { # name, file, the lines annex verify must print (grep -E patterns)
  check "$1: pyHanko accepts it" 0 "$python" scripts/pyhanko_check.py validate "$trust" "$2"
  check "$1: annex verify accepts it" 0 "$annex" verify "$2" --trust "$trust"
  local line
  for line in "${@:3}"; do
    grep -Eq "$line" "$work/log" ||
      { echo "FAILED  $1: annex verify reports: $line"; sed 's/^/        /' "$work/log"; failed=1; }
  done
}
countersign() { # in, out, who, pkcs7|pades, [TSA URL]
  "$python" scripts/pyhanko_check.py countersign "$1" "$2" "$pki/TEST-ONLY-$3.key.pem" \
    "$pki/TEST-ONLY-$3.cert.pem" "$ca" "${@:4}"
}
check "pkcs7: pyHanko countersigns with its default /SubFilter (RSA key)" 0 \
  countersign "$work/once.pdf" "$work/pkcs7.pdf" customer pkcs7
both_accept pkcs7 "$work/pkcs7.pdf" "^ok +signature 2 .*PKCS#7, not PAdES"
cp "$work/unsigned.pdf" "$work/once-customer.pdf"
check "annex sign: the customer signs first" 0 sign "$work/once-customer.pdf" customer
check "pkcs7-ec: pyHanko countersigns with its default /SubFilter (ECDSA key)" 0 \
  countersign "$work/once-customer.pdf" "$work/pkcs7-ec.pdf" provider pkcs7
both_accept pkcs7-ec "$work/pkcs7-ec.pdf" "^ok +signature 2 .*PKCS#7, not PAdES"
if grep -q "/Version (raised to" "$work/log"; then
  echo "ok      pkcs7-ec: annex verify reports the raised /Version as housekeeping"
fi
check "pades: pyHanko countersigns with --use-pades" 0 \
  countersign "$work/once.pdf" "$work/pades.pdf" customer pades
both_accept pades "$work/pades.pdf" "^ok +signature 2 .*PAdES B-B" "^ok +signature 2: level B-B$"
check "b-t: pyHanko countersigns with --use-pades and a timestamp" 0 \
  countersign "$work/once.pdf" "$work/bt.pdf" customer pades "$tsa"
both_accept b-t "$work/bt.pdf" "^ok +signature 2 .*PAdES B-T: timestamp token by \"Loopback TEST-ONLY TSA\"" \
  "^ok +signature 2: level B-T$"
cp "$work/bt.pdf" "$work/ltv.pdf"
check "ltvfix: pyHanko adds validation data" 0 "$python" scripts/pyhanko_check.py ltvfix "$work/ltv.pdf" "$trust"
both_accept ltvfix "$work/ltv.pdf" "^ok +revision [0-9]+ .*adds validation data \(/DSS\)" \
  "^ok +signature 2: level B-LT "
cp "$work/ltv.pdf" "$work/lta.pdf"
check "ltaupdate: pyHanko adds a document timestamp" 0 \
  "$python" scripts/pyhanko_check.py ltaupdate "$work/lta.pdf" "$trust" "$tsa"
both_accept ltaupdate "$work/lta.pdf" "^ok +document timestamp 1 .*RFC 3161 token by \"Loopback TEST-ONLY TSA\"" \
  "^ok +signature 2: level B-LTA "
# #26: pyHanko's B-T, B-LT and B-LTA files brought into a register that never saw the annex
# made: its document is recorded from its attachments, and pyHanko's signature once, at the
# level pyHanko raised it to, with the B-LTA file as the file as it stands.
levels=$work/levels.db
check "register import: pyHanko's B-T, B-LT and B-LTA files, the annex unseen" 0 \
  "$annex" register import "$work/bt.pdf" "$work/ltv.pdf" "$work/lta.pdf" --register "$levels"
grep -q "bt.pdf: document recorded from its attachments; 2 signature(s), 2 new" "$work/log" ||
  { echo "FAILED  register import records the unseen annex from its attachments"; sed 's/^/        /' "$work/log"; failed=1; }
check "register list: pyHanko's signature at B-LTA" 0 "$annex" register list --format json --register "$levels"
[ "$(jq -r '[length, (.[0].signed_by | length), .[0].signed_by[1].level, .[0].sha256] | join(" ")' "$work/log")" = \
  "1 2 B-LTA $(sha256sum "$work/lta.pdf" | cut -d' ' -f1)" ] ||
  { echo "FAILED  register lists one annex, pyHanko's signature at B-LTA, the B-LTA file's SHA-256"; sed 's/^/        /' "$work/log"; failed=1; }
# Signed by the loopback PKI's signer: its certificate has the key usage (nonRepudiation)
# pyhanko-cli's default policy requires, which the fixture certificates lack.
cp "$work/unsigned.pdf" "$work/annex-bt.pdf"
check "annex sign --tsa: B-T by annex" 0 "$annex" sign "$work/annex-bt.pdf" \
  --sign-key "$tsadir/signer.key" --sign-cert "$tsadir/signer.pem" --sign-chain "$tsadir/ca.pem" --tsa "$tsa"
both_accept "annex sign --tsa" "$work/annex-bt.pdf" "^ok +signature 1 .*PAdES B-T: timestamp token by"
# pyhanko-cli (pyHanko 0.30 and later): the command lines of the issue, as a user types them.
cli=$(dirname "$python")/pyhanko
if [ -x "$cli" ]; then
  field=$("$python" scripts/pyhanko_check.py empty-field "$work/once-customer.pdf")
  check "pyhanko-cli: sign addsig (defaults, ECDSA key)" 0 "$cli" sign addsig --field "$field" pemder \
    --key "$pki/TEST-ONLY-provider.key.pem" --cert "$pki/TEST-ONLY-provider.cert.pem" --no-pass \
    "$work/once-customer.pdf" "$work/cli.pdf"
  both_accept "pyhanko-cli addsig" "$work/cli.pdf" "^ok +signature 2 .*PKCS#7, not PAdES"
  check "PDF/UA: pyhanko-cli addsig --field \"$field\" leaves the widgets tagged" 0 \
    "$python" scripts/pyhanko_check.py tagged "$work/cli.pdf"
  check "pyhanko-cli: sign validate finds annex's B-T timestamp trusted" 0 "$cli" sign validate \
    --trust "$ca" --trust "$tsadir/ca.pem" --trust-replace --no-revocation-check "$work/annex-bt.pdf"
  grep -q ":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" "$work/log" ||
    { echo "FAILED  pyhanko-cli: TIMESTAMP_TOKEN<INTACT:TRUSTED> for annex sign --tsa"; sed 's/^/        /' "$work/log"; failed=1; }
fi

# 6. (#24) B-LT and B-LTA by annex, judged offline.
lt=$work/annex-lt.pdf
lta=$work/annex-lta.pdf
# Revocation data issued after the signature's timestamp, as a CA's would be (pyHanko's
# AdES validation wants them fresher than what they vouch for).
sleep 1.1
check "annex ltv: B-LT, CRLs fetched from the certificates' distribution points" 0 \
  "$annex" ltv "$work/annex-bt.pdf" -o "$lt"
check "annex timestamp: B-LTA" 0 "$annex" timestamp "$lt" -o "$lta" --tsa "$tsa"
cp "$work/unsigned.pdf" "$work/revoked.pdf"
check "annex sign refuses a certificate revoked before use" 1 "$annex" sign "$work/revoked.pdf" \
  --sign-key "$tsadir/revoked.key" --sign-cert "$tsadir/revoked.pem" --sign-chain "$tsadir/ca.pem" --tsa "$tsa"
grep -q "\"Loopback TEST-ONLY Revoked\" was revoked on .* per the CRL of \"Loopback TEST-ONLY CA\"" "$work/log" ||
  { echo "FAILED  annex sign names the CRL that revokes the certificate"; sed 's/^/        /' "$work/log"; failed=1; }
# A countersignature by pyHanko with the revoked certificate: neither tool adds validation
# data that would dress it up (pyHanko's ltvfix raises RevokedError; annex ltv names the CRL).
check "revoked: pyHanko countersigns with the revoked certificate (B-T)" 0 \
  "$python" scripts/pyhanko_check.py countersign "$work/once.pdf" "$work/revoked-ph.pdf" \
  "$tsadir/revoked.key" "$tsadir/revoked.pem" "$tsadir/ca.pem" pades "$tsa"
sleep 1.1
cp "$work/revoked-ph.pdf" "$work/revoked-ph-ltv.pdf"
check "revoked: pyHanko ltvfix refuses to add validation data" 1 \
  "$python" scripts/pyhanko_check.py ltvfix "$work/revoked-ph-ltv.pdf" "$trust"
grep -q "RevokedError" "$work/log" ||
  { echo "FAILED  revoked: pyHanko refuses for the revocation"; sed 's/^/        /' "$work/log"; failed=1; }
check "revoked: annex ltv refuses too, writing nothing" 1 "$annex" ltv "$work/revoked-ph.pdf" --trust "$trust"
grep -q "\"Loopback TEST-ONLY Revoked\" was revoked on .* per the CRL of \"Loopback TEST-ONLY CA\"" "$work/log" ||
  { echo "FAILED  revoked: annex ltv names the CRL"; sed 's/^/        /' "$work/log"; failed=1; }
kill "$tsapid" 2>/dev/null
wait "$tsapid" 2>/dev/null
tsapid=
offline() { # name, file, level annex verify reports, document timestamps pyHanko finds
  check "$1: pyHanko's AdES validation, offline, accepts it" 0 \
    "$python" scripts/pyhanko_check.py adesverify "$tsadir/ca.pem" "$2"
  grep -q "[: ]INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" "$work/log" && grep -q "^document timestamps: $4$" "$work/log" ||
    { echo "FAILED  $1: pyHanko finds INTACT:TRUSTED, TIMESTAMP_TOKEN<INTACT:TRUSTED> and $4 document timestamp(s)"; sed 's/^/        /' "$work/log"; failed=1; }
  check "$1: annex verify accepts it, offline" 0 "$annex" verify "$2" --trust "$tsadir/ca.pem"
  grep -Eq "^ok +signature 1: level $3 " "$work/log" ||
    { echo "FAILED  $1: annex verify reports $3"; sed 's/^/        /' "$work/log"; failed=1; }
  if [ -x "$cli" ]; then
    check "$1: pyhanko-cli sign adesverify accepts it" 0 "$cli" sign adesverify \
      --trust "$tsadir/ca.pem" --trust-replace "$2"
    grep -q ":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" "$work/log" ||
      { echo "FAILED  $1: pyhanko-cli finds INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>"; sed 's/^/        /' "$work/log"; failed=1; }
  fi
}
offline "annex ltv (B-LT)" "$lt" B-LT 0
offline "annex timestamp (B-LTA)" "$lta" B-LTA 1
# A change after the document timestamp (a red box over page 1): both reject it.
red=$work/lta-red.pdf
check "B-LTA, then a red box: pyHanko changes the file after the document timestamp" 0 \
  "$python" scripts/pyhanko_check.py tamper-countersign red-box "$lta" "$red" \
  "$pki/TEST-ONLY-customer.key.pem" "$pki/TEST-ONLY-customer.cert.pem" "$ca"
check "B-LTA, then a red box: annex verify rejects it" 1 "$annex" verify "$red.tampered" --trust "$tsadir/ca.pem"
grep -q "FAILED  revision [0-9]* (after signature [0-9]*) changes object [0-9]* 0 (page 1: /Contents)" "$work/log" ||
  { echo "FAILED  B-LTA, then a red box: annex verify names the revision and the page"; sed 's/^/        /' "$work/log"; failed=1; }
check "B-LTA, then a red box: pyHanko's AdES validation rejects it" 1 \
  "$python" scripts/pyhanko_check.py adesverify "$tsadir/ca.pem" "$red.tampered"
grep -q "ILLEGAL_MODIFICATIONS" "$work/log" ||
  { echo "FAILED  B-LTA, then a red box: pyHanko rejects it for the modification"; sed 's/^/        /' "$work/log"; failed=1; }

exit $failed
