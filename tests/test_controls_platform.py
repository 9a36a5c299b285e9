"""The spatial controls on the platform (issue 19, item 2): control layers uploaded by
administrators (checked by ``read_zones``, stored as versions, nothing stored on a refusal),
screenings of GeoJSON footprints (overlaps equal to a hand computation, the rules triggered,
the GEP of a published account inside the footprint), stored and found again by their maker and
the staff only; refusals (roles, CSRF, hostile or oversized GeoJSON, no layer); the pages in zh
and en. On SQLite and PostgreSQL (``ECOLEDGER_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon, box, mapping
from sqlalchemy import func, select

from ecoledger.controls.store import StoredScreening, Zone, ZoneLayer
from ecoledger.platform.testing import login
from ecoledger.untranslated import untranslated

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"  # the synthetic pack's
X0, Y0 = 1_001_000.0, 3_290_000.0  # inside county 990101 of the synthetic pack (ecoledger.testing)
LAYERS = "/api/v1/controls/layers"
SCREENINGS = "/api/v1/controls/screenings"
CJK = re.compile(r"[\u4e00-\u9fff]")


def zones_gpkg(tmp_path, rows=None, name="zones.gpkg") -> bytes:
    """Two zones side by side: a red line [0, 1000] × [0, 1000] m and a key-control unit
    [1000, 2000] × [0, 1000] m (offsets from X0, Y0, in the pack's Albers)."""
    rows = rows or [
        {
            "zone_id": "RL-1",
            "zone_type": "ecological_red_line",
            "name": "示范红线",
            "geometry": box(X0, Y0, X0 + 1000, Y0 + 1000),
        },
        {
            "zone_id": "KC-1",
            "zone_type": "重点管控单元",
            "name": "示范重点管控单元",
            "geometry": box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        },
    ]
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry="geometry", crs=ALBERS).to_file(path, driver="GPKG")
    return path.read_bytes()


def lonlat(geometry) -> dict:
    """A geometry in the pack's Albers as a GeoJSON geometry in WGS 84 longitude/latitude."""
    return mapping(gpd.GeoSeries([geometry], crs=ALBERS).to_crs("EPSG:4326").iloc[0])


def footprint(*features) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": lonlat(g), "properties": props} for g, props in features
        ],
    }


# 800 m × 500 m across the border of the two zones: 400 × 500 = 200,000 m² in each
SITE = box(X0 + 600, Y0 + 200, X0 + 1400, Y0 + 700)


def upload(client, headers, content, name="zones.gpkg", lang=None, **form):
    url = LAYERS + (f"?lang={lang}" if lang else "")
    files = {"file": (name, content, "application/geopackage+sqlite3")}
    if "rules" in form:
        files["rules"] = ("rules.csv", form.pop("rules"), "text/csv")
    return client.post(url, files=files, data={"name": "三线一单", **form}, headers=headers)


def stored(client) -> tuple[int, int, int]:
    with client.app.state.platform.db.transaction(write=False) as s:
        return tuple(
            s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ZoneLayer, Zone, StoredScreening)
        )


def as_user(client, name):
    other = client.__class__(client.app, base_url="https://testserver")
    return other, {"X-CSRF-Token": login(other, name)}


