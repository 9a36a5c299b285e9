"""Writing a run's outputs atomically: accounts, summary, method tables, maps, provenance.

Everything is written into a temporary sibling folder that replaces ``DIR`` only once complete,
so a failed run leaves the previous results (or nothing) — never a partial set.
"""

from __future__ import annotations

import hashlib
import json
import platform
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from ecoledger import __version__, published, tables
from ecoledger.accounts import AccountResult
from ecoledger.atomic import atomic_directory
from ecoledger.ecosystems import ALL, ECOSYSTEM_CODES, ECOSYSTEM_COLOURS, ECOSYSTEMS
from ecoledger.errors import OutputError

YI = 1e8  # 1 亿元 = 10⁸ 元


def write_outputs(result: AccountResult, out_dir: str | Path, pack_root: str | Path,
                  report: bool = False) -> Path:
    """Write every output of ``result`` into ``out_dir`` atomically; returns ``out_dir``.

    With ``report`` the bilingual HTML/PDF report is written in the same atomic step.
    """
    out_dir = Path(out_dir).resolve()
    try:
        with atomic_directory(out_dir) as staging:
            _write_all(result, staging, Path(pack_root))
            if report:
                from ecoledger.report import write_report

                write_report(staging, Path(pack_root))
    except Exception as exc:
        raise OutputError(f"writing outputs to {out_dir} failed, nothing was written: {exc}") from exc
    return out_dir


def _write_all(result: AccountResult, folder: Path, pack_root: Path) -> None:
    accounts = result.accounts
    accounts.to_csv(folder / "accounts.csv", index=False, encoding="utf-8")
    accounts.to_parquet(folder / "accounts.parquet", index=False)
    summary = summarise(result)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    method_tables(result, folder / "tables")
    if result.maps:
        write_maps(result, folder / "maps")
    if result.uncertainty is not None:
        result.uncertainty.write(folder / "uncertainty")
    run = {**result.provenance, "code_version": __version__, "python": platform.python_version(),
           "inputs": input_hashes(pack_root), "outputs": output_hashes(folder)}
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False, indent=2, default=str),
                                     encoding="utf-8")


def unit_totals(accounts: pd.DataFrame) -> pd.DataFrame:
    """Per unit: value of each group and GEP (元), from the ``ecosystem = all`` rows.

    A group whose items are all missing is NaN, not 0; GEP sums the groups that have values
    (what was accounted; the missing items are listed beside it).
    """
    rows = accounts[accounts["ecosystem"] == ALL]
    groups = (rows.groupby(["adcode", "group"], sort=False)["value_yuan"].sum(min_count=1)
              .unstack("group").reindex(columns=list(tables.GROUPS)))
    groups["gep"] = groups.sum(axis=1, min_count=1)
    names = rows.drop_duplicates("adcode").set_index("adcode")[["name", "level"]]
    return names.join(groups).reset_index()


def summarise(result: AccountResult) -> dict:
    accounts = result.accounts
    totals = unit_totals(accounts)
    roots = result.units.loc[result.units["parent"] == "", "code"].tolist()
    region = totals[totals["adcode"].isin(roots)]
    gep = float(region["gep"].sum())
    all_rows = accounts[(accounts["ecosystem"] == ALL) & accounts["adcode"].isin(roots)]
    by_item = all_rows.groupby("item", sort=False)["value_yuan"].sum(min_count=1)
    gdp = _region_statistic(result, roots, "gdp")
    population = _region_statistic(result, roots, "population")
    area_km2 = float(result.extent.loc[roots].to_numpy().sum())
    missing = sorted(set(all_rows.loc[all_rows["data_status"] == "missing", "item"]))
    return {
        "region": result.provenance["region"],
        "year": result.provenance["year"],
        "profile": result.provenance["profile"],
        "currency": "yuan (current prices of the accounting year)",
        "gep_yuan": gep,
        "gep_yi_yuan": gep / YI,
        "groups": {g: {"name_zh": zh, "value_yuan": _number(region[g].sum(min_count=1)),
                       "share": _number(region[g].sum(min_count=1) / gep) if gep else None}
                   for g, zh in tables.GROUPS.items()},
        "items": {item: {"value_yuan": None if np.isnan(v) else float(v),
                         "share": None if np.isnan(v) or not gep else float(v) / gep}
                  for item, v in by_item.items()},
        "missing_items": missing,
        "gdp_yuan": gdp,
        "gep_to_gdp": gep / gdp if gdp else None,
        "population": population,
        "gep_per_capita_yuan": gep / population if population else None,
        "area_km2": area_km2,
        "gep_per_km2_yuan": gep / area_km2 if area_km2 else None,
        "parameter_table_version": result.provenance["parameter_table_version"],
    }


