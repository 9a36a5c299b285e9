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


def water_conservation_parts(precipitation, runoff_coefficient, actual_et, area_m2):
    """The water-balance terms ``water_conservation`` adds up, m³/a: ``(P, −P, −ET)`` × area.

    The second term is per unit of the runoff coefficient: ``P + α × (−P) − ET`` is the
    quantity. Each term is over the cells whose balance is positive (0 on the cells clipped to
    0, NaN where an input is NaN). Each is linear in one input, which is how the uncertainty
    propagation re-weights them per draw without re-reading rasters.
    """
    depth_mm = precipitation * (1.0 - runoff_coefficient) - actual_et
    counted = np.where(np.isnan(depth_mm), np.nan, np.where(depth_mm > 0, 1e-3 * area_m2, 0.0))
    return precipitation * counted, -precipitation * counted, -actual_et * counted
