"""Electricity-related CO₂: published electricity use × a cited grid factor (methods notes §2.4).

This is the consumption view — the CO₂ emitted, wherever the power plant stands, to generate the
electricity the unit used (全社会用电量, and by sector). It is **not** the territorial total of
dual control (fuel combustion in the unit + net imported electricity + processes,
``ecoledger.carbon.inventory``): a province that generates its own power from coal counts that
coal once in its territorial total, and the same tonnes again here. Never add the two.

Factor choice: the MEE + NBS "electricity CO₂ emission factors" series (b), the one published for
accounting electricity consumption, the unit's provincial average of the activity year; the series
starts with 2021, so earlier years use the nearest published year and every row says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoledger.carbon.combustion import electricity_co2
from ecoledger.carbon.factors import Factor, Registry
from ecoledger.carbon.inventory import grid_factor

CONSUMPTION_SERIES = "mee_nbs_consumption"
KWH_PER_MWH = 1e3
USE_INDICATORS = {  # indicator → scope of the inventory row it gives
    "electricity_consumption_total": "electricity_related_total",
    "electricity_consumption_primary": "electricity_related_primary",
    "electricity_consumption_secondary": "electricity_related_secondary",
    "electricity_consumption_industry": "electricity_related_industry",
    "electricity_consumption_tertiary": "electricity_related_tertiary",
    "electricity_consumption_residential": "electricity_related_residential",
}
PART_OF = {"electricity_consumption_industry": "electricity_consumption_secondary"}  # never add


@dataclass(frozen=True)
class FactorChoice:
    """The grid factor used for a year, and whether its year differs from the activity year."""

    factor: Factor | None
    year: int

    @property
    def other_year(self) -> bool:
        return self.factor is not None and self.factor.year != self.year

    def note(self) -> str:
        """Why this factor: empty when it is the activity year's own."""
        if self.factor is None:
            return f"no {CONSUMPTION_SERIES} grid factor published for any year"
        if not self.other_year:
            return ""
        return (
            f"grid factor of {self.factor.year} used for {self.year}: the series publishes no "
            f"factor for {self.year}; the nearest published year is used"
        )


def choose_factor(registry: Registry, year: int, region: str = "360000") -> FactorChoice:
    """The consumption-series grid factor for ``region`` and ``year``, the nearest year if none."""
    return FactorChoice(grid_factor(registry, year, CONSUMPTION_SERIES, region, nearest=True), year)


def electricity_related_co2(use_kwh: float, factor_t_per_mwh: float) -> float:
    """t CO₂ = electricity use (kWh) / 1000 (kWh per MWh) × grid factor (t CO₂/MWh)."""
    return electricity_co2(use_kwh / KWH_PER_MWH, factor_t_per_mwh)
