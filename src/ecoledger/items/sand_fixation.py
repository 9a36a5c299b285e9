"""Windbreak and sand fixation (防风固沙), RWEQ.

Sand fixed = potential − actual wind erosion (method notes §6.2.3; Fryrear et al. 1998 RWEQ as
used in Chinese GEP work): ``S_L = (2z/s²) Q_max e^{−(z/s)²}``, ``Q_max = 109.8 (WF·EF·SCF·K'·C)``,
``s = 150.71 (WF·EF·SCF·K'·C)^{−0.3711}``; the potential takes C = 1. Valued as the sand-control
cost of covering the sand: ``Q / (ρ h) × c``.
"""

from __future__ import annotations

import numpy as np


def wind_erosion(weather, erodible, crust, roughness, vegetation, downwind_m):
    """Wind erosion, kg/m²/a, for RWEQ factors (WF kg/m; EF, SCF, K', C unitless)."""
    product = weather * erodible * crust * roughness * vegetation
    with np.errstate(divide="ignore", invalid="ignore"):
        q_max = 109.8 * product
        s = 150.71 * np.power(product, -0.3711)
        loss = 2.0 * downwind_m / s**2 * q_max * np.exp(-((downwind_m / s) ** 2))
    return np.where(product > 0, loss, 0.0)


def sand_fixed_t(weather, erodible, crust, roughness, vegetation, downwind_m, area_m2):
    """Sand fixed by vegetation per cell, t/a."""
    potential = wind_erosion(weather, erodible, crust, roughness, 1.0, downwind_m)
    actual = wind_erosion(weather, erodible, crust, roughness, vegetation, downwind_m)
    return np.maximum(potential - actual, 0.0) * area_m2 * 1e-3


def sand_control_price(bulk_density, cover_depth_m, cost_per_m2):
    """Value of one tonne of fixed sand, 元/t: ``c / (ρ h)`` (ρ t/m³, h m, c 元/m²)."""
    return cost_per_m2 / (bulk_density * cover_depth_m)
