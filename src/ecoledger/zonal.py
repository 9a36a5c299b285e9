"""Administrative units, their hierarchy, and zonal sums on the accounting grid.

Sums are computed once, for the leaf units (units with no children), with exact fractional
cell coverage from exactextract: a cell half inside a county counts half. Every higher unit is
the sum of its children, so counties sum to cities and cities to the province by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from numba import njit
from rasterio.windows import Window

from ecoledger.grid import Grid
from ecoledger.pack.manifest import code_text

LEVELS = ("province", "city", "county", "township")


@dataclass
class Units:
    """The unit table (code, name, level, parent, geometry) in the accounting CRS."""

    table: gpd.GeoDataFrame

    @classmethod
    def read(cls, path, fields, crs) -> Units:
        raw = gpd.read_file(path, layer=fields.layer) if fields.layer else gpd.read_file(path)
        table = gpd.GeoDataFrame(
            {
                "code": code_text(raw[fields.code]),
                "name": raw[fields.name].astype(str),
                "level": raw[fields.level].astype(str),
                "parent": code_text(raw[fields.parent]),
            },
            geometry=raw.geometry.to_crs(crs),
        )
        return cls(table.set_index("code", drop=False))

    @cached_property
    def codes(self) -> list[str]:
        return self.table["code"].tolist()

    @cached_property
    def leaves(self) -> list[str]:
        parents = set(self.table["parent"])
        return [c for c in self.codes if c not in parents]

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {code: [] for code in self.codes}
        for code, parent in zip(self.table["code"], self.table["parent"], strict=True):
            if parent in kids:
                kids[parent].append(code)
        return kids

    def children(self, code: str) -> list[str]:
        return self._children[code]

    @cached_property
    def _bottom_up(self) -> list[str]:
        parent = dict(zip(self.table["code"], self.table["parent"], strict=True))

        def depth(code: str) -> int:
            d = 0
            while parent.get(code) and d < len(LEVELS) + 2:
                code, d = parent[code], d + 1
            return d

        return sorted(self.codes, key=lambda c: -depth(c))

    def bottom_up(self) -> list[str]:
        """Codes ordered so that every unit comes after all of its children."""
        return self._bottom_up

    def aggregate(self, leaf_values: pd.DataFrame) -> pd.DataFrame:
        """Extend a frame indexed by leaf code to every unit, parents summing their children.

        A NaN child makes its parent NaN: a partial sum is never passed off as a total.
        """
        out = leaf_values.reindex(self.codes)
        for code in self.bottom_up():
            kids = self.children(code)
            if kids:
                out.loc[code] = out.loc[kids].sum(axis=0, skipna=False)
        return out

    def resolve(self, values: pd.DataFrame, additive: list[str], prefer_own: bool) -> pd.DataFrame:
        """Per-unit values for every unit from values reported at any level.

        An additive column of a parent is the sum of its children when all of them have it —
        always (``prefer_own=False``: accounts, whose parents must equal their parts) or only
        when the parent reports none itself (``prefer_own=True``: official totals such as GDP,
        which statistical offices publish per level). Other columns (prices, shares) are only
        ever the unit's own.
        """
        out = values.reindex(self.codes)
        for code in self.bottom_up():
            kids = self.children(code)
            if kids:
                complete = out.loc[kids, additive].notna().all()
                if prefer_own:
                    complete &= out.loc[code, additive].isna()
                sums = out.loc[kids, additive].sum()
                columns = complete.index[complete]
                out.loc[code, columns] = sums[columns]
        return out


def block_coverage(units: Units, grid: Grid, window: Window) -> sp.csc_matrix:
    """Sparse (leaf units × cells of one row block) matrix of the fraction of each cell inside
    each unit. Computed block by block so memory follows the block, not the grid; a cell's
    fraction depends only on its own geometry, so blocks agree exactly with a whole-grid pass."""
    row0, rows = int(window.row_off), int(window.height)
    cols = grid.shape[1]
    minx, _, maxx, maxy = grid.bounds
    top = maxy - row0 * grid.resolution
    raster = NumPyRasterSource(np.zeros((rows, cols), dtype=np.uint8), minx,
                               top - rows * grid.resolution, maxx, top, srs_wkt=grid.crs.to_wkt())
    leaves = units.table.loc[units.leaves, ["code", "geometry"]].reset_index(drop=True)
    found = exact_extract(raster, leaves, ["cell_id", "coverage"], include_cols=["code"],
                          output="pandas")
    by_code = found.set_index("code")
    data, indices, indptr = [], [], [0]
    for code in units.leaves:
        cells = np.asarray(by_code.at[code, "cell_id"], dtype=np.int64)
        cover = np.asarray(by_code.at[code, "coverage"], dtype=np.float64)
        order = np.argsort(cells)
        indices.append(cells[order])
        data.append(cover[order])
        indptr.append(indptr[-1] + len(cells))
    matrix = sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.asarray(indptr)),
                           shape=(len(units.leaves), rows * cols))
    return matrix.tocsc()


@njit(cache=True)
def _sums_by_class(indptr, indices, data, values, classes, n_units, n_classes):
    sums = np.zeros((n_units, n_classes))
    missing = np.zeros((n_units, n_classes))
    for cell in range(len(indptr) - 1):
        value, cls = values[cell], classes[cell]
        for k in range(indptr[cell], indptr[cell + 1]):
            if np.isnan(value):
                missing[indices[k], cls] += data[k]
            else:
                sums[indices[k], cls] += data[k] * value
    return sums, missing


def zonal_sums_by_class(coverage_block: sp.csc_matrix, values: np.ndarray, classes: np.ndarray,
                        n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Coverage-weighted sums of one block of cell values per leaf unit and class, in one pass.

    Returns ``(sums, missing)``, both (units × classes): the weighted sum of the non-NaN values,
    and the coverage-weighted number of cells whose value is NaN (nodata holes).
    """
    return _sums_by_class(coverage_block.indptr, coverage_block.indices, coverage_block.data,
                          np.ascontiguousarray(values, dtype=np.float64).ravel(),
                          np.ascontiguousarray(classes, dtype=np.int64).ravel(),
                          coverage_block.shape[0], n_classes)
