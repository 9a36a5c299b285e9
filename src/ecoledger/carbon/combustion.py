"""CO₂ from fuel combustion, grid electricity and industrial processes (methods notes §2.2).

2006 IPCC Guidelines Vol. 2 ch. 2 (Tier 2) with the default net calorific values, carbon contents
and oxidation rates of the Chinese GHG accounting guidelines (registry ``fuel.*``).
"""

from __future__ import annotations

CO2_PER_C = 44.0 / 12.0  # molar mass ratio CO₂/C


def fuel_emission_factor(ncv, carbon_content, oxidation_rate):
    """t CO₂ per physical unit of fuel: ``NCV × CC × OF × 44/12``.

    ncv: net calorific value (GJ/t, or GJ/10⁴ Nm³ for gases); carbon_content: tC/GJ;
    oxidation_rate: fraction (0–1). The unit of the result follows the NCV's (per t or per 10⁴ Nm³).
    """
    return ncv * carbon_content * oxidation_rate * CO2_PER_C


def fuel_combustion_co2(activity, ncv, carbon_content, oxidation_rate):
    """t CO₂ from burning ``activity`` (t, or 10⁴ Nm³ for gases): ``AD × NCV × CC × OF × 44/12``."""
    return activity * fuel_emission_factor(ncv, carbon_content, oxidation_rate)


def electricity_co2(mwh, grid_factor):
    """t CO₂ attributed to ``mwh`` of grid electricity at ``grid_factor`` (t CO₂/MWh = kg/kWh).

    Negative ``mwh`` (a net export) gives a negative adjustment, as the transfer-adjusted view wants.
    """
    return mwh * grid_factor


def process_co2(activity, emission_factor):
    """t CO₂ from an industrial process: ``AD × EF`` (activity in t, EF in t CO₂/t)."""
    return activity * emission_factor
