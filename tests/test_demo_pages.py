"""The worked-example pages (applications, carbon): Chinese by default with an English twin, every
total equal to the result CSV's, nothing left in English on the zh page, and checked in a real
browser (no console errors, no horizontal page overflow; screenshots in out/test-screenshots)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ecoledger.untranslated import untranslated

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS, PREVIOUS = ROOT / "out/jiangxi-2019", ROOT / "out/jiangxi-2018"
SHOTS = Path(os.environ.get("ECOLEDGER_SCREENSHOTS", ROOT / "out/test-screenshots"))
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def applications_demo(tmp_path_factory):
    if not ((ACCOUNTS / "accounts.csv").is_file() and (PREVIOUS / "accounts.csv").is_file()
            and (ACCOUNTS / "maps").is_dir()):
        pytest.skip("needs the main job's accounts with maps (scripts/run-main)")
    from ecoledger.applications import demo

    out = tmp_path_factory.mktemp("applications")
    demo.run(ACCOUNTS, PREVIOUS, None, None, ROOT / "examples/applications", out)
    return out


@pytest.fixture(scope="module")
def carbon_demo(tmp_path_factory):
    from typer.testing import CliRunner

    from ecoledger.cli.main import app

    out = tmp_path_factory.mktemp("carbon") / "c"
    done = CliRunner().invoke(app, ["carbon", "demo", "--out", str(out)])
    assert done.exit_code == 0, done.output
    return out


def _numbers(cell: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", cell))


def test_application_totals_are_the_csv_sums_once(applications_demo):
    from ecoledger.applications import outputs, rules
    from ecoledger.applications import accounts as unit_accounts
    from ecoledger.platform.i18n import translator

    units = unit_accounts.load(ACCOUNTS, PREVIOUS, ROOT / "examples/applications/purchase-conditions.csv")
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


@pytest.mark.parametrize("which", ["applications", "carbon"])
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


def _needs_browser():
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (scripts/setup-system installs it)")
        pytest.skip("Debian chromium is not installed")
    return pytest.importorskip("playwright.sync_api")


@pytest.mark.parametrize("which", ["applications", "carbon"])
def test_pages_in_a_real_browser(which, request):
    sync_api = _needs_browser()
    folder = request.getfixturevalue(f"{which}_demo")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for lang, name in (("zh", "index.html"), ("en", "index.en.html")):
                page = browser.new_page(viewport={"width": 1280, "height": 900},
                                        locale="zh-CN" if lang == "zh" else "en-GB")
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.goto((folder / name).as_uri())
                page.wait_for_load_state("load")
                assert errors == [], (which, lang, errors)
                width, client = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert width <= client, (which, lang, width, client)
                if lang == "zh":
                    assert untranslated(page.content()) == []
                page.screenshot(path=str(SHOTS / f"demo-{which}-{lang}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
