"""Split the change of an item's value into a physical-quantity effect and a price effect.

An item's value is quantity × unit price, ``V = q · p``. Between a start year (0) and an end
year (1) the change ``V₁ − V₀`` is split symmetrically — the two-factor Shapley split, the
"complete decomposition" of Sun (1998, Energy Economics 20:85–100) — so that the two effects add
up to the change exactly (no residual) and neither year is privileged:

* quantity effect = (q₁ − q₀) · (p₀ + p₁) / 2   (yuan)
* price effect    = (p₁ − p₀) · (q₀ + q₁) / 2   (yuan)

since (q₁ − q₀)(p₀ + p₁)/2 + (p₁ − p₀)(q₀ + q₁)/2 = q₁p₁ − q₀p₀.
"""

from __future__ import annotations

import math


def value_change_effects(q0: float, p0: float, q1: float, p1: float) -> tuple[float, float]:
    """(quantity effect, price effect) of the value change from ``q0·p0`` to ``q1·p1``, in the
    unit of q × p (yuan when p is in yuan per unit of q). Their sum is ``q1·p1 − q0·p0``."""
    quantity_effect = (q1 - q0) * (p0 + p1) / 2.0
    price_effect = (p1 - p0) * (q0 + q1) / 2.0
    return quantity_effect, price_effect


def relative_change(start: float, end: float) -> float:
    """(end − start) / |start| (a fraction); NaN when start is 0 or either value is missing."""
    if start is None or end is None or math.isnan(start) or math.isnan(end) or start == 0:
        return math.nan
    return (end - start) / abs(start)
