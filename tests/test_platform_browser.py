"""The platform in a real browser (Debian chromium driven by Playwright), on a real server.

One story, as the users live it: a county submitter uploads statistics with an error and sees
it, fixes the file; a reviewer accepts it, starts a run, watches it finish and publishes it;
the map shows the county values and the county page the breakdown. Screenshots of each step are
saved to ``$ECOLEDGER_SCREENSHOTS`` (default ``out/test-screenshots``).
"""

from __future__ import annotations

import time

import pytest

from ecoledger.testing import chromium, screenshots

SHOTS = screenshots()
WITH_ERROR = ("code,year,indicator,value,unit,source\n"
              "990101,2020,agriculture_output_value,12.5,吨,《甲一县统计年鉴2021》表 5-1\n")
FIXED = WITH_ERROR.replace(",吨,", ",亿元,")


@pytest.fixture
def server(tmp_path, platform_pack):
    """The platform served by uvicorn on 127.0.0.1, runs in the background as in production."""
    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import add_synthetic_users, database_url, make_settings, served

    settings = make_settings(tmp_path, database_url("sqlite", tmp_path), platform_pack)
    app = create_app(settings)
    add_synthetic_users(app.state.platform.db)
    with served(app) as url:
        yield url


def test_submit_review_run_publish_map(server, tmp_path):
    from ecoledger.platform.testing import PASSWORD

    bad_file, good_file = tmp_path / "甲一县-2020.csv", tmp_path / "甲一县-2020-fixed.csv"
    bad_file.write_text(WITH_ERROR, encoding="utf-8")
    good_file.write_text(FIXED, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def shot(name: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

        def log_in(name: str) -> None:
            page.goto(f"{server}/login")
            page.fill("#username", name)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(f"{server}/")

        # 1. the submitter uploads a file with a wrong unit and sees the error, in Chinese
        log_in("county-a")
        page.goto(f"{server}/submissions")
        page.set_input_files("#upload-file", str(bad_file))
        page.click("#upload-submit")
        problem = page.locator("#problems li.problem").first
        problem.wait_for()
        assert "吨" in problem.inner_text() and "第 2 行" in problem.inner_text()
        shot("01-upload-refused")
        # 2. the fixed file is accepted for review
        page.set_input_files("#upload-file", str(good_file))
        page.click("#upload-submit")
        page.locator("#upload-success").wait_for()
        assert page.locator('#submissions-table [data-status="pending"]').count() == 1
        shot("02-upload-pending")
        page.click("#logout-submit")

        # 3. the reviewer accepts it and starts the 2020 run; an administrator publishes it
        log_in("reviewer")
        page.goto(f"{server}/reviews")
        assert "990101" in page.locator(".review-item").first.inner_text()
        shot("03-review-queue")
        page.click('button[data-action="accept"]')
        page.wait_for_url(f"{server}/reviews")
        assert page.locator("#no-pending").is_visible()
        page.goto(f"{server}/runs")
        page.select_option("#run-year", "2020")
        page.click("#start-run-submit")
        page.wait_for_url(f"{server}/runs")
        page.locator('[data-run-status="provisional"]').wait_for(timeout=120_000)  # the page polls
        shot("04-run-provisional")
        page.click("#logout-submit")
        # four eyes: an administrator, not the reviewer who started it, publishes the run
        log_in("admin")
        page.goto(f"{server}/runs")
        page.click('button[data-action="publish"]')
        page.wait_for_url(f"{server}/runs")
        assert page.locator('[data-run-status="published"]').count() == 1
        shot("05-run-published")
        page.click("#logout-submit")

        # 4. anyone sees the published values on the map, county by county
        page.goto(f"{server}/?year=2020&level=county&measure=gep")
        for code in ("990101", "990102", "990201", "990202"):
            page.locator(f"path.unit-{code}").wait_for()
        legend = page.locator("#legend").inner_text()
        assert "亿元" in legend
        shot("06-map-gep")
        # the legend's classes come from the API's values for the same year and measure
        values = page.evaluate("""async () => {
            const r = await fetch('/api/v1/map?year=2020&level=county&measure=gep');
            return (await r.json()).features.map(f => f.properties.value);
        }""")
        assert len(values) == 4 and all(v > 0 for v in values)
        page.select_option("#measure", "item:agriculture")
        page.wait_for_function("() => location.search.includes('agriculture')")
        page.locator("path.unit-990101").wait_for()
        shot("07-map-agriculture")

        # 5. the county page shows the breakdown, with the submitted agricultural output
        page.click("path.unit-990101")
        page.wait_for_url(f"{server}/units/990101?year=2020")
        items = page.locator("#items-table").inner_text()
        assert "农业产品" in items and "12.50" in items
        assert page.locator("#groups-table").is_visible() and page.locator("#ecosystems-table").is_visible()
        shot("08-county-zh")
        page.goto(f"{server}/units/990101?year=2020&lang=en")
        assert "agriculture" in page.locator("#items-table").inner_text().lower()
        shot("09-county-en")
    assert errors == []


def test_draw_a_site_on_the_map_and_value_it(server):
    """A reviewer runs 2020, an administrator publishes it, draws a four-corner site on
    /applications and gets a certificate."""
    from ecoledger.platform.testing import PASSWORD

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        def log_in(name: str) -> str:
            page.goto(f"{server}/login")
            page.fill("#username", name)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(f"{server}/")
            return page.request.get(f"{server}/api/v1/csrf").json()["csrf_token"]

        csrf = log_in("reviewer")
        run = page.request.post(f"{server}/api/v1/runs", data={"year": 2020},
                                headers={"X-CSRF-Token": csrf}).json()
        for _ in range(600):  # runs execute in the background here, as in production
            run = page.request.get(f"{server}/api/v1/runs/{run['id']}").json()
            if run["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert run["status"] == "provisional", run
        page.click("#logout-submit")
        csrf = log_in("admin")  # four eyes: not the reviewer who started the run
        published = page.request.post(f"{server}/api/v1/runs/{run['id']}/publish",
                                      headers={"X-CSRF-Token": csrf})
        assert published.status == 200, published.text()

        page.goto(f"{server}/applications")
        area = page.locator("#site-draw-map")
        page.wait_for_function("() => document.querySelectorAll('#site-draw-map path').length >= 4")
        box = area.bounding_box()
        for fx, fy in ((0.35, 0.35), (0.65, 0.35), (0.65, 0.65), (0.35, 0.65)):
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        assert "4" in page.locator("#site-draw-status").inner_text()
        chosen = page.evaluate("() => document.getElementById('vep-site').files[0].name")
        assert chosen == "drawn-site.geojson"
        page.select_option("#vep-year", "2020")
        page.fill("#vep-name", "绘制地块")
        page.screenshot(path=str(SHOTS / "10-site-drawn.png"), full_page=True)
        page.click("#vep-submit")
        page.locator("#certificate-valid").wait_for(timeout=120_000)
        assert page.locator("#certificate-flows").is_visible()
        page.screenshot(path=str(SHOTS / "11-site-certificate.png"), full_page=True)
    assert errors == []
