"""A loopback RFC 3161 time-stamping authority, CRL server and OCSP responder, for tests and
`scripts/pyhanko-check.sh` (no network but 127.0.0.1).

Usage: loopback_tsa.py DIR
  Makes, in DIR, a throw-away test PKI with `openssl`: a CA (`ca.pem`, `ca.key`), a TSA
  certificate (`tsa.pem`, extended key usage critical timeStamping) and a signer
  (`signer.pem`, `signer.key`, RSA 2048) whose certificates point at this server's CRL; a
  signer whose certificate is revoked (`revoked.pem`, `revoked.key`, keyCompromise, at
  set-up: before anything it signs); and a signer whose certificate names only this
  server's OCSP responder (`ocsp-signer.pem`, `ocsp-signer.key`);
  then serves on 127.0.0.1 (a free port, written to DIR/port once listening):
    POST /       an RFC 3161 query (application/timestamp-query) answered by `openssl ts -reply`
    GET /ca.crl  the CA's CRL (DER), regenerated on every request, so it is always fresher
                 than the signatures it is asked about (pyHanko's AdES validation wants that)
    POST /ocsp   an OCSP request answered by `openssl ocsp` (signed by the CA), as fresh
Runs until killed. Every key is made fresh in DIR: nothing here is secret or reused.
"""

import http.server
import os
import subprocess
import sys

DIR = sys.argv[1]


def sh(*args, **kw):
    subprocess.run(args, check=True, cwd=DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def setup(port):
    for f in ("index.txt",):
        open(os.path.join(DIR, f), "w").close()
    with open(os.path.join(DIR, "crlnumber"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(DIR, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(DIR, "openssl.cnf"), "w") as f:
        f.write(f"""
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = index.txt
new_certs_dir = .
certificate = ca.pem
private_key = ca.key
serial = serial
crlnumber = crlnumber
default_md = sha256
default_days = 3650
default_crl_days = 7
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[tsa_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
crlDistributionPoints = URI:http://127.0.0.1:{port}/ca.crl
authorityKeyIdentifier = keyid
[signer_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
crlDistributionPoints = URI:http://127.0.0.1:{port}/ca.crl
authorityKeyIdentifier = keyid
[ocsp_signer_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
authorityInfoAccess = OCSP;URI:http://127.0.0.1:{port}/ocsp
authorityKeyIdentifier = keyid
[tsa]
default_tsa = tsa_section
[tsa_section]
dir = .
serial = tsaserial
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
ess_cert_id_alg = sha256
ess_cert_id_chain = no
accuracy = secs:1
ordering = no
tsa_name = no
""")
    with open(os.path.join(DIR, "tsaserial"), "w") as f:
        f.write("01\n")
    cnf = ["-config", "openssl.cnf"]
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
       "-subj", "/CN=Loopback TEST-ONLY CA", *cnf, "-extensions", "ca_ext")
    for name, cn, ext, key in (
        ("tsa", "Loopback TEST-ONLY TSA", "tsa_ext", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        ("signer", "Loopback TEST-ONLY Signer", "signer_ext", ["-newkey", "rsa:2048"]),
        ("revoked", "Loopback TEST-ONLY Revoked", "signer_ext", ["-newkey", "rsa:2048"]),
        ("ocsp-signer", "Loopback TEST-ONLY OCSP Signer", "ocsp_signer_ext", ["-newkey", "rsa:2048"]),
    ):
        sh("openssl", "req", "-new", *key, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
           "-subj", f"/CN={cn}", *cnf)
        sh("openssl", "ca", "-batch", *cnf, "-extensions", ext, "-in", f"{name}.csr",
           "-out", f"{name}.pem", "-notext", "-startdate", "20200101000000Z")
    # openssl ca writes the certificate with its text before: keep the PEM only.
    for name in ("tsa", "signer", "revoked", "ocsp-signer"):
        path = os.path.join(DIR, f"{name}.pem")
        pem = open(path).read()
        open(path, "w").write(pem[pem.index("-----BEGIN"):])
    sh("openssl", "ca", *cnf, "-revoke", "revoked.pem", "-crl_reason", "keyCompromise")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/ocsp":
            with open(os.path.join(DIR, "q.ocsp"), "wb") as f:
                f.write(query)
            try:
                sh("openssl", "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", "ca.pem",
                   "-rkey", "ca.key", "-reqin", "q.ocsp", "-respout", "r.ocsp", "-ndays", "7")
            except subprocess.CalledProcessError as e:
                self.send_error(500, e.stderr.decode(errors="replace")[:200])
                return
            self.answer("application/ocsp-response", open(os.path.join(DIR, "r.ocsp"), "rb").read())
            return
        q, r = os.path.join(DIR, "q.tsq"), os.path.join(DIR, "r.tsr")
        with open(q, "wb") as f:
            f.write(query)
        try:
            sh("openssl", "ts", "-reply", "-config", "openssl.cnf", "-queryfile", "q.tsq",
               "-signer", "tsa.pem", "-inkey", "tsa.key", "-chain", "ca.pem", "-out", "r.tsr")
        except subprocess.CalledProcessError as e:
            self.send_error(500, e.stderr.decode(errors="replace")[:200])
            return
        self.answer("application/timestamp-reply", open(r, "rb").read())

    def answer(self, kind, body):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/ca.crl":
            self.send_error(404)
            return
        sh("openssl", "ca", "-gencrl", "-config", "openssl.cnf", "-out", "ca.crl.pem")
        sh("openssl", "crl", "-in", "ca.crl.pem", "-outform", "DER", "-out", "ca.crl")
        self.answer("application/pkix-crl", open(os.path.join(DIR, "ca.crl"), "rb").read())


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    setup(port)
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(port))
    os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
