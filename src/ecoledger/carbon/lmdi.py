"""LMDI-I additive decomposition of a change in emissions (Ang 2004, 2015).

With ``E = Σ_k Π_j X_jk`` over sub-categories k (sectors × fuels) and factors j (scale,
structure, intensity, mix, emission factor), the effect of factor j is
``ΔE_j = Σ_k L(E_k^T, E_k^0) · ln(X_jk^T / X_jk^0)`` with the logarithmic mean
``L(a, b) = (a − b)/(ln a − ln b)`` (``L(a, a) = a``). The effects sum to ``E^T − E^0`` exactly.
"""

from __future__ import annotations

import numpy as np

from ecoledger.carbon.errors import CarbonError


def logarithmic_mean(a, b):
    """``(a − b)/(ln a − ln b)``, and ``a`` where a == b; a, b > 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    same = np.isclose(a, b, rtol=1e-12, atol=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (a - b) / (np.log(a) - np.log(b))
    return np.where(same, a, mean)


def lmdi_additive(factors_0: dict[str, np.ndarray], factors_t: dict[str, np.ndarray]) -> dict[str, float]:
    """Effect of each factor (same unit as E) from the factor arrays of the two years.

    factors_0/factors_t: factor name → array over the sub-categories k (one value per k for every
    factor; a scale factor such as total GDP repeats its value). Zero or negative values have no
    logarithm: merge or drop that sub-category first (the error says which).
    """
    if list(factors_0) != list(factors_t):
        raise CarbonError(
            "LMDI: the two years name different factors → fix: give the same factors in "
            "the same order for both years"
        )
    x0 = np.array([np.asarray(v, dtype=float) for v in factors_0.values()])
    xt = np.array([np.asarray(v, dtype=float) for v in factors_t.values()])
    if (x0 <= 0).any() or (xt <= 0).any():
        bad = [name for name, a, b in zip(factors_0, x0, xt, strict=True) if (a <= 0).any() or (b <= 0).any()]
        raise CarbonError(
            f"LMDI: factor(s) {', '.join(bad)} hold zero or negative values → fix: drop or "
            "merge the sub-categories where a factor is zero"
        )
    weight = logarithmic_mean(xt.prod(axis=0), x0.prod(axis=0))
    return {name: float((weight * np.log(b / a)).sum()) for name, a, b in zip(factors_0, x0, xt, strict=True)}


def kaya_factors(gdp_by_sector, energy_by_sector_fuel, co2_by_sector_fuel) -> dict[str, np.ndarray]:
    """Scale, structure, intensity, energy mix and emission-factor arrays over (sector, fuel) cells.

    gdp_by_sector: (S,) value added, 10⁴ yuan; energy_by_sector_fuel and co2_by_sector_fuel: (S, F)
    energy (tce or GJ) and t CO₂. ``E_sf = GDP × (GDP_s/GDP) × (En_s/GDP_s) × (En_sf/En_s) × (E_sf/En_sf)``.
    Every cell must use energy in both years (``lmdi_additive`` names a factor that is zero).
    """
    gdp_s = np.asarray(gdp_by_sector, dtype=float)
    energy = np.asarray(energy_by_sector_fuel, dtype=float)
    co2 = np.asarray(co2_by_sector_fuel, dtype=float)
    energy_s = energy.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = {
            "scale": np.full(energy.shape, gdp_s.sum()),
            "structure": np.broadcast_to((gdp_s / gdp_s.sum())[:, None], energy.shape),
            "intensity": np.broadcast_to(energy_s / gdp_s[:, None], energy.shape),
            "energy_mix": energy / energy_s,
            "emission_factor": np.where(energy > 0, co2 / energy, 0.0),
        }
    return {name: np.asarray(values).ravel() for name, values in cells.items()}
