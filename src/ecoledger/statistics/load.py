"""Statistics tables of a pack: long CSV rows (code, year, indicator, value, unit, source).

Optional columns carry provenance: ``status`` (``reported``: a published number for that unit and
year; ``derived``: computed from published figures by a stated rule; ``allocated``: a higher
unit's figure shared out by a proxy), ``method`` (the rule or proxy, required unless reported)
and ``quote`` (a short verbatim excerpt of the source). Values are converted to each indicator's
canonical unit (``ecoledger/data/units.csv``); the validator has already refused unknown codes,
indicators and units.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ecoledger import tables

STATUSES = ("reported", "derived", "allocated")
PROVENANCE_COLUMNS = ("status", "method", "quote")


def load_statistic_rows(files: list[Path], year: int) -> pd.DataFrame:
    """The year's rows (code, indicator, value in canonical units, status, method, source, quote),
    one per unit and indicator: the first file that reports it wins (overrides come first)."""
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    columns = ["code", "indicator", "value", "status", "method", "source", "quote"]
    if not frames:
        return pd.DataFrame(columns=columns)
    rows = pd.concat([f.reindex(columns=[*f.columns, *[c for c in PROVENANCE_COLUMNS
                                                        if c not in f.columns]], fill_value="")
                      for f in frames], ignore_index=True)
    rows = rows[pd.to_numeric(rows["year"], errors="coerce") == year]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    catalogue = tables.indicators()
    factors = [tables.unit_factor(unit, catalogue.at[indicator, "unit"])
               for indicator, unit in zip(rows["indicator"], rows["unit"], strict=True)]
    rows = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce") * factors,
                       status=rows["status"].replace("", "reported"))
    return rows.drop_duplicates(["code", "indicator"])[columns].reset_index(drop=True)


def pivot(rows: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """A frame indexed by unit code with one column per indicator."""
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot(index="code", columns="indicator", values=column)


def load_statistics(files: list[Path], year: int) -> pd.DataFrame:
    """A frame indexed by unit code with one column per indicator (canonical units)."""
    return pivot(load_statistic_rows(files, year))


def lookup(stats: pd.DataFrame, code: str, indicator: str) -> float:
    """One statistic, NaN when not reported."""
    if indicator not in stats.columns or code not in stats.index:
        return math.nan
    return float(stats.at[code, indicator])
