"""InVEST Annual Water Yield from GeoTIFFs: water yield (mm and m³) and AET per cell."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from numba import njit, prange

from ecoledger.items.water_yield import water_yield_cell
from ecoledger.pipeline.rasters import (
    check_grid,
    class_index,
    lookup,
    read_rasters,
    read_table,
    watershed_sums,
    write_rasters,
)


@njit(cache=True, parallel=True)
def _water_yield_kernel(p, et0, awc, depth, klass, kc, root, veg, z, m3_per_mm, wy, aet, volume):
    rows, cols = p.shape
    for r in prange(rows):
        for c in range(cols):
            j = klass[r, c]
            if j < 0:
                wy[r, c] = aet[r, c] = volume[r, c] = np.nan
                continue
            y, e = water_yield_cell(p[r, c], et0[r, c], kc[j], root[j], awc[r, c], depth[r, c], z, veg[j])
            wy[r, c] = y
            aet[r, c] = e
            volume[r, c] = y * m3_per_mm


def water_yield(
    precip_path: str | Path,
    et0_path: str | Path,
    landcover_path: str | Path,
    biophysical_table: str | Path,
    awc_path: str | Path,
    depth_path: str | Path,
    seasonality_z: float,
    out_dir: str | Path,
    watersheds_path: str | Path | None = None,
    watershed_id: str | None = "ws_id",
) -> dict:
    """Per-cell annual water yield as InVEST 3.20 AWY (``ecoledger.items.water_yield``).

    Args:
        precip_path: annual precipitation (mm/a). et0_path: reference ET (mm/a). awc_path:
            plant-available water content (fraction). depth_path: root-restricting layer depth
            (mm). landcover_path: integer classes. All on one projected grid.
        biophysical_table: CSV with ``lucode, lulc_veg, root_depth`` (mm) ``, kc`` (InVEST's).
        seasonality_z: Zhang coefficient Z (1).
        out_dir: folder for ``water_yield.tif`` (mm/a), ``aet.tif`` (mm/a), ``pet.tif``
            (Kc·ET0, mm/a) and ``water_yield_volume.tif`` (m³/a per cell = mm / 1000 × cell area
            m²); float32, NaN = nodata (also where precipitation is 0, as in InVEST).
        watersheds_path: optional polygons; sums and valid-cell counts of ``water_yield``,
            ``aet``, ``pet``, ``water_yield_volume`` and ``precip`` per polygon, each polygon on
            its own mask (cell centres, as ``pygeoprocessing.zonal_statistics``: nested and
            overlapping polygons get their full sums). InVEST AWY does not mask its inputs, so
            neither do we. InVEST's ``wyield_mn`` (``precip_mn``, ``PET_mn``, ``AET_mn``) is
            ``watershed_sums[name][id] / watershed_cells[name][id]``; its ``wyield_vol`` is
            ``wyield_mn`` × polygon area (m²) / 1000 (``cli.invest`` writes that table).
        watershed_id: integer id field keying the sums; ``None``: feature order (0, 1, …).

    Returns:
        ``{"outputs", "timings_s", "watershed_sums", "watershed_cells"}`` as
        ``pipeline.soil_retention``.
    """
    start = time.perf_counter()
    paths = {"precip": precip_path, "et0": et0_path, "awc": awc_path, "depth": depth_path}
    grid = check_grid({**paths, "landcover": landcover_path})
    codes, table = read_table(biophysical_table, ("lulc_veg", "root_depth", "kc"))
    rasters = read_rasters({**paths, "landcover": landcover_path}, classes=("landcover",))
    klass = class_index(*rasters["landcover"], codes, biophysical_table)
    read = time.perf_counter()
    wy, aet, volume = (np.empty(grid.shape, dtype=np.float32) for _ in range(3))
    _water_yield_kernel(
        *(rasters[k][0] for k in ("precip", "et0", "awc", "depth")),
        klass,
        table["kc"],
        table["root_depth"],
        table["lulc_veg"] == 1,
        float(seasonality_z),
        grid.cell_area_m2 / 1000.0,
        wy,
        aet,
        volume,
    )
    computed = time.perf_counter()
    pet = lookup(klass, table["kc"]) * rasters["et0"][0]  # InVEST: Kc raster × ET0, float32
    results = {"water_yield": wy, "aet": aet, "pet": pet, "water_yield_volume": volume}
    outputs = write_rasters(out_dir, grid, results)
    written = time.perf_counter()
    timings = {"read": read - start, "water_yield": computed - read, "write": written - computed}
    sums, cells = {}, {}
    if watersheds_path is not None:
        summed = {**results, "precip": rasters["precip"][0]}
        sums, cells = watershed_sums(watersheds_path, watershed_id, grid, summed)
        timings["watershed_sums"] = time.perf_counter() - written
    timings["total"] = time.perf_counter() - start
    return {"outputs": outputs, "timings_s": timings, "watershed_sums": sums, "watershed_cells": cells}
