"""Compare ecoledger.terrain with InVEST 3.20.2 SDR on identical synthetic inputs.

Usage (from the repository root, after ``bash bench/install_invest.sh``)::

    .venv/bin/python bench/compare_invest_routing.py --size 500 1000

For each size it writes a synthetic 30 m DEM (``bench/stacks.py``: EPSG:32650; multi-octave
noise, carved valleys, closed depressions, terraced flats and a nodata lake) with R, K, four
land-cover classes and a biophysical table, runs ``natcap.invest.sdr.sdr.execute`` with D8 and
with MFD routing in ``bench/.invest-venv`` (a subprocess, so this venv needs no GDAL bindings),
reads InVEST's intermediate outputs, computes the same quantities with ``ecoledger.terrain``
and prints, per quantity, the largest relative difference of the watershed sums (four quadrant watersheds),
per-pixel difference statistics and the wall times.

InVEST masks RKLS (and so USLE and avoided erosion) on stream cells; we apply InVEST's own
``stream.tif`` to our RKLS the same way, so that stream extraction (not a terrain kernel) is
outside the comparison.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

from ecoledger import terrain

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by the tests
import stacks

INVEST_PYTHON = Path(__file__).resolve().parent / ".invest-venv" / "bin" / "python"
CELL = stacks.CELL
THRESHOLD_FLOW_ACCUMULATION = 1000
L_MAX = 122.0
LULC_TABLE = {  # lucode: (usle_c, usle_p)
    1: (0.003, 1.0),  # forest
    2: (0.05, 1.0),  # grassland
    3: (0.25, 0.4),  # terraced cropland
    4: (0.45, 0.8),  # cropland
}

# Runs inside bench/.invest-venv: runs SDR, times the routing chain.
_INVEST_RUNNER = r"""
import json, logging, os, sys, time
cfg = json.loads(sys.argv[1])
logging.basicConfig(level=logging.WARNING)
from natcap.invest.sdr import sdr
import pygeoprocessing
import pygeoprocessing.routing as routing
times = {}
for algorithm in ("D8", "MFD"):
    args = dict(cfg["args"], flow_dir_algorithm=algorithm,
                workspace_dir=os.path.join(cfg["workspace"], algorithm))
    t = time.perf_counter()
    sdr.execute(args)
    times["sdr_" + algorithm] = time.perf_counter() - t
    inter = os.path.join(args["workspace_dir"], "intermediate_outputs")
    work = os.path.join(cfg["workspace"], "timing_" + algorithm)
    os.makedirs(work, exist_ok=True)
    t = time.perf_counter()
    routing.fill_pits((os.path.join(inter, "masked_dem.tif"), 1), os.path.join(work, "f.tif"))
    pygeoprocessing.calculate_slope((os.path.join(work, "f.tif"), 1), os.path.join(work, "s.tif"))
    if algorithm == "D8":
        routing.flow_dir_d8((os.path.join(work, "f.tif"), 1), os.path.join(work, "d.tif"))
        routing.flow_accumulation_d8((os.path.join(work, "d.tif"), 1), os.path.join(work, "a.tif"))
    else:
        routing.flow_dir_mfd((os.path.join(work, "f.tif"), 1), os.path.join(work, "d.tif"))
        routing.flow_accumulation_mfd(
            (os.path.join(work, "d.tif"), 1), os.path.join(work, "a.tif"))
    times["routing_" + algorithm] = time.perf_counter() - t
