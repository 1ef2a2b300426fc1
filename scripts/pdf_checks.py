"""PDF checks with poppler-utils and qpdf (see scripts/pdf-checks.sh)."""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANNEX = str((ROOT / sys.argv[1]).resolve())
passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}" + (f"\n      {detail}" if detail else ""))


def run(args, cwd, env=None):
    e = dict(os.environ)
    e.pop("SOURCE_DATE_EPOCH", None)
    e.update(env or {})
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=e)


def norm(s):
    return " ".join(s.split())


def render(cwd, *args):
    r = run([ANNEX, "render", "--force", *args], cwd)
    if r.returncode != 0:
        raise SystemExit(f"render failed: {r.stderr}")
    return Path(cwd) / r.stdout.strip()


def pdf_checks(label, pdf, context):
    q = run(["qpdf", "--check", str(pdf)], ".")
    check(f"{label}: qpdf --check", q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, q.stdout + q.stderr)
    fonts = run(["pdffonts", str(pdf)], ".").stdout.splitlines()[2:]
    not_embedded = [f for f in fonts if len(f.split()) > 4 and f.split()[-5] != "yes"]
    check(f"{label}: pdffonts: {len(fonts)} fonts, all embedded", fonts and not not_embedded, "\n".join(not_embedded))
    info = run(["pdfinfo", str(pdf)], ".").stdout
    fields = dict(re.findall(r"^([\w ]+?):\s*(.*)$", info, re.M))
    doc = context["document"]
    check(f"{label}: pdfinfo title", fields.get("Title") == doc["title"], fields.get("Title"))
    check(f"{label}: pdfinfo author = provider", fields.get("Author") == context["provider"], fields.get("Author"))
    check(f"{label}: pdfinfo subject", fields.get("Subject") == doc["subject"], fields.get("Subject"))
    check(f"{label}: pdfinfo keywords", context["provider"] in fields.get("Keywords", ""), fields.get("Keywords"))
    check(f"{label}: A4 pages", "595.276 x 841.89" in fields.get("Page size", ""), fields.get("Page size"))
    text = run(["pdftotext", "-raw", str(pdf), "-"], ".").stdout
    flat = norm(text)
    missing = [a["text"] for s in context["sections"] for a in s["activities"] if norm(a["text"]) not in flat]
    count = sum(len(s["activities"]) for s in context["sections"])
    check(f"{label}: pdftotext has all {count} activity texts", not missing, "; ".join(missing[:5]))
    pages = int(fields.get("Pages", "0"))
    page, of = context["labels"]["page"], context["labels"]["of"]
    check(f"{label}: '{page} x {of} {pages}' on every page", all(f"{page} {i} {of} {pages}" in flat for i in range(1, pages + 1)))
    check(f"{label}: fingerprint printed", doc["fingerprint"] in flat and doc["fingerprint_short"] in flat)
    lines = [l.strip() for l in run(["pdftotext", "-layout", str(pdf), "-"], ".").stdout.splitlines()]
    stray = [l for l in lines if l in ("D", "FT", "DRAFT", context["labels"]["draft"])]
    check(f"{label}: pdftotext has no watermark letters", not stray, str(stray[:5]))


