"""The platform tables of `ecoledger.carbon` (SQLAlchemy models on the platform's `Base`).

``carbon_claims``: the one claims table across inventory, sinks, inclusion and labels.
``carbon_ledger``: the carbon-inclusion points ledger, one hash chain per account (append-only:
nothing updates or deletes a row; ``ecoledger.carbon.ledger.verify_chain`` finds a change).
``carbon_labels``: issued carbon labels, with the record and its SHA-256.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecoledger.carbon.ledger import HASHED
from ecoledger.platform.models import Base, utcnow


class CarbonClaim(Base):
    __tablename__ = "carbon_claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(100))
    asset: Mapped[str] = mapped_column(String(200), index=True)
    year_from: Mapped[int] = mapped_column(Integer)
    year_to: Mapped[int] = mapped_column(Integer)
    tonnes: Mapped[float] = mapped_column(Float)
    source_module: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CarbonLedgerEntry(Base):
    __tablename__ = "carbon_ledger"
    __table_args__ = (UniqueConstraint("account", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(32), default="")
    activity: Mapped[float | None] = mapped_column(Float, nullable=True)
    reduction_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    points: Mapped[int] = mapped_column(Integer)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    expires_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def as_entry(self) -> dict:
        return {c: getattr(self, c) for c in (*HASHED, "prev_hash", "hash")}


class CarbonLabel(Base):
    __tablename__ = "carbon_labels"
    label_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[dict] = mapped_column(JSON)
    record_sha256: Mapped[str] = mapped_column(String(64))
    footprint: Mapped[dict] = mapped_column(JSON)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
