"""Flood regulation (洪水调蓄): vegetation, lakes, reservoirs and marshes.

Method notes §6.2.4. Vegetation (NDRC 2022): ``(P_h − R_h) × A``, ``R_h = β P_h``.
Lakes (eastern-plain regression, Rao et al. 2014): ``C = e^a × A^b × T`` in 10⁴ m³ with A in km².
Reservoirs: flood-control share × total capacity (白玛卓嘎 et al. 2017: 0.35).
Marshes: surface detention depth × area (白玛卓嘎 et al. 2017: 0.3 m). Valued at reservoir cost.
"""

from __future__ import annotations

import numpy as np


def vegetation_storage(storm_precipitation, storm_runoff_coefficient, area_m2):
    """Storm water held by vegetation and soil, m³/a (P_h mm/a on heavy-rain days, β 1)."""
    return np.maximum(storm_precipitation * (1.0 - storm_runoff_coefficient), 0.0) * 1e-3 * area_m2


def vegetation_storage_parts(storm_precipitation, storm_runoff_coefficient, area_m2):
    """``(P_h, −P_h)`` × area, m³/a: ``P_h + β × (−P_h)`` is ``vegetation_storage`` over the
    cells it does not clip (0 there; NaN where an input is NaN), for uncertainty draws."""
    depth_mm = storm_precipitation * (1.0 - storm_runoff_coefficient)
    counted = np.where(np.isnan(depth_mm), np.nan, np.where(depth_mm > 0, 1e-3 * area_m2, 0.0))
    return storm_precipitation * counted, -storm_precipitation * counted


def lake_storage(area_km2, log_intercept, exponent, exchange_times):
    """Lake flood-storage capacity from a regional area regression, m³/a.

    ``C = e^{log_intercept} × A^{exponent} × T`` gives 10⁴ m³; multiplied by 10⁴ here.
    """
    return np.exp(log_intercept) * np.power(area_km2, exponent) * exchange_times * 1e4


def reservoir_storage(total_capacity_m3, flood_share):
    """Flood-control storage of a reservoir, m³: share × total capacity."""
    return total_capacity_m3 * flood_share


def marsh_storage(area_m2, detention_depth_m):
    """Surface detention of a marsh, m³: depth × area."""
    return area_m2 * detention_depth_m
