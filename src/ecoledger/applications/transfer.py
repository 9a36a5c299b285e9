"""Fiscal transfer allocation by factor shares, with floors and caps, and the purchase rule.

Factor method (design options of carbon-and-policy-methods.md §5.4, "hybrid" factor method):

    c_if = B × w_f × b_if / Σ_j b_jf        contribution of factor f to unit i (yuan)
    a_i  = Σ_f c_if, then floors and caps   amount of unit i (yuan)

``B`` is the budget (yuan), ``w_f`` the factor weights (Σ w_f = 1), ``b_if`` the basis of unit i
(GEP, GEP per km², GEP change, regulating-service value, population, …). A negative basis (a
fall of GEP) earns nothing: ``b = max(0, b)`` (§5.4 "change share"). A unit with a missing basis
gets nothing from that factor and says so. Floors and caps are met by water-filling: units
outside them are pinned to the bound and the rest of the budget is shared again in proportion
to the unpinned units' factor amounts, until no unit is outside; the difference from Σ_f c_if
is the unit's "adjustment" column, so every amount is explained.

Purchase of ecological products (Yunhe, platforms-and-style.md): a county buys the regulating
services of its townships at a rate of their GEP (0.2 %), paid in instalments (70 % in the
first year, 30 % the next year only if environmental quality holds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def factor_contributions(budget: float, weights: dict[str, float], basis: pd.DataFrame) -> pd.DataFrame:
    """c_if (yuan) per unit (rows) and factor (columns of ``basis``, weighted by ``weights``).

    A factor whose basis sums to zero over all units (nobody earns it, e.g. no unit improved)
    cannot be shared: its weight is spread over the other factors in proportion to theirs.
    """
    clipped = basis.clip(lower=0).fillna(0.0)
    totals = clipped.sum()
    usable = {f: w for f, w in weights.items() if totals[f] > 0}
    if not usable:
        return clipped * 0.0
    scale = sum(weights.values()) / sum(usable.values())
    out = pd.DataFrame(0.0, index=basis.index, columns=list(weights))
    for f, w in usable.items():
        out[f] = budget * w * scale * clipped[f] / totals[f]
    return out


def apply_bounds(raw: pd.Series, budget: float, floor: float = 0.0, cap: float = np.inf) -> pd.Series:
    """Amounts (yuan) summing to ``budget``, each within [floor, cap], closest to ``raw`` in
    proportion (water-filling). Raises ValueError when the bounds cannot hold together."""
    n = len(raw)
    if floor * n > budget * (1 + 1e-12) or cap * n < budget * (1 - 1e-12):
        raise ValueError(f"{n} units cannot share {budget:,.2f} yuan within floor {floor:,.2f} "
                         f"and cap {cap:,.2f} yuan each")
    amount = raw.astype(float).copy()
    pinned = pd.Series(False, index=raw.index)
    for _ in range(n + 1):
        free = ~pinned
        remaining = budget - amount[pinned].sum()
        weights = raw[free] if raw[free].sum() > 0 else pd.Series(1.0, index=raw.index[free])
        amount[free] = remaining * weights / weights.sum() if free.any() else amount[free]
        low, high = free & (amount < floor - 1e-9), free & (amount > cap + 1e-9)
        if not (low.any() or high.any()):
            return amount
        amount[low], amount[high] = floor, cap
        pinned |= low | high
    return amount


def allocate(units: pd.DataFrame, budget: float, factors: dict[str, tuple[str, float]],
             floor: float = 0.0, cap: float = np.inf) -> pd.DataFrame:
    """The allocation table: for each unit, each factor's basis and contribution, the floor/cap
    adjustment, the amount and share, and notes on missing or negative bases.

    ``factors`` maps a factor name to (column of ``units`` used as basis, weight).
    """
    if budget < 0:
        raise ValueError("the budget is negative")
    basis = pd.DataFrame({f: units[column] for f, (column, _) in factors.items()}, index=units.index)
    weights = {f: w for f, (_, w) in factors.items()}
    contributions = factor_contributions(budget, weights, basis)
    raw = contributions.sum(axis=1)
    amount = apply_bounds(raw, budget, floor, cap) if budget > 0 else raw * 0.0
    out = pd.DataFrame({"name": units.get("name", pd.Series("", index=units.index))})
    for f in factors:
        out[f"basis:{f}"] = basis[f]
        out[f"contribution:{f}"] = contributions[f]
    out["adjustment"] = amount - raw
    out["amount_yuan"] = amount
    out["share"] = amount / budget if budget > 0 else 0.0
    out["note"] = [_note(basis.loc[code], amount[code], raw[code], floor, cap) for code in basis.index]
    return out


def _note(basis: pd.Series, amount: float, raw: float, floor: float, cap: float) -> str:
    notes = [f"{f} missing: nothing from this factor" for f, v in basis.items() if pd.isna(v)]
    notes += [f"{f} negative ({v:,.4g}): counted as 0" for f, v in basis.items() if pd.notna(v) and v < 0]
    if abs(amount - raw) > 1e-6:
        bound = ("floor" if np.isclose(amount, floor) else "cap" if np.isclose(amount, cap)
                 else "redistribution")
        notes.append(f"{bound}: {raw:,.2f} → {amount:,.2f} yuan")
    return "; ".join(notes)


def purchase(services_value: pd.Series, rate: float, instalments: list[float],
             conditions: list[pd.Series | None]) -> pd.DataFrame:
    """Government purchase of ecological products: price_i = rate × V_i (yuan), paid in
    instalments ``instalments[k] × price_i``; an instalment with a condition is paid only to
    units whose condition is True (missing → withheld, noted).

    ``services_value``: value of the purchased services per unit (yuan); ``rate``: fraction.
    """
    if not np.isclose(sum(instalments), 1.0):
        raise ValueError(f"the instalment shares sum to {sum(instalments)}, not 1")
    out = pd.DataFrame({"services_value_yuan": services_value})
    out["price_yuan"] = rate * services_value
    paid = pd.Series(0.0, index=services_value.index)
    notes = {code: [] for code in services_value.index}
    for k, (share, condition) in enumerate(zip(instalments, conditions, strict=True), start=1):
        due = share * out["price_yuan"].fillna(0.0)
        if condition is not None:
            met = condition.reindex(services_value.index)
            for code in services_value.index[met.isna()]:
                notes[code].append(f"instalment {k}: condition not reported, withheld")
            for code in services_value.index[met.eq(False)]:
                notes[code].append(f"instalment {k}: condition not met, withheld")
            due = due.where(met.eq(True), 0.0)
        out[f"instalment_{k}_yuan"] = due
        paid += due
    for code in services_value.index[services_value.isna()]:
        notes[code].append("services value missing: nothing purchased")
    out["paid_yuan"] = paid
    out["note"] = ["; ".join(notes[c]) for c in services_value.index]
    return out
