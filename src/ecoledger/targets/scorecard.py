"""Yearly scorecards: each indicator of each unit against its target, its trend and its rank.

Rules (the same words are shown on the page, ``RULES``):

* **target**: the unit's own target for that year in ``unit_targets.csv`` (yearly provincial
  work targets, city plans); otherwise, for the province, the indicator system's target (a
  five-year target, compared with every year; ``target_year`` says which year it is for);
  otherwise none ("no target recorded", status ``no_target``).
* **met**: value ≥ target when higher is better, value ≤ target when lower is better.
* **change** = value − previous-year value (the unit's own, same indicator); **trend**:
  ``improving`` when the change goes the indicator's way, ``worsening`` the other way, ``flat``
  when it is 0, ``unknown`` without a previous-year value.
* **status** (traffic light): ``missing`` without a value; ``no_target`` without a target;
  ``green`` when met; ``amber`` when not met but improving, or within ``margin`` of the target
  (relative: |value − target| ≤ margin × |target|; default 0, no margin — a user may set one);
  ``red`` when not met, outside the margin and not improving (worsening, flat or unknown).
* **rank** among the units of the same level with a value for the year and indicator, best
  first by the indicator's direction; ties share the better rank (1, 2, 2, 4); ``peers`` is
  the number of units ranked.
"""

from __future__ import annotations

import math

import pandas as pd

from ecoledger.messages import register
from ecoledger.targets.values import indicator_system, unit_targets

SCORECARD_COLUMNS = ("code", "unit_name", "level", "year", "goal", "indicator", "name_zh", "name_en", "unit",
                     "direction", "value", "target", "target_year", "previous_value", "change", "trend",
                     "status", "rank", "peers", "source_title", "source_url", "quote", "reason")
# after the columns other modules read: where the target comes from, and the reason in Chinese
EXTRA_COLUMNS = ("target_source_title", "target_source_url", "target_quote", "reason_zh")
STATUSES = ("green", "amber", "red", "no_target", "missing")
TRENDS = ("improving", "worsening", "flat", "unknown")

register({
    "rules": ("规则：目标取该单位该年的目标（unit_targets.csv），省级无年度目标时取指标体系的目标（五年目标，"
              "与各年比较，目标年份另列）；达标：越高越好的指标数值 ≥ 目标，越低越好的 ≤ 目标。趋势按与上一年"
              "相比的变化方向判断（改善、恶化、持平，无上一年数值为未知）。红黄绿：达标为绿；未达标但在改善，或"
              "与目标相差不超过 {margin}（相对目标）为黄；未达标、超出该幅度且未改善为红；"
              "无数值为缺失；无目标为“未录入目标”。排名：同级单位中该年有数值者按指标方向排序，并列取较好名次（1、2、2、4）。",
              "Rules: the target is the unit's own for the year (unit_targets.csv); for the province "
              "without one, the indicator system's (a five-year target compared with every year, its "
              "year shown). Met: value ≥ target when higher is better, ≤ when lower is better. The "
              "trend is the direction of the change from the previous year (improving, worsening, "
              "flat; unknown without a previous value). Traffic light: green when met; amber when not "
              "met but improving, or within {margin} of the target (relative); red when not met, "
              "outside that margin and not improving; missing without a value; no target recorded "
              "without a target. Rank: among the units of the same level with a value that year, by "
              "the indicator's direction; ties share the better rank (1, 2, 2, 4)."),
    "no_target": ("未录入目标", "no target recorded"),
}, prefix="targets.")


def is_met(value: float, target: float, direction: str) -> bool:
    """Whether ``value`` reaches ``target`` (same unit) for an indicator where ``direction``
    (higher|lower) is better."""
    return value >= target if direction == "higher" else value <= target


def trend(value: float | None, previous: float | None, direction: str) -> str:
    """improving | worsening | flat | unknown: the direction of value − previous (same unit)."""
    if _absent(value) or _absent(previous):
        return "unknown"
    change = value - previous
    if change == 0:
        return "flat"
    better = change > 0 if direction == "higher" else change < 0
    return "improving" if better else "worsening"


