"""Water conservation (水源涵养), water-balance method.

``Q = A × (P − R − ET) × 10⁻³``, ``R = α × P`` — method notes §6.2.1; 白玛卓嘎 et al. 2017
(生态学报 37(19):6302); 博文静 et al. 2017. Valued by the shadow project (reservoir cost per m³).
"""

from __future__ import annotations

import numpy as np


def water_conservation(precipitation, runoff_coefficient, actual_et, area_m2):
    """Water retained by an ecosystem over a year.

    Parameters
    ----------
    precipitation : array, mm/a
    runoff_coefficient : array, 1 (surface-runoff share of precipitation, α)
    actual_et : array, mm/a
    area_m2 : float or array, m² of the cell

    Returns
    -------
    array, m³/a; cells where P − R − ET < 0 give 0 (MEE practice), NaN where an input is NaN.
    """
    depth_mm = precipitation * (1.0 - runoff_coefficient) - actual_et
    return np.maximum(depth_mm, 0.0) * 1e-3 * area_m2
