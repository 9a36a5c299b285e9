"""Intervals on the applications' amounts from the accounts' draws (issue 21): collapsed draws give
the point, every draw's shares sum to the fund, the interval contains the point, the outputs, pages,
certificate and API carry them, and accounts without draws work as before."""

from __future__ import annotations

import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from ecoledger.accounts import run_account
from ecoledger.applications import accounts, certificate, demo, intervals, outputs, rules, transfer, vep
from ecoledger.outputs import write_outputs
from ecoledger.platform import i18n
from ecoledger.uncertainty.propagate import Uncertainty, propagate, relative_ranges
from ecoledger.untranslated import untranslated

COUNTIES = ["990101", "990102", "990201", "990202"]
BUDGET = 1e8
# floors and caps that bind (the counties' plain shares lie between 21 % and 29 %)
TRANSFER = f"""kind = "transfer"
level = "county"
budget_yuan = {BUDGET:.0f}
floor_yuan = 2.3e7
cap_share = 0.27
[[factor]]
name = "gep"
basis = "gep"
weight = 0.4
[[factor]]
name = "gep_per_km2"
basis = "gep_per_km2"
weight = 0.3
[[factor]]
name = "item:water_conservation"
basis = "item:water_conservation"
weight = 0.3
"""
PURCHASE = """kind = "purchase"
level = "county"
items = ["water_conservation", "soil_retention_sediment"]
rate = 0.002
[[instalment]]
share = 0.7
[[instalment]]
share = 0.3
"""
COMPENSATION = """kind = "gep_compensation"
[[payment]]
provider = "990101"
beneficiary = "990102"
basis = "item:water_conservation"
beneficiary_share = 0.3
rate = 0.01
[[payment]]
provider = "990201"
beneficiary = "990202"
basis = "gep"
beneficiary_share = 0.5
rate = 0.002
"""
RULES = {"transfer": TRANSFER, "purchase": PURCHASE, "gep_compensation": COMPENSATION}
AMOUNTS = {"transfer": ["amount_yuan", "share"], "purchase": ["price_yuan", "paid_yuan"],
           "gep_compensation": ["amount_yuan"]}


@pytest.fixture(scope="module")
def drawn(synthetic_pack, tmp_path_factory):
    """Account folders of the synthetic pack with maps: without draws, with ±10 % draws of every
    input (1,000), and with collapsed ranges (every draw the point)."""
    folder = tmp_path_factory.mktemp("drawn")
    result = run_account(synthetic_pack, 2020, profile="mee2020", keep_maps=True, components=True)
    written = {"plain": write_outputs(result, folder / "plain", synthetic_pack)}
    for name, (low, high) in {"wide": (0.9, 1.1), "collapsed": (1.0, 1.0)}.items():
        result.uncertainty = propagate(result, relative_ranges(result, low, high), draws=1000)
        written[name] = write_outputs(result, folder / name, synthetic_pack)
    result.uncertainty = None
    return written


@pytest.fixture(scope="module")
def site(synthetic_pack):
    units = gpd.read_file(synthetic_pack / "units.gpkg")
    column = next(c for c in units.columns if units[c].astype(str).eq("990101").any())
    county = units[units[column].astype(str) == "990101"]
    return vep.read_site(json.loads(county.buffer(-1500).to_crs("EPSG:4326").to_json()))


def _apply(tmp_path, kind, folder):
    rule = tmp_path / f"{kind}.toml"
    rule.write_text(RULES[kind], encoding="utf-8")
    return rules.apply(rule, accounts.load(folder))


@pytest.mark.parametrize("kind", list(RULES))
def test_collapsed_draws_give_the_point(drawn, tmp_path, kind):
    result = _apply(tmp_path, kind, drawn["collapsed"])
    table = result.table
    assert result.record["uncertainty"]["draws"] == 1000
    for column in AMOUNTS[kind]:
        names = intervals.column_names(column)
        assert set(names.values()) <= set(table)
        for name in names.values():
            np.testing.assert_allclose(table[name], table[column], rtol=1e-12, atol=1e-6,
                                       err_msg=f"{kind}.{name}")


