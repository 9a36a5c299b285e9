"""Indicators from outside the accounts (population, environmental quality, forest cover, …).

A long CSV ``code, indicator, value, unit, source`` (one row per unit and indicator), the shape
of a pack's statistics. Rows whose source says "illustrative" are carried as such into results.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoledger.applications.errors import ApplicationError

COLUMNS = ("code", "indicator", "value", "unit", "source")


def read(path: str | Path) -> pd.DataFrame:
    """Wide table (code × indicator) of the values; every problem names the row and the fix."""
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(path, "file", "not found", "give the path of an indicators CSV")
    raw = pd.read_csv(path, dtype={"code": str})
    missing = [c for c in COLUMNS if c not in raw]
    if missing:
        raise ApplicationError(path, ", ".join(missing), "columns missing",
                               f"the header must be {','.join(COLUMNS)}")
    values = pd.to_numeric(raw["value"], errors="coerce")
    bad = raw.index[values.isna() & raw["value"].notna()]
    if len(bad):
        row = int(bad[0]) + 2
        raise ApplicationError(path, f"row {row}, value", f"{raw.at[bad[0], 'value']!r} is not a number",
                               "write a plain number (leave the cell empty for a missing value)")
    dup = raw.duplicated(["code", "indicator"], keep=False)
    if dup.any():
        row = int(raw.index[dup][0]) + 2
        raise ApplicationError(path, f"row {row}, code/indicator", "the same unit and indicator appear twice",
                               "keep one row per unit and indicator")
    return raw.assign(value=values).pivot(index="code", columns="indicator", values="value")


def sources(path: str | Path) -> dict[str, str]:
    """indicator → source text (the first row's), to quote in results."""
    raw = pd.read_csv(path, dtype={"code": str})
    return raw.groupby("indicator")["source"].first().astype(str).to_dict()
