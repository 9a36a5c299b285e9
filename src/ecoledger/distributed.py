"""The raster part of the GEP accounts on a Dask cluster (``dask.distributed``).

``run_distributed`` computes, for every leaf unit × ecosystem type, the physical quantity of
the per-cell raster items (water conservation, soil retention, carbon, climate regulation …)
that ``ecoledger.accounts.run_account`` computes on one machine, in three distributed stages:

1. **Routing by drainage basin.** Water never crosses from one drainage basin into another, so
   each basin (or a group of basins) is filled, routed and accumulated on its own, in its
   bounding window, on any worker (``route_basins``). Cells of the window outside the basin
   become walls higher than the basin, so no outlet is invented at the basin's border and the
   depression filling, flow directions and accumulation of the basin's cells equal those of the
   whole grid exactly (see ``route_basins`` for why). The results are cut into chunks.
2. **Local algebra, chunk by chunk.** Slope needs the 3×3 neighbourhood of the filled DEM,
   across basin borders: it is computed with ``dask.array.map_overlap`` (depth 1), LS and the
   item formulas per cell (depth 0). Every layer is read lazily, one rasterio window per chunk.
   The item formulas are those of ``run_account`` itself (its ``RasterEngine``), not copies.
3. **Zonal sums reduced across workers.** Each chunk sums its cells per (leaf unit, ecosystem)
   with ``np.bincount`` over a leaf-unit id raster rasterized for that chunk; the partial sums
   are added in dask's tree reduction.

Differences from ``run_account``: a cell counts wholly for the leaf unit containing its centre
(rasterization), whereas ``run_account`` weighs cells cut by a unit border by their exact
covered fraction (exactextract). Both agree when unit borders follow cell edges; for general
polygons the sums differ by the boundary cells' fractions. Items capped by reported loads
(air and water purification) need the statistics step of ``run_account`` and are left out.

Basins: ``drainage_basins`` labels them by one pass over the whole DEM (fill, flow directions,
groups of cells joined by flow or by a shared plateau) — a single-machine step, fine for grids
that fit in memory. For larger grids pass precomputed labels (``basins=``); the result is exact
whenever they are hydrologically closed, i.e. no flow crosses between two labels. With D8
routing a region splits into many basins. With MFD routing it hardly splits at all: a ridge
cell sends flow down both sides, so MFD flow joins neighbouring D8 basins, and the routing of a
connected landmass stays one task (still exact; the local algebra and zonal sums are
distributed all the same). Splitting MFD routing would need accumulation with flow exchanged
across basin borders, which is not implemented.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import pandas as pd
import scipy.sparse as sp
from dask.distributed import Client, LocalCluster
from rasterio.features import rasterize
from rasterio.windows import Window
from rasterio.windows import transform as window_transform
from scipy import ndimage
from scipy.sparse.csgraph import connected_components

from ecoledger import tables, terrain
from ecoledger.accounts import (
    POLLUTANTS,
    REQUIRED_COEFFICIENTS,
    AccountResult,
    RasterEngine,
    accounting_grid,
)
from ecoledger.ecosystems import ALL, ECOSYSTEM_CODES
from ecoledger.errors import ParameterError
from ecoledger.grid import Grid, landcover_index
from ecoledger.layers import ITEM_LAYERS
from ecoledger.pack.manifest import load_pack
from ecoledger.pack.validate import raise_if_invalid
from ecoledger.params import Parameters
from ecoledger.terrain.routing import _DC, _DR, _SCAN_BLOCK
from ecoledger.zonal import Units

COLUMNS = ["adcode", "item", "ecosystem", "physical_value"]
N_CODES = len(ECOSYSTEM_CODES) + 1  # ecosystem codes 1…n, 0 = no ecosystem type (nodata)


@dataclass(frozen=True)
class _Job:
    """What a worker needs to rebuild the run's cell formulas and layer readers (picklable)."""

    pack_root: str
    year: int
    parameter_overrides: tuple[str, ...]
    routing: str


@cache
def _engine(job: _Job) -> RasterEngine:
    """The run's ``RasterEngine`` (formulas, readers), built once per process."""
    pack = load_pack(job.pack_root)  # validated by the caller of run_distributed
    params = Parameters.load(job.year, [*pack.parameter_files, *map(Path, job.parameter_overrides)])
    units = Units.read(pack.path(pack.manifest.units.file), pack.manifest.units, pack.region.crs)
    grid = accounting_grid(pack, units, job.year)
    crosswalk = pd.read_csv(pack.path(pack.manifest.landcover.crosswalk))
    return RasterEngine(pack, grid, units, crosswalk, pack.layers_for(job.year), params, job.routing)


