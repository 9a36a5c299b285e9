"""Carbon stock (碳储量), as InVEST 3.20 Carbon Storage and Sequestration (baseline storage).

Each land-cover class carries four pool densities (Mg C/ha = t C/ha): aboveground biomass
``c_above``, belowground biomass ``c_below``, soil ``c_soil`` and dead organic matter ``c_dead``.
A cell stores ``(c_above + c_below + c_soil + c_dead) × cell area (ha)``. InVEST writes the
density sum per cell (``c_storage_bas.tif``, Mg C/ha) and reports the total as Σ density × cell
area (m²) / 10⁴, which is the sum of this function's per-cell stock.

Sharp, R. et al., InVEST User's Guide, "Carbon Storage and Sequestration"; IPCC 2006 Guidelines
for National Greenhouse Gas Inventories, Vol. 4, ch. 2 (the four pools).
"""

from __future__ import annotations

import numpy as np


def carbon_stock(c_above, c_below, c_soil, c_dead, cell_area_ha):
    """Carbon stored per cell, Mg C (= t C).

    c_above, c_below, c_soil, c_dead: pool densities (Mg C/ha), per class or per cell (arrays
    broadcast); cell_area_ha: cell area (ha; 1 ha = 10⁴ m²). NaN in any pool gives NaN.
    """
    return (np.asarray(c_above, dtype=np.float64) + c_below + c_soil + c_dead) * cell_area_ha
