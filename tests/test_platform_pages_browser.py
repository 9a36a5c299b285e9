"""Every page the platform serves, in real Chromium, in Chinese and English, anonymous and logged in.

The pages are not listed by hand: every GET route of the app whose response is HTML is visited,
its path parameters filled from objects seeded first (a published run, a unit, a certificate, a
carbon label; a pending submission, monitoring records and alerts, an inclusion ledger so the
lists are not empty). A new page is covered when it is added; a new kind of path parameter
fails here until ``_seed`` says which seeded object fills it.

Each page is checked for: no console error and no page error, no failed request to the platform
(status ≥ 400 or not answered), no horizontal overflow at 1280 px and at a 390 px phone width,
no English left on the Chinese page (``ecoledger.untranslated``) and no message key shown
instead of its text. A full-page screenshot per page, language and visitor goes to
``$ECOLEDGER_SCREENSHOTS`` (default ``out/test-screenshots``) under ``pages/``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from fastapi.responses import HTMLResponse

from ecoledger.testing import chromium, screenshots, watch

EXAMPLE_SYSTEM = Path(__file__).parents[1] / "examples" / "carbon" / "product_system.json"
YEAR = 2020
LANGUAGES = ("zh", "en")
WIDTHS = (1280, 390)
LABEL_ID = "JX-B-1"
MONITORING = ("station,water_type,city,basin,date,parameter,value,unit\n"
              "湖心,lake,990100,湖区,2020-01-15,tp,0.08,mg/L\n"
              "湖心,lake,990100,湖区,2020-07-15,tp,60,µg/L\n"
              "湖心,lake,990100,湖区,2020-07-15,chla,12,µg/L\n"
              "湖心,lake,990100,湖区,2020-07-15,tn,1.6,mg/L\n"
              "湖心,lake,990100,湖区,2020-07-15,sd,0.5,m\n"
              "湖心,lake,990100,湖区,2020-07-15,codmn,5,mg/L\n"
              "河口,river,990200,河,2020-07-15,tp,0.07,mg/L\n").encode()
SUBMISSION = ("code,year,indicator,value,unit,source\n"
              "990101,2020,agriculture_output_value,12.5,亿元,《甲一县统计年鉴2021》表 5-1\n").encode()
# English a Chinese page may show, per path (a regular expression on the path): kept tiny.
ALLOW: dict[str, tuple[str, ...]] = {}
ALLOW_EVERYWHERE: tuple[str, ...] = ()
# Known English not yet translated, per path: the elements (CSS selector) whose text is stored or
# generated in English only; the check skips them (the test marks them lang="en" before reading
# the page) so that any other English fails. Each would be an open defect of issue 17: keep it empty.
KNOWN_ENGLISH: dict[str, tuple[str, str]] = {}
KEY = re.compile(r"(?<![\w./-])(?:[a-z][a-z0-9]*_?[a-z0-9]*)(?:\.[a-z][a-z0-9_]*)+(?![\w/-])")
# What looks like a key but is a word of the page: file names and the like.
NOT_KEYS = re.compile(r"\.(?:csv|xlsx|json|toml|geojson|png|pdf|html|gpkg|tif|txt|zip)$")


# The page's width beyond the window, and the outermost elements that stick out (to fix them).
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


def html_routes(app) -> list[str]:
    """The app's pages: path formats of the GET routes answering HTML (JSON, files and redirects
    excluded), included routers' too."""
    from ecoledger.platform.app import _api_routes

    found = []
    for path, methods, route in _api_routes(app):
        response_class = getattr(route.response_class, "value", route.response_class)
        if ("GET" in methods and isinstance(response_class, type)
                and issubclass(response_class, HTMLResponse)):
            found.append(path)
    return found