print(json.dumps(times))
"""


# --------------------------------------------------------------------------- synthetic inputs


def make_inputs(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    """Synthetic n×n inputs: DEM (m, NaN lake), R, K (SI units) and four land-cover codes."""
    rng = np.random.default_rng(seed)
    dem = stacks.make_dem(rng, n)
    erosivity, erodibility = stacks.erosion_factors(rng, n)
    lulc = 1 + np.digitize(stacks.octave_noise(rng, n, 4), [-0.6, 0.0, 0.6])
    return {"dem": dem, "erosivity": erosivity, "erodibility": erodibility, "lulc": lulc.astype(np.int32)}


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        a = src.read(1, masked=True)
    return a.astype(np.float64).filled(np.nan)


# --------------------------------------------------------------------------- both sides


def run_invest(inputs: dict[str, np.ndarray], work: Path) -> dict[str, float]:
    """Write inputs, run InVEST SDR (D8 and MFD) in its venv; return its wall times (s)."""
    paths = {}
    for key in ("dem", "erosivity", "erodibility", "lulc"):
        paths[key] = work / f"{key}.tif"
        stacks.write_raster(paths[key], inputs[key])
    stacks.write_watersheds(work / "watersheds.gpkg", inputs["dem"].shape[0])
    table = work / "biophysical.csv"
    table.write_text("lucode,usle_c,usle_p\n" + "".join(f"{k},{c},{p}\n" for k, (c, p) in LULC_TABLE.items()))
    cfg = {
        "workspace": str(work),
        "args": {
            "results_suffix": "",
            "dem_path": str(paths["dem"]),
            "erosivity_path": str(paths["erosivity"]),
            "erodibility_path": str(paths["erodibility"]),
            "lulc_path": str(paths["lulc"]),
            "watersheds_path": str(work / "watersheds.gpkg"),
            "biophysical_table_path": str(table),
            "threshold_flow_accumulation": THRESHOLD_FLOW_ACCUMULATION,
            "k_param": 2,
            "sdr_max": 0.8,
            "ic_0_param": 0.5,
            "l_max": L_MAX,
            "drainage_path": "",
            "n_workers": -1,
        },
    }
    done = subprocess.run(
        [str(INVEST_PYTHON), "-c", _INVEST_RUNNER, json.dumps(cfg)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_ours(inputs: dict[str, np.ndarray], algorithm: str) -> tuple[dict[str, np.ndarray], float]:
    """fill → direction → accumulation → slope → LS with ecoledger.terrain; (arrays, seconds)."""
    t = time.perf_counter()
    filled = terrain.fill_depressions(inputs["dem"])
    if algorithm == "D8":
        directions = terrain.flow_direction_d8(filled)
        acc = terrain.flow_accumulation_d8(directions)
    else:
        directions = terrain.flow_direction_mfd(filled)
        acc = terrain.flow_accumulation_mfd(directions)
    slope = terrain.slope_percent(filled, CELL)
    ls = terrain.ls_factor_desmet_govers(slope, acc, CELL, L_MAX)
    seconds = time.perf_counter() - t
    return {
        "filled": filled,
        "directions": directions,
        "flow_accumulation": acc,
        "slope": slope,
        "ls": ls,
    }, seconds


def _mfd_proportions(code: np.ndarray) -> np.ndarray:
    """Decode pygeoprocessing's packed 4-bit MFD codes into (8, rows, cols) proportions."""
    code = np.nan_to_num(code).astype(np.int64)
    nibbles = np.stack([(code >> (4 * k)) & 0xF for k in range(8)]).astype(np.float64)
    total = nibbles.sum(axis=0)
    return np.divide(nibbles, total, out=np.zeros_like(nibbles), where=total > 0)


