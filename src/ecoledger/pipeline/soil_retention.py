"""RUSLE soil retention from GeoTIFFs: the InVEST SDR quantities RKLS and avoided erosion."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numba import njit, prange

from ecoledger.pipeline.rasters import (
    PipelineError,
    check_grid,
    class_index,
    polygon_ids,
    polygon_zones,
    read_rasters,
    read_table,
    read_watersheds,
    union_mask,
    write_rasters,
    zone_stats,
)
from ecoledger.pipeline.streams import streams_d8, streams_mfd

OUTPUTS = ("flow_accumulation", "ls", "rkls", "usle", "avoided_erosion")


@njit(cache=True, parallel=True)
def _rkls_kernel(ls, erosivity, erodibility, klass, one_minus_cp, stream, use_stream, rkls, usle, avoided):
    rows, cols = ls.shape
    for r in prange(rows):
        for c in range(cols):
            v = ls[r, c] * erosivity[r, c] * erodibility[r, c]
            if use_stream and stream[r, c]:
                v = np.nan
            rkls[r, c] = v
            j = klass[r, c]
            usle[r, c] = v * (1.0 - one_minus_cp[j]) if j >= 0 else np.nan
            avoided[r, c] = v * one_minus_cp[j] if j >= 0 else np.nan


def rkls_avoided_erosion(ls, erosivity, erodibility, klass, one_minus_cp, stream=None):
    """RKLS = R·K·LS, USLE = RKLS·C·P and avoided erosion = RKLS·(1 − C·P) in one parallel pass.

    Args:
        ls: LS factor (1). erosivity: R (MJ·mm·ha⁻¹·h⁻¹·a⁻¹). erodibility: K
            (t·ha·h·ha⁻¹·MJ⁻¹·mm⁻¹). All 2-D, NaN = nodata.
        klass: int32 row of the C·P table per cell (``class_index``), −1 = nodata.
        one_minus_cp: float64 ``1 − usle_c · usle_p`` per table row (1).
        stream: optional boolean mask; RKLS is blanked (NaN) on stream cells, as InVEST does.

    Returns:
        ``(rkls, usle, avoided_erosion)`` in t·ha⁻¹·a⁻¹, float32, NaN where any input is nodata.
    """
    rkls = np.empty(ls.shape, dtype=np.float32)
    usle = np.empty(ls.shape, dtype=np.float32)
    avoided = np.empty(ls.shape, dtype=np.float32)
    use_stream = stream is not None
    _rkls_kernel(
        ls,
        erosivity,
        erodibility,
        klass,
        np.asarray(one_minus_cp, dtype=np.float64),
        stream if use_stream else np.zeros((1, 1), dtype=np.bool_),
        use_stream,
        rkls,
        usle,
        avoided,
    )
    return rkls, usle, avoided


def soil_retention(
    dem_path: str | Path,
    erosivity_path: str | Path,
    erodibility_path: str | Path,
    landcover_path: str | Path,
    cp_table: str | Path,
    out_dir: str | Path,
    routing: str = "d8",
    l_max: float = 122.0,
    write: Sequence[str] = OUTPUTS,
    watersheds_path: str | Path | None = None,
    stream_threshold: float | None = None,
    watershed_id: str | None = "ws_id",
    mask_to_watersheds: bool = True,
) -> dict:
    """InVEST SDR's RKLS, USLE and avoided erosion (RKLS − USLE = RKLS·(1 − C·P)) from GeoTIFFs.

    ``ecoledger.terrain`` fill → D8/MFD direction → accumulation → slope → Desmet–Govers LS
    (pygeoprocessing/InVEST 3.20 cell for cell), then RKLS, USLE and avoided erosion in one fused
    parallel pass. Nothing intermediate is written.

    Masking, as InVEST 3.20 SDR (``sdr.execute``: ``align_and_resize_raster_stack`` with the
    watersheds as ``mask_vector_path``, then ``_create_mutual_mask_op``): a cell takes part
    (DEM, R, K and land cover alike, so also in routing) only where all four inputs are valid
    and, with ``watersheds_path`` and ``mask_to_watersheds``, where its centre lies in some
    watershed polygon. Routing on the masked DEM is what makes per-watershed results match
    InVEST when the watersheds do not cover the raster (unmasked: −0.8 % on a real basin).

    Args:
        dem_path: elevation (m). erosivity_path: R (MJ·mm·ha⁻¹·h⁻¹·a⁻¹). erodibility_path: K
            (t·ha·h·ha⁻¹·MJ⁻¹·mm⁻¹). landcover_path: integer classes. All on one projected grid
            with square cells (``GridMismatchError`` otherwise).
        cp_table: CSV with ``lucode, usle_c, usle_p`` (InVEST biophysical table; other columns
            ignored). Every land-cover code in the raster must have a row.
        out_dir: folder for ``{name}.tif`` (float32, NaN = nodata).
        routing: ``"d8"`` or ``"mfd"``.
        l_max: cap of the L factor (InVEST default 122).
        write: which of ``flow_accumulation`` (cells), ``ls`` (1), ``rkls``, ``usle`` and
            ``avoided_erosion`` (t·ha⁻¹·a⁻¹) to write.
        watersheds_path: optional polygon vector (same CRS); sums of all five quantities per
            polygon are returned, each polygon on its own mask (``rasters.polygon_zones``: cell
            centres, as ``pygeoprocessing.zonal_statistics``), so nested and overlapping
            polygons each get their full sums.
        stream_threshold: if given (cells, InVEST's ``threshold_flow_accumulation``), RKLS,
            USLE and avoided erosion are blanked on stream cells extracted as InVEST does, so
            the outputs compare with InVEST's ``rkls.tif`` / ``usle.tif`` /
            ``avoided_erosion.tif``.
        watershed_id: integer id field of ``watersheds_path`` that keys the sums; ``None`` keys
            them by feature order (0, 1, …), as InVEST SDR (which needs no id field).
        mask_to_watersheds: mask the inputs to the watersheds' union before routing (InVEST).

    Returns:
        ``{"outputs": {name: path}, "timings_s": {step: s}, "watershed_sums": {name: {id: sum}},
        "watershed_cells": {name: {id: valid cells}}}`` (the last two empty without watersheds);
        sums are of the per-cell values (t·ha⁻¹·a⁻¹ × cells): × cell area in ha gives InVEST's
        ``usle_tot`` / ``avoid_eros`` (t/a).
    """
    from ecoledger import terrain  # here: runs of the other pipelines need not import it

    routing = routing.lower()
    if routing not in ("d8", "mfd"):
        raise PipelineError(f"routing must be 'd8' or 'mfd', got {routing!r}")
    unknown = sorted(set(write) - set(OUTPUTS))
    if unknown:
        raise PipelineError(f"cannot write {unknown}; choose from {list(OUTPUTS)}")
    timings = {}
    start = t = time.perf_counter()

    def lap(step):
        nonlocal t
        now = time.perf_counter()
        timings[step] = now - t
        t = now

    paths = {"dem": dem_path, "erosivity": erosivity_path, "erodibility": erodibility_path}
    grid = check_grid({**paths, "landcover": landcover_path})
    codes, table = read_table(cp_table, ("usle_c", "usle_p"))
    rasters = read_rasters({**paths, "landcover": landcover_path}, classes=("landcover",))
    klass = class_index(*rasters["landcover"], codes, cp_table)
    zones, ids = None, None
    if watersheds_path is not None:
        sheds = read_watersheds(watersheds_path, grid, watershed_id)
        ids = polygon_ids(sheds, watershed_id, watersheds_path)
        zones = polygon_zones(sheds.geometry, grid)
    lap("read")
    dem = rasters["dem"][0]
    # InVEST's mutual mask: a cell is used only where every input is valid (and in a watershed)
    invalid = np.isnan(rasters["erosivity"][0]) | np.isnan(rasters["erodibility"][0]) | (klass < 0)
    if zones is not None and mask_to_watersheds:
        invalid |= ~union_mask(zones, grid.shape)
    if invalid.any():
        dem = dem.copy()
        dem[invalid] = np.nan
    lap("mask")
    filled = terrain.fill_depressions(dem)
    lap("fill")
    if routing == "d8":
        directions = terrain.flow_direction_d8(filled)
        lap("flow_direction")
        accumulation = terrain.flow_accumulation_d8(directions)
    else:
        directions = terrain.flow_direction_mfd(filled)
        lap("flow_direction")
        accumulation = terrain.flow_accumulation_mfd(directions)
    lap("flow_accumulation")
    slope = terrain.slope_percent(filled, grid.cell_size)
    lap("slope")
    ls = terrain.ls_factor_desmet_govers(slope, accumulation, grid.cell_size, l_max)
    lap("ls")
    stream = None
    if stream_threshold is not None:
        if routing == "d8":
            stream = streams_d8(accumulation, stream_threshold)
        else:
            stream = streams_mfd(accumulation, directions, stream_threshold)
        lap("streams")
    rkls, usle, avoided = rkls_avoided_erosion(
        ls,
        rasters["erosivity"][0],
        rasters["erodibility"][0],
        klass,
        1.0 - table["usle_c"] * table["usle_p"],
        stream,
    )
    lap("rkls_avoided_erosion")
    results = {
        "flow_accumulation": accumulation,
        "ls": ls,
        "rkls": rkls,
        "usle": usle,
        "avoided_erosion": avoided,
    }
    outputs = write_rasters(out_dir, grid, {name: results[name] for name in write})
    lap("write")
    sums, cells = {}, {}
    if zones is not None:
        for name, a in results.items():
            s, n = zone_stats(zones, a)
            sums[name] = dict(zip(ids, s.tolist(), strict=True))
            cells[name] = dict(zip(ids, n.tolist(), strict=True))
        lap("watershed_sums")
    timings["total"] = time.perf_counter() - start
    return {
        "outputs": outputs,
        "timings_s": timings,
        "watershed_sums": sums,
        "watershed_cells": cells,
        "cell_area_ha": grid.cell_area_m2 / 1e4,
    }
