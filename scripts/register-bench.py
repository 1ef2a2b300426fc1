#!/usr/bin/env python3
"""Fills an annex register (SQLite) with N recorded documents for the bench (#26).

    python3 scripts/register-bench.py REGISTER N

REGISTER must already hold one real document event (`annex render --final --register
REGISTER`): its body is the model of every synthetic one, so the kept matrix and profile
are real and `outdated` judges the synthetic contracts as it judges real ones. Contracts
get 5 documents each (the last one the latest); every second contract's latest is signed
twice. The chain is extended with the register's own rule: SHA-256(prev ‖ seq (8 bytes,
big-endian) ‖ body), hex.
"""
import hashlib
import json
import sqlite3
import sys


def main() -> None:
    path, n = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path)
    seq, prev, model = db.execute(
        "SELECT seq, hash, body FROM annex_events WHERE event = 'document' ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    seq_head, prev = db.execute("SELECT seq, hash FROM annex_events ORDER BY seq DESC LIMIT 1").fetchone()
    model = json.loads(model)
    rows = []
    seq = seq_head
    for i in range(n):
        contract = f"BENCH-{i // 5:06d}"
        doc = dict(model)
        doc["customer"] = f"Bench customer {i // 5:06d}"
        doc["contract"] = contract
        doc["fingerprint"] = hashlib.sha256(f"fp{i}".encode()).hexdigest()
        doc["sha256"] = hashlib.sha256(f"file{i}".encode()).hexdigest()
        doc["file"] = f"bench-{i:06d}-annex.pdf"
        bodies = [("document", doc, f"document:{doc['fingerprint']}:{doc['file']}:{doc['sha256']}", "")]
        if i % 10 == 4:
            for signer in ("provider", "customer"):
                sig = {
                    "fingerprint": doc["fingerprint"],
                    "sha256": hashlib.sha256(f"signed{i}{signer}".encode()).hexdigest(),
                    "field": "Signature 1",
                    "signer": signer,
                    "certificate": hashlib.sha256(signer.encode()).hexdigest(),
                    "time": 1764547200,
                    "level": "B-B",
                    "value": hashlib.sha256(f"value{i}{signer}".encode()).hexdigest(),
                    "recorded_by": "annex sign",
                }
                bodies.append(("signature", {"event": "signature", "signature": sig, "document": doc}, f"signature:{sig['value']}", sig["certificate"]))
        for event, body, fact, cert in bodies:
            seq += 1
            text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
            h = hashlib.sha256(prev.encode() + seq.to_bytes(8, "big") + text.encode()).hexdigest()
            sha = body["sha256"] if event == "document" else body["signature"]["sha256"]
            rows.append((seq, prev, h, fact, event, 1764547200, doc["fingerprint"], sha, doc["customer"],
                         contract, doc["annex"], doc["kind"], doc["matrix"]["service"], doc["matrix"]["digest"], cert, text))
            prev = h
    db.executemany(
        "INSERT INTO annex_events (seq, prev_hash, hash, fact, event, recorded_at, fingerprint, sha256, customer,"
        " contract, annex, kind, matrix_id, matrix_digest, certificate, body)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.commit()
    print(f"{path}: {n} documents added ({len(rows)} events)")


if __name__ == "__main__":
    main()
