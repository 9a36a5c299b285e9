"""Physical quantities against known totals (ecoledger.plausibility) and the published comparison."""

import pandas as pd
import pytest

from ecoledger import plausibility, published


def _accounts(water_m3: float, cooling_kwh: float) -> pd.DataFrame:
    rows = [("water_conservation", "regulating", water_m3, 8.0 * water_m3),
            ("climate_regulation_transpiration", "regulating", cooling_kwh, 0.6 * cooling_kwh),
            ("recreation", "cultural", 1e6, 2e10)]
    return pd.DataFrame([{"adcode": "360000", "name": "江西省", "year": 2019, "ecosystem": "all",
                          "item": item, "item_zh": item, "group": group, "physical_value": q,
                          "value_yuan": v, "data_status": "derived"} for item, group, q, v in rows])


def _totals() -> pd.DataFrame:
    return pd.DataFrame({"code": ["360000", "360000", "360000"], "year": [2021, 2018, 2020],
                         "quantity": ["water_resources_total", "electricity_consumption_total",
                                      "electricity_consumption_total"],
                         "value": [1.4e11, 1.4e11, 1.6e11], "unit": ["m3", "kWh", "kWh"],
                         "source": ["s", "s", "s"]})


def test_quantities_beyond_known_totals_are_flagged_with_nearest_year():
    results = plausibility.check(_accounts(1.0e11, 3.2e11), _totals(), 2019).set_index("check")
    water = results.loc["water_conservation_vs_water_resources"]
    assert water["ratio"] == pytest.approx(1.0e11 / 1.4e11) and not water["flagged"]
    cooling = results.loc["cooling_energy_vs_electricity_use"]
    assert cooling["reference_year"] == 2018  # 2018 and 2020 are as near: the first listed
    assert cooling["ratio"] == pytest.approx(3.2e11 / 1.4e11) and cooling["flagged"]
    # cooling beyond electricity use has a cited reason; water beyond resources would be a defect
    assert plausibility.unexplained(results.reset_index()).empty
    worse = plausibility.check(_accounts(2.8e11, 1e9), _totals(), 2019)
    assert list(plausibility.unexplained(worse)["check"]) == ["water_conservation_vs_water_resources"]


def test_comparison_with_published_account_states_causes_beyond_15_percent():
    table = published.comparison(_accounts(1.0e11, 3.2e11), 2019).set_index("measure")
    # published 2019 Jiangxi: 29 040.66 亿元, cultural 23.28 %
    assert table.at["cultural", "published_yi_yuan"] == pytest.approx(29040.66 * 0.2328)
    assert table.at["cultural", "ours_yi_yuan"] == pytest.approx(200.0)
    assert not table.at["cultural", "within_15pct"]
    assert "tourism" in table.at["cultural", "cause_en"]
    assert table.at["gep", "ours_yi_yuan"] == pytest.approx((8e11 + 0.6 * 3.2e11 + 2e10) / 1e8)
