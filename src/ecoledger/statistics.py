"""Statistics tables of a pack: long CSV rows (code, year, indicator, value, unit, source).

Values are converted to each indicator's canonical unit (``ecoledger/data/units.csv``); the
validator has already refused unknown codes, indicators and units.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ecoledger import tables


def load_statistics(files: list[Path], year: int) -> pd.DataFrame:
    """A frame indexed by unit code with one column per indicator (canonical units)."""
    frames = [pd.read_csv(f, dtype={"code": str}, keep_default_na=False) for f in files]
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[pd.to_numeric(rows["year"], errors="coerce") == year]
    if rows.empty:
        return pd.DataFrame()
    catalogue = tables.indicators()
    factors = [
        tables.unit_factor(unit, catalogue.at[indicator, "unit"])
        for indicator, unit in zip(rows["indicator"], rows["unit"], strict=True)
    ]
    rows = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce") * factors)
    return rows.pivot_table(index="code", columns="indicator", values="value", aggfunc="first")


def lookup(stats: pd.DataFrame, code: str, indicator: str) -> float:
    """One statistic, NaN when not reported."""
    if indicator not in stats.columns or code not in stats.index:
        return math.nan
    return float(stats.at[code, indicator])
