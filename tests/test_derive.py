"""Derivation functions of the Jiangxi pack against hand-computed answers, plus edge cases."""

import inspect
import math

import numpy as np
import pytest

from ecoledger.packs import derive

# Nanchang 58606 monthly normals, rounded to 0.1, typed from
# /work/shared/data/jiangxi/climate_normals/nanchang_58606_monthly_normals_tr055_wide.csv
# (columns mean.temp, tot.precip, mean.max.temp, mean.min.temp).
NANCHANG_T = [5.0, 6.6, 10.8, 17.1, 21.9, 25.8, 29.2, 29.2, 24.6, 19.0, 13.2, 7.2]
NANCHANG_P = [58.3, 108.9, 162.2, 232.2, 277.2, 280.9, 135.1, 115.6, 76.5, 58.7, 64.5, 49.0]
NANCHANG_TMAX = [9.0, 10.1, 14.8, 21.4, 25.8, 29.7, 34.1, 33.6, 29.0, 23.5, 17.1, 11.4]
NANCHANG_TMIN = [2.2, 3.2, 7.8, 14.1, 19.0, 22.7, 25.9, 25.6, 21.9, 15.8, 9.4, 4.1]
NANCHANG_LAT = 28.6


def test_every_function_has_english_and_chinese_method_text():
    public = {
        name
        for name, f in inspect.getmembers(derive, inspect.isfunction)
        if f.__module__ == derive.__name__ and not name.startswith("_")
    }
    assert set(derive.METHODS) == set(derive.METHODS_ZH) == public
    for name in public:
        assert derive.METHODS[name] in getattr(derive, name).__doc__
        assert derive.METHODS_ZH[name].strip()


def test_lapse_rate_temperature():
    # Nanchang 17.6 °C at 47 m → Lushan 1165 m: 17.6 − 0.006 × 1118 = 17.6 − 6.708 = 10.892 °C
    assert derive.lapse_rate_temperature(17.6, 47.0, 1165.0) == pytest.approx(10.892)
    t = derive.lapse_rate_temperature(17.6, 47.0, np.array([47.0, np.nan, -53.0]))
    assert t[0] == 17.6 and np.isnan(t[1]) and t[2] == pytest.approx(18.2)  # below the station: warmer


def test_hot_days_hand_computed():
    # every month at the threshold: half of all days, 365 / 2 = 182.5
    assert derive.hot_days_from_monthly_tmax(np.full(12, 26.0)) == pytest.approx(182.5)
    # only July (31 d) hot, 29 °C = threshold + 1σ: 31 × Φ(1) = 31 × 0.841345 = 26.0817
    tmax = np.full(12, -50.0)
    tmax[6] = 29.0
    assert derive.hot_days_from_monthly_tmax(tmax) == pytest.approx(26.0817, abs=1e-4)


def test_hot_days_grid_nan_and_bounds():
    grid = np.stack([np.full((2, 2), 40.0)] * 12)
    grid[3, 1, 1] = np.nan
    days = derive.hot_days_from_monthly_tmax(grid)
    assert days.shape == (2, 2)
    # 40 °C is 4.67σ above the threshold: 365 × Φ(4.67) = 364.9994; a NaN month gives NaN
    assert days[0, 0] == pytest.approx(365.0, abs=1e-3) and np.isnan(days[1, 1])
    assert 100 < derive.hot_days_from_monthly_tmax(NANCHANG_TMAX) < 200
    with pytest.raises(ValueError, match="sigma"):
        derive.hot_days_from_monthly_tmax(NANCHANG_TMAX, sigma_c=0.0)
    with pytest.raises(ValueError, match="12 months"):
        derive.hot_days_from_monthly_tmax(np.zeros(11))


def test_extraterrestrial_radiation_hand_computed():
    # Equator, March: J = int(30.4·3 − 15) = 76; 2πJ/365 = 1.30828; d_r = 1 + 0.033·cos(1.30828) = 1.008564;
    # δ = 0.409·sin(1.30828 − 1.39) = −0.033386; φ = 0 → ω_s = π/2, so
    # Ra = (1440/π)·0.0820·d_r·cosδ = 37.58603 × 1.008564 × 0.999443 = 37.8869 (FAO-56 Table 2.6: 37.9)
    ra = derive.extraterrestrial_radiation_monthly(0.0)
    assert ra.shape == (12,)
    assert ra[2] == pytest.approx(37.8869, abs=1e-3)
    nanchang = derive.extraterrestrial_radiation_monthly(NANCHANG_LAT)
    assert nanchang[6] > nanchang[0]  # July above January in the north


def test_extraterrestrial_radiation_polar_night_and_nan():
    ra = derive.extraterrestrial_radiation_monthly(np.array([80.0, np.nan]))
    assert ra.shape == (12, 2)
    assert ra[11, 0] == pytest.approx(0.0, abs=1e-12)  # December at 80° N: sun never rises
    assert np.isnan(ra[:, 1]).all()


