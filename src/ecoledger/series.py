"""Accounts over several years: GEP per unit at current and constant prices, and its change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ecoledger.accounts import run_account
from ecoledger.outputs import unit_totals


def run_series(pack: str | Path, years: Sequence[int], price_year: int | None = None,
               **options) -> pd.DataFrame:
    """GEP and its groups per unit and year, at current prices and at ``price_year`` prices.

    ``price_year`` defaults to the first year. Change columns compare each year with the
    previous one in ``years`` (percent, NaN for the first year or a zero base).
    """
    years = sorted(years)
    base = price_year or years[0]
    frames = []
    for year in years:
        current = unit_totals(run_account(pack, year, keep_maps=False, **options).accounts)
        constant = unit_totals(run_account(pack, year, keep_maps=False, price_year=base,
                                           **options).accounts)
        frame = current.set_index(["adcode", "name", "level"]).add_suffix("_current_yuan")
        frame = frame.join(constant.set_index(["adcode", "name", "level"])
                           .add_suffix(f"_constant_{base}_yuan"))
        frames.append(frame.assign(year=year).reset_index())
    table = pd.concat(frames, ignore_index=True).sort_values(["adcode", "year"], kind="stable")
    for column in ("gep_current_yuan", f"gep_constant_{base}_yuan"):
        previous = table.groupby("adcode")[column].shift()
        table[column.replace("_yuan", "_change_pct")] = (table[column] / previous - 1) * 100
    return table.reset_index(drop=True)
