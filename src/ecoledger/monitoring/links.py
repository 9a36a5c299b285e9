"""What the monitoring module hands to the accounts and their applications.

* Compensation and assessment rules (``ecoledger.applications``): a section's samples in the
  layout of their ``samples`` tables (date, indicator, concentration in mg/L, indicator names
  CODMn, NH3-N, TN, TP …), and a section's annual class (``water.section_class`` on the annual
  means; on the platform ``service.section_quality``).
* Assessment rules (``ecoledger.applications`` kind "assessment", its indicators CSV
  ``code, indicator, value, unit, source``): ``assessment_rows`` turns the annual air indicators
  and the water class shares of a year into such rows (PM2.5 annual mean: lower is better).
* GEP water purification (``ecoledger.items.purification``): the removal capacity is capped by
  the load emitted, read from the statistics indicators ``cod_load``, ``ammonia_nitrogen_load``
  and ``total_phosphorus_load`` (kg). A complete TP load account becomes a
  ``total_phosphorus_load`` statistics row (the upload template of the platform's statistical
  reporting, or a pack's ``statistics.csv``). Concentrations alone give no load, and the air
  purification caps (``so2_emission``, ``nox_emission``, ``dust_emission``) come from emission
  inventories, not from ambient concentrations.
"""

from __future__ import annotations

import pandas as pd

from ecoledger.monitoring.tables import table


def indicator_names() -> dict[str, str]:
    """Parameter code → the display name the application rules use (the first alias: tp → TP)."""
    rows = table("parameters")
    return {r.parameter: (r.aliases.split(";")[0] or r.parameter) for r in rows.itertuples(index=False)}


def compensation_samples(records: pd.DataFrame, station: str, year: int) -> pd.DataFrame:
    """The samples of one station and year (rows of ``records.normalise``) as date, indicator,
    concentration (canonical unit; a result below detection at the substituted value)."""
    in_year = records["date"].astype(str).str.startswith(f"{year:04d}-")
    chosen = records[(records["station"] == station) & in_year]
    names = indicator_names()
    return pd.DataFrame({"date": chosen["date"].astype(str), "indicator": chosen["parameter"].map(names),
                         "concentration": chosen["value"].astype(float)}).reset_index(drop=True)


def load_statistics_rows(account: pd.DataFrame, code: str, year: int, source: str) -> pd.DataFrame:
    """A ``phosphorus.load_account`` as a statistics row (code, year, indicator, value, unit,
    source) of ``total_phosphorus_load`` in kg; no row when the total is missing (a missing
    load must stay missing in the accounts, not become zero)."""
    total = account.set_index("source").loc["total"]
    columns = ["code", "year", "indicator", "value", "unit", "source"]
    if total["status"] != "computed":
        return pd.DataFrame(columns=columns)
    return pd.DataFrame([{"code": code, "year": year, "indicator": "total_phosphorus_load",
                          "value": float(total["load_t"]) * 1000, "unit": "kg", "source": source}],
                        columns=columns)


AIR_ASSESSMENT = (("pm25_annual_mean", "µg/m³"), ("good_share_aqi", "fraction"),
                  ("good_share_pm25", "fraction"), ("exceedance_days_pm25", "days"),
                  ("comprehensive_index", "1"))


def assessment_rows(year: int, source: str, air_annual: pd.DataFrame | None = None,
                    water_shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows ``code, indicator, value, unit, source`` of one year for the assessment rules.

    ``air_annual``: ``air.annual_indicators`` with a ``code`` column (the unit's adcode);
    ``water_shares``: ``water.shares_by(…, "city")`` (the city column holds adcodes). Missing
    values (an invalid year, a pollutant not measured) give no row.
    """
    rows = []
    if air_annual is not None:
        chosen = air_annual[air_annual["year"] == year]
        for indicator, unit in AIR_ASSESSMENT:
            if indicator in chosen.columns:
                pairs = zip(chosen["code"], chosen[indicator], strict=True)
                rows += [{"code": code, "indicator": indicator, "value": float(value), "unit": unit,
                          "source": source} for code, value in pairs if value == value]
    if water_shares is not None:
        chosen = water_shares[water_shares["year"] == year]
        rows += [{"code": code, "indicator": f"water_{indicator}", "value": float(value), "unit": "fraction",
                  "source": source}
                 for indicator in ("share_I_III", "share_worse_than_V")
                 for code, value in zip(chosen["city"], chosen[indicator], strict=True) if value == value]
    return pd.DataFrame(rows, columns=["code", "indicator", "value", "unit", "source"])
