"""Physical quantities against known totals: a result far beyond them is a defect to find.

A pack may ship ``known_totals.csv`` (code, year, quantity, value, unit, source, quote, status,
method): totals a statistics office publishes that bound what ecosystems can supply — a unit's
water resources, its electricity use. ``check`` compares the accounts' physical quantities with
the nearest year's total and flags any beyond it, with the explanation the report prints. The
engine, ``validate`` and the report all read this one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ecoledger import tables
from ecoledger.ecosystems import ALL

KNOWN_TOTALS = "known_totals.csv"
COLUMNS = ["adcode", "name", "check", "quantity", "unit", "reference", "reference_year",
           "ratio", "flagged", "explanation_en", "explanation_zh", "reference_source"]


@dataclass(frozen=True)
class Check:
    name: str
    items: tuple[str, ...]
    total: str  # quantity in known_totals.csv
    unit: str  # canonical unit of items and total
    within_en: str
    within_zh: str
    beyond_en: str  # why it may be beyond, with its source; "" = a defect
    beyond_zh: str


CHECKS = (
    Check("water_conservation_vs_water_resources", ("water_conservation",),
          "water_resources_total", "m3",
          "water conservation is below the unit's total water resources",
          "水源涵养量低于该单位水资源总量",
          "", ""),
    Check("cooling_energy_vs_electricity_use",
          ("climate_regulation_transpiration", "climate_regulation_evaporation"),
          "electricity_consumption_total", "kWh",
          "cooling energy is below the unit's electricity use",
          "降温增湿耗能低于该单位全社会用电量",
          "The method prices all latent heat that vegetation transpires and water surfaces "
          "evaporate on hot days as the electricity air conditioners would need to remove it "
          "(replacement cost of a physical flux: 博文静 et al. 2017, 生态学报 37(12); MEE 2020 GEP "
          "guideline; method notes §6.2.9). It is not avoided actual consumption, so it may exceed "
          "the electricity a province uses several-fold; the item dominates GEP in southern "
          "China (southern Jiangxi: 58.7–68.2 % of regulating value).",
          "该方法将高温日植被蒸腾与水面蒸发吸收的全部潜热按空调移除同等热量所需电量计价（物理通量"
          "的替代成本：博文静等 2017，《生态学报》37(12)；生态环境部 2020 GEP 核算指南；方法说明 "
          "§6.2.9），并非实际节省的用电，因此可数倍于全省全社会用电量；该项在华南 GEP 中占主导"
          "（赣南：占调节服务价值 58.7–68.2 %）。"),
)


def read_known_totals(pack_root: str | Path) -> pd.DataFrame:
    """The pack's known totals in canonical units (empty when the pack ships none)."""
    path = Path(pack_root) / KNOWN_TOTALS
    if not path.is_file():
        return pd.DataFrame(columns=["code", "year", "quantity", "value", "unit", "source"])
    table = pd.read_csv(path, dtype={"code": str}, keep_default_na=False)
    factors = [tables.unit_factor(unit, _canonical(quantity)) for quantity, unit in
               zip(table["quantity"], table["unit"], strict=True)]
    return table.assign(value=pd.to_numeric(table["value"]) * factors)


def _canonical(quantity: str) -> str:
    return next(c.unit for c in CHECKS if c.total == quantity)


def check(accounts: pd.DataFrame, totals: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per unit × check where a known total exists (nearest year to ``year``)."""
    rows = []
    if totals.empty:
        return pd.DataFrame(columns=COLUMNS)
    all_rows = accounts[accounts["ecosystem"] == ALL]
    names = all_rows.drop_duplicates("adcode").set_index("adcode")["name"]
    for spec in CHECKS:
        known = totals[totals["quantity"] == spec.total]
        if known.empty:
            continue
        quantities = all_rows[all_rows["item"].isin(spec.items)].groupby("adcode")[
            "physical_value"].sum(min_count=1)
        for code, group in known.groupby("code"):
            if code not in quantities.index or pd.isna(quantities[code]):
                continue
            nearest = group.loc[(group["year"].astype(int) - year).abs().idxmin()]
            ratio = float(quantities[code]) / float(nearest["value"])
            flagged = ratio > 1.0
            rows.append({
                "adcode": code, "name": names.get(code, code), "check": spec.name,
                "quantity": float(quantities[code]), "unit": spec.unit,
                "reference": float(nearest["value"]), "reference_year": int(nearest["year"]),
                "ratio": ratio, "flagged": flagged,
                "explanation_en": (spec.beyond_en or "beyond the known total: a defect to find")
                if flagged else spec.within_en,
                "explanation_zh": (spec.beyond_zh or "超过已知总量：须查明原因")
                if flagged else spec.within_zh,
                "reference_source": nearest["source"],
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def unexplained(results: pd.DataFrame) -> pd.DataFrame:
    """Flagged rows whose check states no reason why the quantity may exceed the total."""
    explained = {c.name for c in CHECKS if c.beyond_en}
    return results[results["flagged"] & ~results["check"].isin(explained)]
