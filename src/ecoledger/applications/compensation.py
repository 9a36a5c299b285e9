"""Ecological compensation: a basin fund by factors, the Xin'an P-index, GEP-based payments.

Sources (carbon-and-policy-methods.md §5): Jiangxi basin fund (《江西省流域生态补偿办法》, §5.3),
Xin'an River upstream–downstream agreement (§5.2), GEP-linked designs (§5.4). The coefficient
values (weights, k0, thresholds) come from ``policy_parameters.csv`` or the rule file, never
from code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def basin_fund(fund: float, scores: pd.DataFrame, weights: dict[str, float],
               coefficient: pd.Series | None = None, penalty: pd.Series | None = None) -> pd.DataFrame:
    """Jiangxi basin-fund allocation (§5.3):

        s_i = Σ_f w_f × x_if / Σ_j x_jf              weighted factor share (dimensionless)
        S_i = S × s_i × K_i / Σ_j s_j × K_j          before penalty (yuan); Σ S_i = S
        S_i ← S_i × (1 − p_i)                        penalty p_i (30–50 % for a major incident)

    ``scores``: factor scores per unit (columns named as ``weights``); ``coefficient`` K_i
    (default 1); ``penalty`` p_i (fraction, default 0). The deducted money rolls into next
    year's pool (column ``rolled_over_yuan``); it is not shared again this year.
    A missing score counts as 0 for that factor (noted).
    """
    k = (coefficient if coefficient is not None else pd.Series(1.0, index=scores.index)).fillna(1.0)
    p = (penalty if penalty is not None else pd.Series(0.0, index=scores.index)).fillna(0.0)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("a penalty is outside 0–1")
    out = pd.DataFrame(index=scores.index)
    share = pd.Series(0.0, index=scores.index)
    for f, w in weights.items():
        x = scores[f].fillna(0.0)
        out[f"share:{f}"] = w * x / x.sum() if x.sum() > 0 else 0.0
        share += out[f"share:{f}"]
    out["coefficient"] = k
    weighted = share * k
    out["before_penalty_yuan"] = fund * weighted / weighted.sum() if weighted.sum() > 0 else 0.0
    out["penalty"] = p
    out["rolled_over_yuan"] = out["before_penalty_yuan"] * p
    out["amount_yuan"] = out["before_penalty_yuan"] - out["rolled_over_yuan"]
    out["note"] = [", ".join(f"{f} score missing: counted 0" for f in weights if pd.isna(scores.at[c, f]))
                   for c in scores.index]
    return out


def p_index(concentration: pd.Series, baseline: pd.Series, weights: pd.Series, k0: float) -> float:
    """Xin'an River compensation index P = k0 × Σ_i k_i × C_i / C_i0 (§5.2), dimensionless.

    C_i: annual mean concentration at the border section (mg/L); C_i0: basic limit (mg/L);
    k_i: indicator weights; k0: water-quality stability coefficient.
    """
    keys = weights.index
    return float(k0 * (weights * concentration[keys] / baseline[keys]).sum())


def annual_means(samples: pd.DataFrame, indicators: list[str], min_samples: int) -> pd.DataFrame:
    """Mean concentration per indicator of the valid samples (columns indicator, concentration),
    with the sample count; raises ValueError when an indicator has fewer than ``min_samples``."""
    valid = samples.dropna(subset=["concentration"])
    stats = valid.groupby("indicator")["concentration"].agg(["mean", "count"]).reindex(indicators)
    short = stats.index[stats["count"].fillna(0) < min_samples]
    if len(short):
        raise ValueError(f"too few valid samples for {', '.join(short)} (fewer than {min_samples})")
    return stats


def direction(p: float, threshold: float, upstream: str, downstream: str, amount: float) -> dict:
    """Who pays whom: P ≤ threshold → downstream pays upstream; P > threshold → upstream pays."""
    if p <= threshold:
        return {"payer": downstream, "payee": upstream, "amount_yuan": amount,
                "reason": f"P = {p:.4f} ≤ {threshold}: the water leaving {upstream} met the agreed "
                          f"quality, so {downstream} pays"}
    return {"payer": upstream, "payee": downstream, "amount_yuan": amount,
            "reason": f"P = {p:.4f} > {threshold}: the water leaving {upstream} was worse than the "
                      f"agreed quality, so {upstream} pays"}


def gep_payment(value: float, beneficiary_share: float, rate: float) -> float:
    """GEP-based compensation (§5.4 spill-over): payment = rate × share × V (yuan).

    V: the provider's service value (yuan, e.g. its water conservation); share: the fraction of
    the service used by the beneficiary; rate: the fraction of value the agreement pays.
    A missing V gives a missing payment (NaN), never 0.
    """
    return float(rate * beneficiary_share * value) if pd.notna(value) else np.nan