def test_collapsed_draws_give_the_site_its_point(drawn, site):
    cert = vep.certify(drawn["collapsed"], site, "site", 0.03, 20, [0.03], [20])
    drawn_ = cert["uncertainty"]
    for key in ("annual_flow_yuan", "present_value_yuan"):
        assert drawn_[key]["p05"] == pytest.approx(cert[key], rel=1e-12)
        assert drawn_[key]["p95"] == pytest.approx(cert[key], rel=1e-12)
    for flow in cert["flows"]:
        if flow["value_yuan"] is not None:
            assert flow["p05_yuan"] == pytest.approx(flow["value_yuan"], rel=1e-12)


def test_every_draw_shares_out_the_whole_fund_within_floor_and_cap(drawn):
    units = accounts.load(drawn["wide"])
    chosen = units.loc[COUNTIES]
    draws = intervals.read(drawn["wide"]).for_units(units)
    bases = draws.columns(chosen, ["gep", "gep_per_km2", "item:water_conservation"])
    weights = {"gep": 0.4, "gep_per_km2": 0.3, "item:water_conservation": 0.3}
    floor, cap = 2.3e7, 0.27 * BUDGET
    amounts = intervals.allocate(bases, weights, BUDGET, floor, cap)
    assert amounts.shape == (1000, 4)
    np.testing.assert_allclose(amounts.sum(axis=1), BUDGET, rtol=1e-12)
    assert (amounts >= floor - 1e-3).all() and (amounts <= cap + 1e-3).all()
    assert (amounts == cap).any() or (amounts == floor).any()  # the bounds bind in some draws
    # the vectorised water-filling is transfer.allocate's, draw by draw
    factors = {f: (f, w) for f, w in weights.items()}
    for d in (0, 17, 503, 999):
        frame = pd.DataFrame({f: bases[f][d] for f in weights}, index=chosen.index)
        one = transfer.allocate(frame, BUDGET, factors, floor, cap)
        np.testing.assert_allclose(amounts[d], one["amount_yuan"], rtol=1e-10)


def test_intervals_contain_the_point_for_a_ten_percent_range(drawn, tmp_path, site):
    for kind, columns in AMOUNTS.items():
        table = _apply(tmp_path, kind, drawn["wide"]).table
        for column in columns:
            names = intervals.column_names(column)
            assert (table[names["p05"]] <= table[column] * (1 + 1e-9)).all(), (kind, column)
            assert (table[names["p95"]] >= table[column] * (1 - 1e-9)).all(), (kind, column)
        spread = intervals.column_names(columns[0])
        assert (table[spread["p95"]] > table[spread["p05"]]).any()
    transfer_table = _apply(tmp_path, "transfer", drawn["wide"]).table
    assert transfer_table["amount_yuan"].sum() == pytest.approx(BUDGET)  # the fund stays fixed
    cert = vep.certify(drawn["wide"], site, "site", 0.03, 20, [0.03], [20])
    flow = cert["uncertainty"]["annual_flow_yuan"]
    assert flow["p05"] < cert["annual_flow_yuan"] < flow["p95"]
    assert cert["uncertainty"]["method"] == intervals.SITE_METHOD
    assert "per-ecosystem coefficients" in cert["uncertainty"]["method"]
    assert certificate.verify(cert)[0]
    case = vep.damage_case(drawn["wide"], site, 0.5, 4, 0.0, 100.0)
    total = case["uncertainty"]["total_yuan"]
    assert total["p05"] < case["total_yuan"] < total["p95"]
    assert total["median"] == pytest.approx(case["uncertainty"]["annual_flow_yuan"]["median"] + 100)


def test_outputs_store_intervals_beside_the_points_and_pages_show_them(drawn, tmp_path):
    result = _apply(tmp_path, "transfer", drawn["wide"])
    written = outputs.write(result, tmp_path / "out")
    table = pd.read_csv(written["csv"], dtype={"code": str})
    columns = list(table.columns)
    at = columns.index("amount_yuan")
    assert columns[at + 1:at + 4] == ["amount_median_yuan", "amount_p05_yuan", "amount_p95_yuan"]
    assert {"share_median", "share_p05", "share_p95"} <= set(columns)
    record = json.loads(written["json"].read_text(encoding="utf-8"))
    assert record["record"]["uncertainty"]["approximate_bases"] == ["item:water_conservation"]
    assert "amount_p05_yuan" in record["rows"][0]
    assert not any(intervals.is_interval(c) for c in outputs.totalled(result))  # percentiles never summed
    zh = written["html"].read_text(encoding="utf-8")
    assert "90 % 区间（万元）" in zh and "90 % 区间：按核算的 1000 次蒙特卡洛抽样" in zh
    assert "按生态系统类型取值的系数" in zh  # the approximation named
    assert untranslated(zh) == []
    en = written["html_en"].read_text(encoding="utf-8")
    assert "90 % interval (10⁴ yuan)" in en and "per-ecosystem coefficients" in en


