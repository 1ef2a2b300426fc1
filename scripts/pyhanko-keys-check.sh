#!/usr/bin/env bash
# pyHanko validates what every key source signs (#25): run by .ci/run with the venv it made.
#   1. a PKCS#12 file from `openssl pkcs12 -export` (PBES2/AES), certificate from the file;
#   2. a legacy one (`-legacy`: 3DES key, RC2-40 certificates), RSA 2048;
#   3. an encrypted PKCS#8 PEM key with --sign-cert;
#   4. a SoftHSM2 token (initialised here, SOFTHSM2_CONF in a temp folder) holding an EC
#      P-256 key and an RSA 3072 key imported with `softhsm2-util --import`: one annex each
#      (the RSA key twice: PKCS#1 v1.5 and RSASSA-PSS);
#   5. a batch of final annexes signed on the token: every one.
# Each annex must be valid for pyHanko ("$repo/scripts/pyhanko_check.py" validate), for `annex
# verify` and for poppler's pdfsig.
# Usage: scripts/pyhanko-keys-check.sh PYTHON (a python with pyHanko installed). ANNEX, if
# set, is the binary to test (else `cargo build` makes it).
# Prints one line per check; exits 1 if any check failed. Nothing is skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${1:?usage: scripts/pyhanko-keys-check.sh PYTHON}
case $python in /*) ;; */*) python=$repo/$python ;; esac # the checks run in a temp folder
if [ -z "${ANNEX:-}" ]; then
  cargo build -q || exit 1
  ANNEX="${CARGO_TARGET_DIR:-$PWD/target}/debug/annex"
fi
module=/usr/lib/softhsm/libsofthsm2.so
pki=$PWD/tests/fixtures/seal-test-pki
ca=$pki/TEST-ONLY-ca.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() { # name, command...
  local name=$1
  shift
  if "$@" >"$work/log" 2>&1; then
    echo "ok      $name"
  else
    echo "FAILED  $name"
    sed 's/^/        /' "$work/log"
    failed=1
  fi
}
valid() { # name, trust anchor, pdf
  check "pyHanko: $1" "$python" "$repo/scripts/pyhanko_check.py" validate "$2" "$3"
  check "annex verify: $1" "$ANNEX" verify "$3" --trust "$2"
  check "pdfsig: $1" bash -c "pdfsig '$3' | grep -q 'Signature is Valid.'"
}

cd "$work" || exit 1
"$ANNEX" render --profile "$repo/data/profiles/nordwind.toml" --final >/dev/null 2>&1 ||
  { echo "FAILED  render the final annex"; exit 1; }
annex_pdf=$work/output/nordwind-annex.pdf
fresh() { cp "$annex_pdf" "$work/$1.pdf"; echo "$work/$1.pdf"; }
echo 'correct horse 7' >pass
p='pass:correct horse 7'
openssl pkcs12 -export -inkey "$pki/TEST-ONLY-provider.key.pem" -in "$pki/TEST-ONLY-provider.cert.pem" \
  -certfile "$ca" -passout "$p" -out id.p12
openssl pkcs12 -export -legacy -inkey "$pki/TEST-ONLY-customer.key.pem" \
  -in "$pki/TEST-ONLY-customer.cert.pem" -certfile "$ca" -passout "$p" -out legacy.p12
openssl pkcs8 -topk8 -in "$pki/TEST-ONLY-provider.key.pem" -v2 aes-256-cbc -passout "$p" -out enc.pem

pdf=$(fresh p12)
check "sign with id.p12 (PBES2/AES)" "$ANNEX" sign "$pdf" --sign-key id.p12 --key-pass-file pass
valid "PKCS#12 (PBES2/AES)" "$ca" "$pdf"
pdf=$(fresh legacy)
check "sign with legacy.p12 (3DES/RC2)" "$ANNEX" sign "$pdf" --sign-key legacy.p12 --key-pass-file pass
valid "PKCS#12 (legacy 3DES/RC2)" "$ca" "$pdf"
pdf=$(fresh pkcs8)
check "sign with enc.pem (encrypted PKCS#8)" "$ANNEX" sign "$pdf" --sign-key enc.pem \
  --sign-cert "$pki/TEST-ONLY-provider.cert.pem" --sign-chain "$ca" --key-pass-file pass
valid "encrypted PKCS#8" "$ca" "$pdf"

# The token.
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" >softhsm2.conf
export SOFTHSM2_CONF=$work/softhsm2.conf
echo 1234 >pin
{
  softhsm2-util --init-token --free --label annex --pin 1234 --so-pin 5678 &&
    openssl pkcs8 -topk8 -nocrypt -in "$pki/TEST-ONLY-provider.key.pem" -out ec.p8 &&
    softhsm2-util --import ec.p8 --token annex --label ec --id 01 --pin 1234 &&
    openssl x509 -in "$pki/TEST-ONLY-provider.cert.pem" -outform DER -out ec.der &&
    pkcs11-tool --module "$module" --token-label annex --login --pin 1234 \
      --write-object ec.der --type cert --label ec --id 01 &&
    openssl req -x509 -newkey rsa:3072 -nodes -keyout rsa.key -out rsa.pem \
      -subj '/CN=Token RSA Signer' -days 3650 &&
    softhsm2-util --import rsa.key --token annex --label rsa --id 02 --pin 1234
} >"$work/log" 2>&1 || { echo "FAILED  set up the SoftHSM2 token"; sed 's/^/        /' "$work/log"; exit 1; }
uri() { echo "pkcs11:token=annex;object=$1?module-path=$module&pin-source=file:$work/pin"; }
pdf=$(fresh token-ec)
check "sign on the token (EC P-256, certificate on the token)" "$ANNEX" sign "$pdf" --sign-key "$(uri ec)" --sign-chain "$ca"
valid "token EC P-256" "$ca" "$pdf"
pdf=$(fresh token-rsa)
check "sign on the token (RSA 3072)" "$ANNEX" sign "$pdf" --sign-key "$(uri rsa)" --sign-cert rsa.pem
valid "token RSA 3072" "$work/rsa.pem" "$pdf"
pdf=$(fresh token-rsa-pss)
check "sign on the token (RSA 3072, RSASSA-PSS)" "$ANNEX" sign "$pdf" --sign-key "$(uri rsa)" --sign-cert rsa.pem --sign-rsa-pss
valid "token RSA 3072 RSASSA-PSS" "$work/rsa.pem" "$pdf"

mkdir profiles
cp "$repo/tests/fixtures/pack-customers/alpha.toml" "$repo/tests/fixtures/pack-customers/beta.toml" \
  "$repo/data/profiles/nordwind.toml" profiles/
check "batch: every final annex signed on the token" "$ANNEX" batch profiles --out batch --jobs 2 --quiet \
  --sign-key "$(uri ec)" --sign-chain "$ca"
n=0
for pdf in batch/*.pdf; do
  valid "batch $(basename "$pdf")" "$ca" "$work/$pdf"
  n=$((n + 1))
done
[ "$n" = 3 ] || { echo "FAILED  batch: 3 annexes expected, $n found"; failed=1; }

exit $failed
