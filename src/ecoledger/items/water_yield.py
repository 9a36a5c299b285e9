"""Annual water yield (产水量), exactly as InVEST 3.20 Annual Water Yield (``fractp_op``).

Budyko curve in the one-parameter form of Zhang et al. (2004) as used by InVEST::

    AET/P = 1 + PET/P − (1 + (PET/P)^ω)^(1/ω),   ω = Z · AWC / P + 1.25 (capped at 5)
    Y = (1 − AET/P) · P

with ``PET = Kc · ET0`` and the plant-available water content ``AWC = min(root depth,
restricting-layer depth) · PAWC`` (mm). For vegetated classes AET/P is capped at the dryness
index PET/P (Donohue, Roderick & McVicar 2012: ω = Z · AWC / P + 1.25, the 1.25 being the
bare-soil minimum); for non-vegetated classes (``lulc_veg = 0``: wetlands, water, built-up)
``AET = min(Kc · ET0, P)``.

Zhang, L., Hickel, K., Dawes, W.R., Chiew, F.H.S., Western, A.W., Briggs, P.R. 2004, "A rational
function approach for estimating mean annual evapotranspiration", Water Resources Research 40,
W02502; Donohue, R.J., Roderick, M.L., McVicar, T.R. 2012, "Roots, storms and soil pores:
incorporating key ecohydrological processes into Budyko's hydrological model", Journal of
Hydrology 436–437, 35–50; Sharp, R. et al., InVEST User's Guide, "Annual Water Yield".
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def water_yield_cell(precipitation, et0, kc, root_depth, awc, restricting_depth, seasonality_z, vegetated):
    """(water yield, AET) of one cell in mm, NaN where InVEST writes nodata.

    InVEST treats a cell as nodata when any input is nodata **or precipitation is 0** (the
    fractions are undefined there); this function returns NaN in the same cases.
    """
    p = precipitation
    if p == 0 or np.isnan(p) or np.isnan(et0) or np.isnan(kc) or np.isnan(awc) or np.isnan(restricting_depth):
        return np.nan, np.nan
    pet = kc * et0
    if vegetated:
        if np.isnan(root_depth):
            return np.nan, np.nan
        awc_mm = (root_depth if root_depth < restricting_depth else restricting_depth) * awc
        omega = min(awc_mm / p * seasonality_z + 1.25, 5.0)
        aet_p = 1 + pet / p - (1 + (pet / p) ** omega) ** (1 / omega)
        fraction = pet / p if pet / p < aet_p else aet_p
    else:
        fraction = (p if p < pet else pet) / p
    return (1 - fraction) * p, fraction * p


@njit(cache=True, parallel=True)
def _water_yield_kernel(p, et0, kc, root, awc, depth, z, veg, wy, aet):
    for i in prange(p.size):
        wy[i], aet[i] = water_yield_cell(p[i], et0[i], kc[i], root[i], awc[i], depth[i], z, veg[i])


def water_yield(
    precipitation_mm,
    et0_mm,
    kc,
    root_depth_mm,
    awc,
    root_restricting_layer_depth_mm,
    seasonality_z: float,
    vegetated,
) -> tuple[np.ndarray, np.ndarray]:
    """Annual water yield and actual evapotranspiration per cell (InVEST AWY).

    Args:
        precipitation_mm: annual precipitation P (mm/a); NaN = nodata; 0 gives NaN like InVEST.
        et0_mm: reference evapotranspiration ET0 (mm/a).
        kc: crop coefficient Kc of the cell's land cover (1).
        root_depth_mm: maximum root depth of the land cover (mm); used for vegetated cells only.
        awc: plant-available water content PAWC (fraction 0–1 of soil volume).
        root_restricting_layer_depth_mm: depth to the root-restricting layer (mm).
        seasonality_z: Zhang coefficient Z (1), typically 1–30.
        vegetated: InVEST ``lulc_veg`` (1/True = vegetated, 0/False = not).

    All array arguments broadcast against each other.

    Returns:
        ``(water_yield_mm, aet_mm)``, float64 arrays (mm/a), NaN where InVEST writes nodata.
    """
    arrays = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (precipitation_mm, et0_mm, kc, root_depth_mm, awc, root_restricting_layer_depth_mm)
        ),
        np.asarray(vegetated, dtype=np.bool_),
    )
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    wy = np.empty(flat[0].size)
    aet = np.empty(flat[0].size)
    _water_yield_kernel(*flat[:6], float(seasonality_z), flat[6], wy, aet)
    return wy.reshape(shape), aet.reshape(shape)
