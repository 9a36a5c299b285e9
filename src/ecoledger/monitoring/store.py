"""The platform tables of `ecoledger.monitoring` (SQLAlchemy models on the platform's `Base`).

``monitoring_uploads``: one accepted file of surface-water records (a refused file stores nothing).
``monitoring_records``: its rows, in canonical units (``records.normalise``).
``monitoring_alerts``: alerts raised by the early-warning rules; one per rule, series, unit and
period (re-evaluating the rules adds only new alerts).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecoledger.platform.models import Base, utcnow


class MonitoringUpload(Base):
    __tablename__ = "monitoring_uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer)
    table_versions: Mapped[dict] = mapped_column(JSON, default=dict)


class MonitoringRecord(Base):
    __tablename__ = "monitoring_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("monitoring_uploads.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(100), index=True)
    water_type: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(12), default="")
    basin: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[str] = mapped_column(String(10), index=True)
    parameter: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    reported: Mapped[str] = mapped_column(String(100))
    below_detection: Mapped[bool] = mapped_column(Boolean, default=False)


class MonitoringAlert(Base):
    __tablename__ = "monitoring_alerts"
    __table_args__ = (UniqueConstraint("rule_id", "series", "unit_code", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    series: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(String(100))
    unit_name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    rules_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