def _describe(dem: np.ndarray, filled: np.ndarray) -> str:
    """How many cells filling raised and how many lie on flats (no lower neighbour)."""
    pad = np.pad(filled.astype(np.float64), 1, constant_values=np.nan)
    n = filled.shape[0]
    lower = np.zeros(filled.shape, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            nb = pad[1 + dr : 1 + dr + n, 1 + dc : 1 + dc + n]
            lower |= (nb < filled) | np.isnan(nb)
    valid = ~np.isnan(dem)
    return (
        f"{int(valid.sum())} valid cells, {int((filled > dem).sum())} raised by filling, "
        f"{int((valid & ~lower).sum())} on flats without a lower or nodata neighbour"
    )


def compare(inputs: dict[str, np.ndarray], work: Path, algorithm: str) -> tuple[list, float]:
    """Rows ``(quantity, ws_sum_rel, pixel_max_rel, pixel_mean_rel, n_differ)`` and our time."""
    inter = work / algorithm / "intermediate_outputs"
    ours, seconds = run_ours(inputs, algorithm)
    cp_table = {k: c * p for k, (c, p) in LULC_TABLE.items()}
    cp = np.vectorize(cp_table.get, otypes=[np.float64])(inputs["lulc"])
    stream = _read(work / algorithm / "stream.tif")
    r_k = inputs["erosivity"].astype(np.float64) * inputs["erodibility"]
    rkls = np.where(stream == 0, ours["ls"] * r_k, np.nan)
    ours["rkls"] = rkls
    ours["rkls_1_minus_cp"] = rkls * (1 - cp)
    theirs = {
        "filled": _read(inter / "pit_filled_dem.tif"),
        "flow_accumulation": _read(inter / "flow_accumulation.tif"),
        "slope": _read(inter / "slope.tif"),
        "ls": _read(inter / "ls.tif"),
        "rkls": _read(work / algorithm / "rkls.tif"),
        "rkls_1_minus_cp": _read(work / algorithm / "avoided_erosion.tif"),
    }
    rows = []
    flow_dir = _read(inter / "flow_direction.tif")
    if algorithm == "D8":
        same = np.where(np.isnan(flow_dir), 255, flow_dir) == ours["directions"]
    else:
        same = np.isclose(_mfd_proportions(flow_dir), ours["directions"], atol=1e-6).all(axis=0)
    rows.append(("flow direction", np.nan, np.nan, np.nan, int((~same).sum())))
    for key, theirs_a in theirs.items():
        ours_a = np.asarray(ours[key], dtype=np.float64)
        nan_mismatch = int((np.isnan(ours_a) != np.isnan(theirs_a)).sum())
        both = ~np.isnan(ours_a) & ~np.isnan(theirs_a)
        rel = np.abs(ours_a[both] - theirs_a[both]) / np.maximum(np.abs(theirs_a[both]), 1e-12)
        s_ours, s_theirs = stacks.quadrant_sums(ours_a), stacks.quadrant_sums(theirs_a)
        ws_rel = np.max(np.abs(s_ours - s_theirs) / np.abs(s_theirs))
        rows.append((key, ws_rel, rel.max(), rel.mean(), int((rel > 1e-5).sum()) + nan_mismatch))
    return rows, seconds


HEADER = (
    "| quantity          | ws-sum rel diff | pixel max rel | pixel mean rel | pixels differing |\n"
    "|-------------------|-----------------|---------------|----------------|------------------|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs="+", default=[500, 1000])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not INVEST_PYTHON.exists():
        print(f"InVEST venv missing: run bash bench/install_invest.sh ({INVEST_PYTHON})")
        return 2
    run_ours(make_inputs(64, args.seed), "D8")  # compile/load the numba kernels first
    run_ours(make_inputs(64, args.seed), "MFD")
    worst = 0.0
    for n in args.size:
        inputs = make_inputs(n, args.seed)
        with tempfile.TemporaryDirectory(prefix="invest_compare_") as tmp:
            work = Path(tmp)
            times = run_invest(inputs, work)
            print(f"\n{n}×{n} DEM: " + _describe(inputs["dem"], terrain.fill_depressions(inputs["dem"])))
            for algorithm in ("D8", "MFD"):
                rows, seconds = compare(inputs, work, algorithm)
                print(
                    f"\n{n}×{n} cells, {algorithm}: InVEST SDR execute "
                    f"{times['sdr_' + algorithm]:.2f} s; pygeoprocessing fill+slope+dir+accum "
                    f"{times['routing_' + algorithm]:.2f} s; ecoledger fill+dir+accum+slope+LS "
                    f"{seconds:.2f} s"
                )
                print(HEADER)
                for name, ws, pmax, pmean, ndiff in rows:
                    if np.isnan(ws):  # flow direction: only the count of differing cells
                        stats = f"{'n/a':>15} | {'n/a':>13} | {'n/a':>14}"
                    else:
                        stats = f"{ws:15.2e} | {pmax:13.2e} | {pmean:14.2e}"
                        worst = max(worst, ws)
                    print(f"| {name:<17} | {stats} | {ndiff:16d} |")
    print(f"\nlargest watershed-sum relative difference: {worst:.2e}")
    return 0 if worst <= 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
