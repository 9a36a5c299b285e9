"""Surface-water quality: GB 3838-2002 single-factor class and the trophic level index (TLI).

Sources (rows of ``data/monitoring/gb3838_limits.csv``, ``tli_coefficients.csv``,
``tli_grades.csv``): GB 3838-2002 table 1; 《地表水环境质量评价办法（试行）》 (2011) for the
single-factor rule (a section's class is its worst item's class; TN and fecal coliform are not
in it); the CNEMC trophic-state method (Jin Xiangcan's TLI with chl-a as reference parameter).

Classes are the integers 1–6: I–V, and 6 for worse than V (劣V). Total phosphorus has two
columns: ``lake`` (lakes and reservoirs) and ``river``; the section's official type chooses.
Concentrations are in each parameter's canonical unit (mg/L; chl-a mg/m³; SD m; pH unitless).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from ecoledger.monitoring.tables import table

CLASS_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "worse than V"}
CLASS_NAMES_ZH = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}
CLASS_STATUS = {1: "excellent", 2: "excellent", 3: "good", 4: "slightly polluted",
                5: "moderately polluted", 6: "heavily polluted"}
WORSE_THAN_V = 6
WATER_TYPES = ("river", "lake", "reservoir")
LIMIT_COLUMNS = ("class_I", "class_II", "class_III", "class_IV", "class_V")


def limit_column(water_type: str) -> str:
    """The limits column of a section type: reservoirs use the lake and reservoir column."""
    if water_type not in WATER_TYPES:
        raise ValueError(f"water type {water_type!r} is not one of {', '.join(WATER_TYPES)}")
    return "river" if water_type == "river" else "lake"


@cache
def _limits() -> dict[tuple[str, str], tuple[str, tuple, bool]]:
    """(parameter, "all" | "river" | "lake") → (bound, limits of classes I–V, in the class)."""
    out = {}
    for row in table("gb3838_limits").itertuples(index=False):
        limits = tuple(getattr(row, c) for c in LIMIT_COLUMNS)
        if row.bound != "range":
            limits = tuple(float(v) for v in limits)
        out[(row.parameter, row.water_type)] = (row.bound, limits, row.in_single_factor_class == "true")
    return out


def limits_for(parameter: str, water_type: str) -> tuple[str, tuple, bool] | None:
    """(bound, limits I–V, in the single-factor class) of ``parameter`` in that water, or None."""
    found = _limits()
    return found.get((parameter, limit_column(water_type))) or found.get((parameter, "all"))


def parameter_class(parameter: str, value: float, water_type: str) -> int | None:
    """GB 3838-2002 class (1–6) of one parameter's concentration; None if it has no limits.

    A value equal to a class limit belongs to that class (the limits are "≤" for pollutants and
    "≥" for dissolved oxygen). pH in 6–9 is class I, outside it worse than V.
    """
    found = limits_for(parameter, water_type)
    if found is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    bound, limits, _ = found
    if bound == "range":
        low, high = (float(x) for x in limits[0].split("-"))
        return 1 if low <= value <= high else WORSE_THAN_V
    for number, limit in enumerate(limits, start=1):
        if (value <= limit) if bound == "max" else (value >= limit):
            return number
    return WORSE_THAN_V


def exceedance_multiple(parameter: str, value: float, water_type: str) -> float:
    """How far a value is beyond the class III limit: (C − C_III)/C_III, or for dissolved
    oxygen (C_III − C)/C; 0 or negative when within class III."""
    bound, limits, _ = limits_for(parameter, water_type)
    if bound == "range":
        raise ValueError("pH has no exceedance multiple")
    limit = limits[2]
    return (value - limit) / limit if bound == "max" else (limit - value) / value


def section_class(values: dict[str, float], water_type: str) -> tuple[int | None, list[str]]:
    """The single-factor class of a section and the parameter(s) that determine it.

    ``values`` maps parameter → concentration. Only parameters in the single-factor class count
    (TN of lakes and fecal coliform are evaluated separately). Returns (None, []) if none
    can be classed.
    """
    classes = {}
    for parameter, value in values.items():
        found = limits_for(parameter, water_type)
        if found is None or not found[2]:
            continue
        number = parameter_class(parameter, value, water_type)
        if number is not None:
            classes[parameter] = number
    if not classes:
        return None, []
    worst = max(classes.values())
    return worst, sorted(p for p, c in classes.items() if c == worst)


def main_pollutants(values: dict[str, float], water_type: str) -> list[tuple[str, float]]:
    """Parameters beyond class III, most exceeded first: (parameter, exceedance multiple)."""
    found = []
    for parameter, value in values.items():
        limits = limits_for(parameter, water_type)
        if limits is None or not limits[2] or limits[0] == "range" or value is None or np.isnan(value):
            continue
        multiple = exceedance_multiple(parameter, value, water_type)
        if multiple > 0:
            found.append((parameter, round(multiple, 4)))
    return sorted(found, key=lambda pair: -pair[1])


def class_shares(classes: pd.Series) -> dict[str, float | int]:
    """Share of classed sections in classes I–III and worse than V (0–1), and the count."""
    classes = pd.Series(classes).dropna().astype(int)
    n = len(classes)
    if n == 0:
        return {"sections": 0, "share_I_III": float("nan"), "share_worse_than_V": float("nan")}
    return {"sections": n, "share_I_III": float((classes <= 3).mean()),
            "share_worse_than_V": float((classes == WORSE_THAN_V).mean())}


# --- trophic level index -----------------------------------------------------------------------

TLI_PARAMETERS = ("chla", "tp", "tn", "sd", "codmn")


@cache
def tli_weights() -> dict[str, float]:
    """W_j = r_j² / Σ r_j² from the correlations with chl-a (chl-a 0.2663, TP 0.1879 …)."""
    rows = table("tli_coefficients").set_index("parameter")
    squares = {p: float(rows.loc[p, "r_with_chla"]) ** 2 for p in TLI_PARAMETERS}
    total = sum(squares.values())
    return {p: s / total for p, s in squares.items()}


@cache
def _tli_coefficients() -> dict[str, tuple[float, float]]:
    rows = table("tli_coefficients").set_index("parameter")
    return {p: (float(rows.loc[p, "a"]), float(rows.loc[p, "b"])) for p in TLI_PARAMETERS}


def tli_single(parameter: str, value: float) -> float:
    """TLI(j) = 10 (a_j + b_j ln C_j): chl-a mg/m³, TP/TN/CODMn mg/L, SD m."""
    if value is None or not value > 0:
        return float("nan")
    a, b = _tli_coefficients()[parameter]
    return 10 * (a + b * math.log(value))


def tli(chla: float, tp: float, tn: float, sd: float, codmn: float) -> float:
    """The composite trophic level index TLI(Σ) = Σ W_j TLI(j); NaN if any parameter is missing.

    The CNEMC method evaluates all five parameters: a lake missing one gets no TLI rather than
    one reweighted over fewer parameters.
    """
    values = {"chla": chla, "tp": tp, "tn": tn, "sd": sd, "codmn": codmn}
    weights = tli_weights()
    return sum(weights[p] * tli_single(p, v) for p, v in values.items())


def trophic_grade(index: float) -> str | None:
    """Oligotrophic (< 30), mesotrophic (30–50), light (50–60], moderate (60–70], hyper (> 70)."""
    if index is None or math.isnan(index):
        return None
    for row in table("tli_grades").itertuples(index=False):
        if not row.tli_upper:
            return row.grade
        upper = float(row.tli_upper)
        if index < upper or (row.upper_inclusive == "true" and index == upper):
            return row.grade
    raise AssertionError("tli_grades.csv has no open-ended last grade")


# --- evaluation of monitoring records ----------------------------------------------------------

PERIODS = ("year", "month", "season")


@cache
def _season_of_month() -> dict[int, str]:
    """Month → hydrological season of ``seasons.csv`` (Poyang's low-water months December to
    March belong to the calendar year of their sampling date)."""
    return {int(m): row.season for row in table("seasons").itertuples(index=False)
            for m in row.months.split(";")}


def evaluate(records: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """Class, determining parameters, main pollutants and TLI per station and period.

    ``records`` are the rows of ``records.normalise`` (station, water_type, city, basin, date,
    parameter, value in the canonical unit, …). ``period`` is "year", "month" or "season" (the
    hydrological seasons of ``seasons.csv``, for Poyang's TLI by water level): each parameter's
    mean over the period's samples is evaluated (annual evaluation uses the mean of
    the samples, 地表水环境质量评价办法). The lake TP reading and the river TP reading are both
    given for lake and reservoir stations (``class_tp_river_reading``), as Poyang's status as a
    river-connected lake is debated; the official type decides ``class``.
    """
    if period not in PERIODS:
        raise ValueError(f"period is one of {', '.join(PERIODS)}")
    dates = pd.to_datetime(records["date"])
    frame = records.assign(year=dates.dt.year, month=dates.dt.month,
                           season=dates.dt.month.map(_season_of_month()))
    keys = ["station", "water_type", "city", "basin", "year"] + ([period] if period != "year" else [])
    means = frame.groupby([*keys, "parameter"], dropna=False)["value"].agg(["mean", "count"]).reset_index()
    rows = []
    for key, group in means.groupby(keys, dropna=False, sort=True):
        values = dict(zip(group["parameter"], group["mean"], strict=True))
        station = dict(zip(keys, key, strict=True))
        water_type = station["water_type"]
        number, determining = section_class(values, water_type)
        row = {**station, "samples": int(group["count"].max()), "class": number,
               "class_name": CLASS_NAMES.get(number), "determining": ";".join(determining),
               "main_pollutants": ";".join(f"{p}({m:g})" for p, m in main_pollutants(values, water_type)),
               **{f"mean_{p}": v for p, v in values.items()}}
        if water_type != "river":
            row["class_tp_lake_reading"] = parameter_class("tp", values.get("tp"), "lake")
            row["class_tp_river_reading"] = parameter_class("tp", values.get("tp"), "river")
            row["class_tn_lake"] = parameter_class("tn", values.get("tn"), "lake")
            index = tli(**{p: values.get(p, float("nan")) for p in TLI_PARAMETERS})
            row["tli"] = None if math.isnan(index) else round(index, 2)
            row["trophic_grade"] = trophic_grade(index)
        rows.append(row)
    return pd.DataFrame(rows)


def shares_by(evaluated: pd.DataFrame, by: str) -> pd.DataFrame:
    """Shares of class I–III and worse than V of ``evaluate``'s stations per ``by`` (city,
    basin, or None for the whole region) and period."""
    period = [c for c in PERIODS if c in evaluated.columns]
    keys = [by, *period] if by else period
    out = []
    for key, group in evaluated.groupby(keys, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        out.append({**dict(zip(keys, key, strict=True)), **class_shares(group["class"])})
    return pd.DataFrame(out)
