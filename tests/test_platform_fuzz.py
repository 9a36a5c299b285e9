"""Hostile input to the platform: a property-based fuzz of the JSON API from its OpenAPI
description (schemathesis), and malformed statistics uploads.

The fuzz runs every operation of ``/api/v1/openapi.json`` twice: anonymously, and as a
logged-in administrator whose session cookie and CSRF token are sent with every request, so
unsafe operations get past the CSRF check into the code behind it. The store (SQLite, for speed)
holds a published run, an accepted and a pending submission first, so reads have data to find.
No response may be a server error. Generation is derandomized and bounded, so CI is repeatable.

The uploads are files people really send by mistake, and files sent to do harm: each is refused
(413, or 422 with every problem in English and Chinese naming the row and column), and nothing
is stored.
"""

from __future__ import annotations

import io
import zipfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from sqlalchemy import func, select

from ecoledger.platform import security, users
from ecoledger.platform.db import sqlite_url
from ecoledger.platform.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from ecoledger.platform.models import Session, Submission, SubmissionRow, User, utcnow
from ecoledger.platform.testing import login, make_client, make_settings

YEAR = 2020
HEADER = "code,year,indicator,value,unit,source\n"
AGRICULTURE_990101 = HEADER + "990101,2020,agriculture_output_value,12.5,亿元,synthetic yearbook table 1\n"
GDP_990101 = HEADER + "990101,2020,gdp,100,亿元,《江西统计年鉴2021》表 2-1\n"
BASE_URL = "http://testserver"

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# Ids beyond the stores' INTEGER range once reached the database and raised (found by this fuzz);
# the API now bounds them to 1 … 2**31 − 1, PostgreSQL's INTEGER.
OUT_OF_RANGE = (2**31, 2**63, -(2**63) - 1)


# --- the fuzz ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory, platform_pack):
    """A platform on SQLite with a published run, an accepted and a pending submission."""
    folder = tmp_path_factory.mktemp("fuzz")
    settings_ = make_settings(folder, sqlite_url(folder / "store.db"), platform_pack, run_in_background=False)
    with make_client(settings_) as client:
        csrf = login(client, "county-a")
        accepted = _upload(client, csrf, AGRICULTURE_990101)
        assert accepted.status_code == 201, accepted.text
        assert _upload(client, csrf, GDP_990101).status_code == 201
        csrf = login(client, "reviewer")
        reviewed = client.post(f"/api/v1/submissions/{accepted.json()['id']}/accept",
                               headers={CSRF_HEADER: csrf})
        assert reviewed.status_code == 200, reviewed.text
        run = client.post("/api/v1/runs", json={"year": YEAR}, headers={CSRF_HEADER: csrf}).json()
        csrf = login(client, "admin")  # four eyes: the starter of a run cannot publish it
        published = client.post(f"/api/v1/runs/{run['id']}/publish", headers={CSRF_HEADER: csrf})
        assert published.json()["status"] == "published", published.text
        client.cookies.clear()
        yield client
    client.app.state.platform.db.dispose()


def _api_description() -> dict:
    """The API's OpenAPI description, as the app serves it (built without a store)."""
    from ecoledger.platform.app import api_description

    return api_description()


# Built at import, so that each operation is a test of its own (schemathesis' fixture-based loader
# does not run on pytest 9.2); test_fuzzed_description_is_the_served_one checks the app serves it.
schema = schemathesis.openapi.from_dict(_api_description())


# Values the seeded store holds: the fuzz uses them for about half the parameters of these names,
# so that reads find data (random years, codes and ids find nothing).
KNOWN = {
    "code": ["990101", "990100", "990000"], "unit": ["990101", "990000"], "parent": ["990100"],
    "run_id": [1], "run": [1], "submission_id": [1, 2], "year": [YEAR], "ecosystem": ["all"],
    "item": ["agriculture", "carbon_sequestration"], "parameter": ["water_price"],
    "measure": ["gep", "gep_per_km2", "gep_per_gdp", "item:water_conservation"],
}


def _with_known_values(values):
    if not isinstance(values, dict):
        return st.just(values)
    return st.fixed_dictionaries({
        name: st.one_of(st.just(value), st.sampled_from(KNOWN[name])) if name in KNOWN else st.just(value)
        for name, value in values.items()})


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _with_known_values(path_parameters)


