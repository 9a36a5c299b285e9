"""Year-over-year change like with like (``ecoledger.series.change``), on hand-computed figures."""

import pandas as pd
import pytest

from ecoledger.series import change

COLUMNS = ["adcode", "name", "level", "group", "item", "ecosystem", "value_yuan", "data_status", "note"]


def _accounts(rows):
    return pd.DataFrame([dict(zip(COLUMNS, r, strict=True)) for r in rows])


def test_only_items_with_a_value_and_the_same_status_in_both_years_count():
    previous = _accounts([
        # the province: provisioning is one city's statistic (partial), water is derived
        ("P", "省", "province", "provisioning", "agriculture", "all", 30.0, "partial", "no value for B"),
        ("P", "省", "province", "regulating", "water", "all", 100.0, "derived", ""),
        ("P", "省", "province", "cultural", "recreation", "all", 50.0, "partial", "no value for C"),
        ("P", "省", "province", "regulating", "water", "forest", 80.0, "derived", ""),  # not 'all'
        # a county with no recreation before
        ("C", "县", "county", "regulating", "water", "all", 10.0, "derived", ""),
        ("C", "县", "county", "cultural", "recreation", "all", None, "missing", ""),
        ("C", "县", "county", "regulating", "sand", "all", 0.0, "not_applicable", ""),
    ])
    current = _accounts([
        ("P", "省", "province", "provisioning", "agriculture", "all", 120.0, "derived", ""),
        ("P", "省", "province", "regulating", "water", "all", 110.0, "derived", ""),
        ("P", "省", "province", "cultural", "recreation", "all", 60.0, "partial", "no value for C"),
        ("P", "省", "province", "regulating", "water", "forest", 99.0, "derived", ""),
        ("C", "县", "county", "regulating", "water", "all", 12.0, "derived", ""),
        ("C", "县", "county", "cultural", "recreation", "all", 20.0, "reported", ""),
        ("C", "县", "county", "regulating", "sand", "all", 0.0, "not_applicable", ""),
    ])
    units, items = change(current, previous)
    province, county = units.loc["P"], units.loc["C"]
    # raw: (120 + 110 + 60) / (30 + 100 + 50) - 1 = 290 / 180 - 1
    assert province["gep_before_yuan"] == 180 and province["gep_after_yuan"] == 290
    assert province["change"] == pytest.approx(290 / 180 - 1)  # +61.1 %
    # like with like: water and recreation (partial over the same units), not agriculture
    assert province["comparable_before_yuan"] == 150 and province["comparable_after_yuan"] == 170
    assert province["comparable_change"] == pytest.approx(170 / 150 - 1)  # +13.3 %
    assert province["excluded"] == 1
    # the county: raw (12 + 20 + 0) / (10 + 0) - 1 = +220 %, comparable 12 / 10 - 1 = +20 %
    assert county["change"] == pytest.approx(32 / 10 - 1)
    assert county["comparable_change"] == pytest.approx(0.2)
    reasons = items.set_index(["adcode", "item"])
    assert reasons.loc[("P", "agriculture"), "reason"] == "status"
    assert reasons.loc[("P", "agriculture"), ["status_before", "status_after"]].tolist() == [
        "partial", "derived"]
    assert reasons.loc[("C", "recreation"), "reason"] == "missing_before"
    assert bool(reasons.loc[("C", "sand"), "comparable"])  # 0 in both years, not applicable in both


def test_partial_over_different_units_is_not_comparable():
    previous = _accounts([("P", "省", "province", "cultural", "recreation", "all", 50.0, "partial",
                           "no value for A, B")])
    current = _accounts([("P", "省", "province", "cultural", "recreation", "all", 70.0, "partial",
                          "no value for A")])
    units, items = change(current, previous)
    assert items["reason"].tolist() == ["coverage"]
    assert units.loc["P", "change"] == pytest.approx(0.4)
    assert pd.isna(units.loc["P", "comparable_change"])


def test_an_item_from_other_statistics_is_not_comparable():
    """Gross output allocated one year, net output (value added) the next: both 'allocated', not alike."""
    previous = _accounts([("C", "县", "county", "provisioning", "agriculture", "all", 28.8, "allocated",
                           "赣州市 (360700) agriculture_output_value shared out by farmland area"),
                          ("C", "县", "county", "regulating", "water", "all", 5.0, "derived", "")])
    current = _accounts([("C", "县", "county", "provisioning", "agriculture", "all", 2.2, "allocated",
                          "net output used: the gross output basis of the profile is not reported; "
                          "赣州市 (360700) agriculture_net_output_value shared out by farmland area"),
                         ("C", "县", "county", "regulating", "water", "all", 6.0, "derived", "")])
    units, items = change(current, previous)
    assert items.set_index("item").at["agriculture", "reason"] == "basis"
    assert units.loc["C", "change"] == pytest.approx(8.2 / 33.8 - 1)
    assert units.loc["C", "comparable_change"] == pytest.approx(0.2)
