"""InVEST Annual Water Yield per cell (ecoledger.items.water_yield) and carbon stock per cell."""

from __future__ import annotations

import numpy as np
import pytest

from ecoledger.items.carbon_stock import carbon_stock
from ecoledger.items.water_yield import water_yield


def test_vegetated_cell_by_hand():
    # P = 1000 mm, PET = Kc·ET0 = 800 mm, AWC = min(2000, 1000) mm × 0.2 = 200 mm, Z = 5:
    # ω = 200 / 1000 × 5 + 1.25 = 2.25; AET/P = 1 + 0.8 − (1 + 0.8^2.25)^(1/2.25) = 0.565886045
    wy, aet = water_yield(1000.0, 800.0, 1.0, 2000.0, 0.2, 1000.0, 5.0, True)
    assert aet == pytest.approx(565.8860452628, rel=1e-12)
    assert wy == pytest.approx(434.1139547372, rel=1e-12)


def test_omega_is_capped_at_5():
    # ω = 500 / 100 × 5 + 1.25 = 26.25 → 5; AET/P = 1.5 − (1 + 0.5^5)^(1/5) = 0.493826691
    wy, aet = water_yield(100.0, 50.0, 1.0, 1000.0, 0.5, 1000.0, 5.0, True)
    assert aet == pytest.approx(49.38266914572, rel=1e-12)
    assert wy == pytest.approx(50.61733085428, rel=1e-12)


def test_non_vegetated_aet_is_min_of_pet_and_rain_and_ignores_roots():
    # PET = 1.05 × 800 = 840 mm: below P = 1000 (AET = 840), above P = 500 (AET = P, no yield)
    wy, aet = water_yield([1000.0, 500.0], 800.0, 1.05, np.nan, 0.2, 1000.0, 5.0, False)
    np.testing.assert_allclose(aet, [840.0, 500.0], rtol=1e-12)
    np.testing.assert_allclose(wy, [160.0, 0.0], rtol=1e-12, atol=1e-9)


def test_zero_rain_and_nodata_are_nodata_like_invest():
    p = np.array([0.0, np.nan, 1000.0, 1000.0, 1000.0])
    et0 = np.array([800.0, 800.0, np.nan, 800.0, 800.0])
    awc = np.array([0.2, 0.2, 0.2, np.nan, 0.2])
    depth = np.array([1000.0, 1000.0, 1000.0, 1000.0, np.nan])
    for vegetated in (True, False):
        wy, aet = water_yield(p, et0, 1.0, 2000.0, awc, depth, 5.0, vegetated)
        assert np.isnan(wy).all() and np.isnan(aet).all()


def test_water_balance_and_broadcasting():
    rng = np.random.default_rng(0)
    p = rng.uniform(200, 2500, (30, 40))
    vegetated = rng.random((30, 40)) < 0.7
    wy, aet = water_yield(p, rng.uniform(500, 1400, (30, 40)), 0.9, 1500.0, 0.15, 800.0, 10.0, vegetated)
    assert wy.shape == (30, 40)
    np.testing.assert_allclose(wy + aet, p, rtol=1e-12)
    assert (wy >= 0).all() and (aet >= 0).all()


def test_carbon_stock_sums_pools_times_hectares():
    # 30 m cells = 0.09 ha: (120 + 30 + 80 + 5) Mg C/ha × 0.09 ha = 21.15 Mg C
    assert carbon_stock(120.0, 30.0, 80.0, 5.0, 0.09) == pytest.approx(21.15, rel=1e-12)
    np.testing.assert_allclose(
        carbon_stock(np.array([1.0, 0.0]), np.array([2.0, 0.0]), 3.0, 4.0, 2.0), [20.0, 14.0]
    )
