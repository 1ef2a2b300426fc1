"""pyHanko's judgment of annex signatures, for `scripts/pyhanko-check.sh`.

Usage:
  pyhanko_check.py validate CA.pem FILE.pdf
      Validates every signature and prints one line per signature. Exit code 0 when every
      signature is intact, valid, trusted and within the document modification policy
      (pyHanko's `bottom_line`), 1 otherwise. CA.pem may hold several certificates (the
      signers' CA and a TSA's); a document timestamp is validated as a timestamp.
  pyhanko_check.py tamper-countersign KIND IN.pdf OUT.pdf KEY.pem CERT.pem CA.pem
      Appends an incremental update that changes IN.pdf (KIND: `red-box`, a new content
      stream drawn over page 1; `free-text`, a FreeText annotation on page 1; `attachment`,
      the first embedded file replaced), then countersigns with pyHanko in the next empty
      signature field: the file an attacker would hand to the second signatory, made
      without `annex sign` (which refuses it). KIND `title` changes only the /Info title:
      pyHanko accepts that, `annex verify` does not (a documented disagreement). Writes
      OUT.pdf.tampered (before the countersignature) and OUT.pdf.
  pyhanko_check.py empty-field IN.pdf
      Prints the name of the first empty signature field (the one a countersignature fills).
  pyhanko_check.py countersign IN.pdf OUT.pdf KEY.pem CERT.pem CA.pem [pkcs7|pades [TSA_URL]]
      Countersigns IN.pdf honestly in its next empty signature field, as a customer signing
      in another tool does (pyHanko also updates /Info, the XMP metadata and the
      catalogue's /Extensions). Writes OUT.pdf. The /SubFilter is ETSI.CAdES.detached
      (`pades`, the default) or adbe.pkcs7.detached (`pkcs7`, pyHanko's own default); with
      TSA_URL, the signature is timestamped there (B-T).
  pyhanko_check.py ltvfix FILE.pdf CA.pem
      Adds validation data (a /DSS with certificates and revocation data) for every
      signature of FILE.pdf, in place, in an incremental update (`pyhanko sign ltvfix`).
  pyhanko_check.py ltaupdate FILE.pdf CA.pem TSA_URL
      Adds validation data and a document timestamp (B-LTA), in place
      (`pyhanko sign ltaupdate`).
  pyhanko_check.py tagged FILE.pdf
      Checks, with pyHanko's PDF reader, what PDF/UA-1 asks of annotations (ISO 14289-1
      7.18): every annotation of every page has a /StructParent that the structure tree's
      /ParentTree maps to an element whose /K references it (an OBJR), below
      /ParentTreeNextKey; a widget's element is a Form reachable from the root (its /P
      chain), with /Alt or the field's /TU; a page with annotations has /Tabs /S. Prints
      one line per widget; exit code 1 at the first problem.
  pyhanko_check.py adesverify CA.pem FILE.pdf
      ETSI EN 319 102-1 validation (B-LTA rules, `ades_lta_validation`, as `pyhanko sign
      adesverify --trust CA.pem --trust-replace` does), offline: revocation data are
      required and taken from the file only (nothing fetched). Prints one line per
      signature (pyHanko's summary, e.g. INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,…)
      and the number of document timestamps; exit 0 when every signature's bottom line
      holds.
"""

import sys

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext


