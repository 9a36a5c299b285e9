"""HJ 633-2012 IAQI/AQI at and around every breakpoint, rounding, substitutions; HJ 663 annual."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoledger.monitoring import air
from ecoledger.monitoring.tables import table

BREAKPOINTS = [(r.pollutant, r.averaging, float(r.concentration), float(r.iaqi))
               for r in table("hj633_breakpoints").itertuples(index=False)]


@pytest.mark.parametrize(("pollutant", "averaging", "concentration", "index"), BREAKPOINTS)
def test_every_breakpoint_gives_its_iaqi_and_just_above_more(pollutant, averaging, concentration, index):
    assert air.iaqi_exact(pollutant, averaging, concentration) == pytest.approx(index, abs=1e-9)
    assert air.iaqi(pollutant, averaging, concentration) == index  # no rounding up of an exact value
    above = air.iaqi_exact(pollutant, averaging, concentration + 1e-3)
    if index < max(i for p, a, _, i in BREAKPOINTS if (p, a) == (pollutant, averaging)):
        assert above > index
        assert air.iaqi(pollutant, averaging, concentration + 1e-3) == index + 1  # rounded up
    else:
        assert math.isnan(above)  # beyond the table


@pytest.mark.parametrize(("pollutant", "averaging", "concentration", "exact", "reported"), [
    ("pm25", "24h", 80, 106.25, 107),      # (150−100)/(115−75) × (80−75) + 100
    ("o3", "8h", 170, 109.0909, 110),      # (150−100)/(215−160) × 10 + 100 = 109.09
    ("co", "24h", 0.8, 20.0, 20),          # 50/2 × 0.8 = 20 (python-aqi truncates 0.8 to 0 → 0)
    ("co", "24h", 1.6, 40.0, 40),          # 50/2 × 1.6 (python-aqi: 25)
    ("pm25", "24h", 35.5, 50.625, 51),     # 50/40 × 0.5 + 50 (python-aqi: 50)
    ("pm25", "24h", 75.1, 100.125, 101),   # 50/40 × 0.1 + 100 → lightly polluted, not good
    ("so2", "24h", 1600, 300.0, 300),
    ("no2", "1h", 250, 105.0, 105),        # 50/500 × 50 + 100
])
def test_hand_computed_iaqi_and_its_rounding_up(pollutant, averaging, concentration, exact, reported):
    assert air.iaqi_exact(pollutant, averaging, concentration) == pytest.approx(exact, abs=1e-4)
    assert air.iaqi(pollutant, averaging, concentration) == reported


def test_categories_follow_the_reported_integer():
    assert air.category(air.iaqi("pm25", "24h", 35))[0] == "excellent"   # 50
    assert air.category(air.iaqi("pm25", "24h", 35.5))[0] == "good"      # 51
    assert air.category(air.iaqi("pm25", "24h", 75))[0] == "good"        # 100
    assert air.category(air.iaqi("pm25", "24h", 75.1))[0] == "lightly polluted"  # 101
    assert air.category(301)[1] == "严重污染"


def test_daily_aqi_primary_pollutant_and_completeness():
    day = {"so2_24h": 10, "no2_24h": 30, "pm10_24h": 60, "co_24h": 0.8, "o3_8h": 100, "o3_1h": 150,
           "pm25_24h": 80}
    # IAQI: SO2 10; NO2 50/40 × 30 = 37.5 → 38; PM10 50 + 50/100 × 10 = 55; CO 20; O3-8h 50;
    # O3-1h 50/160 × 150 = 46.875 → 47; PM2.5 106.25 → 107
    result = air.daily_aqi(day)
    assert (result["iaqi_no2_24h"], result["iaqi_pm10_24h"], result["iaqi_o3_1h"]) == (38, 55, 47)
    assert result["aqi"] == 107 and result["primary"] == "pm25" and result["complete"]
    assert result["category"] == "lightly polluted"
    pm_only = air.daily_aqi({"pm25_24h": 30})
    # 50/35 × 30 = 42.86 → 43 ≤ 50: no primary pollutant; PM2.5 alone is not HJ 633's AQI
    assert pm_only["aqi"] == 43 and pm_only["primary"] == "" and not pm_only["complete"]


def test_tied_primary_pollutants_are_all_named():
    result = air.daily_aqi({"pm25_24h": 75, "pm10_24h": 150})  # both IAQI 100
    assert result["aqi"] == 100 and result["primary"] == "pm10;pm25"


def test_ozone_above_800_uses_the_one_hour_iaqi():
    # O3-8h 900 is beyond its table; O3-1h 900: 300 + 100/200 × 100 = 350
    result = air.daily_aqi({"o3_8h": 900, "o3_1h": 900})
    assert result["iaqi_o3_8h"] == 350 and result["aqi"] == 350


def test_hourly_aqi_and_the_so2_substitution():
    hour = {"so2_1h": 900, "so2_24h": 500, "no2_1h": 100, "co_1h": 5, "o3_1h": 160, "pm10_24h": 50,
            "pm25_24h": 35}
    # SO2 1-h 900 is beyond its table (800): the 24-h value 500 gives 150 + 50/325 × 25 = 153.85 → 154
    result = air.hourly_aqi(hour)
    assert result["iaqi_so2_1h"] == 154 and result["aqi"] == 154 and result["primary"] == "so2"
    # below 800 the 1-h table applies: SO2 1-h 650 → IAQI 150
    assert air.hourly_aqi({**hour, "so2_1h": 650})["iaqi_so2_1h"] == 150
    # NO2 1-h 100, CO 1-h 5, O3 1-h 160, PM10 50, PM2.5 35 are all IAQI 50: the AQI is 50, no primary
    assert air.hourly_aqi({**hour, "so2_1h": 150})["aqi"] == 50
    assert air.hourly_aqi({**hour, "so2_1h": 150})["primary"] == ""


def test_hj663_percentile():
    # k = 1 + (5 − 1) × 0.9 = 4.6 → X4 + 0.6 (X5 − X4) = 4.6
    assert air.percentile_hj663([5, 1, 3, 2, 4], 90) == pytest.approx(4.6)
    assert math.isnan(air.percentile_hj663([], 95))


def test_completeness_rule():
    days = pd.date_range("2015-01-01", "2015-12-31").strftime("%Y-%m-%d")
    assert air.completeness(days) == {"days": 365, "valid_year": True, "short_months": ""}
    # February with 23 days (< 25) makes the year invalid even with 360 days (≥ 324)
    short = [d for d in days if not ("2015-02-01" <= d <= "2015-02-05")]
    assert air.completeness(short) == {"days": 360, "valid_year": False, "short_months": "2"}


def test_annual_pm25_indicators():
    days = pd.date_range("2015-01-01", "2015-12-31").strftime("%Y-%m-%d")
    values = [40.0] * 355 + [80.0] * 10
    result = air.annual_indicators(pd.DataFrame({"city": "X", "date": days, "pm25_24h": values})).iloc[0]
    # mean (355 × 40 + 10 × 80)/365 = 41.096; 10 days above 75 µg/m³; good share 355/365
    assert result["pm25_annual_mean"] == pytest.approx((355 * 40 + 800) / 365)
    # P95: k = 1 + 364 × 0.95 = 346.8 → X346 = X347 = 40
    assert result["pm25_p95_24h"] == 40
    assert result["exceedance_days_pm25"] == 10
    assert result["good_share_pm25"] == pytest.approx(355 / 365)
    assert result["index_pm25"] == pytest.approx(result["pm25_annual_mean"] / 35)
    assert result["aqi_days"] == 0 and math.isnan(result["good_share_aqi"])  # PM2.5 only: no AQI
    assert math.isnan(result["comprehensive_index"])
    part = pd.DataFrame({"city": "X", "date": days[:200], "pm25_24h": values[:200]})
    incomplete = air.annual_indicators(part).iloc[0]
    assert math.isnan(incomplete["pm25_annual_mean"]) and not incomplete["valid_pm25_24h"]


def test_annual_indicators_of_all_six_pollutants_and_the_comprehensive_index():
    days = pd.date_range("2015-01-01", "2015-12-31").strftime("%Y-%m-%d")
    n = len(days)
    o3 = [100.0] * 300 + [200.0] * 65  # 65 days above 160
    daily = pd.DataFrame({"city": "X", "date": days, "so2_24h": 12.0, "no2_24h": 30.0, "pm10_24h": 56.0,
                          "co_24h": [1.0] * 340 + [2.0] * 25, "o3_8h": o3, "o3_1h": 150.0, "pm25_24h": 35.0})
    row = air.annual_indicators(daily).iloc[0]
    # O3 P90: k = 1 + 364 × 0.9 = 328.6 → X328 = X329 = 200; CO P95: k = 346.8 → X346 = X347 = 2.0
    assert row["o3_p90_8h"] == 200 and row["co_p95_24h"] == 2.0
    # index = 12/60 + 30/40 + 56/70 + 35/35 + 2/4 + 200/160 = 0.2 + 0.75 + 0.8 + 1 + 0.5 + 1.25 = 4.5
    assert row["comprehensive_index"] == pytest.approx(4.5)
    # O3-8h 200 → IAQI 100 + 50/55 × 40 = 136.4 > 100 on 65 days; the others ≤ 100 every day
    assert row["aqi_days"] == n and row["good_share_aqi"] == pytest.approx(300 / n)


def test_breakpoints_rise_with_the_index():
    for pair in {(p, a) for p, a, _, _ in BREAKPOINTS}:
        concentrations, indices = air.breakpoints(*pair)
        assert list(concentrations) == sorted(set(concentrations)), pair
        assert list(indices) == sorted(set(indices)) and indices[0] == 0, pair


PAIRS = sorted({(p, a) for p, a, _, _ in BREAKPOINTS})


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PAIRS), st.floats(0, 1), st.floats(0, 1))
def test_a_higher_concentration_never_yields_a_lower_index(pair, a, b):
    top = air.breakpoints(*pair)[0][-1]
    low, high = sorted((a * top, b * top))
    assert air.iaqi_exact(*pair, low) <= air.iaqi_exact(*pair, high) + 1e-12
    assert air.iaqi(*pair, low) <= air.iaqi(*pair, high)
