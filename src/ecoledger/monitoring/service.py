"""The monitoring module on the platform: storing record uploads, evaluating the early-warning
rules on stored records and published accounts, listing and exporting alerts.

Every write is one transaction with its audit entry; a refused upload stores nothing.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from sqlalchemy import select

from ecoledger.errors import Problem
from ecoledger.monitoring import indicators, records, warning, water
from ecoledger.monitoring.demo import default_rules
from ecoledger.monitoring.store import MonitoringAlert, MonitoringRecord, MonitoringUpload
from ecoledger.monitoring.tables import table_versions
from ecoledger.pack.validate import RowProblems
from ecoledger.platform import audit, queries, runs
from ecoledger.platform.db import Database
from ecoledger.platform.models import Unit, User
from ecoledger.platform.policy import require_login, require_role
from ecoledger.platform.submissions import display_name

UPLOADERS = ("submitter", "reviewer", "administrator")
EVALUATORS = ("reviewer", "administrator")


def store_upload(db: Database, user: User | None, filename: str, content: bytes) -> MonitoringUpload:
    """Validate a records file whole and store it; raises MonitoringFileError (nothing stored)."""
    user = require_role(user, *UPLOADERS)
    with db.transaction() as s:
        known = set(s.scalars(select(Unit.code)))
    rows = records.load(filename, content, known_cities=known)
    outside = _outside_units(rows, user, filename)
    if outside:
        raise records.MonitoringFileError(outside)
    with db.transaction() as s:
        upload = MonitoringUpload(filename=display_name(filename)[:255],
                                  content_sha256=hashlib.sha256(content).hexdigest(),
                                  uploaded_by=user.username, row_count=len(rows),
                                  table_versions=table_versions())
        s.add(upload)
        s.flush()
        s.add_all([MonitoringRecord(upload_id=upload.id, **{k: r[k] for k in RECORD_FIELDS})
                   for r in rows.to_dict("records")])
        audit.append(s, user.username, "monitoring.upload", "monitoring_upload", upload.id,
                     {"filename": upload.filename, "sha256": upload.content_sha256, "rows": len(rows),
                      "warnings": [str(p) for p in rows.attrs.get("warnings", [])]})
        s.flush()
        s.expunge(upload)
    return upload


def _outside_units(rows, user: User, filename: str) -> list[Problem]:
    """A submitter reports only for the units bound to them: every row's ``city`` must be one."""
    if user.role != "submitter":
        return []
    allowed = set(user.unit_codes)
    problems = RowProblems(display_name(filename))
    for r in rows.itertuples(index=False):
        if r.city not in allowed:
            problems.add(r.row, "city", f"{r.city or '(empty)'} is not one of your units "
                         f"({', '.join(sorted(allowed)) or 'none'})",
                         "write the code of your unit, or ask the environment department to upload",
                         "error", f"“{r.city or '空'}”不是您负责的单位",
                         "请填写您负责单位的代码，或请生态环境部门上传")
    return problems.problems()


RECORD_FIELDS = ("row", "station", "water_type", "city", "basin", "date", "parameter", "value", "unit",
                 "reported", "below_detection")


def uploads(db: Database) -> list[MonitoringUpload]:
    with db.transaction() as s:
        found = list(s.scalars(select(MonitoringUpload).order_by(MonitoringUpload.id.desc()).limit(200)))
        s.expunge_all()
    return found


def records_frame(db: Database, year: int | None = None, station: str | None = None) -> pd.DataFrame:
    """Stored records as ``records.normalise`` gives them (optionally one year or station)."""
    with db.transaction() as s:
        query = select(MonitoringRecord).order_by(MonitoringRecord.id)
        if year is not None:
            query = query.where(MonitoringRecord.date.like(f"{year:04d}-%"))
        if station:
            query = query.where(MonitoringRecord.station == station)
        rows = [{k: getattr(r, k) for k in RECORD_FIELDS} for r in s.scalars(query)]
    return pd.DataFrame(rows, columns=list(RECORD_FIELDS))


def evaluated(db: Database, year: int | None = None, period: str = "year") -> pd.DataFrame:
    frame = records_frame(db, year)
    return water.evaluate(frame, period) if len(frame) else pd.DataFrame()


def section_quality(db: Database, station: str, year: int) -> dict | None:
    """A station's annual water quality for other modules (compensation, assessment): class
    (1–6), determining parameters, TLI and trophic grade for lakes, the stored table versions;
    None if the station has no records in that year."""
    frame = records_frame(db, year, station)
    if frame.empty:
        return None
    row = water.evaluate(frame).iloc[0].to_dict()
    return {"station": station, "year": year, "water_type": row["water_type"], "class": row["class"],
            "class_name": row["class_name"], "determining": row["determining"],
            "tli": row.get("tli"), "trophic_grade": row.get("trophic_grade"),
            "samples": row["samples"], "table_versions": table_versions()}


def platform_series(db: Database, user: User | None) -> pd.DataFrame:
    """Indicator series the platform holds: stored water records (per station and year) and the
    published accounts of every year (per county)."""
    parts = []
    water_rows = evaluated(db)
    if len(water_rows):
        parts.append(indicators.from_water(water_rows))
    account_rows = []
    for year in runs.published_years(db):
        _, rows = queries.account_rows(db, user, year=year, level="county", ecosystem="all")
        account_rows += rows
    if account_rows:
        accounts = pd.DataFrame(account_rows).rename(columns={"code": "adcode"})
        parts.append(indicators.from_accounts(accounts))
    if not parts:
        return pd.DataFrame(columns=list(warning.SERIES_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def evaluate_rules(db: Database, user: User | None, rules_text: str | None = None) -> list[MonitoringAlert]:
    """Run the rules (default: the shipped Jiangxi rules; RuleError for an invalid file) on
    ``platform_series`` and store the alerts not stored before; returns the new ones."""
    user = require_role(user, *EVALUATORS)
    text = rules_text or default_rules()
    rules = warning.parse_rules(text, "rules.toml")
    series = platform_series(db, user)
    alerts = warning.evaluate(rules, series)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with db.transaction() as s:
        existing = set(s.execute(select(MonitoringAlert.rule_id, MonitoringAlert.series,
                                        MonitoringAlert.unit_code, MonitoringAlert.period)).all())
        new = [MonitoringAlert(rule_id=a.rule_id, severity=a.severity, series=a.series,
                               unit_code=a.unit_code[:100], unit_name=a.unit_name[:100], period=a.period,
                               message=a.message, responsible=a.responsible[:200],
                               evidence=a.evidence, rules_sha256=digest, created_by=user.username)
               for a in alerts if (a.rule_id, a.series, a.unit_code, a.period) not in existing]
        s.add_all(new)
        s.flush()
        audit.append(s, user.username, "monitoring.evaluate", "monitoring_rules", digest[:16],
                     {"rules": [r.id for r in rules], "alerts": len(alerts), "new": len(new),
                      "rules_without_data": warning.rules_without_data(rules, series)})
        s.expunge_all()
    return new


def list_alerts(db: Database, user: User | None) -> list[MonitoringAlert]:
    require_login(user)
    with db.transaction() as s:
        found = list(s.scalars(select(MonitoringAlert).order_by(MonitoringAlert.id.desc()).limit(5000)))
        s.expunge_all()
    return found


def alerts_csv(alerts: list[MonitoringAlert]) -> bytes:
    return warning.alerts_csv([warning.Alert(a.rule_id, a.severity, a.series, a.unit_code, a.unit_name,
                                             a.period, a.message, a.responsible, a.evidence)
                               for a in alerts])
