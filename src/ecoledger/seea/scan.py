"""One pass over the accounting grid for the extent and condition accounts of two years.

Both years' land cover is read from the pack onto one grid (the closing year's accounting grid)
and classified with the pack's crosswalk, cell by cell, exactly as ``run_account`` classifies it
(``maps/ecosystem.tif`` of a run holds the same codes). Per row block, with the exact
fractional coverage of every leaf unit (``zonal.block_coverage``), it sums:

- the area of every (opening type, closing type) pair: the change matrix, whose row sums are
  the opening extent and column sums the closing extent;
- per year and type, the length of the edges between cells of different types (fragmentation):
  a cell side shared with a cell of another ecosystem type counts once for each of the two
  types; sides on cells without a type (outside the region, land-cover nodata) are not edges,
  as FRAGSTATS leaves the landscape boundary out by default;
- per year and type, the NDVI of the cells (sum and number of cells with a value), when NDVI
  rasters are given.

Memory follows the row block; edges need one row above and below each block (read with it).
Leaf sums are extended to every unit by ``Units.aggregate`` (parents are the sums of their
children).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rasterio.windows import Window

from ecoledger.accounts import accounting_grid
from ecoledger.ecosystems import ECOSYSTEM_CODES
from ecoledger.errors import InputError
from ecoledger.grid import Grid, LayerReader, class_lookup, landcover_index
from ecoledger.messages import register
from ecoledger.pack.manifest import LayerSpec
from ecoledger.pack.validate import raise_if_invalid
from ecoledger.zonal import Units, block_coverage, zonal_sums_by_class

NONE = "none"  # cells without an ecosystem type (land-cover nodata or an unmapped class)
TYPES = [NONE, *ECOSYSTEM_CODES]  # index = code in the ecosystem raster
N_TYPES = len(TYPES)
BLOCK_ROWS = 512

register({"ndvi_range": (
    "NDVI（{files}）的数值超出 −1 … 1（最大 {high:g}，最小 {low:g}）：可能是放大后的整数（如 MODIS 乘以 "
    "10000）；修改：先换算为 −1 … 1 的 NDVI",
    "NDVI ({files}) outside −1 … 1 (largest {high:g}, smallest {low:g}): scaled integers (MODIS "
    "× 10000)? fix: convert to NDVI in −1 … 1 first")}, prefix="seea.")


@dataclass
class Scan:
    """Sums per unit (every level) from one pass over the grid; areas in km², edges in m."""

    opening_year: int
    closing_year: int
    units: pd.DataFrame  # code, name, level, parent (the pack's order)
    grid: Grid
    pairs: dict[str, np.ndarray]  # unit → (N_TYPES × N_TYPES) km², [opening type, closing type]
    edges_m: dict[int, pd.DataFrame]  # year → units × TYPES
    ndvi_sum: dict[int, pd.DataFrame] = field(default_factory=dict)  # year → units × TYPES
    ndvi_cells: dict[int, pd.DataFrame] = field(default_factory=dict)  # cells with a value
    cells: dict[int, pd.DataFrame] = field(default_factory=dict)  # coverage-weighted cells
    provenance: dict = field(default_factory=dict)

    def extent(self, year: int) -> pd.DataFrame:
        """Units × TYPES, km²: the opening year's row sums or the closing year's column sums."""
        axis = 1 if year == self.opening_year else 0
        if year not in (self.opening_year, self.closing_year):
            raise ValueError(f"{year} is neither {self.opening_year} nor {self.closing_year}")
        codes = list(self.pairs)
        return pd.DataFrame(np.stack([self.pairs[c].sum(axis=axis) for c in codes]),
                            index=pd.Index(codes, name="adcode"), columns=TYPES)


def classifier(crosswalk: pd.DataFrame) -> np.ndarray:
    """Land-cover class → ecosystem code (0: no type), as ``RasterEngine`` builds it."""
    classes = crosswalk["class"].astype(int)
    return class_lookup(dict(zip(classes, crosswalk["ecosystem"].map(ECOSYSTEM_CODES), strict=True)),
                        0)


def classify(landcover: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Ecosystem codes (int64, 0 = no type) of land-cover classes (float, NaN = nodata)."""
    codes = table[landcover_index(landcover, table)]
    return np.nan_to_num(codes, nan=0.0).astype(np.int64)


def edge_lengths(codes: np.ndarray, resolution: float) -> np.ndarray:
    """Per cell, the length (m) of its sides shared with a cell of another ecosystem type; sides
    touching a cell without a type (code 0) or the array's border are not counted."""
    sides = np.zeros(codes.shape, dtype=np.int64)
    typed = codes > 0
    vertical = (codes[1:] != codes[:-1]) & typed[1:] & typed[:-1]
    sides[1:] += vertical
    sides[:-1] += vertical
    horizontal = (codes[:, 1:] != codes[:, :-1]) & typed[:, 1:] & typed[:, :-1]
    sides[:, 1:] += horizontal
    sides[:, :-1] += horizontal
    return sides * resolution


def _check_ndvi(values: np.ndarray, files: list[str]) -> None:
    if np.isfinite(values).any():
        high, low = float(np.nanmax(values)), float(np.nanmin(values))
        if high > 1 or low < -1:
            raise InputError(key="seea.ndvi_range", files=", ".join(files), high=high, low=low)


def ndvi_spec(path: Path) -> LayerSpec:
    return LayerSpec(file=str(path), status="measured", source=str(path))