# --------------------------------------------------------------------------- basins


def _neighbours(shape: tuple[int, int], k: int) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
    """Slices pairing every cell (first) with its neighbour ``k`` (second) inside the grid."""
    rows, cols = shape
    dr, dc = int(_DR[k]), int(_DC[k])
    cell = (slice(max(-dr, 0), rows - max(dr, 0)), slice(max(-dc, 0), cols - max(dc, 0)))
    neighbour = (slice(max(dr, 0), rows - max(-dr, 0)), slice(max(dc, 0), cols - max(-dc, 0)))
    return cell, neighbour


def drainage_basins(dem: np.ndarray, routing: str = "mfd") -> np.ndarray:
    """Label hydrologically closed drainage basins of ``dem`` (single-machine pass).

    Cells are joined when water flows from one to the other (D8 or MFD, as ``routing``, on the
    filled DEM) and when they lie on one plateau — connected cells of equal filled elevation
    among which one has no lower neighbour —, which the direction kernels resolve as a whole
    (ties included); a basin is a connected group. Water leaving the grid or entering nodata
    ends a basin, so every basin drains to its own outlets.

    Args:
        dem: 2-D float DEM (m), NaN = nodata, in the dtype the routing will read (float32 in
            ``run_account``: flow-direction ties depend on it).
        routing: ``"mfd"`` or ``"d8"``.

    Returns:
        int64 labels 1…n, 0 on nodata cells.
    """
    filled = terrain.fill_depressions(dem)
    shape, valid = filled.shape, ~np.isnan(filled)
    index = np.arange(filled.size).reshape(shape)
    if routing == "d8":
        directions = terrain.flow_direction_d8(filled)
        flows = [directions == k for k in range(8)]
    else:
        flows = list(terrain.flow_direction_mfd(filled) > 0)
    has_lower = np.zeros(shape, dtype=bool)
    flow_pairs, equal_pairs = [], []
    for k in range(8):
        cell, neighbour = _neighbours(shape, k)
        has_lower[cell] |= filled[neighbour] < filled[cell]
        joined = flows[k][cell] & valid[neighbour]
        flow_pairs.append((index[cell][joined], index[neighbour][joined]))
        equal = filled[cell] == filled[neighbour]
        equal_pairs.append((index[cell][equal], index[neighbour][equal]))
    _, plateau = connected_components(_graph(equal_pairs, filled.size), directed=False)
    on_plateau = np.isin(plateau, plateau[(valid & ~has_lower).ravel()])
    plateau_pairs = [(a[on_plateau[a]], b[on_plateau[a]]) for a, b in equal_pairs]
    _, basin = connected_components(_graph(flow_pairs + plateau_pairs, filled.size), directed=False)
    labels = np.zeros(shape, dtype=np.int64)
    labels[valid] = np.unique(basin[valid.ravel()], return_inverse=True)[1] + 1
    return labels


def _graph(pairs: list[tuple[np.ndarray, np.ndarray]], n: int) -> sp.coo_matrix:
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    return sp.coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))


# --------------------------------------------------------------------------- routing