def test_layers_are_uploaded_by_administrators_and_versioned(platform_client, tmp_path):
    client = platform_client
    content = zones_gpkg(tmp_path)
    anonymous = client.__class__(client.app, base_url="https://testserver")
    assert upload(anonymous, {}, content).status_code == 401
    viewer, viewer_headers = as_user(client, "viewer")
    assert upload(viewer, viewer_headers, content).status_code == 403
    reviewer, reviewer_headers = as_user(client, "reviewer")
    assert upload(reviewer, reviewer_headers, content).status_code == 403  # administrators only
    admin, headers = as_user(client, "admin")
    assert upload(admin, {}, content).status_code == 403  # no CSRF token
    made = upload(admin, headers, content)
    assert made.status_code == 201, made.text
    layer = made.json()
    assert (layer["name"], layer["version"], layer["zone_count"]) == ("三线一单", 1, 2)
    assert layer["type_counts"] == {"ecological_red_line": 1, "environmental_key_control": 1}
    assert not layer["rules_uploaded"] and layer["warnings"] == []
    assert stored(client) == (1, 2, 0)
    assert upload(admin, headers, content).status_code == 409  # the same file again: stored already
    # a new file under the same name is version 2; both are kept, the list shows the current one
    again = upload(
        admin,
        headers,
        zones_gpkg(
            tmp_path,
            name="zones-2.gpkg",
            rows=[
                {
                    "zone_id": "RL-1",
                    "zone_type": "ecological_red_line",
                    "geometry": box(X0, Y0, X0 + 900, Y0 + 900),
                }
            ],
        ),
    )
    assert again.status_code == 201 and again.json()["version"] == 2
    assert stored(client) == (2, 3, 0)
    listed = viewer.get(LAYERS).json()
    assert [(x["name"], x["version"]) for x in listed] == [("三线一单", 2)]
    assert len(viewer.get(LAYERS, params={"all": True}).json()) == 2
    one = viewer.get(f"{LAYERS}/{layer['digest']}").json()
    assert [f["properties"]["zone_id"] for f in one["zones"]["features"]] == ["RL-1", "KC-1"]
    assert one["zones"]["features"][0]["properties"]["area_m2"] == pytest.approx(1e6, rel=1e-9)
    assert {r["rule_id"] for r in one["rules_table"]} >= {"ERL-1", "EKC-1"}  # the shipped rules
    assert anonymous.get(LAYERS).status_code == 401
    assert viewer.get(f"{LAYERS}/{'0' * 64}").status_code == 404


def test_an_invalid_layer_is_refused_naming_the_problem_and_nothing_is_stored(platform_client, tmp_path):
    admin, headers = as_user(platform_client, "admin")
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    content = zones_gpkg(
        tmp_path,
        rows=[
            {"zone_id": "A", "zone_type": "ecological_red_line", "geometry": bowtie},
            {"zone_id": "B", "zone_type": "沙漠", "geometry": box(X0, Y0, X0 + 10, Y0 + 10)},
            {
                "zone_id": "C",
                "zone_type": "permanent_farmland",
                "geometry": LineString([(X0, Y0), (X0 + 5, Y0)]),
            },
        ],
        name="坏图层.gpkg",
    )
    for lang in ("zh", "en"):
        refused = upload(admin, headers, content, name="坏图层.gpkg", lang=lang)
        assert refused.status_code == 422, refused.text
        problems = refused.json()["problems"]
        assert len(problems) == 3 and all(p["file"] == "坏图层.gpkg" and p["fix"] for p in problems)
        fields = " ".join(p["field"] for p in problems)
        assert "fid 1" in fields and "fid 2 · zone_type" in fields and "fid 3" in fields
        text = " ".join(p["message"] for p in problems)
        if lang == "en":
            assert "Self-intersection" in text and "沙漠" in text and "LineString" in text
        else:
            assert all(CJK.search(p["message"]) and p["message"] != p["message_en"] for p in problems)
    # not a GeoPackage; a zip with nothing inside; a rules table without sources
    junk = upload(admin, headers, b"not a geopackage", name="x.gpkg")
    assert junk.status_code == 422 and junk.json()["problems"][0]["file"] == "x.gpkg"
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    assert upload(admin, headers, empty_zip.getvalue(), name="z.zip").status_code == 422
    rules = (
        b"rule_id,zone_type,activity,ruling,source,article,url,quote,note\n"
        b"X-1,ecological_red_line,mining,prohibited,,,,,\n"
    )
    bad_rules = upload(admin, headers, zones_gpkg(tmp_path), rules=rules, lang="en")
    assert bad_rules.status_code == 422
    (problem,) = bad_rules.json()["problems"]
    assert problem["file"] == "rules.csv" and "row(s) 2" in problem["message"]
    assert stored(platform_client) == (0, 0, 0)