def _seed(app, pack: Path) -> dict[str, str]:
    """Fill the store through the API as its users would; returns the values of path parameters."""
    import tempfile

    from fastapi.testclient import TestClient
    from test_applications_platform import site_geojson
    from test_controls_platform import SITE, footprint, zones_gpkg

    from ecoledger.platform.testing import login, publish

    client = TestClient(app, base_url="https://testserver")
    csrf = login(client, "county-a")
    submitted = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                            files={"file": ("甲一县-2020.csv", SUBMISSION, "text/csv")})
    assert submitted.status_code == 201, submitted.text
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
    assert run.status_code in (201, 202), run.text
    published = publish(client, run.json()["id"])
    assert published.status_code == 200, published.text
    csrf = login(client, "reviewer")
    provisional = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
    assert provisional.status_code in (201, 202), provisional.text
    stored = client.post("/api/v1/monitoring/records", headers={"X-CSRF-Token": csrf},
                         files={"file": ("湖心.csv", MONITORING, "text/csv")})
    assert stored.status_code == 201, stored.text
    client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": csrf}).raise_for_status()
    system = json.loads(EXAMPLE_SYSTEM.read_text(encoding="utf-8"))
    issued = client.post("/api/v1/carbon/labels", headers={"X-CSRF-Token": csrf},
                         json={"label_id": LABEL_ID, "system": system, "verifier": "江西省碳标签核查组"})
    assert issued.status_code == 201, issued.text
    csrf = login(client, "admin")
    action = client.post("/api/v1/carbon/inclusion/actions", headers={"X-CSRF-Token": csrf},
                         data={"action": next(iter(_methods())), "activity": "12", "day": "2026-03-02"},
                         files={"evidence": ("发票.txt", b"evidence", "text/plain")})
    assert action.status_code == 201, action.text
    csrf = login(client, "county-a")
    cert = client.post("/api/v1/applications/vep", data={"year": YEAR, "name": "示范地块", "rate": 0.04},
                       files={"site": ("site.geojson", site_geojson(pack), "application/geo+json")},
                       headers={"X-CSRF-Token": csrf})
    assert cert.status_code == 201, cert.text
    csrf = login(client, "reviewer")  # the registry: a right (its page) and a traced batch (/trace/{code})
    ring = [[116, 28], [116.01, 28], [116.01, 28.01], [116, 28.01], [116, 28]]
    right = client.post("/api/v1/registry/rights", headers={"X-CSRF-Token": csrf}, json={
        "serial": "JX-F-0001", "type": "forest", "owner": "示范村集体 1", "county": "990101",
        "boundary": {"type": "Polygon", "coordinates": [ring]}})
    assert right.status_code == 201, right.text
    batch = client.post("/api/v1/registry/trace/batches", headers={"X-CSRF-Token": csrf}, json={
        "batch_id": "B-1", "product": "赣南脐橙", "created": "2024-11-01T08:00:00+08:00",
        "origin": {"parcel_serial": "JX-F-0001", "county": "甲一县", "producer": "示范合作社"}})
    assert batch.status_code == 201, batch.text
    csrf = login(client, "admin")  # the controls: a zone layer and a screening (its page)
    layer = client.post("/api/v1/controls/layers", headers={"X-CSRF-Token": csrf},
                        files={"file": ("三线一单.gpkg", zones_gpkg(Path(tempfile.mkdtemp())))},
                        data={"name": "三线一单", "demonstration": "true"})
    assert layer.status_code == 201, layer.text
    screening = client.post("/api/v1/controls/screenings", headers={"X-CSRF-Token": csrf},
                            json={"footprints": footprint((SITE, {"project_id": "P-1"})),
                                  "activity": "industrial_construction"})
    assert screening.status_code == 201, screening.text
    return {"code": "990101", "digest": cert.json()["content_sha256"], "label_id": LABEL_ID,
            "serial": "JX-F-0001", "trace_code": batch.json()["code"],
            "screening_id": screening.json()["screening"]["id"]}


def _methods():
    from ecoledger.carbon import inclusion

    return inclusion.methods()


def _urls(routes, values: dict[str, str]) -> list[str]:
    urls = []
    for path in routes:
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{path}: say which seeded object fills {missing} (in _seed)"
        urls.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path))
    return sorted(set(urls))


