"""The Jiangxi carbon demo on the shipped statistics: missing years stay missing, nothing invented."""

import json
from pathlib import Path

import pytest

from ecoledger.carbon.demo import run_demo
from ecoledger.carbon.factors import default_registry

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples" / "carbon"


def test_jiangxi_demo(tmp_path):
    out = tmp_path / "carbon"
    summary = run_demo(
        out,
        ROOT / "data" / "jiangxi" / "statistics" / "jiangxi_statistics.csv",
        EXAMPLES / "product_system.json",
        EXAMPLES / "sink_project.json",
        EXAMPLES / "inclusion_actions.csv",
        default_registry(),
        accounts_csv=None,
    )
    # the shipped statistics carry GDP but no energy consumption by fuel: every year's CO2 is missing
    assert summary["province_missing_years"] == [2019, 2020, 2021, 2022, 2023, 2024]
    control = json.loads((out / "dual_control.json").read_text(encoding="utf-8"))
    assert all(y["co2_t"] is None and y["intensity_t_per_10k_yuan"] is None for y in control["years"])
    assert control["years"][0]["gdp_yuan"] == 24667.29e8  # 2019 GDP 24 667.29 亿元 as shipped
    assert control["years"][1]["conflicting"] == ["gdp"]  # 2020: 25 691.5 (preliminary) vs 25 781.95 亿元
    assert [r["indicator"] for r in control["related_statistics"]] == [
        "electricity_intensity_change",
        "energy_consumption_growth",
        "energy_intensity_change",
    ]
    # inclusion: 12 km metro 0.5604 + 8 km cycling 1.568 + 60 km EV 4.2732 + 4 kWh 2.3008 + 18 kWh 10.3536 kg
    assert summary["inclusion_reduction_kg"] == pytest.approx(19.056)
    assert summary["inclusion_balances"]["demo-citizen-1"] == {"on_2026_03_06": 85 - 50, "on_2027_03_06": 0}
    assert summary["ledger_tamper_detected"] and summary["claims_refused"] == 1
    assert summary["sink_share_of_gep"] is None  # no accounts given: the share is missing, not zero
    assert (out / "label" / "label.png").exists() and (out / "index.html").exists()