def test_a_footprint_is_screened_as_computed_by_hand_and_found_again(platform_client, tmp_path):
    client = platform_client
    admin, headers = as_user(client, "admin")
    viewer, viewer_headers = as_user(client, "viewer")
    site = footprint((SITE, {"project_id": "P-1", "name": "示范厂区"}))
    body = {"footprints": site, "activity": "industrial_construction"}
    no_layer = viewer.post(SCREENINGS, json=body, headers=viewer_headers)
    assert no_layer.status_code == 409 and "administrator uploads" in no_layer.json()["detail"]
    assert upload(admin, headers, zones_gpkg(tmp_path)).status_code == 201
    anonymous = client.__class__(client.app, base_url="https://testserver")
    assert anonymous.post(SCREENINGS, json=body).status_code == 401
    assert viewer.post(SCREENINGS, json=body).status_code == 403  # no CSRF token
    answer = viewer.post(SCREENINGS, json=body, headers=viewer_headers)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    (project,) = result["projects"]
    assert project["footprint_m2"] == pytest.approx(400_000, rel=1e-6)  # 800 m × 500 m
    overlaps = {o["zone_id"]: o for o in result["overlaps"]}
    assert set(overlaps) == {"RL-1", "KC-1"}
    for zone in overlaps.values():  # 400 m × 500 m of each zone
        assert zone["overlap_m2"] == pytest.approx(200_000, rel=1e-6)
        assert zone["share_of_footprint"] == pytest.approx(0.5, rel=1e-6)
        assert zone["share_of_zone"] == pytest.approx(0.2, rel=1e-6)  # of 1 km²
    assert overlaps["RL-1"]["ruling"] == "prohibited" and overlaps["KC-1"]["ruling"] == "conditional"
    assert project["verdict"] == "prohibited"
    assert project["prohibited_m2"] == pytest.approx(200_000, rel=1e-6)
    assert {r["rule_id"] for r in result["triggered"]} == {"ERL-1", "EKC-1"}
    assert all(r["source"] and r["url"] and r["quote"] for r in result["triggered"])
    assert result["summary"]["gep_yuan"] is None and result["gep"] == []  # no year: no GEP
    meta = result["screening"]
    assert meta["created_by"] == "viewer" and re.fullmatch(r"[0-9a-f]{64}", meta["id"])
    assert re.fullmatch(r"[0-9a-f]{64}", meta["inputs_sha256"])
    assert stored(client)[2] == 1
    # found again: by its maker and the staff; nobody else learns it exists
    again = viewer.get(f"{SCREENINGS}/{meta['id']}")
    assert again.status_code == 200 and again.json()["overlaps"] == result["overlaps"]
    assert [s["id"] for s in viewer.get(SCREENINGS).json()] == [meta["id"]]
    reviewer, _ = as_user(client, "reviewer")
    assert reviewer.get(f"{SCREENINGS}/{meta['id']}").status_code == 200
    submitter, _ = as_user(client, "county-a")
    assert submitter.get(f"{SCREENINGS}/{meta['id']}").status_code == 404
    assert submitter.get(SCREENINGS).json() == []
    assert anonymous.get(f"{SCREENINGS}/{meta['id']}").status_code == 401
    # the same inputs hash the same; a line with a buffer is another input
    twice = viewer.post(SCREENINGS, json=body, headers=viewer_headers).json()["screening"]
    assert twice["inputs_sha256"] == meta["inputs_sha256"] and twice["id"] != meta["id"]
    road = footprint((LineString([(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500)]), {"project_id": "R-1"}))
    line = viewer.post(
        SCREENINGS,
        json={"footprints": road, "activity": "linear_infrastructure", "buffer_m": 10},
        headers=viewer_headers,
    )
    assert line.status_code == 201, line.text
    # 1000 m × 20 m plus two half discs of 10 m radius (16 segments a quarter: GEOS's polygon)
    assert line.json()["projects"][0]["footprint_m2"] == pytest.approx(20_000 + 3.14 * 100, rel=2e-3)
    assert stored(client)[2] == 3


