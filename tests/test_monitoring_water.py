"""GB 3838-2002 classes (lake vs river TP, every limit), determining parameter, shares, TLI."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoledger.monitoring import water
from ecoledger.monitoring.tables import table, table_versions

LAKE_TP = [(0.0, 1), (0.01, 1), (0.0101, 2), (0.025, 2), (0.0251, 3), (0.05, 3), (0.0501, 4),
           (0.1, 4), (0.1001, 5), (0.2, 5), (0.2001, 6)]
RIVER_TP = [(0.02, 1), (0.0201, 2), (0.1, 2), (0.1001, 3), (0.2, 3), (0.2001, 4), (0.3, 4),
            (0.3001, 5), (0.4, 5), (0.4001, 6)]


@pytest.mark.parametrize(("value", "expected"), LAKE_TP)
def test_total_phosphorus_of_lakes_at_and_around_every_limit(value, expected):
    assert water.parameter_class("tp", value, "lake") == expected
    assert water.parameter_class("tp", value, "reservoir") == expected  # reservoirs: lake column


@pytest.mark.parametrize(("value", "expected"), RIVER_TP)
def test_total_phosphorus_of_rivers_at_and_around_every_limit(value, expected):
    assert water.parameter_class("tp", value, "river") == expected


def test_the_same_phosphorus_is_class_iv_in_a_lake_and_class_ii_in_a_river():
    # Poyang 2020: 0.058 mg/L > 0.05 (lake III) ≤ 0.1 (lake IV); ≤ 0.1 (river II)
    assert water.parameter_class("tp", 0.058, "lake") == 4
    assert water.parameter_class("tp", 0.058, "river") == 2


@pytest.mark.parametrize(("value", "expected"), [
    (9.0, 1), (7.5, 1), (7.49, 2), (6.0, 2), (5.99, 3), (5.0, 3), (4.99, 4), (3.0, 4), (2.99, 5),
    (2.0, 5), (1.99, 6), (0.0, 6)])
def test_dissolved_oxygen_is_a_minimum(value, expected):
    assert water.parameter_class("do", value, "river") == expected


@pytest.mark.parametrize(("parameter", "value", "expected"), [
    ("ph", 6.0, 1), ("ph", 9.0, 1), ("ph", 5.99, 6), ("ph", 9.01, 6),
    ("cod", 15, 1), ("cod", 15.01, 3), ("cod", 20, 3), ("cod", 40, 5), ("cod", 40.1, 6),
    ("nh3n", 0.15, 1), ("nh3n", 0.16, 2), ("nh3n", 1.0, 3), ("nh3n", 1.01, 4), ("nh3n", 2.0, 5),
    ("nh3n", 2.01, 6), ("codmn", 2, 1), ("codmn", 6, 3), ("codmn", 15.01, 6),
    ("bod5", 3, 1), ("bod5", 3.01, 3), ("fluoride", 1.0, 1), ("fluoride", 1.01, 4)])
def test_other_items_at_and_around_their_limits(parameter, value, expected):
    assert water.parameter_class(parameter, value, "river") == expected


def test_section_class_is_the_worst_item_and_names_it():
    values = {"tp": 0.058, "nh3n": 0.3, "do": 8.0, "tn": 5.0}
    # lake: TP IV, NH3-N II, DO I; TN is evaluated apart (not in the single-factor class)
    assert water.section_class(values, "lake") == (4, ["tp"])
    # river: TP II, NH3-N II → two determining parameters
    assert water.section_class(values, "river") == (2, ["nh3n", "tp"])
    assert water.section_class({"tn": 5.0}, "lake") == (None, [])


def test_main_pollutants_ranked_by_exceedance_multiple():
    # TP (0.082 − 0.05)/0.05 = 0.64; DO (5 − 4)/4 = 0.25; NH3-N 0.5 within class III
    found = water.main_pollutants({"tp": 0.082, "do": 4.0, "nh3n": 0.5}, "lake")
    assert found == [("tp", 0.64), ("do", 0.25)]


def test_class_shares():
    # 5 sections: I, III, IV, worse than V, III → I–III 3/5, worse than V 1/5
    shares = water.class_shares(pd.Series([1, 3, 4, 6, 3]))
    assert shares == {"sections": 5, "share_I_III": 0.6, "share_worse_than_V": 0.2}
    assert math.isnan(water.class_shares(pd.Series([], dtype=float))["share_I_III"])


def test_tli_weights_and_the_worked_example():
    # r² = 1, 0.7056, 0.6724, 0.6889, 0.6889 (Σ 3.7558) → chl-a 0.2663, TP 0.1879, TN 0.1790, SD 0.1834
    weights = water.tli_weights()
    assert weights["chla"] == pytest.approx(1 / 3.7558, abs=1e-6)
    assert weights["tp"] == pytest.approx(0.7056 / 3.7558, abs=1e-6)
    assert sum(weights.values()) == pytest.approx(1.0)
    # TLI(chl-a 10) = 10 (2.5 + 1.086 ln 10) = 50.006; TLI(TP 0.08) = 10 (9.436 + 1.624 ln 0.08) = 53.342
    # TLI(TN 1.5) = 61.399; TLI(SD 0.6) = 10 (5.118 − 1.94 ln 0.6) = 61.090; TLI(CODMn 4) = 37.979
    assert water.tli_single("chla", 10) == pytest.approx(50.006, abs=1e-3)
    assert water.tli_single("tp", 0.08) == pytest.approx(53.342, abs=1e-3)
    assert water.tli_single("sd", 0.6) == pytest.approx(61.090, abs=1e-3)
    # Σ W × TLI = 13.314 + 10.021 + 10.993 + 11.205 + 6.966 = 52.50 (methods note §6.1)
    index = water.tli(chla=10, tp=0.08, tn=1.5, sd=0.6, codmn=4)
    assert index == pytest.approx(52.50, abs=0.01)
    assert water.trophic_grade(index) == "light_eutrophic"
    assert math.isnan(water.tli(chla=10, tp=0.08, tn=1.5, sd=float("nan"), codmn=4))


@pytest.mark.parametrize(("index", "grade"), [
    (29.99, "oligotrophic"), (30.0, "mesotrophic"), (50.0, "mesotrophic"), (50.01, "light_eutrophic"),
    (60.0, "light_eutrophic"), (60.01, "moderate_eutrophic"), (70.0, "moderate_eutrophic"),
    (70.01, "hyper_eutrophic")])
def test_trophic_grades_at_their_bounds(index, grade):
    assert water.trophic_grade(index) == grade


def test_evaluate_gives_both_tp_readings_for_lake_stations():
    records = pd.DataFrame({
        "station": ["星子"] * 4 + ["外洲"] * 2, "water_type": ["lake"] * 4 + ["river"] * 2,
        "city": ["360400"] * 4 + ["360100"] * 2, "basin": ["鄱阳湖"] * 4 + ["赣江"] * 2,
        "date": ["2020-01-15", "2020-07-15", "2020-01-15", "2020-07-15", "2020-01-15", "2020-07-15"],
        "parameter": ["tp", "tp", "nh3n", "nh3n", "tp", "tp"],
        "value": [0.04, 0.08, 0.2, 0.4, 0.05, 0.07]})
    out = water.evaluate(records).set_index("station")
    # 星子 mean TP (0.04 + 0.08)/2 = 0.06 → lake IV, river II; NH3-N 0.3 → II
    assert out.loc["星子", "class"] == 4 and out.loc["星子", "determining"] == "tp"
    assert out.loc["星子", "class_tp_river_reading"] == 2
    assert out.loc["星子", "samples"] == 2
    assert out.loc["外洲", "class"] == 2  # river TP 0.06 → II
    monthly = water.evaluate(records, "month")
    assert len(monthly) == 4
    seasonal = water.evaluate(records, "season").set_index(["station", "season"])
    # January is low water, July high water: 星子 TP 0.04 (lake III: 0.025 < 0.04 ≤ 0.05) and 0.08 (IV)
    assert seasonal.loc[("星子", "low_water"), "class"] == 3
    assert seasonal.loc[("星子", "high_water"), "class"] == 4
    shares = water.shares_by(out.reset_index(), "city").set_index("city")
    assert shares.loc["360400", "share_I_III"] == 0.0 and shares.loc["360100", "share_I_III"] == 1.0


def test_limits_get_stricter_from_class_v_to_class_i():
    for row in table("gb3838_limits").itertuples(index=False):
        if row.bound == "range":
            continue
        limits = [float(getattr(row, c)) for c in water.LIMIT_COLUMNS]
        ordered = sorted(limits) if row.bound == "max" else sorted(limits, reverse=True)
        assert limits == ordered, (row.parameter, row.water_type)


def test_tables_cite_a_source_and_a_confidence():
    for name in table_versions():
        rows = table(name)
        if "confidence" in rows.columns:
            assert set(rows["confidence"]) <= {"V", "M", "missing"}, name


CLASSED = [(p, w) for p in ("tp", "nh3n", "codmn", "cod", "bod5", "fluoride", "petroleum", "tn")
           for w in ("lake", "river")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CLASSED), st.floats(0, 50), st.floats(0, 50))
def test_a_higher_concentration_never_yields_a_better_class(case, a, b):
    parameter, water_type = case
    low, high = sorted((a, b))
    if water.limits_for(parameter, water_type) is None:
        return
    classes = [water.parameter_class(parameter, v, water_type) for v in (low, high)]
    assert classes[0] <= classes[1]


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 20), st.floats(0, 20))
def test_more_oxygen_never_yields_a_worse_class(a, b):
    low, high = sorted((a, b))
    assert water.parameter_class("do", high, "lake") <= water.parameter_class("do", low, "lake")


@settings(max_examples=200, deadline=None)
@given(st.floats(0.001, 10), st.floats(0.001, 10), st.sampled_from(("chla", "tp", "tn", "codmn")))
def test_a_higher_concentration_never_lowers_the_tli(a, b, parameter):
    base = {"chla": 10, "tp": 0.08, "tn": 1.5, "sd": 0.6, "codmn": 4}
    low, high = sorted((a, b))
    assert water.tli(**{**base, parameter: low}) <= water.tli(**{**base, parameter: high}) + 1e-12
    # a clearer lake (deeper Secchi depth) never has a higher index
    assert water.tli(**{**base, "sd": high}) <= water.tli(**{**base, "sd": low}) + 1e-12
