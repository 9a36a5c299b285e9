"""Indicator series for the early-warning rules (columns of ``warning.SERIES_COLUMNS``), built
from statistics tables, daily and annual air indicators, evaluated water records and accounts."""

from __future__ import annotations

import pandas as pd

from ecoledger.monitoring.warning import SERIES_COLUMNS


def from_statistics(statistics: pd.DataFrame) -> pd.DataFrame:
    """A ``jiangxi_statistics.csv``-style table (region, adcode, year, indicator, value, unit …)
    as series named by indicator; repeated reposts of one value are kept once, and years whose
    reposts disagree are left out (no value is chosen between them)."""
    frame = statistics.assign(value=pd.to_numeric(statistics["value"], errors="coerce"))
    frame = frame.drop_duplicates(["indicator", "adcode", "year", "value"])
    agreed = frame.groupby(["indicator", "adcode", "year"])["value"].transform("nunique") == 1
    frame = frame[agreed]
    return pd.DataFrame({"series": frame["indicator"], "unit_code": frame["adcode"].astype(str),
                         "unit_name": frame["region"], "period": frame["year"].astype(int),
                         "value": frame["value"], "unit": frame["unit"]})[list(SERIES_COLUMNS)]


def from_air_daily(daily: pd.DataFrame, codes: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Daily PM2.5 (columns city, date, pm25_24h) as the series ``pm25_daily``; ``codes`` maps the
    city names of the file to (adcode, Chinese name)."""
    return pd.DataFrame({"series": "pm25_daily", "unit_code": daily["city"].map(lambda c: codes[c][0]),
                         "unit_name": daily["city"].map(lambda c: codes[c][1]),
                         "period": daily["date"].astype(str),
                         "value": daily["pm25_24h"], "unit": "µg/m³"})[list(SERIES_COLUMNS)]


def from_air_annual(annual: pd.DataFrame, codes: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """``air.annual_indicators`` rows as the series pm25_annual_mean and good_share_pm25."""
    parts = [pd.DataFrame({"series": name, "unit_code": annual["city"].map(lambda c: codes[c][0]),
                           "unit_name": annual["city"].map(lambda c: codes[c][1]), "period": annual["year"],
                           "value": annual[column], "unit": unit})
             for name, column, unit in (("pm25_annual_mean", "pm25_annual_mean", "µg/m³"),
                                        ("good_share_pm25", "good_share_pm25", "fraction"))]
    return pd.concat(parts, ignore_index=True)[list(SERIES_COLUMNS)]


def from_water(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Annual station means of ``water.evaluate`` as series ``water_<parameter>``, plus
    ``water_class`` and ``water_tli``; the station is the unit."""
    parts = []
    for column in evaluated.columns:
        if column.startswith("mean_") or column in ("class", "tli"):
            name = f"water_{column.removeprefix('mean_')}"
            parts.append(pd.DataFrame({"series": name, "unit_code": evaluated["station"],
                                       "unit_name": evaluated["station"], "period": evaluated["year"],
                                       "value": pd.to_numeric(evaluated[column], errors="coerce"),
                                       "unit": ""}))
    return pd.concat(parts, ignore_index=True)[list(SERIES_COLUMNS)] if parts else \
        pd.DataFrame(columns=list(SERIES_COLUMNS))


def from_accounts(accounts: pd.DataFrame, level: str = "county") -> pd.DataFrame:
    """Account rows (``accounts.csv`` of several years: adcode, name, level, year, group, item,
    ecosystem, value_yuan, data_status) as the series ``<group>_value_yuan`` per unit and year:
    the sum of the group's item totals (ecosystem "all"). Only items computed in every year
    enter, so a year is never lower merely because an item was missing in it."""
    rows = accounts[(accounts["ecosystem"] == "all") & (accounts["level"] == level)]
    computed = rows[rows["value_yuan"].notna()]
    years = rows["year"].nunique()
    everywhere = computed.groupby(["adcode", "item"])["year"].transform("nunique") == years
    sums = computed[everywhere].groupby(["group", "adcode", "name", "year"])["value_yuan"].sum().reset_index()
    return pd.DataFrame({"series": sums["group"] + "_value_yuan", "unit_code": sums["adcode"].astype(str),
                         "unit_name": sums["name"], "period": sums["year"].astype(int),
                         "value": sums["value_yuan"], "unit": "yuan"})[list(SERIES_COLUMNS)]
