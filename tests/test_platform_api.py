"""The platform's API end to end, on SQLite and PostgreSQL: every endpoint, every role rule."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from ecoledger.platform.testing import PASSWORD, login

YEAR = 2020
AGRICULTURE_990101 = ("code,year,indicator,value,unit,source\n"
                      "990101,2020,agriculture_output_value,12.5,亿元,synthetic test yearbook table 1\n")


def upload(client, csrf, text=AGRICULTURE_990101, name="stats.csv"):
    return client.post("/api/v1/submissions", files={"file": (name, text.encode("utf-8"), "text/csv")},
                       headers={"X-CSRF-Token": csrf})


def accepted_and_published(client):
    """Submit, accept, run and publish; returns the published run's JSON."""
    csrf = login(client, "county-a")
    submission = upload(client, csrf).json()
    csrf = login(client, "reviewer")
    client.post(f"/api/v1/submissions/{submission['id']}/accept", headers={"X-CSRF-Token": csrf})
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    csrf = login(client, "admin")  # four eyes: the starter of a run cannot publish it
    return client.post(f"/api/v1/runs/{run['id']}/publish", headers={"X-CSRF-Token": csrf}).json()


# --- session, CSRF, users ------------------------------------------------------------------------

def test_login_me_logout(platform_client):
    client = platform_client
    assert client.get("/api/v1/me").status_code == 401
    csrf = login(client, "reviewer")
    assert client.get("/api/v1/me").json() == {"username": "reviewer", "role": "reviewer", "unit_codes": []}
    assert client.post("/api/v1/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_session_cookie_is_secure_httponly(platform_client):
    csrf = platform_client.get("/api/v1/csrf").json()["csrf_token"]
    response = platform_client.post("/api/v1/login", json={"username": "admin", "password": PASSWORD},
                                    headers={"X-CSRF-Token": csrf})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert "content-security-policy" in response.headers


def test_unsafe_requests_need_the_csrf_token(platform_client):
    response = platform_client.post("/api/v1/login", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    login(platform_client, "reviewer")
    assert platform_client.post("/api/v1/runs", json={"year": YEAR},
                                headers={"X-CSRF-Token": "forged"}).status_code == 403


def test_login_is_rate_limited(platform_client):
    csrf = platform_client.get("/api/v1/csrf").json()["csrf_token"]
    for _ in range(5):
        bad = platform_client.post("/api/v1/login", json={"username": "viewer", "password": "wrong password"},
                                   headers={"X-CSRF-Token": csrf})
        assert bad.status_code == 401
    blocked = platform_client.post("/api/v1/login", json={"username": "viewer", "password": PASSWORD},
                                   headers={"X-CSRF-Token": csrf})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["detail_zh"]


def test_users_are_managed_by_administrators(platform_client):
    client = platform_client
    csrf = login(client, "viewer")
    assert client.get("/api/v1/users").status_code == 403
    csrf = login(client, "admin")
    assert {u["username"] for u in client.get("/api/v1/users").json()} >= {"admin", "county-a"}
    made = client.post("/api/v1/users", json={"username": "city-b", "password": PASSWORD, "role": "submitter",
                                              "unit_codes": ["990200"]}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["unit_codes"] == ["990200"]
    again = client.post("/api/v1/users", json={"username": "city-b", "password": PASSWORD, "role": "viewer"},
                        headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409
    weak = client.post("/api/v1/users", json={"username": "x", "password": "short", "role": "viewer"},
                       headers={"X-CSRF-Token": csrf})
    assert weak.status_code == 400
    unbound = client.post("/api/v1/users", json={"username": "y", "password": PASSWORD, "role": "submitter"},
                          headers={"X-CSRF-Token": csrf})
    assert unbound.status_code == 400


def test_stored_passwords_are_argon2(platform_client):
    from sqlalchemy import select

    from ecoledger.platform.models import User

    with platform_client.app.state.platform.db.transaction() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


# --- units ---------------------------------------------------------------------------------------

def test_units(platform_client):
    client = platform_client
    counties = client.get("/api/v1/units", params={"level": "county"}).json()
    assert [u["code"] for u in counties] == ["990101", "990102", "990201", "990202"]
    assert sum(u["area_km2"] for u in counties) == pytest.approx(
        client.get("/api/v1/units/990000").json()["area_km2"])
    assert [u["code"] for u in client.get("/api/v1/units", params={"parent": "990100"}).json()] == [
        "990101", "990102"]
    shapes = client.get("/api/v1/units.geojson", params={"level": "city"}).json()
    assert len(shapes["features"]) == 2 and shapes["features"][0]["geometry"]["type"] == "Polygon"
    lon, lat = shapes["features"][0]["geometry"]["coordinates"][0][0]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert client.get("/api/v1/units/123456").status_code == 404


# --- submissions ---------------------------------------------------------------------------------

def test_submission_template(platform_client):
    response = platform_client.get("/api/v1/submissions/template.csv")
    assert response.status_code == 200
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "code,year,indicator,value,unit,source"


def test_submission_review_cycle(platform_client):
    client = platform_client
    csrf = login(client, "county-a")
    created = upload(client, csrf)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "pending" and body["unit_codes"] == ["990101"] and body["row_count"] == 1
    detail = client.get(f"/api/v1/submissions/{body['id']}").json()
    assert detail["rows"][0]["value_canonical"] == pytest.approx(12.5e8)
    # a submitter cannot review, not even its own
    assert client.post(f"/api/v1/submissions/{body['id']}/accept",
                       headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = login(client, "reviewer")
    assert [x["id"] for x in client.get("/api/v1/submissions", params={"status": "pending"}).json()] == [
        body["id"]]
    no_reason = client.post(f"/api/v1/submissions/{body['id']}/return", json={"reason": " "},
                            headers={"X-CSRF-Token": csrf})
    assert no_reason.status_code == 400
    returned = client.post(f"/api/v1/submissions/{body['id']}/return", json={"reason": "cite the table"},
                           headers={"X-CSRF-Token": csrf}).json()
    assert returned["status"] == "returned" and returned["reason"] == "cite the table"
    again = client.post(f"/api/v1/submissions/{body['id']}/accept", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409


def test_submission_with_errors_is_refused_whole(platform_client):
    client = platform_client
    csrf = login(client, "county-a")
    bad = AGRICULTURE_990101 + "990101,2020,gdp,7,吨,x\n"
    refused = upload(client, csrf, bad)
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert any(p["field"].endswith("unit") and "3" in p["field"] for p in problems)
    assert all(p["message_zh"] and p["message"] for p in problems)
    assert client.get("/api/v1/submissions").json() == []


def test_submitter_cannot_submit_for_another_county(platform_client):
    client = platform_client
    csrf = login(client, "county-a")
    other = AGRICULTURE_990101.replace("990101,", "990201,")
    refused = upload(client, csrf, other)
    assert refused.status_code == 422
    assert any("990201" in p["message"] for p in refused.json()["problems"])


def test_submitters_see_only_their_submissions(platform_client):
    client = platform_client
    created = upload(client, login(client, "county-a")).json()
    login(client, "county-b")
    assert client.get("/api/v1/submissions").json() == []
    assert client.get(f"/api/v1/submissions/{created['id']}").status_code == 404
    login(client, "viewer")
    assert upload(client, login(client, "viewer")).status_code == 403


def test_upload_size_limit(platform_client):
    csrf = login(platform_client, "county-a")
    huge = AGRICULTURE_990101 + "x" * (3 * 1024 * 1024)
    response = upload(platform_client, csrf, huge)
    assert response.status_code == 413 and "MiB" in response.json()["detail"]


# --- runs and accounts ---------------------------------------------------------------------------

def test_viewer_and_submitter_cannot_start_runs(platform_client):
    client = platform_client
    for name in ("viewer", "county-a"):
        csrf = login(client, name)
        started = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
        assert started.status_code == 403


def test_run_rejects_unknown_year_and_profile(platform_client):
    csrf = login(platform_client, "reviewer")
    assert platform_client.post("/api/v1/runs", json={"year": 1999},
                                headers={"X-CSRF-Token": csrf}).status_code == 400
    assert platform_client.post("/api/v1/runs", json={"year": YEAR, "profile": "nope"},
                                headers={"X-CSRF-Token": csrf}).status_code == 400


def test_run_uses_accepted_statistics_and_publishes(platform_client):
    client = platform_client
    assert client.get("/api/v1/years").json() == []
    published = accepted_and_published(client)
    assert published["status"] == "published" and published["progress"] == 1.0
    assert client.get("/api/v1/years").json() == [YEAR]
    client.cookies.clear()  # anonymous from here on
    rows = client.get("/api/v1/accounts", params={"year": YEAR, "unit": "990101", "item": "agriculture",
                                                  "ecosystem": "all"}).json()["rows"]
    assert len(rows) == 1 and rows[0]["physical_value"] == pytest.approx(12.5e8)
    assert rows[0]["data_status"] != "missing"
    totals = client.get("/api/v1/accounts", params={"year": YEAR, "level": "county", "ecosystem": "all"})
    assert {r["code"] for r in totals.json()["rows"]} == {"990101", "990102", "990201", "990202"}
    # counties sum to the province, item by item
    by_level: dict[tuple[str, str], float] = {}
    for level in ("county", "province"):
        for r in client.get("/api/v1/accounts", params={"year": YEAR, "level": level, "ecosystem": "all",
                                                        "group": "regulating"}).json()["rows"]:
            by_level[level, r["item"]] = by_level.get((level, r["item"]), 0.0) + (r["value_yuan"] or 0.0)
    for (level, item), value in by_level.items():
        if level == "province":
            assert by_level["county", item] == pytest.approx(value, rel=1e-9)


def test_accounts_downloads(platform_client):
    client = platform_client
    run = accepted_and_published(client)
    response = client.get("/api/v1/accounts", params={"run": run["id"], "unit": "990102", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table and {r["code"] for r in table} == {"990102"}
    shapes = client.get("/api/v1/accounts", params={"run": run["id"], "item": "carbon_sequestration",
                                                    "ecosystem": "all", "format": "geojson"}).json()
    assert len(shapes["features"]) == 7 and shapes["features"][0]["geometry"]
    assert client.get("/api/v1/accounts", params={"year": 1990}).status_code == 404


def test_map_and_breakdown(platform_client):
    client = platform_client
    accepted_and_published(client)
    layer = client.get("/api/v1/map", params={"year": YEAR, "level": "county", "measure": "gep"}).json()
    values = {f["properties"]["code"]: f["properties"]["value"] for f in layer["features"]}
    assert set(values) == {"990101", "990102", "990201", "990202"} and all(v > 0 for v in values.values())
    per_km2 = client.get("/api/v1/map", params={"year": YEAR, "measure": "gep_per_km2"}).json()
    areas = {u["code"]: u["area_km2"] for u in client.get("/api/v1/units").json()}
    for f in per_km2["features"]:
        code = f["properties"]["code"]
        assert f["properties"]["value"] == pytest.approx(values[code] / areas[code])
    ratio = client.get("/api/v1/map", params={"year": YEAR, "measure": "gep_per_gdp"}).json()
    gdp_990102 = 200.0e8  # synthetic_statistics: 100 亿元 × 2
    got = {f["properties"]["code"]: f["properties"]["value"] for f in ratio["features"]}
    assert got["990102"] == pytest.approx(values["990102"] / gdp_990102)
    item = client.get("/api/v1/map", params={"year": YEAR, "measure": "item:water_conservation"}).json()
    assert all(f["properties"]["unit"] == "元" for f in item["features"])
    assert client.get("/api/v1/map", params={"year": YEAR, "measure": "nonsense"}).status_code == 400
    breakdown = client.get("/api/v1/units/990101/breakdown", params={"year": YEAR}).json()
    assert breakdown["unit"]["code"] == "990101" and breakdown["statistics"]["gdp"] == pytest.approx(100e8)
    all_rows = [r for r in breakdown["rows"] if r["ecosystem"] == "all"]
    assert sum(r["value_yuan"] or 0 for r in all_rows) == pytest.approx(values["990101"])


def test_unpublished_results_are_for_reviewers_and_administrators_only(platform_client):
    client = platform_client
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    assert run["status"] == "provisional"
    rows = client.get("/api/v1/accounts", params={"run": run["id"]}).json()["rows"]
    assert {r["code"] for r in rows} >= {"990101", "990201"}
    assert client.get(f"/api/v1/runs/{run['id']}/archive").status_code == 200
    for name in ("county-a", "county-b", "viewer", None):  # the own unit's submitter included
        if name:
            login(client, name)
        else:
            client.cookies.clear()
        assert client.get("/api/v1/accounts", params={"run": run["id"]}).status_code == 404
        assert client.get("/api/v1/accounts", params={"run": run["id"], "unit": "990101"}).status_code == 404
        assert client.get("/api/v1/units/990101/breakdown", params={"run": run["id"]}).status_code == 404
        assert client.get("/api/v1/map", params={"year": YEAR, "run": run["id"]}).status_code == 404
        assert client.get(f"/api/v1/runs/{run['id']}").status_code == 404
        assert client.get(f"/api/v1/runs/{run['id']}/archive").status_code == 404
        assert client.get("/api/v1/runs").json() == []


def test_the_starter_of_a_run_cannot_publish_it(platform_client):
    client = platform_client
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    refused = client.post(f"/api/v1/runs/{run['id']}/publish", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "another reviewer" in refused.json()["detail"]
    csrf = login(client, "admin")
    published = client.post(f"/api/v1/runs/{run['id']}/publish", headers={"X-CSRF-Token": csrf}).json()
    assert published["status"] == "published"
    shown = client.get(f"/api/v1/runs/{run['id']}").json()
    assert (shown["started_by"], shown["published_by"]) == ("reviewer", "admin")


def test_published_run_is_final_and_corrections_supersede(platform_client):
    client = platform_client
    first = accepted_and_published(client)
    csrf = login(client, "reviewer")
    assert client.post(f"/api/v1/runs/{first['id']}/publish",
                       headers={"X-CSRF-Token": csrf}).status_code == 409
    plain = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    fix = client.post("/api/v1/runs", json={"year": YEAR, "supersedes": first["id"]},
                      headers={"X-CSRF-Token": csrf}).json()
    csrf = login(client, "admin")  # another user than the runs' starter
    refused = client.post(f"/api/v1/runs/{plain['id']}/publish", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 409 and "supersede" in refused.json()["detail"]
    client.post(f"/api/v1/runs/{fix['id']}/publish", headers={"X-CSRF-Token": csrf})
    history = {r["id"]: r for r in client.get("/api/v1/runs").json()}
    assert history[first["id"]]["status"] == "published"
    assert history[first["id"]]["superseded_by_id"] == fix["id"]
    assert history[fix["id"]]["supersedes_id"] == first["id"]
    current = client.get("/api/v1/accounts", params={"year": YEAR, "unit": "990000"}).json()
    assert current["run"]["id"] == fix["id"]
    assert client.get("/api/v1/accounts", params={"run": first["id"]}).status_code == 200


def test_run_archive_reruns_to_the_same_numbers(platform_client, platform_pack, tmp_path):
    from ecoledger.platform.runs import verify_archive

    client = platform_client
    run = accepted_and_published(client)
    response = client.get(f"/api/v1/runs/{run['id']}/archive")
    assert response.status_code == 200
    archive = tmp_path / "run.zip"
    archive.write_bytes(response.content)
    names = zipfile.ZipFile(archive).namelist()
    assert {"manifest.json", "inputs/statistics.csv", "outputs/accounts.csv",
            "outputs/run.json"} <= set(names)
    result = verify_archive(archive, platform_pack, tmp_path / "rerun")
    assert result["identical"]
    assert result["parameter_table_version"] == result["archived_parameter_table_version"]


def test_failed_run_is_recorded(platform_client, monkeypatch):
    import ecoledger.accounts

    def broken(*args, **kwargs):
        raise OSError("disk unreadable")

    monkeypatch.setattr(ecoledger.accounts, "run_account", broken)
    csrf = login(platform_client, "reviewer")
    run = platform_client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    assert run["status"] == "failed" and "disk unreadable" in run["error"]
    assert platform_client.get("/api/v1/accounts", params={"run": run["id"]}).status_code == 404


# --- parameters and audit ------------------------------------------------------------------------

def test_parameter_library_and_versions(platform_client):
    client = platform_client
    library = client.get("/api/v1/parameters").json()
    rows = library["rows"]
    assert rows and {"parameter", "key", "value", "unit", "price_year", "source"} <= set(rows[0])
    assert all(r["source"] for r in rows)
    one = client.get("/api/v1/parameters", params={"parameter": "water_price"}).json()["rows"]
    assert one and {r["parameter"] for r in one} == {"water_price"}
    versions = client.get("/api/v1/parameters/versions").json()
    assert [v["version"] for v in versions] == [library["version"]]
    csrf = login(client, "reviewer")
    override = b"parameter,key,value,unit,price_year,index,source,confidence,note\n" \
               b"water_price,,9.99,yuan/m3,2020,,test override,test,\n"
    files = {"file": ("p.csv", override, "text/csv")}
    assert client.post("/api/v1/parameters", files=files, headers={"X-CSRF-Token": csrf}).status_code == 403
    csrf = login(client, "admin")
    made = client.post("/api/v1/parameters", files=files, data={"note": "test"},
                       headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    new = made.json()["version"]
    assert new != library["version"]
    rows = client.get("/api/v1/parameters", params={"parameter": "water_price"}).json()["rows"]
    assert rows[-1]["value"] == 9.99
    assert client.get("/api/v1/parameters", params={"version": "nope"}).status_code == 404


def test_audit_log_verifies_and_detects_tampering(platform_client):
    from sqlalchemy import select, text, update
    from sqlalchemy.exc import DBAPIError

    from ecoledger.platform.models import AuditEntry

    client = platform_client
    accepted_and_published(client)
    login(client, "reviewer")
    assert client.get("/api/v1/audit/verify").status_code == 403
    login(client, "admin")
    verdict = client.get("/api/v1/audit/verify").json()
    assert verdict["ok"] and verdict["entries"] >= 8
    db = client.app.state.platform.db
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:  # the store refuses
        s.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(detail={"gep_yuan": 1.0}))
    with db.transaction() as s:  # edited behind the application's back, the triggers dropped first
        for trigger in (["audit_log_no_update"] if db.url.startswith("sqlite") else
                        ["audit_log_no_change ON audit_log"]):
            s.execute(text(f"DROP TRIGGER {trigger}"))
        seq = s.scalars(select(AuditEntry.seq).where(AuditEntry.action == "run.publish")).first()
        s.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(detail={"gep_yuan": 1.0}))
    verdict = client.get("/api/v1/audit/verify").json()
    assert not verdict["ok"] and verdict["first_bad_seq"] == seq