def test_hostile_or_oversized_footprints_are_refused(platform_client, tmp_path):
    client = platform_client
    admin, headers = as_user(client, "admin")
    assert upload(admin, headers, zones_gpkg(tmp_path)).status_code == 201
    viewer, h = as_user(client, "viewer")

    def post(body, **extra):
        return viewer.post(SCREENINGS, json=body, headers=h, **extra)

    big = {"footprints": {"type": "FeatureCollection", "features": []}, "pad": "x" * (3 * 2**20)}
    assert post(big).status_code == 413
    deep = b'{"footprints":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert viewer.post(
        SCREENINGS, content=deep, headers={**h, "Content-Type": "application/json"}
    ).status_code in (400, 422)
    assert post({"footprints": "not an object"}).status_code == 422
    many = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [115.0, 28.0]}, "properties": {}}
        ]
        * 5001,
    }
    too_many = post({"footprints": many, "radius_m": 5, "activity": "tourism"}, params={"lang": "en"})
    assert too_many.status_code == 422 and "5001 features" in too_many.json()["problems"][0]["message"]
    outside = {"type": "Polygon", "coordinates": [[[0, 0], [400, 0], [400, 1], [0, 0]]]}
    refused = post({"footprints": outside, "activity": "tourism"})
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "coordinates"
    garbage = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}}],
    }
    assert post({"footprints": garbage, "activity": "tourism"}).status_code == 422
    line = footprint((LineString([(X0, Y0), (X0 + 10, Y0)]), {}))
    no_buffer = post({"footprints": line, "activity": "tourism"}, params={"lang": "en"})
    assert no_buffer.status_code == 422 and "buffer" in no_buffer.json()["problems"][0]["message"]
    assert post({"footprints": line, "activity": "flying"}).status_code == 422
    assert post({"footprints": line, "activity": "tourism", "buffer_m": 1e9}).status_code == 422
    assert post({"footprints": line, "activity": "tourism", "buffer_m": 5, "year": 1990}).status_code == 404
    assert stored(client)[2] == 0


def test_gep_inside_the_footprint_from_the_published_account(platform_client, tmp_path):
    """With ``year``: the GEP of the published account's value maps inside the footprint; the
    total is the sum of its item × ecosystem rows."""
    from ecoledger.platform.testing import publish

    client = platform_client
    admin, headers = as_user(client, "admin")
    assert upload(admin, headers, zones_gpkg(tmp_path)).status_code == 201
    reviewer, rh = as_user(client, "reviewer")
    run = reviewer.post("/api/v1/runs", json={"year": 2020}, headers=rh).json()
    assert publish(admin, run["id"]).json()["status"] == "published"
    viewer, h = as_user(client, "viewer")
    answer = viewer.post(
        SCREENINGS,
        headers=h,
        json={
            "footprints": footprint((SITE, {"project_id": "P-1"})),
            "activity": "industrial_construction",
            "year": 2020,
        },
    )
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["screening"]["year"] == 2020 and result["screening"]["run_id"] == run["id"]
    total = result["projects"][0]["gep_yuan"]
    assert total > 0 and total == pytest.approx(sum(r["value_yuan"] for r in result["gep"]), rel=1e-9)
    assert result["summary"]["accounts"] == f"published 2020 (run {run['id']})"  # no server path
    assert "platform-data" not in json.dumps(result)


