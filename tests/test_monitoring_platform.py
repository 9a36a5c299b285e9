"""Monitoring on the platform: uploads (all or nothing), classes, alerts stored, listed, exported."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ecoledger.monitoring.store import MonitoringAlert, MonitoringRecord, MonitoringUpload
from ecoledger.platform.testing import PASSWORD, login

GOOD = ("station,water_type,city,basin,date,parameter,value,unit\n"
        "湖心,lake,990100,湖区,2020-01-15,tp,0.08,mg/L\n"
        "湖心,lake,990100,湖区,2020-07-15,tp,60,µg/L\n"
        "湖心,lake,990100,湖区,2020-07-15,chla,12,µg/L\n"
        "湖心,lake,990100,湖区,2020-07-15,tn,1.6,mg/L\n"
        "湖心,lake,990100,湖区,2020-07-15,sd,0.5,m\n"
        "湖心,lake,990100,湖区,2020-07-15,codmn,5,mg/L\n"
        "河口,river,990200,河,2020-07-15,tp,0.07,mg/L\n").encode()
BAD = GOOD + ("河口,river,990200,河,2020-07-15,tp,0.09,mg/L\n"       # row 9 repeats row 8
              "河口,river,990200,河,2020-08-15,nh3n,abc,mg/L\n").encode()  # row 10 not a number


def count(client, model) -> int:
    with client.app.state.platform.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_upload_classes_alerts_and_export(platform_client):
    client = platform_client
    token = login(client, "county-a")
    refused = client.post("/api/v1/monitoring/records", files={"file": ("bad.csv", BAD, "text/csv")},
                          headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    fields = {p["field"] for p in refused.json()["problems"]}
    assert {"row 9 · parameter", "row 10 · value"} <= fields
    assert count(client, MonitoringUpload) == 0 and count(client, MonitoringRecord) == 0  # nothing partial
    # county-a (990101) may report only for its own unit
    outside = client.post("/api/v1/monitoring/records", files={"file": ("good.csv", GOOD, "text/csv")},
                          headers={"X-CSRF-Token": token})
    assert outside.status_code == 422 and outside.json()["problems"][0]["field"].startswith("rows 2")
    assert count(client, MonitoringRecord) == 0
    token = login(client, "reviewer")
    stored = client.post("/api/v1/monitoring/records", files={"file": ("good.csv", GOOD, "text/csv")},
                         headers={"X-CSRF-Token": token})
    assert stored.status_code == 201, stored.text
    assert stored.json()["rows"] == 7 and count(client, MonitoringRecord) == 7
    classes = {c["station"]: c for c in client.get("/api/v1/monitoring/water/classes").json()}
    # 湖心 TP mean (0.08 + 0.06)/2 = 0.07 → lake IV (river reading II); 河口 0.07 → river II
    assert classes["湖心"]["class"] == 4 and classes["湖心"]["class_tp_river_reading"] == 2
    assert classes["河口"]["class"] == 2 and classes["湖心"]["tli"] > 50
    section = client.get("/api/v1/monitoring/water/section",
                         params={"station": "湖心", "year": 2020}).json()
    assert section["class"] == 4 and section["determining"] == "tp"
    viewer = login(client, "viewer")
    refused = client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": viewer})
    assert refused.status_code == 403

    token = login(client, "reviewer")
    new = client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": token}).json()["new"]
    rules = {a["rule_id"] for a in new}
    assert {"station-worse-than-class-iii", "lake-station-eutrophic"} <= rules
    again = client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": token}).json()["new"]
    assert again == [] and count(client, MonitoringAlert) == len(new)  # stored once
    own = (b'[[rule]]\nid = "tp-river"\nseries = "water_tp"\nkind = "threshold"\nabove = 0.065\n'
           b'severity = "low"\nmessage = "TP above 0.065"\n')
    refused = client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": token},
                          files={"rules": ("r.toml", own, "text/plain")})
    assert refused.status_code == 403  # own rule files: administrators
    admin = login(client, "admin")
    bad = client.post("/api/v1/monitoring/alerts/evaluate", headers={"X-CSRF-Token": admin},
                      files={"rules": ("r.toml", own.replace(b"threshold", b"guess"), "text/plain")})
    assert bad.status_code == 400 and "rule 1 (tp-river) · kind" in bad.json()["detail"]
    mine = client.post("/api/v1/monitoring/alerts/evaluate", files={"rules": ("r.toml", own, "text/plain")},
                       headers={"X-CSRF-Token": admin}).json()["new"]
    # 湖心 annual TP 0.07 > 0.065; 河口 0.07 too
    assert {(a["rule_id"], a["unit_code"]) for a in mine} == {("tp-river", "湖心"), ("tp-river", "河口")}
    new += mine
    listed = client.get("/api/v1/monitoring/alerts").json()
    assert len(listed) == len(new) and listed[0]["responsible"]
    exported = client.get("/api/v1/monitoring/alerts.csv")
    assert exported.status_code == 200 and "station-worse-than-class-iii" in exported.text
    page = client.get("/monitoring", params={"lang": "en"})
    assert page.status_code == 200 and "Monitoring and early warning" in page.text and "湖心" in page.text


def test_the_page_needs_a_login_and_forms_need_csrf(platform_client):
    client = platform_client
    assert client.get("/monitoring").status_code == 401
    assert client.get("/api/v1/monitoring/alerts").status_code == 401
    login(client, "viewer")
    page = client.get("/monitoring")
    assert page.status_code == 200 and "upload-form" not in page.text
    refused = client.post("/monitoring/alerts/evaluate", data={"csrf_token": "x"})
    assert refused.status_code == 403


def test_page_upload_shows_problems_with_row_and_field(platform_client):
    client = platform_client
    login(client, "admin", PASSWORD)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/monitoring").text).group(1)
    response = client.post("/monitoring/records", files={"file": ("bad.csv", BAD, "text/csv")},
                           data={"csrf_token": token})
    assert response.status_code == 422 and "row 10 · value" in response.text
    assert count(client, MonitoringRecord) == 0
    response = client.post("/monitoring/records", files={"file": ("good.csv", GOOD, "text/csv")},
                           data={"csrf_token": token})
    assert response.status_code == 201 and count(client, MonitoringRecord) == 7
    evaluated = client.post("/monitoring/alerts/evaluate", data={"csrf_token": token}, follow_redirects=False)
    assert evaluated.status_code == 303
