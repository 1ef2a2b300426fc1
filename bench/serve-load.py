#!/usr/bin/env python3
"""Load run of `annex serve` (#16): not a test, nothing is asserted.

Starts `annex serve` on a free loopback port, sends N render requests (the sample profile
with a different legal name each time, so that no document is Typst's cached copy of
another; the seed matrix) from C client threads at a fixed concurrency, and reports throughput,
latency percentiles, the status counts (5xx and lost requests included) and the server's
resident memory before, during and after. Loopback only; bounded by N and by MAX_S
seconds (whichever comes first), then it stops the server by itself.

    bench/serve-load.py [ANNEX_BINARY]          # N=2000 C=4 WORKERS=2 MAX_S=1200
    N=200 C=2 bench/serve-load.py target/release/annex
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("N", "2000"))
C = int(os.environ.get("C", "4"))
WORKERS = os.environ.get("WORKERS", "2")
MAX_S = float(os.environ.get("MAX_S", "1200"))


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/annex")
    server = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--workers", WORKERS, "--queue", "64"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    addr = server.stdout.readline().strip().removeprefix("listening on http://")
    host, port = addr.rsplit(":", 1)
    assert host == "127.0.0.1", "loopback only"
    profile = (ROOT / "data/profiles/acme.toml").read_text()
    assert 'legal-name = "ACME Industries SAS"' in profile

    def body(i):
        text = profile.replace('"ACME Industries SAS"', f'"ACME Industries SAS {i}"')
        return json.dumps({"matrix": "ovhcloud-data-processing", "profile": text}).encode()

    def render(i):
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            conn.request("POST", "/v1/render", body(i), {"Content-Type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            return reply.status, data
        finally:
            conn.close()

    # Warm up (the first document loads the fonts), check that the same request gives the
    # same bytes, then measure memory at rest.
    replies = [render(-1) for _ in range(3)]
    assert all(r == (200, replies[0][1]) for r in replies), "same request, same bytes"
    rss_before = rss_kib(server.pid)

    lock = threading.Lock()
    next_index = [0]
    latencies, statuses, lost = [], {}, [0]
    rss_samples = []
    deadline = time.monotonic() + MAX_S

    def client():
        while True:
            with lock:
                if next_index[0] >= N or time.monotonic() > deadline:
                    return
                next_index[0] += 1
                i = next_index[0]
            started = time.monotonic()
            try:
                status, data = render(i)
            except OSError:
                with lock:
                    lost[0] += 1
                continue
            took = time.monotonic() - started
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1

    def sampler():
        while any(t.is_alive() for t in threads):
            rss_samples.append(rss_kib(server.pid))
            time.sleep(2)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(C)]
    for t in threads:
        t.start()
    watch = threading.Thread(target=sampler)
    watch.start()
    for t in threads:
        t.join()
    watch.join()
    elapsed = time.monotonic() - started
    rss_after = rss_kib(server.pid)
    server.terminate()
    server.wait(timeout=60)

    done = len(latencies)
    lat = sorted(latencies)
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000
    fifth = max(1, len(rss_samples) // 5)
    print(f"binary              {binary}")
    print(f"requests            {done} answered of {N} asked ({lost[0]} lost), concurrency {C}, workers {WORKERS}")
    print(f"statuses            {dict(sorted(statuses.items()))}; 5xx: {sum(n for s, n in statuses.items() if s >= 500)}")
    print(f"elapsed             {elapsed:.1f} s{' (stopped at MAX_S)' if done + lost[0] < N else ''}")
    print(f"throughput          {done / elapsed:.1f} renders/s")
    print(f"latency ms          p50 {pct(50):.0f}  p90 {pct(90):.0f}  p99 {pct(99):.0f}  max {lat[-1] * 1000:.0f}  mean {statistics.mean(lat) * 1000:.0f}")
    print(f"server RSS MiB      after warm-up {rss_before / 1024:.0f}; first fifth of the run max {max(rss_samples[:fifth]) / 1024:.0f}; last fifth max {max(rss_samples[-fifth:]) / 1024:.0f}; after {rss_after / 1024:.0f}")


if __name__ == "__main__":
    main()