@schema.hook
def flatmap_query(context, query):
    return _with_known_values(query)


def test_fuzzed_description_is_the_served_one(fuzz_client):
    served = fuzz_client.get("/api/v1/openapi.json").json()
    assert served["paths"] == schema.raw_schema["paths"]
    assert served["components"] == schema.raw_schema["components"]
    assert len(list(schema.get_all_operations())) >= 28


def _session(client, username: str) -> dict:
    """Cookies and headers of a new session of ``username``, opened in the store directly: no
    password hashing per session, and no login rate limit the fuzz's failed logins could trip."""
    state = client.app.state.platform
    token, nonce = security.new_token(), security.new_token()
    with state.db.transaction() as s:
        user = s.scalar(select(User).where(User.username == username))
        s.add(Session(token_hash=security.token_hash(token), user_id=user.id, created_at=utcnow(),
                      expires_at=utcnow() + users.SESSION_LIFETIME))
    return {"cookies": {SESSION_COOKIE: token, CSRF_COOKIE: nonce},
            "headers": {CSRF_HEADER: security.csrf_token(state.secret, nonce)}}


def _cookie_header(session: dict) -> dict:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in session["cookies"].items())}


@pytest.fixture(scope="module")
def administrator(fuzz_client):
    """Cookies and headers of an administrator's session."""
    session = _session(fuzz_client, "admin")
    me = fuzz_client.get("/api/v1/me", headers=_cookie_header(session))
    assert me.json()["role"] == "administrator", me.text
    return session


def _call(case, client, session: dict | None = None) -> None:
    """Send ``case`` to the app; fails on a server error (an exception raised in the app, or 5xx)."""
    extra = {} if session is None else {"headers": session["headers"], "cookies": session["cookies"]}
    case.call_and_validate(checks=[not_a_server_error], app=client.app, base_url=BASE_URL, **extra)


@schema.parametrize()
@FUZZ
def test_api_fuzz_anonymous(case, fuzz_client):
    _call(case, fuzz_client)


@schema.parametrize()
@FUZZ
def test_api_fuzz_as_administrator(case, fuzz_client, administrator):
    session = administrator
    if case.operation.path == "/api/v1/logout":  # would end the session every later request relies on
        session = _session(fuzz_client, "admin")
    _call(case, fuzz_client, session)  # the session's CSRF token replaces the generated header


@pytest.mark.parametrize("url", [
    "/api/v1/runs/{n}", "/api/v1/runs/{n}/archive", "/api/v1/accounts?run={n}",
    "/api/v1/map?year=2020&run={n}", "/api/v1/units/990101/breakdown?run={n}",
    "POST /api/v1/runs/{n}/publish", "/api/v1/submissions/{n}", "POST /api/v1/submissions/{n}/accept",
    "POST /api/v1/submissions/{n}/return", "POST /api/v1/runs",
])
def test_out_of_range_ids_are_not_server_errors(fuzz_client, administrator, url):
    method, _, url = url.rpartition(" ")
    for n in OUT_OF_RANGE:
        response = fuzz_client.request(method or "GET", url.format(n=n),
                                       headers={**administrator["headers"], **_cookie_header(administrator)},
                                       json={"reason": "x", "year": YEAR, "supersedes": n})
        assert response.status_code < 500


# --- malformed uploads ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def upload_client(tmp_path_factory, platform_pack):
    """A platform on SQLite, logged in as county-a, to which nothing is ever successfully uploaded."""
    folder = tmp_path_factory.mktemp("uploads")
    settings_ = make_settings(folder, sqlite_url(folder / "store.db"), platform_pack, run_in_background=False)
    with make_client(settings_) as client:
        client.csrf = login(client, "county-a")
        yield client
    client.app.state.platform.db.dispose()


@pytest.fixture
def county_a(upload_client):
    """The CSRF token of county-a's session on ``upload_client``; checks nothing gets stored."""
    yield upload_client.csrf
    assert upload_client.get("/api/v1/submissions").json() == []
    with upload_client.app.state.platform.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0
        assert s.scalar(select(func.count()).select_from(SubmissionRow)) == 0