def test_the_pages_in_chinese_and_english(platform_client, tmp_path):
    client = platform_client
    page = client.get("/controls")
    assert page.status_code == 200 and 'href="/controls"' in page.text and 'id="login-needed"' in page.text
    assert untranslated(page.text) == []
    admin, headers = as_user(client, "admin")
    assert 'id="layer-form"' in admin.get("/controls").text
    assert upload(admin, headers, zones_gpkg(tmp_path)).status_code == 201
    viewer, h = as_user(client, "viewer")
    form = viewer.get("/controls")
    assert 'id="screen-form"' in form.text and 'id="layer-form"' not in form.text
    assert untranslated(form.text) == []
    csrf = h["X-CSRF-Token"]
    site = json.dumps(footprint((SITE, {"project_id": "P-1", "name": "示范厂区"})))
    made = viewer.post(
        "/controls/screenings",
        data={"csrf_token": csrf, "footprints_text": site, "activity": "industrial_construction"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    zh = viewer.get(url)
    assert zh.status_code == 200
    assert "涉及禁止类分区" in zh.text and "ERL-1" in zh.text and "data:image/png;base64," in zh.text
    assert "20.00" in zh.text  # 200,000 m² = 20.00 ha in the overlap table
    assert 'href="screening.json"' not in zh.text  # the CLI's file links: not served here
    assert untranslated(zh.text) == [], untranslated(zh.text)
    en = viewer.get(url, params={"lang": "en"})
    assert "touches a prohibited zone" in en.text and "Rules triggered" in en.text
    # a file instead of the text; a refused footprint re-shows the form with the problems
    by_file = viewer.post(
        "/controls/screenings",
        data={"csrf_token": csrf, "activity": "tourism"},
        files={"footprints_file": ("site.geojson", site.encode(), "application/geo+json")},
        follow_redirects=False,
    )
    assert by_file.status_code == 303
    bad = viewer.post(
        "/controls/screenings", data={"csrf_token": csrf, "footprints_text": "{nope", "activity": "tourism"}
    )
    assert bad.status_code == 422 and 'id="controls-notice"' in bad.text
    line = json.dumps(footprint((LineString([(X0, Y0), (X0 + 10, Y0)]), {})))
    refused = viewer.post(
        "/controls/screenings", data={"csrf_token": csrf, "footprints_text": line, "activity": "tourism"}
    )
    assert refused.status_code == 422 and 'id="controls-problems"' in refused.text
    assert untranslated(refused.text) == [], untranslated(refused.text)
    other, _ = as_user(client, "county-a")
    assert other.get(url).status_code == 404
    listed = viewer.get("/controls?lang=zh")
    assert url in listed.text


def test_the_layer_upload_form(platform_client, tmp_path):
    client = platform_client
    admin, headers = as_user(client, "admin")
    csrf = headers["X-CSRF-Token"]
    files = {"file": ("红线.gpkg", zones_gpkg(tmp_path), "application/geopackage+sqlite3")}
    made = admin.post("/controls/layers", data={"csrf_token": csrf, "name": "红线"}, files=files)
    assert (
        made.status_code == 201
        and "已保存" in made.text
        and 'id="controls-stored"' in made.text
        and 'id="layers-table"' in made.text
    )
    assert untranslated(made.text) == [], untranslated(made.text)
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    bad = zones_gpkg(
        tmp_path, name="bad.gpkg", rows=[{"zone_type": "ecological_red_line", "geometry": bowtie}]
    )
    refused = admin.post(
        "/controls/layers", data={"csrf_token": csrf, "name": "红线"}, files={"file": ("bad.gpkg", bad)}
    )
    assert refused.status_code == 422 and 'id="controls-problems"' in refused.text
    assert "bad.gpkg" in refused.text and untranslated(refused.text) == []
    viewer, h = as_user(client, "viewer")
    denied = viewer.post("/controls/layers", data={"csrf_token": h["X-CSRF-Token"], "name": "x"}, files=files)
    assert denied.status_code == 403
    assert stored(client)[:2] == (1, 2)


def test_a_zipped_shapefile_with_its_own_rules(platform_client, tmp_path):
    """A shapefile zipped with its .prj, and a rules table uploaded with it: the screening reads the
    layer's rules, not the shipped ones; a zip bomb is refused before anything is written."""
    admin, headers = as_user(platform_client, "admin")
    folder = tmp_path / "shp"
    folder.mkdir()
    rows = [
        {"zone_id": "RL-9", "zone_type": "ecological_red_line", "geometry": box(X0, Y0, X0 + 1000, Y0 + 1000)}
    ]
    gpd.GeoDataFrame(rows, geometry="geometry", crs=ALBERS).to_file(folder / "红线.shp", encoding="utf-8")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in folder.iterdir():
            archive.write(part, f"红线/{part.name}")
    rules = (
        "rule_id,zone_type,activity,ruling,source,article,url,quote,note\n"
        "T-1,ecological_red_line,tourism,conditional,示范规则,第一条,https://example.org/rules,示范原文,test\n"
    ).encode()
    made = upload(admin, headers, packed.getvalue(), name="红线.zip", rules=rules)
    assert made.status_code == 201, made.text
    assert made.json()["rules_uploaded"] and made.json()["zone_count"] == 1
    viewer, h = as_user(platform_client, "viewer")
    result = viewer.post(
        SCREENINGS, headers=h, json={"footprints": footprint((SITE, {})), "activity": "tourism"}
    ).json()
    assert [(r["rule_id"], r["ruling"]) for r in result["triggered"]] == [("T-1", "conditional")]
    assert result["overlaps"][0]["overlap_m2"] == pytest.approx(400 * 500, rel=1e-6)
    # 200 MiB of zeros packed into a few hundred KiB: refused, nothing unpacked or stored
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zones.gpkg", b"\0" * (200 * 2**20))
    refused = upload(admin, headers, bomb.getvalue(), name="bomb.zip", lang="en")
    assert refused.status_code == 422 and refused.json()["problems"][0]["file"] == "bomb.zip"
    assert stored(platform_client)[:2] == (1, 1)


def test_result_keys_the_report_does_not_know_are_shown_as_tables():
    from ecoledger.controls.web import _extra_table
    from ecoledger.platform import i18n

    rows = [{"project_id": "P-1", "habitat_quality_ha": 12.5, "note": None}]
    html = str(_extra_table("habitat", rows, i18n.translator("zh")))
    assert "<code>habitat</code>" in html and "<code>habitat_quality_ha</code>" in html and ">12.5<" in html
    assert untranslated(f'<html lang="zh"><body>{html}</body></html>') == []
    assert _extra_table("empty", [], i18n.translator("en")) is None
    hostile = str(_extra_table("x", [{"<b>": "<script>"}], i18n.translator("en")))
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_inputs_hash_and_json_numbers():
    import hashlib
    import math

    from ecoledger.controls.api import canonical_sha256, finite

    # canonical JSON: sorted keys, no spaces, UTF-8 — {"a":1,"b":"红"}
    assert canonical_sha256({"b": "红", "a": 1}) == hashlib.sha256('{"a":1,"b":"红"}'.encode()).hexdigest()
    assert finite({"x": [1.0, math.nan, {"y": math.inf}], "z": "nan"}) == {
        "x": [1.0, None, {"y": None}],
        "z": "nan",
    }


def test_a_stored_result_the_page_cannot_redraw_still_opens(platform_client, tmp_path):
    """A result stored by another version (here: a table the report needs is damaged) opens with a
    notice and the JSON link, not a server error."""
    admin, headers = as_user(platform_client, "admin")
    assert upload(admin, headers, zones_gpkg(tmp_path)).status_code == 201
    made = admin.post(
        SCREENINGS, headers=headers, json={"footprints": footprint((SITE, {})), "activity": "tourism"}
    )
    meta = made.json()["screening"]
    with platform_client.app.state.platform.db.transaction() as s:
        row = s.execute(select(StoredScreening)).scalar_one()
        row.result = {**row.result, "projects": [{"project_id": "P-1"}]}  # no verdict, no areas
    page = admin.get(meta["page"])
    assert page.status_code == 200 and "无法按当前版本重绘" in page.text and meta["id"] in page.text
