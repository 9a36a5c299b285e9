"""The platform's page templates render in both languages with the contexts the app passes,
show missing values as missing (never 0), and escape whatever users typed."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import resources
from types import SimpleNamespace

import jinja2
import pytest

from ecoledger.platform import i18n

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
TEMPLATES = ("map.html", "unit.html", "parameters.html", "submissions.html", "reviews.html", "runs.html",
             "login.html", "message.html")


# ---- sample contexts (also used by scripts/preview-web) ----

def user(role: str = "administrator", name: str = "admin"):
    return SimpleNamespace(username=name, role=role, unit_codes=["360100", "360102"])


def frame(lang: str, path: str, role: str | None = "administrator") -> dict:
    return {"request": None, "lang": lang, "t": i18n.translator(lang),
            "user": user(role) if role else None, "csrf_token": "tok-123", "path": path}


MEASURES = [
    {"key": "gep", "label_zh": "生态产品总值（GEP）", "label_en": "GEP"},
    {"key": "gep_per_km2", "label_zh": "单位面积 GEP", "label_en": "GEP per km²"},
    {"key": "gep_per_gdp", "label_zh": "GEP/GDP", "label_en": "GEP / GDP"},
    {"key": "group:regulating", "label_zh": "调节服务", "label_en": "regulating"},
    {"key": "item:water_conservation", "label_zh": "水源涵养", "label_en": "water conservation"},
]


def map_context(lang: str, years=(2020, 2021, 2022)) -> dict:
    return frame(lang, "/", None) | {"years": list(years), "year": years[-1] if years else None,
                                     "measures": MEASURES, "levels": ["county", "city"]}


def unit_context(lang: str, name: str = "南昌县") -> dict:
    items = [
        {"group": "provisioning", "item": "agriculture", "item_zh": "农业产品", "physical_value": 3.1e9,
         "physical_unit": "yuan", "value_yuan": 3.1e9, "previous_value_yuan": 2.9e9, "change_pct": 0.069,
         "data_status": "measured", "note": "", "note_zh": ""},
        {"group": "regulating", "item": "water_conservation", "item_zh": "水源涵养",
         "physical_value": 8.25e8, "physical_unit": "m3", "value_yuan": 5.03e9,
         "previous_value_yuan": 5.4e9, "change_pct": -0.068, "data_status": "derived",
         "note": "precipitation from the 1 km grid; " + XSS,
         "note_zh": "降水取自 1 km 网格；" + XSS},
        {"group": "regulating", "item": "flood_regulation_marsh", "item_zh": "洪水调蓄(沼泽)",
         "physical_value": None, "physical_unit": "m3", "value_yuan": None, "previous_value_yuan": None,
         "change_pct": None, "data_status": "missing", "note": "no marsh layer", "note_zh": "无沼泽图层"},
        {"group": "cultural", "item": "recreation", "item_zh": "休闲旅游", "physical_value": float("nan"),
         "physical_unit": "person-time", "value_yuan": float("nan"), "previous_value_yuan": 1.2e9,
         "change_pct": None, "data_status": "missing", "note": "", "note_zh": ""},
    ]
    return frame(lang, "/units/360121") | {
        "unit": {"code": "360121", "name_zh": name, "name_en": "Nanchang County", "level": "county",
                 "parent_code": "360100", "parent_name_zh": "南昌市", "parent_name_en": "Nanchang",
                 "area_km2": 1810.7},
        "year": 2022, "years": [2020, 2021, 2022],
        "run": {"id": 7, "status": "published", "published_at": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
                "profile": "mee2020", "parameter_table_version": "2024.1"},
        "totals": {"gep": 1.234e10, "gep_per_km2": 6.81e6, "gdp": 9.87e10, "gep_per_gdp": 0.125,
                   "previous_year": 2021, "previous_gep": 1.19e10, "change_pct": 0.037},
        "groups": [{"group": "provisioning", "group_zh": "物质产品", "value_yuan": 3.1e9, "share": 0.38},
                   {"group": "regulating", "group_zh": "调节服务", "value_yuan": 5.03e9, "share": 0.62},
                   {"group": "cultural", "group_zh": "文化服务", "value_yuan": None, "share": None}],
        "items": items,
        "ecosystems": [{"ecosystem": "forest", "ecosystem_zh": "森林", "value_yuan": 4.2e9, "share": 0.52},
                       {"ecosystem": "farmland", "ecosystem_zh": "农田", "value_yuan": 3.4e9, "share": 0.42},
                       {"ecosystem": "unattributed", "ecosystem_zh": "未归属生态系统", "value_yuan": 5e8,
                        "share": 0.06}],
        "quality": {"measured": 12, "derived": 9, "missing": 4},
        "children": [{"code": "360121001", "name_zh": XSS, "name_en": XSS, "gep": 1.2e9},
                     {"code": "360121002", "name_zh": "莲塘镇", "name_en": "Liantang", "gep": None}],
    }


def parameters_context(lang: str) -> dict:
    return frame(lang, "/parameters", "viewer") | {
        "rows": [
            {"parameter": "runoff_coefficient", "key": "evergreen_broadleaf_forest", "value": 0.0267,
             "unit": "1", "price_year": None, "index": None, "source": "RCEES national table",
             "confidence": "implementation", "note": "", "note_zh": ""},
            {"parameter": "water_price", "key": "reservoir", "value": 7.06, "unit": "yuan/m3",
             "price_year": 2018.0, "index": "cpi", "source": XSS, "confidence": "memory",
             "note": "remembered from a provincial table", "note_zh": "凭记忆取自一份省级表格"},
            {"parameter": "carbon_price", "key": "all", "value": 2800, "unit": "yuan/t CO2",
             "price_year": 2023, "index": "none", "source": "Xiao Yi 2017", "confidence": "full",
             "note": "checked", "note_zh": "已核对"},
        ],
        "version": "2024.1",
        "versions": [{"version": "2024.1", "created_at": "2024-03-02T10:00:00", "note": "first table"},
                     {"version": "2023.9", "created_at": "2023-09-12T08:15:00", "note": None}],
    }


def submission(i: int, status: str, reason: str | None = None) -> dict:
    return {"id": i, "filename": f"nanchang-{i}.xlsx" if i != 3 else XSS, "unit_codes": ["360121"],
            "years": [2022], "row_count": 48, "status": status, "submitted_by": "clerk",
            "submitted_at": datetime(2024, 4, 2, 14, 5),
            "reviewed_by": "boss" if status != "pending" else None,
            "reviewed_at": datetime(2024, 4, 3, 9, 0) if status != "pending" else None, "reason": reason}


def submissions_context(lang: str, with_problems: bool = True) -> dict:
    problems = [
        {"row_label": "12", "field": "value", "message": "value is not a number",
         "message_zh": "数值不是数字", "fix": "write a number such as 1234.5",
         "fix_zh": "请填写数字，如 1234.5", "severity": "error"},
        {"row_label": "15", "field": "unit", "message": XSS, "message_zh": XSS, "fix": "",
         "fix_zh": "", "severity": "warning"},
    ]
    return frame(lang, "/submissions", "submitter") | {
        "can_submit": True, "template_url": "/static/submission-template.xlsx",
        "submissions": [submission(1, "pending"), submission(2, "accepted"),
                        submission(3, "returned", reason="GDP row missing " + XSS)],
        "problems": problems if with_problems else None,
        "uploaded": None if with_problems else {"id": 4, "row_count": 48},
    }


def reviews_context(lang: str) -> dict:
    pending = submission(1, "pending") | {"preview": [
        {"code": "360121", "year": 2022, "indicator": "gdp", "value": 9.87e10, "unit": "yuan",
         "source": "statistical yearbook"},
        {"code": "360121", "year": 2022, "indicator": "tourism_revenue", "value": None, "unit": "yuan",
         "source": XSS},
    ]}
    return frame(lang, "/reviews", "reviewer") | {
        "pending": [pending, submission(3, "pending") | {"preview": []}],
        "recent": [submission(2, "accepted"), submission(5, "returned", reason="wrong year")],
    }


def run(i: int, status: str, **extra) -> dict:
    base = {"id": i, "year": 2022, "profile": "mee2020", "status": status, "progress": 0.0, "step": "",
            "started_by": "admin", "created_at": datetime(2024, 5, 1, 8, 0), "finished_at": None,
            "published_by": None, "published_at": None, "supersedes_id": None, "superseded_by_id": None,
            "error": None, "gep": None}
    return base | extra


def runs_context(lang: str) -> dict:
    return frame(lang, "/runs") | {
        "runs": [
            run(9, "running", progress=0.42, step="water_conservation"),
            run(8, "queued"),
            run(7, "provisional", gep=1.52e11, finished_at=datetime(2024, 5, 1, 8, 40), supersedes_id=5),
            run(6, "failed", error="statistics.csv: " + XSS, finished_at=datetime(2024, 4, 30, 9, 0)),
            run(5, "published", gep=1.49e11, published_by="admin", published_at=datetime(2024, 4, 2),
                superseded_by_id=None),
            run(4, "superseded", gep=1.47e11, superseded_by_id=5, year=2021),
            run(3, "interrupted"),
        ],
        "profiles": ["mee2020", "ndrc2022", "db36_1402"], "years": [2020, 2021, 2022],
        "can_start": True, "can_publish": True,
    }


def login_context(lang: str) -> dict:
    return frame(lang, "/login", None) | {"error": "bad password for " + XSS}


def message_context(lang: str) -> dict:
    return frame(lang, "/runs/99", None) | {"title": "Not found " + XSS, "message": "no run " + XSS,
                                            "status_code": 404}


CONTEXTS = {"map.html": map_context, "unit.html": unit_context, "parameters.html": parameters_context,
            "submissions.html": submissions_context, "reviews.html": reviews_context,
            "runs.html": runs_context, "login.html": login_context, "message.html": message_context}


# ---- helpers ----

def import_modules() -> None:
    """Import every platform module's routes: each registers its page texts (nav links included)."""
    import importlib

    from ecoledger.platform.app import MODULES

    for module in MODULES:
        importlib.import_module(f"{module}.api")


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    import_modules()  # base.html links every module's page
    environment = jinja2.Environment(loader=jinja2.PackageLoader("ecoledger.platform", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    i18n.install(environment)
    return environment


def render(env, name: str, context: dict) -> str:
    return env.get_template(name).render(**context)


class Elements(HTMLParser):
    """Every start tag's attributes, and the text, of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v if v is not None else "") for k, v in attrs}))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if not self.in_script:
            self.text.append(data)

    def find(self, tag: str | None = None, **attrs) -> list[dict]:
        return [a for t, a in self.tags if (tag is None or t == tag)
                and all(a.get(k.replace("_", "-")) == v if v is not True else k.replace("_", "-") in a
                        for k, v in attrs.items())]

    def one(self, tag: str | None = None, **attrs) -> dict:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]


def post_forms_have_csrf(html: str) -> None:
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    for form in forms:
        if re.search(r'method="post"', form[:200]):
            assert '<input type="hidden" name="csrf_token" value="tok-123">' in form, form[:200]


# ---- every page ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_page_renders_with_frame(env, name, lang):
    html = render(env, name, CONTEXTS[name](lang))
    page = Elements(html)
    assert page.one("html")["lang"] == lang
    assert page.one("link", rel="stylesheet")["href"] == "/static/dist/app.css"
    script = page.one("script", src="/static/dist/app.js")
    assert "defer" in script
    assert page.find("a", href="/") and page.find("a", href="/parameters") and page.find("a", href="/runs")
    path = CONTEXTS[name](lang)["path"]
    assert page.find("a", href=f"{path}?lang=en") and page.find("a", href=f"{path}?lang=zh")
    assert XSS not in html
    post_forms_have_csrf(html)
    # the other language's site title is nowhere: every visible string went through t()
    other = "en" if lang == "zh" else "zh"
    assert i18n.MESSAGES["site.title"][other] not in html
    assert i18n.MESSAGES["site.title"][lang] in html
    # no key leaked untranslated
    leaked = set(re.findall(r"\b(?:nav|map|unit|runs|reviews|submissions|parameters|login|common|site|"
                            r"measure_unit|run_status|data_status|submission_status|severity|confidence|"
                            r"level|group|role)\.[a-z_0-9]+\b", " ".join(page.text)))
    assert not leaked


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_nav_depends_on_the_user(env, lang):
    anonymous = Elements(render(env, "map.html", map_context(lang)))
    assert anonymous.find("a", href="/login")
    assert not anonymous.find("a", href="/submissions") and not anonymous.find("a", href="/reviews")
    assert not anonymous.find("form", action="/logout")

    for role, reviews in (("viewer", False), ("submitter", False), ("reviewer", True),
                          ("administrator", True)):
        context = map_context(lang) | {"user": user(role, "wang<b>")}
        html = render(env, "map.html", context)
        page = Elements(html)
        assert page.find("a", href="/submissions")
        assert bool(page.find("a", href="/reviews")) is reviews
        assert page.one("form", action="/logout")["method"] == "post"
        assert "wang&lt;b&gt;" in html and "wang<b>" not in html
        assert not page.find("a", href="/login")


def test_js_text_is_json_in_the_page_language(env):
    import json

    for lang in i18n.LANGUAGES:
        html = render(env, "runs.html", runs_context(lang))
        raw = re.search(r'<script type="application/json" id="i18n-data">(.*?)</script>', html, re.S).group(1)
        data = json.loads(raw)
        assert data["map.missing"] == i18n.MESSAGES["map.missing"][lang]
        assert data["run_status.running"] == i18n.MESSAGES["run_status.running"][lang]
        assert all(not v.startswith(k) for k, v in data.items())


# ---- map ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_map_page(env, lang):
    page = Elements(render(env, "map.html", map_context(lang)))
    for control in ("year", "measure", "level"):
        page.one("select", id=control)
        page.one("label", **{"for": control})
    page.one("div", id="map")
    page.one("div", id="legend")
    assert page.one("option", value="2022").get("selected") == ""
    label = "调节服务" if lang == "zh" else "regulating"
    assert label in " ".join(page.text)
    assert page.find("option", value="item:water_conservation")
    assert page.find("option", value="county") and page.find("option", value="city")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_map_page_without_published_accounts(env, lang):
    html = render(env, "map.html", map_context(lang, years=()))
    page = Elements(html)
    page.one(id="no-accounts")
    assert i18n.MESSAGES["map.no_accounts_title"][lang] in html
    assert not page.find("div", id="map")
    assert "disabled" in page.one("select", id="year")


# ---- unit ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_unit_page(env, lang):
    html = render(env, "unit.html", unit_context(lang, name=XSS))
    page = Elements(html)
    assert XSS not in html and XSS_ESCAPED in html
    for table in ("items-table", "ecosystems-table", "groups-table"):
        page.one("table", id=table)
    assert page.find("a", href="/units/360121?year=2021")  # year selector
    assert page.one("a", href="/units/360121?year=2022")["aria-current"] == "page"
    assert page.find("a", href="/units/360121001?year=2022")  # children
    assert page.find("a", href="/units/360100?year=2022")  # parent
    text = " ".join(page.text)
    assert "123.40" in text  # GEP 1.234e10 yuan in 亿元
    assert "+3.7%" in text and "-6.8%" in text  # changes on the previous year
    missing = i18n.MESSAGES["common.missing"][lang]
    # the two missing items (None and NaN) show "missing", never 0
    for item in ("flood_regulation_marsh", "recreation"):
        row = re.search(rf'<tr data-item="{item}".*?</tr>', html, re.S).group(0)
        assert missing in row and "0.00" not in row and ">0<" not in row
    if lang == "zh":
        assert "水源涵养" in text and "森林" in text and "物质产品" in text
    else:
        assert "Water conservation" in text and "Flood regulation marsh" in text and "Forest" in text
        assert "水源涵养" not in text and "Regulating services" in text
    for status in ("measured", "derived", "missing"):
        assert page.find("span", data_status=status)
    assert ("无沼泽图层" if lang == "zh" else "no marsh layer") in text  # the note in the page's language


def test_unit_page_without_run_or_values(env):
    context = unit_context("zh") | {"run": None, "groups": [], "items": [], "ecosystems": [],
                                    "quality": {}, "children": [],
                                    "totals": dict.fromkeys(unit_context("zh")["totals"])}
    html = render(env, "unit.html", context)
    page = Elements(html)
    page.one(id="no-run")
    assert "缺失" in html and "0.00" not in html


# ---- parameters ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_parameters_page(env, lang):
    html = render(env, "parameters.html", parameters_context(lang))
    page = Elements(html)
    page.one("input", id="parameter-filter")
    page.one("label", **{"for": "parameter-filter"})
    page.one("table", id="parameters-table")
    assert page.one("tr", data_confidence="memory")["class"] == "confidence-memory"
    assert page.find("span", **{"class": "badge confidence-badge flag-memory"})
    page.one(id="memory-warning")
    assert XSS_ESCAPED in html
    text = " ".join(page.text)
    assert "0.0267" in text and "2,800" in text and "2018" in text and "2018.0" not in text
    assert "2024.1" in text and "2023.9" in text
    # notes and unit words in the page's language; sources cited in their own, marked so
    assert ("凭记忆取自一份省级表格" if lang == "zh" else "remembered from a provincial table") in text
    assert ("元/m3" if lang == "zh" else "yuan/m3") in text
    assert ('<td class="source-cell"><span lang="en">RCEES national table</span>' in html) == (lang == "zh")


# ---- submissions ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_submissions_page_with_problems(env, lang):
    html = render(env, "submissions.html", submissions_context(lang))
    page = Elements(html)
    form = page.one("form", id="upload-form")
    assert form["method"] == "post" and form["action"] == "/submissions"
    assert form["enctype"] == "multipart/form-data"
    assert page.one("input", type="file")["accept"] == ".csv,.xlsx"
    assert page.one("input", type="file")["name"] == "file"
    page.one("button", id="upload-submit")
    page.one("ul", id="problems")
    problems = re.findall(r'<li class="problem[^"]*"', html)
    assert problems == ['<li class="problem problem-error"', '<li class="problem problem-warning"']
    main, other = ("数值不是数字", "value is not a number") if lang == "zh" else ("value is not a number",
                                                                              "数值不是数字")
    assert re.search(rf'class="problem-message">{main}<', html)
    assert re.search(rf'class="problem-other" lang="[^"]+">{other}<', html)
    rows = page.find("tr", data_submission_id="3")
    assert rows
    assert page.find("td", data_status="returned")
    assert XSS not in html and XSS_ESCAPED in html
    assert page.find("a", href="/static/submission-template.xlsx")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_submissions_page_uploaded_and_no_right(env, lang):
    html = render(env, "submissions.html", submissions_context(lang, with_problems=False))
    page = Elements(html)
    page.one(id="upload-success")
    assert "#4" in html and not page.find("ul", id="problems")
    context = submissions_context(lang) | {"can_submit": False, "problems": None}
    html = render(env, "submissions.html", context)
    page = Elements(html)
    assert not page.find("form", id="upload-form")
    page.one(id="cannot-submit")
    html = render(env, "submissions.html", submissions_context(lang) | {"submissions": [], "problems": None})
    Elements(html).one(id="no-submissions")


# ---- reviews ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_reviews_page(env, lang):
    html = render(env, "reviews.html", reviews_context(lang))
    page = Elements(html)
    for i in (1, 3):
        assert page.one("form", action=f"/submissions/{i}/accept")["method"] == "post"
        assert page.one("form", action=f"/submissions/{i}/return")["method"] == "post"
        page.one("button", data_action="accept", data_id=str(i))
        page.one("button", data_action="return", data_id=str(i))
        reason = page.one("input", id=f"reason-{i}")
        assert reason["name"] == "reason" and "required" in reason
        page.one("label", **{"for": f"reason-{i}"})
    assert "statistical yearbook" in html and XSS not in html
    page.one("table", id="recent-table")
    assert "wrong year" in html


def test_reviews_page_empty(env):
    html = render(env, "reviews.html", reviews_context("en") | {"pending": [], "recent": []})
    Elements(html).one(id="no-pending")
    assert "Nothing awaits review." in html


# ---- runs ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_runs_page(env, lang):
    html = render(env, "runs.html", runs_context(lang))
    page = Elements(html)
    form = page.one("form", id="start-run")
    assert form["method"] == "post" and form["action"] == "/runs"
    page.one("select", name="year")
    page.one("select", name="profile")
    supersedes = page.one("select", name="supersedes")
    assert supersedes["id"] == "run-supersedes"
    assert page.find("option", value="5")  # the published run can be corrected
    page.one("button", id="start-run-submit")
    page.one("table", id="runs-table")
    for run_id in range(3, 10):
        page.one("tr", data_run_id=str(run_id))
    statuses = [a["data-status"] for a in page.find("td", data_run_status=True)]
    assert statuses == ["running", "queued", "provisional", "failed", "published", "superseded",
                        "interrupted"]
    assert len(page.find("progress")) == 2
    assert page.find("progress", value="0.42")
    assert page.one("form", action="/runs/7/publish")["method"] == "post"
    page.one("button", data_action="publish", data_id="7")
    assert not page.find("form", action="/runs/5/publish")
    assert page.find("a", href="/api/v1/runs/7/archive") and page.find("a", href="/api/v1/runs/5/archive")
    assert page.find("a", href="#run-5") and page.find("a", href="#run-5")
    text = " ".join(page.text)
    assert i18n.MESSAGES["run_status.provisional"][lang] in text
    assert "1,520.00" in text  # GEP of run 7 in 亿元
    assert XSS not in html and XSS_ESCAPED in html


def test_runs_page_read_only(env):
    context = runs_context("zh") | {"can_start": False, "can_publish": False, "user": None}
    page = Elements(render(env, "runs.html", context))
    assert not page.find("form", id="start-run")
    assert not page.find("button", data_action="publish")
    html = render(env, "runs.html", context | {"runs": []})
    Elements(html).one(id="no-runs")


# ---- login and message ----

@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_login_page(env, lang):
    html = render(env, "login.html", login_context(lang))
    page = Elements(html)
    form = page.one("form", action="/login")
    assert form["method"] == "post"
    assert page.one("input", id="username")["name"] == "username"
    assert page.one("input", id="password")["type"] == "password"
    page.one("button", id="login-submit")
    page.one("label", **{"for": "username"})
    page.one("label", **{"for": "password"})
    assert XSS_ESCAPED in html and XSS not in html
    html = render(env, "login.html", login_context(lang) | {"error": None})
    assert not Elements(html).find(id="login-error")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_message_page(env, lang):
    html = render(env, "message.html", message_context(lang))
    page = Elements(html)
    assert "404" in " ".join(page.text)
    assert XSS not in html and html.count(XSS_ESCAPED) >= 2
    assert page.find("a", href="/login")
    html = render(env, "message.html", message_context(lang) | {"status_code": 429, "title": "Too many"})
    assert "429" in html


# ---- translations and formats ----

def test_every_key_the_templates_use_is_translated():
    import_modules()
    folder = resources.files("ecoledger.platform") / "templates"
    used = set()
    for path in folder.iterdir():
        if path.name.endswith(".html"):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r"\bt\('([a-z_0-9.]+)'\)", text))
            used |= set(re.findall(r"'((?:[a-z_]+)\.[a-z_0-9]+)'", text)) - {"_macros.html"}
    used = {k for k in used if not k.endswith(".html")}
    assert used, "no keys found"
    assert sorted(used - set(i18n.MESSAGES)) == []
    for key, entry in i18n.MESSAGES.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        assert all(v.strip() for v in entry.values()), key


def test_translator():
    assert i18n.translator("zh")("nav.map") == "地图"
    assert i18n.translator("en")("nav.map") == "Map"
    assert i18n.translator("fr")("nav.map") == "地图"
    assert i18n.translator("en")("no.such.key") == "no.such.key"
    assert i18n.translator("en")("submissions.uploaded", id=3, rows=12).startswith("Submission #3")


def test_number_formats():
    assert i18n.number_yi(123_456_789_012) == "1,234.57"
    assert i18n.number_yi(0) == "0.00"
    assert i18n.number_yi(100) == "<0.01"
    assert i18n.number_yi(None) == i18n.number_yi(math.nan) == "—"
    assert i18n.percent(0.1234) == "12.3%"
    assert i18n.percent(0.05, signed=True) == "+5.0%"
    assert i18n.percent(-0.00001, signed=True) == "0.0%"
    assert i18n.percent(None) == "—"
    assert i18n.number(0.0267) == "0.0267"
    assert i18n.number(215.6) == "215.6"
    assert i18n.number(12345.6) == "12,346"
    assert i18n.number(12345) == "12,345"
    assert i18n.number(None) == i18n.number(math.nan) == "—"
    assert i18n.number("n/a") == "n/a"
    env = i18n.install(jinja2.Environment(autoescape=True))
    assert env.from_string("{{ 2.5e9|yi }} {{ 0.5|percent }} {{ 1e-7|number }}").render() == \
        "25.00 50.0% 1e-07"
