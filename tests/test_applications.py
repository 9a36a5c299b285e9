"""Applications: every rule with a hand-computed answer (arithmetic in the comments)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from geopandas import GeoDataFrame
from rasterio.transform import from_origin
from typer.testing import CliRunner

from ecoledger.applications import (
    accounts,
    assessment,
    certificate,
    compensation,
    parameters,
    rules,
    transfer,
    valuation,
    vep,
)
from ecoledger.applications.errors import ApplicationError
from ecoledger.cli.main import app
from ecoledger.untranslated import untranslated

CODES = ["a", "b", "c"]


# --- fiscal transfer ------------------------------------------------------------------------------

def test_factor_contributions_by_hand():
    basis = pd.DataFrame({"gep": [1.0, 3.0], "area": [2.0, 2.0]}, index=["a", "b"])
    out = transfer.factor_contributions(100, {"gep": 0.6, "area": 0.4}, basis)
    # gep: 60 × 1/4 = 15, 60 × 3/4 = 45; area: 40 × 2/4 = 20 each
    assert out.loc["a"].tolist() == pytest.approx([15, 20])
    assert out.loc["b"].tolist() == pytest.approx([45, 20])


def test_negative_change_and_missing_basis_earn_nothing():
    units = pd.DataFrame({"name": CODES, "change": [-5.0, 5.0, 15.0], "gep": [np.nan, 1.0, 1.0]}, index=CODES)
    out = transfer.allocate(units, 100, {"change": ("change", 0.5), "gep": ("gep", 0.5)})
    # change: 50 × (0, 5/20, 15/20) = 0, 12.5, 37.5; gep: 50 × (0, 1/2, 1/2) = 0, 25, 25
    assert out["amount_yuan"].tolist() == pytest.approx([0, 37.5, 62.5])
    assert "gep missing" in out.at["a", "note"] and "change negative" in out.at["a", "note"]


def test_zero_budget_gives_zero_everywhere():
    units = pd.DataFrame({"name": CODES, "gep": [1.0, 2.0, 3.0]}, index=CODES)
    out = transfer.allocate(units, 0, {"gep": ("gep", 1.0)})
    assert out["amount_yuan"].tolist() == [0, 0, 0] and out["share"].tolist() == [0, 0, 0]


def test_ties_get_equal_amounts():
    units = pd.DataFrame({"name": CODES, "gep": [2.0, 2.0, 4.0]}, index=CODES)
    out = transfer.allocate(units, 80, {"gep": ("gep", 1.0)})
    assert out["amount_yuan"].tolist() == pytest.approx([20, 20, 40])  # 80 × 2/8, 2/8, 4/8


def test_floor_and_cap_by_water_filling():
    raw = pd.Series([10.0, 30.0, 60.0], index=CODES)
    # floor 20: a pinned at 20; 80 left shared 30 : 60 → 26.667, 53.333
    assert transfer.apply_bounds(raw, 100, floor=20).tolist() == pytest.approx([20, 80 / 3, 160 / 3])
    # cap 50: c pinned at 50; 50 left shared 10 : 30 → 12.5, 37.5
    assert transfer.apply_bounds(raw, 100, cap=50).tolist() == pytest.approx([12.5, 37.5, 50])
    with pytest.raises(ValueError):
        transfer.apply_bounds(raw, 100, floor=40)  # 3 × 40 > 100


def test_adjustment_explains_the_amount():
    units = pd.DataFrame({"name": CODES, "gep": [10.0, 30.0, 60.0]}, index=CODES)
    out = transfer.allocate(units, 100, {"gep": ("gep", 1.0)}, floor=20)
    assert out.at["a", "adjustment"] == pytest.approx(10)  # 10 → 20
    explained = out["contribution:gep"] + out["adjustment"]
    assert explained.tolist() == pytest.approx(out["amount_yuan"].tolist())
    assert "floor" in out.at["a", "note"]


def test_factor_nobody_earns_is_spread_over_the_others():
    units = pd.DataFrame({"name": CODES, "gep": [1.0, 1.0, 2.0], "change": [-1.0, 0.0, np.nan]}, index=CODES)
    out = transfer.allocate(units, 100, {"gep": ("gep", 0.5), "change": ("change", 0.5)})
    assert out["amount_yuan"].tolist() == pytest.approx([25, 25, 50])  # all 100 by gep: 1/4, 1/4, 2/4


def test_purchase_yunhe_rule():
    value = pd.Series([1e9, 2e9, np.nan], index=CODES)
    condition = pd.Series({"a": True, "b": False})  # c not reported
    out = transfer.purchase(value, 0.002, [0.7, 0.3], [None, condition])
    # price 0.2 %: 2e6, 4e6; first 70 %: 1.4e6, 2.8e6; second 30 % only where met: 0.6e6, 0
    assert out["instalment_1_yuan"].tolist() == pytest.approx([1.4e6, 2.8e6, 0])
    assert out["instalment_2_yuan"].tolist() == pytest.approx([0.6e6, 0, 0])
    assert out["paid_yuan"].tolist() == pytest.approx([2e6, 2.8e6, 0])
    assert "not met" in out.at["b", "note"] and "missing" in out.at["c", "note"]
    with pytest.raises(ValueError):
        transfer.purchase(value, 0.002, [0.7, 0.2], [None, None])


# --- compensation ---------------------------------------------------------------------------------

def test_basin_fund_by_hand():
    scores = pd.DataFrame({"W": [60.0, 40.0], "F": [50.0, 50.0], "R": [0.0, 10.0]}, index=["a", "b"])
    coefficient, penalty = pd.Series([1.0, 1.5], index=["a", "b"]), pd.Series([0.0, 0.3], index=["a", "b"])
    out = compensation.basin_fund(1000, scores, {"W": 0.7, "F": 0.2, "R": 0.1}, coefficient, penalty)
    # s_a = .7×.6 + .2×.5 + .1×0 = .52; s_b = .7×.4 + .2×.5 + .1×1 = .48; × K: .52, .72 (Σ 1.24)
    # S_a = 1000 × .52/1.24 = 419.355; S_b = 580.645; penalty 30 % of S_b = 174.194 rolls over
    assert out["before_penalty_yuan"].tolist() == pytest.approx([419.3548, 580.6452], rel=1e-6)
    assert out.at["b", "rolled_over_yuan"] == pytest.approx(174.1935, rel=1e-6)
    assert out["amount_yuan"].tolist() == pytest.approx([419.3548, 406.4516], rel=1e-6)


def test_basin_fund_missing_score_counts_zero():
    scores = pd.DataFrame({"W": [1.0, np.nan]}, index=["a", "b"])
    out = compensation.basin_fund(10, scores, {"W": 1.0})
    assert out["amount_yuan"].tolist() == [10, 0] and "missing" in out.at["b", "note"]


def test_p_index_worked_example_and_direction():
    # notes §5.2: 87 %, 94 %, 88 %, 86 % of baseline, k_i = .25, k0 = .85
    # P = .85 × .25 × (.87 + .94 + .88 + .86) = .85 × .8875 = 0.754375 (the notes print 0.753)
    keys = ["CODMn", "NH3-N", "TN", "TP"]
    baseline = pd.Series([2.0, 0.1, 1.0, 0.05], index=keys)
    concentration = baseline * pd.Series([0.87, 0.94, 0.88, 0.86], index=keys)
    p = compensation.p_index(concentration, baseline, pd.Series(0.25, index=keys), 0.85)
    assert p == pytest.approx(0.754375)
    assert compensation.direction(p, 1.0, "up", "down", 1e8)["payer"] == "down"
    assert compensation.direction(1.0, 1.0, "up", "down", 1e8)["payer"] == "down"  # P = 1: still ≤
    assert compensation.direction(1.0001, 1.0, "up", "down", 1e8)["payer"] == "up"


def test_annual_means_need_enough_samples():
    samples = pd.DataFrame({"indicator": ["TP"] * 3 + ["TN"], "concentration": [0.1, 0.2, np.nan, 1.0]})
    means = compensation.annual_means(samples, ["TP"], 2)
    assert means.at["TP", "mean"] == pytest.approx(0.15) and means.at["TP", "count"] == 2  # NaN not counted
    with pytest.raises(ValueError, match="TN"):
        compensation.annual_means(samples, ["TP", "TN"], 2)


def test_gep_payment():
    assert compensation.gep_payment(1e9, 0.1, 0.01) == pytest.approx(1e6)  # 1e9 × 10 % × 1 %
    assert np.isnan(compensation.gep_payment(np.nan, 0.1, 0.01))


# --- assessment -----------------------------------------------------------------------------------

def test_assessment_by_hand_with_missing_and_ranks():
    units = pd.DataFrame({"name": CODES, "x": [5.0, 10.0, 20.0], "y": [4.0, 2.0, np.nan]}, index=CODES)
    out = assessment.assess(units, [assessment.Indicator("x", 0.6, True, 10.0),
                                    assessment.Indicator("y", 0.4, False, 2.0)])
    # x: 60 × min(1, 5/10, 10/10, 20/10) = 30, 60, 60; y (lower): 40 × 2/4, 2/2, missing = 20, 40, 0
    assert out.loc[CODES, "score"].tolist() == pytest.approx([50, 100, 60])
    assert out.loc[CODES, "rank"].tolist() == [3, 1, 2]
    assert "y missing" in out.at["c", "note"]


def test_assessment_ties_negative_and_no_target():
    units = pd.DataFrame({"name": [*CODES, "d"], "x": [4.0, 4.0, -1.0, 2.0]}, index=[*CODES, "d"])
    out = assessment.assess(units, [assessment.Indicator("x", 1.0)])
    # no target: best value 4 is the target → 100, 100, 0 (negative), 50
    assert out.loc[[*CODES, "d"], "score"].tolist() == pytest.approx([100, 100, 0, 50])
    assert out.loc[[*CODES, "d"], "rank"].tolist() == [1, 1, 4, 3]  # ties share rank 1


# --- valuation and damage -------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "years", "expected"), [
    # notes §7.1 (F = 1, ×¥100 M): 3 %: 14.9, 23.1, 29.1; 4.5 %: 13.0, 18.4, 21.2; 8 %: 9.8, 11.9, 12.4
    (0.03, 20, 14.9), (0.03, 40, 23.1), (0.03, 70, 29.1), (0.045, 20, 13.0), (0.045, 40, 18.4),
    (0.045, 70, 21.2), (0.08, 20, 9.8), (0.08, 40, 11.9), (0.08, 70, 12.4)])
def test_present_value_matches_the_notes_table(rate, years, expected):
    assert round(valuation.present_value(1.0, rate, years), 1) == expected


def test_present_value_edges_and_sensitivity():
    assert valuation.present_value(5.0, 0.0, 7) == 35.0  # r = 0: F × T
    assert valuation.present_value(5.0, 0.03, 0) == 0.0
    table = valuation.sensitivity(100.0, [0.03, 0.08], [20, 40])
    assert table.loc[0.08, 40] == pytest.approx(100 * (1 - 1.08 ** -40) / 0.08)


def test_linear_recovery_loss_and_damage():
    # F = 100, d = .5, R = 4: 50 × (1 − (t − ½)/4) = 43.75, 31.25, 18.75, 6.25 (Σ 100 = F·d·R/2)
    losses = valuation.linear_recovery_loss(100, 0.5, 4)
    assert losses.tolist() == pytest.approx([43.75, 31.25, 18.75, 6.25])
    case = valuation.damage(100, 0.5, 4, 0.0, restoration_cost=30, other_costs=5)
    assert case["total_yuan"] == pytest.approx(135)
    discounted = valuation.damage(100, 0.5, 4, 0.1, 0)["interim_loss_discounted_yuan"]
    assert discounted == pytest.approx(43.75 / 1.1 + 31.25 / 1.1 ** 2 + 18.75 / 1.1 ** 3 + 6.25 / 1.1 ** 4)
    with pytest.raises(ValueError):
        valuation.linear_recovery_loss(100, 1.5, 4)


# --- VEP on a synthetic raster --------------------------------------------------------------------

CRS = "EPSG:32650"  # metric (UTM 50N): the cells are 1000 m squares
ORIGIN = (500_000.0, 3_300_000.0)


@pytest.fixture
def value_run(tmp_path):
    """An account folder with one 4 × 4 value map, values 1 … 16 (yuan per cell), and its run.json."""
    (tmp_path / "maps").mkdir()
    values = np.arange(1, 17, dtype="float32").reshape(4, 4)
    profile = {"driver": "GTiff", "width": 4, "height": 4, "count": 1, "dtype": "float32", "crs": CRS,
               "transform": from_origin(*ORIGIN, 1000, 1000), "nodata": np.nan}
    with rasterio.open(tmp_path / "maps" / "water_conservation_value.tif", "w", **profile) as dst:
        dst.write(values, 1)
    (tmp_path / "run.json").write_text(json.dumps({
        "region": "Test", "year": 2020, "profile": "ndrc2022", "parameter_table_version": "abc",
        "code_version": "0", "grid": {"crs": CRS}, "inputs": {"pack.toml": "00"},
        "outputs": {"maps/water_conservation_value.tif": "11"}}))
    pd.DataFrame([{"adcode": "1", "level": "province", "ecosystem": "all", "item": "water_conservation",
                   "data_status": "derived"}]).to_csv(tmp_path / "accounts.csv", index=False)
    return tmp_path


def test_vep_command_writes_the_certificate_in_chinese_and_english(value_run, tmp_path):
    """`applications vep` writes the printable certificate in Chinese (certificate.html, its name
    of before) and English (certificate.en.html) from the one catalogue, each linking to the other,
    both of the same sealed certificate.json."""
    site = tmp_path / "site.geojson"
    _site(500, 0, 2500, 1000).to_file(site, driver="GeoJSON")
    out = tmp_path / "vep"
    result = CliRunner().invoke(app, ["applications", "vep", str(site), "--accounts", str(value_run),
                                      "--name", "测试地块", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cert = json.loads((out / "certificate.json").read_text(encoding="utf-8"))
    zh = (out / "certificate.html").read_text(encoding="utf-8")
    en = (out / "certificate.en.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh and "生态资产价值（VEP）核算证书" in zh
    assert '<html lang="en">' in en and "Ecological asset valuation (VEP) certificate" in en
    assert "生态资产价值" not in en and untranslated(zh) == []
    assert 'href="certificate.en.html"' in zh and 'href="certificate.html"' in en
    for page in (zh, en):
        assert cert["content_sha256"] in page and f"{cert['present_value_yuan']:,.0f}" in page
    assert certificate.verify(cert)[0]


def _site(x0, y0, x1, y1):
    x, y = ORIGIN
    return GeoDataFrame({"site": [1]}, geometry=[shapely.box(x + x0, y - y1, x + x1, y - y0)], crs=CRS)


def test_vep_equals_per_pixel_sum_with_fractional_edges(value_run):
    # x from 500 to 2500 m, first row: half of cell 1, all of cell 2, half of cell 3 → ½·1 + 2 + ½·3 = 4
    site = _site(500, 0, 2500, 1000)
    flows = vep.site_flows(value_run / "maps", site)
    assert flows.at[0, "value_yuan"] == pytest.approx(4.0)
    assert flows.at[0, "covered_cells"] == pytest.approx(2.0)
    # a 1.5 × 1.5 cell square from the corner: 1 + ½·2 + ½·5 + ¼·6 = 6
    corner = vep.site_flows(value_run / "maps", _site(0, 0, 1500, 1500))
    assert corner.at[0, "value_yuan"] == pytest.approx(6.0)


def test_vep_accepts_crs84_geojson(value_run):
    site = _site(500, 0, 2500, 1000).to_crs("EPSG:4326")
    mapping = json.loads(site.to_json())
    back = vep.read_site(mapping)
    assert vep.site_flows(value_run / "maps", back).at[0, "value_yuan"] == pytest.approx(4.0, rel=1e-4)


def test_certificate_verifies_and_tampering_fails(value_run, tmp_path):
    cert = vep.certify(value_run, _site(500, 0, 2500, 1000), "test site", 0.03, 20, [0.03, 0.08], [20, 40],
                       issued_at="2020-01-01T00:00:00Z")
    assert cert["annual_flow_yuan"] == pytest.approx(4.0)
    assert cert["present_value_yuan"] == pytest.approx(4.0 * (1 - 1.03 ** -20) / 0.03)
    assert cert["data_vintage"]["maps_sha256"] == {"maps/water_conservation_value.tif": "11"}
    assert cert["verification"]["endpoint"].endswith(cert["content_sha256"])
    assert certificate.verify(cert)[0]
    warnings = " ".join(cert["warnings"])
    assert "derived" in warnings and "1000 m cells" in warnings and "covers 2.00 cells" in warnings
    written = vep.write(cert, tmp_path / "cert")
    stored = json.loads(written["json"].read_text(encoding="utf-8"))
    assert certificate.verify(stored)[0]
    stored["present_value_yuan"] += 1
    assert not certificate.verify(stored)[0]
    stored = json.loads(written["json"].read_text(encoding="utf-8"))
    stored["parameters"]["discount_rate"] = 0.01
    assert not certificate.verify(stored)[0]
    runner = CliRunner()
    assert runner.invoke(app, ["applications", "verify", str(written["json"])]).exit_code == 0
    (tmp_path / "bad.json").write_text(json.dumps(stored), encoding="utf-8")
    result = runner.invoke(app, ["applications", "verify", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "INVALID" in result.output


def test_site_partly_outside_is_flagged(value_run):
    flows = vep.site_flows(value_run / "maps", _site(-1000, 0, 1000, 1000))  # half outside: 1 × cell 1
    assert flows.at[0, "value_yuan"] == pytest.approx(1.0)
    assert flows.at[0, "cells_without_value"] == pytest.approx(1.0)
    assert any("1.00 of the site's 2.00 cells" in w for w in vep.warnings(flows, {}))


def test_damage_case_on_a_site(value_run):
    case = vep.damage_case(value_run, _site(500, 0, 2500, 1000), 0.5, 4, 0.0, 10.0)
    assert case["annual_flow_yuan"] == pytest.approx(4.0)
    assert case["total_yuan"] == pytest.approx(4.0 * 0.5 * 4 / 2 + 10)  # F·d·R/2 + cost = 4 + 10


def test_bad_geometry_is_refused():
    with pytest.raises(ApplicationError, match=r"not a site boundary.*Polygon"):
        vep.read_site({"type": "Point", "coordinates": [116, 29]})


# --- rule files and the CLI -----------------------------------------------------------------------

def _units():
    frame = pd.DataFrame({"name": ["A", "B", "C"], "level": "county", "year": 2020,
                          "gep": [100.0, 300.0, np.nan], "regulating": [100.0, 300.0, np.nan],
                          "gep_change": [10.0, -5.0, 2.0],
                          "item:water_conservation": [1e9, 2e9, np.nan]}, index=pd.Index(CODES, name="code"))
    return frame


def test_transfer_rule_with_param_reference(tmp_path):
    rule = tmp_path / "r.toml"
    rule.write_text('kind = "transfer"\nlevel = "county"\nbudget_yuan = 100\n'
                    '[[factor]]\nname = "level"\nbasis = "gep"\nweight = 0.5\n'
                    '[[factor]]\nname = "change"\nbasis = "gep_change"\nweight = 0.5\n')
    result = rules.apply(rule, _units())
    # level: 50 × (100/400, 300/400, 0) = 12.5, 37.5, 0; change: 50 × (10/12, 0, 2/12) = 41.667, 0, 8.333
    assert result.table["amount_yuan"].tolist() == pytest.approx([54.1667, 37.5, 8.3333], rel=1e-4)
    assert result.record["policy_table_version"] == parameters.version()


def test_purchase_rule_cites_the_parameter_table(tmp_path):
    rule = tmp_path / "p.toml"
    rule.write_text('kind = "purchase"\nillustrative = true\nunits = ["a", "b"]\n'
                    'items = ["water_conservation"]\nrate = "param:yunhe_purchase_rate"\n'
                    '[[instalment]]\nshare = 1.0\n')
    result = rules.apply(rule, _units())
    assert result.table["paid_yuan"].tolist() == pytest.approx([2e6, 4e6])  # 0.2 % of 1e9, 2e9
    assert result.record["parameters_used"][0]["id"] == "yunhe_purchase_rate"
    assert (result.table["input_status"] == rules.ILLUSTRATIVE).all()


FACTOR = '[[factor]]\nname = "x"\nbasis = "{}"\nweight = {}\n'


@pytest.mark.parametrize(("text", "field"), [
    ('kind = "transfer"\nbudget_yuan = 1\n' + FACTOR.format("gep", 0.7), "factor.weight"),
    ('kind = "transfer"\nbudget_yuan = 1\n' + FACTOR.format("nope", 1), "factor[0].basis"),
    ('kind = "transfer"\nbudget_yuan = "param:nope"\n' + FACTOR.format("gep", 1), "budget_yuan"),
    ('kind = "bogus"\n', "kind"),
    ('kind = "transfer"\nbudget_yuan = 100\nfloor_yuan = 50\n' + FACTOR.format("gep", 1), "floor_yuan"),
])
def test_bad_rules_name_the_file_and_field(tmp_path, text, field):
    rule = tmp_path / "bad.toml"
    rule.write_text(text)
    with pytest.raises(ApplicationError) as info:
        rules.apply(rule, _units())
    assert "bad.toml" in str(info.value) and field in str(info.value) and "fix:" in str(info.value)


def test_unit_table_keeps_missing_totals_missing():
    rows = pd.DataFrame({"adcode": ["1", "1", "2"], "name": ["A", "A", "B"], "level": "county", "year": 2020,
                         "group": "regulating", "item": ["x", "y", "x"], "ecosystem": "all",
                         "value_yuan": [1.0, np.nan, np.nan]})
    table = accounts.unit_table(rows)
    assert table.at["1", "gep"] == 1.0 and np.isnan(table.at["2", "gep"])


def test_cli_apply_on_synthetic_accounts_and_nothing_partial(synthetic_result, synthetic_pack, tmp_path):
    from ecoledger.outputs import write_outputs

    run = write_outputs(synthetic_result, tmp_path / "acc", synthetic_pack)
    rule = tmp_path / "t.toml"
    rule.write_text('kind = "transfer"\nlevel = "county"\nbudget_yuan = 1000\n'
                    '[[factor]]\nname = "gep"\nbasis = "gep"\nweight = 1\n')
    runner = CliRunner()
    result = runner.invoke(app, ["applications", "apply", str(rule), "--accounts", str(run),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "transfer.csv", dtype={"code": str})
    assert set(table["code"]) == {"990101", "990102", "990201", "990202"}
    assert table["amount_yuan"].sum() == pytest.approx(1000)
    rule.write_text('kind = "transfer"\nbudget_yuan = 1000\n')
    bad = runner.invoke(app, ["applications", "apply", str(rule), "--accounts", str(run),
                              "--out", str(tmp_path / "out2")])
    assert bad.exit_code == 2 and "factor" in bad.output and not (tmp_path / "out2").exists()


def test_assessment_writes_table_record_and_report(tmp_path):
    from ecoledger.applications import outputs

    rule = tmp_path / "a.toml"
    rule.write_text('kind = "assessment"\n[[indicator]]\nname = "gep"\nweight = 1\ntarget = 200\n')
    written = outputs.write(rules.apply(rule, _units()), tmp_path / "out")
    # gep 100, 300, missing: 100 × 100/200 = 50, 100 (capped), 0
    table = pd.read_csv(written["csv"], dtype={"code": str}).set_index("code")
    assert table.loc[CODES, "score"].tolist() == pytest.approx([50, 100, 0])
    report = written["report"].read_text(encoding="utf-8")
    assert "综合考核报告" in report and ">300<" in report and "GEP缺失：0 分" in report
    assert untranslated(report) == [] and 'href="assessment-report.en.html"' in report
    english = written["report_en"].read_text(encoding="utf-8")
    assert "assessment report" in english and "GEP missing: 0 points" in english
    assert json.loads(written["json"].read_text(encoding="utf-8"))["record"]["rule_file"] == "a.toml"


def test_rule_tables_must_sit_beside_the_rule(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "secret.csv").write_text("code,W\na,1\n")
    rule = tmp_path / "rules" / "b.toml"
    rule.write_text('kind = "basin_fund"\nfund_yuan = 1\nscores = "../secret.csv"\n'
                    '[[factor]]\nname = "W"\nweight = 1\n')
    with pytest.raises(ApplicationError, match="not in the rule file's folder"):
        rules.apply(rule, _units())


def test_indicators_file_joins_population_and_names_bad_rows(tmp_path):
    from ecoledger.applications import indicators

    good = tmp_path / "pop.csv"
    good.write_text("code,indicator,value,unit,source\na,population,100,persons,census\nb,population,300,persons,census\n")
    units = accounts.add_ratios(accounts.join_indicators(_units(), indicators.read(good)))
    out = transfer.allocate(units, 40, {"people": ("population", 1.0)})
    assert out["amount_yuan"].tolist() == pytest.approx([10, 30, 0])  # 40 × 100/400, 300/400; c missing
    assert units.at["b", "gep_per_capita"] == pytest.approx(1.0)  # 300 yuan / 300 persons
    bad = tmp_path / "bad.csv"
    bad.write_text("code,indicator,value,unit,source\na,population,lots,persons,census\n")
    with pytest.raises(ApplicationError, match="row 2, value"):
        indicators.read(bad)


def test_p_index_rule_refuses_a_samples_table_without_its_columns(tmp_path):
    (tmp_path / "s.csv").write_text("date,parameter,value\n2019-01-01,TP,0.1\n")
    rule = tmp_path / "p.toml"
    rule.write_text('kind = "p_index"\nsamples = "s.csv"\nk0 = 0.85\nthreshold = 1\namount_yuan = 1\n'
                    'upstream = "u"\ndownstream = "d"\n'
                    '[[indicator]]\nname = "TP"\nbaseline = 0.1\nweight = 1\n')
    with pytest.raises(ApplicationError, match=r"s\.csv · indicator, concentration: columns missing"):
        rules.apply(rule, _units())


def test_site_outside_the_region_is_refused(value_run):
    with pytest.raises(ApplicationError, match="outside the accounted region"):
        vep.certify(value_run, _site(10_000, 10_000, 12_000, 12_000), "far", 0.03, 20, [0.03], [20])
