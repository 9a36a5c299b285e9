"""The worked-example pages (applications, carbon, monitoring): Chinese by default with an English twin, every
total equal to the result CSV's, nothing left in English on the zh page, and checked in a real
browser (no console errors, no horizontal page overflow; screenshots in out/test-screenshots)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from ecoledger.testing import chromium, screenshots, watch
from ecoledger.untranslated import untranslated

ROOT = Path(__file__).resolve().parents[1]
CHECKOUT_ACCOUNTS = ROOT / "out/jiangxi-2019"  # the carbon demo's default, from scripts/run-main


@pytest.fixture(scope="module")
def applications_demo(tmp_path_factory, jiangxi_main):
    from ecoledger.applications import demo

    accounts, previous, _ = jiangxi_main
    out = tmp_path_factory.mktemp("applications")
    demo.run(accounts, previous, None, None, ROOT / "examples/applications", out)
    return out


@pytest.fixture(scope="module")
def carbon_demo(tmp_path_factory):
    from typer.testing import CliRunner

    from ecoledger.cli.main import app

    out = tmp_path_factory.mktemp("carbon") / "c"
    here = Path.cwd()
    os.chdir(out.parent)  # the default accounts are the checkout's, whatever the working folder
    try:
        done = CliRunner().invoke(app, ["carbon", "demo", "--out", str(out)])
    finally:
        os.chdir(here)
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def monitoring_demo(tmp_path_factory, jiangxi_main):
    from ecoledger.monitoring import demo

    accounts = [jiangxi_main[1] / "accounts.csv", jiangxi_main[0] / "accounts.csv"]
    out = tmp_path_factory.mktemp("monitoring") / "m"
    demo.write(demo.build(ROOT / "data/jiangxi", accounts), out)
    return out


def _numbers(cell: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", cell))


def test_application_totals_are_the_csv_sums_once(applications_demo, jiangxi_main):
    from ecoledger.applications import accounts as unit_accounts
    from ecoledger.applications import outputs, rules
    from ecoledger.platform.i18n import translator

    units = unit_accounts.load(jiangxi_main[0], jiangxi_main[1],
                               ROOT / "examples/applications/purchase-conditions.csv")
    html = (applications_demo / "index.html").read_text(encoding="utf-8")
    t = translator("zh")
    for rule in sorted((ROOT / "examples/applications").glob("*.toml")):
        result = rules.apply(rule, units)
        csv = pd.read_csv(applications_demo / "results" / f"{rule.stem}.csv")
        section = outputs.section(result, rule.stem, t)
        table = section["table"]
        for column, total in table.totals.items():
            assert total == pytest.approx(csv[column].sum()), (rule.stem, column)
        if table.total_row:  # the page shows exactly the computed totals
            assert all(cell in html for cell in table.total_row if cell)
    p_index = pd.read_csv(applications_demo / "results" / "p-index.csv")
    assert p_index["amount_yuan"].sum() == pytest.approx(1e8)  # one payment, the fund, not 5 × 1 亿元
    assert p_index["amount_yuan"].notna().sum() == 1
    gep = pd.read_csv(applications_demo / "results" / "gep-compensation.csv")
    compensation = outputs.section(rules.apply(ROOT / "examples/applications/gep-compensation.toml", units),
                                   "gep-compensation", t)["table"]
    assert set(compensation.totals) == {"amount_yuan"}  # the basis each payment rests on is not added up
    assert compensation.totals["amount_yuan"] == pytest.approx(
        (gep["rate"] * gep["beneficiary_share"] * gep["basis_value_yuan"]).sum())
    transfer = pd.read_csv(applications_demo / "results" / "transfer-counties.csv")
    assert transfer["amount_yuan"].sum() == pytest.approx(1e9)


def test_result_pages_are_chinese_with_an_english_twin(applications_demo):
    from ecoledger.applications import outputs

    pages_ = sorted((applications_demo / "results").glob("*.en.html"))
    rules = {p.stem for p in (ROOT / "examples/applications").glob("*.toml")}
    # one result page per rule file, plus the assessment's report page
    assert {p.name.removesuffix(".en.html") for p in pages_} == rules | {"assessment-cities-report"}
    for en in pages_:
        zh = en.with_name(en.name.replace(".en.html", ".html"))
        html = zh.read_text(encoding="utf-8")
        assert untranslated(html) == [], zh.name
        assert 'href="' + en.name + '"' in html and "{&#34;" not in html and "value_yuan" not in html
        assert 'lang="en"' in en.read_text(encoding="utf-8")
    assert callable(outputs.render)


def test_p_index_payment_sits_on_the_p_row_only(tmp_path):
    from ecoledger.applications import outputs, rules

    result = rules.apply(ROOT / "examples/applications/p-index.toml", pd.DataFrame({"year": [2019]}))
    table = result.table
    assert table["amount_yuan"].notna().tolist() == [False] * 4 + [True]
    assert outputs.totals(result) == {"amount_yuan": pytest.approx(1e8)}


def test_carbon_page_totals_and_csv(carbon_demo):
    import json

    from ecoledger.carbon import demo
    from ecoledger.platform.i18n import translator

    footprint = json.loads((carbon_demo / "footprint.json").read_text(encoding="utf-8"))
    html = (carbon_demo / "index.html").read_text(encoding="utf-8")
    assert f"{footprint['total_kg_co2e']:,.4f}" in html
    inclusion = json.loads((carbon_demo / "inclusion.json").read_text(encoding="utf-8"))
    earned = [r for r in inclusion["log"] if r["outcome"] == "earned"]
    assert f"{sum(r['points'] for r in earned):,}" in html
    assert f"{sum(r['reduction_kg'] for r in earned):,.3f}" in html
    control = json.loads((carbon_demo / "dual_control.json").read_text(encoding="utf-8"))
    path = pd.read_csv(carbon_demo / "dual_control.csv")  # 6 significant digits of the same numbers
    for year, csv_gdp in zip(control["years"], path["gdp_yuan"], strict=True):
        if year["gdp_yuan"] is not None:
            assert year["gdp_yuan"] == pytest.approx(csv_gdp, rel=1e-5)
            assert f"{year['gdp_yuan'] / 1e8:,.2f}" in html
    assert callable(demo.render_page) and translator("en").lang == "en"


def test_carbon_default_accounts_are_the_checkouts(carbon_demo):
    import json

    if not (CHECKOUT_ACCOUNTS / "accounts.csv").is_file():
        pytest.skip("the default is the checkout's out/jiangxi-2019 (scripts/run-main)")
    summary = json.loads((carbon_demo / "summary.json").read_text(encoding="utf-8"))
    assert summary["sink_share_of_gep"] is not None  # found from another working folder
    page = (carbon_demo / "index.html").read_text(encoding="utf-8")
    assert "缺失" not in page.split("GEP 森林固碳")[1][:200]


def test_monitoring_page_aggregates_are_the_csvs(monitoring_demo):
    from ecoledger.monitoring import demo
    from ecoledger.platform.i18n import translator

    html = (monitoring_demo / "index.html").read_text(encoding="utf-8")
    en = (monitoring_demo / "index.en.html").read_text(encoding="utf-8")
    tp = pd.read_csv(monitoring_demo / "poyang_tp.csv")
    annual = pd.read_csv(monitoring_demo / "air_annual.csv")
    alerts = pd.read_csv(monitoring_demo / "alerts.csv")
    result = {"poyang_tp": tp, "tp_load_account": pd.read_csv(monitoring_demo / "tp_load_account.csv"),
              "station_grades": pd.read_csv(monitoring_demo / "station_grades.csv"),
              "air_daily": pd.read_csv(monitoring_demo / "air_daily.csv"), "air_annual": annual,
              "alerts": alerts,
              "summary": json.loads((monitoring_demo / "summary.json").read_text("utf-8"))}
    model = demo.page_model(result, translator("zh"))
    # Poyang TP: the three reported years 2018–2020, their mean shown once
    reported = tp[tp["status"] == "reported"]
    assert reported["year"].tolist() == [2018, 2019, 2020]
    assert model["tp"].totals == {"value": pytest.approx(reported["value"].mean())}
    assert f"{reported['value'].mean():.3f}" in html and "2018–2020" in html
    for value in reported["value"]:
        assert f"{value:.3f}" in html
    # PM2.5 2014–2016 by city: days and exceedance days summed, annual means averaged
    assert len(model["air"]) == 2
    for table, (city, frame) in zip(model["air"], annual.groupby("city", sort=False), strict=True):
        assert sorted(frame["year"]) == [2014, 2015, 2016]
        assert table.totals["days_pm25_24h"] == frame["days_pm25_24h"].sum()
        assert table.totals["exceedance_days_pm25"] == frame["exceedance_days_pm25"].sum()
        assert table.totals["pm25_annual_mean"] == pytest.approx(frame["pm25_annual_mean"].mean())
        assert all(cell in html for cell in table.total_row if cell)
        assert table.caption in ("南昌市", "九江市") and city in en
    # alerts: one row each, the by-rule counts add up to the CSV's rows
    assert len(model["alerts"].rows) == len(alerts)
    assert model["rules"].totals["alerts"] == len(alerts)
    counts = alerts.groupby("rule_id").size()
    by_rule = demo.alerts_by_rule(result).set_index("rule_id")["alerts"]
    assert {k: v for k, v in by_rule.items() if v} == counts.to_dict()
    assert f"三、预警（{len(alerts)} 条）" in html
    assert "鄱阳湖总磷超过 GB 3838-2002 湖库III类限值" in html
    assert "Poyang Lake total phosphorus above the GB 3838-2002 class III limit for lakes" in en
    assert "{&#34;" not in html and '{"value"' not in html  # evidence as sentences, not JSON


@pytest.mark.parametrize("which", ["applications", "carbon", "monitoring"])
def test_zh_pages_have_no_english_left(which, request):
    folder = request.getfixturevalue(f"{which}_demo")
    zh = (folder / "index.html").read_text(encoding="utf-8")
    assert untranslated(zh) == []
    assert 'lang="zh-CN"' in zh and 'href="index.en.html"' in zh
    en = (folder / "index.en.html").read_text(encoding="utf-8")
    assert 'lang="en"' in en and 'href="index.html"' in en
    for page in (zh, en):
        assert "_yuan" not in page.replace("amount_yuan", "") or "value_yuan" not in page
        assert "value_yuan" not in page and ">basis<" not in page and "{&#34;" not in page


@pytest.mark.parametrize("which", ["applications", "carbon", "monitoring"])
def test_pages_in_a_real_browser(which, request):
    folder = request.getfixturevalue(f"{which}_demo")
    shots = screenshots()
    with chromium() as browser:
        for lang, name in (("zh", "index.html"), ("en", "index.en.html")):
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    locale="zh-CN" if lang == "zh" else "en-GB")
            errors = watch(page, "file://")
            page.goto((folder / name).as_uri())
            page.wait_for_load_state("load")
            assert errors == [], (which, lang, errors)
            width, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width <= client, (which, lang, width, client)
            if lang == "zh":
                assert untranslated(page.content()) == []
            page.screenshot(path=str(shots / f"demo-{which}-{lang}.png"), full_page=True)
            page.close()