def _basin_windows(labels: np.ndarray, chunk: int, routing: str) -> list[tuple[Window, np.ndarray]]:
    """Group basins by the chunk holding their bounding-box centre; one window per group.

    A union of closed basins is closed, so grouping only saves tasks. Each window is the group's
    bounding box grown by one cell (so the basins' edge cells see their true neighbours); for
    D8 its origin is moved back to a multiple of 256, because ``flow_direction_d8`` scans
    plateaus in 256×256 blocks counted from the array origin.
    """
    groups = defaultdict(list)
    for label, found in enumerate(ndimage.find_objects(labels), start=1):
        if found is not None:
            centre = ((found[0].start + found[0].stop) // 2, (found[1].start + found[1].stop) // 2)
            groups[centre[0] // chunk, centre[1] // chunk].append((label, found))
    rows, cols = labels.shape
    align = _SCAN_BLOCK if routing == "d8" else 1
    windows = []
    for members in groups.values():
        r0 = max(min(s[0].start for _, s in members) - 1, 0) // align * align
        c0 = max(min(s[1].start for _, s in members) - 1, 0) // align * align
        r1 = min(max(s[0].stop for _, s in members) + 1, rows)
        c1 = min(max(s[1].stop for _, s in members) + 1, cols)
        inside = np.isin(labels[r0:r1, c0:c1], [label for label, _ in members])
        windows.append((Window(c0, r0, c1 - c0, r1 - r0), inside))
    return windows


def _route(read_dem, window: Window, inside: np.ndarray, routing: str) -> np.ndarray:
    """Filled DEM and flow accumulation of the basins ``inside`` a window, NaN elsewhere."""
    dem = read_dem(window)
    wall = np.nanmax(dem[inside]) + 1  # a scalar of the DEM's dtype
    filled = terrain.fill_depressions(np.where(inside | np.isnan(dem), dem, wall))
    if routing == "d8":
        directions = terrain.flow_direction_d8(filled)
        directions[~inside] = terrain.D8_NODATA
        accumulation = terrain.flow_accumulation_d8(directions)
    else:
        proportions = terrain.flow_direction_mfd(filled)
        proportions[:, ~inside] = 0.0
        accumulation = terrain.flow_accumulation_mfd(proportions)
    return np.where(inside, np.stack([filled, accumulation]), np.nan)


def _crop(routed: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    return routed[:, rows, cols]


def _stitch(shape: tuple[int, int], *pieces) -> np.ndarray:
    """One chunk of (filled, accumulation) from the pieces (rows, cols, values) of its basins."""
    out = np.full((2, *shape), np.nan)
    for rows, cols, values in pieces:
        target = out[:, rows, cols]
        np.copyto(target, values, where=~np.isnan(values))
    return out


def route_basins(read_dem, labels: np.ndarray, routing: str = "mfd", chunk: int = 2048,
                 dtype: str = "float32") -> tuple[da.Array, da.Array]:
    """Filled DEM and flow accumulation of the whole grid, routed basin by basin.

    Each group of basins is one task: its window of the DEM is read (``read_dem(window)``, run
    on the worker), the cells outside the group are raised to a wall 1 m above the group's
    highest cell, and ``fill_depressions`` → ``flow_direction_*`` → ``flow_accumulation_*`` run
    on the window with the walls' directions cleared. Why this equals the whole grid exactly:
    a cell's filled level is the lowest level at which it can spill to an outlet, and its own
    flow path (which stays in its basin) reaches one at that level, so walls change no level
    and create no outlet; every neighbour a basin cell drains to is in its basin, so directions
    and plateau drains are the same (merged basins keep plateaus whole, aligned windows keep
    D8's scan order); accumulation only sums upstream cells, all in the basin, in the same
    topological order.

    Args:
        read_dem: picklable ``read(window) -> 2-D float array`` of the DEM (m), NaN = nodata.
        labels: basin labels on the grid (``drainage_basins``), 0 = nodata.
        routing: ``"mfd"`` or ``"d8"`` (``labels`` must be closed for that routing).
        chunk: chunk edge (cells) of the returned arrays.
        dtype: the float dtype ``read_dem`` returns (ties in the routing depend on it).

    Returns:
        (filled DEM in m, of ``dtype``; accumulation in cells, float64), dask arrays chunked
        ``chunk``².
    """
    rows, cols = labels.shape
    routed = [(window, dask.delayed(_route)(read_dem, window, inside, routing))
              for window, inside in _basin_windows(labels, chunk, routing)]
    blocks = []
    for r0 in range(0, rows, chunk):
        row = []
        for c0 in range(0, cols, chunk):
            r1, c1 = min(r0 + chunk, rows), min(c0 + chunk, cols)
            pieces = []
            for window, result in routed:
                wr0, wc0 = int(window.row_off), int(window.col_off)
                top, left = max(r0, wr0), max(c0, wc0)
                bottom = min(r1, wr0 + int(window.height))
                right = min(c1, wc0 + int(window.width))
                if top < bottom and left < right:
                    piece = dask.delayed(_crop)(result, slice(top - wr0, bottom - wr0),
                                                slice(left - wc0, right - wc0))
                    pieces.append((slice(top - r0, bottom - r0), slice(left - c0, right - c0), piece))
            stitched = dask.delayed(_stitch)((r1 - r0, c1 - c0), *pieces)
            row.append(da.from_delayed(stitched, (2, r1 - r0, c1 - c0), dtype=np.float64))
        blocks.append(row)
    both = da.block([blocks])
    return both[0].astype(dtype), both[1]


def ls_factor(filled: da.Array, accumulation: da.Array, cell_size: float) -> da.Array:
    """Desmet–Govers LS per cell: slope with a 1-cell overlap (no padding beyond the grid)."""
    slope = filled.map_overlap(terrain.slope_percent, depth=1, boundary="none",
                               cell_size=cell_size, dtype=np.float32)
    return da.map_blocks(terrain.ls_factor_desmet_govers, slope, accumulation,
                         cell_size=cell_size, dtype=np.float64)


# --------------------------------------------------------------------------- local algebra, zonal


def _window(block_info) -> Window:
    (r0, r1), (c0, c1) = block_info[0]["array-location"][:2]
    return Window(c0, r0, c1 - c0, r1 - r0)


def _read_layer(job: _Job, name: str, window: Window, landcover=None, dtype: str = "float64"
                ) -> np.ndarray:
    reader = _engine(job).reader(name)
    try:
        return reader.read(window, landcover=landcover, dtype=dtype)
    finally:
        reader.close()


def _layer_block(template: np.ndarray, *landcover, job, layer, block_info=None) -> np.ndarray:
    return _read_layer(job, layer, _window(block_info), *landcover)


def _unit_block(template: np.ndarray, geometries, grid: Grid, block_info=None) -> np.ndarray:
    """Leaf-unit number (1…n) of every cell of the chunk by its centre, 0 outside all."""
    window = _window(block_info)
    return rasterize(((g, n) for n, g in enumerate(geometries, start=1)),
                     out_shape=template.shape, transform=window_transform(window, grid.transform),
                     fill=0, dtype="int32")


def _partial_sums(landcover, units, *layers, job, names, items, n_leaves) -> np.ndarray:
    """Σ of each item per leaf unit (0: none) × ecosystem code (0: none) over one chunk, shape
    (1, 1, items, leaves + 1, codes); which ecosystem types an item credits is chosen later."""
    engine = _engine(job)
    cells = {"landcover": landcover, **dict(zip(names, layers, strict=True))}
    ecosystem = engine.class_ecosystem[landcover_index(landcover, engine.class_ecosystem)]
    subtype = engine.class_subtype[landcover_index(landcover, engine.class_subtype)]
    formulas = engine.formulas()
    bins = (units.astype(np.int64) * N_CODES + ecosystem).ravel()
    out = np.zeros((1, 1, len(items), n_leaves + 1, N_CODES))
    for n, item in enumerate(items):
        quantity = np.nan_to_num(formulas[item](cells, ecosystem, subtype,
                                                engine.grid.pixel_area_m2), nan=0.0)
        out[0, 0, n] = np.bincount(bins, quantity.ravel(), minlength=out[0, 0, n].size).reshape(
            n_leaves + 1, N_CODES)
    return out


def _computable_items(engine: RasterEngine, profile: str) -> list[str]:
    """The profile's per-cell raster items whose layers and coefficients the pack has."""
    catalogue = tables.items()
    not_applicable = set(engine.pack.region.not_applicable)
    return [i for i in tables.profile(profile).items
            if catalogue.at[i, "basis"] == "raster" and i not in not_applicable
            and i not in POLLUTANTS and all(n in engine.specs for n in ITEM_LAYERS[i])
            and (i not in REQUIRED_COEFFICIENTS or engine.params.keys(REQUIRED_COEFFICIENTS[i]))]


def _zonal_sums(job: _Job, items: list[str], basins: np.ndarray | None, chunk: int) -> da.Array:
    """The graph of Σ per (item, leaf unit + 1, ecosystem code) over the whole grid."""
    engine = _engine(job)
    grid = engine.grid
    template = da.empty(grid.shape, chunks=chunk, dtype=np.uint8)
    landcover = da.map_blocks(_layer_block, template, job=job, layer="landcover", dtype=np.float64)
    names = sorted({n for i in items for n in ITEM_LAYERS[i]} - {"landcover"})
    layers = [da.map_blocks(_layer_block, template,
                            *([landcover] if engine.specs[n].by_landcover else []),
                            job=job, layer=n, dtype=np.float64) for n in names]
    if any(i.startswith("soil_retention") for i in items):
        read_dem = partial(_read_layer, job, "dem", dtype="float32")  # as run_account reads it
        filled, accumulation = route_basins(read_dem, basins, job.routing, chunk)
        names.append("ls")
        layers.append(ls_factor(filled, accumulation, grid.resolution))
    leaves = engine.units.leaves
    unit_ids = da.map_blocks(_unit_block, template, dtype=np.int32, grid=grid,
                             geometries=engine.units.table.loc[leaves, "geometry"].tolist())
    blocks = template.numblocks
    partial_sums = da.map_blocks(
        _partial_sums, landcover, unit_ids, *layers, job=job, names=names, items=items,
        n_leaves=len(leaves), new_axis=[2, 3, 4], dtype=np.float64,
        chunks=((1,) * blocks[0], (1,) * blocks[1], (len(items),), (len(leaves) + 1,),
                (N_CODES,)))
    return partial_sums.sum(axis=(0, 1))


# --------------------------------------------------------------------------- entry points


def run_distributed(
    pack_root: str | Path,
    year: int,
    scheduler: str | None = None,
    chunk: int = 2048,
    profile: str = "ndrc2022",
    parameter_overrides: list[Path] | tuple[Path, ...] = (),
    routing: str = "mfd",
    basins: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Physical raster items per leaf unit × ecosystem, computed on a Dask cluster.

    Args:
        pack_root: region pack folder; ``year``, ``profile``, ``parameter_overrides`` and
            ``routing`` as in ``run_account``.
        scheduler: address of a running ``dask.distributed`` scheduler (``tcp://host:8786``),
            whose workers can read the pack at the same path; ``None`` starts a
            ``LocalCluster`` for the call.
        chunk: chunk edge (cells) of the local algebra and the zonal sums.
        basins: drainage-basin labels on the accounting grid (0 = nodata), closed for the
            routing (no flow between labels, no plateau split; see ``drainage_basins``);
            ``None`` computes them with ``drainage_basins`` on a worker.
        timings: if given, filled with the seconds spent per stage.

    Returns:
        Columns ``adcode, item, ecosystem, physical_value`` (units of ``items.csv``), one row
        per leaf unit × item × credited ecosystem type — the leaf rows ``run_account`` reports
        (see ``from_account``), with the caveats of the module docstring.
    """
    if routing not in ("mfd", "d8"):
        raise ParameterError(f"routing must be 'mfd' or 'd8', got {routing!r}")
    times = {} if timings is None else timings
    started = time.perf_counter()
    pack = raise_if_invalid(pack_root, year)
    job = _Job(str(pack.root.resolve()), year, tuple(str(Path(p).resolve()) for p in parameter_overrides),
               routing)
    engine = _engine(job)
    items = _computable_items(engine, profile)
    times["setup"] = time.perf_counter() - started
    cluster = None if scheduler else LocalCluster(dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            if basins is None and any(i.startswith("soil_retention") for i in items):
                mark = time.perf_counter()
                rows, cols = engine.grid.shape
                dem = client.submit(_read_layer, job, "dem", Window(0, 0, cols, rows), dtype="float32")
                basins = client.submit(drainage_basins, dem, routing).result()
                times["basins"] = time.perf_counter() - mark
            mark = time.perf_counter()
            sums = client.compute(_zonal_sums(job, items, basins, chunk)).result()
            times["compute"] = time.perf_counter() - mark
    finally:
        if cluster is not None:
            cluster.close()
    credited = tables.items()["ecosystems"].str.split()
    rows = []
    for n, item in enumerate(items):
        for eco in credited[item]:
            rows += [(code, item, eco, sums[n, k + 1, ECOSYSTEM_CODES[eco]])
                     for k, code in enumerate(engine.units.leaves)]
    times["total"] = time.perf_counter() - started
    return pd.DataFrame(rows, columns=COLUMNS)


def from_account(result: AccountResult, items: list[str] | None = None) -> pd.DataFrame:
    """The same table from a single-machine ``run_account`` result (leaf units, no ``all``)."""
    parents = set(result.units["parent"])
    accounts = result.accounts
    keep = (~accounts["adcode"].isin(parents)) & (accounts["ecosystem"] != ALL)
    if items is not None:
        keep &= accounts["item"].isin(items)
    return accounts.loc[keep, COLUMNS].reset_index(drop=True)
