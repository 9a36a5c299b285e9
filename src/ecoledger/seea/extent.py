"""The ecosystem extent account and the ecosystem type change matrix (SEEA EA 2021, chapter 4).

Layout of the extent account (SEEA EA Table 4.1): per unit, rows opening extent; additions to
extent (managed and unmanaged expansion); reductions in extent (managed and unmanaged
reduction); net change in extent; closing extent — columns the ecosystem types, in km².

From two land-cover maps the additions and reductions of a type are known only in total:

    additions(e)  = Σ_{o ≠ e} M[o, e]    area of other types (or of no type) that became e
    reductions(e) = Σ_{c ≠ e} M[e, c]    area of e that became another type (or no type)
    net change(e) = additions(e) − reductions(e) = closing(e) − opening(e)

with M the change matrix (opening type × closing type, km²). Whether a change was managed (the
result of human activity) or unmanaged (natural processes) is not in a land-cover map: those
four rows are left empty (missing), never 0. Changes between land-cover classes of one
ecosystem type (a lake becoming marsh) are not changes of extent at this level.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger.seea.scan import NONE, TYPES, Scan, scan

ENTRIES = ("opening_extent", "additions", "managed_expansion", "unmanaged_expansion",
           "reductions", "managed_reduction", "unmanaged_reduction", "net_change",
           "closing_extent")
UNKNOWN_ENTRIES = ("managed_expansion", "unmanaged_expansion", "managed_reduction",
                   "unmanaged_reduction")
TOTAL = "total"


@dataclass
class ExtentAccount:
    """The extent account of every unit between two years, from one ``Scan``."""

    scan: Scan

    @property
    def opening_year(self) -> int:
        return self.scan.opening_year

    @property
    def closing_year(self) -> int:
        return self.scan.closing_year

    def types(self) -> list[str]:
        """Ecosystem types present in either year anywhere (``none`` last, only if present)."""
        present = np.zeros(len(TYPES), dtype=bool)
        for matrix in self.scan.pairs.values():
            present |= (matrix.sum(axis=0) > 0) | (matrix.sum(axis=1) > 0)
        typed = [t for t, here in zip(TYPES, present, strict=True) if here and t != NONE]
        return typed + ([NONE] if present[0] else [])

    def matrix(self, code: str) -> pd.DataFrame:
        """Change matrix of one unit: opening type (rows) × closing type (columns), km²."""
        types = self.types()
        index = [TYPES.index(t) for t in types]
        frame = pd.DataFrame(self.scan.pairs[code][np.ix_(index, index)], index=types,
                             columns=types)
        frame.index.name, frame.columns.name = "opening_type", "closing_type"
        return frame

    def entries(self, code: str) -> pd.DataFrame:
        """Extent account of one unit: ``ENTRIES`` × types and ``total`` (km²). The total is the
        row sum over ecosystem types (cells without a type are their own column, outside it): a
        conversion between two types is an addition of one and a reduction of the other, so
        the total's net change is the change of the typed area only."""
        m = self.matrix(code)
        opening, closing = m.sum(axis=1), m.sum(axis=0)
        stays = pd.Series(np.diag(m.to_numpy()), index=m.index)
        rows = {
            "opening_extent": opening,
            "additions": closing - stays,
            "reductions": opening - stays,
            "net_change": closing - opening,
            "closing_extent": closing,
        }
        frame = pd.DataFrame({e: rows.get(e, pd.Series(np.nan, index=m.index)) for e in ENTRIES}).T
        typed = [t for t in frame.columns if t != NONE]
        frame.insert(len(typed), TOTAL, frame[typed].sum(axis=1, min_count=1))
        frame.index.name = "entry"
        return frame

    def account(self) -> pd.DataFrame:
        """Every unit's account, long by entry: adcode, name, level, entry, types…, total (km²)."""
        parts = []
        for unit in self.scan.units.itertuples(index=False):
            frame = self.entries(unit.code).reset_index()
            frame.insert(0, "level", unit.level)
            frame.insert(0, "name", unit.name)
            frame.insert(0, "adcode", unit.code)
            parts.append(frame)
        return pd.concat(parts, ignore_index=True)

    def change_matrix(self) -> pd.DataFrame:
        """Every unit's change matrix, long by opening type: adcode, name, level, opening_type,
        closing types…, total (= the opening extent); a last row per unit, ``total``, holds the
        closing extent."""
        parts = []
        for unit in self.scan.units.itertuples(index=False):
            m = self.matrix(unit.code)
            m[TOTAL] = m.sum(axis=1)
            m.loc[TOTAL] = m.sum(axis=0)
            frame = m.reset_index()
            frame.insert(0, "level", unit.level)
            frame.insert(0, "name", unit.name)
            frame.insert(0, "adcode", unit.code)
            parts.append(frame)
        out = pd.concat(parts, ignore_index=True)
        out.columns.name = None
        return out

    def extent(self, year: int) -> pd.DataFrame:
        """Units × ecosystem types (km²) in ``year`` (one of the two), types present only."""
        return self.scan.extent(year)[[t for t in self.types() if t != NONE]]

    def summary(self) -> dict:
        """Headline figures of the root units: opening, closing and net change per type, and the
        area that changed type (off-diagonal sum)."""
        roots = self.scan.units.loc[self.scan.units["parent"] == "", "code"].tolist()
        out = {}
        for code in roots:
            m = self.matrix(code)
            entries = self.entries(code)
            out[code] = {
                "opening_km2": entries.loc["opening_extent"].dropna().to_dict(),
                "closing_km2": entries.loc["closing_extent"].dropna().to_dict(),
                "net_change_km2": entries.loc["net_change"].dropna().to_dict(),
                "changed_type_km2": float(m.to_numpy().sum() - np.trace(m.to_numpy())),
            }
        return out


def extent_account(pack_root: str | Path, opening_year: int, closing_year: int,
                   block_rows: int | None = None, ndvi_files=()) -> ExtentAccount:
    """The extent account of a pack between two of its years."""
    kwargs = {} if block_rows is None else {"block_rows": block_rows}
    return ExtentAccount(scan(pack_root, opening_year, closing_year, ndvi_files, **kwargs))
