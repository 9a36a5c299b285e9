"""Run the InVEST-comparable pipelines from an InVEST ``args.json`` / datastack, unchanged.

A datastack is InVEST's parameter file (``*.invs.json``, or ``args.json``): ``{"args": {...},
"model_id": "sdr", "invest_version": ...}`` (InVEST ≥ 3.15 writes ``model_id``; older ones
``"model_name": "natcap.invest.sdr.sdr"``). A plain ``{arg: value}`` dict is read too; its model
is then given or inferred from its args. Relative paths are resolved against the JSON file's
folder, as InVEST does.

Models, InVEST 3.20.2 argument names, and what is written into the workspace:

* ``sdr`` → ``pipeline.soil_retention``: ``dem_path, erosivity_path, erodibility_path,
  lulc_path, biophysical_table_path`` (``lucode, usle_c, usle_p``), ``watersheds_path``,
  ``threshold_flow_accumulation``, ``flow_dir_algorithm`` (D8/MFD; D8 if absent, as before
  InVEST 3.14), ``l_max``. ``k_param, sdr_max, ic_0_param`` are read but enter only sediment
  export/deposition, which ecoledger does not compute. Writes ``rkls.tif, usle.tif,
  avoided_erosion.tif`` and ``watershed_results_sdr.shp`` (the watersheds' own fields plus
  InVEST's ``usle_tot`` and ``avoid_eros``, t/a; InVEST's ``sed_export, sed_dep, avoid_exp`` are
  not computed) with the same table as ``watershed_results_sdr.csv``.
* ``annual_water_yield`` → ``pipeline.water_yield``: ``precipitation_path, eto_path,
  depth_to_root_rest_layer_path, pawc_path, lulc_path, biophysical_table_path`` (``lucode,
  lulc_veg, root_depth, Kc``), ``seasonality_constant``, ``watersheds_path`` (field ``ws_id``),
  optional ``sub_watersheds_path`` (``subws_id``). Writes ``output/per_pixel/{wyield,aet}.tif``
  and ``output/watershed_results_wyield.{shp,csv}`` (and ``subwatershed_results_wyield.*``) with
  InVEST's ``precip_mn, PET_mn, AET_mn, wyield_mn, wyield_vol``: means over each polygon's
  valid cells, ``wyield_vol = wyield_mn`` × polygon area / 1000 (m³).
* ``carbon`` → ``pipeline.carbon_stock``: ``lulc_bas_path, carbon_pools_path``, optional
  ``calc_sequestration`` + ``lulc_alt_path``. Writes ``c_storage_bas.tif`` (and ``_alt``,
  ``c_change_bas_alt``; t/ha as InVEST) and ``raster_values_summary.csv`` (InVEST's columns and
  labels). InVEST 3.20 Carbon has no watersheds; ``watersheds_path`` (an ecoledger addition)
  gives ``watershed_results_carbon.csv``: stock sums (t) per polygon, same cell rule.
* ``habitat_quality`` → ``pipeline.habitat_quality``: ``lulc_cur_path, threats_table_path``
  (``threat, max_dist, weight, decay, cur_path[, fut_path, base_path]``),
  ``sensitivity_table_path`` (``lucode, habitat`` and one column per threat),
  ``half_saturation_constant``, optional ``lulc_fut_path, lulc_bas_path, access_vector_path``.
  Writes ``deg_sum_c.tif, quality_c.tif`` (``_f`` with a future land cover) and, with a
  baseline, ``rarity_c.tif, rarity_c.csv`` (``_f``), as InVEST; no intermediate rasters.

Per-polygon results take one mask per polygon (cell centres, as InVEST's
``pygeoprocessing.zonal_statistics``), so nested and overlapping polygons each get their full
sums. ``results_suffix`` is appended to file names as InVEST does (``name_suffix.ext``).
Inputs must already share one grid (InVEST would resample them; ecoledger refuses, naming each
raster's grid). Unsupported args (valuation, demand, drainage, remote ``https://`` paths) and
unknown args are refused with the arg named and the fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ecoledger.errors import InputError
from ecoledger.messages import register

register({
    "no_such_file": ("{source}：参数 `{arg}`：文件不存在：{path} → 修改：请更正路径",
                     "{source}: arg {arg!r}: no such file {path} → fix: correct the path"),
}, prefix="invest.")

MODELS = ("sdr", "annual_water_yield", "carbon", "habitat_quality")
_ALIASES = {
    "sdr": "sdr",
    "natcap.invest.sdr": "sdr",
    "natcap.invest.sdr.sdr": "sdr",
    "awy": "annual_water_yield",
    "annual_water_yield": "annual_water_yield",
    "natcap.invest.annual_water_yield": "annual_water_yield",
    "natcap.invest.annual_water_yield.annual_water_yield": "annual_water_yield",
    "hydropower_water_yield": "annual_water_yield",
    "natcap.invest.hydropower.hydropower_water_yield": "annual_water_yield",
    "carbon": "carbon",
    "natcap.invest.carbon": "carbon",
    "natcap.invest.carbon.carbon": "carbon",
    "habitat_quality": "habitat_quality",
    "hq": "habitat_quality",
    "natcap.invest.habitat_quality": "habitat_quality",
    "natcap.invest.habitat_quality.habitat_quality": "habitat_quality",
}
_COMMON = {"workspace_dir", "results_suffix", "n_workers"}
_PATHS = {
    "sdr": {"dem_path", "erosivity_path", "erodibility_path", "lulc_path", "biophysical_table_path"},
    "annual_water_yield": {
        "precipitation_path",
        "eto_path",
        "depth_to_root_rest_layer_path",
        "pawc_path",
        "lulc_path",
        "biophysical_table_path",
    },
    "carbon": {"lulc_bas_path", "carbon_pools_path"},
    "habitat_quality": {"lulc_cur_path", "threats_table_path", "sensitivity_table_path"},
}
_REQUIRED = {
    "sdr": _PATHS["sdr"] | {"watersheds_path", "threshold_flow_accumulation"},
    "annual_water_yield": _PATHS["annual_water_yield"] | {"watersheds_path", "seasonality_constant"},
    "carbon": _PATHS["carbon"],
    "habitat_quality": _PATHS["habitat_quality"] | {"half_saturation_constant"},
}
_OPTIONAL = {
    "sdr": {"flow_dir_algorithm", "l_max", "k_param", "sdr_max", "ic_0_param", "drainage_path"},
    "annual_water_yield": {"sub_watersheds_path", "demand_table_path", "valuation_table_path"},
    "carbon": {
        "calc_sequestration",
        "lulc_alt_path",
        "lulc_bas_year",
        "lulc_alt_year",
        "do_valuation",
        "price_per_metric_ton_of_c",
        "discount_rate",
        "rate_change",
        "watersheds_path",
    },
    "habitat_quality": {"lulc_fut_path", "lulc_bas_path", "access_vector_path"},
}
# InVEST args ecoledger does not implement: refused when set (not empty / false)
_UNSUPPORTED = {
    "drainage_path": "artificial drainage enters only sediment export, which ecoledger does not compute;"
    ' remove drainage_path (or set it to "")',
    "demand_table_path": "the water scarcity part of Annual Water Yield is not implemented;"
    ' remove demand_table_path (or set it to "")',
    "valuation_table_path": "hydropower valuation is not implemented; remove valuation_table_path"
    ' (or set it to "")',
    "do_valuation": "carbon valuation (NPV) is not implemented; set do_valuation to false",
}


class InvestArgsError(InputError):
    """An InVEST args file or datastack that ecoledger cannot run as given."""


def _model_name(value: str, source: str) -> str:
    model = _ALIASES.get(str(value).strip().lower())
    if model is None:
        raise InvestArgsError(
            f"{source}: model {value!r} is not one ecoledger runs → fix: use one of {list(MODELS)}"
            " (SDR, annual water yield, carbon, habitat quality)"
        )
    return model


def _infer_model(args: Mapping[str, Any], source: str) -> str:
    found = [m for m in MODELS if _PATHS[m] <= set(args)]
    if len(found) == 1:
        return found[0]
    raise InvestArgsError(
        f"{source}: cannot tell which InVEST model these args are for → fix: give --model"
        f' ({", ".join(MODELS)}) or use an InVEST datastack with "model_id"'
    )


def read_datastack(path: str | Path, model: str | None = None) -> tuple[str, dict[str, Any]]:
    """``(model, args)`` from an InVEST datastack / ``args.json`` at ``path``.

    Paths in the args are resolved against the file's folder. ``model`` overrides (and must
    agree with) the file's ``model_id`` / ``model_name``.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvestArgsError(
            f"{path}: not valid JSON ({exc}) → fix: give an InVEST args.json / datastack"
        ) from exc
    if not isinstance(data, dict):
        raise InvestArgsError(f"{path}: expected a JSON object (an InVEST datastack or args dict)")
    if isinstance(data.get("args"), dict):
        args = dict(data["args"])
        named = data.get("model_id") or data.get("model_name")
    else:
        args, named = dict(data), None
    if model is not None:
        model = _model_name(model, "--model")
        if named is not None and _model_name(named, str(path)) != model:
            raise InvestArgsError(
                f"{path}: the datastack is for {named!r}, not {model!r} → fix: drop --model or give"
                " the datastack of that model"
            )
    elif named is not None:
        model = _model_name(named, str(path))
    else:
        model = _infer_model(args, str(path))
    return model, _resolve(model, args, path)