def test_hargreaves_pet_hand_computed():
    # 0.0023 × 0.408 × 30 × (20 + 17.8) × √(25 − 15) = 0.028152 × 37.8 × 3.162278 = 3.36512 mm/d
    assert derive.hargreaves_pet(20.0, 25.0, 15.0, 30.0) == pytest.approx(3.36512, abs=1e-5)
    tmean, tmax, tmin = np.array([20.0, np.nan]), np.array([15.0, 25.0]), np.array([18.0, 15.0])
    pet = derive.hargreaves_pet(tmean, tmax, tmin, 30.0)
    assert pet[0] == 0.0 and np.isnan(pet[1])  # inverted diurnal range → 0; NaN stays NaN


def test_annual_pet_hargreaves():
    # constant months: Σ_m days_m × hargreaves_pet(20, 25, 15, Ra_m)
    ra = derive.extraterrestrial_radiation_monthly(NANCHANG_LAT)
    expected = sum(
        d * 0.0023 * 0.408 * r * 37.8 * math.sqrt(10.0) for d, r in zip(derive.DAYS_IN_MONTH, ra, strict=True)
    )
    flat = np.full(12, 20.0)
    assert derive.annual_pet_hargreaves(flat, flat + 5, flat - 5, NANCHANG_LAT) == pytest.approx(expected)
    # Nanchang normals: inside the 950–1 150 mm PET range of jiangxi-parameters §6
    assert 950 < derive.annual_pet_hargreaves(NANCHANG_T, NANCHANG_TMAX, NANCHANG_TMIN, NANCHANG_LAT) < 1150
    # one climate on a latitude grid, one NaN latitude
    grid = derive.annual_pet_hargreaves(flat, flat + 5, flat - 5, np.array([[NANCHANG_LAT, np.nan]]))
    assert grid.shape == (1, 2) and grid[0, 0] == pytest.approx(expected) and np.isnan(grid[0, 1])


def test_fu_actual_et_hand_computed_and_edges():
    # P = PET = 1000, ω = 2: 1000 × (1 + 1 − 2^0.5) = 1000 × 0.585786 = 585.786 mm
    assert derive.fu_actual_et(1000.0, 1000.0, 2.0) == pytest.approx(585.786, abs=1e-3)
    p, pet = np.array([0.0, 1600.0, np.nan, 1e5]), np.array([1000.0, 0.0, 1000.0, 1000.0])
    et = derive.fu_actual_et(p, pet, 2.0)
    assert et[0] == 0.0 and et[1] == 0.0 and np.isnan(et[2])  # zero rain, zero PET, NaN
    # very wet: 101 000 − √(10¹⁰ + 10⁶) = 101 000 − 100 004.99999 = 995.0 mm, approaching PET from below
    assert et[3] == pytest.approx(995.0, abs=1e-3)


def test_fit_fu_omega():
    assert derive.fit_fu_omega(1000.0, 1000 * (2 - math.sqrt(2)), 1000.0) == pytest.approx(2.0, abs=1e-8)
    # Gan basin: P 1546, ET 704, PET 1050 → ω within the derived 1.82–2.09 (jiangxi-parameters §6)
    assert 1.82 < derive.fit_fu_omega(1546.0, 704.0, 1050.0) < 2.09
    with pytest.raises(ValueError, match="below both PET"):
        derive.fit_fu_omega(1546.0, 1100.0, 1050.0)
    with pytest.raises(ValueError, match="below both PET"):
        derive.fit_fu_omega(800.0, 900.0, 1050.0)
    with pytest.raises(ValueError, match="finite"):
        derive.fit_fu_omega(np.nan, 700.0, 1050.0)


def test_rainfall_erosivity_and_rescale():
    # 0.0534 × 1600^1.6548 = 0.0534 × exp(1.6548 × 7.377759) = 0.0534 × 200 529.3 = 10 708.3
    assert derive.rainfall_erosivity_annual(1600.0) == pytest.approx(10_708.3, abs=0.1)
    r = derive.rainfall_erosivity_annual(np.array([0.0, np.nan]))
    assert r[0] == 0.0 and np.isnan(r[1])
    # mean of finite values (10 000 + 20 000)/2 = 15 000 → factor 9 537.9 / 15 000 = 0.63586
    scaled = derive.rescale_to_mean(np.array([10_000.0, 20_000.0, np.nan]), 9537.9)
    assert scaled[:2] == pytest.approx([6358.6, 12_717.2]) and np.isnan(scaled[2])
    # weighted mean (1 × 3 + 2 × 1)/4 = 1.25 → factor 10/1.25 = 8
    assert derive.rescale_to_mean([2.0, 1.0], 10.0, weights=[1.0, 3.0]) == pytest.approx([16.0, 8.0])
    with pytest.raises(ValueError, match="cannot rescale"):
        derive.rescale_to_mean([0.0, 0.0], 9537.9)


