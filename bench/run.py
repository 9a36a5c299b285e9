"""InVEST 3.20.2 vs ecoledger on identical synthetic stacks: wall time, peak memory, agreement.

    bench/run [--sizes 1000 4000] [--repeats 3]
              [--models sdr_d8 sdr_mfd awy carbon habitat_quality routing_d8 routing_mfd]
    bench/run --real-case [--repeats 3] [--models sdr_d8 sdr_mfd awy carbon]

For each size the stack (``bench/stacks.py``) is built once and cached in ``bench/work/``. Every
run is a child process measured by ``/usr/bin/time -v`` (peak resident memory of that one run):
InVEST models and pygeoprocessing routing steps with ``bench/.invest-venv``'s python
(``bench/invest_runner.py``), ecoledger's ``pipeline`` and ``terrain`` with this venv's
(``bench/ecoledger_runner.py``). Wall time is the model call inside the child (imports and
interpreter start excluded; the child's whole life is kept in the JSON as ``process_s``).
Agreement is computed on the last repeat's outputs. ``habitat_quality`` runs the Habitat Quality
inputs of ``stacks.build_habitat_quality`` (current, future and baseline land covers, three
threats, access polygons) through ``natcap.invest.habitat_quality.habitat_quality.execute`` and
``pipeline.habitat_quality``; its agreement covers degradation, quality and rarity, current and
future. Results go to stdout and to ``bench/work/results-<date>-<HHMM>.md`` / ``.json``.

``--real-case`` runs instead the real-terrain case of ``stacks.build_real_case`` (240² at 500 m
from the Jiangxi DEM; nested and overlapping watersheds covering 23 % of the grid), built once
in ``bench/work/real-240/``: each InVEST datastack through InVEST (``invest_runner.py``,
datastack mode) and through the command ``ecoledger invest`` (``ecoledger_runner.py``, invest
mode); agreement is the largest relative difference over the watersheds of each column of the
per-watershed table (Carbon: the total, and per polygon against ``zonal_statistics`` of
InVEST's stock raster, since InVEST Carbon has no watersheds).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import stacks

BENCH = Path(__file__).resolve().parent
INVEST_PYTHON = BENCH / ".invest-venv" / "bin" / "python"
STREAM_THRESHOLD = 1000  # InVEST's threshold_flow_accumulation; ours masks the same stream cells
L_MAX = 122.0
MODELS = ("sdr_d8", "sdr_mfd", "awy", "carbon", "habitat_quality")
ROUTING = ("routing_d8", "routing_mfd")
ROUTING_STEPS = ("fill", "flow_direction", "flow_accumulation")
# model: [(quantity, InVEST output relative to its workspace, ecoledger output name)]
SHARED = {
    "sdr": [
        ("flow accumulation", "intermediate_outputs/flow_accumulation.tif", "flow_accumulation"),
        ("LS", "intermediate_outputs/ls.tif", "ls"),
        ("RKLS", "rkls.tif", "rkls"),
        ("avoided erosion", "avoided_erosion.tif", "avoided_erosion"),
    ],
    "awy": [("water yield", "output/per_pixel/wyield.tif", "water_yield")],
    "carbon": [("carbon stock", "c_storage_bas.tif", "carbon_stock")],
    "habitat_quality": [
        (f"{quantity} ({scenario})", f"{name}_{letter}.tif", f"{name}_{letter}")
        for letter, scenario in (("c", "current"), ("f", "future"))
        for quantity, name in (("degradation", "deg_sum"), ("quality", "quality"), ("rarity", "rarity"))
    ],
}
REAL_N, REAL_CELL = 240, 500.0
# model: (per-watershed table, at the same path in both workspaces; its compared columns)
REAL_TABLES = {
    "sdr": ("watershed_results_sdr.shp", ("usle_tot", "avoid_eros")),
    "awy": (
        "output/watershed_results_wyield.csv",
        ("precip_mn", "PET_mn", "AET_mn", "wyield_mn", "wyield_vol"),
    ),
}


def invest_config(model: str, paths: dict, workspace: Path) -> dict:
    common = {"workspace_dir": str(workspace), "results_suffix": "", "n_workers": -1}
    if model == "routing_d8" or model == "routing_mfd":
        return {"routing": model.split("_")[1], "dem": paths["dem"], "workspace": str(workspace)}
    if model.startswith("sdr"):
        return {
            "module": "natcap.invest.sdr.sdr",
            "args": common
            | {
                "dem_path": paths["dem"],
                "erosivity_path": paths["erosivity"],
                "erodibility_path": paths["erodibility"],
                "lulc_path": paths["landcover"],
                "watersheds_path": paths["watersheds"],
                "biophysical_table_path": paths["biophysical_table"],
                "threshold_flow_accumulation": STREAM_THRESHOLD,
                "flow_dir_algorithm": model.split("_")[1].upper(),
                "k_param": 2,
                "sdr_max": 0.8,
                "ic_0_param": 0.5,
                "l_max": L_MAX,
                "drainage_path": "",
            },
        }
    if model == "habitat_quality":
        hq = {k: v for k, v in paths["habitat_quality"].items() if k not in common}
        return {"module": "natcap.invest.habitat_quality.habitat_quality", "args": common | hq}
    if model == "awy":
        return {
            "module": "natcap.invest.annual_water_yield.annual_water_yield",
            "args": common
            | {
                "lulc_path": paths["landcover"],
                "depth_to_root_rest_layer_path": paths["depth"],
                "precipitation_path": paths["precip"],
                "pawc_path": paths["awc"],
                "eto_path": paths["et0"],
                "watersheds_path": paths["watersheds"],
                "sub_watersheds_path": "",
                "biophysical_table_path": paths["biophysical_table"],
                "seasonality_constant": stacks.SEASONALITY_Z,
                "demand_table_path": "",
                "valuation_table_path": "",
            },
        }
    return {
        "module": "natcap.invest.carbon.carbon",
        "args": common
        | {
            "lulc_bas_path": paths["landcover"],
            "carbon_pools_path": paths["biophysical_table"],
            "calc_sequestration": False,
            "lulc_alt_path": "",
            "do_valuation": False,
        },
    }


def ecoledger_config(model: str, paths: dict, out_dir: Path) -> dict:
    if model == "routing_d8" or model == "routing_mfd":
        return {"routing": model.split("_")[1], "dem": paths["dem"]}
    if model.startswith("sdr"):
        kwargs = {
            "dem_path": paths["dem"],
            "erosivity_path": paths["erosivity"],
            "erodibility_path": paths["erodibility"],
            "landcover_path": paths["landcover"],
            "cp_table": paths["biophysical_table"],
            "routing": model.split("_")[1],
            "l_max": L_MAX,
            "watersheds_path": paths["watersheds"],
            "stream_threshold": STREAM_THRESHOLD,
        }
        return {"function": "soil_retention", "kwargs": kwargs | {"out_dir": str(out_dir)}}
    if model == "habitat_quality":
        hq = paths["habitat_quality"]
        kwargs = {
            "lulc_path": hq["lulc_cur_path"],
            "threats": hq["threats_table_path"],
            "sensitivity_table": hq["sensitivity_table_path"],
            "half_saturation": hq["half_saturation_constant"],
            "lulc_future_path": hq["lulc_fut_path"],
            "lulc_baseline_path": hq["lulc_bas_path"],
            "access_path": hq["access_vector_path"],
        }
        return {"function": "habitat_quality.habitat_quality", "kwargs": kwargs | {"out_dir": str(out_dir)}}
    if model == "awy":
        kwargs = {
            "precip_path": paths["precip"],
            "et0_path": paths["et0"],
            "landcover_path": paths["landcover"],
            "biophysical_table": paths["biophysical_table"],
            "awc_path": paths["awc"],
            "depth_path": paths["depth"],
            "seasonality_z": stacks.SEASONALITY_Z,
            "watersheds_path": paths["watersheds"],
        }
        return {"function": "water_yield", "kwargs": kwargs | {"out_dir": str(out_dir)}}
    kwargs = {"landcover_path": paths["landcover"], "pools_table": paths["biophysical_table"]}
    return {"function": "carbon_stock", "kwargs": kwargs | {"out_dir": str(out_dir)}}


def measure(python: Path, script: str, cfg: dict, work: Path) -> dict:
    """Run one child under ``/usr/bin/time -v`` in a fresh ``work``; its JSON + peak GB + process s."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    time_log = work.parent / (work.name + ".time")
    load_1min = os.getloadavg()[0]  # the machine may be shared: record how busy it was
    t = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", "-o", str(time_log), str(python), str(BENCH / script), json.dumps(cfg)],
        capture_output=True,
        text=True,
    )
    process_s = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{done.stderr[-3000:]}")
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_log.read_text()).group(1))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"peak_gb": kib * 1024 / 1e9, "process_s": process_s, "load_1min": load_1min}


