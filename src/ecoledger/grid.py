"""The accounting grid and the alignment of every layer onto it.

The grid is equal-area (pixel area = resolution²) and covers the administrative units'
bounds snapped outward to whole cells. Layers in any CRS or resolution are read through a GDAL
warped VRT, window by window, so alignment never needs the whole layer in memory. The
resampling rule follows the layer's data type (see ``ecoledger.layers``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from ecoledger.layers import LAYERS
from ecoledger.pack.manifest import LayerSpec


@dataclass(frozen=True)
class Grid:
    crs: CRS
    transform: Affine
    shape: tuple[int, int]

    @property
    def resolution(self) -> float:
        return float(self.transform.a)

    @property
    def pixel_area_m2(self) -> float:
        return self.resolution * self.resolution

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        rows, cols = self.shape
        x0, y1 = self.transform.c, self.transform.f
        return x0, y1 - rows * self.resolution, x0 + cols * self.resolution, y1

    @classmethod
    def covering(cls, bounds, resolution: float, crs: CRS,
                 anchor: tuple[float, float] = (0.0, 0.0)) -> Grid:
        """The smallest grid of ``resolution`` cells covering bounds whose cell edges fall on
        ``anchor + k × resolution`` (by default on multiples of the resolution)."""
        minx, miny, maxx, maxy = bounds
        ax, ay = anchor
        x0 = ax + math.floor((minx - ax) / resolution) * resolution
        y1 = ay + math.ceil((maxy - ay) / resolution) * resolution
        cols = math.ceil((maxx - x0) / resolution)
        rows = math.ceil((y1 - miny) / resolution)
        return cls(CRS.from_user_input(crs), Affine(resolution, 0, x0, 0, -resolution, y1),
                   (rows, cols))

    def blocks(self, block_rows: int | None) -> Iterator[Window]:
        """Row blocks covering the grid (one block when ``block_rows`` is None)."""
        rows, cols = self.shape
        step = rows if not block_rows else block_rows
        for row0 in range(0, rows, step):
            yield Window(0, row0, cols, min(step, rows - row0))


def grid_anchor(path, crs, resolution: float) -> tuple[float, float]:
    """Cell-edge anchor that puts the grid on a raster already in the accounting CRS at the
    accounting resolution (e.g. a 30 m land-cover map), so it is read without resampling;
    (0, 0) otherwise."""
    with rasterio.open(path) as src:
        t = src.transform
        same = (src.crs is not None and CRS.from_user_input(src.crs) == CRS.from_user_input(crs)
                and np.isclose(t.a, resolution) and np.isclose(t.e, -resolution))
    return (t.c % resolution, t.f % resolution) if same else (0.0, 0.0)


def _source_is_finer(src, grid: Grid) -> bool:
    left, bottom, right, top = transform_bounds(src.crs, grid.crs, *src.bounds, densify_pts=21)
    source_cell = math.sqrt(abs((right - left) * (top - bottom)) / (src.width * src.height))
    return source_cell < grid.resolution * 0.999


def resampling_for(layer: str, src, grid: Grid) -> Resampling:
    finer = _source_is_finer(src, grid)
    if LAYERS[layer].categorical:
        return Resampling.mode if finer else Resampling.nearest
    return Resampling.average if finer else Resampling.bilinear


def class_lookup(values: dict[int, float], default: float = np.nan) -> np.ndarray:
    """A table indexed by land-cover class holding each class's value; its last slot, past
    every class, is for nodata and unknown classes (``landcover_index`` sends them there)."""
    table = np.full(max(int(c) for c in values) + 2, default)
    for cls, value in values.items():
        table[int(cls)] = value
    return table


def landcover_index(landcover: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Land-cover classes (float, NaN = nodata) as indices into ``table``."""
    last = len(table) - 1
    inside = ~np.isnan(landcover) & (landcover >= 0) & (landcover < last)
    return np.where(inside, landcover, last).astype(np.intp)


class LayerReader:
    """Reads one layer of a pack onto the grid, window by window, as float64 with NaN.

    Land cover is returned as float64 classes too (NaN for nodata) so every layer shares one
    nodata convention.
    """

    def __init__(self, name: str, spec: LayerSpec, path, grid: Grid,
                 crosswalk_column: dict[int, float] | None = None):
        self.name, self.spec, self.grid = name, spec, grid
        self._lookup = crosswalk_column
        self._src = self._vrt = self._offset = None
        if spec.file is not None:
            self._src = rasterio.open(path)
            self._offset = _cell_offset(self._src, grid)
            if self._offset is None:  # not on the grid: warp it
                rows, cols = grid.shape
                self._vrt = WarpedVRT(
                    self._src, crs=grid.crs, transform=grid.transform, width=cols, height=rows,
                    resampling=resampling_for(name, self._src, grid), src_nodata=self._src.nodata,
                    nodata=np.nan, dtype="float64",
                )

    def read(self, window: Window, landcover: np.ndarray | None = None,
             dtype: str = "float64") -> np.ndarray:
        shape = (int(window.height), int(window.width))
        if self.spec.constant is not None:
            return np.full(shape, float(self.spec.constant), dtype=dtype)
        if self.spec.by_landcover is not None:
            if landcover is None:
                raise ValueError(f"layer {self.name} is given by land-cover class: read land cover first")
            table = class_lookup(self._lookup)
            return table[landcover_index(landcover, table)].astype(dtype)
        if self._vrt is not None:
            return self._vrt.read(self.spec.band, window=window).astype(dtype, copy=False)
        # already on the grid: a plain windowed read, cells outside the raster are nodata
        row_offset, col_offset = self._offset
        source = Window(window.col_off + col_offset, window.row_off + row_offset,
                        window.width, window.height)
        inside = (source.col_off >= 0 and source.row_off >= 0
                  and source.col_off + source.width <= self._src.width
                  and source.row_off + source.height <= self._src.height)
        # boundless reads go through a VRT: only pay for it when the window leaves the raster
        data = self._src.read(self.spec.band, window=source, boundless=not inside,
                              fill_value=self._src.nodata).astype(dtype)
        if self._src.nodata is not None:
            data[data == self._src.nodata] = np.nan
        return data

    def close(self) -> None:
        if self._vrt is not None:
            self._vrt.close()
        if self._src is not None:
            self._src.close()


def _cell_offset(src, grid: Grid) -> tuple[int, int] | None:
    """(row, col) of the grid's origin in ``src`` when ``src`` lies on the grid (same CRS, cell
    size and cell edges), else None."""
    t = src.transform
    if src.crs is None or CRS.from_user_input(src.crs) != grid.crs:
        return None
    if not (np.isclose(t.a, grid.resolution) and np.isclose(t.e, -grid.resolution)
            and t.b == 0 and t.d == 0):
        return None
    col = (grid.transform.c - t.c) / grid.resolution
    row = (t.f - grid.transform.f) / grid.resolution
    if not (np.isclose(col, round(col)) and np.isclose(row, round(row))):
        return None
    return round(row), round(col)
