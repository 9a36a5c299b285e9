"""The registry's pages in real Chromium, in Chinese and English: ``/registry``, a right's page and
the public trace lookup ``/trace/{code}``, seeded through the API (parcels uploaded, a quota listed,
a batch with its steps and a certificate). Each page: status 200, no console or page error, no failed
request, no horizontal overflow at 1280 px and 390 px, no English left on the Chinese page
(``ecoledger.untranslated``); screenshots under ``$ECOLEDGER_SCREENSHOTS/registry``."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from ecoledger.testing import chromium, screenshots, watch

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
X0, Y0 = 1_001_000.0, 3_290_000.0  # inside county 990101 of the synthetic pack
WIDTHS = (1280, 390)
OVERFLOW = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  if (root.scrollWidth <= limit) return null;
  const sticks = e => e.getBoundingClientRect().right > limit + 0.5;
  const out = [...document.body.querySelectorAll('*')]
      .filter(e => sticks(e) && !(e.parentElement && sticks(e.parentElement)));
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.classList.length ? '.' + [...e.classList].join('.') : '');
  return `${root.scrollWidth} px wide at ${limit} px: ${out.slice(0, 4).map(name).join(', ')}`;
}"""


def _seed(app, tmp_path) -> str:
    """Rights, a listing and a traced batch through the API; returns the batch's trace code."""
    from fastapi.testclient import TestClient

    from ecoledger.platform.testing import login

    client = TestClient(app, base_url="https://testserver")
    headers = {"X-CSRF-Token": login(client, "reviewer")}
    l_shape = Polygon([(0, 0), (800, 0), (800, 300), (300, 300), (300, 700), (0, 700)])
    rows = [
        {
            "serial": "JX-F-0001",
            "type": "森林",
            "owner": "示范村集体 1",
            "owner_type": "集体",
            "county": "990101",
            "right_type": "所有权",
            "valid_from": "2020-01-01",
            "geometry": Polygon([(X0 + x, Y0 + y) for x, y in l_shape.exterior.coords]),
        },
        {
            "serial": "JX-W-0002",
            "type": "湿地",
            "owner": "示范村集体 2",
            "owner_type": "集体",
            "county": "990101",
            "right_type": "所有权",
            "valid_from": "2020-01-01",
            "geometry": box(X0 + 2000, Y0, X0 + 2600, Y0 + 400),
        },
    ]
    path = tmp_path / "示范宗地.gpkg"
    gpd.GeoDataFrame(rows, geometry="geometry", crs=ALBERS).to_file(path, driver="GPKG")
    uploaded = client.post(
        "/api/v1/registry/rights/upload",
        headers=headers,
        files={"file": (path.name, path.read_bytes())},
        data={"demonstration": "true"},
    )
    assert uploaded.status_code == 201, uploaded.text
    # a valuation (a VEP certificate sealed as applications.vep seals one) and a pledge of the wetland
    from ecoledger.applications import certificate

    site = client.get("/api/v1/registry/rights", params={"serial": "JX-W-0002", "geometry": True}).json()[0]
    sealed = certificate.seal(
        {
            "format": certificate.FORMAT,
            "issued_at": "2025-03-01T00:00:00Z",
            "present_value_yuan": 2_400_000.0,
            "annual_flow_yuan": 160_000.0,
            "parameters": {"discount_rate": 0.04, "horizon_years": 30},
            "data_vintage": {"year": 2019},
            "site": {"name": "示范湿地", "geometry_crs84": site["boundary"]},
            "warnings": [],
            "uncertainty": {"present_value_yuan": {"p05": 1.9e6, "median": 2.4e6, "p95": 2.9e6}},
        }
    )
    valued = client.post(
        "/api/v1/registry/rights/JX-W-0002/valuation", headers=headers, json={"certificate": sealed}
    )
    assert valued.status_code == 201, valued.text
    pledged = client.post(
        "/api/v1/registry/rights/JX-W-0002/pledge",
        headers=headers,
        json={
            "bank": "示范农村商业银行",
            "loan_yuan": 1_000_000.0,
            "term_months": 36,
            "start_on": "2025-04-01",
            "ltv_limit": 0.5,
        },
    )
    assert pledged.status_code == 201, pledged.text
    quota = client.post(
        "/api/v1/registry/rights",
        headers=headers,
        json={"serial": "JX-EM-0003", "type": "emission", "owner": "示范化工厂", "county": "990101"},
    )
    assert quota.status_code == 201, quota.text
    listed = client.post(
        "/api/v1/registry/rights/JX-EM-0003/listing",
        headers=headers,
        json={"price_yuan": 125000.0, "term_days": 30, "mode": "auction"},
    )
    assert listed.status_code == 201, listed.text
    batch = client.post(
        "/api/v1/registry/trace/batches",
        headers=headers,
        json={
            "batch_id": "B-2024-001",
            "product": "赣南脐橙",
            "product_en": "Gannan navel orange",
            "origin": {
                "parcel_serial": "JX-F-0001",
                "county": "甲一县",
                "producer": "示范合作社",
                "county_code": "990101",
            },
            "created": "2024-11-01T08:00:00+08:00",
        },
    )
    assert batch.status_code == 201, batch.text
    steps = [
        {
            "kind": "harvest",
            "actor": "示范合作社",
            "place": "甲一县果园",
            "at": "2024-11-02T08:00:00+08:00",
            "quantity_out": {"amount": 1000, "unit": "kg"},
        },
        {
            "kind": "packing",
            "actor": "示范包装厂",
            "place": "甲一县",
            "at": "2024-11-03T08:00:00+08:00",
            "quantity_in": {"amount": 1000, "unit": "kg"},
            "quantity_out": {"amount": 960, "unit": "kg"},
        },
    ]
    for step in steps:
        made = client.post("/api/v1/registry/trace/batches/B-2024-001/steps", headers=headers, json=step)
        assert made.status_code == 201, made.text
    certified = client.post(
        "/api/v1/registry/trace/batches/B-2024-001/certificates",
        headers=headers,
        json={
            "kind": "green_food",
            "number": "LB-18-2024",
            "issuer": "中国绿色食品发展中心",
            "valid_from": "2024-01-01",
            "valid_until": "2099-12-31",
        },
    )
    assert certified.status_code == 201, certified.text
    return batch.json()["code"]


