"""Air quality: IAQI and AQI per HJ 633-2012, annual city indicators per HJ 663-2013.

Breakpoints: ``data/monitoring/hj633_breakpoints.csv`` (HJ 633-2012 table 1). Within a
segment IAQI = (I_hi − I_lo)/(BP_hi − BP_lo) × (C − BP_lo) + I_lo, on the concentration as
measured: concentrations are never truncated to integers first (python-aqi does, and gives CO
0.8 mg/m³ an IAQI of 0 instead of 20, methods note §6.3). The reported IAQI and AQI are rounded
*up* to an integer (HJ 633-2012 §5: 进位取整), so PM2.5 35.5 µg/m³ reports 51, not 50.
Daily AQI = max of the IAQIs of SO2, NO2, PM10, CO, PM2.5 (24-h means) and O3 (daily maximum
8-h and 1-h); the primary pollutant(s) are named when the AQI exceeds 50.

Units: µg/m³, CO mg/m³.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from ecoledger.monitoring.tables import setting, table

DAILY_POLLUTANTS = (("so2", "24h"), ("no2", "24h"), ("pm10", "24h"), ("co", "24h"), ("o3", "8h"),
                    ("o3", "1h"), ("pm25", "24h"))
CATEGORIES = ((50, "excellent", "优"), (100, "good", "良"), (150, "lightly polluted", "轻度污染"),
              (200, "moderately polluted", "中度污染"), (300, "heavily polluted", "重度污染"),
              (math.inf, "severely polluted", "严重污染"))  # HJ 633-2012 table 2


@cache
def breakpoints(pollutant: str, averaging: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(concentrations, IAQIs) of one pollutant and averaging time, ascending."""
    rows = table("hj633_breakpoints")
    rows = rows[(rows["pollutant"] == pollutant) & (rows["averaging"] == averaging)]
    if rows.empty:
        raise KeyError(f"HJ 633 has no breakpoints for {pollutant} {averaging}")
    return tuple(rows["concentration"].astype(float)), tuple(rows["iaqi"].astype(float))


def iaqi_exact(pollutant: str, averaging: str, concentration: float) -> float:
    """The IAQI before rounding, by linear interpolation between breakpoints.

    NaN for a missing or negative concentration, and beyond the table's last breakpoint (HJ 633
    computes no IAQI there; for SO2 1-h above 800 and O3 8-h above 800 the 24-h and 1-h IAQIs
    replace it: see ``daily_aqi``).
    """
    if concentration is None or not concentration >= 0:
        return float("nan")
    bp, index = breakpoints(pollutant, averaging)
    if concentration > bp[-1]:
        return float("nan")
    hi = next(i for i in range(1, len(bp)) if concentration <= bp[i])
    lo = hi - 1
    return (index[hi] - index[lo]) / (bp[hi] - bp[lo]) * (concentration - bp[lo]) + index[lo]


def report_integer(value: float) -> float:
    """HJ 633's rounding of an IAQI or AQI: up to the next integer (a value within 1e-9 of an
    integer is that integer, so float noise such as 50.000000000001 does not become 51)."""
    if math.isnan(value):
        return value
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < 1e-9 else float(math.ceil(value))


def iaqi(pollutant: str, averaging: str, concentration: float) -> float:
    """The reported (rounded-up) IAQI of one concentration."""
    return report_integer(iaqi_exact(pollutant, averaging, concentration))


def category(aqi: float) -> tuple[str, str] | None:
    """(English, Chinese) AQI category of a reported AQI."""
    if aqi is None or math.isnan(aqi):
        return None
    return next((en, zh) for top, en, zh in CATEGORIES if aqi <= top)


def daily_aqi(concentrations: dict[str, float]) -> dict:
    """AQI of one day from ``{"so2_24h": …, "no2_24h": …, "pm10_24h": …, "co_24h": …,
    "o3_8h": …, "o3_1h": …, "pm25_24h": …}`` (missing keys or NaN: not measured).

    Returns the IAQIs, ``aqi`` (max of the measured IAQIs), ``primary`` (pollutants whose IAQI
    equals the AQI, when it exceeds 50), ``category`` and ``complete`` (all six pollutants
    measured: only then is it HJ 633's AQI; otherwise the max of the IAQIs measured). An O3-8h
    value beyond 800 µg/m³ takes the O3-1h IAQI.
    """
    return _aqi(concentrations, DAILY_POLLUTANTS)


def hourly_aqi(concentrations: dict[str, float]) -> dict:
    """Real-time (hourly) AQI from ``so2_1h, no2_1h, co_1h, o3_1h`` and the 24-h sliding means
    ``pm10_24h, pm25_24h`` (HJ 633-2012 [M] for the choice of averaging times). An SO2 1-h value
    beyond 800 µg/m³ takes the IAQI of ``so2_24h`` (the 24-h sliding mean), as HJ 633 has no
    1-h breakpoints above 800. Same result keys as ``daily_aqi``."""
    return _aqi(concentrations, HOURLY_POLLUTANTS)


HOURLY_POLLUTANTS = (("so2", "1h"), ("no2", "1h"), ("pm10", "24h"), ("co", "1h"), ("o3", "1h"),
                     ("pm25", "24h"))
SUBSTITUTES = {("so2", "1h"): ("so2", "24h"), ("o3", "8h"): ("o3", "1h")}  # beyond the table