def tamper_countersign(kind, src, dst, key, cert, ca) -> int:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    with open(src, "rb") as f:
        writer = IncrementalPdfFileWriter(f, strict=False)
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        if kind == "red-box":
            box = generic.StreamObject(stream_data=b"q 1 0 0 rg 50 500 400 200 re f Q")
            box_ref = writer.add_object(box)
            contents = page["/Contents"]
            items = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
            page["/Contents"] = generic.ArrayObject(items + [box_ref])
            writer.update_container(page)
        elif kind == "free-text":
            annot = generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Annot"),
                    generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                    generic.NameObject("/Rect"): generic.ArrayObject(
                        [generic.NumberObject(n) for n in (50, 500, 450, 700)]
                    ),
                    generic.NameObject("/Contents"): generic.TextStringObject("Void"),
                    generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf"),
                }
            )
            annots = list(page.get("/Annots", generic.ArrayObject()))
            page["/Annots"] = generic.ArrayObject(annots + [writer.add_object(annot)])
            writer.update_container(page)
        elif kind == "attachment":
            tree = writer.root["/Names"]["/EmbeddedFiles"]
            spec = tree["/Names"][1].get_object()
            ef_ref = spec["/EF"].raw_get("/F")
            stream = generic.StreamObject(
                {generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile")},
                stream_data=b'status = "final"\n',
            )
            writer.objects[(ef_ref.generation, ef_ref.idnum)] = stream
        elif kind == "title":
            info = writer.trailer["/Info"]
            info[generic.NameObject("/Title")] = generic.TextStringObject("Another annex")
            writer.update_container(info)
        else:
            print(f"unknown kind {kind}")
            return 2
        with open(dst + ".tampered", "wb") as out:
            writer.write(out)
    code = countersign(dst + ".tampered", dst, key, cert, ca)
    if code == 0:
        print(f"{dst}: {kind} after signature 1, then countersigned")
    return code


def context_for(ca, fetch=False):
    return ValidationContext(
        trust_roots=list(load_certs_from_pemder([ca])),
        allow_fetching=fetch,
        revocation_mode="soft-fail",
    )


def ltvfix(path, ca) -> int:
    from pyhanko.sign.validation import add_validation_info

    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        sigs = reader.embedded_regular_signatures
        if not sigs:
            print("no signature")
            return 1
        # The last signature's: the countersignature that a B-LT update follows.
        out = add_validation_info(sigs[-1], context_for(ca, fetch=True))
    with open(path, "wb") as f:
        f.write(out.getbuffer())
    print(f"{path}: validation data added")
    return 0


def ltaupdate(path, ca, url) -> int:
    from pyhanko.sign import signers, timestamps

    with open(path, "rb") as f:
        data = f.read()
    import io

    buf = io.BytesIO(data)
    reader = PdfFileReader(buf, strict=False)
    stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(url))
    stamper.update_archival_timestamp_chain(reader, context_for(ca, fetch=True), in_place=True)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    print(f"{path}: document timestamp added")
    return 0


def adesverify(ca, path) -> int:
    import asyncio

    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
        FreshnessReqType,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=list(load_certs_from_pemder([ca]))),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    all_ok = True
    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        for sig in reader.embedded_regular_signatures:
            result = asyncio.run(
                ades_lta_validation(sig, spec, timing_info=ValidationTimingInfo.now())
            )
            status = result.api_status
            ok = status is not None and status.bottom_line
            all_ok = all_ok and ok
            print(f"{sig.field_name}: {status.summary() if status else 'no status'}: {result.ades_subindic}")
        print(f"document timestamps: {len(reader.embedded_timestamp_signatures)}")
    return 0 if all_ok else 1


def countersign(src, dst, key, cert, ca, kind="pades", tsa=None) -> int:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    with open(src, "rb") as f:
        writer = IncrementalPdfFileWriter(f, strict=False)
        empty = [
            name
            for name, value, _ in fields.enumerate_sig_fields(writer, filled_status=False)
        ]
        if not empty:
            print("no empty signature field to countersign")
            return 1
        signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(ca,))
        with open(dst, "wb") as out:
            subfilter = {
                "pades": fields.SigSeedSubFilter.PADES,
                "pkcs7": fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
            }[kind]
            signers.sign_pdf(
                writer,
                signers.PdfSignatureMetadata(field_name=empty[0], subfilter=subfilter),
                signer=signer,
                timestamper=timestamps.HTTPTimeStamper(tsa) if tsa else None,
                output=out,
            )
    print(f"{dst}: countersigned in {empty[0]!r}")
    return 0


