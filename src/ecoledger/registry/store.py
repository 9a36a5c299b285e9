"""The registry's tables (SQLAlchemy models on the platform's ``Base``; migration branch
``registry``, ``migrations/versions/registry_0001_rights_ledger_bank.py``).

``registry_rights`` holds what is registered, valued, pledged, listed, traded and retired: a
natural-resource right (``kind = "right"``: forest, water, wetland, farmland or grassland parcels
and carbon-sink parcels with a boundary; emission, energy-use and water-use quotas without one) or
a package of rights (``kind = "package"``: a 两山 bank's project of several deposited rights, its
boundary the union of theirs). One table for both, so that a serial number is unique across them
(in the database) and a pledge, a listing or a retirement names one row. A right in a package
is ``packaged``: it moves with its package and nothing else may be done to it.

Money in yuan, areas in km² (computed from the boundary in the equal-area ``EQUAL_AREA_CRS``),
boundaries as WKB in EPSG:4326 (longitude, latitude), times in UTC.

What the database itself refuses (beside the code's checks):

* a second right with the same serial number (unique);
* a second active pledge, open listing or open bank deposit of one right (partial unique indexes
  ``… WHERE released_at IS NULL`` / ``state = 'open'`` / ``ended_at IS NULL``), a second trade of
  one listing or of one winning bid, a second settlement of one trade, a second retirement of one
  right (unique), one valuation certificate backing two rights (unique);
* a pledge whose loan exceeds its loan-to-value limit × the valued amount (check constraint);
* any change or removal of a ledger entry (triggers, as for the audit log).

Migration ``registry_0002_credit_trace.py`` adds ecological credit (``registry_credit_subjects``,
``registry_credit_evidence`` and ``registry_credit_scores``, written once; ``registry_credit_appeals``,
decided once) and product batches (``registry_batches``: the batch as JSON and its stored chain head).

State changes are conditional ``UPDATE … WHERE state IN (…)`` whose row count is checked
(``ledger.transition``), after ``SELECT … FOR UPDATE`` of the right on PostgreSQL; SQLite's
writers are serialised by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from ecoledger.platform.models import Base, ImmutableRecordError, utcnow

# a right's type: parcels with a boundary, quotas without one
SPATIAL_TYPES = ("forest", "water", "wetland", "farmland", "grassland", "carbon_sink")
QUOTA_TYPES = ("emission", "energy_use", "water_use")
RIGHT_TYPES = (*SPATIAL_TYPES, *QUOTA_TYPES)
PACKAGE = "package"  # the type (and kind) of a package of rights
KINDS = ("right", PACKAGE)
STATES = ("registered", "valued", "pledged", "listed", "traded", "retired", "packaged")
LISTING_MODES = ("fixed", "auction")
LISTING_STATES = ("open", "closed", "delisted")
# China Albers, the accounting grid's equal-area CRS (ecoledger.packs.jiangxi.ACCOUNTING_CRS)
EQUAL_AREA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
LOAN_TOLERANCE_YUAN = 0.005  # half a fen: the check constraint's rounding allowance


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RegistryRight(Base):
    """A registered right or a package of rights."""

    __tablename__ = "registry_rights"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="ck_registry_rights_kind"),
        CheckConstraint(_in("type", (*RIGHT_TYPES, PACKAGE)), name="ck_registry_rights_type"),
        CheckConstraint(_in("state", STATES), name="ck_registry_rights_state"),
        # a packaged right names its package (it keeps the name when its package is retired)
        CheckConstraint("state <> 'packaged' OR package_id IS NOT NULL", name="ck_registry_rights_packaged"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="right")
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(200))
    county: Mapped[str] = mapped_column(String(12), index=True)
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)  # equal-area, from the boundary
    boundary_wkb: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # EPSG:4326
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True, default="registered")
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_rights.id"), nullable=True, index=True
    )
    bank: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the 两山 bank holding it
    demonstration: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data, labelled as such
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryValuation(Base):
    """A VEP valuation certificate (``ecoledger.applications``) attached to a right: its reference
    and figures. Added, never changed; a right's valuation is its latest."""

    __tablename__ = "registry_valuations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"), index=True)
    certificate_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # one certificate, one right
    value_yuan: Mapped[float] = mapped_column(Float)  # the certificate's present value
    p05_yuan: Mapped[float | None] = mapped_column(Float, nullable=True)  # its 90 % interval, if drawn
    p95_yuan: Mapped[float | None] = mapped_column(Float, nullable=True)
    annual_flow_yuan: Mapped[float | None] = mapped_column(Float, nullable=True)
    discount_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    horizon_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    account_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valued_on: Mapped[str] = mapped_column(String(10))  # the certificate's issue date
    issued_here: Mapped[bool] = mapped_column(Boolean, default=False)  # kept by this platform
    boundary_match: Mapped[float | None] = mapped_column(Float, nullable=True)  # intersection / union
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryPledge(Base):
    """A pledge of a valued right to a bank for a loan; released when the bank says so."""

    __tablename__ = "registry_pledges"
    __table_args__ = (
        CheckConstraint(
            f"loan_yuan > 0 AND ltv_limit > 0 AND ltv_limit <= 1 AND valued_yuan > 0 "
            f"AND loan_yuan <= ltv_limit * valued_yuan + {LOAN_TOLERANCE_YUAN}",
            name="ck_registry_pledges_ltv",
        ),
        Index(
            "uq_registry_pledges_active",
            "right_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"))
    valuation_id: Mapped[int] = mapped_column(ForeignKey("registry_valuations.id"))
    bank: Mapped[str] = mapped_column(String(200))
    loan_yuan: Mapped[float] = mapped_column(Float)
    valued_yuan: Mapped[float] = mapped_column(Float)
    ltv_limit: Mapped[float] = mapped_column(Float)
    ltv_source: Mapped[str] = mapped_column(String(500))
    rules_sha256: Mapped[str] = mapped_column(String(64))  # pledge_rules.csv as read
    start_on: Mapped[dt.date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    released_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class RegistryDeposit(Base):
    """A right deposited into a 两山 bank (生态资源储蓄); ended when the right is traded."""

    __tablename__ = "registry_deposits"
    __table_args__ = (
        Index(
            "uq_registry_deposits_open",
            "right_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"))
    bank: Mapped[str] = mapped_column(String(200))
    depositor: Mapped[str] = mapped_column(String(200))
    deposited_on: Mapped[dt.date] = mapped_column(Date)
    term_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    terms: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class RegistryListing(Base):
    """A right or package offered for sale at a price (the reserve of an auction) until ``closes_at``."""

    __tablename__ = "registry_listings"
    __table_args__ = (
        CheckConstraint(_in("mode", LISTING_MODES), name="ck_registry_listings_mode"),
        CheckConstraint(_in("state", LISTING_STATES), name="ck_registry_listings_state"),
        CheckConstraint("price_yuan > 0 AND closes_at > opens_at", name="ck_registry_listings_terms"),
        Index(
            "uq_registry_listings_open",
            "right_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    price_yuan: Mapped[float] = mapped_column(Float)
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # traded | unsold | delisted
    listed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RegistryBid(Base):
    __tablename__ = "registry_bids"
    __table_args__ = (CheckConstraint("price_yuan > 0", name="ck_registry_bids_price"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("registry_listings.id"), index=True)
    bidder: Mapped[str] = mapped_column(String(64))
    price_yuan: Mapped[float] = mapped_column(Float)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryTrade(Base):
    """The matched trade of a listing: one per listing and per bid, in the database."""

    __tablename__ = "registry_trades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("registry_listings.id"), unique=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("registry_bids.id"), unique=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"), index=True)
    seller: Mapped[str] = mapped_column(String(200))
    buyer: Mapped[str] = mapped_column(String(64))
    price_yuan: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(32))  # fixed-first-acceptable | auction-highest
    matched_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistrySettlement(Base):
    """The payment of a trade, recorded once."""

    __tablename__ = "registry_settlements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("registry_trades.id"), unique=True)
    amount_yuan: Mapped[float] = mapped_column(Float)
    reference: Mapped[str] = mapped_column(String(200))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryRetirement(Base):
    """A right retired (cancelled, or used up: an offset, a quota surrendered): once, in the database."""

    __tablename__ = "registry_retirements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_rights.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    beneficiary: Mapped[str] = mapped_column(String(200), default="")
    retired_by: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryLedgerEntry(Base):
    """Append-only: ``hash`` = HMAC-SHA256 (the audit key) over the previous hash and the entry's
    canonical JSON (``ledger.entry_hash``)."""

    __tablename__ = "registry_ledger"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object: Mapped[str] = mapped_column(String(80), index=True)  # right:<serial> | package:<serial>
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("hash"),)


