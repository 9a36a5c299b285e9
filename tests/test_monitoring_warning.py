"""Early-warning rules (threshold, exceedance count, Mann–Kendall trend, change), Poyang TP
series, load account and load cut, and the Jiangxi demo on the shipped data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from ecoledger.monitoring import demo, phosphorus, warning
from ecoledger.monitoring.trend import mann_kendall

JIANGXI = Path(__file__).resolve().parents[1] / "data" / "jiangxi"


def series(name, values, code="1", unit_name="A"):
    return pd.DataFrame({"series": name, "unit_code": code, "unit_name": unit_name,
                         "period": list(values), "value": list(values.values()), "unit": "u"})


def rules(text):
    return warning.parse_rules(text, "test.toml")


def test_mann_kendall_by_hand():
    # 1..5: S = 10 pairs all rising; Var S = 5·4·15/18 = 16.667; Z = (10 − 1)/4.0825 = 2.2045;
    # p = 2 (1 − Φ(2.2045)) = 0.0275; Sen's slope 1
    result = mann_kendall([1, 2, 3, 4, 5])
    assert result["s"] == 10 and result["var_s"] == pytest.approx(16.6667, abs=1e-4)
    assert result["z"] == pytest.approx(2.2045, abs=1e-4) and result["p"] == pytest.approx(0.0275, abs=1e-4)
    assert result["sen_slope"] == 1 and result["trend"] == "increasing"
    # ties: 1, 1, 2, 3 → S = 5; Var S = (4·3·13 − 2·1·9)/18 = 7.6667
    tied = mann_kendall([1, 1, 2, 3])
    assert tied["s"] == 5 and tied["var_s"] == pytest.approx(7.6667, abs=1e-4)
    assert mann_kendall([0.082, 0.069, 0.058], [2018, 2019, 2020])["trend"] == "too short"


def test_threshold_and_exceedance_count_rules():
    found = warning.evaluate(rules('''
[[rule]]
id = "t"
series = "tp"
kind = "threshold"
above = 0.05
severity = "high"
message = "above"
'''), series("tp", {2018: 0.082, 2019: 0.05, 2020: 0.058}))
    assert [(a.period, a.evidence["value"]) for a in found] == [("2018", 0.082), ("2020", 0.058)]
    assert found[0].responsible == "A (1)"
    days = {f"2015-01-{d:02d}": (80 if d <= 3 else 20) for d in range(1, 32)}
    counted = warning.evaluate(rules('''
[[rule]]
id = "c"
series = "pm"
kind = "exceedance_count"
above = 75
count_at_least = 3
severity = "medium"
message = "many"
responsible = "环保局"
'''), series("pm", days))
    assert len(counted) == 1 and counted[0].evidence["periods_above"] == 3
    assert counted[0].responsible == "环保局"


def test_trend_and_change_rules():
    found = warning.evaluate(rules('''
[[rule]]
id = "up"
series = "x"
kind = "trend"
direction = "increasing"
severity = "low"
message = "rising"

[[rule]]
id = "drop"
series = "x"
kind = "change"
drop_percent = 10
severity = "medium"
message = "fell"
'''), series("x", {2015: 1, 2016: 2, 2017: 3, 2018: 4, 2019: 5, 2020: 4.4}))
    trend = next(a for a in found if a.rule_id == "up")
    # S = 14 − 1 = 13 (five rising values, 4.4 below 5 only), n = 6: Var S = 6·5·17/18 = 28.33,
    # Z = 12/5.323 = 2.254, p = 0.024 < 0.05
    assert trend.evidence["s"] == 13 and trend.evidence["p"] == pytest.approx(0.0242, abs=1e-3)
    drop = [a for a in found if a.rule_id == "drop"]
    # 5 → 4.4 is −12 %; every other step rises
    assert [(a.period, a.evidence["change_percent"]) for a in drop] == [("2019–2020", -12.0)]


@pytest.mark.parametrize(("text", "field"), [
    ('[[rule]]\nid = "a"\nseries = "s"\nkind = "threshold"\nseverity = "high"\nmessage = "m"\n',
     "above or below"),
    ('[[rule]]\nid = "a"\nseries = "s"\nkind = "guess"\nseverity = "high"\nmessage = "m"\n', "kind"),
    ('[[rule]]\nid = "a"\nseries = "s"\nkind = "trend"\nseverity = "dire"\nmessage = "m"\ndirection = "x"\n',
     "severity"),
    ('[[rule]]\nseries = "s"\n', "id"),
    ("rule = [", "not valid TOML"),
])
def test_bad_rule_files_name_the_rule_and_field(text, field):
    with pytest.raises(warning.RuleError) as caught:
        warning.parse_rules(text, "r.toml")
    assert "r.toml" in str(caught.value) and field in str(caught.value)


def test_alerts_export_as_csv():
    alert = warning.Alert("r", "high", "tp", "360000", "江西省", "2020", "m", "厅", {"value": 0.058})
    text = warning.alerts_csv([alert]).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("rule_id,severity,series") and "0.058" in text


def test_statistic_series_marks_missing_and_conflicting_years():
    stats = pd.DataFrame({"adcode": "360000", "indicator": "poyang_lake_tp",
                          "year": [2018, 2019, 2019, 2020, 2020], "value": [0.082, 0.069, 0.069, 0.058, 0.06],
                          "unit": "mg/L", "source_url": ["a", "b", "c", "d", "e"]})
    out = phosphorus.statistic_series(stats, "poyang_lake_tp", "360000", range(2017, 2022)).set_index("year")
    assert out.loc[2017, "status"] == "missing" and math.isnan(out.loc[2017, "value"])
    assert out.loc[2019, "value"] == 0.069 and out.loc[2019, "sources"] == "b | c"
    assert out.loc[2020, "status"] == "conflicting" and out.loc[2020, "alternatives"] == "0.058;0.06"


def test_target_path_and_load_cut():
    path = phosphorus.target_path(2018, 0.082, 2025, 0.05, range(2017, 2027))
    # 0.082 − (0.032/7) × 1 = 0.077429
    assert math.isnan(path[2017]) and path[2019] == pytest.approx(0.077429, abs=1e-6)
    assert path[2026] == 0.05
    # linear Vollenweider: 1 − 0.05/0.058 = 0.137931; OECD: 1 − (0.05/0.058)^(1/0.82) = 0.165565
    assert phosphorus.required_load_cut(0.058, 0.05) == pytest.approx(0.137931, abs=1e-6)
    assert phosphorus.required_load_cut(0.058, 0.05, "oecd_1982") == pytest.approx(0.165565, abs=1e-6)
    assert phosphorus.required_load_cut(0.04, 0.05) == 0.0


def test_load_account_by_source_reports_missing_sources():
    coefficients = pd.DataFrame([
        {"source": "agriculture", "source_zh": "种植业", "activity": "cropland_area",
         "activity_unit": "hm²", "coefficient": "0.5", "coefficient_unit": "kg TP/(hm²·a)",
         "reference": "test value", "confidence": "M"},
        {"source": "inflow_five_rivers", "source_zh": "五河", "activity": "five_river_tp_flux",
         "activity_unit": "t/a", "coefficient": "1", "coefficient_unit": "t TP per t",
         "reference": "identity", "confidence": "V"}])
    # 200 000 hm² × 0.5 kg/hm² = 100 000 kg = 100 t; the inflow has no activity data
    account = phosphorus.load_account({"cropland_area": 200_000}, coefficients).set_index("source")
    assert account.loc["agriculture", "load_t"] == pytest.approx(100.0)
    assert account.loc["inflow_five_rivers", "status"] == "missing"
    assert math.isnan(account.loc["total", "load_t"]) and account.loc["total", "known_sources_sum_t"] == 100.0
    full = phosphorus.load_account({"cropland_area": 200_000, "five_river_tp_flux": 50}, coefficients)
    assert full.set_index("source").loc["total", "load_t"] == pytest.approx(150.0)
    shipped = phosphorus.load_account({})
    assert (shipped["status"] == "missing").all()


def test_jiangxi_demo_on_the_shipped_data(tmp_path):
    result = demo.build(JIANGXI)
    tp = result["poyang_tp"].set_index("year")
    assert tp.loc[[2018, 2019, 2020], "value"].tolist() == [0.082, 0.069, 0.058]
    assert set(tp.loc[[2016, 2017, 2021, 2022], "status"]) == {"missing"}
    assert tp.loc[2020, "class_lake_reading"] == 4 and tp.loc[2020, "class_river_reading"] == 2
    annual = result["air_annual"].set_index(["city", "year"])
    daily = pd.read_csv(JIANGXI / "air" / "pm25_daily_nanchang_jiujiang_2014_2016.csv")
    nanchang_2014 = daily[(daily["City"] == "Nanchang") & daily["date"].str.startswith("2014")]["PM2.5"]
    assert annual.loc[("Nanchang", 2014), "pm25_annual_mean"] == pytest.approx(nanchang_2014.mean())
    assert annual.loc[("Nanchang", 2014), "exceedance_days_pm25"] == int((nanchang_2014 > 75).sum())
    alerts = result["alerts"]
    tp_alerts = alerts[alerts["rule_id"] == "poyang-tp-above-lake-class-iii"]
    assert tp_alerts["period"].tolist() == ["2018", "2019", "2020"]
    # without account files the account-change rule has no series, and says so
    assert "county-regulating-services-drop" in result["summary"]["rules_without_data"]
    demo.write(result, tmp_path / "out")
    page = (tmp_path / "out" / "index.en.html").read_text("utf-8")
    assert "missing" in page and "0.082" in page and "PM2.5 IAQI" in page
    assert "缺失" in (tmp_path / "out" / "index.html").read_text("utf-8")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert len(summary["table_versions"]["gb3838_limits"]) == 12


def test_links_to_the_applications_and_the_gep_purification_caps():
    from ecoledger.monitoring import links, records

    rows = records.load("r.csv", (
        "station,water_type,city,basin,date,parameter,value,unit\n"
        "甲,river,,,2019-01-15,codmn,1.9,mg/L\n甲,river,,,2019-01-15,nh3n,<0.05,mg/L\n"
        "甲,river,,,2020-01-15,tp,0.1,mg/L\n乙,river,,,2019-01-15,tp,0.1,mg/L\n").encode())
    samples = links.compensation_samples(rows, "甲", 2019)
    # below detection: 0.05 × 0.5 = 0.025; names as in the applications' sample tables
    assert samples.to_dict("list") == {"date": ["2019-01-15", "2019-01-15"], "indicator": ["CODMn", "NH3-N"],
                                       "concentration": [1.9, 0.025]}
    coefficients = phosphorus.table("tp_load_coefficients").iloc[[0]]  # point sources: identity
    account = phosphorus.load_account({"point_source_tp_discharge": 12.5}, coefficients)
    # 12.5 t = 12 500 kg
    assert links.load_statistics_rows(account, "360000", 2020, "test").iloc[0]["value"] == 12_500
    assert links.load_statistics_rows(phosphorus.load_account({}), "360000", 2020, "x").empty
    air = pd.DataFrame({"code": ["360100", "360400"], "year": 2016, "pm25_annual_mean": [52.2, float("nan")],
                        "good_share_pm25": [0.69, 0.75]})
    water_shares = pd.DataFrame({"city": ["360100"], "year": [2016], "sections": [4], "share_I_III": [0.75],
                                 "share_worse_than_V": [0.0]})
    rows = links.assessment_rows(2016, "test", air, water_shares)
    # the NaN annual mean (an invalid year) gives no row: 1 + 2 air rows, 2 water rows
    assert len(rows) == 5 and set(rows["indicator"]) == {"pm25_annual_mean", "good_share_pm25",
                                                         "water_share_I_III", "water_share_worse_than_V"}


def test_station_tp_trends_from_annual_means():
    evaluated = pd.DataFrame({"station": ["星子"] * 5 + ["都昌"], "water_type": "lake",
                              "year": [2016, 2017, 2018, 2019, 2020, 2020],
                              "mean_tp": [0.09, 0.08, 0.082, 0.07, 0.06, 0.05]})
    trends = phosphorus.station_trends(evaluated).set_index("station")
    # 星子: 9 of the 10 pairs fall (only 0.08 → 0.082 rises): S = 1 − 9 = −8; Var S = 5·4·15/18 =
    # 16.667; Z = (−8 + 1)/4.0825 = −1.715, p = 0.086 → no trend at 5 %. Sen's slope: the 10 pair
    # slopes sorted −0.012, −0.011, −0.01, −0.01, −0.0075, −0.00667, −0.00667, −0.005, −0.004, 0.002;
    # median (−0.0075 − 0.006667)/2 = −0.0070833 mg/L per year
    assert trends.loc["星子", "s"] == -8 and trends.loc["星子", "p"] == pytest.approx(0.0864, abs=1e-3)
    assert trends.loc["星子", "trend"] == "no trend"
    assert trends.loc["星子", "sen_slope_per_year"] == pytest.approx(-0.0070833, abs=1e-6)
    assert trends.loc["都昌", "trend"] == "too short"


def test_account_series_sum_only_items_computed_every_year():
    from ecoledger.monitoring import indicators

    rows = []
    for year, water, soil, carbon in ((2018, 100.0, 50.0, 30.0), (2019, 80.0, 45.0, float("nan"))):
        for item, value in (("water_conservation", water), ("soil_retention", soil), ("carbon", carbon)):
            rows.append({"adcode": "360111", "name": "甲县", "level": "county", "year": year,
                         "group": "regulating", "item": item, "ecosystem": "all", "value_yuan": value})
    series = indicators.from_accounts(pd.DataFrame(rows))
    # carbon is missing in 2019, so it is left out of both years: 150 → 125 (−16.7 %), not 180 → 125
    assert series["value"].tolist() == [150.0, 125.0]
    alerts = warning.evaluate(rules('''
[[rule]]
id = "drop"
series = "regulating_value_yuan"
kind = "change"
drop_percent = 10
severity = "medium"
message = "fell"
'''), series)
    assert alerts[0].evidence["change_percent"] == -16.67 and alerts[0].responsible == "甲县 (360111)"