def _aqi(concentrations: dict[str, float], pollutants) -> dict:
    result = {}
    for pollutant, averaging in pollutants:
        key = f"{pollutant}_{averaging}"
        value = concentrations.get(key, float("nan"))
        if (pollutant, averaging) in SUBSTITUTES and value is not None and \
                value > breakpoints(pollutant, averaging)[0][-1]:
            value = concentrations.get("_".join(SUBSTITUTES[(pollutant, averaging)]), float("nan"))
            result[f"iaqi_{key}"] = iaqi(*SUBSTITUTES[(pollutant, averaging)], value)
        else:
            result[f"iaqi_{key}"] = iaqi(pollutant, averaging, value)
    measured = {k: v for k, v in result.items() if not math.isnan(v)}
    aqi = max(measured.values()) if measured else float("nan")
    threshold = setting("primary_pollutant_aqi_above")
    primary = sorted({k.removeprefix("iaqi_").split("_")[0] for k, v in measured.items()
                      if v == aqi and aqi > threshold})
    found = category(aqi)
    pollutants_measured = {k.removeprefix("iaqi_").split("_")[0] for k in measured}
    return {**result, "aqi": aqi, "primary": ";".join(primary),
            "category": found[0] if found else None, "category_zh": found[1] if found else None,
            "complete": pollutants_measured >= {"so2", "no2", "pm10", "co", "o3", "pm25"}}


def percentile_hj663(values, percent: float) -> float:
    """HJ 663-2013 percentile: the ordered values X_1…X_n, k = 1 + (n − 1) p, linear between
    X_⌊k⌋ and X_⌊k⌋+1 (numpy's "linear" method)."""
    values = np.asarray([v for v in values if not np.isnan(v)], dtype=float)
    return float(np.percentile(values, percent, method="linear")) if len(values) else float("nan")


def completeness(dates: pd.Series) -> dict:
    """GB 3095-2012 data validity of a year of daily values: days, and whether the year has at
    least 324 days and every month at least 27 (February 25)."""
    dates = pd.to_datetime(pd.Series(dates)).dropna().drop_duplicates()
    by_month = dates.dt.month.value_counts()
    short = [m for m in range(1, 13)
             if by_month.get(m, 0) < setting("february_min_daily_values" if m == 2 else
                                             "monthly_min_daily_values")]
    valid = len(dates) >= setting("annual_min_daily_values") and not short
    return {"days": len(dates), "valid_year": bool(valid), "short_months": ";".join(map(str, short))}


def annual_indicators(daily: pd.DataFrame) -> pd.DataFrame:
    """HJ 663-2013 annual indicators per city and year from daily values.

    ``daily``: columns city, date and any of so2_24h, no2_24h, pm10_24h, co_24h (mg/m³), o3_8h
    (daily maximum 8-h mean), o3_1h, pm25_24h (µg/m³). For each pollutant present, per
    ``hj663_statistics.csv``: annual means, percentiles of the 24-h means (CO 95th, SO2/NO2 98th,
    PM 95th) and the 90th percentile of O3-8h, each withheld (NaN) when that input's year fails
    GB 3095's validity rule (``days_<input>``, ``valid_<input>``). Also: ``aqi_days`` (days with
    all six pollutants) and ``good_share_aqi`` (their share with AQI ≤ 100); for PM2.5
    ``exceedance_days_pm25`` (IAQI > 100) and ``good_share_pm25`` (share of days with a PM2.5
    IAQI ≤ 100: the PM2.5-only stand-in when the other pollutants are not measured);
    ``index_<pollutant>`` = statistic / GB 3095 grade II limit and ``comprehensive_index`` = their
    sum when all six are valid.
    """
    statistics = table("hj663_statistics")
    limits = table("gb3095_annual_limits").set_index("pollutant")["limit"].astype(float)
    good = setting("good_aqi_max")
    inputs = [c for c in dict.fromkeys(statistics["input"]) if c in daily.columns]
    frame = daily.assign(year=pd.to_datetime(daily["date"]).dt.year)
    out = []
    for (city, year), group in frame.groupby(["city", "year"], sort=True):
        row: dict = {"city": city, "year": int(year)}
        for column in inputs:
            valid = completeness(group.loc[group[column].notna(), "date"])
            row[f"days_{column}"], row[f"valid_{column}"] = valid["days"], valid["valid_year"]
        for s in statistics.itertuples(index=False):
            if s.input not in inputs:
                continue
            values = group[s.input].dropna()
            value = values.mean() if s.method == "mean" else percentile_hj663(values, float(s.percent))
            row[s.statistic] = float(value) if row[f"valid_{s.input}"] else float("nan")
            if s.in_comprehensive_index == "true":
                row[f"index_{s.pollutant}"] = row[s.statistic] / limits[s.pollutant]
        days = [daily_aqi({c: r[c] for c in inputs}) for r in group.to_dict("records")]
        complete = [d["aqi"] for d in days if d["complete"]]
        row["aqi_days"] = len(complete)
        row["good_share_aqi"] = sum(a <= good for a in complete) / len(complete) if complete else float("nan")
        if "pm25_24h" in inputs:
            pm25 = [d["iaqi_pm25_24h"] for d in days if not math.isnan(d["iaqi_pm25_24h"])]
            row["exceedance_days_pm25"] = sum(v > good for v in pm25)
            row["good_share_pm25"] = sum(v <= good for v in pm25) / len(pm25) if pm25 else float("nan")
        terms = [row.get(f"index_{p}", float("nan")) for p in limits.index]
        row["comprehensive_index"] = sum(terms) if not any(math.isnan(t) for t in terms) else float("nan")
        out.append(row)
    return pd.DataFrame(out)
