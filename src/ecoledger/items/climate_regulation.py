"""Climate regulation (气候调节): cooling by transpiration and by water-surface evaporation.

Energy the ecosystem spends evaporating water on hot days (daily maximum > 26 °C), priced as the
electricity an air conditioner (energy-efficiency ratio r) would use for the same cooling, plus
the electricity a humidifier would use where humidification is credited — method notes §6.2.9;
博文静 et al. 2017; Youyang platform defaults. Transpiration and evaporation on hot days are
taken as the annual totals × hot days / 365 (a uniform-rate assumption that understates summer
transpiration; stated in every report).
"""

from __future__ import annotations

WATER_DENSITY_KG_M3 = 1000.0
KJ_PER_KWH = 3600.0


def hot_day_water_m3(annual_mm, hot_days, area_m2):
    """Water evaporated or transpired on hot days, m³ (annual mm/a, hot days d/a, area m²)."""
    return annual_mm * (hot_days / 365.0) * 1e-3 * area_m2


def cooling_energy(water_m3, latent_heat_kj_per_kg, efficiency_ratio):
    """Electricity an air conditioner would need for the same cooling, kWh.

    ``E = W × ρ × λ / 3600 / r`` with W m³, ρ 1000 kg/m³, λ kJ/kg, r (1).
    """
    return water_m3 * WATER_DENSITY_KG_M3 * latent_heat_kj_per_kg / KJ_PER_KWH / efficiency_ratio


def humidifying_energy(water_m3, humidifier_kwh_per_m3):
    """Electricity a humidifier would need to evaporate the same water, kWh."""
    return water_m3 * humidifier_kwh_per_m3
