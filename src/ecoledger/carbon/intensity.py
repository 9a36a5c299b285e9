"""Carbon intensity and progress against a five-year cumulative reduction target (methods notes §2.2).

``I_t = E_t / GDP_t`` (t CO₂ per 10⁴ yuan, GDP at constant base-year prices);
``ΔI_cum(t) = 1 − I_t / I_base``; ``progress = ΔI_cum / target``; the average annual rate still
needed over ``n`` remaining years ``r = 1 − [(1 − target) / (I_t / I_base)]^(1/n)``.
"""

from __future__ import annotations

YUAN_PER_10K = 1e4


def carbon_intensity(co2_t, gdp_yuan):
    """t CO₂ per 10⁴ yuan of GDP."""
    return co2_t / (gdp_yuan / YUAN_PER_10K)


def cumulative_reduction(intensity, base_intensity):
    """Fraction by which intensity fell since the base year (negative: it rose)."""
    return 1.0 - intensity / base_intensity


def target_path(base_intensity, target_reduction, years_elapsed, period_years=5):
    """Intensity on the constant-rate path that reaches ``target_reduction`` after ``period_years``.

    ``I_base × (1 − target)^(elapsed/period)``: the geometric path, −18 % over 5 years being about
    3.89 %/yr.
    """
    return base_intensity * (1.0 - target_reduction) ** (years_elapsed / period_years)


def required_annual_rate(intensity, base_intensity, target_reduction, years_left):
    """Average yearly intensity fall still needed to meet the target in ``years_left`` years."""
    return 1.0 - ((1.0 - target_reduction) / (intensity / base_intensity)) ** (1.0 / years_left)
