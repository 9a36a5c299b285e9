"""The platform under concurrency and hostile input: reads beside a writer, artefacts built once,
published accounts served cached (ETag, gzip, paging), malformed sites refused, and the small
defects of issue 16 (HSTS, secrets in logs, stored file names, duplicate uploads, the run queue,
file modes)."""

from __future__ import annotations

import gzip
import json
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from ecoledger.platform.db import Database, sqlite_url
from ecoledger.platform.models import Run, Submission, Unit, User
from ecoledger.platform.testing import login, make_client, make_settings

YEAR = 2020
HEADER = "code,year,indicator,value,unit,source\n"
GDP_990101 = HEADER + "990101,2020,gdp,100,亿元,《江西统计年鉴2021》表 2-1\n"


def _publish(client) -> dict:
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    csrf = login(client, "admin")  # four eyes where the rule holds; harmless where it does not
    published = client.post(f"/api/v1/runs/{run['id']}/publish", headers={"X-CSRF-Token": csrf}).json()
    assert published["status"] == "published", published
    client.cookies.clear()
    return published


@pytest.fixture(scope="module")
def published_client(tmp_path_factory, platform_pack):
    folder = tmp_path_factory.mktemp("load-safety")
    settings = make_settings(folder, sqlite_url(folder / "store.db"), platform_pack, run_in_background=False)
    with make_client(settings) as client:
        client.run = _publish(client)
        yield client
    client.app.state.platform.db.dispose()


# --- transactions ------------------------------------------------------------------------------

def test_reads_proceed_while_a_writer_holds_the_lock(store_url):
    db = Database(store_url)
    db.migrate()
    holding, release = threading.Event(), threading.Event()

    def writer():
        with db.transaction() as s:
            s.add(Unit(code="1", name_zh="一", name_en="one", level="province"))
            s.flush()
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with db.transaction(write=False) as s:  # the snapshot before the writer's commit
            assert s.scalar(select(func.count()).select_from(Unit)) == 0
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        thread.join()
    with db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 1
    if store_url.startswith("sqlite"):
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.dispose()


def test_a_read_transaction_cannot_write(store_url):
    db = Database(store_url)
    db.migrate()
    with pytest.raises(Exception, match=r"readonly|read-only|query_only"), db.transaction(write=False) as s:
        s.add(Unit(code="1", name_zh="一", name_en="one", level="province"))
        s.flush()
    with db.transaction() as s:  # the same pooled connection writes again in a write transaction
        s.add(Unit(code="2", name_zh="二", name_en="two", level="province"))
    with db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 1
    db.dispose()


def test_concurrent_writers_and_readers_give_no_error(store_url):
    db = Database(store_url)
    db.migrate()

    def write(i: int) -> None:
        with db.transaction() as s:
            s.add(Unit(code=str(i), name_zh=str(i), name_en=str(i), level="county"))

    def read(_: int) -> int:
        with db.transaction(write=False) as s:
            return s.scalar(select(func.count()).select_from(Unit))

    with ThreadPoolExecutor(8) as pool:
        writes = [pool.submit(write, i) for i in range(40)]
        reads = [pool.submit(read, i) for i in range(200)]
        for future in writes + reads:
            future.result()
    assert read(0) == 40
    db.dispose()


def test_store_files_are_the_owners_only(tmp_path, platform_pack):
    settings = make_settings(tmp_path, sqlite_url(tmp_path / "platform-data" / "ecoledger.db"), platform_pack,
                             run_in_background=False)
    with make_client(settings) as client:
        client.get("/api/v1/units")
    data = settings.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "runs").stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "ecoledger.db").stat().st_mode) & 0o077 == 0
    client.app.state.platform.db.dispose()


# --- lazily built artefacts --------------------------------------------------------------------

def test_concurrent_first_hillshade_requests_all_succeed(tmp_path, store_url, platform_pack):
    settings = make_settings(tmp_path, store_url, platform_pack, run_in_background=False)
    with make_client(settings) as client:
        from ecoledger.platform import hillshade

        hillshade._rendered.clear()  # as in a fresh server
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: client.get("/api/v1/hillshade.png"), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.content for a in answers}) == 1 and answers[0].content.startswith(b"\x89PNG")
    assert not list(settings.data_dir.glob("*.partial")) and not list(settings.data_dir.glob(".*"))
    client.app.state.platform.db.dispose()


