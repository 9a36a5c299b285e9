"""The pages and the start-up path of ``ecoledger serve``: forms, CSRF, roles, languages, import."""

from __future__ import annotations

import re

import pytest

from ecoledger.platform.testing import PASSWORD, login

YEAR = 2020


def form_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def page_login(client, name: str) -> None:
    token = form_token(client, "/login")
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]


@pytest.fixture
def client(tmp_path, platform_pack):
    from ecoledger.platform.testing import database_url, make_client, make_settings

    settings = make_settings(tmp_path, database_url("sqlite", tmp_path), platform_pack,
                             run_in_background=False)
    with make_client(settings) as test_client:
        yield test_client


def test_public_pages_in_both_languages(client):
    for lang, words in (("zh", "生态产品总值"), ("en", "GEP")):
        for path in ("/", "/parameters", "/runs", "/login"):
            page = client.get(path, params={"lang": lang})
            assert page.status_code == 200 and words in page.text, path
            assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in page.text or f'lang="{lang}' in page.text
    # the choice is remembered
    assert "GEP" in client.get("/").text
    assert client.get("/", params={"lang": "zh"}).status_code == 200


def test_parameter_sources_in_the_page_language(client):
    """The parameter library gives each source in Chinese (source_zh) on the zh page, the English
    source on the en page."""
    from ecoledger.untranslated import untranslated

    zh = client.get("/parameters", params={"lang": "zh"}).text
    en = client.get("/parameters", params={"lang": "en"}).text
    assert "甘孜 2017（《生态学报》37(19):6302）" in zh and "Ganzi 2017 (生态学报 37(19):6302)" not in zh
    assert "Ganzi 2017 (生态学报 37(19):6302)" in en
    assert '<td class="source-cell"><span lang="en">' not in zh
    assert untranslated(zh) == []


def test_pages_that_need_a_login(client):
    for path in ("/submissions", "/reviews"):
        page = client.get(path)
        assert page.status_code == 401 and "登录" in page.text
    page_login(client, "viewer")
    assert client.get("/reviews").status_code == 403
    assert client.get("/submissions").status_code == 200


def test_forms_without_a_valid_csrf_token_are_refused(client):
    refused = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "x"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    page_login(client, "reviewer")
    assert client.post("/runs", data={"year": YEAR, "csrf_token": ""}).status_code == 403


def test_wrong_password_shows_an_error(client):
    token = form_token(client, "/login")
    page = client.post("/login", data={"username": "admin", "password": "wrong-password",
                                       "csrf_token": token})
    assert page.status_code == 401 and 'id="login-error"' in page.text and "用户名或密码错误" in page.text


def test_the_whole_cycle_through_the_forms(client):
    page_login(client, "county-a")
    token = form_token(client, "/submissions")
    bad = "code,year,indicator,value,unit,source\n990101,2020,agriculture_output_value,=1+1,亿元,x\n"
    refused = client.post("/submissions", data={"csrf_token": token},
                          files={"file": ("a.csv", bad.encode(), "text/csv")})
    assert refused.status_code == 422 and 'class="problem' in refused.text
    good = bad.replace("=1+1", "12.5")
    accepted = client.post("/submissions", data={"csrf_token": token},
                           files={"file": ("a.csv", good.encode(), "text/csv")})
    assert accepted.status_code == 201 and 'id="upload-success"' in accepted.text
    submission_id = re.search(r'data-submission-id="(\d+)"', accepted.text).group(1)
    client.post("/logout", data={"csrf_token": token})

    page_login(client, "reviewer")
    token = form_token(client, "/reviews")
    assert client.post(f"/submissions/{submission_id}/accept", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.post("/runs", data={"year": YEAR, "profile": "ndrc2022", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    runs_page = client.get("/runs").text
    run_id = re.search(r'data-run-id="(\d+)"', runs_page).group(1)
    assert 'data-status="provisional"' in runs_page
    assert client.post(f"/runs/{run_id}/publish", data={"csrf_token": token},
                       follow_redirects=False).status_code == 403  # four eyes: not its starter
    page_login(client, "admin")
    token = form_token(client, "/runs")
    assert client.post(f"/runs/{run_id}/publish", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    unit_page = client.get("/units/990101", params={"year": YEAR}).text
    assert 'id="items-table"' in unit_page and "12.50" in unit_page
    assert client.get("/units/990000").status_code == 200


def test_returning_needs_a_reason(client):
    csrf = login(client, "county-a")
    made = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf}, files={"file": (
        "a.csv", b"code,year,indicator,value,unit,source\n990101,2020,gdp,99,\xe4\xba\xbf\xe5\x85\x83,x\n",
        "text/csv")}).json()
    page_login(client, "reviewer")
    token = form_token(client, "/reviews")
    assert client.post(f"/submissions/{made['id']}/return", data={"csrf_token": token, "reason": ""}
                       ).status_code == 400
    assert client.post(f"/submissions/{made['id']}/return", data={"csrf_token": token, "reason": "表 3 的数"},
                       follow_redirects=False).status_code == 303
    assert "表 3 的数" in client.get("/reviews").text


def test_user_text_is_escaped(client):
    csrf = login(client, "county-a")
    upload = "code,year,indicator,value,unit,source\n990101,2020,gdp,99,亿元,<script>alert(1)</script>\n"
    client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                files={"file": ("<img src=x onerror=alert(1)>.csv", upload.encode(), "text/csv")})
    page_login(client, "reviewer")
    html = client.get("/reviews").text
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_security_headers(client):
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"


def test_static_assets_are_served_locally(client):
    page = client.get("/").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(asset).status_code == 200, asset
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_hillshade_from_the_pack_dem(client):
    bounds = client.get("/api/v1/hillshade").json()["bounds"]
    (south, west), (north, east) = bounds
    assert south < north and west < east
    image = client.get("/api/v1/hillshade.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_serve_starts_with_cli_accounts_published(tmp_path, platform_pack):
    """What `ecoledger serve --pack P --accounts DIR` does at start-up, and again on restart."""
    from fastapi.testclient import TestClient

    from ecoledger.accounts import run_account
    from ecoledger.outputs import write_outputs
    from ecoledger.platform.app import Settings, create_app

    result = run_account(platform_pack, YEAR, keep_maps=False)
    out = write_outputs(result, tmp_path / "cli-2020", platform_pack)
    settings = Settings(data_dir=tmp_path / "data", pack=platform_pack, seed_outputs=[out])
    for _ in range(2):  # a restart imports nothing twice
        with TestClient(create_app(settings), base_url="https://testserver") as client:
            history = client.get("/api/v1/runs").json()
            assert [(r["year"], r["status"], r["origin"]) for r in history] == [(YEAR, "published", "import")]
            rows = client.get("/api/v1/accounts", params={"year": YEAR, "unit": "990000",
                                                          "ecosystem": "all"}).json()["rows"]
            cli = result.accounts
            expected = cli[(cli["adcode"] == "990000") & (cli["ecosystem"] == "all")]["value_yuan"].sum()
            assert sum(r["value_yuan"] or 0 for r in rows) == pytest.approx(expected, rel=1e-12)
            assert len(client.get("/api/v1/units").json()) == 7


def test_bodies_of_unknown_length_are_refused(client):
    def chunks():
        yield b"code,year,indicator,value,unit,source\n"

    response = client.post("/api/v1/submissions", content=chunks(),
                           headers={"content-type": "text/csv", "transfer-encoding": "chunked"})
    assert response.status_code == 411 and "Content-Length" in response.json()["detail"]