def test_certificate_and_demo_page_show_the_interval_without_english(drawn, site, tmp_path):
    cert = vep.certify(drawn["wide"], site, "测试地块", 0.03, 20, [0.03], [20])
    zh = certificate.render_html(cert, "zh")
    assert "年服务流量 90 % 区间（元/年）" in zh and 'id="certificate-interval"' in zh
    assert untranslated(zh) == []
    assert "Yearly service flow, 90 % interval" in certificate.render_html(cert, "en")
    case = vep.damage_case(drawn["wide"], site, 0.1, 10, 0.03, 5e6)
    model = {"sections": [(_apply(tmp_path, "transfer", drawn["wide"]), "transfer")], "cert": cert,
             "case": case, "tamper_detected": True, "pdf": False, "accounts": "a", "previous": "b",
             "maps": "c"}
    page = demo.render_page(model, i18n.translator("zh"))
    low, high = (cert["uncertainty"]["annual_flow_yuan"][k] / 1e8 for k in ("p05", "p95"))
    assert f"90 % 区间 {low:,.2f}–{high:,.2f} 亿元" in page
    assert "90 % 区间：按核算的 1000 次" in page and "地块的单项价值随全区同比例变化" in page
    assert untranslated(page) == []
    assert "90 % interval" in demo.render_page(model, i18n.translator("en"))


def test_accounts_without_draws_work_as_before(drawn, tmp_path, site):
    result = _apply(tmp_path, "transfer", drawn["plain"])
    assert "uncertainty" not in result.record
    assert not any(intervals.is_interval(c) for c in result.table)
    written = outputs.write(result, tmp_path / "out")
    assert "90 %" not in written["html"].read_text(encoding="utf-8")
    cert = vep.certify(drawn["plain"], site, "site", 0.03, 20, [0.03], [20])
    assert "uncertainty" not in cert and "p05_yuan" not in cert["flows"][0]
    assert "90 %" not in certificate.render_html(cert, "zh")
    assert "uncertainty" not in vep.damage_case(drawn["plain"], site, 0.1, 10, 0.03, 5e6)
    # draws of other accounts are not put on these: no interval, and the record says why
    other = intervals.read(drawn["wide"])
    other.point = other.point * 2
    refused = rules.apply(tmp_path / "transfer.toml", accounts.load(drawn["plain"]), other)
    assert refused.record["uncertainty"]["columns"] == {}
    assert "do not belong" in refused.record["uncertainty"]["reason"]


def test_previous_year_pairs_only_with_the_same_seed_and_inputs(drawn, tmp_path):
    assert intervals.read(drawn["wide"], drawn["wide"]).previous is not None
    # collapsed ranges sample no input: not the same inputs, so the previous year is its point
    assert intervals.read(drawn["wide"], drawn["collapsed"]).previous is None
    assert intervals.read(drawn["wide"], drawn["plain"]).previous is None
    rule = tmp_path / "change.toml"
    rule.write_text('kind = "gep_compensation"\n[[payment]]\nprovider = "990101"\nbeneficiary = "990102"\n'
                    'basis = "gep_change"\nbeneficiary_share = 1\nrate = 0.5\n', encoding="utf-8")
    result = rules.apply(rule, accounts.load(drawn["wide"], drawn["wide"]))
    assert result.record["uncertainty"]["previous_year"] == "paired"
    row = result.table.iloc[0]  # paired draws of the same accounts: every draw's change is 0
    assert row["amount_yuan"] == 0 and row["amount_p05_yuan"] == 0 and row["amount_p95_yuan"] == 0


