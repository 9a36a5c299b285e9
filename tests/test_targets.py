"""The decision's indicator system: values with sources, scorecard rules, pages, template, CLI."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ecoledger.applications import assessment
from ecoledger.cli.main import app
from ecoledger.targets import scorecard as sc
from ecoledger.targets import values as v
from ecoledger.targets.report import write_scorecard
from ecoledger.targets.template import template_rows, write_template
from ecoledger.untranslated import untranslated

DATA = Path(__file__).resolve().parents[1] / "data" / "jiangxi"


def _accounts(folder: Path, year: int, gep: dict[str, float]) -> Path:
    """A tiny account folder: per unit two items (yuan) of the ecosystem ``all`` and one forest row
    that must not be counted."""
    rows = []
    for code, total in gep.items():
        level = v.level_of(code)
        for item, share in (("agriculture", 0.25), ("water_conservation", 0.75)):
            rows.append({"adcode": code, "name": f"单位{code}", "level": level, "year": year,
                         "group": "g", "service": item, "item": item, "item_zh": item, "ecosystem": "all",
                         "value_yuan": total * share, "data_status": "derived"})
        rows.append({"adcode": code, "name": f"单位{code}", "level": level, "year": year, "group": "g",
                     "service": "agriculture", "item": "agriculture", "item_zh": "agriculture",
                     "ecosystem": "forest", "value_yuan": 1e12, "data_status": "derived"})
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "accounts.csv", index=False)
    return folder


def _statistics(path: Path, rows: list[tuple]) -> Path:
    """A statistics-2019 layout table of (code, year, indicator, value, unit)."""
    frame = pd.DataFrame([{"unit_name": f"单位{c}", "adcode": c, "level": v.level_of(c), "year": y,
                           "indicator": i, "indicator_zh": i, "value": val, "unit": u,
                           "source_title": f"公报{c}", "source_url": f"https://example.org/{c}/{y}",
                           "quote": f"原文{val}", "note": ""} for c, y, i, val, u in rows])
    frame.to_csv(path, index=False)
    return path


# --- rules by hand -----------------------------------------------------------------------------

def test_trend_by_direction():
    assert sc.trend(35.0, 38.0, "lower") == "improving"      # PM2.5 fell
    assert sc.trend(35.0, 38.0, "higher") == "worsening"
    assert sc.trend(92.4, 90.0, "higher") == "improving"
    assert sc.trend(5.9, 5.9, "higher") == "flat"
    assert sc.trend(5.9, None, "higher") == "unknown"
    assert sc.trend(math.nan, 3.0, "higher") == "unknown"


def test_traffic_light_rules():
    # met: green whatever the trend
    assert sc.traffic_light(38.0, 44.0, "lower", "unknown") == "green"
    assert sc.traffic_light(95.5, 95.5, "higher", "worsening") == "green"
    # not met but improving: amber; not met and worsening / flat / unknown: red
    assert sc.traffic_light(30.0, 29.0, "lower", "improving") == "amber"
    assert sc.traffic_light(30.0, 29.0, "lower", "worsening") == "red"
    assert sc.traffic_light(30.0, 29.0, "lower", "flat") == "red"
    assert sc.traffic_light(30.0, 29.0, "lower", "unknown") == "red"
    # within a stated margin: |30 − 29| = 1 ≤ 0.05 × 29 = 1.45 → amber; 0.03 × 29 = 0.87 < 1 → red
    assert sc.traffic_light(30.0, 29.0, "lower", "worsening", margin=0.05) == "amber"
    assert sc.traffic_light(30.0, 29.0, "lower", "worsening", margin=0.03) == "red"
    assert sc.traffic_light(None, 29.0, "lower", "unknown") == "missing"
    assert sc.traffic_light(30.0, None, "lower", "improving") == "no_target"


def test_ranks_ties_share_the_better_rank():
    higher = sc.ranks(pd.Series([3.0, 5.0, 5.0, 1.0]), "higher")
    assert higher.tolist() == [3, 1, 1, 4]
    lower = sc.ranks(pd.Series([30.0, 27.0, 30.0, 35.0]), "lower")
    assert lower.tolist() == [2, 1, 2, 4]


# --- real statistics ---------------------------------------------------------------------------

def test_real_statistics_value_with_its_quote():
    values = v.indicator_values(v.default_statistics(DATA), years=[2019])
    pm = values[(values["code"] == "360000") & (values["indicator"] == "pm25_annual_mean")].iloc[0]
    assert pm["value"] == 35 and pm["unit"] == "µg/m³" and pm["status"] == "reported"
    assert "35微克/立方米" in pm["quote"] and pm["source_url"].startswith("http")
    tp = values[(values["code"] == "360000") & (values["indicator"] == "poyang_tp_mean")].iloc[0]
    assert tp["value"] == pytest.approx(0.069) and tp["unit"] == "mg/L"


def test_unit_conversion_and_first_table_wins(tmp_path):
    first = _statistics(tmp_path / "a.csv", [("360000", 2019, "gdp", 2.0, "billion yuan"),
                                             ("360000", 2019, "wetland_area", 9100.0, "公顷")])
    second = _statistics(tmp_path / "b.csv", [("360000", 2019, "gdp", 25.0, "亿元")])
    system = v.indicator_system()
    rows = v.reported_values([v.read_statistics(first), v.read_statistics(second)], system)
    gdp = rows[rows["indicator"] == "gdp"].iloc[0]
    assert gdp["value"] == pytest.approx(20.0) and gdp["unit"] == "亿元"   # 2 billion yuan = 20 亿元
    assert "25" in gdp["reason"] and "b.csv" not in gdp["reason"]          # the later value named by url
    wetland = rows[rows["indicator"] == "wetland_area"].iloc[0]
    assert wetland["value"] == pytest.approx(0.91) and wetland["unit"] == "万公顷"


def test_unit_that_does_not_convert_is_refused(tmp_path):
    bad = _statistics(tmp_path / "bad.csv", [("360000", 2019, "pm25_annual_mean", 35, "吨")])
    with pytest.raises(v.InputError, match="row 2, unit"):
        v.reported_values([v.read_statistics(bad)], v.indicator_system())


# --- computed from accounts --------------------------------------------------------------------

def test_gep_gdp_ratio_and_growth_by_hand(tmp_path):
    a18 = _accounts(tmp_path / "a18", 2018, {"360000": 4e12, "360100": 1e11})
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 1.2e11})
    stats = _statistics(tmp_path / "s.csv", [("360000", 2019, "gdp", 25000.0, "亿元"),
                                             ("360000", 2019, "electricity_consumption_total", 1500.0,
                                              "亿千瓦时")])
    values = v.indicator_values([stats], [a18, a19])
    get = values.set_index(["code", "year", "indicator"])
    assert get.loc[("360000", 2019, "gep"), "value"] == pytest.approx(50000.0)       # 5e12 / 1e8
    assert get.loc[("360000", 2019, "gep_to_gdp"), "value"] == pytest.approx(2.0)    # 50000 / 25000
    assert get.loc[("360000", 2019, "gep_growth"), "value"] == pytest.approx(25.0)   # (5/4 − 1) × 100
    assert get.loc[("360100", 2019, "gep_growth"), "value"] == pytest.approx(20.0)   # (1.2/1 − 1) × 100
    # 1500 亿 kWh × 10⁸ / (25000 亿元 × 10⁴ 万元) = 600 kWh/万元
    assert get.loc[("360000", 2019, "electricity_consumption_per_gdp"), "value"] == pytest.approx(600.0)
    # missing rows say which statistic is absent
    city_ratio = get.loc[("360100", 2019, "gep_to_gdp")]
    assert city_ratio["status"] == "missing" and "GDP" in city_ratio["reason"]
    assert "地区生产总值" in city_ratio["reason_zh"]
    growth_2018 = get.loc[("360000", 2018, "gep_growth")]
    assert growth_2018["status"] == "missing" and "2017" in growth_2018["reason"]
    forest = get.loc[("360000", 2019, "forest_cover_rate")]
    assert forest["status"] == "missing" and "targets template" in forest["reason"]
    carbon = get.loc[("360000", 2019, "carbon_emissions_total")]
    assert "carbon inventory" in carbon["reason"]


def test_scorecard_columns_previous_target_and_rank(tmp_path):
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 1.2e11, "360200": 1.2e11,
                                             "360300": 0.5e11})
    stats = _statistics(tmp_path / "s.csv", [("360000", 2018, "pm25_annual_mean", 38.0, "微克/立方米"),
                                             ("360000", 2019, "pm25_annual_mean", 43.0, "微克/立方米")])
    card = sc.scorecard(v.indicator_values([stats], [a19]))
    assert tuple(card.columns[:len(sc.SCORECARD_COLUMNS)]) == sc.SCORECARD_COLUMNS
    pm = card[(card["year"] == 2019) & (card["indicator"] == "pm25_annual_mean")
              & (card["code"] == "360000")].iloc[0]
    # the 2019 yearly target (42, unit_targets.csv) applies; 43 > 42 and worse than 38 → red
    assert pm["target"] == 42 and pm["target_year"] == 2019 and pm["previous_value"] == 38
    assert pm["change"] == pytest.approx(5.0) and pm["trend"] == "worsening" and pm["status"] == "red"
    gep = card[(card["year"] == 2019) & (card["indicator"] == "gep") & (card["level"] == "city")]
    ranked = dict(zip(gep["code"], gep["rank"], strict=True))
    assert ranked == {"360100": 1, "360200": 1, "360300": 3} and set(gep["peers"]) == {3}
    assert set(gep["status"]) == {"no_target"}


# --- template round trip, pages, CLI ----------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_filled_template_adds_a_value(tmp_path, suffix):
    stats = _statistics(tmp_path / "s.csv", [("360000", 2019, "pm25_annual_mean", 35.0, "µg/m³")])
    system = v.indicator_system()
    values = v.indicator_values([stats], years=[2019])
    rows = template_rows(values, system)
    assert "forest_cover_rate" in set(rows["indicator"]) and "gep" not in set(rows["indicator"])
    filled = rows.copy()
    at = filled.index[filled["indicator"] == "forest_cover_rate"][0]
    filled.loc[at, ["value", "source", "quote"]] = ["63.1", "https://example.org/bulletin", "森林覆盖率63.1%"]
    path = write_template(tmp_path / f"filled{suffix}", filled, system)
    again = v.indicator_values([path, stats], years=[2019])
    forest = again[(again["code"] == "360000") & (again["indicator"] == "forest_cover_rate")].iloc[0]
    assert forest["status"] == "reported" and forest["value"] == pytest.approx(63.1)
    assert forest["source_url"] == "https://example.org/bulletin" and forest["quote"] == "森林覆盖率63.1%"


def test_pages_and_files(tmp_path):
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 1.2e11})
    stats = _statistics(tmp_path / "s.csv", [("360000", 2019, "pm25_annual_mean", 35.0, "µg/m³")])
    values = v.indicator_values([stats], [a19])
    card = sc.scorecard(values)
    written = write_scorecard(values, card, tmp_path / "out", v.indicator_system())
    zh = written["index.html"].read_text(encoding="utf-8")
    assert untranslated(zh) == []
    assert "https://example.org/360000/2019" in zh and "达标（绿）" in zh
    en = written["index.en.html"].read_text(encoding="utf-8")
    assert "met (green)" in en and "the statistics give no" in en
    back = pd.read_csv(written["scorecard.csv"], dtype={"code": str})
    assert list(back.columns[:len(sc.SCORECARD_COLUMNS)]) == list(sc.SCORECARD_COLUMNS)


def test_cli_scorecard_and_template(tmp_path):
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 1.2e11})
    runner = CliRunner()
    result = runner.invoke(app, ["--lang", "en", "targets", "scorecard", "--accounts", str(a19),
                                 "--data", str(DATA), "--year", "2019", "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "scorecard.csv").is_file() and "green" in result.output
    result = runner.invoke(app, ["--lang", "en", "targets", "template", "--data", str(DATA), "--year", "2019",
                                 "--out", str(tmp_path / "sheet.txt")])
    assert result.exit_code != 0 and ".xlsx" in result.output


def test_assessment_reads_the_scorecard(tmp_path):
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 2e11, "360200": 1e11})
    card = sc.scorecard(v.indicator_values([], [a19]))
    table, used = assessment.assess_scorecard(card, 2019, "city")
    assert [i.name for i in used] == ["decision:gep"] and used[0].weight == 1.0 and used[0].target is None
    # no target: the best city (2000 亿元) sets it → 100 and 100 × 1000 / 2000 = 50 points
    assert table.loc["360100", "score"] == pytest.approx(100.0)
    assert table.loc["360200", "score"] == pytest.approx(50.0)


def test_carbon_inventory_total_intensity_change_and_missing_reason(tmp_path):
    inventory = tmp_path / "inventory.csv"
    pd.DataFrame([
        {"code": "360000", "year": 2018, "scope": "territorial_total", "co2_t": 2.0e8, "status": "complete",
         "missing_statistics": "", "factor_ids": "fuel.coal", "note": "", "intensity_t_per_10k_yuan": 0.80},
        {"code": "360000", "year": 2019, "scope": "territorial_total", "co2_t": 2.1e8, "status": "complete",
         "missing_statistics": "", "factor_ids": "fuel.coal", "note": "", "intensity_t_per_10k_yuan": 0.78},
        {"code": "360000", "year": 2019, "scope": "electricity_related_total", "co2_t": 9e7,
         "status": "complete", "missing_statistics": "", "factor_ids": "grid", "note": "",
         "intensity_t_per_10k_yuan": ""},
        {"code": "360000", "year": 2020, "scope": "territorial_total", "co2_t": "", "status": "missing",
         "missing_statistics": "energy consumption by fuel: coal_consumption", "factor_ids": "", "note": "",
         "intensity_t_per_10k_yuan": ""},
    ]).to_csv(inventory, index=False)
    values = v.indicator_values(carbon=inventory, years=[2018, 2019, 2020])
    get = values.set_index(["code", "year", "indicator"])
    assert get.loc[("360000", 2019, "carbon_emissions_total"), "value"] == pytest.approx(21000.0)  # 万吨
    # (0.78 / 0.80 − 1) × 100 = −2.5 %: exactly the 2019 yearly target (≤ −2.5) → green
    assert get.loc[("360000", 2019, "carbon_intensity_change"), "value"] == pytest.approx(-2.5)
    missing = get.loc[("360000", 2020, "carbon_emissions_total")]
    assert missing["status"] == "missing" and "coal_consumption" in missing["reason"]
    card = sc.scorecard(values)
    change = card[(card["year"] == 2019) & (card["indicator"] == "carbon_intensity_change")].iloc[0]
    assert change["target"] == -2.5 and change["status"] == "green"


def test_biodiversity_share_is_a_percentage_labelled_demonstration(tmp_path):
    table = tmp_path / "county_indicators.csv"
    pd.DataFrame([{"code": "360000", "unit_name": "江西省", "level": "province", "protected_share": 0.12,
                   "status": "demonstration"}]).to_csv(table, index=False)
    values = v.indicator_values(biodiversity=table, years=[2019])
    row = values[values["indicator"] == "protected_area_share"].iloc[0]
    assert row["value"] == pytest.approx(12.0) and "demonstration" in row["reason"]


def test_demo_section_on_the_decision_indicators(tmp_path):
    from ecoledger.applications import demo, outputs

    a18 = _accounts(tmp_path / "a18", 2018, {"360000": 4e12, "360100": 1e11, "360200": 2e11})
    a19 = _accounts(tmp_path / "a19", 2019, {"360000": 5e12, "360100": 1.2e11, "360200": 2.1e11})
    card = sc.scorecard(v.indicator_values([], [a18, a19]))
    path = tmp_path / "scorecard.csv"
    card.to_csv(path, index=False)
    result = demo.decision_assessment(path, 2019)
    assert [i["name"] for i in result.record["rule"]["indicator"]] == ["decision:gep", "decision:gep_growth"]
    written = outputs.write(result, tmp_path / "results", demo.DECISION_STEM)
    for key in ("html", "report"):
        assert untranslated(written[key].read_text(encoding="utf-8")) == []
    # 360100: GEP 1200 of the best 2100 → 50 × 1200/2100; growth 20 % is the best → 50
    assert result.table.loc["360100", "score"] == pytest.approx(50 * 1200 / 2100 + 50)
