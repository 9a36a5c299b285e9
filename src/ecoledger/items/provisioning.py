"""Material products (物质产品): agriculture, forestry, animal husbandry, fishery, water supply,
ecological energy — method notes §6.1.

Market value ``V = Σ E_i × P_i``. Yearbooks report the output value of each sector directly; the
profile's basis chooses gross output (总产值) or net output (净产值, 白玛卓嘎 et al. 2017). Water
supply and hydropower are quantity × price.
"""

from __future__ import annotations

import math

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


def quantity_value(quantity: float, unit_price: float) -> float:
    """Value of a quantity at a unit price (元); NaN when either is unknown."""
    if math.isnan(quantity) or math.isnan(unit_price):
        return math.nan
    return quantity * unit_price