def _read(path: str | Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1, masked=True).astype(np.float64).filled(np.nan)


def agreement(model: str, invest_ws: Path, outputs: dict, cell_ha: float) -> list[dict]:
    """Per shared quantity: largest relative difference of the 4 watershed sums and per pixel.

    Our rasters take InVEST's nodata mask (stream cells for RKLS and avoided erosion, the lake);
    ``ours_only`` / ``invest_only`` count cells valid on one side only before that masking.
    """
    rows = []
    for quantity, invest_rel, ours_name in SHARED[model if model in SHARED else model.split("_")[0]]:
        theirs = _read(invest_ws / invest_rel)
        ours = _read(outputs[ours_name])
        if ours_name == "carbon_stock":
            ours /= cell_ha  # Mg C per cell → InVEST's Mg C/ha
        ours_only = int((np.isnan(theirs) & ~np.isnan(ours)).sum())
        invest_only = int((~np.isnan(theirs) & np.isnan(ours)).sum())
        ours[np.isnan(theirs)] = np.nan
        both = ~np.isnan(ours) & ~np.isnan(theirs)
        pixel = np.abs(ours[both] - theirs[both]) / np.maximum(np.abs(theirs[both]), 1e-12)
        s_ours, s_theirs = stacks.quadrant_sums(ours), stacks.quadrant_sums(theirs)
        rows.append(
            {
                "quantity": quantity,
                "ws_rel": float(np.max(np.abs(s_ours - s_theirs) / np.abs(s_theirs))),
                "pixel_rel": float(pixel.max()),
                "pixel_mean_rel": float(pixel.mean()),
                "cells": int(both.sum()),
                "ours_only": ours_only,
                "invest_only": invest_only,
            }
        )
    return rows


