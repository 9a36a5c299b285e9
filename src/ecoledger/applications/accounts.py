"""Published accounts as one row per unit: GEP, its groups, items, area, GDP, population.

The applications read the same table from two places: a plain output folder of
``ecoledger account`` (CLI) or the store's published run of a year (platform). GEP of a unit is
the sum of its ``ecosystem = all`` item values that are present, as the platform computes it;
a unit with no value at all has GEP missing (NaN), never 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger.applications import indicators
from ecoledger.applications.errors import ApplicationError

GROUPS = ("provisioning", "regulating", "cultural")


def unit_table(rows: pd.DataFrame, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-unit GEP, group and item values (yuan) from account rows, joined with ``extra``.

    ``rows`` has the columns of ``accounts.csv`` (adcode, name, level, year, group, item,
    ecosystem, value_yuan); ``extra`` is indexed by code (area_km2, gdp, population, …).
    """
    totals = rows[rows["ecosystem"] == "all"]
    keys = ["adcode", "name", "level", "year"]
    out = totals.groupby("adcode")[keys[1:]].first()

    def summed(frame: pd.DataFrame, by: str) -> pd.DataFrame:
        table = frame.pivot_table(index="adcode", columns=by, values="value_yuan", aggfunc=_sum_present,
                                  dropna=False)
        return table.reindex(out.index)

    out["gep"] = totals.groupby("adcode")["value_yuan"].agg(_sum_present)
    groups = summed(totals, "group")
    for group in GROUPS:
        out[group] = groups[group] if group in groups else np.nan
    items = summed(totals, "item")
    out = out.join(items.add_prefix("item:"))
    if extra is not None:
        out = out.join(extra.reindex(out.index))
    out.index.name = "code"
    return out


def _sum_present(values: pd.Series) -> float:
    """Σ of the values present; NaN when none is (a missing total is not a zero)."""
    return float(values.sum()) if values.notna().any() else np.nan


def read_folder(folder: str | Path) -> pd.DataFrame:
    """The unit table of an ``ecoledger account`` output folder (accounts.csv, tables/T6, T1)."""
    folder = Path(folder)
    accounts = folder / "accounts.csv"
    if not accounts.is_file():
        raise ApplicationError(folder, "accounts.csv", "no accounts.csv in the folder",
                               "give the output folder of `ecoledger account PACK --year Y --out DIR`")
    rows = pd.read_csv(accounts, dtype={"adcode": str})
    missing = {"adcode", "name", "level", "year", "group", "item", "ecosystem", "value_yuan"} - set(rows)
    if missing:
        raise ApplicationError(accounts, ", ".join(sorted(missing)), "columns missing",
                               "use an accounts.csv written by `ecoledger account`")
    extra = pd.DataFrame(index=pd.Index([], name="adcode"))
    summary = folder / "tables" / "T6_summary.csv"
    if summary.is_file():
        t6 = pd.read_csv(summary, dtype={"adcode": str}).set_index("adcode")
        extra = t6[[c for c in ("area_km2", "gdp") if c in t6]]
    extent = folder / "tables" / "T1_extent.csv"
    if extent.is_file():
        t1 = pd.read_csv(extent, dtype={"adcode": str}).set_index("adcode")
        if {"forest_km2", "total_km2"} <= set(t1):
            extra = extra.join((t1["forest_km2"] / t1["total_km2"]).rename("forest_cover"), how="outer")
    return unit_table(rows, extra)


def with_change(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``gep_previous``, ``gep_change`` (yuan) and ``gep_change_pct`` (%) from a previous year."""
    out = current.copy()
    if previous is None:
        out["gep_previous"] = out["gep_change"] = out["gep_change_pct"] = np.nan
        return out
    out["gep_previous"] = previous["gep"].reindex(out.index)
    out["gep_change"] = out["gep"] - out["gep_previous"]
    out["gep_change_pct"] = 100 * out["gep_change"] / out["gep_previous"].where(out["gep_previous"] != 0)
    return out


def add_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """GEP per km² (yuan/km²), GEP/GDP (yuan/yuan), GEP per person (yuan), regulating share (%)."""
    out = table.copy()
    for column in ("area_km2", "gdp", "population", "forest_cover"):
        if column not in out:
            out[column] = np.nan
    out["gep_per_km2"] = out["gep"] / out["area_km2"].where(out["area_km2"] > 0)
    out["gep_per_gdp"] = out["gep"] / out["gdp"].where(out["gdp"] > 0)
    out["gep_per_capita"] = out["gep"] / out["population"].where(out["population"] > 0)
    out["regulating_share_pct"] = 100 * out["regulating"] / out["gep"].where(out["gep"] != 0)
    return out


def load(folder: str | Path, previous: str | Path | None = None,
         indicators_file: str | Path | None = None) -> pd.DataFrame:
    """The unit table of a CLI output folder, with change on ``previous``, the indicators of
    ``indicators_file`` (they replace same-named columns) and the ratios.

    The table keeps the folders it was read from (``attrs["accounts_folder"]``,
    ``attrs["previous_folder"]``): ``rules.apply`` reads the accounts' draws from there
    (``intervals.read``) when the folder holds them."""
    table = with_change(read_folder(folder), read_folder(previous) if previous else None)
    if indicators_file:
        table = join_indicators(table, indicators.read(indicators_file))
    table = add_ratios(table)
    table.attrs["accounts_folder"] = str(folder)
    table.attrs["previous_folder"] = str(previous) if previous else None
    return table


def join_indicators(table: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of ``wide`` (code × indicator) joined, replacing same names."""
    return table.drop(columns=[c for c in wide if c in table]).join(wide.reindex(table.index))
