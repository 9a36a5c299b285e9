"""The screening page in real Chromium, in Chinese and English: an administrator's control layer
(uploaded through the API), then a viewer screens a footprint pasted into the form (zh) and one
chosen as a file (en) and reads the result — the verdict, the overlap table, the rules triggered
and the map. Each page: status 200, no console or page error, no failed request, no horizontal
overflow at 1280 px and 390 px, no English left on the Chinese page (``ecoledger.untranslated``);
screenshots under ``$ECOLEDGER_SCREENSHOTS/controls``."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import LineString
from test_controls_platform import SITE, footprint, zones_gpkg
from test_registry_browser import OVERFLOW, WIDTHS

from ecoledger.testing import chromium, screenshots, watch


@pytest.fixture
def served_controls(tmp_path, platform_pack):
    from fastapi.testclient import TestClient

    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import add_synthetic_users, database_url, login, make_settings, served

    settings = make_settings(
        tmp_path, database_url("sqlite", tmp_path), platform_pack, run_in_background=False
    )
    app = create_app(settings)
    add_synthetic_users(app.state.platform.db)
    client = TestClient(app, base_url="https://testserver")
    made = client.post(
        "/api/v1/controls/layers",
        headers={"X-CSRF-Token": login(client, "admin")},
        files={"file": ("三线一单.gpkg", zones_gpkg(tmp_path))},
        data={"name": "三线一单", "demonstration": "true"},
    )
    assert made.status_code == 201, made.text
    with served(app) as url:
        yield url


def _check(page, where: str, problems: list[str], events: list, lang: str, folder, name: str) -> str:
    from ecoledger.untranslated import untranslated

    html = page.content()
    assert page.locator("html").get_attribute("lang").startswith(lang), where
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            problems.append(f"{where}: {overflow}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.screenshot(path=str(folder / f"{name}-{lang}.png"), full_page=True)
    problems.extend(f"{where}: {e}" for e in events)
    events.clear()
    if lang == "zh":
        problems.extend(f"{where}: English {p!r}" for p in untranslated(html))
    return html


def test_screening_page_in_chromium(served_controls, tmp_path):
    from ecoledger.platform.testing import PASSWORD

    base = served_controls
    folder = screenshots() / "controls"
    problems: list[str] = []
    site = footprint((SITE, {"project_id": "P-1", "name": "示范厂区"}))
    with chromium() as browser:
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
        page = context.new_page()
        events = watch(page, base)
        response = page.goto(f"{base}/controls?lang=zh", wait_until="networkidle")
        assert response.status == 200
        assert page.locator("#login-needed").count() == 1
        assert page.locator("nav.main-nav a[href='/controls']").count() == 1
        _check(page, "anonymous zh /controls", problems, events, "zh", folder, "anonymous-controls")
        page.goto(f"{base}/login")
        page.fill("#username", "viewer")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{base}/")
        # zh: the footprint pasted into the text area
        page.goto(f"{base}/controls?lang=zh", wait_until="networkidle")
        assert page.locator("#layers-table tbody tr").count() == 1
        _check(page, "viewer zh /controls", problems, events, "zh", folder, "viewer-controls")
        page.fill("#screen-text", json.dumps(site, ensure_ascii=False))
        page.select_option("#screen-activity", "industrial_construction")
        with page.expect_navigation(wait_until="networkidle"):
            page.click("#screen-submit")
        assert "/controls/screenings/" in page.url
        html = _check(page, "viewer zh result", problems, events, "zh", folder, "viewer-result")
        assert "涉及禁止类分区" in html and "示范数据" in html
        assert page.locator("#screening-result #overlaps tbody tr").count() == 2
        assert page.locator("#screening-result #rules tbody tr").count() == 2
        assert page.locator("#screening-result #screening-map img").evaluate("i => i.naturalWidth") > 100
        # the same result in English, through the language switch
        with page.expect_navigation(wait_until="networkidle"):
            page.click("a[data-lang-switch='en']")
        html = _check(page, "viewer en result", problems, events, "en", folder, "viewer-result")
        assert "touches a prohibited zone" in html and "Rules triggered" in html
        # en: a line chosen as a GeoJSON file, buffered by 10 m
        path = tmp_path / "road.geojson"
        path.write_text(
            json.dumps(footprint((LineString(SITE.exterior.coords), {"project_id": "R-1"}))), encoding="utf-8"
        )
        page.goto(f"{base}/controls?lang=en", wait_until="networkidle")
        _check(page, "viewer en /controls", problems, events, "en", folder, "viewer-controls")
        page.set_input_files("#screen-file", str(path))
        page.select_option("#screen-activity", "linear_infrastructure")
        page.fill("#screen-buffer", "10")
        with page.expect_navigation(wait_until="networkidle"):
            page.click("#screen-submit")
        html = _check(page, "viewer en line result", problems, events, "en", folder, "viewer-line-result")
        assert "line (buffer 10 m)" in html
        context.close()
    (folder / "problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