def traffic_light(value: float | None, target: float | None, direction: str, trend_: str,
                  margin: float = 0.0) -> str:
    """green | amber | red | missing | no_target (module docstring); ``margin`` is relative to
    the target (0.05: within 5 % of it), 0 by default."""
    if _absent(value):
        return "missing"
    if _absent(target):
        return "no_target"
    if is_met(value, target, direction):
        return "green"
    if trend_ == "improving" or abs(value - target) <= margin * abs(target):
        return "amber"
    return "red"


def ranks(values: pd.Series, direction: str) -> pd.Series:
    """Rank 1 = best by ``direction``; ties share the better rank; missing values get no rank."""
    return values.rank(ascending=direction == "lower", method="min").astype("Int64")


def _absent(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def target_of(code: str, level: str, year: int, indicator: str, system_row, targets: pd.DataFrame) -> dict:
    """The target that applies (module docstring) with its year and source; empty when none."""
    own = targets[(targets["code"] == code) & (targets["indicator"] == indicator) & (targets["year"] == year)]
    if len(own):
        row = own.iloc[0]
        return {"target": float(row["target"]), "target_year": int(row["year"]),
                "target_source_title": row["source_title"], "target_source_url": row["source_url"],
                "target_quote": row["quote"]}
    if level == "province" and not _absent(system_row.target):
        return {"target": float(system_row.target), "target_year": int(system_row.target_year),
                "target_source_title": system_row.target_source_title,
                "target_source_url": system_row.target_source_url, "target_quote": system_row.target_quote}
    return {"target": None, "target_year": None, "target_source_title": "", "target_source_url": "",
            "target_quote": ""}


def scorecard(values: pd.DataFrame, system: pd.DataFrame | None = None, targets: pd.DataFrame | None = None,
              margin: float = 0.0) -> pd.DataFrame:
    """The scorecard (``SCORECARD_COLUMNS`` then ``EXTRA_COLUMNS``) of ``indicator_values`` rows."""
    system = indicator_system() if system is None else system
    targets = unit_targets() if targets is None else targets
    by_indicator = {row.indicator: row for row in system.itertuples()}
    values = values[values["indicator"].isin(by_indicator)].copy()
    values["value"] = pd.to_numeric(values["value"])
    previous = {(c, int(y), i): v for c, y, i, v in
                zip(values["code"], values["year"], values["indicator"], values["value"], strict=True)}
    rows = []
    for r in values.itertuples():
        ind = by_indicator[r.indicator]
        before = previous.get((r.code, int(r.year) - 1, r.indicator))
        before = None if _absent(before) else before
        value = None if _absent(r.value) else float(r.value)
        target = target_of(r.code, r.level, int(r.year), r.indicator, ind, targets)
        trend_ = trend(value, before, ind.direction)
        rows.append({
            "code": r.code, "unit_name": r.unit_name, "level": r.level, "year": int(r.year), "goal": ind.goal,
            "indicator": r.indicator, "name_zh": ind.name_zh, "name_en": ind.name_en, "unit": ind.unit,
            "direction": ind.direction, "value": value, **target, "previous_value": before,
            "change": None if value is None or before is None else value - before, "trend": trend_,
            "status": traffic_light(value, target["target"], ind.direction, trend_, margin),
            "source_title": r.source_title, "source_url": r.source_url, "quote": r.quote,
            "reason": r.reason, "reason_zh": getattr(r, "reason_zh", ""),
        })
    card = pd.DataFrame(rows)
    if card.empty:
        return pd.DataFrame(columns=[*SCORECARD_COLUMNS, *EXTRA_COLUMNS])
    for column in ("value", "target", "previous_value", "change"):
        card[column] = pd.to_numeric(card[column])
    card["target_year"] = card["target_year"].astype("Int64")
    card["rank"] = pd.Series(pd.NA, index=card.index, dtype="Int64")
    card["peers"] = 0
    for (_, _, indicator), group in card.groupby(["level", "year", "indicator"]):
        present = group["value"].dropna()
        card.loc[present.index, "rank"] = ranks(present, by_indicator[indicator].direction)
        card.loc[group.index, "peers"] = len(present)
    return card[[*SCORECARD_COLUMNS, *EXTRA_COLUMNS]]