class RegistryLedgerHead(Base):
    """One row (``id = 1``, made by the migration): the ledger's last sequence number and hash;
    writers lock it to append, so concurrent writers extend one chain."""

    __tablename__ = "registry_ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY = (
    RegistryLedgerEntry,
    RegistryValuation,
    RegistryBid,
    RegistryTrade,
    RegistrySettlement,
    RegistryRetirement,
)


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_records(session, _context, _instances) -> None:
    """The ledger and the records of what happened (valuations, bids, trades, settlements,
    retirements) are written once, never changed or deleted through the ORM."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRecordError(f"{type(obj).__name__} rows are append-only")


# --- ecological credit and traceability on the platform (migration registry_0002) -----------------

CREDIT_SUBJECT_TYPES = ("enterprise", "village", "individual")  # ecoledger.registry.credit.SUBJECT_TYPES
APPEAL_STATES = ("pending", "upheld", "rejected")


class RegistryCreditSubject(Base):
    """An enterprise, village or individual scored under a credit rule (``registry.credit``); its
    ``subject_id`` is the name it trades under (a right's owner, a bidder's user name)."""

    __tablename__ = "registry_credit_subjects"
    __table_args__ = (
        CheckConstraint(_in("subject_type", CREDIT_SUBJECT_TYPES), name="ck_registry_credit_subjects_type"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), unique=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryCreditEvidence(Base):
    """One recorded value of an indicator, veto or condition of a subject, with what proves it."""

    __tablename__ = "registry_credit_evidence"
    __table_args__ = (UniqueConstraint("subject_pk", "evidence_id", name="uq_registry_credit_evidence_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("registry_credit_subjects.id"), index=True)
    evidence_id: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryCreditScore(Base):
    """A score of a subject (``credit.score_subject``): its published fields, and the whole record
    (``CreditScore.to_dict()``) with its SHA-256 ``digest``. Added, never changed; the latest counts."""

    __tablename__ = "registry_credit_scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("registry_credit_subjects.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[str] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: withheld or no value
    coverage: Mapped[float] = mapped_column(Float)
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    blocks_listing: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # upheld appeals applied
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(64))
    scored_by: Mapped[str] = mapped_column(String(64))
    scored_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RegistryCreditAppeal(Base):
    """An appeal against one evidence record of a subject's score: pending → upheld | rejected (once)."""

    __tablename__ = "registry_credit_appeals"
    __table_args__ = (
        CheckConstraint(_in("status", APPEAL_STATES), name="ck_registry_credit_appeals_status"),
        UniqueConstraint("subject_pk", "appeal_id", name="uq_registry_credit_appeal_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_pk: Mapped[int] = mapped_column(ForeignKey("registry_credit_subjects.id"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("registry_credit_scores.id"))  # the score appealed
    appeal_id: Mapped[str] = mapped_column(String(64))
    evidence_id: Mapped[str] = mapped_column(String(64))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    filed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    corrected_value: Mapped[float | None] = mapped_column(Float, nullable=True)


class RegistryBatch(Base):
    """A product batch (``registry.trace``): the whole batch as JSON (``trace.batch_to_dict``) and
    the chain head the registry stored at its last append (``trace.verify`` compares them)."""

    __tablename__ = "registry_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # the trace code, normalised
    batch: Mapped[dict] = mapped_column(JSON)
    head: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


APPEND_ONLY = (*APPEND_ONLY, RegistryCreditEvidence, RegistryCreditScore)
