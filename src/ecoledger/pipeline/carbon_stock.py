"""InVEST Carbon (baseline storage) from a land-cover GeoTIFF: carbon stock per cell."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ecoledger.items.carbon_stock import carbon_stock as stock_per_cell
from ecoledger.pipeline.rasters import (
    check_grid,
    class_index,
    lookup,
    read_rasters,
    read_table,
    watershed_sums,
    write_rasters,
)

POOLS = ("c_above", "c_below", "c_soil", "c_dead")


def carbon_stock(
    landcover_path: str | Path,
    pools_table: str | Path,
    out_dir: str | Path,
    watersheds_path: str | Path | None = None,
    watershed_id: str | None = "ws_id",
) -> dict:
    """Carbon stock per cell (Mg C) as InVEST 3.20 Carbon (``ecoledger.items.carbon_stock``).

    Args:
        landcover_path: integer classes on a projected grid.
        pools_table: CSV with ``lucode, c_above, c_below, c_soil, c_dead`` (Mg C/ha).
        out_dir: folder for ``carbon_stock.tif`` (Mg C per cell, float32, NaN = nodata). InVEST's
            ``c_storage_bas.tif`` is the density (Mg C/ha): ours divided by the cell area (ha).
        watersheds_path: optional polygons; stock sums per polygon, each polygon on its own mask
            (cell centres, as ``pygeoprocessing.zonal_statistics``), so nested and overlapping
            polygons get their full sums. InVEST 3.20 Carbon has no watersheds (it reports only
            the raster totals of ``raster_values_summary.csv``); these sums are ecoledger's,
            under the same cell rule as InVEST's SDR and AWY.
        watershed_id: integer id field keying the sums; ``None``: feature order (0, 1, …).

    Returns:
        ``{"outputs", "timings_s", "watershed_sums", "watershed_cells", "total_mg_c"}``; the total
        is InVEST's "Baseline Carbon Storage" (t).
    """
    start = time.perf_counter()
    grid = check_grid({"landcover": landcover_path})
    codes, table = read_table(pools_table, POOLS)
    lulc, nodata = read_rasters({"landcover": landcover_path}, classes=("landcover",))["landcover"]
    klass = class_index(lulc, nodata, codes, pools_table)
    read = time.perf_counter()
    stock = lookup(klass, stock_per_cell(*(table[p] for p in POOLS), grid.cell_area_m2 / 1e4))
    total = float(np.nansum(stock, dtype=np.float64))
    computed = time.perf_counter()
    outputs = write_rasters(out_dir, grid, {"carbon_stock": stock})
    written = time.perf_counter()
    timings = {"read": read - start, "carbon_stock": computed - read, "write": written - computed}
    sums, cells = {}, {}
    if watersheds_path is not None:
        sums, cells = watershed_sums(watersheds_path, watershed_id, grid, {"carbon_stock": stock})
        timings["watershed_sums"] = time.perf_counter() - written
    timings["total"] = time.perf_counter() - start
    return {
        "outputs": outputs,
        "timings_s": timings,
        "watershed_sums": sums,
        "watershed_cells": cells,
        "total_mg_c": total,
    }