def _number(value) -> float | None:
    return None if pd.isna(value) else float(value)


def _region_statistic(result: AccountResult, roots, indicator) -> float | None:
    stats = result.statistics
    if stats.empty or indicator not in stats.columns:
        return None
    value = stats.loc[stats.index.isin(roots), indicator].sum(min_count=1)
    return None if pd.isna(value) else float(value)


def method_tables(result: AccountResult, folder: Path) -> None:
    """The tables of the method notes §9 (T1–T8) and SEEA-EA-shaped extent and supply tables
    (``seea.run``)."""
    folder.mkdir()
    accounts = result.accounts
    units = result.units.set_index("code")
    extent = result.extent.loc[:, (result.extent > 0).any()]
    t1 = extent.rename(columns=lambda e: f"{e}_km2")
    t1.insert(0, "name", units["name"])
    t1.insert(1, "level", units["level"])
    t1["total_km2"] = extent.sum(axis=1)
    t1.to_csv(folder / "T1_extent.csv", index_label="adcode", encoding="utf-8")
    result.inventory.to_csv(folder / "T2_inventory.csv", index=False, encoding="utf-8")
    all_rows = accounts[accounts["ecosystem"] == ALL]
    physical = all_rows[["adcode", "name", "level", "group", "service", "item", "item_zh",
                         "physical_value", "physical_unit", "data_status"]]
    extra = result.physical_indicators.reset_index(names="adcode").melt(
        id_vars="adcode", var_name="item", value_name="physical_value")
    extra["physical_unit"] = "t"
    extra["data_status"] = "derived"
    pd.concat([physical, extra], ignore_index=True).to_csv(folder / "T3_physical.csv",
                                                           index=False, encoding="utf-8")
    result.parameters_used.to_csv(folder / "T4_prices.csv", index=False, encoding="utf-8")
    values = all_rows[["adcode", "name", "level", "group", "service", "item", "item_zh",
                       "physical_value", "physical_unit", "unit_price", "price_unit",
                       "value_yuan", "data_status"]].copy()
    totals = unit_totals(accounts).set_index("adcode")
    values["value_yi_yuan"] = values["value_yuan"] / YI
    values["share_of_gep"] = values["value_yuan"] / values["adcode"].map(totals["gep"])
    values.to_csv(folder / "T5_values.csv", index=False, encoding="utf-8")
    t6 = totals.copy()
    if not result.statistics.empty:
        for column in ("gdp", "population"):
            if column in result.statistics.columns:
                t6[column] = result.statistics[column].reindex(t6.index)
        if "gdp" in t6:
            t6["gep_to_gdp"] = t6["gep"] / t6["gdp"]
    t6["area_km2"] = result.extent.sum(axis=1).reindex(t6.index)
    t6["gep_per_km2"] = t6["gep"] / t6["area_km2"]
    t6.to_csv(folder / "T6_summary.csv", encoding="utf-8")
    result.plausibility.to_csv(folder / "plausibility.csv", index=False, encoding="utf-8")
    result.statistics_provenance.to_csv(folder / "statistics_used.csv", index=False,
                                        encoding="utf-8")
    year = int(result.provenance["year"])
    published.comparison(accounts, year).to_csv(folder / "comparison_published.csv", index=False,
                                                 encoding="utf-8")
    by_eco = _missing_stays_missing(accounts[accounts["ecosystem"] != ALL],
                                    ["adcode", "item"], "ecosystem", "value_yuan")
    by_eco.to_csv(folder / "T7_by_ecosystem.csv", encoding="utf-8")
    by_unit = _missing_stays_missing(all_rows, ["adcode", "name", "level"], "item", "value_yuan")
    by_unit.to_csv(folder / "T8_by_unit.csv", encoding="utf-8")
    from ecoledger.seea.run import run_tables

    run_tables(result, folder)


def _missing_stays_missing(rows: pd.DataFrame, index: list[str], columns: str, values: str) -> pd.DataFrame:
    """A wide table of sums in which a cell with only missing values stays missing (not 0)."""
    summed = rows.groupby([*index, columns], sort=False)[values].sum(min_count=1)
    return summed.unstack(columns)


MAP_BLOCK_ROWS = 1024
ECOSYSTEM_MAP = "ecosystem.tif"