def _upload(client, csrf, content: str | bytes, name: str = "stats.csv", media: str = "text/csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/api/v1/submissions", files={"file": (name, data, media)},
                       headers={CSRF_HEADER: csrf})


def refusal(response, status: int = 422) -> list[dict]:
    """The problems of a refused upload, each checked to say what is wrong in both languages."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["detail"] and body["detail_zh"]
    problems = body["problems"]
    assert problems and any(p["severity"] == "error" for p in problems)
    for p in problems:
        assert p["message"].strip() and p["message_zh"].strip() and p["field"].strip(), p
        assert p["fix"].strip() and p["fix_zh"].strip(), p
    return problems


def _messages(problems: list[dict]) -> str:
    return " | ".join(f"{p['field']}: {p['message']} / {p['message_zh']}" for p in problems)


def _workbook(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "expected", "expected_zh"), [
    pytest.param("stats.csv", GDP_990101.encode("gbk"), "GBK", "GBK", id="gbk-csv"),
    pytest.param("stats.csv", GDP_990101.encode("gb18030"), "UTF-8", "UTF-8", id="gb18030-csv"),
    pytest.param("stats.csv", GDP_990101.encode("utf-16"), "UTF-16", "UTF-16", id="utf16-csv"),
    pytest.param("stats.csv", GDP_990101.encode("utf-16-le"), "UTF-16", "UTF-16", id="utf16le-no-bom"),
    pytest.param("stats.csv", bytes(range(256)) * 64, "binary", "二进制", id="binary-junk-csv"),
    pytest.param("stats.csv", b"", "empty", "为空", id="empty"),
    pytest.param("stats.xlsx", _zip({"hello.txt": b"not a workbook"}), "not an Excel workbook",
                 "不是 Excel 工作簿", id="zip-named-xlsx"),
    pytest.param("stats.xlsx", GDP_990101.encode("utf-8"), "not an Excel workbook", "不是 Excel 工作簿",
                 id="csv-named-xlsx"),
    pytest.param("stats.xlsx", b"PK\x03\x04" + b"\x00" * 200, "cannot be read", "无法读取",
                 id="damaged-zip-xlsx"),
    pytest.param("stats.csv", _workbook([HEADER.strip().split(",")]), "zip", "压缩包", id="xlsx-named-csv"),
    pytest.param("stats.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512, ".xls", ".xls",
                 id="old-xls"),
    pytest.param("stats.xlsx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512, "encrypted", "加密",
                 id="encrypted-xlsx"),
    pytest.param("stats.exe", b"MZ\x90\x00" + b"\x00" * 60, "not accepted", "不接受", id="exe"),
    pytest.param("stats.txt", GDP_990101.encode("utf-8"), "not accepted", "不接受", id="txt"),
    pytest.param("stats", GDP_990101.encode("utf-8"), "not accepted", "不接受", id="no-extension"),
    pytest.param("stats.xlsx", lambda: _zip({"xl/workbook.xml": b"<workbook/>", "xl/a": b" " * 41 * 2**20}),
                 "unzips to", "解压后", id="zip-bomb"),
])
def test_unreadable_files_are_refused(upload_client, county_a, name, content, expected, expected_zh):
    content = content() if callable(content) else content
    problems = refusal(_upload(upload_client, county_a, content, name))
    assert any(expected in p["message"] and expected_zh in p["message_zh"] for p in problems), \
        _messages(problems)
    assert all(p["field"] == "file" for p in problems), _messages(problems)


def test_huge_file_is_refused_naming_the_limit(upload_client, county_a):
    huge = AGRICULTURE_990101 + "x" * (3 * 1024 * 1024)
    response = _upload(upload_client, county_a, huge)
    assert response.status_code == 413, response.text
    body = response.json()
    assert "2 MiB" in body["detail"] and "2 MiB" in body["detail_zh"]


def test_file_just_over_the_limit_is_refused_naming_the_limit(upload_client, county_a):
    """Over 2 MiB yet within the request allowance for the form's other fields: the parser refuses it."""
    content = AGRICULTURE_990101 + "#" * (2 * 1024 * 1024)
    response = _upload(upload_client, county_a, content)
    if response.status_code == 413:
        assert "2 MiB" in response.json()["detail"]
        return
    problems = refusal(response)
    assert any("2 MiB" in p["message"] and "2 MiB" in p["message_zh"] for p in problems), _messages(problems)


