"""Point → QPV lookup speed on the real perimeters (135 QPV of the region).

    .venv/bin/python bench/geo.py [--points 100000]

Prints the index build time and the per-lookup time (mean and p99) for random points in the
Marseille bounding box (mostly outside any QPV, the common case) and points inside QPV.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from backend.territory.geo import QpvLocator, parse_geometry
from backend.territory.importer import parse_qpv_geojson

DATA = Path(__file__).resolve().parents[1] / "backend" / "territory" / "data" / "qpv-paca.geojson"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()

    parsed = parse_qpv_geojson(DATA.read_bytes())
    t0 = time.perf_counter()
    locator = QpvLocator((p.code, parse_geometry(p.geometry)) for p in parsed)
    build = time.perf_counter() - t0

    rng = random.Random(2026)
    box = [(rng.uniform(43.20, 43.40), rng.uniform(5.28, 5.55)) for _ in range(args.points)]
    inside = []
    for p in parsed:
        if "13055" in p.communes:
            point = parse_geometry(p.geometry).representative_point()
            inside.append((point.y, point.x))
    inside = (inside * (args.points // len(inside) + 1))[: args.points]

    print(f"index: {len(locator)} QPV built in {build * 1000:.1f} ms")
    for label, points in (("random points, Marseille box", box), ("points inside QPV", inside)):
        timings = []
        hits = 0
        for lat, lon in points:
            start = time.perf_counter_ns()
            hits += locator.locate(lat, lon) is not None
            timings.append(time.perf_counter_ns() - start)
        timings.sort()
        mean_us = statistics.fmean(timings) / 1000
        p99_us = timings[int(len(timings) * 0.99)] / 1000
        print(
            f"{label:<30} {len(points):>7} lookups  mean {mean_us:6.1f} µs  p99 {p99_us:6.1f} µs  in a QPV: {hits}"
        )


if __name__ == "__main__":
    main()
