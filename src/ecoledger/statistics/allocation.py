"""Sharing a higher unit's statistic out to the units below it that report none.

``allocate`` walks the units top-down. Where a unit has a value (reported, derived or itself
allocated) and some of its children have none, the remainder ``V_parent − Σ V_reporting children``
is shared among the others in proportion to a proxy (``data/allocation.csv``: cropland area for
agriculture, forest area for forestry, water area for fishery, population for tourism…), so the
children always sum to the parent. Each allocated row names its parent and its proxy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecoledger import tables

ORDER = ("reported", "derived", "allocated")  # weakest last: a result is as weak as its weakest input


def weakest(statuses) -> str:
    """The weakest of provenance statuses (``reported`` < ``derived`` < ``allocated``)."""
    known = [s for s in statuses if s in ORDER]
    return max(known, key=ORDER.index) if known else "reported"


def allocation_rules() -> pd.DataFrame:
    """The allocation table indexed by indicator: proxy, label_en, label_zh, justification."""
    with tables.data_path("allocation.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False).set_index("indicator")


def allocate(rows: pd.DataFrame, units, proxies: dict[str, pd.Series],
             rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rows`` (code, indicator, value, status, method, source, quote) with allocated rows added.

    ``units`` is the unit hierarchy (``codes``, ``children``, ``bottom_up``, ``table`` with names);
    ``proxies`` maps a proxy name of the rules (``extent:farmland``, ``population``) to a Series
    indexed by unit code. A child whose proxy is unknown stays without a value; a remainder below
    zero (children reporting more than their parent) allocates zero and says so.
    """
    rules = allocation_rules() if rules is None else rules
    if rows.empty:
        return rows
    names = units.table["name"].to_dict()
    top_down = list(reversed(units.bottom_up()))
    added = []
    for indicator, group in rows.groupby("indicator", sort=False):
        if indicator not in rules.index:
            continue
        rule = rules.loc[indicator]
        proxy = proxies.get(rule["proxy"])
        if proxy is None:
            continue
        known = group.set_index("code")
        values = known["value"].to_dict()
        sources = known["source"].to_dict()
        for code in top_down:
            kids = units.children(code)
            if code not in values or not kids or np.isnan(values[code]):
                continue
            open_kids = [k for k in kids if k not in values or np.isnan(values[k])]
            if not open_kids:
                continue
            reported = sum(values[k] for k in kids if k not in open_kids)
            remainder = values[code] - reported
            weights = proxy.reindex(open_kids).astype(float)
            usable = weights[weights.notna() & (weights >= 0)]
            if usable.empty or (usable.sum() <= 0 and remainder > 0):
                continue  # nothing to share by: the children stay without a value
            if usable.sum() <= 0:
                usable = usable + 1.0  # nothing left to share: every child gets zero
            note = (f"{names.get(code, code)} ({code}) {indicator} shared out by "
                    f"{rule['label_en']} / {names.get(code, code)}（{code}）的 `{indicator}` "
                    f"按{rule['label_zh']}分摊")
            if remainder < 0:
                note += (f"; its reporting children exceed it by {-remainder:.6g}: nothing left "
                         f"to share / 下级报告值之和已超过上级值 {-remainder:.6g}，无可分摊")
                remainder = 0.0
            for kid, weight in usable.items():
                values[kid] = remainder * weight / usable.sum()
                sources[kid] = sources[code]
                added.append({"code": kid, "indicator": indicator, "value": values[kid],
                              "status": "allocated", "method": note, "source": sources[code],
                              "quote": ""})
    if not added:
        return rows
    return pd.concat([rows, pd.DataFrame(added)], ignore_index=True)
