"""Applications on the platform: rules on published accounts, VEP certificates, verification."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from sqlalchemy import func, select

from ecoledger.applications.store import Certificate
from ecoledger.platform.models import AuditEntry
from ecoledger.platform.testing import login
from ecoledger.platform.testing import publish as publish_run
from ecoledger.report.browser import chromium

YEAR = 2020


def publish(client) -> dict:
    csrf = login(client, "reviewer")
    run = client.post("/api/v1/runs", json={"year": YEAR}, headers={"X-CSRF-Token": csrf}).json()
    published = publish_run(client, run["id"]).json()
    login(client, "reviewer")
    return published


def site_geojson(pack, code="990101") -> bytes:
    """County 990101 shrunk by 1.5 km, in CRS84: a site well inside the grid."""
    units = gpd.read_file(pack / "units.gpkg")
    column = next(c for c in units.columns if units[c].astype(str).eq(code).any())
    county = units[units[column].astype(str) == code]
    return county.buffer(-1500).to_crs("EPSG:4326").to_json().encode("utf-8")


@pytest.fixture
def published(platform_client):
    return publish(platform_client), platform_client


def test_example_rules_api_and_pages(published):
    run, client = published
    assert run["status"] == "published"
    client.cookies.clear()
    assert client.post("/api/v1/applications/apply", data={"year": YEAR, "example": "transfer-by-gep.toml"},
                       headers={"X-CSRF-Token": client.get("/api/v1/csrf").json()["csrf_token"]}
                       ).status_code in (401, 403)  # a session is needed
    csrf = login(client, "viewer")
    response = client.post("/api/v1/applications/apply",
                           data={"year": YEAR, "example": "transfer-by-gep.toml"},
                           headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {r["code"] for r in body["rows"]} == {"990101", "990102", "990201", "990202"}
    assert sum(r["amount_yuan"] for r in body["rows"]) == pytest.approx(1e8)
    # one published year only: GEP change is missing for every unit, so its weight goes to the others
    assert all(r["contribution:GEP change"] == 0 for r in body["rows"])
    assert "GEP change missing" in body["rows"][0]["note"]

    client.cookies.clear()
    page = client.get("/applications")
    assert page.status_code == 200 and 'id="apply-form"' in page.text and 'id="login-needed"' in page.text
    login(client, "viewer")
    page = client.get("/applications?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    result = client.post("/applications/apply", data={"year": YEAR, "example": "assessment-by-gep.toml",
                                                       "csrf_token": token})
    assert result.status_code == 200 and 'id="result-assessment"' in result.text
    assert client.post("/applications/apply", data={"year": YEAR, "example": "x", "csrf_token": ""}
                       ).status_code == 403


def test_uploaded_rule_and_refused_inputs(published):
    _, client = published
    csrf = login(client, "viewer")
    rule = b'kind = "assessment"\nlevel = "city"\n[[indicator]]\nname = "gep_per_km2"\nweight = 1\n'
    ok = client.post("/api/v1/applications/apply", data={"year": YEAR},
                     files={"rule": ("r.toml", rule, "application/toml")}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text
    assert sorted(r["rank"] for r in ok.json()["rows"]) == [1, 2]
    bad = client.post("/api/v1/applications/apply", data={"year": YEAR},
                      files={"rule": ("r.toml", rule.replace(b"weight = 1", b"weight = 2"), "text/plain")},
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400 and "indicator.weight" in bad.json()["detail"]
    assert client.post("/api/v1/applications/apply", data={"year": 1999, "example": "transfer-by-gep.toml"},
                       headers={"X-CSRF-Token": csrf}).status_code == 404
    point = json.dumps({"type": "Point", "coordinates": [100, 30]}).encode()
    response = client.post("/api/v1/applications/vep", data={"year": YEAR, "name": "p"},
                           files={"site": ("p.geojson", point, "application/json")},
                           headers={"X-CSRF-Token": csrf})
    assert response.status_code == 400 and "not a site boundary" in response.json()["detail"]


def test_vep_certificate_is_stored_verified_and_tamper_fails(published, platform_pack):
    run, client = published
    csrf = login(client, "county-a")
    site = ("site.geojson", site_geojson(platform_pack), "application/geo+json")
    response = client.post("/api/v1/applications/vep", data={"year": YEAR, "name": "test site", "rate": 0.04},
                           files={"site": site}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    cert = response.json()
    assert cert["annual_flow_yuan"] > 0 and cert["published_run"]["run_id"] == run["id"]
    assert cert["present_value_yuan"] == pytest.approx(cert["annual_flow_yuan"] * (1 - 1.04 ** -20) / 0.04)
    digest = cert["content_sha256"]
    assert cert["verification"]["endpoint"] == f"/api/v1/applications/certificates/{digest}"
    damage = client.post("/api/v1/applications/damage", files={"site": site}, headers={"X-CSRF-Token": csrf},
                         data={"year": YEAR, "damaged_fraction": 0.5, "recovery_years": 4, "rate": 0,
                               "restoration_cost": 100})
    assert damage.status_code == 200, damage.text
    # r = 0: F·d·R/2 + cost = F × 0.5 × 4 / 2 + 100
    assert damage.json()["total_yuan"] == pytest.approx(cert["annual_flow_yuan"] + 100)
    with client.app.state.platform.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1
        logged = (select(func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "applications.certificate"))
        assert s.scalar(logged) == 1

    client.cookies.clear()  # verification is public
    checked = client.get(cert["verification"]["endpoint"]).json()
    assert checked["valid"] and checked["issued_here"]
    assert client.post("/api/v1/applications/certificates/verify", json=cert).json()["valid"]
    tampered = json.loads(json.dumps(cert))
    tampered["annual_flow_yuan"] *= 10
    answer = client.post("/api/v1/applications/certificates/verify", json=tampered).json()
    assert not answer["valid"] and not answer["intact"]
    assert not client.get(f"/api/v1/applications/certificates/{'0' * 64}").json()["valid"]

    page = client.get(f"/applications/certificates/{digest}")
    assert page.status_code == 200 and 'id="certificate-valid"' in page.text
    assert 'id="certificate-flows"' in page.text
    assert client.get(f"/applications/certificates/{digest}/certificate.json").json() == cert
    assert "VEP" in client.get(f"/applications/certificates/{digest}/print").text
    lookup = client.get(f"/applications/certificates?sha256={digest}", follow_redirects=False)
    assert lookup.status_code == 303
    pdf = client.get(f"/applications/certificates/{digest}/certificate.pdf")
    if chromium():
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    else:
        assert pdf.status_code == 404 and "chromium" in pdf.json()["detail"]
