"""Poyang Lake total phosphorus: the lake series against a target path, the TP load account by
source, and the load cut a target concentration needs.

Load account: load_s = activity_s × coefficient_s for each source of
``data/monitoring/tp_load_coefficients.csv`` (point sources, agriculture, livestock, urban runoff,
atmospheric deposition, inflow of the five rivers). A missing activity or coefficient leaves that
source missing and the total missing (the sum of the known sources is given apart, labelled).

Inflow of the five rivers (``inflow_load_account``): load = Σ runoff × TP concentration per river
and year, with runoff from the hydrology pack's basin runoff depth × basin area and the
concentration a published flow-weighted annual mean (``data/monitoring/poyang_inflow_tp.csv``);
a river or year without a published concentration is missing with the statistic named, and the
year's total is missing unless every river is known.

Load–concentration relation (``load_concentration.csv``): the steady-state Vollenweider mass
balance C = L / (q_s (1 + √τ_w)) makes C proportional to L at fixed hydrology, so a target C*
needs the load cut 1 − C*/C. With the OECD (1982) regression C ∝ L^0.82 the cut is
1 − (C*/C)^(1/0.82). Both assume the hydrology (q_s, τ_w) of the base year; Poyang's water level
swings make that a first estimate, not a plan.
"""

from __future__ import annotations

import math

import pandas as pd

from ecoledger.errors import EcoledgerError
from ecoledger.monitoring.tables import table
from ecoledger.monitoring.trend import mann_kendall
from ecoledger.monitoring.water import parameter_class

M3_PER_MM_KM2 = 1e3  # 1 mm of runoff over 1 km² = 10⁻³ m × 10⁶ m² = 10³ m³
T_PER_M3_PER_MG_L = 1e-6  # 1 mg/L = 1 g/m³ = 10⁻⁶ t/m³
CONCENTRATION_STATISTIC = "tp_flow_weighted_mean"
TO_TONNES = {"t TP per t": 1.0, "kg TP/(hm²·a)": 1e-3, "kg TP/(head·a)": 1e-3, "kg TP/(km²·a)": 1e-3}


class LoadAccountError(EcoledgerError):
    """A coefficient table the load account cannot use; the message names the row and field."""


def statistic_series(statistics: pd.DataFrame, indicator: str, adcode: str, years: range) -> pd.DataFrame:
    """One indicator of a ``jiangxi_statistics.csv``-style table, one row per year of ``years``.

    Repeated rows of a year (several reposts) must agree; their sources are listed. A year
    without a row is ``missing``. Columns: year, value, unit, status (reported | missing |
    conflicting), sources.
    """
    rows = statistics[(statistics["indicator"] == indicator) & (statistics["adcode"].astype(str) == adcode)]
    out = []
    for year in years:
        found = rows[rows["year"].astype(int) == year]
        values = sorted({float(v) for v in found["value"]})
        status = "missing" if not values else "reported" if len(values) == 1 else "conflicting"
        out.append({"year": year, "value": values[0] if len(values) == 1 else float("nan"),
                    "unit": found["unit"].iloc[0] if len(found) else "",
                    "status": status, "alternatives": ";".join(map(str, values)) if len(values) > 1 else "",
                    "sources": " | ".join(dict.fromkeys(found["source_url"])) if len(found) else ""})
    return pd.DataFrame(out)


def target_path(start_year: int, start_value: float, target_year: int, target_value: float,
                years) -> pd.Series:
    """A straight-line path from (start_year, start_value) to (target_year, target_value), held
    at the target afterwards; NaN before the start."""
    def on_path(year: int) -> float:
        if year < start_year:
            return float("nan")
        if year >= target_year:
            return target_value
        return start_value + (target_value - start_value) * (year - start_year) / (target_year - start_year)
    return pd.Series([on_path(y) for y in years], index=list(years), dtype=float)


def tp_readings(series: pd.DataFrame) -> pd.DataFrame:
    """The series with its GB 3838 class read against the lake and against the river TP limits."""
    return series.assign(
        class_lake_reading=[parameter_class("tp", v, "lake") if not math.isnan(v) else None
                            for v in series["value"]],
        class_river_reading=[parameter_class("tp", v, "river") if not math.isnan(v) else None
                             for v in series["value"]])


