"""The carbon module on the platform: pages, inclusion ledger API, claims, labels, tampering."""

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from ecoledger.carbon.store import CarbonLabel, CarbonLedgerEntry
from ecoledger.platform.testing import login
from ecoledger.platform.testing import publish as publish_run

EXAMPLE = Path(__file__).parents[1] / "examples" / "carbon" / "product_system.json"


@pytest.fixture
def db(platform_client):
    return platform_client.app.state.platform.db


def _record(client, token, action, activity, evidence, day="2026-03-02"):
    return client.post(
        "/api/v1/carbon/inclusion/actions",
        headers={"X-CSRF-Token": token},
        data={"action": action, "activity": str(activity), "day": day},
        files={"evidence": ("e.txt", evidence, "text/plain")},
    )


def test_landing_page_reports_missing_years(platform_client):
    page = platform_client.get("/carbon?lang=en")
    assert page.status_code == 200
    assert 'id="dual-control-table"' in page.text and 'data-status="missing"' in page.text
    assert 'id="missing-note"' in page.text
    factors = platform_client.get("/api/v1/carbon/factors").json()
    assert factors["version"] and any(f["confidence"] == "memory" for f in factors["factors"])
    control = platform_client.get("/api/v1/carbon/dual-control?code=990000").json()
    assert control["missing_years"] and control["target"]["id"] == "target.CN.14fyp.intensity"