def _resolve(model: str, args: dict[str, Any], source: Path) -> dict[str, Any]:
    known = _COMMON | _REQUIRED[model] | _OPTIONAL[model]
    unknown = sorted(set(args) - known)
    if unknown:
        raise InvestArgsError(
            f"{source}: arg(s) {unknown} are not InVEST {model} args that ecoledger knows → fix:"
            f" remove them or correct their names; known args: {sorted(known)}"
        )
    for key, why in _UNSUPPORTED.items():
        if key in args and args[key] not in (None, "", False, "false", "False", 0):
            raise InvestArgsError(f"{source}: arg {key!r} is not supported: {why}")
    missing = sorted(k for k in _REQUIRED[model] if args.get(k) in (None, ""))
    if missing:
        raise InvestArgsError(f"{source}: required arg(s) {missing} missing or empty → fix: set them")
    base = source.resolve().parent
    out = dict(args)
    for key, value in args.items():
        if not (key.endswith("_path") or key == "workspace_dir") or value in (None, ""):
            continue
        text = str(value)
        if "://" in text or text.startswith(("/vsicurl", "zip+")):
            raise InvestArgsError(
                f"{source}: arg {key!r} is a remote path ({text}) → fix: download the file and give"
                " its local path (ecoledger does not read from the network)"
            )
        p = Path(text).expanduser()
        out[key] = p if p.is_absolute() else base / p
        if key != "workspace_dir" and not out[key].exists():
            raise InvestArgsError(key="invest.no_such_file", source=source, arg=key, path=out[key])
    return out