def station_trends(evaluated: pd.DataFrame, parameter: str = "tp") -> pd.DataFrame:
    """Per station, the trend of the annual means of ``parameter`` (rows of ``water.evaluate``
    by year): years, first and last mean, Mann–Kendall S and p, Sen's slope (unit per year)."""
    column = f"mean_{parameter}"
    if column not in evaluated.columns:
        return pd.DataFrame()
    rows = []
    for (station, water_type), group in evaluated.dropna(subset=[column]).groupby(["station", "water_type"]):
        group = group.sort_values("year")
        result = mann_kendall(group[column].to_numpy(float), group["year"].to_numpy(float))
        rows.append({"station": station, "water_type": water_type, "parameter": parameter,
                     "years": f"{group['year'].iloc[0]}–{group['year'].iloc[-1]}", "n": result["n"],
                     "first": float(group[column].iloc[0]), "last": float(group[column].iloc[-1]),
                     "s": result["s"], "p": result["p"], "sen_slope_per_year": result["sen_slope"],
                     "trend": result["trend"]})
    return pd.DataFrame(rows)


def load_account(activity: dict[str, float], coefficients: pd.DataFrame | None = None) -> pd.DataFrame:
    """TP load (t/a) by source: activity × coefficient; missing where either is missing.

    ``activity`` maps the ``activity`` names of the coefficient table (cropland_area, …) to
    values in its ``activity_unit``. The last row, ``total``, is missing unless every source is
    known; ``known_sources_sum`` gives the partial sum.
    """
    coefficients = table("tp_load_coefficients") if coefficients is None else coefficients
    rows = []
    for number, c in enumerate(coefficients.to_dict("records"), start=2):
        if c["coefficient_unit"] not in TO_TONNES:
            raise LoadAccountError(
                f"coefficients row {number} ({c['source']}) · coefficient_unit: {c['coefficient_unit']!r} "
                f"is not one of {', '.join(TO_TONNES)}; convert the coefficient to one of them")
        amount = activity.get(c["activity"])
        coefficient = float(c["coefficient"]) if str(c["coefficient"]).strip() else None
        known = amount is not None and coefficient is not None and not math.isnan(amount)
        why = "" if known else ("no coefficient" if coefficient is None else "no activity data")
        rows.append({"source": c["source"], "source_zh": c["source_zh"], "activity": c["activity"],
                     "activity_value": amount, "activity_unit": c["activity_unit"],
                     "coefficient": coefficient, "coefficient_unit": c["coefficient_unit"],
                     "load_t": (amount * coefficient * TO_TONNES[c["coefficient_unit"]] if known
                                else float("nan")),
                     "status": "computed" if known else "missing", "why_missing": why,
                     "reference": c["reference"], "confidence": c["confidence"]})
    frame = pd.DataFrame(rows)
    complete = (frame["status"] == "computed").all()
    missing = ", ".join(frame.loc[frame["status"] == "missing", "source"])
    total = {"source": "total", "source_zh": "合计",
             "load_t": frame["load_t"].sum() if complete else float("nan"),
             "status": "computed" if complete else "missing",
             "why_missing": "" if complete else f"sources missing: {missing}",
             "known_sources_sum_t": float(frame["load_t"].sum(min_count=1))}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def required_load_cut(current: float, target: float, relation: str = "vollenweider_linear") -> float:
    """Fraction (0–1) by which the TP load must fall for the lake TP to go from ``current`` to
    ``target`` (same unit), under ``relation`` of load_concentration.csv; 0 if already met."""
    rows = table("load_concentration").set_index("relation")
    exponent = float(rows.loc[relation, "exponent"])
    if current <= target:
        return 0.0
    return 1 - (target / current) ** (1 / exponent)


def runoff_volume_m3(runoff_depth_mm: float, area_km2: float) -> float:
    """Annual runoff volume (m³) = runoff depth (mm) × basin area (km²) × 10³ m³/(mm·km²)."""
    return runoff_depth_mm * area_km2 * M3_PER_MM_KM2


def river_tp_load_t(runoff_m3: float, tp_mg_per_l: float) -> float:
    """Annual TP load (t/a) = runoff (m³/a) × flow-weighted mean TP (mg/L = g/m³) × 10⁻⁶ t/g."""
    return runoff_m3 * tp_mg_per_l * T_PER_M3_PER_MG_L


