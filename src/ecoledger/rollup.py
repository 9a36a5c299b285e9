"""Children → parents: every parent item is the exact sum of its children.

A parent is never ``missing`` because one child is: it is the sum of the children that have a
value, with status ``partial`` and the list of the leaf units that lack it. So counties sum to
their city and cities to the province for every item, whatever is missing (``identity_gaps``
checks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecoledger import notes

PARTIAL = "partial"
SHOWN_NAMES = 8  # missing units named in a note; the rest are counted


def roll_up(leaf_values: pd.DataFrame, units) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Every unit's values from the leaves' (a frame indexed by leaf code), and per unit the
    leaf units below it (or itself) that have no value in any column.

    A column of a parent is NaN only when it is NaN in all its children.
    """
    out = leaf_values.reindex(units.codes)
    missing_leaf = leaf_values.isna().any(axis=1)
    gaps = {code: ([code] if bool(missing_leaf.get(code, True)) else []) for code in units.leaves}
    for code in units.bottom_up():
        kids = units.children(code)
        if kids:
            out.loc[code] = out.loc[kids].sum(axis=0, min_count=1)
            gaps[code] = [leaf for kid in kids for leaf in gaps[kid]]
    return out, gaps


def partial_note(missing: list[str], names: dict[str, str]) -> str:
    """'partial: sum of the units with a value, no value for A, B … (n)' (its Chinese: ``notes.to_zh``)."""
    shown = ", ".join(names.get(code, code) for code in missing[:SHOWN_NAMES])
    more = f" … ({len(missing)})" if len(missing) > SHOWN_NAMES else ""
    return notes.note("partial", names=f"{shown}{more}")


def identity_gaps(accounts: pd.DataFrame, units, tolerance: float = 1e-6) -> pd.DataFrame:
    """Rows (adcode, item, ecosystem, value, children_sum) where a parent's value differs from
    the sum of its children's by more than ``tolerance`` relative (empty when all identities hold)."""
    values = accounts.set_index(["adcode", "item", "ecosystem"])["value_yuan"]
    bad = []
    for code in units.codes:
        kids = units.children(code)
        if not kids:
            continue
        own = values.xs(code, level="adcode")
        children = values[values.index.get_level_values("adcode").isin(kids)]
        sums = children.groupby(level=["item", "ecosystem"]).sum(min_count=1)
        both = pd.concat([own.rename("value"), sums.rename("children_sum")], axis=1)
        scale = np.maximum(both["value"].abs().fillna(0), 1.0)
        differs = ((both["value"] - both["children_sum"]).abs() > tolerance * scale) | (
            both["value"].isna() != both["children_sum"].isna())
        for (item, ecosystem), row in both[differs].iterrows():
            bad.append({"adcode": code, "item": item, "ecosystem": ecosystem,
                        "value": row["value"], "children_sum": row["children_sum"]})
    return pd.DataFrame(bad, columns=["adcode", "item", "ecosystem", "value", "children_sum"])
