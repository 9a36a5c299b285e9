"""Each formula against a hand-computed answer, plus its edge cases (zero rain, all water, NaN)."""

import numpy as np
import pytest

from ecoledger.items import (
    carbon,
    climate_regulation,
    flood_regulation,
    purification,
    sand_fixation,
    soil_retention,
    water_conservation,
)

CELL = 1_000_000.0  # a 1 km cell, m²


def test_water_conservation_hand_computed():
    # P = 1600 mm, α = 0.0267, ET = 750 mm: 1600 − 42.72 − 750 = 807.28 mm over 1 km² = 807 280 m³
    q = water_conservation.water_conservation(np.array([1600.0]), 0.0267, np.array([750.0]), CELL)
    assert q[0] == pytest.approx(807_280.0)


def test_water_conservation_edge_cases():
    precipitation = np.array([0.0, 500.0, np.nan])
    q = water_conservation.water_conservation(precipitation, 0.05, np.array([0.0, 800.0, 700.0]), CELL)
    assert q[0] == 0.0  # zero rain, zero ET
    assert q[1] == 0.0  # ET > P: clipped to zero, never negative
    assert np.isnan(q[2])  # a nodata hole stays unknown


def test_soil_retained_hand_computed():
    # R 9500, K 0.03, LS 2, C 0.1, P 1: 9500·0.03·2·(1 − 0.1) = 513 t/ha; 100 ha → 51 300 t
    q = soil_retention.soil_retained(9500.0, 0.03, 2.0, 0.1, 1.0, CELL)
    assert q == pytest.approx(51_300.0)
    # C = P = 1 means no protection: zero retention (method notes §10)
    assert soil_retention.soil_retained(9500.0, 0.03, 2.0, 1.0, 1.0, CELL) == 0.0


def test_soil_retention_value_components():
    # Ganzi 2017: 38.86 亿 t × 0.24 / 0.93 t/m³ = 10.03 亿 m³
    assert soil_retention.sediment_volume(38.86e8, 0.24, 0.93) / 1e8 == pytest.approx(10.03, abs=0.005)
    assert soil_retention.nutrient_mass(1000.0, 0.1) == pytest.approx(1.0)  # 0.1 % of 1000 t


def test_flood_regulation_hand_computed():
    assert flood_regulation.vegetation_storage(300.0, 0.2, CELL) == pytest.approx(240_000.0)
    # e^4.924 × 10^1.128 × 1 (10⁴ m³) for a 10 km² lake
    expected = np.exp(4.924) * 10**1.128 * 1e4
    assert flood_regulation.lake_storage(10.0, 4.924, 1.128, 1.0) == pytest.approx(expected)
    assert flood_regulation.reservoir_storage(2.0e7, 0.35) == pytest.approx(7.0e6)
    assert flood_regulation.marsh_storage(2.0e6, 0.3) == pytest.approx(6.0e5)


def test_carbon_and_oxygen_hand_computed():
    # NEP 220 gC/m² over 1 km²: 220 t C → 806.67 t CO₂ → 586.67 t O₂
    co2 = carbon.carbon_sequestration(600.0, 380.0, CELL)
    assert co2 == pytest.approx(220.0 * 44 / 12)
    assert carbon.oxygen_release(co2) == pytest.approx(220.0 * 32 / 12)
    assert carbon.carbon_sequestration(300.0, 380.0, CELL) < 0  # a net source is kept


def test_heterotrophic_respiration_monthly():
    # T = 0 °C, P = 0 mm: 0.22 × (1 + 0) × 30 × 0.465
    assert carbon.heterotrophic_respiration_monthly(0.0, 0.0) == pytest.approx(0.22 * 30 * 0.465)


def test_purification_capacity_and_cap():
    assert purification.removal_capacity(88.65, CELL) == pytest.approx(8865.0)  # 100 ha
    counted = purification.capped([100.0, 100.0, 100.0], [50.0, 500.0, np.nan])
    assert counted.tolist() == [50.0, 100.0, 100.0]


def test_climate_regulation_hand_computed():
    # 365 mm/a on 73 hot days → 73 mm → 73 000 m³ on 1 km²
    water = climate_regulation.hot_day_water_m3(365.0, 73.0, CELL)
    assert water == pytest.approx(73_000.0)
    # 73 000 m³ × 1000 kg × 2450 kJ/kg / 3600 / 3 = 16 560 185.2 kWh
    assert climate_regulation.cooling_energy(water, 2450.0, 3.0) == pytest.approx(16_560_185.185)
    assert climate_regulation.humidifying_energy(water, 120.0) == pytest.approx(8_760_000.0)
    assert climate_regulation.hot_day_water_m3(365.0, 0.0, CELL) == 0.0


def test_sand_fixation():
    # bare ground (vegetation factor 1) fixes nothing; full cover fixes the whole potential
    assert sand_fixation.sand_fixed_t(100.0, 0.5, 0.5, 0.5, 1.0, 50.0, CELL) == 0.0
    potential = sand_fixation.wind_erosion(100.0, 0.5, 0.5, 0.5, 1.0, 50.0)
    assert sand_fixation.sand_fixed_t(100.0, 0.5, 0.5, 0.5, 0.0, 50.0, CELL) == pytest.approx(
        potential * CELL * 1e-3)
    # Ganzi 2017 prices: 3.75 元/m² over 1.28 t/m³ × 0.1 m = 29.30 元/t
    assert sand_fixation.sand_control_price(1.28, 0.1, 3.75) == pytest.approx(29.296875)
