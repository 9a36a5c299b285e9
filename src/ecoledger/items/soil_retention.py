"""Soil retention (土壤保持): RUSLE retained soil and its two value components.

``A_c = R × K × LS × (1 − C × P)`` (t·ha⁻¹·a⁻¹) — method notes §6.2.2; Wischmeier & Smith 1978;
Renard et al. 1997; 白玛卓嘎 et al. 2017. Valued as reduced sedimentation
``λ × Q / ρ`` (m³ × dredging cost) and reduced non-point pollution ``Q × N%`` and ``Q × P%``
(t × treatment cost).
"""

from __future__ import annotations

import numpy as np


def soil_retained(erosivity, erodibility, ls, cover, practice, area_m2):
    """Soil retained per cell, t/a.

    erosivity R (MJ·mm·ha⁻¹·h⁻¹·a⁻¹), erodibility K (t·ha·h·ha⁻¹·MJ⁻¹·mm⁻¹), ls LS (1),
    cover C (1), practice P (1), area_m2 (m²). 1 ha = 10⁴ m².
    """
    per_ha = erosivity * erodibility * ls * (1.0 - cover * practice)
    return np.maximum(per_ha, 0.0) * area_m2 * 1e-4


def sediment_volume(retained_t, deposition_ratio, bulk_density):
    """Reservoir sediment avoided, m³/a: ``λ × Q / ρ`` (Q t/a, λ 1, ρ t/m³)."""
    return deposition_ratio * retained_t / bulk_density


def nutrient_mass(retained_t, content_percent):
    """Nutrient (N or P) kept out of water, t/a: ``Q × content / 100`` (content in mass %)."""
    return retained_t * content_percent * 1e-2