def _number(args: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = args.get(key, default)
    if value in (None, ""):
        if default is None:
            raise InvestArgsError(f"arg {key!r} is required → fix: set it to a number")
        value = default
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvestArgsError(f"arg {key!r} must be a number, got {value!r} → fix: set a number") from exc
    if not math.isfinite(number):
        raise InvestArgsError(f"arg {key!r} must be finite, got {value!r}")
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _suffixed(name: str, suffix: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}{suffix}{dot}{ext}"


def _suffix(args: Mapping[str, Any]) -> str:
    s = str(args.get("results_suffix") or "").strip()
    return f"_{s.lstrip('_')}" if s else ""


def _write_table(sheds, columns: dict[str, list], shp: Path, csv: Path):
    """The polygons with their own fields plus ``columns`` as ``shp`` (ESRI Shapefile) and ``csv``;
    returns the table without geometry (``tables.Table``).

    Plain polygons read without pandas are written without it (``vectors.write_shapefile``, as
    GDAL writes them); any others through geopandas, as before.
    """
    from ecoledger.pipeline.tables import Table
    from ecoledger.pipeline.vectors import Unusual, write_shapefile

    table = Table({**sheds.fields, **columns})
    if sheds.frame is None:
        try:
            write_shapefile(shp, table.columns, sheds.geometry, sheds.crs)
        except Unusual:
            pass
        else:
            table.to_csv(csv)
            return table
    frame = sheds.frame
    if frame is None:
        import geopandas as gpd

        frame = gpd.GeoDataFrame(
            dict(sheds.fields), geometry=list(sheds.geometry), crs=sheds.crs.to_wkt() if sheds.crs else None
        )
    frame = frame.copy()
    for name, values in columns.items():
        frame[name] = values
    shp.parent.mkdir(parents=True, exist_ok=True)
    for old in shp.parent.glob(shp.stem + ".*"):
        if old.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            old.unlink()
    frame.to_file(shp, driver="ESRI Shapefile")
    plain = frame.drop(columns=frame.geometry.name)
    plain.to_csv(csv, index=False)
    return Table({c: plain[c].tolist() for c in plain.columns})


def _rename(outputs: Mapping[str, Path], names: Mapping[str, Path]) -> dict[str, Path]:
    done = {}
    for key, target in names.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        Path(outputs[key]).replace(target)
        done[key] = target
    return done


def run_sdr(args: Mapping[str, Any], workspace: Path) -> dict:
    """InVEST SDR args → ``soil_retention`` → rasters and ``watershed_results_sdr``."""
    from ecoledger.pipeline.rasters import check_grid, read_watersheds
    from ecoledger.pipeline.soil_retention import soil_retention

    algorithm = str(args.get("flow_dir_algorithm") or "D8").strip().lower()
    if algorithm not in ("d8", "mfd"):
        raise InvestArgsError(
            f"arg 'flow_dir_algorithm' must be D8 or MFD, got {args['flow_dir_algorithm']!r}"
        )
    suffix = _suffix(args)
    result = soil_retention(
        args["dem_path"],
        args["erosivity_path"],
        args["erodibility_path"],
        args["lulc_path"],
        args["biophysical_table_path"],
        workspace / "intermediate_outputs",
        routing=algorithm,
        l_max=_number(args, "l_max", 122.0),
        write=("rkls", "usle", "avoided_erosion"),
        watersheds_path=args["watersheds_path"],
        stream_threshold=_number(args, "threshold_flow_accumulation"),
        watershed_id=None,  # InVEST SDR keys results by feature, needing no id field
    )
    outputs = _rename(
        result["outputs"],
        {k: workspace / _suffixed(f"{k}.tif", suffix) for k in ("rkls", "usle", "avoided_erosion")},
    )
    sheds = read_watersheds(args["watersheds_path"], check_grid({"dem": args["dem_path"]}))
    ha = result["cell_area_ha"]
    sums = result["watershed_sums"]
    columns = {
        "usle_tot": [sums["usle"][i] * ha for i in range(len(sheds))],
        "avoid_eros": [sums["avoided_erosion"][i] * ha for i in range(len(sheds))],
    }
    shp = workspace / _suffixed("watershed_results_sdr.shp", suffix)
    table = _write_table(sheds, columns, shp, shp.with_suffix(".csv"))
    return {
        "model": "sdr",
        "outputs": {
            **outputs,
            "watershed_results_sdr": shp,
            "watershed_results_sdr_csv": shp.with_suffix(".csv"),
        },
        "table": table,
        "timings_s": result["timings_s"],
        "notes": [
            "k_param, sdr_max and ic_0_param enter only sediment export and deposition, which ecoledger"
            " does not compute: the table has usle_tot and avoid_eros, not sed_export, sed_dep, avoid_exp"
        ],
    }


def _awy_table(args, key: str, id_field: str, grid, result_dir: Path, suffix: str, ours: dict):
    from ecoledger.pipeline.rasters import polygon_zones, read_watersheds, zone_stats

    sheds = read_watersheds(args[key], grid, id_field)
    zones = polygon_zones(sheds.geometry, grid)
    columns = {}
    for column, name in (
        ("precip_mn", "precip"),
        ("PET_mn", "pet"),
        ("AET_mn", "aet"),
        ("wyield_mn", "water_yield"),
    ):
        s, n = zone_stats(zones, ours[name])
        columns[column] = [float(a / b) if b else None for a, b in zip(s, n, strict=True)]
    areas = [math.nan if g is None else g.area for g in sheds.geometry]
    columns["wyield_vol"] = [
        None if m is None else float(m * a / 1000.0) for m, a in zip(columns["wyield_mn"], areas, strict=True)
    ]
    stem = "watershed_results_wyield" if id_field == "ws_id" else "subwatershed_results_wyield"
    shp = result_dir / _suffixed(f"{stem}.shp", suffix)
    return shp, _write_table(sheds, columns, shp, shp.with_suffix(".csv"))


def run_annual_water_yield(args: Mapping[str, Any], workspace: Path) -> dict:
    """InVEST Annual Water Yield args → ``water_yield`` → ``watershed_results_wyield``."""
    from ecoledger.pipeline.rasters import check_grid, read_rasters
    from ecoledger.pipeline.water_yield import water_yield

    suffix = _suffix(args)
    per_pixel = workspace / "output" / "per_pixel"
    result = water_yield(
        args["precipitation_path"],
        args["eto_path"],
        args["lulc_path"],
        args["biophysical_table_path"],
        args["pawc_path"],
        args["depth_to_root_rest_layer_path"],
        _number(args, "seasonality_constant"),
        per_pixel,
    )
    outputs = _rename(
        result["outputs"],
        {
            "water_yield": per_pixel / _suffixed("wyield.tif", suffix),
            "aet": per_pixel / _suffixed("aet.tif", suffix),
            "pet": workspace / "intermediate" / _suffixed("pet.tif", suffix),
            "water_yield_volume": per_pixel / _suffixed("wyield_volume.tif", suffix),
        },
    )
    grid = check_grid({"lulc": args["lulc_path"]})
    ours = {}
    for name, path in outputs.items():
        ours[name] = read_rasters({name: path})[name][0]
    ours["precip"] = read_rasters({"precip": args["precipitation_path"]})["precip"][0]
    tables = {}
    shp, tables["watershed_results_wyield"] = _awy_table(
        args, "watersheds_path", "ws_id", grid, workspace / "output", suffix, ours
    )
    files = {"watershed_results_wyield": shp, "watershed_results_wyield_csv": shp.with_suffix(".csv")}
    if args.get("sub_watersheds_path") not in (None, ""):
        sub, tables["subwatershed_results_wyield"] = _awy_table(
            args, "sub_watersheds_path", "subws_id", grid, workspace / "output", suffix, ours
        )
        files |= {
            "subwatershed_results_wyield": sub,
            "subwatershed_results_wyield_csv": sub.with_suffix(".csv"),
        }
    return {
        "model": "annual_water_yield",
        "outputs": {**outputs, **files},
        "table": tables["watershed_results_wyield"],
        "tables": tables,
        "timings_s": result["timings_s"],
        "notes": [],
    }


def run_carbon(args: Mapping[str, Any], workspace: Path) -> dict:
    """InVEST Carbon args → ``carbon_stock`` → ``raster_values_summary.csv`` (+ ecoledger's
    per-polygon sums if ``watersheds_path`` is given)."""
    import rasterio

    from ecoledger.pipeline.carbon_stock import carbon_stock
    from ecoledger.pipeline.rasters import (
        check_grid,
        polygon_zones,
        read_watersheds,
        write_rasters,
        zone_stats,
    )
    from ecoledger.pipeline.tables import Table

    suffix = _suffix(args)
    scenarios = {"bas": args["lulc_bas_path"]}
    if _flag(args.get("calc_sequestration")):
        if args.get("lulc_alt_path") in (None, ""):
            raise InvestArgsError(
                "calc_sequestration is true but 'lulc_alt_path' is empty → fix: set lulc_alt_path"
            )
        scenarios["alt"] = args["lulc_alt_path"]
    grid = check_grid({f"lulc_{k}_path": v for k, v in scenarios.items()})
    hectares = grid.cell_area_m2 / 1e4
    density, timings = {}, {}
    for scenario, lulc in scenarios.items():
        result = carbon_stock(lulc, args["carbon_pools_path"], workspace / "intermediate_outputs" / scenario)
        with rasterio.open(result["outputs"]["carbon_stock"]) as src:
            density[f"c_storage_{scenario}"] = src.read(1) / np.float32(hectares)  # t/ha, as InVEST
        Path(result["outputs"]["carbon_stock"]).unlink()
        timings[scenario] = result["timings_s"]
    if "alt" in scenarios:
        density["c_change_bas_alt"] = density["c_storage_alt"] - density["c_storage_bas"]
    written = write_rasters(workspace / "intermediate_outputs", grid, density)
    outputs = _rename(written, {k: workspace / _suffixed(f"{k}.tif", suffix) for k in written})
    labels = {
        "c_storage_bas": "Baseline Carbon Storage",
        "c_storage_alt": "Alternate Carbon Storage",
        "c_change_bas_alt": "Change in Carbon Storage",
    }
    rows = [
        {
            "Raster": labels[k],
            "Total": float(np.nansum(a, dtype=np.float64)) * hectares,
            "Units": "metric_ton",
            "Filename": outputs[k].name,
        }
        for k, a in density.items()
    ]
    summary = workspace / _suffixed("raster_values_summary.csv", suffix)
    table = Table({key: [row[key] for row in rows] for key in ("Raster", "Total", "Units", "Filename")})
    table.to_csv(summary)
    files = {"raster_values_summary": summary}
    if args.get("watersheds_path") not in (None, ""):
        sheds = read_watersheds(args["watersheds_path"], grid)
        zones = polygon_zones(sheds.geometry, grid)
        columns = {k: (zone_stats(zones, a)[0] * hectares).tolist() for k, a in density.items()}
        table = Table({**sheds.fields, **columns})
        path = workspace / _suffixed("watershed_results_carbon.csv", suffix)
        table.to_csv(path)
        files["watershed_results_carbon"] = path
    return {
        "model": "carbon",
        "outputs": {**outputs, **files},
        "table": table,
        "timings_s": timings,
        "notes": [],
    }


def run_datastack(path: str | Path, model: str | None = None, workspace: str | Path | None = None) -> dict:
    """Run the model of an InVEST datastack / ``args.json`` with ecoledger's pipelines.

    ``workspace`` overrides the args' ``workspace_dir``. Returns ``{"model", "outputs":
    {name: path}, "table": tables.Table, "timings_s", "notes", "workspace"}`` (the table as
    written to CSV; ``.to_pandas()`` gives a DataFrame).
    """
    model, args = read_datastack(path, model)
    if workspace is not None:
        ws = Path(workspace)
    elif args.get("workspace_dir") not in (None, ""):
        ws = Path(args["workspace_dir"])
    else:
        raise InvestArgsError(f"{path}: arg 'workspace_dir' is empty → fix: set it, or give --workspace")
    ws.mkdir(parents=True, exist_ok=True)
    if model == "habitat_quality":
        from ecoledger.pipeline.habitat_quality import run_invest as runner
    else:
        runner = {"sdr": run_sdr, "annual_water_yield": run_annual_water_yield, "carbon": run_carbon}[model]
    result = runner(args, ws)
    result["workspace"] = ws
    return result