@pytest.fixture
def platform_served(tmp_path, platform_pack):
    """One seeded platform served by uvicorn; runs execute inside the request while seeding."""
    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import add_synthetic_users, database_url, make_settings, served

    settings = make_settings(tmp_path, database_url("sqlite", tmp_path), platform_pack,
                             run_in_background=False)
    app = create_app(settings)
    add_synthetic_users(app.state.platform.db)
    values = _seed(app, platform_pack)
    with served(app) as url:
        yield url, _urls(html_routes(app), values)


def raw_keys(text: str) -> list[str]:
    """Message keys (``nav.map``) shown as text: what a missing catalogue entry looks like."""
    from ecoledger.platform.i18n import MESSAGES

    shown = set()
    for line in text.splitlines():
        for match in KEY.finditer(line):
            word = match.group(0)
            if word in MESSAGES or (word.split(".")[0] in _KEY_PREFIXES and not NOT_KEYS.search(word)):
                shown.add(word)
    return sorted(shown)


def _key_prefixes() -> set[str]:
    from ecoledger.platform.i18n import MESSAGES

    return {key.split(".")[0] for key in MESSAGES}


_KEY_PREFIXES = _key_prefixes()


def _allowed(url: str) -> tuple[str, ...]:
    path = url.split("?")[0]
    return ALLOW_EVERYWHERE + tuple(w for pattern, words in ALLOW.items() if re.search(pattern, path)
                                    for w in words)


def _with_known_english_marked(page, url: str) -> str:
    path = url.split("?")[0]
    for pattern, (selector, _) in KNOWN_ENGLISH.items():
        if re.search(pattern, path):
            page.evaluate("s => document.querySelectorAll(s).forEach(e => e.setAttribute('lang', 'en'))",
                          selector)
    return page.content()


def test_every_page_in_both_languages(platform_served):
    from ecoledger.platform.testing import PASSWORD
    from ecoledger.untranslated import untranslated, visible_text

    base, urls = platform_served
    assert {"/", "/units/990101", "/runs", "/applications", "/carbon", "/monitoring"} <= set(urls), urls
    folder = screenshots() / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    problems: list[str] = []
    visited = 0
    with chromium() as browser:
        for visitor in ("anonymous", "admin"):
            context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
            page = context.new_page()
            events = watch(page, base)  # what the page of the moment reported (cleared before each)
            # pages for users only are skipped anonymously: their refusal is test_platform_pages's
            refused = {u for u in urls if page.request.get(f"{base}{u}").status in (401, 403)}
            if visitor != "anonymous":
                refused = set()
                page.goto(f"{base}/login")
                page.fill("#username", visitor)
                page.fill("#password", PASSWORD)
                page.click("#login-submit")
                page.wait_for_url(f"{base}/")
            for url in urls:
                for lang in LANGUAGES:
                    where = f"{visitor} {lang} {url}"
                    if url in refused:
                        continue
                    events.clear()
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    response = page.goto(f"{base}{url}?lang={lang}", wait_until="networkidle")
                    visited += 1
                    if response.status != 200:
                        problems.append(f"{where}: status {response.status}")
                    html = page.content() if lang != "zh" else _with_known_english_marked(page, url)
                    for width in WIDTHS:
                        if width != WIDTHS[0]:
                            page.set_viewport_size({"width": width, "height": 900})
                        overflow = page.evaluate(OVERFLOW)
                        if overflow:
                            problems.append(f"{where}: {overflow}")
                    short = re.sub(r"[0-9a-f]{64}", lambda d: d.group(0)[:12], url)  # a digest
                    name = re.sub(r"[^A-Za-z0-9]+", "-", short).strip("-")[:60] or "map"
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    page.screenshot(path=str(folder / f"{visitor}-{name}-{lang}.png"), full_page=True)
                    problems.extend(f"{where}: {e}" for e in events)
                    if lang == "zh":
                        problems.extend(f"{where}: English {p!r}" for p in untranslated(html, _allowed(url)))
                    problems.extend(f"{where}: raw key {k!r}" for k in raw_keys(visible_text(html)))
            context.close()
    elapsed = time.monotonic() - started
    print(f"{visited} page views ({len(urls)} pages × {len(LANGUAGES)} languages, 2 visitors) "
          f"in {elapsed:.1f} s")
    (folder / "problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
