"""Benchmark of the sandbox's scale paths (a script, not a test):

    python bench/sandbox.py [--orders 1000000] [--baseline 10000] [--dir D]

1. Bulk generation: a baseline of `--baseline` orders, then `--orders`, each in a fresh child
   process (with `--workers` simulating processes, default one per CPU) so peak RSS is per
   run; prints orders/s, records written, disk size, peak RSS, and
   the ratios big/baseline (throughput should hold, RSS should stay flat).
2. Serving: pages through the largest endpoint of the big data set over loopback HTTP at the
   500-record page cap (rate limit lifted) and prints records/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _generate_child(path: str, orders: int, days: int, workers: int) -> None:
    from tower.sandbox.generate import generate

    started = time.perf_counter()
    counts = generate(path, seed=7, days=days, orders=orders, workers=workers)
    counts["seconds"] = time.perf_counter() - started
    counts["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts["workers_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(counts))


def _run(path: Path, orders: int, days: int, workers: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path),
                          "--orders", str(orders), "--days", str(days), "--workers", str(workers)],
                         capture_output=True, text=True, check=True)
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    counts["records"] = sum(v for k, v in counts.items() if k.endswith(("_published", "_scheduled")))
    counts["disk_mb"] = sum(f.stat().st_size for f in (path / "sandbox").iterdir()) / 2**20
    return counts


def _serve_rate(path: Path, seconds: float = 20.0) -> tuple[int, float]:
    import httpx

    from tower.sandbox.server import start_sandbox

    sb = start_sandbox(path, seed=7, live=False, rate_limit=100_000)
    try:
        headers = {"Authorization": f"Bearer {sb.tokens['carrier']}"}
        url = f"{sb.urls['carrier']}/v1/tracking-events"
        params: dict = {"limit": 500}
        served, started = 0, time.perf_counter()
        with httpx.Client(headers=headers, timeout=30) as client:
            while time.perf_counter() - started < seconds:
                page = client.get(url, params=params).json()
                served += len(page["data"])
                if not page["has_more"]:
                    break
                params = {"limit": 500, "cursor": page["next_cursor"]}
        return served, time.perf_counter() - started
    finally:
        sb.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _generate_child(args.child, args.orders, args.days, args.workers)
        return
    root = args.dir or Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    rows = []
    for name, orders in (("baseline", args.baseline), ("big", args.orders)):
        counts = _run(root / name, orders, args.days, args.workers)
        rows.append(counts)
        print(f"{name:8s} {orders:>9,d} orders  {counts['records']:>11,d} record versions  "
              f"{counts['seconds']:7.1f} s  {orders / counts['seconds']:7.0f} orders/s  "
              f"{counts['disk_mb']:8.0f} MB on disk  peak RSS {counts['peak_rss_mb']:.0f} MB "
              f"(workers {counts['workers_peak_rss_mb']:.0f} MB each at most)", flush=True)
    base, big = rows
    throughput = (args.orders / big["seconds"]) / (args.baseline / base["seconds"])
    print(f"ratio big/baseline: throughput {throughput:.2f}, "
          f"peak RSS {big['peak_rss_mb'] / base['peak_rss_mb']:.2f}, "
          f"orders {args.orders / args.baseline:.0f}x")
    served, seconds = _serve_rate(root / "big")
    print(f"serving: {served:,d} carrier events over HTTP in {seconds:.1f} s = "
          f"{served / seconds:,.0f} records/s (one client, 500 a page)")
    if not args.keep and not args.dir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