def read_ppm(path):
    """A binary PPM (P6, 8 bits) as (width, height, rows of (r, g, b) tuples)."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:]
    rows = [[tuple(pixels[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x in range(width)]
            for y in range(height)]
    return width, height, rows


def signature_appearance_checks(pdf, tmp):
    """The signed sign-off page, rasterised: in every signature place, the appearance's ink
    (blue) stays above the signature rule (black), and the date line carries ink above its
    own rule: the signing date. Rules are found in the pixels, not assumed."""
    out = Path(tmp) / "fields"
    out.mkdir()
    run(["pdfdetach", "-savefile", "signature-fields.json", "-o", str(out / "f.json"), str(pdf)], ".")
    slots = json.loads((out / "f.json").read_text())
    dpi = 144
    scale = dpi / 72
    for n, slot in enumerate(slots, 1):
        label = f"final annex: signature place {n} ({slot['signatory']})"
        stem = out / f"p{n}"
        run(["pdftoppm", "-r", str(dpi), "-f", str(slot["page"]), "-l", str(slot["page"]), "-singlefile", str(pdf), str(stem)], ".")
        run(["pdftoppm", "-r", str(dpi), "-f", str(slot["page"]), "-l", str(slot["page"]), "-singlefile", "-png", str(pdf), str(stem)], ".")
        check(f"{label}: sign-off page rendered to PNG", stem.with_suffix(".png").exists())
        _, _, px = read_ppm(stem.with_suffix(".ppm"))
        x0, y0 = int(slot["x"] * scale), int(slot["y"] * scale)
        x1, y1 = int((slot["x"] + slot["width"]) * scale), int((slot["y"] + slot["height"]) * scale) + 2
        # Leave out the thin frame at the left edge of the appearance (3 pt).
        left = x0 + int(3 * scale)

        def black(p):
            return max(p) < 90

        def ink(p):
            return p[2] - p[0] > 25 and p[0] < 220

        def rule_rows(x_from, x_to):
            return [y for y in range(y0, y1) if sum(black(px[y][x]) for x in range(x_from, x_to)) > 0.9 * (x_to - x_from)]

        sig_rules = rule_rows(x0, x1)
        date_rules = [y for y in rule_rows(x0, x0 + int(0.5 * (x1 - x0))) if not sig_rules or y > max(sig_rules) + 3]
        ok = bool(sig_rules) and bool(date_rules)
        check(f"{label}: signature and date rules found in the pixels", ok, f"{sig_rules} {date_rules}")
        if not ok:
            continue
        sig_rule, date_rule = min(sig_rules), min(date_rules)
        above = [y for y in range(y0 - 2, sig_rule) if any(ink(px[y][x]) for x in range(left, x1))]
        below_rule = [y for y in range(sig_rule, sig_rule + 3) if any(ink(px[y][x]) for x in range(left, x1))]
        check(f"{label}: the signature text is inside its box, clear of the rule",
              above and max(above) < sig_rule - 1 and not below_rule and min(above) >= y0 - 1,
              f"text rows {above[:1]}..{above[-1:]}, rule at {sig_rule}, ink on the rule {below_rule}")
        date = [y for y in range(max(sig_rules) + 1, date_rule) if any(ink(px[y][x]) for x in range(left, x1))]
        check(f"{label}: the date line is filled, above its rule",
              date and max(date) < date_rule - 1, f"date rows {date[:1]}..{date[-1:]}, rule at {date_rule}")


with tempfile.TemporaryDirectory() as tmp:
    pdf = render(tmp, "--emit", "context")
    context = json.loads(pdf.with_suffix(".json").read_text())
    pdf_checks("default annex", pdf, context)
    first = pdf.read_bytes()
    pdf2 = render(tmp)
    check("default annex: byte-identical re-render", pdf2.read_bytes() == first)
    r = run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(Path(tmp) / "page")], ".")
    check("default annex: page 1 rasterises", r.returncode == 0 and any(Path(tmp).glob("page*.png")), r.stderr)

    for profile in ["awkward", "nordwind"]:
        sub = Path(tmp) / profile
        sub.mkdir()
        pdf = render(sub, "--profile", str(ROOT / f"data/profiles/{profile}.toml"), "--emit", "context")
        context = json.loads(pdf.with_suffix(".json").read_text())
        pdf_checks(f"{profile} profile", pdf, context)
        text = norm(run(["pdftotext", "-raw", str(pdf), "-"], ".").stdout)
        check(f"{profile} profile: legal name in pdftotext", norm(context["customer"]["legal_name"]) in text)

# The other kinds, on the seed and on every corpus page: valid PDFs with every font embedded,
# and the pages of the corpus render as annexes whose pdftotext has every activity.
with tempfile.TemporaryDirectory() as tmp:
    for kind in ["onboarding", "audit"]:
        pdf = render(tmp, "--kind", kind)
        q = run(["qpdf", "--check", str(pdf)], ".")
        check(f"{kind}: qpdf --check", q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, q.stdout + q.stderr)
        fonts = run(["pdffonts", str(pdf)], ".").stdout.splitlines()[2:]
        check(f"{kind}: all fonts embedded", fonts and all(f.split()[-5] == "yes" for f in fonts if len(f.split()) > 4))
    pages = sorted((ROOT / "tests/fixtures/corpus").glob("*/*.md"))
    bad = []
    for page in pages:
        pdf = render(tmp, "--matrix", str(page), "--emit", "context")
        context = json.loads(pdf.with_suffix(".json").read_text())
        flat = norm(run(["pdftotext", "-raw", str(pdf), "-"], ".").stdout).replace("- ", "-")
        missing = [a["text"] for s in context["sections"] for a in s["activities"]
                   if norm(a["text"]).replace("- ", "-") not in flat]
        if missing or run(["qpdf", "--check", str(pdf)], ".").returncode != 0:
            bad.append(f"{page.name}: {missing[:2]}")
    check(f"corpus: {len(pages)} pages render, qpdf-clean, every activity in pdftotext", not bad, "; ".join(bad))

# Final annex: PDF/A-3a + PDF/UA-1, attachments, two PAdES signatures (TEST-ONLY certificates).
with tempfile.TemporaryDirectory() as tmp:
    pki = ROOT / "tests/fixtures/seal-test-pki"
    r = run([ANNEX, "render", "--profile", str(ROOT / "data/profiles/nordwind.toml"), "--final",
             "--sign-key", str(pki / "TEST-ONLY-provider.key.pem"),
             "--sign-cert", str(pki / "TEST-ONLY-provider.cert.pem"),
             "--sign-chain", str(pki / "TEST-ONLY-ca.pem")], tmp)
    check("final annex: render --final --sign-key", r.returncode == 0, r.stderr)
    pdf = Path(tmp) / r.stdout.strip()
    r = run([ANNEX, "sign", str(pdf), "--sign-key", str(pki / "TEST-ONLY-customer.key.pem"),
             "--sign-cert", str(pki / "TEST-ONLY-customer.cert.pem")], tmp)
    check("final annex: countersign with annex sign", r.returncode == 0, r.stderr)
    sig = run(["pdfsig", str(pdf)], ".").stdout
    check("final annex: pdfsig: 2 signatures, both valid",
          sig.count("Signature is Valid.") == 2 and "Signature #2" in sig and "Signature #3" not in sig, sig)
    check("final annex: pdfsig: the last signature covers the whole document", "Total document signed" in sig, sig)
    meta = run(["pdfinfo", "-meta", str(pdf)], ".").stdout
    check("final annex: PDF/A-3a and PDF/UA-1 declared in the XMP metadata",
          re.search(r"pdfaid:part[\"'>=]+3", meta) and re.search(r"pdfaid:conformance[\"'>=]+A", meta)
          and re.search(r"pdfuaid:part[\"'>=]+1", meta), meta[:400])
    signature_appearance_checks(pdf, tmp)
    listed = run(["pdfdetach", "-list", str(pdf)], ".").stdout
    names = ["matrix.json", "profile.toml", "profile.json", "catalogue.toml", "manifest.json"]
    check("final annex: pdfdetach lists the sources and the manifest", all(n in listed for n in names), listed)
    q = run(["qpdf", "--check", str(pdf)], ".")
    check("final annex: qpdf --check", q.returncode == 0 and "No syntax or stream encoding errors" in q.stdout, q.stdout + q.stderr)
    v = run([ANNEX, "verify", str(pdf), "--trust", str(pki / "TEST-ONLY-ca.pem"), "--rebuild"], tmp)
    check("final annex: annex verify --trust --rebuild", v.returncode == 0 and "FAILED" not in v.stdout, v.stdout + v.stderr)

# Composed final annex (two matrices): poppler extracts every part, and each file's SHA-256
# is the one its manifest records.
with tempfile.TemporaryDirectory() as tmp:
    r = run([ANNEX, "render", "--profile", str(ROOT / "tests/fixtures/tailor-compose/profile.toml")], tmp)
    check("composed annex: render", r.returncode == 0, r.stderr)
    pdf = Path(tmp) / r.stdout.strip()
    listed = run(["pdfdetach", "-list", str(pdf)], ".").stdout
    check("composed annex: pdfdetach lists matrix.json and matrix-2.json",
          "matrix.json" in listed and "matrix-2.json" in listed, listed)
    out = Path(tmp) / "detached"
    out.mkdir()
    run(["pdfdetach", "-saveall", "-o", str(out), str(pdf)], ".")
    manifest = json.loads((out / "manifest.json").read_text())
    wrong = [n for n, h in manifest["attachments"].items()
             if not (out / n).exists() or hashlib.sha256((out / n).read_bytes()).hexdigest() != h]
    check("composed annex: every attachment poppler extracts has the manifest's SHA-256",
          not wrong and "matrix-2.json" in manifest["attachments"], str(wrong))
    v = run([ANNEX, "verify", str(pdf), "--rebuild"], tmp)
    check("composed annex: annex verify --rebuild", v.returncode == 0 and "FAILED" not in v.stdout, v.stdout + v.stderr)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