def tagged(path) -> int:
    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        root = reader.root
        tree = root["/StructTreeRoot"]
        parents = {}

        def walk(node, depth=0):
            if depth > 64:
                raise ValueError("parent tree too deep")
            nums = node.get("/Nums", [])
            for i in range(0, len(nums), 2):
                parents[int(nums[i])] = nums[i + 1].get_object()
            for kid in node.get("/Kids", []):
                walk(kid.get_object(), depth + 1)

        walk(tree["/ParentTree"].get_object())
        next_key = int(tree["/ParentTreeNextKey"])
        problems, widgets = [], 0
        for number, page_ref in enumerate(reader.root["/Pages"]["/Kids"], 1):
            page = page_ref.get_object()
            annots = page.get("/Annots", [])
            if len(annots) and page.get("/Tabs") != "/S":
                problems.append(f"page {number}: annotations but no /Tabs /S")
            for annot_ref in annots:
                annot = annot_ref.get_object()
                what = f"page {number}: {annot.get('/Subtype')} {annot_ref.idnum}"
                key = annot.get("/StructParent")
                if key is None:
                    problems.append(f"{what}: no /StructParent")
                    continue
                key = int(key)
                element = parents.get(key)
                if element is None or key >= next_key:
                    problems.append(f"{what}: /StructParent {key} not in the /ParentTree (next key {next_key})")
                    continue
                kids = element.get("/K")
                kids = kids if isinstance(kids, list) else [kids]
                if not any(
                    hasattr(k, "get") and k.get_object().get("/Obj") is not None
                    and k.get_object().raw_get("/Obj").idnum == annot_ref.idnum
                    for k in kids
                ):
                    problems.append(f"{what}: its element does not reference it (OBJR)")
                if annot.get("/Subtype") != "/Widget":
                    continue
                widgets += 1
                if element.get("/S") != "/Form":
                    problems.append(f"{what}: in a {element.get('/S')} element, not a Form")
                alt = element.get("/Alt") or annot.get("/TU")
                if not alt:
                    problems.append(f"{what}: no /Alt on its Form, no /TU on the field")
                # Reachable: the /P chain ends at the structure tree root.
                node, depth = element, 0
                while node.get("/Type") != "/StructTreeRoot" and depth < 64:
                    node, depth = node["/P"].get_object(), depth + 1
                if node.get("/Type") != "/StructTreeRoot":
                    problems.append(f"{what}: its Form is not under the structure tree root")
                print(f"{what} ({annot.get('/T')}): Form, /Alt {alt!r}")
        for p in problems:
            print(f"{path}: {p}")
        if widgets == 0:
            print(f"{path}: no widget annotation")
            return 1
        return 1 if problems else 0


def main() -> int:
    if sys.argv[1] == "tagged":
        return tagged(sys.argv[2])
    if sys.argv[1] == "tamper-countersign":
        return tamper_countersign(*sys.argv[2:8])
    if sys.argv[1] == "countersign":
        return countersign(*sys.argv[2:9])
    if sys.argv[1] == "ltvfix":
        return ltvfix(*sys.argv[2:4])
    if sys.argv[1] == "adesverify":
        return adesverify(*sys.argv[2:4])
    if sys.argv[1] == "ltaupdate":
        return ltaupdate(*sys.argv[2:5])
    if sys.argv[1] == "empty-field":
        from pyhanko.sign import fields

        with open(sys.argv[2], "rb") as f:
            reader = PdfFileReader(f, strict=False)
            for name, _, _ in fields.enumerate_sig_fields(reader, filled_status=False):
                print(name)
                return 0
        return 1
    ca, path = sys.argv[2], sys.argv[3]
    context = context_for(ca)
    all_ok = True
    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            print(f"{path}: no signature")
            return 1
        for i, sig in enumerate(signatures, 1):
            if sig.sig_object_type == "/DocTimeStamp":
                from pyhanko.sign.validation import validate_pdf_timestamp

                status = validate_pdf_timestamp(sig, validation_context=context)
                ok = status.intact and status.valid and status.trusted
                all_ok = all_ok and ok
                print(
                    f"{path}: document timestamp {i} ({sig.field_name}): "
                    f"{'VALID' if ok else 'INVALID'} intact={status.intact} "
                    f"valid={status.valid} trusted={status.trusted} coverage={status.coverage}"
                )
                continue
            # The test certificates carry no key usage extension: do not require one.
            status = validate_pdf_signature(
                sig,
                context,
                key_usage_settings=KeyUsageConstraints(
                    key_usage=set()
                ),
            )
            ok = status.bottom_line
            all_ok = all_ok and ok
            print(
                f"{path}: signature {i} ({sig.field_name}): "
                f"{'VALID' if ok else 'INVALID'} intact={status.intact} valid={status.valid} "
                f"trusted={status.trusted} docmdp_ok={status.docmdp_ok} "
                f"modification_level={status.modification_level} coverage={status.coverage}"
            )
            if not ok:
                print(status.pretty_print_details())
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