def run_pair(
    n: int, model: str, repeats: int, invest_cfg: dict, ours_cfg: dict, invest_ws: Path, ours_dir: Path
) -> dict:
    """``repeats`` measured runs of each side, alternating; the result row with their medians."""
    invest, ours = [], []
    for i in range(repeats):
        invest.append(measure(INVEST_PYTHON, "invest_runner.py", invest_cfg, invest_ws))
        ours.append(measure(Path(sys.executable), "ecoledger_runner.py", ours_cfg, ours_dir))
        print(
            f"  {n}² {model} run {i + 1}/{repeats}: InVEST {invest[-1]['seconds']:.2f} s, "
            f"ecoledger {ours[-1]['seconds']:.2f} s",
            file=sys.stderr,
        )
    row = {"size": n, "model": model, "repeats": repeats, "invest_runs": invest, "ecoledger_runs": ours}
    for side, runs_ in (("invest", invest), ("ecoledger", ours)):
        for key, field in (("_s", "seconds"), ("_process_s", "process_s"), ("_gb", "peak_gb")):
            row[side + key] = statistics.median(r[field] for r in runs_)
        for step in runs_[0]["steps"]:
            row.setdefault(side + "_steps", {})[step] = statistics.median(r["steps"][step] for r in runs_)
    return row