def test_formulas_in_csv_cells_are_refused(upload_client, county_a):
    text = HEADER + '990101,2020,gdp,100,亿元,"=HYPERLINK(""http://x"",""y"")"\n' \
                    "990101,2020,population,@SUM(A1),万人,《江西统计年鉴2021》\n" \
                    "990101,2020,agriculture_output_value,+1+2,亿元,-cmd|' /C calc'!A0\n"
    problems = refusal(_upload(upload_client, county_a, text))
    fields = {p["field"] for p in problems}
    assert {"row 2 · source", "row 3 · value", "row 4 · value", "row 4 · source"} <= fields, \
        _messages(problems)
    formula = [p for p in problems if "formula" in p["message"]]
    assert formula and all("公式" in p["message_zh"] for p in formula)
    assert all("第" in p["message_zh"] and "行" in p["message_zh"] for p in formula)


def test_formula_cell_in_workbook_is_refused(upload_client, county_a):
    content = _workbook([HEADER.strip().split(","),
                         ["990101", 2020, "gdp", "=SUM(1,2)", "亿元", "《江西统计年鉴2021》"],
                         ["990101", 2020, "agriculture_output_value", 12.5, "亿元", '=HYPERLINK("http://x","y")']])
    problems = refusal(_upload(upload_client, county_a, content, "stats.xlsx",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    fields = {p["field"] for p in problems if "formula" in p["message"]}
    assert {"row 2 · value", "row 3 · source"} <= fields, _messages(problems)
    assert all("公式" in p["message_zh"] for p in problems if "formula" in p["message"])


@pytest.mark.parametrize(("indicator", "unit"), [("gdp", "吨"), ("gdp", "元/吨"), ("population", "亿元"),
                                                 ("gdp", "furlongs")])
def test_wrong_units_are_refused(upload_client, county_a, indicator, unit):
    text = AGRICULTURE_990101 + f"990101,2020,{indicator},7,{unit},《江西统计年鉴2021》\n"
    problems = refusal(_upload(upload_client, county_a, text))
    unit_problems = [p for p in problems if p["field"] == "row 3 · unit"]
    assert unit_problems, _messages(problems)
    assert all(unit in p["message"] and unit in p["message_zh"] for p in unit_problems), _messages(problems)


def test_every_problem_of_a_file_is_reported_at_once(upload_client, county_a):
    text = HEADER + "990101,2020,gdp,lots,亿元,x\n" \
                    "123456,2020,gdp,1,亿元,x\n" \
                    "990101,1850,gdp,1,亿元,x\n" \
                    "990101,2020,no_such_indicator,1,亿元,x\n" \
                    "990201,2020,gdp,1,亿元,x\n"
    problems = refusal(_upload(upload_client, county_a, text))
    rows = {p["field"].split(" · ")[0] for p in problems}
    assert {"row 2", "row 3", "row 4", "row 5", "row 6"} <= rows, _messages(problems)


def test_control_characters_and_bad_header_are_refused(upload_client, county_a):
    text = HEADER + "990101,2020,gdp,1,亿元,yearbook\u202eevil\n"
    bad_cell = refusal(_upload(upload_client, county_a, text))
    assert any(p["field"] == "row 2 · source" and "control" in p["message"] for p in bad_cell), \
        _messages(bad_cell)
    chinese_header = "代码,年份,指标,数值,单位,来源\n990101,2020,gdp,1,亿元,x\n"
    header = refusal(_upload(upload_client, county_a, chinese_header))
    assert any(p["field"].startswith("row 1") and "code" in p["message"] for p in header), _messages(header)
    assert any("代码 → code" in p["fix"] for p in header), _messages(header)


def test_web_form_refuses_a_gbk_file(upload_client, county_a):
    response = upload_client.post("/submissions", data={"csrf_token": county_a},
                                  files={"file": ("stats.csv", GDP_990101.encode("gbk"), "text/csv")})
    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "GBK" in response.text