def test_energy_statistics_submitted_and_accepted_feed_dual_control(platform_client):
    """Energy use goes through the platform's statistics upload, review and into the inventory."""
    client = platform_client
    csrf = login(client, "county-a")
    upload = ("code,year,indicator,value,unit,source\n"
              "990101,2020,energy_bituminous_coal,10,万吨,synthetic energy balance table 1\n")
    made = client.post("/api/v1/submissions", files={"file": ("energy.csv", upload.encode(), "text/csv")},
                       headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    before = client.get("/api/v1/carbon/dual-control", params={"code": "990101"}).json()
    assert next(y for y in before["years"] if y["year"] == 2020)["co2_t"] is None  # pending: not used
    csrf = login(client, "reviewer")
    client.post(f"/api/v1/submissions/{made.json()['id']}/accept", headers={"X-CSRF-Token": csrf})
    after = client.get("/api/v1/carbon/dual-control", params={"code": "990101"}).json()
    year = next(y for y in after["years"] if y["year"] == 2020)
    # 10 万吨 = 1e5 t × 23.204 GJ/t × 0.02618 tC/GJ × 0.93 × 44/12 = 207 150.9 t CO₂
    assert year["co2_t"] == pytest.approx(207_150.9, rel=1e-6)
    # GDP of 990101 in the pack: 100 亿元 = 1e6 × 10⁴ yuan → 0.2071509 t per 10⁴ yuan
    assert year["intensity_t_per_10k_yuan"] == pytest.approx(0.2071509, rel=1e-6)
    assert year["status"] == "partial" and "energy_natural_gas" in year["not_reported"]


def test_inclusion_ledger_through_the_api(platform_client, db):
    assert platform_client.get("/api/v1/carbon/inclusion/me").status_code == 401
    token = login(platform_client, "viewer")
    # cycling 10 km × 0.196 kg/km = 1.96 kg → 19 points
    first = _record(platform_client, token, "cycling", 10, b"ride 1")
    assert first.status_code == 201 and first.json()["points"] == 19
    again = _record(platform_client, token, "cycling", 5, b"ride 1")
    assert again.status_code == 400 and "already used" in again.json()["detail"]
    capped = _record(platform_client, token, "cycling", 25, b"ride 2")
    assert capped.status_code == 400 and "daily cap" in capped.json()["detail"]
    assert _record(platform_client, token, "cycling", 20, b"ride 2").status_code == 201  # 39 points
    no_csrf = platform_client.post("/api/v1/carbon/inclusion/redeem", json={"points": 5})
    assert no_csrf.status_code == 403
    redeem = platform_client.post(
        "/api/v1/carbon/inclusion/redeem", json={"points": 50}, headers={"X-CSRF-Token": token}
    )
    assert redeem.status_code == 201 or redeem.status_code == 200
    too_much = platform_client.post(
        "/api/v1/carbon/inclusion/redeem", json={"points": 500}, headers={"X-CSRF-Token": token}
    )
    assert too_much.status_code == 400
    me = platform_client.get("/api/v1/carbon/inclusion/me").json()
    assert me["balance"] == 19 + 39 - 50 and me["chain_ok"]
    summary = platform_client.get("/api/v1/carbon/inclusion/summary").json()
    assert summary["accounts"] == 1 and summary["by_action"][0]["action"] == "cycling"
    assert "viewer" not in json.dumps(summary)
    page = platform_client.get("/carbon/inclusion")
    assert page.status_code == 200 and 'id="chain-ok"' in page.text

    with db.transaction() as s:  # someone edits a stored entry behind the platform's back
        s.execute(update(CarbonLedgerEntry).where(CarbonLedgerEntry.seq == 1).values(points=999))
    me = platform_client.get("/api/v1/carbon/inclusion/me").json()
    assert not me["chain_ok"] and me["first_bad_seq"] == 1
    assert 'id="chain-bad"' in platform_client.get("/carbon/inclusion").text


def test_claims_refuse_double_counting(platform_client):
    token = login(platform_client, "reviewer")
    claim = {
        "scope": "sink",
        "holder": "project A",
        "asset": "parcel:ND-01",
        "year_from": 2022,
        "year_to": 2026,
        "tonnes": 1354.1,
        "source_module": "carbon.forest",
    }
    assert (
        platform_client.post("/api/v1/carbon/claims", json=claim, headers={"X-CSRF-Token": token}).status_code
        == 201
    )
    twice = platform_client.post(
        "/api/v1/carbon/claims",
        json={**claim, "scope": "inclusion", "year_from": 2026},
        headers={"X-CSRF-Token": token},
    )
    assert twice.status_code == 400 and "already claimed" in twice.json()["detail"]
    viewer = login(platform_client, "viewer")
    assert (
        platform_client.post(
            "/api/v1/carbon/claims", json=claim, headers={"X-CSRF-Token": viewer}
        ).status_code
        == 403
    )
    assert len(platform_client.get("/api/v1/carbon/claims").json()) == 1


def test_label_issue_verify_and_tamper(platform_client, db):
    token = login(platform_client, "admin")
    system = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    issued = platform_client.post(
        "/api/v1/carbon/labels",
        headers={"X-CSRF-Token": token},
        json={"label_id": "JX-T-9", "system": system, "verifier": "test"},
    )
    assert issued.status_code == 201, issued.text
    # the Brightway result of the example product system: 0.5057982 kg CO2e (see test_carbon_footprint)
    assert issued.json()["record"]["total_kg_co2e"] == pytest.approx(0.505798, abs=1e-6)
    url = issued.json()["verification_url"]
    assert platform_client.get(url).status_code == 200 and 'id="label-valid"' in platform_client.get(url).text
    code = url.split("code=")[1]
    assert platform_client.get(f"/api/v1/carbon/labels/JX-T-9?code={code}").json()["valid"]
    assert not platform_client.get("/api/v1/carbon/labels/JX-T-9?code=0000").json()["valid"]
    assert platform_client.get("/api/v1/carbon/labels/NOPE").status_code == 404

    with db.transaction() as s:
        row = s.get(CarbonLabel, "JX-T-9")
        row.record = {**row.record, "total_kg_co2e": 0.1}
    checked = platform_client.get(f"/api/v1/carbon/labels/JX-T-9?code={code}").json()
    assert not checked["valid"] and "hash mismatch" in checked["problems"][0]
    assert 'id="label-invalid"' in platform_client.get(url).text
    assert "JX-T-9" in platform_client.get("/carbon").text


def test_inclusion_page_forms_and_expiry(platform_client, db):
    import datetime as dt

    from ecoledger.carbon import ledger

    login(platform_client, "county-a")
    form_token = (
        platform_client.get("/carbon/inclusion").text.split('name="csrf_token" value="')[1].split('"')[0]
    )
    posted = platform_client.post(
        "/carbon/inclusion/actions",
        follow_redirects=False,
        data={"action": "energy_saving", "activity": "10", "csrf_token": form_token},
        files={"evidence": ("m.txt", b"meter 1", "text/plain")},
    )
    assert posted.status_code == 303
    # 10 kWh × 0.5752 kg/kWh = 5.752 kg → 57 points
    assert 'id="balance">57<' in platform_client.get("/carbon/inclusion").text
    refused = platform_client.post(
        "/carbon/inclusion/redeem", data={"points": "58", "csrf_token": form_token}
    )
    assert refused.status_code == 400 and "at most 57" in refused.text

    with db.transaction() as s:  # back-date the entry so that its points have expired
        entry = s.query(CarbonLedgerEntry).one()
        entry_dict = entry.as_entry() | {"day": "2020-01-01", "expires_on": "2020-12-31"}
        entry.day, entry.expires_on = entry_dict["day"], entry_dict["expires_on"]
        entry.hash = ledger.entry_hash(entry.prev_hash, entry_dict)
    admin = login(platform_client, "admin")
    expired = platform_client.post("/api/v1/carbon/inclusion/expire", headers={"X-CSRF-Token": admin})
    assert expired.json() == {"expired": {"county-a": 57}}
    assert platform_client.post(
        "/api/v1/carbon/inclusion/expire", headers={"X-CSRF-Token": admin}
    ).json() == {"expired": {}}
    with db.transaction() as s:
        chain = [e.as_entry() for e in s.query(CarbonLedgerEntry).order_by(CarbonLedgerEntry.seq)]
    assert [e["kind"] for e in chain] == ["earn", "expire"] and ledger.verify_chain(chain).ok
    assert ledger.balance(chain, dt.date.today()) == 0


def test_sink_project_with_its_share_of_published_gep(platform_client):
    project = json.loads((EXAMPLE.parent / "sink_project.json").read_text(encoding="utf-8"))
    token = login(platform_client, "reviewer")
    before = platform_client.post(
        "/api/v1/carbon/sinks", json={**project, "county": "990101"}, headers={"X-CSRF-Token": token}
    ).json()
    assert before["gep_link"]["share_of_gep_forest_sequestration"] is None  # nothing published yet
    run = platform_client.post("/api/v1/runs", json={"year": 2020}, headers={"X-CSRF-Token": token}).json()
    assert publish_run(platform_client, run["id"]).status_code == 200
    token = login(platform_client, "reviewer")
    after = platform_client.post(
        "/api/v1/carbon/sinks", json={**project, "county": "990101"}, headers={"X-CSRF-Token": token}
    ).json()
    gep = after["gep_link"]["gep_forest_carbon_sequestration"]
    rows = platform_client.get(
        "/api/v1/accounts?year=2020&unit=990101&ecosystem=forest&item=carbon_sequestration"
    ).json()
    [forest_row] = rows["rows"]
    assert gep["t_co2"] == forest_row["physical_value"] and gep["year"] == 2020
    # share = creditable / GEP forest sequestration of the county
    assert after["gep_link"]["share_of_gep_forest_sequestration"] == pytest.approx(
        after["creditable_t_co2_per_yr"] / forest_row["physical_value"]
    )
    bad = platform_client.post(
        "/api/v1/carbon/sinks", json={**project, "start": [{"parcel": "x"}]}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 400 and "sink_project.json" in bad.json()["detail"]


def test_label_from_an_uploaded_file_on_the_page(platform_client):
    login(platform_client, "reviewer")
    page = platform_client.get("/carbon").text
    assert 'id="label-form"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    posted = platform_client.post(
        "/carbon/labels",
        follow_redirects=False,
        data={"label_id": "JX-P-1", "verifier": "test", "csrf_token": token},
        files={"system": ("tile.json", EXAMPLE.read_bytes(), "application/json")},
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/carbon/labels/JX-P-1?code=")
    assert 'id="label-valid"' in platform_client.get(posted.headers["location"]).text
    png = platform_client.get("/carbon/labels/JX-P-1.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    broken = platform_client.post(
        "/carbon/labels",
        data={"label_id": "JX-P-2", "verifier": "t", "csrf_token": token},
        files={"system": ("x.json", b"{", "application/json")},
    )
    assert broken.status_code == 400 and "x.json" in broken.text
    login(platform_client, "viewer")
    assert 'id="label-form"' not in platform_client.get("/carbon").text


def test_oversized_evidence_is_refused(platform_client, monkeypatch):
    import ecoledger.carbon.api

    monkeypatch.setattr(ecoledger.carbon.api, "MAX_EVIDENCE_BYTES", 8)
    token = login(platform_client, "viewer")
    refused = _record(platform_client, token, "metro", 5, b"123456789")
    assert refused.status_code == 400 and "larger than" in refused.json()["detail"]
    assert platform_client.get("/api/v1/carbon/inclusion/me").json()["entries"] == []
