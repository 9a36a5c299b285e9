"""What the monitoring module hands to the accounts and their applications.

* Compensation and assessment rules (``ecoledger.applications``): a section's samples in the
  layout of their ``samples`` tables (date, indicator, concentration in mg/L, indicator names
  CODMn, NH3-N, TN, TP …), and a section's annual class (``water.section_class`` on the annual
  means; on the platform ``service.section_quality``).
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