def test_build_once_builds_once_and_leaves_no_partial_file(tmp_path):
    from ecoledger.platform.artefacts import build_once

    calls = []

    def build(staging):
        calls.append(staging)
        time.sleep(0.05)
        staging.write_bytes(b"x" * 1000)

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: build_once(tmp_path / "a" / "out.bin", build), range(8)))
    assert len(calls) == 1 and {p.read_bytes() for p in paths} == {b"x" * 1000}
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["out.bin"]

    def failing(staging):
        staging.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_once(tmp_path / "a" / "other.bin", failing)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["out.bin"]


def test_build_once_builds_a_folder_under_a_temporary_name_and_keeps_the_first(tmp_path):
    """Folders (the applications' value maps): built aside, renamed into place; a folder another
    process put there first is kept, never replaced while it may be read."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.platform.artefacts import build_once

    seen = []

    def build(staging):
        assert not staging.exists() and staging.parent != tmp_path / "maps"
        seen.append(staging)
        with atomic_directory(staging) as folder:
            time.sleep(0.05)
            (folder / "run.json").write_text("{}")

    target = tmp_path / "maps" / "maps-2019"
    with ThreadPoolExecutor(6) as pool:
        assert set(pool.map(lambda _: build_once(target, build, folder=True), range(6))) == {target}
    assert len(seen) == 1 and (target / "run.json").read_text() == "{}"
    assert [p.name for p in target.parent.iterdir()] == ["maps-2019"]  # no staging left

    other = tmp_path / "maps" / "maps-2020"

    def raced(staging):  # another process renames its folder into place while we build
        build(staging)
        other.mkdir()
        (other / "run.json").write_text('{"theirs": true}')

    assert build_once(other, raced, folder=True) == other
    assert (other / "run.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in other.parent.iterdir()) == ["maps-2019", "maps-2020"]

    def failing(staging):
        staging.mkdir()
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_once(tmp_path / "maps" / "maps-2021", failing, folder=True)
    assert sorted(p.name for p in other.parent.iterdir()) == ["maps-2019", "maps-2020"]


# --- published accounts: cached, compressed, paged ---------------------------------------------

def test_full_year_is_served_compressed_with_a_strong_etag(published_client):
    client = published_client
    first = client.get(f"/api/v1/accounts?year={YEAR}")
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, no-cache"
    body = first.json()
    assert body["total"] == len(body["rows"]) > 0 and body["next_offset"] is None
    artefact = next((client.app.state.platform.settings.data_dir / "published").rglob("accounts-*.json.gz"))
    assert json.loads(gzip.decompress(artefact.read_bytes())) == body
    again = client.get(f"/api/v1/accounts?year={YEAR}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = client.get(f"/api/v1/accounts?year={YEAR}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == body
    assert client.get(f"/api/v1/accounts?year={YEAR}",
                      headers={"If-None-Match": plain.headers["etag"]}).status_code == 304
    by_run = client.get(f"/api/v1/accounts?run={client.run['id']}")
    assert "immutable" in by_run.headers["cache-control"]
    csv = client.get(f"/api/v1/accounts?year={YEAR}&format=csv")
    assert csv.status_code == 200 and csv.text.startswith("\ufeffrun,")
    assert csv.text.count("\n") == body["total"] + 1


def test_accounts_are_paged_and_filtered(published_client):
    client = published_client
    everything = client.get(f"/api/v1/accounts?year={YEAR}").json()
    page = client.get(f"/api/v1/accounts?year={YEAR}&limit=7&offset=3").json()
    assert page["rows"] == everything["rows"][3:10]
    assert page["total"] == everything["total"] and page["next_offset"] == 10 and page["limit"] == 7
    last = client.get(f"/api/v1/accounts?year={YEAR}&limit=7&offset={everything['total'] - 2}").json()
    assert len(last["rows"]) == 2 and last["next_offset"] is None
    unit = client.get(f"/api/v1/accounts?year={YEAR}&unit=990101&level=county").json()
    assert unit["rows"] and {r["code"] for r in unit["rows"]} == {"990101"}
    item = unit["rows"][0]["item"]
    one = client.get(f"/api/v1/accounts?year={YEAR}&unit=990101&item={item}").json()
    assert {r["item"] for r in one["rows"]} == {item} and one["total"] == len(one["rows"])
    for bad in ("limit=0", "limit=100001", "offset=-1", "limit=x"):
        assert client.get(f"/api/v1/accounts?year={YEAR}&{bad}").status_code == 422


def test_map_and_breakdown_of_published_runs_carry_etags(published_client):
    client = published_client
    for url in (f"/api/v1/map?year={YEAR}&level=county", f"/api/v1/units/990101/breakdown?year={YEAR}"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["etag"]
        assert client.get(url).content == first.content
        assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


# --- hostile site GeoJSON ------------------------------------------------------------------------

SQUARE = [[116.0, 28.0], [116.01, 28.0], [116.01, 28.01], [116.0, 28.01], [116.0, 28.0]]


def _nested(depth: int) -> bytes:
    return b'{"type": "Polygon", "coordinates": ' + b"[" * depth + b"]" * depth + b"}"


HOSTILE_SITES = {
    "empty": b"",
    "not-json": b"{not json",
    "array": b"[1, 2]",
    "string": b'"Polygon"',
    "nan": b'{"type": "Polygon", "coordinates": [[[NaN, 1], [1, 1], [1, 2], [NaN, 1]]]}',
    "infinity": b'{"type": "Polygon", "coordinates": [[[1e400, 1], [1, 1], [1, 2], [1e400, 1]]]}',
    "huge-int": json.dumps({"type": "Polygon", "coordinates": [[[10**400, 1], [1, 1], [1, 2], [10**400, 1]]]}
                           ).encode(),
    "deep-nesting": _nested(100_000),
    "deep-coordinates": _nested(50),
    "no-type": json.dumps({"coordinates": [SQUARE]}).encode(),
    "point": json.dumps({"type": "Point", "coordinates": [116, 28]}).encode(),
    "geometry-collection": json.dumps({"type": "GeometryCollection", "geometries": []}).encode(),
    "coordinates-string": json.dumps({"type": "Polygon", "coordinates": "abc"}).encode(),
    "coordinates-null": json.dumps({"type": "Polygon", "coordinates": None}).encode(),
    "ring-of-numbers": json.dumps({"type": "Polygon", "coordinates": [[1, 2, 3, 4]]}).encode(),
    "two-positions": json.dumps({"type": "Polygon", "coordinates": [SQUARE[:2]]}).encode(),
    "open-ring": json.dumps({"type": "Polygon", "coordinates": [[*SQUARE[:4], [116.0, 28.005]]]}).encode(),
    "position-strings": json.dumps({"type": "Polygon", "coordinates": [[["a", "b"]] * 4]}).encode(),
    "position-bools": json.dumps({"type": "Polygon", "coordinates": [[[True, False]] * 4]}).encode(),
    "position-4d": json.dumps({"type": "Polygon", "coordinates": [[[1, 2, 3, 4]] * 4]}).encode(),
    "out-of-range": json.dumps({"type": "Polygon",
                                "coordinates": [[[500, 95], [501, 95], [501, 96], [500, 95]]]}).encode(),
    "zero-area": json.dumps({"type": "Polygon", "coordinates": [[[116, 28]] * 4]}).encode(),
    "bow-tie": json.dumps({"type": "Polygon", "coordinates": [[[116, 28], [116.01, 28.01], [116.01, 28],
                                                               [116, 28.01], [116, 28]]]}).encode(),
    "multipolygon-flat": json.dumps({"type": "MultiPolygon", "coordinates": [SQUARE]}).encode(),
    "features-not-list": json.dumps({"type": "FeatureCollection", "features": {"a": 1}}).encode(),
    "features-empty": json.dumps({"type": "FeatureCollection", "features": []}).encode(),
    "feature-null-geometry": json.dumps({"type": "Feature", "geometry": None, "properties": {}}).encode(),
    "feature-string": json.dumps({"type": "FeatureCollection", "features": ["x"]}).encode(),
    "properties-list": json.dumps({"type": "Feature", "properties": [1],
                                   "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}).encode(),
    "too-many-vertices": json.dumps({"type": "Polygon", "coordinates": [
        [[116 + i * 1e-7, 28.0] for i in range(100_001)] + [[116.0, 28.0]]]}).encode(),
    "crs-bogus": json.dumps({"type": "Polygon", "coordinates": [SQUARE],
                             "crs": {"type": "name", "properties": {"name": "EPSG:999999"}}}).encode(),
    "crs-not-object": json.dumps({"type": "Polygon", "coordinates": [SQUARE], "crs": "EPSG:4326"}).encode(),
    "crs-link": json.dumps({"type": "Polygon", "coordinates": [SQUARE],
                            "crs": {"type": "link", "properties": {"href": "http://x"}}}).encode(),
    "crs-geocentric": json.dumps({"type": "Polygon", "coordinates": [SQUARE],
                                  "crs": {"type": "name", "properties": {"name": "EPSG:4978"}}}).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SITES))
def test_hostile_site_geojson_is_refused_with_a_reason(published_client, name):
    client = published_client
    csrf = login(client, "county-a")
    for route in ("vep", "damage"):
        response = client.post(f"/api/v1/applications/{route}",
                               data={"year": YEAR, "name": "site", "damaged_fraction": 0.5,
                                     "recovery_years": 5, "restoration_cost": 1000},
                               files={"site": ("site.geojson", HOSTILE_SITES[name], "application/geo+json")},
                               headers={"X-CSRF-Token": csrf})
        if name == "bow-tie":  # self-intersecting: repaired (make_valid) into two triangles, not refused
            assert response.status_code < 500, response.text[:300]
            continue
        assert response.status_code in (400, 413, 422), (route, response.status_code, response.text[:300])
        assert response.json()["detail"], response.text[:300]


def test_a_projected_crs_member_is_honoured():
    from ecoledger.applications.vep import check_site, read_site

    square = [[500000, 3100000], [501000, 3100000], [501000, 3101000], [500000, 3101000], [500000, 3100000]]
    site = {"type": "Polygon", "coordinates": [square],
            "crs": {"type": "name", "properties": {"name": "EPSG:32650"}}}
    assert "UTM" in check_site(site) or "32650" in check_site(site)
    frame = read_site(site)
    assert frame.crs.to_epsg() == 32650 and abs(frame.geometry.area.iloc[0] - 1e6) < 1


# --- smaller defects -----------------------------------------------------------------------------

def test_hsts_only_over_https(published_client):
    assert "max-age=" in published_client.get("/api/v1/units").headers["strict-transport-security"]
    from fastapi.testclient import TestClient

    plain = TestClient(published_client.app, base_url="http://testserver")
    assert "strict-transport-security" not in plain.get("/api/v1/units").headers


def test_store_url_is_shown_without_its_password():
    from ecoledger.platform.app import Settings, masked_url

    shown = Settings(data_dir=".", database_url="postgresql+psycopg://eco:s3cret@db:5432/gep").url_to_show
    assert "s3cret" not in shown and "eco" in shown and "db:5432/gep" in shown
    assert "s3cret" not in masked_url("postgresql+psycopg://eco:s3cret@[bad")


def test_store_error_does_not_print_the_password():
    from ecoledger.platform.db import StoreError

    with pytest.raises(StoreError) as caught:
        Database("mysql://user:hunter2@host/db")
    assert "hunter2" not in str(caught.value)


def test_upload_names_are_sanitised_and_duplicates_refused(published_client):
    client = published_client
    csrf = login(client, "county-a")
    first = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                        files={"file": ("../../../etc/stats.csv", GDP_990101.encode(), "text/csv")})
    assert first.status_code == 201, first.text
    assert first.json()["filename"] == "stats.csv"
    again = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                        files={"file": ("other-name.csv", GDP_990101.encode(), "text/csv")})
    assert again.status_code == 409 and str(first.json()["id"]) in again.json()["detail"]
    assert again.json()["detail_zh"]
    with client.app.state.platform.db.transaction(write=False) as s:
        names = list(s.scalars(select(Submission.filename)))
    assert names == ["stats.csv"]
    dots = client.post("/api/v1/submissions", headers={"X-CSRF-Token": csrf},
                       files={"file": ("..", (GDP_990101 + "990101,2020,population,1,万人,x\n").encode(),
                                       "text/csv")})
    assert dots.status_code == 422  # "upload" has no accepted extension: refused, nothing stored


def test_queued_runs_are_capped_per_user(published_client):
    client = published_client
    db = client.app.state.platform.db
    with db.transaction() as s:
        reviewer = s.scalar(select(User).where(User.username == "reviewer"))
        s.add_all([Run(year=YEAR, profile="ndrc2022", status="queued", started_by=reviewer.id)
                   for _ in range(2)])
    try:
        csrf = login(client, "reviewer")
        response = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 429, response.text
        assert "at most 2" in response.json()["detail"] and response.headers["retry-after"]
        csrf = login(client, "admin")  # another user's queue is their own
        response = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 202, response.text
    finally:
        with db.transaction() as s:
            s.execute(text("UPDATE runs SET status = 'interrupted' WHERE status = 'queued'"))
        client.cookies.clear()
