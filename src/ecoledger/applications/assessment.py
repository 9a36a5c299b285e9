"""Comprehensive assessment: indicators with targets and weights score and rank units.

    score_ik = 100 × w_k × min(1, max(0, v_ik / T_k))     higher is better
    score_ik = 100 × w_k × min(1, max(0, T_k / v_ik))     lower is better (v ≤ 0 scores full)
    score_i  = Σ_k score_ik ;  rank by score, ties share the better rank (1, 2, 2, 4)

Without a target the best unit's value is the target. A missing value scores 0 and is noted;
a negative value (a fall of GEP) scores 0. The indicator system (GEP level and change,
GEP/GDP, environmental quality, forest cover, …) follows the "GEP进考核" pilots
(carbon-and-policy-methods.md §5.4, platforms-and-style.md: Lishui, Fuzhou); the targets and
weights are the rule file's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Indicator:
    name: str          # column of the unit table
    weight: float      # Σ weights = 1
    higher_is_better: bool = True
    target: float | None = None


def indicator_score(values: pd.Series, indicator: Indicator) -> pd.Series:
    """Points (0 … 100 × weight) of each unit for one indicator; NaN values give 0."""
    target = indicator.target
    if target is None:
        present = values.dropna()
        target = (present.max() if indicator.higher_is_better else present[present > 0].min()) \
            if len(present) else np.nan
    if indicator.higher_is_better:
        ratio = values / target
    else:
        ratio = (target / values).where(values > 0, 1.0).where(values.notna())
    return 100 * indicator.weight * ratio.clip(lower=0, upper=1).fillna(0.0)


def assess(units: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """The assessment table: value and points per indicator, total score, rank, notes."""
    out = pd.DataFrame({"name": units.get("name", pd.Series("", index=units.index))})
    total = pd.Series(0.0, index=units.index)
    notes = {code: [] for code in units.index}
    for ind in indicators:
        values = units[ind.name] if ind.name in units else pd.Series(np.nan, index=units.index)
        points = indicator_score(values, ind)
        out[f"value:{ind.name}"] = values
        out[f"points:{ind.name}"] = points
        total += points
        for code in units.index[values.isna()]:
            notes[code].append(f"{ind.name} missing: 0 points")
        if ind.higher_is_better:
            for code in units.index[values < 0]:
                notes[code].append(f"{ind.name} negative: 0 points")
    out["score"] = total
    out["rank"] = total.rank(ascending=False, method="min").astype(int)
    out["note"] = ["; ".join(notes[c]) for c in units.index]
    return out.sort_values(["rank", "name"])


# --- the decision's indicators, from the scorecards (ecoledger.targets) ---------------------------

SCORECARD_PREFIX = "decision:"  # column and name prefix of the decision's indicators in an assessment


def from_scorecard(card: pd.DataFrame, year: int, level: str = "city", indicators: list[str] | None = None,
                   weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, list[Indicator]]:
    """The unit table and the indicators of an assessment on the decision's indicators.

    ``card`` is a scorecard (``scorecard.csv`` of ``ecoledger targets scorecard``: code, unit_name,
    level, year, indicator, name_zh, name_en, direction, value, target …). The units are those of
    ``level`` in ``year``; the indicators those named, or else every indicator with a value for
    at least one of the units. Each column ``decision:<indicator>`` holds the value; the target
    is the scorecard's when every unit that has one has the same, else none (the best unit's
    value stands in, as for any indicator without a target); higher|lower follows the
    indicator's direction. Weights are those given (they must sum to 1), else equal (1/k for k
    indicators): a neutral default, not a policy choice — a rule file or ``weights`` sets them.
    """
    from ecoledger.messages import register

    rows = card[(card["level"] == level) & (card["year"].astype(int) == int(year))]
    present = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    chosen = list(indicators) if indicators is not None else list(dict.fromkeys(present["indicator"]))
    units = rows.drop_duplicates("code").set_index("code")[["unit_name"]]
    units = units.rename(columns={"unit_name": "name"})
    units.index = units.index.astype(str)
    if weights is None:
        weights = {name: 1.0 / len(chosen) for name in chosen} if chosen else {}
    elif not np.isclose(sum(weights.values()), 1.0):
        raise ValueError(f"the weights sum to {sum(weights.values()):g}; make them sum to 1")
    result = []
    for name in chosen:
        own = rows[rows["indicator"] == name]
        column = SCORECARD_PREFIX + name
        units[column] = pd.to_numeric(own.set_index(own["code"].astype(str))["value"], errors="coerce") \
            .reindex(units.index)
        targets = pd.to_numeric(own["target"], errors="coerce").dropna().unique()
        direction = own["direction"].iloc[0] if len(own) else "higher"
        if len(own):
            register({f"app.name.{column}": (own["name_zh"].iloc[0], own["name_en"].iloc[0])})
        result.append(Indicator(column, float(weights[name]), direction == "higher",
                                float(targets[0]) if len(targets) == 1 else None))
    return units, result


def assess_scorecard(card: pd.DataFrame, year: int, level: str = "city", indicators: list[str] | None = None,
                     weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, list[Indicator]]:
    """``assess`` on the decision's indicators of ``card`` (``from_scorecard``): the table and the
    indicators used."""
    units, chosen = from_scorecard(card, year, level, indicators, weights)
    return assess(units, chosen), chosen