def scan(pack_root: str | Path, opening_year: int, closing_year: int,
         ndvi_files: list[Path] | tuple[Path, ...] = (), block_rows: int | None = BLOCK_ROWS) -> Scan:
    """Sum the change matrix, edges and (with NDVI) NDVI per unit for two years of a pack.

    NDVI for a year is the pack's ``ndvi`` layer of that year where it declares one, else the
    mean of ``ndvi_files`` (the same rasters for both years), else not summed.
    """
    pack = raise_if_invalid(pack_root, opening_year)
    raise_if_invalid(pack_root, closing_year)
    units = Units.read(pack.path(pack.manifest.units.file), pack.manifest.units, pack.region.crs)
    grid = accounting_grid(pack, units, closing_year)
    same_grid = accounting_grid(pack, units, opening_year) == grid
    table = classifier(pd.read_csv(pack.path(pack.manifest.landcover.crosswalk)))
    years = (opening_year, closing_year)
    specs = {year: pack.layers_for(year) for year in years}
    landcover = {year: LayerReader("landcover", specs[year]["landcover"],
                                   pack.path(specs[year]["landcover"].file), grid) for year in years}
    ndvi_sources: dict[int, list[str]] = {}
    ndvi: dict[int, list[LayerReader]] = {}
    for year in years:
        if "ndvi" in specs[year]:
            spec = specs[year]["ndvi"]
            ndvi[year] = [LayerReader("ndvi", spec, pack.path(spec.file) if spec.file else None, grid)]
            ndvi_sources[year] = [spec.file or f"constant {spec.constant}"]
        elif ndvi_files:
            ndvi[year] = [LayerReader("ndvi", ndvi_spec(Path(f)), Path(f), grid) for f in ndvi_files]
            ndvi_sources[year] = [Path(f).name for f in ndvi_files]
    leaves = units.leaves
    n = len(leaves)
    pairs = np.zeros((n, N_TYPES * N_TYPES))
    edges = {year: np.zeros((n, N_TYPES)) for year in years}
    ndvi_sum = {year: np.zeros((n, N_TYPES)) for year in ndvi}
    ndvi_cells = {year: np.zeros((n, N_TYPES)) for year in ndvi}
    cells = {year: np.zeros((n, N_TYPES)) for year in years}
    rows, cols = grid.shape
    try:
        for window in grid.blocks(block_rows):
            row0, height = int(window.row_off), int(window.height)
            top, bottom = max(row0 - 1, 0), min(row0 + height + 1, rows)
            halo = Window(0, top, cols, bottom - top)
            inner = slice(row0 - top, row0 - top + height)
            classes = {year: landcover[year].read(halo) for year in years}
            codes = {year: classify(classes[year], table) for year in years}
            cover = block_coverage(units, grid, window)
            area = np.full((height, cols), grid.pixel_area_m2)
            pair = codes[opening_year][inner] * N_TYPES + codes[closing_year][inner]
            pairs += zonal_sums_by_class(cover, area, pair, N_TYPES * N_TYPES)[0]
            ones = np.ones((height, cols))
            for year in years:
                own = codes[year][inner]
                length = edge_lengths(codes[year], grid.resolution)[inner]
                edges[year] += zonal_sums_by_class(cover, length, own, N_TYPES)[0]
                cells[year] += zonal_sums_by_class(cover, ones, own, N_TYPES)[0]
                if year in ndvi:
                    values = np.mean([r.read(window, landcover=classes[year][inner])
                                      for r in ndvi[year]], axis=0)
                    _check_ndvi(values, ndvi_sources[year])
                    summed, missing = zonal_sums_by_class(cover, values, own, N_TYPES)
                    ndvi_sum[year] += summed
                    ndvi_cells[year] += zonal_sums_by_class(cover, ones, own, N_TYPES)[0] - missing
    finally:
        for reader in [*landcover.values(), *(r for readers in ndvi.values() for r in readers)]:
            reader.close()

    def every_unit(leaf_sums: np.ndarray, columns) -> pd.DataFrame:
        frame = units.aggregate(pd.DataFrame(leaf_sums, index=leaves, columns=columns))
        frame.index.name = "adcode"
        return frame

    matrix = every_unit(pairs / 1e6, range(N_TYPES * N_TYPES))
    table_units = units.table.drop(columns="geometry").reset_index(drop=True)
    return Scan(
        opening_year=opening_year, closing_year=closing_year, units=table_units, grid=grid,
        pairs={code: row.to_numpy().reshape(N_TYPES, N_TYPES) for code, row in matrix.iterrows()},
        edges_m={year: every_unit(edges[year], TYPES) for year in years},
        ndvi_sum={year: every_unit(ndvi_sum[year], TYPES) for year in ndvi_sum},
        ndvi_cells={year: every_unit(ndvi_cells[year], TYPES) for year in ndvi_cells},
        cells={year: every_unit(cells[year], TYPES) for year in years},
        provenance={
            "pack": str(pack.root), "region": pack.region.name, "region_zh": pack.region.name_zh,
            "years": list(years), "same_grid": bool(same_grid),
            "grid": {"crs": grid.crs.to_string(), "resolution_m": grid.resolution,
                     "shape": list(grid.shape), "bounds": list(grid.bounds)},
            "landcover": {str(year): specs[year]["landcover"].file for year in years},
            "same_landcover_file": specs[opening_year]["landcover"].file
            == specs[closing_year]["landcover"].file,
            "ndvi": {str(year): sources for year, sources in ndvi_sources.items()},
            "crosswalk": pack.manifest.landcover.crosswalk,
        },
    )
