"""Air purification (空气净化) and water purification (水质净化).

``Q_k = min(Σ_i q_ik × A_i, load_k)`` — removal capacity of each ecosystem capped by the load
actually emitted (method notes §5, §6.2.7–6.2.8; MEE/NDRC). Where no capacity table exists the
emitted load is counted as purified (白玛卓嘎 et al. 2017 practice), which the accounts flag.
"""

from __future__ import annotations

import numpy as np

POLLUTANTS = {  # item → (capacity parameter, load indicator capping it, fallback ecosystem)
    "air_purification_so2": ("so2_capacity", "so2_emission", "forest"),
    "air_purification_nox": ("nox_capacity", "nox_emission", "forest"),
    "air_purification_dust": ("dust_capacity", "dust_emission", "forest"),
    "water_purification_cod": ("cod_capacity", "cod_load", "wetland"),
    "water_purification_ammonia_nitrogen": ("ammonia_nitrogen_capacity", "ammonia_nitrogen_load",
                                            "wetland"),
    "water_purification_total_phosphorus": ("total_phosphorus_capacity", "total_phosphorus_load",
                                            "wetland"),
}


def removal_capacity(capacity_kg_per_ha, area_m2):
    """Pollutant an ecosystem cell can remove, kg/a (capacity kg·ha⁻¹·a⁻¹, area m²)."""
    return capacity_kg_per_ha * area_m2 * 1e-4


def capped(capacity, load):
    """Counted removal per unit: the capacity, capped by the load where the load is known.

    ``capacity`` and ``load`` are per-unit totals (kg/a); a NaN load leaves the capacity uncapped.
    """
    capacity = np.asarray(capacity, dtype=float)
    load = np.asarray(load, dtype=float)
    return np.where(np.isnan(load), capacity, np.minimum(capacity, load))