def test_fractional_vegetation_cover_and_endmembers():
    # (0.5 − 0.1)/(0.9 − 0.1) = 0.5; outside the endmembers → clipped to 0 and 1
    fvc = derive.fractional_vegetation_cover(np.array([0.5, 0.0, 0.95, np.nan]), 0.1, 0.9)
    assert fvc[:3] == pytest.approx([0.5, 0.0, 1.0]) and np.isnan(fvc[3])
    with pytest.raises(ValueError, match="must exceed"):
        derive.fractional_vegetation_cover(0.5, 0.9, 0.1)
    # 0, 0.01, …, 1.00 with NaN: 5th and 95th percentiles (linear) are 0.05 and 0.95
    ndvi = np.append(np.linspace(0.0, 1.0, 101), np.nan)
    assert derive.ndvi_endmembers(ndvi) == pytest.approx((0.05, 0.95))
    with pytest.raises(ValueError, match="no finite"):
        derive.ndvi_endmembers([np.nan, np.nan])


def test_cover_management_cai2000():
    # c = 50 %: 0.6508 − 0.3436 × log10(50) = 0.6508 − 0.3436 × 1.698970 = 0.6508 − 0.583766 = 0.067034
    # c = 10 %: 0.6508 − 0.3436 × 1 = 0.3072
    c = derive.cover_management_cai2000(np.array([0.5, 0.1, 0.0, 0.783, 0.9, 0.0005, np.nan]))
    assert c[:5] == pytest.approx([0.067034, 0.3072, 1.0, 0.0, 0.0], abs=1e-6)
    assert c[5] == 1.0  # 0.05 %: formula gives 1.098, capped at 1
    assert np.isnan(c[6])
    # continuity at 78.3 %: 0.6508 − 0.3436 × log10(78.3) = 0.6508 − 0.3436 × 1.893762 = 0.000103 ≈ 0
    assert derive.cover_management_cai2000(0.78299999) == pytest.approx(0.0001, abs=5e-5)


def test_miami_npp_and_carbon_nanchang_check():
    # NPP_T = 3000/(1 + exp(1.315 − 0.119 × 18)) = 3000/(1 + 0.437359) = 2087.2
    # NPP_P = 3000 × (1 − exp(−0.000664 × 1600)) = 3000 × (1 − 0.345625) = 1963.1 → precipitation-limited
    npp = derive.miami_npp(18.0, 1600.0)
    assert npp == pytest.approx(1963.1, abs=0.1)
    assert derive.dry_matter_to_carbon(npp) == pytest.approx(883.4, abs=0.1)  # × 0.45, ≈ 880 gC (§8)
    edge = derive.miami_npp(np.array([18.0, np.nan]), np.array([0.0, 1600.0]))
    assert edge[0] == 0.0 and np.isnan(edge[1])  # zero rain → no NPP; NaN stays NaN


def test_heterotrophic_respiration_annual_nanchang():
    # jiangxi-parameters §8: monthly Pei model on the Nanchang normals ≈ 380 gC m⁻² a⁻¹ (derived); ±10 %
    rh = derive.heterotrophic_respiration_annual(NANCHANG_T, NANCHANG_P)
    assert rh == pytest.approx(380.0, rel=0.10)
    # zero rain, 0 °C every month: 12 × 0.22 × (1 + 0) × 30 × 0.465 = 36.828
    assert derive.heterotrophic_respiration_annual(np.zeros(12), np.zeros(12)) == pytest.approx(36.828)
    grid = np.stack([np.array([0.0, np.nan])] * 12)
    assert np.isnan(derive.heterotrophic_respiration_annual(grid, grid)[1])


def test_distribute_annual_by_normals():
    # normals 1..12 sum to 78: January gets 1200 × 1/78 = 15.3846, December 1200 × 12/78 = 184.615
    months = derive.distribute_annual_by_normals(1200.0, np.arange(1.0, 13.0))
    assert months[0] == pytest.approx(15.3846, abs=1e-4) and months[11] == pytest.approx(184.615, abs=1e-3)
    assert months.sum() == pytest.approx(1200.0)
    grid = derive.distribute_annual_by_normals(np.array([1200.0, 0.0, np.nan]), NANCHANG_P)
    assert grid.shape == (12, 3)
    assert grid[:, 0].sum() == pytest.approx(1200.0)
    assert (grid[:, 1] == 0).all() and np.isnan(grid[:, 2]).all()  # zero rain; NaN
    assert np.isnan(derive.distribute_annual_by_normals(100.0, np.zeros(12))).all()  # no basis to split


def test_transpiration_from_et():
    # 700 mm × 0.61 = 427 mm
    t = derive.transpiration_from_et(np.array([700.0, 0.0, np.nan]))
    assert t[0] == pytest.approx(427.0) and t[1] == 0.0 and np.isnan(t[2])
    with pytest.raises(ValueError, match="ratio"):
        derive.transpiration_from_et(700.0, ratio=1.5)
