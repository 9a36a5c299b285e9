"""The registry on the platform (issue 18): parcel uploads registered all or none, with every
problem in the request's language; the upload route's own request limit; ecological credit through
the API (evidence, a hand-checked score, an appeal re-scored, the public fields) and a red grade
stopping a listing; product batches, steps, certificates and the trace lookup (JSON and page).
On SQLite and PostgreSQL (``ECOLEDGER_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import func, select

from ecoledger.platform.testing import login
from ecoledger.registry.store import RegistryLedgerEntry, RegistryRight
from ecoledger.untranslated import english_phrases

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
X0, Y0 = 1_001_000.0, 3_290_000.0  # inside county 990101 of the synthetic pack (ecoledger.testing)
UPLOAD = "/api/v1/registry/rights/upload"
ALLOW = ("fid", "serial", "geometry", "MiB", "KiB")  # field names in the where, unit symbols
CJK = re.compile(r"[\u4e00-\u9fff]")


def parcel(serial, x, y, size=500.0, **fields):
    return {
        "serial": serial,
        "type": "森林",
        "owner": "示范村集体 1",
        "owner_type": "集体",
        "county": "990101",
        "right_type": "所有权",
        "valid_from": "2020-01-01",
        **fields,
        "geometry": box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size),
    }


def gpkg(*rows, tmp_path) -> bytes:
    path = tmp_path / f"upload-{len(list(tmp_path.glob('*.gpkg')))}.gpkg"
    table = gpd.GeoDataFrame(list(rows), geometry="geometry", crs=ALBERS)
    table.to_file(path, driver="GPKG")
    return path.read_bytes()


def staff(client, who: str = "reviewer") -> dict:
    return {"X-CSRF-Token": login(client, who)}


def post_file(client, headers, content: bytes, name="宗地.gpkg", lang: str | None = None):
    url = UPLOAD + (f"?lang={lang}" if lang else "")
    return client.post(
        url, files={"file": (name, content, "application/geopackage+sqlite3")}, headers=headers
    )


def counts(client) -> tuple[int, int]:
    with client.app.state.platform.db.transaction(write=False) as s:
        return (
            s.execute(select(func.count()).select_from(RegistryRight)).scalar_one(),
            s.execute(select(func.count()).select_from(RegistryLedgerEntry)).scalar_one(),
        )


# --- parcel upload ----------------------------------------------------------------------------------


def test_upload_registers_all_parcels_or_none(platform_client, tmp_path):
    client = platform_client
    anonymous = client.__class__(client.app, base_url="https://testserver")
    content = gpkg(parcel("F-1", 0, 0), parcel("F-2", 1000, 0), tmp_path=tmp_path)
    assert post_file(anonymous, {}, content).status_code == 401
    assert post_file(client, staff(client, "viewer"), content).status_code == 403
    headers = staff(client)
    assert post_file(client, {}, content).status_code == 403  # no CSRF token
    made = post_file(client, headers, content)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["count"] == 2 and [r["serial"] for r in body["registered"]] == ["F-1", "F-2"]
    first = body["registered"][0]
    assert first["type"] == "forest" and first["county"] == "990101" and first["state"] == "registered"
    assert (
        first["attributes"]["right_type"] == "ownership" and first["attributes"]["owner_type"] == "collective"
    )
    assert first["area_km2"] == pytest.approx(0.25, rel=1e-3)  # 500 m × 500 m, equal-area both ways
    assert counts(client) == (2, 2)  # one ledger entry each
    entries = client.get("/api/v1/registry/ledger", headers=headers).json()
    assert [(e["action"], e["object"]) for e in entries] == [
        ("register", "right:F-1"),
        ("register", "right:F-2"),
    ]

    # F-3 overlaps the registered F-1 by 200 m × 500 m; F-4 is fine: neither is registered
    refused = post_file(
        client, headers, gpkg(parcel("F-4", 3000, 0), parcel("F-3", 300, 0), tmp_path=tmp_path), lang="en"
    )
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["problems"]
    assert problem["file"] == "宗地.gpkg" and "F-3" in problem["message"] and "F-1" in problem["message"]
    assert "100,000.0 m²" in problem["message"] and "registered" in problem["message"]
    assert problem["fix"] and not CJK.search(problem["message"] + problem["fix"])
    assert counts(client) == (2, 2)

    # a use right over the same ground is another right type: it may be registered
    use = post_file(client, headers, gpkg(parcel("U-1", 0, 0, right_type="使用权"), tmp_path=tmp_path))
    assert use.status_code == 201, use.text
    assert counts(client) == (3, 3)


def test_upload_lists_every_problem_in_the_request_language(platform_client, tmp_path):
    client = platform_client
    headers = staff(client)
    client.post(
        UPLOAD, files={"file": ("a.gpkg", gpkg(parcel("F-1", 0, 0), tmp_path=tmp_path))}, headers=headers
    )
    rows = gpkg(
        parcel("F-1", 5000, 5000),  # registered already
        parcel("F-9", 0, 0, type="沙漠"),  # an unknown type, and over F-1
        parcel("F-8", 2000, 0, owner_type="个人"),  # ownership by an individual
        parcel("F-7", 2300, 0, size=600.0),  # overlaps F-8 within the file
        tmp_path=tmp_path,
    )
    answers = {lang: post_file(client, headers, rows, lang=lang) for lang in ("zh", "en")}
    for lang, answer in answers.items():
        assert answer.status_code == 422, answer.text
        problems = answer.json()["problems"]
        assert len(problems) >= 2 and all(p["file"] == "宗地.gpkg" and p["fix"] for p in problems)
        text = " ".join(p["message"] + " " + p["fix"] for p in problems)
        if lang == "zh":
            left = english_phrases(re.sub(r"`[^`\n]*`", " ", text), ALLOW)  # beyond quoted code
            assert left == [], left
            assert "fid" in " ".join(p["field"] for p in problems) or "要素" in text
        else:
            assert all(p["message"] == p["message_en"] != p["message_zh"] for p in problems)
            assert "is not a known resource type" in text and "cannot hold the ownership" in text
    # the type and owner problems refuse the file before the overlap check: fixed, the overlaps remain
    rows = gpkg(
        parcel("F-1", 5000, 5000),
        parcel("F-8", 2000, 0),
        parcel("F-7", 2300, 0, size=600.0),
        tmp_path=tmp_path,
    )
    answer = post_file(client, {**headers, "Accept-Language": "en-GB,en;q=0.8"}, rows)
    messages = [p["message"] for p in answer.json()["problems"]]
    assert answer.status_code == 422 and len(messages) == 2, messages
    assert any("F-1 is registered already" in m for m in messages)
    assert any("F-8" in m and "F-7" in m and "overlaps parcel" in m for m in messages)
    assert counts(client) == (1, 1)


def test_the_upload_route_has_its_own_request_limit(platform_client):
    client = platform_client
    headers = staff(client)
    # 3 MiB: above the platform's 2 MiB guard, below the parcel route's 16 MiB — read and refused as a file
    middling = client.post(UPLOAD, files={"file": ("x.gpkg", b"x" * (3 * 2**20))}, headers=headers)
    assert middling.status_code == 422 and middling.json()["problems"][0]["file"] == "x.gpkg"
    # the same size on another route: the guard's 2 MiB
    other = client.post(
        "/api/v1/registry/rights",
        content=b"{" + b" " * (3 * 2**20) + b"}",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert other.status_code == 413
    # above 16 MiB: refused by the guard before the body is read
    huge = client.post(UPLOAD, files={"file": ("x.gpkg", b"x" * (17 * 2**20))}, headers=headers)
    assert huge.status_code == 413 and "16 MiB" in huge.json()["detail"]
    assert counts(client) == (0, 0)


# --- credit -----------------------------------------------------------------------------------------

CREDIT = "/api/v1/registry/credit/subjects"


def evidence(client, headers, subject, evidence_id, indicator, value, date="2025-01-10"):
    answer = client.post(
        f"{CREDIT}/{subject}/evidence",
        headers=headers,
        json={
            "evidence_id": evidence_id,
            "indicator": indicator,
            "value": value,
            "date": date,
            "description": "现场检查记录",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer


def test_credit_score_and_appeal_through_the_api(platform_client):
    client = platform_client
    headers = staff(client)
    made = client.post(
        CREDIT,
        headers=headers,
        json={"subject_id": "赣东化工", "subject_type": "enterprise", "name": "赣东化工有限公司"},
    )
    assert made.status_code == 201 and made.json()["status"] == "unscored"
    assert (
        client.post(
            CREDIT, headers=headers, json={"subject_id": "赣东化工", "subject_type": "enterprise"}
        ).status_code
        == 409
    )
    for evidence_id, indicator, value in (
        ("E1", "pollution_prevention", 26),
        ("E2", "ecological_protection", 5),
        ("E3", "environmental_management", 50),
        ("E4", "social_supervision", 10),
    ):
        evidence(client, headers, "赣东化工", evidence_id, indicator, value)
    unknown = client.post(
        f"{CREDIT}/赣东化工/evidence",
        headers=headers,
        json={"evidence_id": "E9", "indicator": "no_such", "value": 1, "date": "2025-01-10"},
    )
    assert unknown.status_code == 400 and unknown.json()["detail_zh"] != unknown.json()["detail"]
    scored = client.post(f"{CREDIT}/赣东化工/score", headers=headers, json={"evaluated_on": "2025-02-01"})
    assert scored.status_code == 201, scored.text
    # by hand: linear points are value / maximum × 100, weights 29/5/54/12:
    # (29 × 26/29 + 5 × 5/5 + 54 × 50/54 + 12 × 10/12) = 26 + 5 + 50 + 10 = 91 → blue (80 ≤ 91 < 100)
    found = scored.json()
    assert found["score"] == pytest.approx(91.0) and found["grade"] == "blue" and found["coverage"] == 1.0
    assert found["rule_id"] == "gz_enterprise_2015" and found["expires_on"] == "2026-02-01"
    assert len(found["digest"]) == 64

    public = client.__class__(client.app, base_url="https://testserver").get(f"{CREDIT}/赣东化工")
    assert public.status_code == 200
    shown = public.json()
    assert shown["grade"] == "blue" and shown["score"] == pytest.approx(91.0)
    assert "evidence" not in shown and "record" not in shown and "items" not in shown

    appeal = {
        "appeal_id": "A1",
        "evidence_id": "E4",
        "filed_on": "2025-02-10",
        "reason": "社会监督得分漏计一项",
        "filed_by": "赣东化工",
    }
    assert (
        client.post(
            f"{CREDIT}/赣东化工/appeals", headers=headers, json={**appeal, "evidence_id": "E404"}
        ).status_code
        == 400
    )
    filed = client.post(f"{CREDIT}/赣东化工/appeals", headers=headers, json=appeal)
    assert filed.status_code == 201 and filed.json()["status"] == "pending"
    assert client.post(f"{CREDIT}/赣东化工/appeals", headers=headers, json=appeal).status_code == 409
    decided = client.post(
        f"{CREDIT}/赣东化工/appeals/A1/decision",
        headers=headers,
        json={"upheld": True, "decided_on": "2025-02-20", "corrected_value": 12},
    )
    assert decided.status_code == 200, decided.text
    # re-scored: social supervision 12 of 12 → 26 + 5 + 50 + 12 = 93, the evaluation date kept
    rescored = decided.json()["score"]
    assert rescored["score"] == pytest.approx(93.0) and rescored["revision"] == 1
    assert rescored["evaluated_on"] == "2025-02-01" and rescored["grade"] == "blue"
    again = client.post(
        f"{CREDIT}/赣东化工/appeals/A1/decision",
        headers=headers,
        json={"upheld": False, "decided_on": "2025-02-21"},
    )
    assert again.status_code == 409
    actions = [
        e["action"]
        for e in client.get(
            "/api/v1/registry/ledger", headers=headers, params={"object": "credit:赣东化工"}
        ).json()
    ]
    assert actions == [
        "credit_subject",
        *["credit_evidence"] * 4,
        "credit_score",
        "credit_appeal",
        "credit_decision",
        "credit_rescore",
    ]
    assert client.get("/api/v1/registry/ledger/verify").json()["ok"] is True
    assert (
        client.post(
            f"{CREDIT}/赣东化工/score", json={"evaluated_on": "2025-02-01"}, headers=staff(client, "viewer")
        ).status_code
        == 403
    )


def test_a_template_rule_refuses_to_score(platform_client):
    """Village rules are templates (their numbers are for the user to fill): evidence is kept, no score."""
    client = platform_client
    headers = staff(client)
    made = client.post(CREDIT, headers=headers, json={"subject_id": "下溪村", "subject_type": "village"})
    assert made.status_code == 201, made.text
    from ecoledger.registry import credit

    indicator = credit.rule_for("village").indicators[0].code
    evidence(client, headers, "下溪村", "E1", indicator, 96)
    refused = client.post(f"{CREDIT}/下溪村/score", headers=headers, json={"evaluated_on": "2025-02-01"})
    assert refused.status_code == 400 and refused.json()["detail"] != refused.json()["detail_zh"]
    assert client.get(f"{CREDIT}/下溪村").json()["status"] == "unscored"


def test_a_red_grade_blocks_a_listing(platform_client):
    client = platform_client
    headers = staff(client)
    for serial in ("EM-1", "EM-2"):
        made = client.post(
            "/api/v1/registry/rights",
            headers=headers,
            json={
                "serial": serial,
                "type": "emission",
                "owner": "红牌企业" if serial == "EM-1" else "蓝牌企业",
                "county": "990101",
            },
        )
        assert made.status_code == 201, made.text
    for subject in ("红牌企业", "蓝牌企业"):
        client.post(CREDIT, headers=headers, json={"subject_id": subject, "subject_type": "enterprise"})
    evidence(client, headers, "红牌企业", "V1", "one_vote_veto", 1)
    for evidence_id, indicator, value in (
        ("B1", "pollution_prevention", 29),
        ("B2", "ecological_protection", 5),
        ("B3", "environmental_management", 54),
        ("B4", "social_supervision", 0),
    ):
        evidence(client, headers, "蓝牌企业", evidence_id, indicator, value)
    red = client.post(f"{CREDIT}/红牌企业/score", headers=headers, json={"evaluated_on": "2025-02-01"}).json()
    assert red["grade"] == "red" and red["blocks_listing"] is False  # 2025 + 12 months: expired today
    listing = {"price_yuan": 1000.0, "term_days": 30}
    # an expired red score blocks nothing; a current one does
    assert (
        client.post("/api/v1/registry/rights/EM-1/listing", headers=headers, json=listing).status_code == 201
    )
    client.post("/api/v1/registry/rights/EM-1/delist", headers=headers)
    import datetime as dt

    today = dt.date.today().isoformat()
    evidence(client, headers, "红牌企业", "V2", "one_vote_veto", 1, date=today)
    red = client.post(f"{CREDIT}/红牌企业/score", headers=headers, json={"evaluated_on": today}).json()
    assert red["grade"] == "red" and red["blocks_listing"] is True
    refused = client.post("/api/v1/registry/rights/EM-1/listing", headers=headers, json=listing)
    assert refused.status_code == 409, refused.text
    assert "红牌企业" in refused.json()["detail_zh"] and "red card" in refused.json()["detail"].lower()
    blue = client.post(f"{CREDIT}/蓝牌企业/score", headers=headers, json={"evaluated_on": today}).json()
    assert blue["grade"] == "blue" and blue["score"] == pytest.approx(88.0)  # 29 + 5 + 54 + 0
    assert (
        client.post("/api/v1/registry/rights/EM-2/listing", headers=headers, json=listing).status_code == 201
    )
    # a bidder of a blocking grade may not bid either (the bidder is the user: subject "viewer")
    client.post(CREDIT, headers=headers, json={"subject_id": "viewer", "subject_type": "enterprise"})
    evidence(client, headers, "viewer", "V1", "one_vote_veto", 1, date=today)
    client.post(f"{CREDIT}/viewer/score", headers=headers, json={"evaluated_on": today}).raise_for_status()
    bid = client.post(
        "/api/v1/registry/rights/EM-2/bids", headers=staff(client, "viewer"), json={"price_yuan": 1000.0}
    )
    assert bid.status_code == 409 and "viewer" in bid.json()["detail"], bid.text
    bid = client.post(
        "/api/v1/registry/rights/EM-2/bids", headers=staff(client, "county-a"), json={"price_yuan": 1000.0}
    )
    assert bid.status_code == 201 and bid.json()["trade"] is not None, bid.text


# --- traceability -----------------------------------------------------------------------------------

BATCHES = "/api/v1/registry/trace/batches"


def make_batch(client, headers) -> dict:
    made = client.post(
        BATCHES,
        headers=headers,
        json={
            "batch_id": "B-2024-001",
            "product": "赣南脐橙",
            "product_en": "Gannan navel orange",
            "origin": {
                "parcel_serial": "F-1",
                "county": "甲一县",
                "producer": "示范合作社",
                "county_code": "990101",
            },
            "created": "2024-11-01T08:00:00+08:00",
        },
    )
    assert made.status_code == 201, made.text
    return made.json()


def test_trace_routes_and_lookup(platform_client):
    client = platform_client
    headers = staff(client)
    batch = make_batch(client, headers)
    code = batch["code"]
    assert len(code) == 11 and batch["display_code"].count("-") == 2
    assert (
        client.post(
            BATCHES,
            headers=headers,
            json={
                "batch_id": "B-2024-001",
                "product": "x",
                "origin": {"parcel_serial": "F-1", "county": "甲", "producer": "p"},
            },
        ).status_code
        == 409
    )
    step = {
        "kind": "harvest",
        "actor": "示范合作社",
        "place": "甲一县",
        "at": "2024-11-02T08:00:00+08:00",
        "quantity_out": {"amount": 1000, "unit": "kg"},
    }
    assert client.post(f"{BATCHES}/B-2024-001/steps", headers=headers, json=step).status_code == 201
    gain = {
        "kind": "packing",
        "actor": "示范包装厂",
        "place": "甲一县",
        "at": "2024-11-03T08:00:00+08:00",
        "quantity_in": {"amount": 900, "unit": "kg"},
        "quantity_out": {"amount": 950, "unit": "kg"},
    }
    refused = client.post(f"{BATCHES}/B-2024-001/steps", headers=headers, json=gain)
    assert refused.status_code == 400 and "950" in refused.json()["detail"]
    gain["quantity_out"]["amount"] = 880
    assert client.post(f"{BATCHES}/B-2024-001/steps", headers=headers, json=gain).status_code == 201
    forged = {
        "kind": "climate_quality",
        "number": "QH-1",
        "issuer": "示范气象台",
        "valid_from": "2024-11-01",
        "valid_until": "2025-10-31",
        "evaluation": {"grade": "特优"},
    }
    refused = client.post(f"{BATCHES}/B-2024-001/certificates", headers=headers, json=forged)
    assert refused.status_code == 400 and "climate_quality.evaluate" in refused.json()["detail"], refused.text
    certificate = {
        "kind": "green_food",
        "number": "LB-18-2024",
        "issuer": "中国绿色食品发展中心",
        "valid_from": "2024-01-01",
        "valid_until": "2099-12-31",
    }
    attached = client.post(f"{BATCHES}/B-2024-001/certificates", headers=headers, json=certificate)
    assert attached.status_code == 201, attached.text
    assert len(attached.json()["entries"]) == 3
    assert client.post(f"{BATCHES}/B-404/steps", headers=headers, json=step).status_code == 404
    assert (
        client.post(f"{BATCHES}/B-2024-001/steps", json=step, headers=staff(client, "viewer")).status_code
        == 403
    )

    anonymous = client.__class__(client.app, base_url="https://testserver")
    found = anonymous.get(f"/api/v1/registry/trace/{batch['display_code'].lower()}")
    assert found.status_code == 200 and found.json()["verification"]["status"] == "valid"
    assert found.json()["batch"]["product"] == "赣南脐橙" and len(found.json()["batch"]["entries"]) == 3
    page = anonymous.get(f"/trace/{code}")
    assert page.status_code == 200 and 'data-status="valid"' in page.text and "赣南脐橙" in page.text
    assert 'lang="zh' in page.text
    english = anonymous.get(f"/trace/{code}?lang=en")
    assert english.status_code == 200 and 'lang="en"' in english.text and "LB-18-2024" in english.text
    # a well-formed code of no batch, and a typo: the page's unknown / invalid state with 404
    other = "0000000000"
    from ecoledger.registry import trace

    unknown_code = other + trace.check_character(other)
    unknown = anonymous.get(f"/trace/{unknown_code}")
    assert unknown.status_code == 404 and 'data-status="unknown"' in unknown.text
    assert anonymous.get(f"/api/v1/registry/trace/{unknown_code}").status_code == 404
    typo = anonymous.get(f"/trace/{code[:-1]}{'0' if code[-1] != '0' else '1'}?lang=en")
    assert typo.status_code == 404 and 'data-status="invalid"' in typo.text
    headers = staff(client)
    actions = [
        e["action"]
        for e in client.get(
            "/api/v1/registry/ledger", headers=headers, params={"object": "batch:B-2024-001"}
        ).json()
    ]
    assert actions == ["batch", "batch_step", "batch_step", "batch_certificate"]
    assert client.get("/api/v1/registry/ledger/verify").json()["ok"] is True