@pytest.fixture
def served_registry(tmp_path, platform_pack):
    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import add_synthetic_users, database_url, make_settings, served

    settings = make_settings(
        tmp_path, database_url("sqlite", tmp_path), platform_pack, run_in_background=False
    )
    app = create_app(settings)
    add_synthetic_users(app.state.platform.db)
    code = _seed(app, tmp_path)
    with served(app) as url:
        yield url, code


def test_registry_pages_in_chromium(served_registry):
    from ecoledger.platform.testing import PASSWORD
    from ecoledger.untranslated import untranslated

    base, code = served_registry
    folder = screenshots() / "registry"
    problems: list[str] = []
    visits = {
        "anonymous": ["/registry", f"/trace/{code}"],
        "reviewer": [
            "/registry",
            "/registry/rights/JX-F-0001",
            "/registry/rights/JX-W-0002",
            "/registry/rights/JX-EM-0003",
            f"/trace/{code}",
        ],
    }
    with chromium() as browser:
        for visitor, urls in visits.items():
            context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
            page = context.new_page()
            events = watch(page, base)
            if visitor != "anonymous":
                page.goto(f"{base}/login")
                page.fill("#username", visitor)
                page.fill("#password", PASSWORD)
                page.click("#login-submit")
                page.wait_for_url(f"{base}/")
            for url in urls:
                for lang in ("zh", "en"):
                    where = f"{visitor} {lang} {url}"
                    events.clear()
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    response = page.goto(f"{base}{url}?lang={lang}", wait_until="networkidle")
                    if response.status != 200:
                        problems.append(f"{where}: status {response.status}")
                    html = page.content()
                    assert page.locator("html").get_attribute("lang").startswith(lang), where
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        overflow = page.evaluate(OVERFLOW)
                        if overflow:
                            problems.append(f"{where}: {overflow}")
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    name = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-")
                    page.screenshot(path=str(folder / f"{visitor}-{name}-{lang}.png"), full_page=True)
                    problems.extend(f"{where}: {e}" for e in events)
                    if lang == "zh":
                        problems.extend(f"{where}: English {p!r}" for p in untranslated(html))
                    if url == "/registry":
                        assert page.locator("#ledger-status").get_attribute("data-ok") == "true", where
                        assert page.locator("#listings-table tr[data-serial='JX-EM-0003']").count() == 1
                        assert page.locator("#pledged-table tr[data-county='990101']").count() == 1
                        rights = page.locator("#rights-table tbody tr").count()
                        assert rights == (3 if visitor == "reviewer" else 0), where
                    elif url.startswith("/registry/rights/JX-W"):
                        assert page.locator("#valuations tbody tr").count() == 1, where
                        assert page.locator("#pledges tbody tr").count() == 1, where
                        assert page.locator("#right-state").get_attribute("data-state") == "pledged", where
                    elif url.startswith("/registry/rights/JX-F"):
                        assert page.locator("svg.boundary-map path").count() == 1, where
                        actions = page.locator("#entries-table tr[data-action]").count()
                        assert actions == 1, where  # its registration
                    elif url.startswith("/trace/"):
                        assert page.locator("#status-card").get_attribute("data-status") == "valid", where
                        assert ("赣南脐橙" if lang == "zh" else "Gannan navel orange") in html, where
            context.close()
        # an unknown code: the page's unknown state, answered 404
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        from ecoledger.registry import trace

        unknown = "0000000000" + trace.check_character("0000000000")
        for lang in ("zh", "en"):
            response = page.goto(f"{base}/trace/{unknown}?lang={lang}")
            assert response.status == 404
            assert page.locator("#status-card").get_attribute("data-status") == "unknown"
            page.screenshot(path=str(folder / f"anonymous-trace-unknown-{lang}.png"), full_page=True)
        context.close()
    (folder / "problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
