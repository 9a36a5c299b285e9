"""The registry's worked example (issue 18 item 7) on the real Jiangxi data: every step done with its
numbers on the page, the demonstration label, the ledger verifying (and verifiable afterwards with
the CLI), the figures of the page equal to the store's, the trace lookup pages written; the pages
Chinese by default with nothing left in English, an English twin, and in a real Chromium: no
console error, no horizontal overflow at 1280 and 390 px, screenshots in out/test-screenshots."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ecoledger.testing import chromium, screenshots, watch
from ecoledger.untranslated import untranslated

runner = CliRunner()


@pytest.fixture(scope="module")
def registry_demo(tmp_path_factory, jiangxi_main):
    from ecoledger.cli.main import app

    accounts, _, pack = jiangxi_main
    out = tmp_path_factory.mktemp("registry") / "r"
    done = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "registry",
            "demo",
            "--pack",
            str(pack),
            "--accounts",
            str(accounts),
            "--out",
            str(out),
        ],
    )
    assert done.exit_code == 0, done.output
    return out, done.output


def test_every_step_is_done_and_shown(registry_demo):
    out, printed = registry_demo
    record = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    assert record["status"] == "demonstration"
    assert all(p["serial"].startswith("DEMO-360722-") for p in record["parcels"])
    assert record["checks"]["overlaps"] == 1 and record["checks"]["overlap"]["b"].endswith("R001")
    assert record["registered"]["rights"] == len(record["parcels"]) == 8
    value = record["valuation"]["value"]
    assert value > 0 and record["valuation"]["match"] > 0.99
    pledge = record["pledge"]
    assert pledge["ltv"] == 0.5 and pledge["loan"] <= 0.5 * value + 0.01 and pledge["refused"] is not None
    assert pledge["register"][0]["loan_yuan"] == pytest.approx(pledge["loan"])
    bank = record["bank"]
    prices = [b["price"] for b in bank["bids"]]
    assert len(prices) == 2 and bank["trade"]["price"] == max(prices) == bank["settlement"]["amount"]
    assert record["sink"]["tonnes"] > 0 and record["sink"]["double"] is not None
    assert record["ledger"]["ok"] and record["ledger"]["entries"] >= 20
    credit = record["credit"]
    assert credit["grade"] == "blue" and credit["score"] == pytest.approx(92.0)  # 27 + 5 + 50 + 10 points
    assert credit["rule_id"] == "gz_enterprise_2015" and not credit["missing"] and credit["allowed"]
    assert record["trace"]["valid"] == "valid" and record["trace"]["tampered"] == "tampered"
    assert record["trace"]["evaluation"]["rule"] == "gannan_navel_orange_suitability"
    assert "ledger: verifies" in printed and "registry worked example" in printed
    zh = (out / "index.html").read_text(encoding="utf-8")
    en = (out / "index.en.html").read_text(encoding="utf-8")
    assert "演示数据" in zh and "Demonstration data" in en
    assert f"{pledge['loan']:,.2f}" in zh and f"{bank['trade']['price']:,.2f}" in en
    assert f"{record['sink']['tonnes']:,.3f}" in zh and "92" in zh
    assert "没有已发布的以 VEP 估值质押的贷款价值比上限" in zh and "No published loan-to-value limit" in en
    code = record["trace"]["code"]
    for name in ("index.html", "index.en.html"):
        assert (out / "trace" / code / name).is_file()
        assert f'href="trace/{code}/{name}"' in zh
    assert (out / "valuation" / bank["package"] / "certificate.json").is_file()
    assert (out / "checks" / "overlaps.csv").is_file() and (out / "checks" / "gaps.csv").is_file()


def test_the_store_verifies_with_the_cli_afterwards(registry_demo):
    from ecoledger.cli.main import app

    out, _ = registry_demo
    done = runner.invoke(app, ["--lang", "zh", "registry", "verify", "--data", str(out / "store")])
    assert done.exit_code == 0, done.output
    assert "校验通过" in done.output
    done = runner.invoke(app, ["--lang", "en", "registry", "pledged", "--data", str(out / "store"), "--json"])
    assert done.exit_code == 0 and json.loads(done.output)[0]["county"] == "360722"


def test_zh_pages_have_no_english_left(registry_demo):
    out, _ = registry_demo
    record = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    pages = [out / "index.html", out / "trace" / record["trace"]["code"] / "index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert untranslated(html) == [], page
        assert 'lang="zh-CN"' in html
    en = (out / "index.en.html").read_text(encoding="utf-8")
    assert 'lang="en"' in en and 'href="index.html"' in en


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_in_a_real_browser(registry_demo, width):
    out, _ = registry_demo
    record = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    lookup = out / "trace" / record["trace"]["code"]
    shots = screenshots()
    with chromium() as browser:
        for lang, path, name in (
            ("zh", out / "index.html", "index"),
            ("en", out / "index.en.html", "index"),
            ("zh", lookup / "index.html", "lookup"),
            ("en", lookup / "index.en.html", "lookup"),
        ):
            page = browser.new_page(
                viewport={"width": width, "height": 900}, locale="zh-CN" if lang == "zh" else "en-GB"
            )
            errors = watch(page, "file://")
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert errors == [], (name, lang, errors)
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, (name, lang, width, scroll, client)
            if lang == "zh":
                assert untranslated(page.content()) == []
            page.screenshot(path=str(shots / f"demo-registry-{name}-{lang}-{width}.png"), full_page=True)
            page.close()