def bench_size(n: int, seed: int, repeats: int, models: list[str]) -> list[dict]:
    paths = stacks.build_stack(n, seed)["paths"]
    if "habitat_quality" in models:
        paths = paths | {"habitat_quality": stacks.build_habitat_quality(n, seed)["args"]}
    runs = stacks.WORK / "runs" / str(n)
    results = []
    for model in models:
        invest_ws, ours_dir = runs / model / "invest", runs / model / "ecoledger"
        invest_cfg = invest_config(model, paths, invest_ws)
        ours_cfg = ecoledger_config(model, paths, ours_dir)
        row = run_pair(n, model, repeats, invest_cfg, ours_cfg, invest_ws, ours_dir)
        if model in ROUTING:
            for side in ("invest", "ecoledger"):
                row[side + "_s"] = sum(row[side + "_steps"][s] for s in ROUTING_STEPS)
        else:
            outputs = row["ecoledger_runs"][-1]["outputs"]
            row["agreement"] = agreement(model, invest_ws, outputs, stacks.CELL**2 / 1e4)
        results.append(row)
    return results


def _table(path: Path) -> pd.DataFrame:
    if path.suffix == ".shp":
        import geopandas as gpd

        return gpd.read_file(path)
    return pd.read_csv(path)


def real_agreement(model: str, invest_ws: Path, ours_ws: Path, zonal: dict, hectares: float) -> list[dict]:
    """Per column of the per-watershed table: largest relative difference over the watersheds."""
    if model == "carbon":
        summary = "raster_values_summary.csv"
        per_polygon = pd.read_csv(ours_ws / "watershed_results_carbon.csv")["c_storage_bas"]
        pairs = {
            "Total": (_table(ours_ws / summary)["Total"], _table(invest_ws / summary)["Total"]),
            # InVEST's stock is Mg C/ha per cell; its zonal sums per GPKG FID 1, 2, 3 (ws_id order)
            "c_storage_bas per polygon": (per_polygon, [zonal[f] * hectares for f in sorted(zonal, key=int)]),
        }
    else:
        table, columns = REAL_TABLES[model.split("_")[0]]
        ours, theirs = _table(ours_ws / table), _table(invest_ws / table)
        if list(ours["ws_id"]) != list(theirs["ws_id"]):
            raise RuntimeError(f"{model}: ws_id {list(ours['ws_id'])} vs InVEST's {list(theirs['ws_id'])}")
        pairs = {column: (ours[column], theirs[column]) for column in columns}
    rows = []
    for quantity, (ours_v, theirs_v) in pairs.items():
        o, t = np.asarray(ours_v, dtype=np.float64), np.asarray(theirs_v, dtype=np.float64)
        rel = np.abs(o - t) / np.maximum(np.abs(t), 1e-12)
        rows.append({"quantity": quantity, "ws_rel": float(rel.max())})
    return rows


def bench_real(repeats: int, models: list[str]) -> list[dict]:
    """The real-terrain case: each datastack through InVEST and through ``ecoledger invest``."""
    case = stacks.build_real_case(stacks.WORK / f"real-{REAL_N}", REAL_N, REAL_CELL)
    folder = Path(case["folder"])
    runs = stacks.WORK / "runs" / f"real-{REAL_N}"
    results = []
    for model in [m for m in models if m in case["datastacks"]]:
        invest_ws, ours_ws = runs / model / "invest", runs / model / "ecoledger"
        datastack = Path(case["datastacks"][model])
        invest_cfg = {"datastack": str(datastack), "workspace": str(invest_ws)}
        if model == "carbon":  # InVEST Carbon has no watersheds: zonal sums of its stock; ours takes them
            invest_cfg["zonal"] = {"c_storage_bas": ["c_storage_bas.tif", str(folder / "watersheds.gpkg")]}
            stack = json.loads(datastack.read_text())
            stack["args"]["watersheds_path"] = "watersheds.gpkg"
            datastack = folder / "carbon_ws.invs.json"
            datastack.write_text(json.dumps(stack, indent=1))
        ours_cfg = {"invest": [str(datastack), "--workspace", str(ours_ws)]}
        row = run_pair(REAL_N, model, repeats, invest_cfg, ours_cfg, invest_ws, ours_ws)
        zonal = row["invest_runs"][-1].get("zonal", {}).get("c_storage_bas", {})
        row["case"] = f" Jiangxi {REAL_CELL:.0f} m"
        row["agreement"] = real_agreement(model, invest_ws, ours_ws, zonal, case["cell"] ** 2 / 1e4)
        results.append(row)
    return results


def _e(x: float) -> str:
    return "–" if np.isnan(x) else f"{x:.1e}"


