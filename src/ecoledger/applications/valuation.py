"""Present value of a yearly service flow and the loss from damage (SEEA EA NPV logic).

Sources: carbon-and-policy-methods.md §7.1 (asset value as discounted service flows; discount
rate and horizon as exposed choices) and §7.2 (damage = restoration cost + interim loss of
service flows until recovery, discounted; Civil Code arts. 1234–1235).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The platform's defaults for a site's present value, choices it exposes, not official values:
# natural_capital_discount_rate (data/applications/policy_parameters.csv, §7.1) and 20 years.
DEFAULT_RATE = 0.03
DEFAULT_HORIZON_YEARS = 20


def annuity_factor(rate: float, years: int) -> float:
    """Σ_{t=1..T} (1 + r)^−t = [1 − (1 + r)^−T] / r  (T when r = 0), flows at each year's end."""
    if years < 0 or rate <= -1:
        raise ValueError("the horizon must be ≥ 0 years and the rate > −100 %")
    if rate == 0:
        return float(years)
    return float((1 - (1 + rate) ** -years) / rate)


def present_value(flow: float, rate: float, years: int) -> float:
    """V = F × [1 − (1 + r)^−T] / r (yuan) for a constant yearly flow F (yuan/yr), rate r (/yr)
    and horizon T (years). Perpetuity is not offered: collateral must never be valued so (§7.1)."""
    return flow * annuity_factor(rate, years)


def sensitivity(flow: float, rates: list[float], horizons: list[int]) -> pd.DataFrame:
    """Present value (yuan) for every discount rate (rows) and horizon (columns)."""
    return pd.DataFrame([[present_value(flow, r, t) for t in horizons] for r in rates],
                        index=pd.Index(rates, name="discount_rate"),
                        columns=pd.Index(horizons, name="horizon_years"))


def linear_recovery_loss(flow: float, damaged_fraction: float, recovery_years: int) -> np.ndarray:
    """Lost service flow in each year t = 1..R (yuan) when a fraction d of the flow F is lost at
    t = 0 and recovers linearly to full by year R: the year's mean of F·d·(1 − τ/R) over
    τ ∈ [t − 1, t], i.e. F·d·(1 − (t − ½)/R); the years sum to F·d·R/2 (the triangle)."""
    if not 0 <= damaged_fraction <= 1:
        raise ValueError("the damaged fraction must lie in 0–1")
    t = np.arange(1, recovery_years + 1)
    return flow * damaged_fraction * (1 - (t - 0.5) / recovery_years)


def damage(flow: float, damaged_fraction: float, recovery_years: int, rate: float,
           restoration_cost: float, other_costs: float = 0.0) -> dict:
    """Damage compensation (yuan): restoration cost + other costs (at t = 0, undiscounted) +
    Σ_t loss_t / (1 + r)^t, the discounted interim loss under linear recovery."""
    losses = linear_recovery_loss(flow, damaged_fraction, recovery_years)
    discount = (1 + rate) ** -np.arange(1, recovery_years + 1)
    interim = float((losses * discount).sum())
    return {"yearly_loss_yuan": losses.tolist(), "interim_loss_undiscounted_yuan": float(losses.sum()),
            "interim_loss_discounted_yuan": interim, "restoration_cost_yuan": restoration_cost,
            "other_costs_yuan": other_costs, "total_yuan": interim + restoration_cost + other_costs}
