"""Intervals and drivers on the platform (issue 21): a run started with ``draws`` stores them
beside its accounts (its folder and archive), the API serves them with filters and the read
rules of the accounts, the unit page shows the GEP's 90 % interval and the top drivers.

Ranges: ``relative_ranges`` (every input ±10 %) stand in for the bundled cited ranges, so these
tests do not depend on the range tables' content. SQLite always, PostgreSQL when configured.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import pytest

from ecoledger.platform.testing import login, publish

YEAR = 2020
DRAWS = 120
PROVINCE, CITY, COUNTY = "990000", "990100", "990101"
UNITS = 7  # the synthetic pack: a province, 2 cities, 4 counties


def _relative_ranges(result, extra=()):
    from ecoledger.uncertainty.propagate import relative_ranges

    return relative_ranges(result)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request, tmp_path_factory, platform_pack):
    """One platform per store kind: run ``drawn`` (120 draws, published), ``plain`` (no draws,
    provisional), ``few`` (20 draws, provisional), each with its time to run."""
    from ecoledger.platform.testing import database_url, make_client, make_settings

    folder = tmp_path_factory.mktemp(f"uncertainty-{request.param}")
    try:
        url = database_url(request.param, folder)
    except LookupError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ecoledger.uncertainty.propagate.ranges_for", _relative_ranges)
        settings = make_settings(folder, url, platform_pack, run_in_background=False)
        with make_client(settings) as client:
            csrf = login(client, "reviewer")
            made, seconds = {}, {}
            for name, body in (("drawn", {"year": YEAR, "draws": DRAWS}), ("plain", {"year": YEAR}),
                               ("few", {"year": YEAR, "draws": 20})):
                started = time.perf_counter()
                response = client.post("/api/v1/runs", json=body, headers={"X-CSRF-Token": csrf})
                seconds[name] = time.perf_counter() - started
                assert response.status_code == 202, response.text
                made[name] = response.json()
                assert made[name]["status"] == "provisional", made[name]
            assert publish(client, made["drawn"]["id"]).json()["status"] == "published"
            client.cookies.clear()
            yield {"client": client, "settings": settings, "runs": made, "seconds": seconds,
                   "patch": patch}
        client.app.state.platform.db.dispose()


def _get(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- the run ---------------------------------------------------------------------------------------

def test_a_run_with_draws_stores_intervals_in_its_folder_and_archive(platform):
    client, runs = platform["client"], platform["runs"]
    drawn = runs["drawn"]
    assert drawn["draws"] == DRAWS and runs["plain"]["draws"] == 0 and runs["few"]["draws"] == 20
    assert drawn["step"] == "done" and drawn["progress"] == 1.0
    folder = platform["settings"].data_dir / "runs" / str(drawn["id"]) / "outputs" / "uncertainty"
    assert {p.name for p in folder.iterdir()} == {
        "intervals.csv", "drivers.csv", "inputs.csv", "meta.json", "gep_draws.parquet",
        "item_ratios.parquet"}
    assert json.loads((folder / "meta.json").read_text(encoding="utf-8"))["draws"] == DRAWS
    plain = platform["settings"].data_dir / "runs" / str(runs["plain"]["id"]) / "outputs"
    assert plain.is_dir() and not (plain / "uncertainty").exists()

    login(client, "reviewer")
    archive = client.get(f"/api/v1/runs/{drawn['id']}/archive")
    client.cookies.clear()
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
    assert {"inputs/ranges.csv", "outputs/uncertainty/intervals.csv", "outputs/uncertainty/drivers.csv",
            "outputs/uncertainty/meta.json"} <= names
    assert manifest["uncertainty"] == {"draws": DRAWS, "seed": 20190101}


def test_the_accounts_of_a_run_with_draws_are_those_of_a_run_without(platform):
    runs = platform["runs"]
    assert runs["drawn"]["gep_yuan"] == pytest.approx(runs["plain"]["gep_yuan"], rel=1e-12)


def test_a_run_whose_uncertainty_fails_fails_whole(platform, monkeypatch):
    from ecoledger.platform.runs import MAX_DRAWS

    def broken(result, extra=()):
        raise ValueError("no range for the inputs ['reservoir_cost']: add rows to the range table")

    monkeypatch.setattr("ecoledger.uncertainty.propagate.ranges_for", broken)
    client = platform["client"]
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR, "draws": 50},
                      headers={"X-CSRF-Token": csrf}).json()
    assert run["status"] == "failed" and "no range for the inputs" in run["error"], run
    assert not (platform["settings"].data_dir / "runs" / str(run["id"])).exists()  # nothing partial
    for draws in (-1, MAX_DRAWS + 1):
        refused = client.post("/api/v1/runs", json={"year": YEAR, "draws": draws},
                              headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "draws"]
    client.cookies.clear()


# --- the API ---------------------------------------------------------------------------------------

def test_the_api_returns_intervals_and_drivers_with_filters(platform):
    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    path = f"/api/v1/runs/{run_id}/uncertainty"
    everything = _get(client, path)
    assert everything["run"]["id"] == run_id and everything["meta"]["draws"] == DRAWS
    assert everything["meta"]["drivers_computed"] is True
    intervals = everything["intervals"]
    assert everything["total"] == len(intervals) > UNITS and everything["next_offset"] is None
    assert set(intervals[0]) == {"adcode", "name", "level", "scope", "key", "point_yuan",
                                 "median_yuan", "p05_yuan", "p95_yuan"}
    assert {r["scope"] for r in intervals} == {"item", "group", "gep"}
    for r in intervals:
        assert isinstance(r["adcode"], str) and isinstance(r["point_yuan"], float)
        assert r["p05_yuan"] <= r["median_yuan"] <= r["p95_yuan"], r

    gep = _get(client, path, scope="gep")["intervals"]
    assert len(gep) == UNITS and {r["key"] for r in gep} == {"GEP"}
    city = _get(client, path, adcode=CITY)
    assert city["intervals"] and {r["adcode"] for r in city["intervals"]} == {CITY}
    assert {d["adcode"] for d in city["drivers"]} == {CITY}
    item = _get(client, path, key="water_conservation", scope="item")["intervals"]
    assert len(item) == UNITS and {r["key"] for r in item} == {"water_conservation"}
    one = _get(client, path, adcode=COUNTY, scope="group", key="regulating")
    assert [(r["adcode"], r["key"]) for r in one["intervals"]] == [(COUNTY, "regulating")]
    assert one["drivers"] == []  # drivers are computed for the province and the cities

    first = _get(client, path, limit=5)
    assert first["total"] == len(intervals) and first["next_offset"] == 5
    second = _get(client, path, limit=5, offset=5)
    assert first["intervals"] + second["intervals"] == intervals[:10]

    drivers = [d for d in everything["drivers"] if d["adcode"] == PROVINCE]
    assert [d["rank"] for d in drivers] == list(range(1, len(drivers) + 1)) and 0 < len(drivers) <= 10
    assert set(drivers[0]) == {"adcode", "name", "level", "rank", "input", "s1", "s1_conf",
                               "gep_low_yuan", "gep_high_yuan", "range_source"}
    assert {d["adcode"] for d in everything["drivers"]} == {PROVINCE, CITY, "990200"}
    assert client.get(path, params={"scope": "unit"}).status_code == 422


def test_the_point_value_is_the_gep_of_the_accounts(platform):
    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    gep = {r["adcode"]: r for r in
           _get(client, f"/api/v1/runs/{run_id}/uncertainty", scope="gep")["intervals"]}
    rows = _get(client, "/api/v1/accounts", run=run_id, ecosystem="all")["rows"]
    for code, interval in gep.items():
        accounts = sum(r["value_yuan"] for r in rows if r["code"] == code and r["value_yuan"] is not None)
        assert interval["point_yuan"] == pytest.approx(accounts, rel=1e-9), code
    assert gep[PROVINCE]["point_yuan"] == pytest.approx(platform["runs"]["drawn"]["gep_yuan"], rel=1e-9)


def test_the_year_route_reads_the_published_run(platform):
    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    response = client.get("/api/v1/uncertainty", params={"year": YEAR, "adcode": PROVINCE})
    assert response.status_code == 200 and response.headers["cache-control"] == "public, no-cache"
    body = response.json()
    assert body["run"]["id"] == run_id and {r["adcode"] for r in body["intervals"]} == {PROVINCE}
    assert body == _get(client, f"/api/v1/runs/{run_id}/uncertainty", adcode=PROVINCE)
    again = client.get("/api/v1/uncertainty", params={"year": YEAR, "adcode": PROVINCE},
                       headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    missing = client.get("/api/v1/uncertainty", params={"year": YEAR + 1})
    assert missing.status_code == 404


def test_a_run_without_draws_has_no_uncertainty(platform):
    client, plain = platform["client"], platform["runs"]["plain"]["id"]
    login(client, "reviewer")
    response = client.get(f"/api/v1/runs/{plain}/uncertainty")
    client.cookies.clear()
    assert response.status_code == 404
    assert "without draws" in response.json()["detail"] and "抽样" in response.json()["detail_zh"]


def test_the_year_route_answers_404_when_the_published_run_has_no_draws(platform_client):
    client = platform_client
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    assert run["draws"] == 0 and publish(client, run["id"]).json()["status"] == "published"
    client.cookies.clear()
    for path, params in ((f"/api/v1/runs/{run['id']}/uncertainty", {}),
                         ("/api/v1/uncertainty", {"year": YEAR})):
        response = client.get(path, params=params)
        assert response.status_code == 404 and "without draws" in response.json()["detail"], path
    page = client.get(f"/units/{PROVINCE}", params={"year": YEAR})
    assert page.status_code == 200 and 'id="gep-interval"' not in page.text
    assert 'id="drivers"' not in page.text


# --- who may read them -----------------------------------------------------------------------------

def test_the_routes_declare_the_policy_of_the_accounts(platform):
    from ecoledger.platform import api
    from ecoledger.platform.policy import EVERYONE, access_of

    assert access_of(api.run_uncertainty).roles == EVERYONE
    assert access_of(api.run_uncertainty).objects == "run"
    assert access_of(api.uncertainty).roles == EVERYONE
    assert access_of(api.uncertainty).objects == "runs"
    assert access_of(api.accounts).objects == "runs"


@pytest.mark.parametrize("who, sees_provisional", [
    (None, False), ("viewer", False), ("county-a", False), ("reviewer", True), ("admin", True)])
def test_a_provisional_runs_intervals_are_for_reviewers_and_administrators(platform, who,
                                                                             sees_provisional):
    client, runs = platform["client"], platform["runs"]
    if who:
        login(client, who)
    try:
        published = client.get(f"/api/v1/runs/{runs['drawn']['id']}/uncertainty")
        provisional = client.get(f"/api/v1/runs/{runs['few']['id']}/uncertainty")
        accounts = client.get("/api/v1/accounts", params={"run": runs["few"]["id"], "limit": 1})
    finally:
        client.cookies.clear()
    assert published.status_code == 200
    assert provisional.status_code == (200 if sees_provisional else 404)
    assert accounts.status_code == provisional.status_code  # the accounts' rule
    if sees_provisional:
        body = provisional.json()
        assert body["meta"]["draws"] == 20 and body["drivers"] == []  # too few draws for drivers
        assert body["meta"]["drivers_computed"] is False
        assert provisional.headers["cache-control"] == "private, no-store"
    else:
        assert "no readable" in provisional.json()["detail"]


# --- the unit page ---------------------------------------------------------------------------------

def test_the_unit_page_shows_the_gep_interval_and_the_drivers(platform):
    from ecoledger.platform.i18n import number_yi
    from ecoledger.untranslated import untranslated

    assert number_yi(1_234_567.891e8) == "1,234,567.89"  # 亿元 with thousands separators
    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    uncertainty = _get(client, f"/api/v1/runs/{run_id}/uncertainty", scope="gep")
    gep = {r["adcode"]: r for r in uncertainty["intervals"]}
    for code in (PROVINCE, COUNTY):
        interval = f"{number_yi(gep[code]['p05_yuan'])}–{number_yi(gep[code]['p95_yuan'])}"
        pages = {lang: client.get(f"/units/{code}", params={"year": YEAR, "lang": lang}).text
                 for lang in ("zh", "en")}
        for lang, html in pages.items():
            assert 'id="gep-interval"' in html and interval in html, (code, lang)
            assert ('id="drivers-table"' in html) == (code == PROVINCE), (code, lang)
        assert "90% 区间" in pages["zh"] and "亿元" in pages["zh"]
        assert "90 % interval" in pages["en"] and "10⁸ yuan" in pages["en"]
        assert untranslated(pages["zh"]) == [], code
    client.cookies.clear()
    zh = client.get(f"/units/{PROVINCE}", params={"year": YEAR, "lang": "zh"}).text
    assert "主要驱动因素" in zh and "120 次抽样" in zh


def test_the_unit_page_of_a_run_without_draws_shows_no_interval(platform):
    client, plain = platform["client"], platform["runs"]["plain"]["id"]
    login(client, "reviewer")
    try:
        html = client.get(f"/units/{PROVINCE}", params={"run": plain, "lang": "en"}).text
    finally:
        client.cookies.clear()
    assert "Gross ecosystem product (GEP)" in html
    assert 'id="gep-interval"' not in html and 'id="drivers"' not in html
    assert "interval" not in html.lower()


def test_the_runs_page_starts_a_run_with_draws(platform):
    client = platform["client"]
    csrf = login(client, "reviewer")
    try:
        page = client.get("/runs", params={"lang": "zh"}).text
        assert 'name="draws"' in page and 'max="5000"' in page
        refused = client.post("/runs", data={"year": str(YEAR), "profile": "ndrc2022", "draws": "abc",
                                             "csrf_token": csrf})
        assert refused.status_code == 400 and "抽样次数" in refused.text
        started = client.post("/runs", data={"year": str(YEAR), "profile": "ndrc2022", "draws": "12",
                                             "csrf_token": csrf}, follow_redirects=False)
        assert started.status_code == 303
        newest = client.get("/api/v1/runs").json()[0]
    finally:
        client.cookies.clear()
    assert newest["draws"] == 12 and newest["status"] == "provisional"


def test_files_that_differ_from_the_recorded_ones_are_refused(platform):
    from fastapi.testclient import TestClient

    from ecoledger.platform import runs

    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    path = (platform["settings"].data_dir / "runs" / str(run_id) / "outputs" / "uncertainty"
            / "intervals.csv")
    original = path.read_bytes()
    runs._read_uncertainty.cache_clear()
    try:
        path.write_bytes(original.replace(b"990000,", b"990000,9", 1))
        loose = TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False)
        assert loose.get(f"/api/v1/runs/{run_id}/uncertainty", params={"offset": 1}).status_code == 500
        with pytest.raises(runs.StoreIntegrityError, match="differs from the file the run recorded"):
            client.get(f"/api/v1/runs/{run_id}/uncertainty", params={"offset": 2})
        page = client.get(f"/units/{PROVINCE}", params={"year": YEAR})  # the accounts still show
        assert page.status_code == 200 and 'id="gep-interval"' not in page.text
    finally:
        path.write_bytes(original)
        runs._read_uncertainty.cache_clear()
    assert client.get(f"/api/v1/runs/{run_id}/uncertainty", params={"offset": 3}).status_code == 200


def test_the_default_number_of_draws_is_a_setting(tmp_path, monkeypatch):
    from ecoledger.errors import InputError
    from ecoledger.platform.app import Settings

    monkeypatch.delenv("ECOLEDGER_DRAWS", raising=False)
    assert Settings(data_dir=tmp_path).default_draws == 0
    assert Settings(data_dir=tmp_path, default_draws=300).default_draws == 300
    monkeypatch.setenv("ECOLEDGER_DRAWS", "1000")
    assert Settings(data_dir=tmp_path).default_draws == 1000
    for bad in ("many", "5001"):
        monkeypatch.setenv("ECOLEDGER_DRAWS", bad)
        with pytest.raises(InputError, match="ECOLEDGER_DRAWS"):
            Settings(data_dir=tmp_path)


# --- the archive -----------------------------------------------------------------------------------

def test_the_archive_reruns_to_the_same_intervals(platform, platform_pack, tmp_path):
    from ecoledger.platform.runs import verify_archive

    client, run_id = platform["client"], platform["runs"]["drawn"]["id"]
    archive = tmp_path / "run.zip"
    archive.write_bytes(client.get(f"/api/v1/runs/{run_id}/archive").content)
    checked = verify_archive(archive, platform_pack, tmp_path / "rerun")
    assert checked["identical"] and checked["accounts_identical"] and checked["intervals_identical"]
    assert (tmp_path / "rerun" / "outputs" / "uncertainty" / "intervals.csv").is_file()


def test_run_times(platform, capsys):
    """Not a check: the time of a run with and without draws, for the record (-s shows it)."""
    seconds = platform["seconds"]
    with capsys.disabled():
        print(f"\nrun without draws {seconds['plain']:.2f} s, with {DRAWS} draws "
              f"{seconds['drawn']:.2f} s, with 20 draws {seconds['few']:.2f} s")
