"""Accounts over several years: GEP per unit at current and constant prices, and its change."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ecoledger.accounts import run_account
from ecoledger.outputs import unit_totals


def run_series(pack: str | Path, years: Sequence[int], price_year: int | None = None,
               **options) -> pd.DataFrame:
    """GEP and its groups per unit and year, at current prices and at ``price_year`` prices.

    ``price_year`` defaults to the first year. Change columns compare each year with the
    previous one in ``years`` (percent, NaN for the first year or a zero base): ``*_change_pct``
    over all items, ``*_comparable_change_pct`` over the items comparable in both years
    (``change``: a value in both years with the same data status); ``excluded_items`` counts the
    items left out of the comparable change.
    """
    years = sorted(years)
    base = price_year or years[0]
    frames = []
    last: dict[str, pd.DataFrame] = {}
    for year in years:
        accounts = {"current": run_account(pack, year, keep_maps=False, **options).accounts,
                    f"constant_{base}": run_account(pack, year, keep_maps=False, price_year=base,
                                                    **options).accounts}
        frame = None
        for prices, rows in accounts.items():
            totals = (unit_totals(rows).set_index(["adcode", "name", "level"])
                      .add_suffix(f"_{prices}_yuan"))
            if prices in last:
                units, _ = change(rows, last[prices])
                totals[f"gep_{prices}_comparable_change_pct"] = (
                    totals.index.get_level_values("adcode").map(units["comparable_change"]) * 100)
                if prices == "current":
                    totals["excluded_items"] = totals.index.get_level_values("adcode").map(
                        units["excluded"]).astype("Int64")
            frame = totals if frame is None else frame.join(totals)
        last = accounts
        frames.append(frame.assign(year=year).reset_index())
    table = pd.concat(frames, ignore_index=True).sort_values(["adcode", "year"], kind="stable")
    for column in ("gep_current_yuan", f"gep_constant_{base}_yuan"):
        previous = table.groupby("adcode")[column].shift()
        table[column.replace("_yuan", "_change_pct")] = (table[column] / previous - 1) * 100
    return table.reset_index(drop=True)


# --- year-over-year change, like with like ------------------------------------------------------

ALL = "all"
MISSING = "missing"
PARTIAL = "partial"
# the statistics a note names (``agriculture_output_value``, ``tourist_visits``): snake-case identifiers
STATISTIC = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
ITEM_COLUMNS = ["adcode", "name", "level", "group", "item", "value_yuan", "data_status", "note"]


def item_change(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Each unit's items (the ``ecosystem = all`` rows of two years' accounts) side by side:
    ``before_yuan``/``after_yuan``, ``status_before``/``status_after`` and whether the item's change
    is ``comparable``, with the ``reason`` when it is not.

    An item compares like with like only where it has a value in both years with the same data
    status (reported, derived, allocated, partial, not applicable) from the same statistics (the
    identifiers its note names: gross output ``agriculture_output_value`` one year and net output
    ``agriculture_net_output_value`` the next do not compare), and a ``partial`` sum only when the
    same leaf units lack it in both years (the same note). Otherwise ``reason`` is
    ``missing_before``, ``missing_after``, ``status`` (e.g. a 2018 ``partial`` province total of
    one city's statistics against a 2019 ``derived`` province figure), ``basis`` (other statistics)
    or ``coverage`` (partial in both years over different units). No value is changed.
    """
    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["ecosystem"] == ALL]
        return frame[[c for c in ITEM_COLUMNS if c in frame]].drop_duplicates(["adcode", "item"])

    after, before = rows(current), rows(previous)
    both = after.merge(before, on=["adcode", "item"], how="outer", suffixes=("_after", "_before"))
    for column in ("name", "level", "group"):
        both[column] = both[f"{column}_after"].combine_first(both[f"{column}_before"])
    table = pd.DataFrame({
        "adcode": both["adcode"], "name": both["name"], "level": both["level"], "group": both["group"],
        "item": both["item"],
        "before_yuan": pd.to_numeric(both["value_yuan_before"], errors="coerce"),
        "after_yuan": pd.to_numeric(both["value_yuan_after"], errors="coerce"),
        "status_before": both["data_status_before"].fillna(MISSING),
        "status_after": both["data_status_after"].fillna(MISSING)})
    notes_before = both.get("note_before", pd.Series("", index=both.index)).fillna("")
    notes_after = both.get("note_after", pd.Series("", index=both.index)).fillna("")
    reason = pd.Series("", index=table.index, dtype=object)
    partial = (table["status_before"] == PARTIAL) & (table["status_after"] == PARTIAL)
    basis_before, basis_after = (notes.map(lambda n: frozenset(STATISTIC.findall(n)))
                                 for notes in (notes_before, notes_after))
    reason[~partial & (basis_before != basis_after)] = "basis"
    reason[partial & (notes_before != notes_after)] = "coverage"
    reason[table["status_before"] != table["status_after"]] = "status"
    reason[table["after_yuan"].isna()] = "missing_after"
    reason[table["before_yuan"].isna()] = "missing_before"
    table["comparable"] = reason == ""
    table["reason"] = reason
    return table


def unit_change(items: pd.DataFrame) -> pd.DataFrame:
    """Per unit (indexed by adcode) from ``item_change``: GEP in each year over all its items
    (``gep_before_yuan``, ``gep_after_yuan``) and over the comparable items only
    (``comparable_before_yuan``, ``comparable_after_yuan``); ``change`` and
    ``comparable_change`` as fractions (NaN without a base). ``excluded`` counts the items left out
    of the comparable change."""
    comparable = items[items["comparable"]]
    keys = items.drop_duplicates("adcode").set_index("adcode")[["name", "level"]]
    sums = {"gep_before_yuan": items.groupby("adcode")["before_yuan"].sum(min_count=1),
            "gep_after_yuan": items.groupby("adcode")["after_yuan"].sum(min_count=1),
            "comparable_before_yuan": comparable.groupby("adcode")["before_yuan"].sum(min_count=1),
            "comparable_after_yuan": comparable.groupby("adcode")["after_yuan"].sum(min_count=1)}
    table = keys.join(pd.DataFrame(sums))
    excluded = items[~items["comparable"] & (items["before_yuan"].notna() | items["after_yuan"].notna())]
    table["excluded"] = excluded.groupby("adcode").size().reindex(table.index, fill_value=0)

    def ratio(after: pd.Series, before: pd.Series) -> pd.Series:
        return (after / before.where(before != 0) - 1).astype(float)

    table["change"] = ratio(table["gep_after_yuan"], table["gep_before_yuan"])
    table["comparable_change"] = ratio(table["comparable_after_yuan"], table["comparable_before_yuan"])
    return table


def change(current: pd.DataFrame, previous: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per unit, per unit and item) year-over-year change of two years' accounts: raw and like
    with like (``item_change``, ``unit_change``). The report's change chart and ``ecoledger
    series`` both use it."""
    items = item_change(current, previous)
    return unit_change(items), items