def test_a_thousand_draws_of_a_hundred_counties_stay_well_under_a_second():
    rng = np.random.default_rng(1)
    codes = pd.Index([f"{i:06d}" for i in range(100)], name="code")
    gep = rng.uniform(1e9, 5e10, 100)
    base = pd.DataFrame({"name": codes, "level": "county", "year": 2020, "gep": gep, "regulating": gep,
                         "item:water_conservation": gep / 3, "area_km2": 1000.0}, index=codes)
    units = accounts.add_ratios(accounts.with_change(base, pd.DataFrame({"gep": gep * 0.95}, index=codes)))
    spread = rng.uniform(0.7, 1.3, (1000, 1)) * rng.uniform(0.95, 1.05, (1000, 100))
    draws = intervals.UnitDraws(pd.DataFrame(gep * spread, columns=codes), pd.Series(gep, index=codes),
                                pd.DataFrame({"water_conservation": rng.uniform(0.8, 1.2, 1000)}))
    started = time.perf_counter()
    bases = draws.columns(units, ["gep", "gep_per_km2", "gep_change", "item:water_conservation"])
    amounts = intervals.allocate(bases, {"gep": 0.3, "gep_per_km2": 0.3, "gep_change": 0.2,
                                         "item:water_conservation": 0.2}, BUDGET, 5e5, 0.02 * BUDGET)
    intervals.quantiles(amounts)
    elapsed = time.perf_counter() - started
    np.testing.assert_allclose(amounts.sum(axis=1), BUDGET, rtol=1e-12)
    assert (amounts <= 0.02 * BUDGET + 1e-3).all()
    assert elapsed < 1.0, elapsed


def test_uncertainty_files_are_what_the_applications_read(drawn):
    found = Uncertainty.read(drawn["wide"] / "uncertainty")
    draws = intervals.read(drawn["wide"])
    assert draws.count == len(found.gep_draws) == 1000
    assert draws.matches(accounts.load(drawn["wide"]))


def test_api_returns_the_intervals(platform_client, platform_pack):
    from ecoledger.platform.testing import login
    from tests.test_applications_platform import YEAR, publish, site_geojson

    publish(platform_client)
    client = platform_client
    csrf = login(client, "county-a")
    before = client.post("/api/v1/applications/apply", data={"year": YEAR, "example": "transfer-by-gep.toml"},
                         headers={"X-CSRF-Token": csrf}).json()
    assert "uncertainty" not in before["record"]  # no drawn accounts of the year yet: points only
    site = ("site.geojson", site_geojson(platform_pack), "application/geo+json")
    cert = client.post("/api/v1/applications/vep", data={"year": YEAR, "name": "site"}, files={"site": site},
                       headers={"X-CSRF-Token": csrf}).json()
    drawn = cert["uncertainty"]  # the year's value maps are drawn with them (cited ranges)
    assert drawn["draws"] == 1000 and drawn["method"] == intervals.SITE_METHOD
    # cited ranges are not centred on the table values: the point need not lie inside the interval
    flow = drawn["annual_flow_yuan"]
    assert flow["p05"] < flow["median"] < flow["p95"]
    assert drawn["present_value_yuan"]["p95"] == pytest.approx(
        drawn["annual_flow_yuan"]["p95"] * (1 - 1.03 ** -20) / 0.03)
    damage = client.post("/api/v1/applications/damage", files={"site": site}, headers={"X-CSRF-Token": csrf},
                         data={"year": YEAR, "damaged_fraction": 0.5, "recovery_years": 4, "rate": 0,
                               "restoration_cost": 100}).json()
    assert damage["uncertainty"]["total_yuan"]["p05"] < damage["uncertainty"]["total_yuan"]["p95"]
    after = client.post("/api/v1/applications/apply", data={"year": YEAR, "example": "transfer-by-gep.toml"},
                        headers={"X-CSRF-Token": csrf}).json()
    assert after["record"]["uncertainty"]["draws"] == 1000
    for row in after["rows"]:
        assert row["amount_p05_yuan"] <= row["amount_median_yuan"] <= row["amount_p95_yuan"]
        assert {"share_p05", "share_median", "share_p95"} <= set(row)
    assert sum(r["amount_yuan"] for r in after["rows"]) == pytest.approx(1e8)


def test_cli_apply_writes_the_intervals_of_a_drawn_accounts_folder(drawn, tmp_path):
    from typer.testing import CliRunner

    from ecoledger.cli.main import app

    rule = tmp_path / "t.toml"
    rule.write_text(TRANSFER, encoding="utf-8")
    result = CliRunner().invoke(app, ["applications", "apply", str(rule), "--accounts", str(drawn["wide"]),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "transfer.csv", dtype={"code": str})
    assert table["amount_yuan"].sum() == pytest.approx(BUDGET)
    assert (table["amount_p05_yuan"] <= table["amount_p95_yuan"]).all()
