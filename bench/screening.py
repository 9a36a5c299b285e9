"""Batch screening of project polygons against the Jiangxi demonstration control zones.

    .venv/bin/python bench/screening.py [--projects 1000] [--repeat 3] [--pack out/jiangxi-pack]
                                        [--accounts out/jiangxi-2019]

Builds the demonstration zones (``controls.demo.demonstration_zones``: red line, farmland and
urban patches from the account grid) once and writes them to a GeoPackage, draws ``--projects``
project polygons at random points of the province (seed 42; irregular 12-gons of 0.3–3 km²,
radius 300–1,000 m with ±25 % jitter per vertex; activity ``industrial_construction``), and times:

* ``screen()`` in one process: overlay of every footprint with every zone (STRtree +
  vectorised GEOS), rulings, rules triggered and the GEP inside each footprint by item and
  ecosystem from the 2019 value maps (exactextract); median of ``--repeat`` runs after one
  warm-up;
* the command ``ecoledger controls screen plan.gpkg --zones zones.gpkg --accounts … --no-page``
  as a fresh process (reading and checking the zones, reading the footprints, screening,
  writing the CSV/JSON/GeoPackage), median of ``--repeat``;
* the same command with the page and map.

Prints a Markdown table with the input sizes, the 1-minute load average before each row and the
date; needs ``scripts/run-main``'s ``out/jiangxi-pack`` and ``out/jiangxi-2019``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def footprints(pack: Path, n: int, seed: int = 42):
    import geopandas as gpd
    import numpy as np
    import shapely

    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import _pack_units

    loaded = load_pack(pack)
    units = _pack_units(loaded)
    region = shapely.union_all(np.asarray(units[units["level"] == "county"].geometry.array))
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    points = []
    while len(points) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(n, 2))
        inside = shapely.contains_xy(region, xy[:, 0], xy[:, 1])
        points.extend(xy[inside].tolist())
    shapes = []
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    for x, y in points[:n]:
        radius = rng.uniform(300, 1000) * rng.uniform(0.75, 1.25, size=12)
        shapes.append(shapely.Polygon(np.c_[x + radius * np.cos(angles), y + radius * np.sin(angles)]))
    return gpd.GeoDataFrame(
        {"project_id": [f"P{i:04d}" for i in range(n)], "activity": "industrial_construction"},
        geometry=shapes,
        crs=loaded.region.crs,
    )


def load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pack", type=Path, default=ROOT / "out/jiangxi-pack")
    parser.add_argument("--accounts", type=Path, default=ROOT / "out/jiangxi-2019")
    args = parser.parse_args()

    import shapely

    from ecoledger.controls.demo import demonstration_zones
    from ecoledger.controls.screening import screen
    from ecoledger.controls.zones import read_rules, read_zones

    rows = []
    with tempfile.TemporaryDirectory(prefix="ecoledger-bench-screening-") as folder:
        folder = Path(folder)
        zones_frame = demonstration_zones(args.pack, args.accounts)
        zones_frame.to_file(folder / "zones.gpkg", driver="GPKG")
        plan = footprints(args.pack, args.projects)
        plan.to_file(folder / "plan.gpkg", driver="GPKG")
        zones = read_zones(zones_frame, pack=args.pack)
        rules = read_rules()
        vertices = int(sum(len(g.exterior.coords) for g in plan.geometry))
        zone_vertices = int(shapely.get_num_coordinates(zones_frame.geometry.array).sum())
        km2 = plan.to_crs(zones.area_crs.crs).area.sum() / 1e6
        size = (
            f"{args.projects:,} polygons ({vertices:,} vertices, {km2:,.0f} km²) × "
            f"{len(zones_frame):,} zones ({zone_vertices:,} vertices); "
            f"{len(list((args.accounts / 'maps').glob('*_value.tif')))} value maps 644 × 468"
        )

        screen(plan, zones, rules, accounts=args.accounts)  # warm-up (imports, caches)
        before = load()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = screen(plan, zones, rules, accounts=args.accounts)
            times.append(time.perf_counter() - start)
        verdicts = result.projects["verdict"].value_counts().to_dict()
        rows.append(
            (
                "`screen()` in one process (overlay, rules, GEP by item × ecosystem)",
                size,
                statistics.median(times),
                min(times),
                before,
            )
        )

        command = [
            str(Path(sys.executable).with_name("ecoledger")),
            "controls",
            "screen",
            str(folder / "plan.gpkg"),
            "--zones",
            str(folder / "zones.gpkg"),
            "--accounts",
            str(args.accounts),
            "--pack",
            str(args.pack),
        ]
        for label, extra in (
            ("`ecoledger controls screen … --no-page` (fresh process, files in and out)", ["--no-page"]),
            ("`ecoledger controls screen …` with the page and map", []),
        ):
            before = load()
            times = []
            for k in range(args.repeat):
                start = time.perf_counter()
                done = subprocess.run(
                    [*command, "--out", str(folder / f"out-{k}"), *extra], capture_output=True, text=True
                )
                times.append(time.perf_counter() - start)
                if done.returncode != 0:
                    raise SystemExit(done.stdout + done.stderr)
            rows.append((label, size, statistics.median(times), min(times), before))

    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; verdicts {verdicts}\n")
    print("| run | input | median s | min s | load (1 min) |")
    print("|---|---|---|---|---|")
    for label, size_, median, fastest, before in rows:
        print(f"| {label} | {size_} | {median:.2f} | {fastest:.2f} | {before:.1f} |")


if __name__ == "__main__":
    main()
