"""Material products (物质产品): agriculture, forestry, animal husbandry, fishery, water supply,
ecological energy — method notes §6.1.

Market value ``V = Σ E_i × P_i``. The provisioning basis chooses how: ``quantity_price`` sums
product quantities × prices of the year (``data/products.csv``); ``gross_output`` (总产值) and
``net_output`` (净产值, 白玛卓嘎 et al. 2017) take the sector output value yearbooks report.
Water supply and hydropower are quantity × price.
"""

from __future__ import annotations

import math

PROVISIONING_BASES = ("gross_output", "net_output", "quantity_price")
SECTORS = ("agriculture", "forestry", "animal_husbandry", "fishery")
BASIS_INDICATOR = {"gross_output": "{}_output_value", "net_output": "{}_net_output_value"}
WATER_USE_INDICATOR = {
    "water_supply_domestic": "water_use_domestic",
    "water_supply_industrial": "water_use_industrial",
    "water_supply_agricultural": "water_use_agricultural",
}


def sector_output_indicator(sector: str, basis: str) -> str:
    """The statistics indicator holding a sector's output value under a provisioning basis."""
    return BASIS_INDICATOR[basis].format(sector)


def products_value(quantities: dict[str, float], prices: dict[str, float]) -> tuple[float, list[str]]:
    """Σ quantity × price over the products with both known (元), and the products counted.

    NaN when no product has both: a sector is never valued from nothing.
    """
    counted = [p for p, q in quantities.items()
               if not math.isnan(q) and not math.isnan(prices.get(p, math.nan))]
    if not counted:
        return math.nan, []
    return sum(quantities[p] * prices[p] for p in counted), counted


def quantity_value(quantity: float, unit_price: float) -> float:
    """Value of a quantity at a unit price (元); NaN when either is unknown."""
    if math.isnan(quantity) or math.isnan(unit_price):
        return math.nan
    return quantity * unit_price
