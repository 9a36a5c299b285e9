"""Carbon sequestration (固碳) and oxygen release (释氧), NEP route.

``NEP = NPP − R_h``; ``CO₂ = NEP × 44/12``; ``O₂ = CO₂ × 32/44`` — method notes §6.2.5–6.2.6
(Ouyang/RCEES practice, MEE 2020). NEP may be negative (a net source); it is kept, not clipped.
"""

from __future__ import annotations

import numpy as np

CO2_PER_C = 44.0 / 12.0
O2_PER_CO2 = 32.0 / 44.0


def carbon_sequestration(npp, heterotrophic_respiration, area_m2):
    """CO₂ fixed per cell, t CO₂/a (npp and respiration in gC·m⁻²·a⁻¹, area in m²)."""
    return (npp - heterotrophic_respiration) * area_m2 * 1e-6 * CO2_PER_C


def carbon_sequestration_parts(npp, heterotrophic_respiration, area_m2):
    """``(NPP, −R_h)`` as t CO₂/a: the terms whose sum is ``carbon_sequestration`` (for
    uncertainty draws, which scale each with its own layer)."""
    return (carbon_sequestration(npp, 0.0, area_m2),
            carbon_sequestration(0.0, heterotrophic_respiration, area_m2))


def oxygen_release(co2_t):
    """O₂ released, t O₂/a, from CO₂ fixed (t CO₂/a) by photosynthetic stoichiometry."""
    return co2_t * O2_PER_CO2


def heterotrophic_respiration_monthly(temperature_c, precipitation_mm):
    """Soil heterotrophic respiration for one month, gC·m⁻²·month⁻¹ (Pei Zhiyong et al. 2010).

    ``R_h = 0.22 × [exp(0.0912 T) + ln(0.3145 P + 1)] × 30 × 46.5 %`` with the month's mean
    temperature T (°C) and precipitation P (mm); sum twelve months for the year
    (jiangxi-parameters.md §8; coefficients not re-read from the original).
    """
    return 0.22 * (np.exp(0.0912 * temperature_c) + np.log(0.3145 * precipitation_mm + 1.0)) * 30 * 0.465