def basin_runoff(hydrology: pd.DataFrame, areas: pd.DataFrame, rivers: pd.DataFrame,
                 years) -> pd.DataFrame:
    """Runoff volume (m³) of each inflow river and year from the hydrology pack.

    ``hydrology``: poyang7_yearly_P_R (basin_en, year, runoff_depth_mm, scenario) — the
    ``main_2006_2019_raw`` rows, then ``full_2006_2020_raw`` for later years; ``areas``:
    poyang7_basin_areas (basin_en, area_km2_from_formula); ``rivers``: poyang_inflow_rivers
    (river, basins ``;``-separated). A basin without depth or area leaves the river missing.
    Columns: river, year, runoff_m3, runoff_status, runoff_missing.
    """
    area = dict(zip(areas["basin_en"], pd.to_numeric(areas["area_km2_from_formula"], errors="coerce"),
                    strict=True))
    ordered = hydrology.assign(rank=hydrology["scenario"].map({"main_2006_2019_raw": 0,
                                                              "full_2006_2020_raw": 1}))
    ordered = ordered.dropna(subset=["rank"]).sort_values("rank").drop_duplicates(["basin_en", "year"])
    depth = {(b, int(y)): float(d) for b, y, d in zip(ordered["basin_en"], ordered["year"],
                                                        ordered["runoff_depth_mm"], strict=True)}
    out = []
    for river, basins in zip(rivers["river"], rivers["basins"], strict=True):
        for year in years:
            parts = [(b, depth.get((b, year)), area.get(b)) for b in basins.split(";")]
            lacking = [b for b, d, a in parts if d is None or a is None or math.isnan(a)]
            volume = float("nan") if lacking else sum(runoff_volume_m3(d, a) for _, d, a in parts)
            out.append({"river": river, "year": year, "runoff_m3": volume,
                        "runoff_status": "missing" if lacking else "computed",
                        "runoff_missing": ", ".join(f"runoff depth or area of {b}" for b in lacking)})
    return pd.DataFrame(out)


def inflow_load_account(runoff: pd.DataFrame, concentrations: pd.DataFrame,
                        rivers: pd.DataFrame) -> pd.DataFrame:
    """TP load (t/a) of each inflow river and year = runoff × published concentration, and the
    year's total (river ``total``) when every river is known; missing rows name the statistic.

    ``concentrations``: rows of poyang_inflow_tp.csv (river, year, statistic, value, unit,
    status, source_url, quote); only ``tp_flow_weighted_mean`` rows in mg/L are used.
    """
    found = concentrations[(concentrations["statistic"] == CONCENTRATION_STATISTIC)
                           & (concentrations["status"] == "reported")]
    for bad in found[found["unit"] != "mg/L"].itertuples():
        raise LoadAccountError(f"poyang_inflow_tp.csv {bad.river} {bad.year} · unit: {bad.unit!r}; "
                               "write the concentration in mg/L")
    value = {(r, int(y)): (float(v), u) for r, y, v, u in
             zip(found["river"], found["year"], found["value"], found["source_url"], strict=True)}
    names = dict(zip(rivers["river"], rivers["river_zh"], strict=True))
    rows = []
    for r in runoff.itertuples(index=False):
        tp, url = value.get((r.river, int(r.year)), (float("nan"), ""))
        lacking = [m for m in (r.runoff_missing,) if m]
        if math.isnan(tp):
            lacking.append(f"{CONCENTRATION_STATISTIC} (mg/L) of {r.river} {r.year}")
        known = not lacking
        rows.append({"river": r.river, "river_zh": names.get(r.river, r.river), "year": int(r.year),
                     "runoff_m3": r.runoff_m3, "tp_mg_l": tp,
                     "load_t": river_tp_load_t(r.runoff_m3, tp) if known else float("nan"),
                     "status": "computed" if known else "missing", "missing_statistics": "; ".join(lacking),
                     "source": url})
    frame = pd.DataFrame(rows)
    ordered = []
    for year, group in frame.groupby("year", sort=True):
        complete = (group["status"] == "computed").all()
        absent = ", ".join(group.loc[group["status"] == "missing", "river"])
        ordered += group.to_dict("records")
        ordered.append({
            "river": "total", "river_zh": "合计", "year": int(year),
            "runoff_m3": group["runoff_m3"].sum(min_count=len(group)), "tp_mg_l": float("nan"),
            "load_t": group["load_t"].sum() if complete else float("nan"),
            "status": "computed" if complete else "missing",
            "missing_statistics": "" if complete else f"rivers missing: {absent}", "source": ""})
    return pd.DataFrame(ordered, columns=frame.columns)