def write_maps(result: AccountResult, folder: Path) -> None:
    """Per-cell physical quantity and value GeoTIFFs for every computed raster item, copied and
    priced block by block from the run's maps (memory follows the block, not the grid), and the
    ecosystem type of every cell (``ecosystem.tif``). Maps are written on two threads: GDAL
    compresses without holding Python's lock."""
    folder.mkdir()
    price = (result.accounts[result.accounts["ecosystem"] != ALL]
             .groupby(["item", "ecosystem"])["unit_price"].first())
    items = [name for name in result.maps if not name.startswith("_")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_write_item_maps, result, item, price, folder) for item in items]
        if "_ecosystem" in result.maps:
            jobs.append(pool.submit(write_ecosystem_map, result.maps["_ecosystem"], result.grid,
                                    folder / ECOSYSTEM_MAP))
        for done in jobs:
            done.result()


def ecosystem_colour_table() -> dict[int, tuple[int, int, int, int]]:
    """The GeoTIFF colour table of the ecosystem map: each code in the colour of its type
    (``ECOSYSTEM_COLOURS``), 0 (no type) transparent."""
    table = {0: (0, 0, 0, 0)}
    for name, code in ECOSYSTEM_CODES.items():
        colour = ECOSYSTEM_COLOURS[name][0]
        table[code] = (*(int(colour[i:i + 2], 16) for i in (1, 3, 5)), 255)
    return table


def write_ecosystem_map(source: Path, grid, path: Path) -> None:
    """The ecosystem type of every cell of the grid as the run classified it (the ``_ecosystem``
    map of the run, copied block by block): the codes of ``ECOSYSTEM_CODES`` (0: no type, where
    the land cover has no data or an unmapped class), the conventional colours as the file's
    colour table, and code → name (English and Chinese) in its metadata (tags ``codes`` and
    ``codes_zh``, JSON).

    Byte codes: a GeoTIFF colour table needs an unsigned 8- or 16-bit band (GDAL refuses one on
    the run's int16 map), and the codes stay below 256."""
    assert max(ECOSYSTEM_CODES.values()) < 256
    profile = dict(driver="GTiff", height=grid.shape[0], width=grid.shape[1], count=1,
                   dtype="uint8", crs=grid.crs, transform=grid.transform, nodata=0,
                   tiled=True, blockxsize=256, blockysize=256, compress="zstd", zstd_level=1,
                   bigtiff="if_safer")
    with rasterio.open(source) as codes, rasterio.open(path, "w", **profile) as out:
        out.update_tags(quantity="ecosystem type",
                        note="0 = no ecosystem type (land-cover nodata or an unmapped class)",
                        codes=json.dumps({str(c): n for n, c in ECOSYSTEM_CODES.items()}),
                        codes_zh=json.dumps({str(c): ECOSYSTEMS[n] for n, c in ECOSYSTEM_CODES.items()},
                                            ensure_ascii=False))
        out.set_band_description(1, "ecosystem type (codes in the tags codes / codes_zh)")
        out.write_colormap(1, ecosystem_colour_table())
        for window in grid.blocks(MAP_BLOCK_ROWS):
            block = codes.read(1, window=window)
            out.write(np.where((block > 0) & (block < 256), block, 0).astype(np.uint8), 1,
                      window=window)


def _write_item_maps(result: AccountResult, item: str, price: pd.Series, folder: Path) -> None:
    grid = result.grid
    profile = dict(driver="GTiff", height=grid.shape[0], width=grid.shape[1], count=1,
                   dtype="float32", crs=grid.crs, transform=grid.transform, nodata=np.nan,
                   tiled=True, blockxsize=256, blockysize=256, compress="zstd", zstd_level=1,
                   bigtiff="if_safer")
    unit = tables.items().at[item, "physical_unit"]
    by_code = np.full(len(ECOSYSTEM_CODES) + 1, np.nan)
    for eco, code in ECOSYSTEM_CODES.items():
        if (item, eco) in price.index:
            by_code[code] = price[(item, eco)]
    tags = dict(item=item, note="per-cell values before capping purification by loads")
    with (rasterio.open(result.maps["_ecosystem"]) as ecosystems,
          rasterio.open(result.maps[item]) as source,
          rasterio.open(folder / f"{item}_physical.tif", "w", **profile) as physical,
          rasterio.open(folder / f"{item}_value.tif", "w", **profile) as value):
        physical.update_tags(quantity="physical", unit=f"{unit} per cell", **tags)
        value.update_tags(quantity="value", unit="yuan per cell", **tags)
        for window in grid.blocks(MAP_BLOCK_ROWS):
            quantity = source.read(1, window=window)
            codes = ecosystems.read(1, window=window)
            physical.write(quantity, 1, window=window)
            value.write((quantity * by_code[codes]).astype(np.float32), 1, window=window)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(pack_root: Path) -> dict[str, str]:
    """SHA-256 of every file of the pack (so a rerun can prove it used the same inputs)."""
    return {str(p.relative_to(pack_root)): _sha256(p)
            for p in sorted(Path(pack_root).rglob("*")) if p.is_file()}


def output_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "run.json"}
