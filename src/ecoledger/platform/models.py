"""The store's tables (SQLAlchemy 2 declarative models).

Every change goes through ``ecoledger.platform.services``; the schema itself is created and
upgraded by Alembic migrations (``migrations/``), never by ``create_all`` in production.
Money is in yuan, areas in km², times in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession

ROLES = ("viewer", "submitter", "reviewer", "administrator")
SUBMISSION_STATUSES = ("pending", "accepted", "returned")
# "superseded" is not stored: a published run is never changed, its successor names it.
RUN_STATUSES = ("queued", "running", "provisional", "published", "failed", "interrupted")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict: JSON, list: JSON}


class Unit(Base):
    """An administrative unit: province, city or county, with its boundary (GeoJSON, EPSG:4326)."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), nullable=True)
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    geometry: Mapped[str | None] = mapped_column(Text, nullable=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    units: Mapped[list[UserUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def unit_codes(self) -> list[str]:
        return sorted(u.unit_code for u in self.units)


class UserUnit(Base):
    """Binds a submitter to a unit it may submit for (and read unpublished results of)."""

    __tablename__ = "user_units"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)


class Session(Base):
    """A login session; only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LoginFailure(Base):
    """Failed logins, counted per user name and per client address for rate limiting."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ParameterTable(Base):
    """One version of the parameter table: the full CSV text, keyed by its content version."""

    __tablename__ = "parameter_tables"
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)


class Submission(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[list[SubmissionRow]] = relationship(
        cascade="all, delete-orphan", order_by="SubmissionRow.row", lazy="selectin")
    submitter: Mapped[User] = relationship(foreign_keys=[submitted_by], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewed_by], lazy="joined")


class SubmissionRow(Base):
    __tablename__ = "submission_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text, default="")
    value_canonical: Mapped[float] = mapped_column(Float)
    canonical_unit: Mapped[str] = mapped_column(String(32))


class Run(Base):
    """An accounting run. Once provisional its inputs and outputs are fixed; once published,
    nothing about it changes: a correction is a new run whose ``supersedes_id`` names it."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    profile: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16), default="platform")  # platform | import
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    parameter_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    code_version: Mapped[str] = mapped_column(String(32), default="")
    statistics_sha256: Mapped[str] = mapped_column(String(64), default="")
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    gep_yuan: Mapped[float | None] = mapped_column(Float, nullable=True)
    archive: Mapped[str] = mapped_column(String(255), default="")
    starter: Mapped[User | None] = relationship(foreign_keys=[started_by], lazy="joined")
    publisher: Mapped[User | None] = relationship(foreign_keys=[published_by], lazy="joined")


class AccountRow(Base):
    """One row of a run's accounts (unit × item × ecosystem), as in ``accounts.csv``."""

    __tablename__ = "account_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    year: Mapped[int] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(16))
    service: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    item_zh: Mapped[str] = mapped_column(String(64))
    ecosystem: Mapped[str] = mapped_column(String(16))
    physical_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    physical_unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_unit: Mapped[str] = mapped_column(String(24))
    value_yuan: Mapped[float | None] = mapped_column(Float, nullable=True)
    data_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    note_zh: Mapped[str] = mapped_column(Text, default="", server_default="")  # migration 0003

    __table_args__ = (Index("ix_account_rows_run_unit", "run_id", "unit_code"),)


class AuditEntry(Base):
    """Append-only log; ``hash`` = SHA-256 of the previous hash and this entry's content."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("hash"),)


class AuditHead(Base):
    """One row holding the chain's last sequence number and hash; writers lock it to append."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class ImmutableRecordError(RuntimeError):
    """Code tried to change a record the platform never changes once written."""


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_records(session, _context, _instances) -> None:
    """Published runs, account rows and audit entries are written once, never changed or deleted."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, (AccountRow, AuditEntry)) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRecordError(f"{type(obj).__name__} rows are append-only")
        if isinstance(obj, Run) and session.is_modified(obj):
            before = inspect(obj).attrs.status.history.deleted
            if (before[0] if before else obj.status) == "published" or obj in session.deleted:
                raise ImmutableRecordError(f"run {obj.id} is published and cannot change")