def markdown(results: list[dict]) -> str:
    lines = [
        "| size | model | InVEST s | ecoledger s | InVEST ÷ ecoledger | whole process s, InVEST / ecoledger "
        "| InVEST peak GB | ecoledger peak GB | max rel diff, watershed sums | max rel diff, per pixel |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r["model"] in ROUTING:
            continue
        ws = max(a["ws_rel"] for a in r["agreement"])
        px = _e(max(a.get("pixel_rel", np.nan) for a in r["agreement"]))
        lines.append(
            f"| {r['size']}²{r.get('case', '')} | {r['model']} | {r['invest_s']:.2f} | "
            f"{r['ecoledger_s']:.2f} | {r['invest_s'] / r['ecoledger_s']:.1f} | "
            f"{r['invest_process_s']:.2f} / {r['ecoledger_process_s']:.2f} | "
            f"{r['invest_gb']:.2f} | {r['ecoledger_gb']:.2f} | {ws:.1e} | {px} |"
        )
    lines += [
        "",
        "Agreement per quantity (relative differences; cells compared; cells valid in ecoledger only /",
        "InVEST only before taking InVEST's mask):",
        "",
        "| size | model | quantity | watershed sums | per pixel max | per pixel mean | cells "
        "| ours only | InVEST only |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for a in r.get("agreement", []):
            cells = " | ".join(str(a.get(k, "–")) for k in ("cells", "ours_only", "invest_only"))
            lines.append(
                f"| {r['size']}²{r.get('case', '')} | {r['model']} | {a['quantity']} | {a['ws_rel']:.1e} | "
                f"{_e(a.get('pixel_rel', np.nan))} | {_e(a.get('pixel_mean_rel', np.nan))} | {cells} |"
            )
    routing = [r for r in results if r["model"] in ROUTING]
    if routing:
        lines += [
            "",
            "Routing steps alone on the same DEM, seconds (pygeoprocessing 2.4.11 vs ecoledger.terrain,",
            "numba kernels compiled beforehand):",
            "",
            "| size | routing | fill pgp / ours | direction pgp / ours | accumulation pgp / ours "
            "| total pgp / ours | ratio | peak GB pgp / ours |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in routing:
            i, e = r["invest_steps"], r["ecoledger_steps"]
            steps = " | ".join(f"{i[s]:.2f} / {e[s]:.2f}" for s in ROUTING_STEPS)
            lines.append(
                f"| {r['size']}² | {r['model'].split('_')[1].upper()} | {steps} | {r['invest_s']:.2f} / "
                f"{r['ecoledger_s']:.2f} | {r['invest_s'] / r['ecoledger_s']:.1f} | "
                f"{r['invest_gb']:.2f} / {r['ecoledger_gb']:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--models", nargs="+", choices=MODELS + ROUTING, default=list(MODELS + ROUTING))
    parser.add_argument(
        "--real-case", action="store_true", help=f"the real-terrain case ({REAL_N}² Jiangxi), not --sizes"
    )
    args = parser.parse_args(argv)
    if not INVEST_PYTHON.exists():
        print(f"InVEST venv missing: run bash bench/install_invest.sh ({INVEST_PYTHON})", file=sys.stderr)
        return 2
    if args.real_case:
        print("warm-up: one run of each (compiles numba kernels, not recorded)", file=sys.stderr)
        bench_real(1, args.models)
        results = bench_real(args.repeats, args.models)
    else:
        print("warm-up on 200² (compiles numba kernels, not recorded)", file=sys.stderr)
        bench_size(200, args.seed, 1, args.models)
        results = []
        for n in args.sizes:
            results += bench_size(n, args.seed, args.repeats, args.models)
    text = markdown(results)
    print(text)
    stem = f"results-{datetime.datetime.now():%Y-%m-%d-%H%M}"  # one pair of files per invocation
    (stacks.WORK / f"{stem}.md").write_text(text)
    meta = {"argv": sys.argv[1:], "seed": args.seed, "repeats": args.repeats, "cpus": os.cpu_count()}
    (stacks.WORK / f"{stem}.json").write_text(json.dumps(meta | {"results": results}, indent=1))
    print(f"written: bench/work/{stem}.md, .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
