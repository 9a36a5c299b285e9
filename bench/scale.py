"""Scale benchmark: the full GEP raster pipeline (`ecoledger account`) on synthetic province-size
stacks at 30 m, measuring wall time and peak memory per size to show how cost grows.

    .venv/bin/python bench/scale.py --sizes 1000 4000 8000 13800

13 800² cells of 30 m is 190 Mpx, about Jiangxi's 167 000 km². Each stack has 8 input rasters
(land cover, DEM, precipitation, actual ET, transpiration, NPP, heterotrophic respiration,
rainfall erosivity), the other layers as documented constants, 100 counties in 10 cities, and
is generated block by block (so generation itself needs little memory) and cached in
bench/work/scale/. Every number in it is synthetic.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from rasterio.windows import Window
from shapely.geometry import box

from ecoledger.testing import (
    ACCOUNTING_CRS,
    CROSSWALK,
    SYNTHETIC,
    synthetic_manifest,
    synthetic_statistics,
)

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "scale"
RESOLUTION = 30.0
ORIGIN = (1_000_020.0, 3_300_000.0)  # on multiples of 30 m: the stack lies on the accounting grid
BLOCK = 1024
RASTERS = ("landcover", "dem", "precipitation", "actual_et", "transpiration", "npp",
           "heterotrophic_respiration", "rainfall_erosivity")
CONSTANTS = {"storm_precipitation": 300.0, "water_evaporation": 900.0, "temperature": 18.0,
             "hot_days": 150.0, "soil_erodibility": 0.03, "soil_bulk_density": 1.3,
             "soil_nitrogen": 0.1, "soil_phosphorus": 0.05}


def _fields(rows: slice, size: int, seed: int) -> dict[str, np.ndarray]:
    """All raster layers for a block of rows, from smooth functions of position plus noise."""
    rng = np.random.default_rng(seed * 100_003 + rows.start)
    y, x = np.mgrid[rows, 0:size].astype(np.float32)
    u, v = x / size, y / size
    hills = (400 * np.sin(6.1 * u) * np.cos(4.3 * v) + 150 * np.sin(23 * u + 3 * v)
             + 60 * np.cos(41 * v - 7 * u))
    dem = 600 - 500 * v + hills + rng.normal(0, 3, x.shape)
    dem[(x.astype(int) % 997 == 500) & (y.astype(int) % 991 == 400)] -= 80  # closed pits
    landcover = np.select([dem < 80, dem < 200, dem < 350, dem < 500, dem < 650, dem < 800],
                          [4, 5, 3, 2, 8, 1], default=1).astype(np.uint8)
    landcover[(x.astype(int) // 64 + y.astype(int) // 64) % 97 == 0] = 6  # towns
    precipitation = 1400 + 400 * u + 100 * np.sin(9 * v)
    return {
        "landcover": landcover, "dem": dem.astype(np.float32),
        "precipitation": precipitation.astype(np.float32),
        "actual_et": (0.45 * precipitation).astype(np.float32),
        "transpiration": (0.28 * precipitation).astype(np.float32),
        "npp": (500 + 200 * np.cos(5 * u)).astype(np.float32),
        "heterotrophic_respiration": np.full(x.shape, 380, np.float32),
        "rainfall_erosivity": (0.0534 * precipitation**1.6548).astype(np.float32),
    }


def build_stack(size: int, seed: int = 1) -> Path:
    folder = WORK / f"pack-{size}"
    if (folder / "pack.toml").exists():
        return folder
    (folder / "layers").mkdir(parents=True, exist_ok=True)
    transform = Affine(RESOLUTION, 0, ORIGIN[0], 0, -RESOLUTION, ORIGIN[1])
    datasets = {
        name: rasterio.open(folder / f"layers/{name}.tif", "w", driver="GTiff", width=size,
                            height=size, count=1, dtype="uint8" if name == "landcover" else "float32",
                            nodata=255 if name == "landcover" else -9999.0, crs=ACCOUNTING_CRS,
                            transform=transform, tiled=True, compress="zstd", bigtiff="yes")
        for name in RASTERS
    }
    for row0 in range(0, size, BLOCK):
        rows = slice(row0, min(row0 + BLOCK, size))
        window = Window(0, row0, size, rows.stop - row0)
        for name, array in _fields(rows, size, seed).items():
            datasets[name].write(array, 1, window=window)
    for dataset in datasets.values():
        dataset.close()
    _units(folder, size)
    pd.DataFrame([{"class": k, "label": v[0], "ecosystem": v[1], "subtype": v[2],
                   "cover_management": v[3], "support_practice": v[4]}
                  for k, v in CROSSWALK.items()]).to_csv(folder / "crosswalk.csv", index=False)
    stats = synthetic_statistics(2020)  # its first county's code, 990101, is county 1-1 here
    stats[stats["code"] == "990101"].to_csv(folder / "statistics.csv", index=False)
    layers = [f'{n} = {{ file = "layers/{n}.tif", source = "{SYNTHETIC}" }}' for n in RASTERS]
    layers += [f'{n} = {{ constant = {v}, source = "{SYNTHETIC}" }}' for n, v in CONSTANTS.items()]
    layers += [f'{n} = {{ by_landcover = "{n}", source = "{SYNTHETIC}" }}'
               for n in ("cover_management", "support_practice")]
    manifest = synthetic_manifest(f"Synthetic province {size}x{size}", RESOLUTION, 2020, layers)
    (folder / "pack.toml").write_text(manifest, encoding="utf-8")
    return folder


def _units(folder: Path, size: int) -> None:
    """A province of 10 cities (rows of the grid) of 10 counties each."""
    extent = size * RESOLUTION
    step = extent / 10
    records = [{"code": "990000", "name": "合成省", "level": "province", "parent": "",
                "geometry": box(ORIGIN[0], ORIGIN[1] - extent, ORIGIN[0] + extent, ORIGIN[1])}]
    for i in range(10):
        top = ORIGIN[1] - i * step
        city = f"99{i + 1:02d}00"
        records.append({"code": city, "name": f"市{i + 1}", "level": "city", "parent": "990000",
                        "geometry": box(ORIGIN[0], top - step, ORIGIN[0] + extent, top)})
        for j in range(10):
            left = ORIGIN[0] + j * step
            records.append({"code": f"99{i + 1:02d}{j + 1:02d}", "name": f"县{i + 1}-{j + 1}",
                            "level": "county", "parent": city,
                            "geometry": box(left, top - step, left + step, top)})
    gpd.GeoDataFrame(records, crs=ACCOUNTING_CRS).to_file(folder / "units.gpkg", driver="GPKG")


def run(size: int, block_rows: int, routing: str, maps: bool) -> dict:
    pack = build_stack(size)
    out = WORK / f"out-{size}"
    command = ["/usr/bin/time", "-v", str(ROOT / ".venv/bin/ecoledger"), "account", str(pack),
               "--year", "2020", "--out", str(out), "--block-rows", str(block_rows),
               "--routing", routing, "--no-report", "--maps" if maps else "--no-maps"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    steps = json.loads((out / "run.json").read_text())["timings_s"]
    return {"size": size, "mpx": size * size / 1e6, "wall_s": round(wall, 1),
            "peak_gb": round(peak_kb / 2**20, 2), "s_per_mpx": round(wall / (size * size / 1e6), 3),
            "steps_s": steps}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 8000, 13800])
    parser.add_argument("--block-rows", type=int, default=512)
    parser.add_argument("--routing", choices=("d8", "mfd"), default="d8")
    parser.add_argument("--no-maps", action="store_true", help="skip the per-cell maps")
    args = parser.parse_args(argv)
    results = [run(size, args.block_rows, args.routing, not args.no_maps) for size in args.sizes]
    print("| cells | Mpx | wall s | peak GB | s per Mpx |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['size']}² | {r['mpx']:.0f} | {r['wall_s']} | {r['peak_gb']} | {r['s_per_mpx']} |")
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
