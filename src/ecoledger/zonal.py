"""Administrative units, their hierarchy, and zonal sums on the accounting grid.

Sums are computed once, for the leaf units (units with no children), with exact fractional
cell coverage from exactextract: a cell half inside a county counts half. Every higher unit is
the sum of its children, so counties sum to cities and cities to the province by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
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

    @property
    def codes(self) -> list[str]:
        return self.table["code"].tolist()

    @property
    def leaves(self) -> list[str]:
        parents = set(self.table["parent"])
        return [c for c in self.codes if c not in parents]

    def children(self, code: str) -> list[str]:
        return self.table.index[self.table["parent"] == code].tolist()

    def bottom_up(self) -> list[str]:
        """Codes ordered so that every unit comes after all of its children."""
        depth = {c: self._depth(c) for c in self.codes}
        return sorted(self.codes, key=lambda c: -depth[c])

    def _depth(self, code: str) -> int:
        d, parent = 0, self.table.at[code, "parent"]
        while parent and parent in self.table.index and d < len(LEVELS) + 2:
            d, parent = d + 1, self.table.at[parent, "parent"]
        return d

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


def zonal_sum(coverage_block: sp.spmatrix, values: np.ndarray) -> np.ndarray:
    """Coverage-weighted sums of one block of cell values per leaf unit (NaN counts as 0)."""
    flat = np.nan_to_num(values.ravel(), nan=0.0)
    return np.asarray(coverage_block @ flat).ravel()
