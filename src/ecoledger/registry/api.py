"""API routes of the registry on the platform: ``/api/v1/registry/...``.

Who may do what (``@allow`` beside each route; ``tests/test_platform_policy.py`` checks them all):

* anyone — the open and past listings (the market), the register of pledged value per county,
  the cited loan-to-value table, and whether the ledger's chain verifies; a credit subject's
  current score (its published fields: rule, score, grade, coverage, dates, digest — no evidence);
  a trace code's lookup (``/api/v1/registry/trace/{trace_code}`` and the page ``/trace/{trace_code}``);
* logged-in users — the rights register and the trades; a bid on a listing, in their own name;
* reviewers and administrators (the registration authority, the 两山 bank's and the banks'
  clerks) — registering rights (one by one, or a parcel file: ``POST /api/v1/registry/rights/upload``),
  attaching valuations, pledges and releases, deposits, packages,
  listings, delistings, closing an auction (before its term's end: administrators only),
  settlements, retirements, and reading the ledger and the pledges; credit subjects, evidence,
  scores, appeals and their decisions; product batches, their steps and certificates (the
  platform has no producer role: a producer's records are entered by the staff).

Parcel upload: a GeoPackage or a zip of a shapefile or GeoPackage (multipart ``file``, at most
16 MiB: the route's own entry in ``platform.app.ROUTE_LIMITS``, the request guard's per-route limit)
is read and checked by ``registry.parcels`` and checked for overlaps with the registered parcels of
the same right type (ownership, use, management; a right registered without one overlaps any);
then every parcel is registered through ``ledger.register`` (one ledger entry each) in one
transaction, or none: 422 lists every problem (file, feature, field, message, fix) in the request's
language (``?lang=``, the language cookie, Accept-Language; zh by default), both languages beside.

Credit (``registry.credit``): a subject's score is computed from its evidence records dated on or
before the evaluation day under the rule in force for its type (a template rule refuses to score);
scores are stored whole with their digest and never changed; an appeal is filed against an
evidence record of the current score, decided once, and the appealed score is re-scored (a new
score row, the evaluation day kept). ``credit_check`` is registered with ``bank.register_check``
for listings, bids and matches: a party (a right's owner, a bidder's user name) whose latest score
is unexpired and of a grade ``credit.may_list`` blocks is refused with 409. Its ledger entries
are named ``credit:<subject id>``.

Traceability (``registry.trace``): a batch is stored whole as JSON with the chain head the registry
wrote last; a step or certificate is appended only to a batch whose stored chain verifies. Its
ledger entries are named ``batch:<batch id>``. An unknown or mistyped code answers 404 (the page
shows its unknown or invalid state).

Every change is one transaction with its ledger entry and its audit entry; unsafe requests carry
the CSRF token (``X-CSRF-Token``). A right or package is named by its serial number in the path
(``{code}``). Refusals: 400 for an input the registry refuses, 404 for an unknown right, package or
trade, 409 for a change the state (or a concurrent change) does not allow; each with ``detail`` in
English and ``detail_zh`` in Chinese.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ecoledger import messages
from ecoledger.errors import EcoledgerError, Problem
from ecoledger.platform import app as platform_app
from ecoledger.platform.deps import (
    CsrfHeader,
    UserDep,
    check_csrf,
    enforce_access,
    platform,
    request_language,
)
from ecoledger.platform.models import utcnow
from ecoledger.platform.policy import AccessDenied, allow, require_login, require_role
from ecoledger.registry import bank, credit, finance, ledger, parcels, trace
from ecoledger.registry.ledger import RegistryConflict, RegistryNotFound, RegistryRefused
from ecoledger.registry.store import (
    KINDS,
    LISTING_STATES,
    RIGHT_TYPES,
    STATES,
    RegistryBatch,
    RegistryCreditAppeal,
    RegistryCreditEvidence,
    RegistryCreditScore,
    RegistryCreditSubject,
    RegistryRight,
)

router = APIRouter(dependencies=[Depends(enforce_access)])  # every route declares @allow(...)

PLAIN = r"^[^\x00-\x1f\x7f]*$"  # no control characters (nor NUL, which PostgreSQL refuses in text)
SERIAL = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
Code = Annotated[str, Path(max_length=64, pattern=SERIAL, description="serial number of a right or package")]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=PLAIN)]
Note = Annotated[str, Field(max_length=500, pattern=PLAIN)]
Serial = Annotated[str, Field(max_length=64, pattern=SERIAL)]
Day = Annotated[dt.date, Field(ge=dt.date(1990, 1, 1), le=dt.date(2200, 12, 31))]
Yuan = Annotated[float, Field(gt=0, le=1e13)]
STAFF = ("reviewer", "administrator")
RightType = Literal[RIGHT_TYPES]  # type: ignore[valid-type]


def _db(request: Request):
    return platform(request).db


def _staff(request: Request, user, token: str | None) -> str:
    check_csrf(request, token)
    return require_role(user, *STAFF).username


# --- reading ----------------------------------------------------------------------------------------


@router.get("/api/v1/registry/rights", summary="The rights register: rights and packages, filtered")
@allow("logged-in")
def list_rights(
    request: Request,
    serial: Annotated[str | None, Query(max_length=64, pattern=SERIAL)] = None,
    county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    type: Annotated[Literal[(*RIGHT_TYPES, "package")] | None, Query()] = None,  # type: ignore[valid-type]
    state: Annotated[Literal[STATES] | None, Query()] = None,  # type: ignore[valid-type]
    kind: Annotated[Literal[KINDS] | None, Query()] = None,  # type: ignore[valid-type]
    owner: Annotated[str | None, Query(max_length=200, pattern=PLAIN)] = None,
    geometry: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict]:
    query = select(RegistryRight)
    for column, value in (
        (RegistryRight.serial, serial),
        (RegistryRight.county, county),
        (RegistryRight.type, type),
        (RegistryRight.state, state),
        (RegistryRight.kind, kind),
        (RegistryRight.owner, owner),
    ):
        if value is not None:
            query = query.where(column == value)
    with _db(request).transaction(write=False) as s:
        rights = s.execute(query.order_by(RegistryRight.serial).limit(limit).offset(offset)).scalars().all()
        return [ledger.describe(s, r, geometry=geometry) for r in rights]


@router.get("/api/v1/registry/listings", summary="Listings of rights and packages (the market)")
@allow("anyone")
def list_listings(
    request: Request,
    state: Annotated[Literal[(*LISTING_STATES, "all")], Query()] = "open",  # type: ignore[valid-type]
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict]:
    with _db(request).transaction(write=False) as s:
        return bank.listings(s, None if state == "all" else state, limit, offset)


@router.get("/api/v1/registry/trades", summary="Matched trades, with their settlement")
@allow("logged-in")
def list_trades(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict]:
    with _db(request).transaction(write=False) as s:
        return bank.trades(s, limit, offset)


@router.get("/api/v1/registry/pledges", summary="Pledges (active ones unless asked), with their terms")
@allow("staff")
def list_pledges(
    request: Request,
    active: bool = True,
    county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> list[dict]:
    with _db(request).transaction(write=False) as s:
        return finance.pledges(s, active, county)


@router.get("/api/v1/registry/pledged", summary="The register of pledged value per county")
@allow("anyone")
def pledged(request: Request) -> list[dict]:
    with _db(request).transaction(write=False) as s:
        return finance.pledged_by_county(s)


@router.get("/api/v1/registry/pledge-rules", summary="The cited loan-to-value table, and which rows apply")
@allow("anyone")
def pledge_rules() -> dict:
    rules, digest = finance.read_rules()
    return {
        "file": finance.RULES_FILE,
        "sha256": digest,
        "basis_applied": finance.BASIS,
        "rules": [{**r.as_dict(), "applied": r.basis == finance.BASIS} for r in rules],
    }


@router.get("/api/v1/registry/ledger", summary="Ledger entries (reviewers, administrators)")
@allow("staff")
def ledger_entries(
    request: Request,
    object: Annotated[str | None, Query(max_length=80, pattern=PLAIN)] = None,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    with _db(request).transaction(write=False) as s:
        return ledger.entries(s, object, after, limit)


@router.get("/api/v1/registry/ledger/verify", summary="Does the registry ledger's hash chain verify?")
@allow("anyone")
def verify_ledger(request: Request) -> dict:
    with _db(request).transaction(write=False) as s:
        return ledger.verify(s).as_dict()


# --- registering and valuing ------------------------------------------------------------------------


class RightIn(BaseModel):
    serial: Serial
    type: RightType
    owner: Name
    county: str = Field(pattern=r"^\d{6}$", description="the county's adcode")
    name: Annotated[str, Field(max_length=200, pattern=PLAIN)] = ""
    boundary: dict | None = Field(
        None, description="GeoJSON Polygon or MultiPolygon, EPSG:4326 (parcel types)"
    )
    attributes: dict = Field(
        default_factory=dict, description="carbon_sink: tonnes_co2, year_from, year_to, asset"
    )
    demonstration: bool = False


@router.post(
    "/api/v1/registry/rights", status_code=201, summary="Register a right (reviewers, administrators)"
)
@allow("staff", refuses=(409,))
def register_right(request: Request, body: RightIn, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        right = ledger.register(s, actor, **body.model_dump())
        return ledger.describe(s, right)


class ValuationIn(BaseModel):
    certificate_sha256: str | None = Field(
        None, pattern=r"^[0-9a-fA-F]{64}$", description="a certificate this platform issued"
    )
    certificate: dict | None = Field(None, description="a VEP certificate JSON, whole")


@router.post(
    "/api/v1/registry/rights/{code}/valuation",
    status_code=201,
    summary="Attach a VEP valuation certificate to a right or package",
)
@allow("staff", refuses=(409,))
def attach_valuation(
    request: Request, code: Code, body: ValuationIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        finance.attach_valuation(s, actor, code, body.certificate, body.certificate_sha256)
        return ledger.describe(s, ledger.lock(s, code))


class PledgeIn(BaseModel):
    bank: Name
    loan_yuan: Yuan
    term_months: int = Field(ge=1, le=600)
    start_on: Day
    ltv_limit: float | None = Field(None, gt=0, le=1, description="the lending bank's loan-to-value limit")


@router.post(
    "/api/v1/registry/rights/{code}/pledge",
    status_code=201,
    summary="Register a pledge within the loan-to-value limit",
)
@allow("staff", refuses=(409,))
def pledge(
    request: Request, code: Code, body: PledgeIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = finance.pledge(
            s,
            actor,
            code,
            bank=body.bank,
            loan_yuan=body.loan_yuan,
            term_months=body.term_months,
            start_on=body.start_on,
            ltv=body.ltv_limit,
        )
        return finance.pledge_record(row, code)


class ReleaseIn(BaseModel):
    released_on: Day | None = None
    bank: Annotated[str | None, Field(max_length=200, pattern=PLAIN)] = None


@router.post("/api/v1/registry/rights/{code}/release", summary="Release the active pledge of a right")
@allow("staff", refuses=(409,))
def release(
    request: Request, code: Code, body: ReleaseIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        return finance.pledge_record(finance.release(s, actor, code, body.released_on, body.bank), code)


# --- the bank and the market ------------------------------------------------------------------------


class DepositIn(BaseModel):
    bank: Name
    depositor: Annotated[str | None, Field(max_length=200, pattern=PLAIN)] = None
    deposited_on: Day | None = None
    term_years: int | None = Field(None, ge=1, le=70)
    terms: Note = ""


@router.post(
    "/api/v1/registry/rights/{code}/deposit", status_code=201, summary="Deposit a right into a 两山 bank"
)
@allow("staff", refuses=(409,))
def deposit(
    request: Request, code: Code, body: DepositIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = bank.deposit(s, actor, code, **body.model_dump())
        return {
            "id": row.id,
            "serial": code,
            "bank": row.bank,
            "depositor": row.depositor,
            "deposited_on": row.deposited_on.isoformat(),
            "term_years": row.term_years,
            "terms": row.terms,
        }


class PackageIn(BaseModel):
    serial: Serial
    bank: Name
    members: list[Serial] = Field(min_length=2, max_length=500)
    name: Annotated[str, Field(max_length=200, pattern=PLAIN)] = ""
    demonstration: bool = False


@router.post(
    "/api/v1/registry/packages", status_code=201, summary="Package rights deposited in a bank into a project"
)
@allow("staff", refuses=(404, 409))
def make_package(request: Request, body: PackageIn, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        return ledger.describe(s, bank.package(s, actor, **body.model_dump()))


class ListingIn(BaseModel):
    price_yuan: Yuan
    term_days: int = Field(ge=1, le=bank.MAX_TERM_DAYS)
    mode: Literal["fixed", "auction"] = "fixed"


@router.post(
    "/api/v1/registry/rights/{code}/listing",
    status_code=201,
    summary="List a right or package at a price for a term",
)
@allow("staff", refuses=(409,))
def list_right(
    request: Request, code: Code, body: ListingIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = bank.list_right(s, actor, code, **body.model_dump())
        return {
            "id": row.id,
            "serial": code,
            "mode": row.mode,
            "rule": bank.RULES[row.mode],
            "price_yuan": row.price_yuan,
            "opens_at": row.opens_at.isoformat() + "Z",
            "closes_at": row.closes_at.isoformat() + "Z",
            "state": row.state,
        }


@router.post("/api/v1/registry/rights/{code}/delist", summary="Withdraw the open listing of a right")
@allow("staff", refuses=(409,))
def delist(request: Request, code: Code, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = bank.delist(s, actor, code)
        return {"id": row.id, "serial": code, "state": row.state, "outcome": row.outcome}


class BidIn(BaseModel):
    price_yuan: Yuan


@router.post(
    "/api/v1/registry/rights/{code}/bids",
    status_code=201,
    summary="Bid on the open listing of a right (in the caller's name); a fixed listing trades at once",
)
@allow("logged-in", objects="own", refuses=(409,))
def place_bid(
    request: Request, code: Code, body: BidIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    check_csrf(request, x_csrf_token)
    bidder = require_login(user).username
    with _db(request).transaction() as s:
        return bank.bid(s, bidder, code, body.price_yuan)


class CloseIn(BaseModel):
    force: bool = Field(False, description="close before the term's end (administrators)")


@router.post(
    "/api/v1/registry/rights/{code}/close",
    summary="Close the open listing of a right: the highest valid bid trades, else unsold",
)
@allow("staff", refuses=(409,))
def close(
    request: Request, code: Code, body: CloseIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    if body.force and user.role != "administrator":
        raise AccessDenied(
            "closing before the term's end needs the role administrator", "提前结束竞价需要管理员角色"
        )
    with _db(request).transaction() as s:
        return bank.close(s, actor, code, force=body.force)


class SettlementIn(BaseModel):
    trade_id: int = Field(ge=1, le=2**31 - 1)
    amount_yuan: Yuan
    reference: Name
    paid_on: Day


@router.post(
    "/api/v1/registry/rights/{code}/settlement",
    status_code=201,
    summary="Record the payment of a trade of a right",
)
@allow("staff", refuses=(409,))
def settle(
    request: Request, code: Code, body: SettlementIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = bank.settle(s, actor, code, **body.model_dump())
        return {
            "id": row.id,
            "serial": code,
            "trade_id": row.trade_id,
            "amount_yuan": row.amount_yuan,
            "reference": row.reference,
            "paid_on": row.paid_on.isoformat(),
        }


class RetireIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=PLAIN)]
    beneficiary: Annotated[str, Field(max_length=200, pattern=PLAIN)] = ""


@router.post("/api/v1/registry/rights/{code}/retire", summary="Retire a right or package (final)")
@allow("staff", refuses=(409,))
def retire(
    request: Request, code: Code, body: RetireIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        row = bank.retire(s, actor, code, **body.model_dump())
        return {
            "id": row.id,
            "serial": code,
            "reason": row.reason,
            "beneficiary": row.beneficiary,
            "retired_at": row.retired_at.isoformat() + "Z",
        }


# --- parcel upload: rights registered from a GeoPackage or zipped shapefile ------------------------

UPLOAD_PATH = "/api/v1/registry/rights/upload"
# the request guard's limit for this route: a parcel file (parcels.LIMITS) plus the form's other fields
platform_app.ROUTE_LIMITS[("POST", UPLOAD_PATH)] = parcels.LIMITS.upload_bytes + 64 * 1024
PARCEL_TYPES = ("forest", "water", "wetland", "farmland", "grassland")  # registry.parcels' types
PARCEL_LOCK = 0x72656769  # PostgreSQL advisory lock of parcel uploads ("regi"); SQLite: BEGIN IMMEDIATE
messages.register(
    {
        "refused": ("文件未通过校验，未登记任何宗地", "the file was refused; no parcel was registered"),
        "overlap": (
            "宗地 `{a}` 与{other} `{b}` 重叠 {area} m²（同一权利类型 {right}、有效期相交）",
            "parcel {a} overlaps {other_en} {b} by {area} m² (same right type {right_en}, periods meet)",
        ),
        "overlap.upload": ("同一文件中的宗地", "parcel"),
        "overlap.registered": ("已登记的宗地", "the registered parcel"),
        "overlap.fix": (
            "核对两宗地的边界，修正后重新上传；同一权利不能登记两次",
            "check both boundaries and upload again; a right cannot be registered twice",
        ),
        "registered": ("编号 `{serial}` 已登记", "serial {serial} is registered already"),
        "registered.fix": (
            "换用未登记的编号，或从文件中删去该宗地",
            "use a serial not yet registered, or remove the parcel",
        ),
        "serial": ("编号 `{serial}` 不能用作登记编号", "serial {serial} cannot be a registry serial"),
        "serial.fix": (
            "1–64 个字母、数字或 . _ : -，以字母或数字开头",
            "1–64 letters, digits and . _ : -, starting with a letter or digit",
        ),
        "row": ("宗地 `{serial}` 不能登记：{reason_zh}", "parcel {serial} cannot be registered: {reason}"),
        "row.fix": (
            "按上述说明修正该宗地后重新上传",
            "correct the parcel as the message says and upload again",
        ),
    },
    prefix="registry.upload.",
)


def _problem(file: str, where: str, key: str, **fields) -> Problem:
    return Problem.keyed(file, where, f"registry.upload.{key}", **fields)


class _Refused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("refused")
        self.problems = problems


def _refusal(problems: list[Problem], lang: str) -> JSONResponse:
    head = messages.text("registry.upload.refused", lang)
    return JSONResponse(
        {
            "detail": head,
            "detail_zh": messages.text("registry.upload.refused", "zh"),
            "lang": lang,
            "problems": [p.as_dict(lang) for p in problems],
        },
        status_code=422,
    )


def _registered_parcels(session, types: set[str]):
    """The registered parcels of ``types`` (not retired) as a GeoDataFrame in EPSG:4326."""
    import geopandas as gpd
    import shapely

    rows = session.execute(
        select(RegistryRight).where(
            RegistryRight.kind == "right",
            RegistryRight.type.in_(sorted(types)),
            RegistryRight.state != "retired",
            RegistryRight.boundary_wkb.is_not(None),
        )
    ).scalars()
    records = [
        {
            "serial": r.serial,
            "type": r.type,
            "owner": r.owner,
            "right_type": (r.attributes or {}).get("right_type"),  # None: not recorded (matches any)
            "valid_from": (r.attributes or {}).get("valid_from"),
            "valid_to": (r.attributes or {}).get("valid_to"),
            "fid": None,
            "geometry": shapely.from_wkb(r.boundary_wkb),
        }
        for r in rows
    ]
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326") if records else None


@router.post(
    UPLOAD_PATH,
    status_code=201,
    summary="Register the parcels of a GeoPackage or zipped shapefile as rights, all or none",
    description="Multipart field `file` (at most 16 MiB). The parcels are read and checked "
    "(`ecoledger.registry.parcels`), also for overlaps with the registered parcels of the same right "
    "type; any problem refuses the whole file (422, every problem with file, feature, field and fix "
    "in the request's language: `?lang=`, the language cookie or Accept-Language).",
)
@allow("staff", refuses=(409,))
def upload_parcels(
    request: Request,
    user: UserDep,
    file: Annotated[UploadFile, File(description="GeoPackage (.gpkg) or zip of a shapefile or GeoPackage")],
    demonstration: Annotated[bool, Form()] = False,
    x_csrf_token: CsrfHeader = None,
):
    actor = _staff(request, user, x_csrf_token)
    lang = request_language(request)
    content = file.file.read(parcels.LIMITS.upload_bytes + 1)
    name = file.filename or "upload"
    state = platform(request)
    try:
        found = parcels.read_parcels_upload(name, content, pack=state.settings.pack)
    except parcels.ParcelError as exc:
        return _refusal(list(exc.problems), lang)
    try:
        made = _register_parcels(request, actor, found, demonstration)
    except _Refused as exc:
        return _refusal(exc.problems, lang)
    return JSONResponse(
        {
            "registered": made,
            "count": len(made),
            "file": found.file,
            "area_crs": found.area_crs.crs,
            "warnings": [p.as_dict(lang) for p in found.warnings],
        },
        status_code=201,
    )


def _register_parcels(request: Request, actor: str, found, demonstration: bool) -> list[dict]:
    """All the parcels registered in one transaction, or none (``_Refused`` with every problem)."""
    frame = found.parcels
    problems: list[Problem] = []
    with _db(request).transaction() as s:
        if s.get_bind().dialect.name == "postgresql":  # one parcel upload at a time: the overlap check
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARCEL_LOCK})  # sees the last one's
        others = _registered_parcels(s, set(frame["type"]))
        checks = parcels.check_parcels(found, others=others, same_right_type=False)
        right_of = {r.serial: r.right_type for r in others.itertuples()} if others is not None else {}
        n_new = set(frame["serial"])
        for o in checks.overlaps.itertuples():
            registered = o.serial_b not in n_new or (o.fid_b is None or o.fid_b != o.fid_b)
            right_b = right_of.get(o.serial_b) if registered else o.right_type
            if right_b is not None and right_b != o.right_type:
                continue  # rights of different types may share ground
            which = "registered" if registered else "upload"
            problems.append(
                _problem(
                    found.file,
                    f"fid {o.fid_a} · serial",
                    "overlap",
                    a=o.serial_a,
                    b=o.serial_b,
                    area=f"{o.overlap_m2:,.1f}",
                    other=messages.text(f"registry.upload.overlap.{which}", "zh"),
                    other_en=messages.text(f"registry.upload.overlap.{which}", "en"),
                    right=parcels.label("right_type", o.right_type, "zh"),
                    right_en=parcels.label("right_type", o.right_type, "en"),
                )
            )
        taken = set(
            s.execute(select(RegistryRight.serial).where(RegistryRight.serial.in_(sorted(n_new)))).scalars()
        )
        for row in frame.itertuples():
            where = f"fid {row.fid} · serial"
            if not ledger.SERIAL.match(str(row.serial)):
                problems.append(_problem(found.file, where, "serial", serial=row.serial))
            elif row.serial in taken:
                problems.append(_problem(found.file, where, "registered", serial=row.serial))
        if problems:
            raise _Refused(problems)
        from shapely.geometry import mapping

        lonlat = frame.to_crs("EPSG:4326")
        made = []
        for row, boundary in zip(frame.itertuples(), lonlat.geometry, strict=True):
            attributes = {
                "right_type": row.right_type,
                "owner_type": row.owner_type,
                "valid_from": row.valid_from,
                "valid_to": getattr(row, "valid_to", None),
                "area_m2": float(row.area_m2),
                "source_file": found.file,
                "fid": int(row.fid) if str(row.fid).lstrip("-").isdigit() else str(row.fid),
            }
            try:
                right = ledger.register(
                    s,
                    actor,
                    serial=str(row.serial),
                    type=row.type,
                    owner=row.owner,
                    county=row.county,
                    boundary=mapping(boundary),
                    attributes=attributes,
                    demonstration=demonstration,
                )
            except ledger.RegistryRefused as exc:
                problems.append(
                    _problem(
                        found.file,
                        f"fid {row.fid}",
                        "row",
                        serial=row.serial,
                        reason=exc.message,
                        reason_zh=exc.message_zh,
                    )
                )
                continue
            made.append(ledger.describe(s, right))
        if problems:
            raise _Refused(problems)  # the transaction is rolled back: nothing registered
        return made


# --- ecological credit: subjects, evidence, scores, appeals; the listing check ---------------------

SubjectId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00-\x1f\x7f/]*$",
        description="the subject's id: the name it trades under",
    ),
]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


def _subject_object(subject_id: str) -> SimpleNamespace:
    """What ``ledger.append`` names an entry's object by (``credit:<subject id>``)."""
    return SimpleNamespace(kind="credit", serial=subject_id)


def _credit_refused(exc: EcoledgerError) -> RegistryRefused:
    return RegistryRefused(exc.in_language("en"), exc.in_language("zh"))


def _subject(session, subject_id: str, lock: bool = False) -> RegistryCreditSubject:
    query = select(RegistryCreditSubject).where(RegistryCreditSubject.subject_id == subject_id)
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise RegistryNotFound(f"no credit subject {subject_id}", f"没有信用主体 {subject_id}")
    return row


def _latest_score(session, subject: RegistryCreditSubject) -> RegistryCreditScore | None:
    return session.execute(
        select(RegistryCreditScore)
        .where(RegistryCreditScore.subject_pk == subject.id)
        .order_by(RegistryCreditScore.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _evidence(session, subject: RegistryCreditSubject) -> list[credit.Evidence]:
    rows = session.execute(
        select(RegistryCreditEvidence)
        .where(RegistryCreditEvidence.subject_pk == subject.id)
        .order_by(RegistryCreditEvidence.id)
    ).scalars()
    return [
        credit.Evidence(r.evidence_id, r.indicator, r.value, r.date, r.recorded_by, r.description)
        for r in rows
    ]


def _appeals(session, subject: RegistryCreditSubject) -> list[credit.Appeal]:
    rows = session.execute(
        select(RegistryCreditAppeal)
        .where(RegistryCreditAppeal.subject_pk == subject.id)
        .order_by(RegistryCreditAppeal.id)
    ).scalars()
    return [
        credit.Appeal(
            r.appeal_id,
            r.evidence_id,
            r.filed_on,
            r.reason,
            r.filed_by,
            r.status,
            r.decided_on,
            r.decided_by or "",
            r.corrected_value,
        )
        for r in rows
    ]


def _published(
    subject: RegistryCreditSubject, row: RegistryCreditScore | None, on: dt.date | None = None
) -> dict:
    """What anyone may read of a subject's current score: no evidence, no appeals' reasons."""
    found = {
        "subject_id": subject.subject_id,
        "subject_type": subject.subject_type,
        "name": subject.name,
        "score": None,
    }
    if row is None:
        return {**found, "status": "unscored"}
    rule = credit.load_rules().get(row.rule_id)
    grade = rule.grade(row.grade) if rule is not None and row.grade else None
    today = on or dt.date.today()
    return {
        **found,
        "rule_id": row.rule_id,
        "rule_version": row.rule_version,
        "rule_name": {"zh": rule.name_zh, "en": rule.name_en} if rule else None,
        "score": row.score,
        "grade": row.grade,
        "grade_name": {"zh": grade.name_zh, "en": grade.name_en} if grade else None,
        "grade_withheld": row.record.get("grade_withheld", False),
        "coverage": row.coverage,
        "partial": row.record.get("partial", False),
        "evaluated_on": row.evaluated_on.isoformat(),
        "expires_on": row.expires_on.isoformat(),
        "status": "expired" if today >= row.expires_on else "valid",
        "blocks_listing": row.blocks_listing and today < row.expires_on,
        "revision": row.revision,
        "digest": row.digest,
    }


def _store_score(
    session, actor: str, subject: RegistryCreditSubject, score: credit.CreditScore, action: str
) -> RegistryCreditScore:
    record = score.to_dict()
    row = RegistryCreditScore(
        subject_pk=subject.id,
        rule_id=score.rule.rule_id,
        rule_version=score.rule.version,
        score=score.score,
        grade=record["grade"],
        coverage=score.coverage,
        evaluated_on=score.evaluated_on,
        expires_on=score.expires_on,
        blocks_listing=record["blocks_listing"],
        revision=score.revision,
        record=record,
        digest=score.digest(),
        scored_by=actor,
    )
    session.add(row)
    session.flush()
    ledger.append(
        session,
        actor,
        action,
        _subject_object(subject.subject_id),
        {
            "score_id": row.id,
            "rule_id": row.rule_id,
            "rule_version": row.rule_version,
            "score": row.score,
            "grade": row.grade,
            "coverage": row.coverage,
            "evaluated_on": row.evaluated_on.isoformat(),
            "expires_on": row.expires_on.isoformat(),
            "digest": row.digest,
            "revision": row.revision,
        },
    )
    return row


class SubjectIn(BaseModel):
    subject_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f/]*$")]
    subject_type: Literal[credit.SUBJECT_TYPES]  # type: ignore[valid-type]
    name: Annotated[str, Field(max_length=200, pattern=PLAIN)] = ""


@router.post(
    "/api/v1/registry/credit/subjects",
    status_code=201,
    summary="Add a credit subject (an enterprise, village or individual; reviewers, administrators)",
)
@allow("staff", refuses=(409,))
def add_subject(request: Request, body: SubjectIn, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    actor = _staff(request, user, x_csrf_token)
    try:
        credit.rule_for(body.subject_type)
    except EcoledgerError as exc:  # a type without a rule in force scores nothing: refused here
        raise _credit_refused(exc) from None
    with _db(request).transaction() as s:
        if (
            s.execute(
                select(RegistryCreditSubject.id).where(RegistryCreditSubject.subject_id == body.subject_id)
            ).first()
            is not None
        ):
            raise RegistryConflict(
                f"credit subject {body.subject_id} exists already", f"信用主体 {body.subject_id} 已存在"
            )
        subject = RegistryCreditSubject(**body.model_dump(), created_by=actor)
        s.add(subject)
        s.flush()
        ledger.append(s, actor, "credit_subject", _subject_object(subject.subject_id), body.model_dump())
        return _published(subject, None)


class EvidenceIn(BaseModel):
    evidence_id: Ident
    indicator: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    value: float = Field(ge=-1e12, le=1e12)
    date: Day
    description: Note = ""


@router.post(
    "/api/v1/registry/credit/subjects/{subject_id}/evidence",
    status_code=201,
    summary="Record an evidence record (a value of an indicator, veto or condition) of a subject",
)
@allow("staff", refuses=(409,))
def add_evidence(
    request: Request, subject_id: SubjectId, body: EvidenceIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        subject = _subject(s, subject_id, lock=True)
        rule = credit.rule_for(subject.subject_type)
        record = credit.Evidence(
            body.evidence_id, body.indicator, body.value, body.date, actor, body.description
        )
        try:  # the value must fit its indicator (unit, known code): checked as a score would
            if rule.status == "template":  # a template scores nothing, but its indicators are known
                rule.item(body.indicator)
            else:
                credit.score_subject(rule, [record], body.date, subject_id)
        except KeyError:
            raise RegistryRefused(
                f"{body.indicator}: not an indicator, veto or condition of the rule {rule.rule_id}",
                f"{body.indicator} 不是规则 {rule.rule_id} 的指标、否决项或条件",
            ) from None
        except EcoledgerError as exc:
            raise _credit_refused(exc) from None
        if (
            s.execute(
                select(RegistryCreditEvidence.id).where(
                    RegistryCreditEvidence.subject_pk == subject.id,
                    RegistryCreditEvidence.evidence_id == body.evidence_id,
                )
            ).first()
            is not None
        ):
            raise RegistryConflict(
                f"evidence {body.evidence_id} of {subject_id} is recorded already",
                f"{subject_id} 的证据 {body.evidence_id} 已记录",
            )
        row = RegistryCreditEvidence(subject_pk=subject.id, recorded_by=actor, **body.model_dump())
        s.add(row)
        s.flush()
        ledger.append(s, actor, "credit_evidence", _subject_object(subject_id), body.model_dump())
        return {"subject_id": subject_id, **body.model_dump(mode="json"), "recorded_by": actor}


class ScoreIn(BaseModel):
    evaluated_on: Day


@router.post(
    "/api/v1/registry/credit/subjects/{subject_id}/score",
    status_code=201,
    summary="Score a subject from its evidence under the rule in force for its type",
)
@allow("staff", refuses=(409,))
def score(
    request: Request, subject_id: SubjectId, body: ScoreIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        subject = _subject(s, subject_id, lock=True)
        try:
            rule = credit.rule_for(subject.subject_type)
            records = [e for e in _evidence(s, subject) if e.date <= body.evaluated_on]
            result = credit.score_subject(rule, records, body.evaluated_on, subject_id)
        except EcoledgerError as exc:
            raise _credit_refused(exc) from None
        row = _store_score(s, actor, subject, result, "credit_score")
        return {
            **_published(subject, row),
            "missing": list(result.missing),
            "notes": {lang: result.notes(lang) for lang in ("zh", "en")},
        }


@router.get(
    "/api/v1/registry/credit/subjects/{subject_id}",
    summary="A subject's current credit score: its published fields only",
)
@allow("anyone")
def read_subject(request: Request, subject_id: SubjectId) -> dict:
    with _db(request).transaction(write=False) as s:
        subject = _subject(s, subject_id)
        return _published(subject, _latest_score(s, subject))


class AppealIn(BaseModel):
    appeal_id: Ident
    evidence_id: Ident
    filed_on: Day
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=PLAIN)]
    filed_by: Annotated[str, Field(max_length=64, pattern=PLAIN)] = ""


@router.post(
    "/api/v1/registry/credit/subjects/{subject_id}/appeals",
    status_code=201,
    summary="File an appeal against one evidence record of the subject's current score",
)
@allow("staff", refuses=(409,))
def file_appeal(
    request: Request, subject_id: SubjectId, body: AppealIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        subject = _subject(s, subject_id, lock=True)
        current = _latest_score(s, subject)
        if current is None:
            raise RegistryConflict(f"{subject_id} has no score to appeal", f"{subject_id} 尚无可申诉的评分")
        try:
            rule = credit.rule_for(subject.subject_type)
            scored = credit.score_subject(
                rule,
                [
                    credit.Evidence(**{**e, "date": dt.date.fromisoformat(e["date"])})
                    for e in current.record["evidence"]
                ],
                current.evaluated_on,
                subject_id,
            )
            appeal = credit.file_appeal(
                scored, body.evidence_id, body.appeal_id, body.filed_on, body.reason, body.filed_by or actor
            )
        except EcoledgerError as exc:
            raise _credit_refused(exc) from None
        if (
            s.execute(
                select(RegistryCreditAppeal.id).where(
                    RegistryCreditAppeal.subject_pk == subject.id,
                    RegistryCreditAppeal.appeal_id == body.appeal_id,
                )
            ).first()
            is not None
        ):
            raise RegistryConflict(f"appeal {body.appeal_id} exists already", f"申诉 {body.appeal_id} 已存在")
        s.add(
            RegistryCreditAppeal(
                subject_pk=subject.id,
                score_id=current.id,
                appeal_id=appeal.appeal_id,
                evidence_id=appeal.evidence_id,
                filed_on=appeal.filed_on,
                reason=appeal.reason,
                filed_by=appeal.filed_by,
                status="pending",
            )
        )
        s.flush()
        ledger.append(
            s,
            actor,
            "credit_appeal",
            _subject_object(subject_id),
            {**body.model_dump(mode="json"), "score_id": current.id},
        )
        return {
            "subject_id": subject_id,
            **body.model_dump(mode="json"),
            "status": "pending",
            "score_id": current.id,
        }


class DecisionIn(BaseModel):
    upheld: bool
    decided_on: Day
    corrected_value: float | None = Field(None, ge=-1e12, le=1e12)


@router.post(
    "/api/v1/registry/credit/subjects/{subject_id}/appeals/{appeal_id}/decision",
    summary="Decide a pending appeal (upheld or rejected, once); the appealed score is re-scored",
)
@allow("staff", refuses=(409,))
def decide_appeal(
    request: Request,
    subject_id: SubjectId,
    appeal_id: Annotated[str, Path(max_length=64, pattern=SERIAL)],
    body: DecisionIn,
    user: UserDep,
    x_csrf_token: CsrfHeader = None,
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    with _db(request).transaction() as s:
        subject = _subject(s, subject_id, lock=True)
        row = s.execute(
            select(RegistryCreditAppeal).where(
                RegistryCreditAppeal.subject_pk == subject.id, RegistryCreditAppeal.appeal_id == appeal_id
            )
        ).scalar_one_or_none()
        if row is None:
            raise RegistryNotFound(
                f"no appeal {appeal_id} of {subject_id}", f"{subject_id} 没有申诉 {appeal_id}"
            )
        if row.status != "pending":
            raise RegistryConflict(
                f"appeal {appeal_id} is {row.status} already",
                f"申诉 {appeal_id} 已{'维持' if row.status == 'upheld' else '驳回'}",
            )
        appeal = next(a for a in _appeals(s, subject) if a.appeal_id == appeal_id)
        appealed = s.get(RegistryCreditScore, row.score_id)
        try:
            decided = credit.decide_appeal(appeal, body.upheld, body.decided_on, actor, body.corrected_value)
            rule = credit.rule_for(subject.subject_type)
            evidence = [
                credit.Evidence(**{**e, "date": dt.date.fromisoformat(e["date"])})
                for e in appealed.record["evidence"]
            ]
            others = [
                a
                for a in _appeals(s, subject)
                if a.appeal_id != appeal_id
                and a.status != "pending"
                and a.evidence_id in {e.evidence_id for e in evidence}
            ]
            result = credit.score_subject(
                rule, evidence, appealed.evaluated_on, subject_id, [*others, decided]
            )
        except EcoledgerError as exc:
            raise _credit_refused(exc) from None
        row.status, row.decided_on, row.decided_by = decided.status, decided.decided_on, actor
        row.corrected_value = decided.corrected_value
        ledger.append(
            s,
            actor,
            "credit_decision",
            _subject_object(subject_id),
            {"appeal_id": appeal_id, **body.model_dump(mode="json")},
        )
        new = _store_score(s, actor, subject, result, "credit_rescore")
        return {"appeal_id": appeal_id, "status": decided.status, "score": _published(subject, new)}


def credit_check(session, action: str, right: RegistryRight, party: str) -> None:
    """``bank.register_check``: a party whose current, unexpired credit grade blocks listing
    (``credit.may_list``) may not list a right nor bid or be matched (409, the reason in zh and en)."""
    subject = session.execute(
        select(RegistryCreditSubject).where(RegistryCreditSubject.subject_id == (party or "")[:64])
    ).scalar_one_or_none()
    if subject is None:
        return
    row = _latest_score(session, subject)
    if row is None or row.grade is None or dt.date.today() >= row.expires_on:
        return  # no grade, a withheld grade or an expired score blocks nothing (credit.may_list)
    allowed, reason = credit.may_list(f"{row.rule_id}/{row.grade}")
    if not allowed:
        raise RegistryConflict(f"{party}: {reason['en']}", f"{party}：{reason['zh']}")


for _action in bank.CHECK_ACTIONS:
    bank.register_check(_action, credit_check)


# --- traceability: batches, steps, certificates; the public lookup -----------------------------------

BatchId = Annotated[str, Path(max_length=64, pattern=SERIAL, description="the batch's id")]
TraceCode = Annotated[str, Path(min_length=1, max_length=40, description="a trace code (XXXX-XXXX-XXX)")]
Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=PLAIN)]
Optional200 = Annotated[str, Field(max_length=200, pattern=PLAIN)]


def _batch_object(batch_id: str) -> SimpleNamespace:
    return SimpleNamespace(kind="batch", serial=batch_id)


def _trace_refused(exc: EcoledgerError) -> RegistryRefused:
    return RegistryRefused(exc.in_language("en"), exc.in_language("zh"))


class OriginIn(BaseModel):
    parcel_serial: Serial
    county: Text200
    producer: Text200
    county_code: Annotated[str, Field(max_length=6, pattern=r"^(\d{6})?$")] = ""
    producer_id: Optional200 = ""


class BatchIn(BaseModel):
    batch_id: Serial
    product: Text200
    product_en: Optional200 = ""
    origin: OriginIn
    created: Annotated[str, Field(max_length=40, pattern=PLAIN)] | None = Field(
        None, description="ISO 8601; default now (UTC)"
    )


def _batch_row(session, batch_id: str, lock: bool = True) -> RegistryBatch:
    query = select(RegistryBatch).where(RegistryBatch.batch_id == batch_id)
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise RegistryNotFound(f"no batch {batch_id}", f"没有批次 {batch_id}")
    return row


def _batch_json(row: RegistryBatch) -> dict:
    batch = trace.batch_from_dict(row.batch)
    return {
        **row.batch,
        "display_code": trace.display_code(row.code),
        "lookup": trace.lookup_url(row.code),
        "losses": trace.losses(batch),
    }


@router.post(
    "/api/v1/registry/trace/batches",
    status_code=201,
    summary="Create a product batch: its trace code is fixed now (reviewers, administrators)",
)
@allow("staff", refuses=(409,))
def create_batch(request: Request, body: BatchIn, user: UserDep, x_csrf_token: CsrfHeader = None) -> dict:
    actor = _staff(request, user, x_csrf_token)
    created = body.created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        batch = trace.new_batch(
            body.batch_id,
            body.product,
            trace.Origin(**body.origin.model_dump()),
            created=created,
            product_en=body.product_en,
        )
    except EcoledgerError as exc:
        raise _trace_refused(exc) from None
    with _db(request).transaction() as s:
        if (
            s.execute(select(RegistryBatch.id).where(RegistryBatch.batch_id == body.batch_id)).first()
            is not None
        ):
            raise RegistryConflict(f"batch {body.batch_id} exists already", f"批次 {body.batch_id} 已存在")
        row = RegistryBatch(
            batch_id=batch.batch_id,
            code=batch.code,
            batch=trace.batch_to_dict(batch),
            head=batch.head,
            created_by=actor,
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise RegistryConflict(
                f"batch {body.batch_id} (or its trace code) exists already",
                f"批次 {body.batch_id}（或其追溯码）已存在",
            ) from None
        ledger.append(
            s,
            actor,
            "batch",
            _batch_object(batch.batch_id),
            {
                "code": batch.code,
                "head": batch.head,
                "product": batch.product,
                "origin": body.origin.model_dump(),
            },
        )
        return _batch_json(row)


class QuantityIn(BaseModel):
    amount: float = Field(ge=0, le=1e12)
    unit: Annotated[str, Field(min_length=1, max_length=16, pattern=PLAIN)]


class StepIn(BaseModel):
    kind: Literal[trace.STEP_KINDS]  # type: ignore[valid-type]
    actor: Text200
    place: Text200
    at: Annotated[str, Field(min_length=1, max_length=40, pattern=PLAIN)]
    quantity_out: QuantityIn
    quantity_in: QuantityIn | None = None
    note: Note = ""


def _extend(request: Request, actor: str, batch_id: str, action: str, extend) -> dict:
    with _db(request).transaction() as s:
        row = _batch_row(s, batch_id)
        batch = trace.batch_from_dict(row.batch)
        if trace.verify(batch.code, batch, head=row.head).status != "valid":
            raise RegistryConflict(
                f"batch {batch_id}: its stored chain does not verify; nothing appended",
                f"批次 {batch_id} 的存储链校验不通过；未追加",
            )
        try:
            batch = extend(batch)
        except EcoledgerError as exc:
            raise _trace_refused(exc) from None
        row.batch, row.head, row.updated_at = trace.batch_to_dict(batch), batch.head, utcnow()
        last = batch.entries[-1]
        ledger.append(
            s,
            actor,
            action,
            _batch_object(batch_id),
            {"code": batch.code, "seq": last.seq, "hash": last.hash, "record": last.record},
        )
        return _batch_json(row)


@router.post(
    "/api/v1/registry/trace/batches/{batch_id}/steps",
    status_code=201,
    summary="Append a custody step (harvest, processing, …, sale) to a batch, after the loss check",
)
@allow("staff", refuses=(404, 409))
def append_step(
    request: Request, batch_id: BatchId, body: StepIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    step = trace.Step(
        body.kind,
        body.actor,
        body.place,
        body.at,
        trace.Quantity(**body.quantity_out.model_dump()),
        trace.Quantity(**body.quantity_in.model_dump()) if body.quantity_in else None,
        body.note,
    )
    return _extend(request, actor, batch_id, "batch_step", lambda b: trace.append_step(b, step))


class CertificateIn(BaseModel):
    kind: Literal[trace.CERTIFICATE_KINDS]  # type: ignore[valid-type]
    number: Text200
    issuer: Text200
    valid_from: Day
    valid_until: Day
    brand: Optional200 = ""
    scope: Note = ""
    evaluation: dict | None = Field(None, description="climate_quality.evaluate's output (climate_quality)")


@router.post(
    "/api/v1/registry/trace/batches/{batch_id}/certificates",
    status_code=201,
    summary="Attach a certificate (brand use, green food, organic, climate quality) to a batch",
)
@allow("staff", refuses=(404, 409))
def attach_certificate(
    request: Request, batch_id: BatchId, body: CertificateIn, user: UserDep, x_csrf_token: CsrfHeader = None
) -> dict:
    actor = _staff(request, user, x_csrf_token)
    certificate = trace.Certificate(
        body.kind,
        body.number,
        body.issuer,
        body.valid_from.isoformat(),
        body.valid_until.isoformat(),
        body.brand,
        body.scope,
        body.evaluation,
    )

    def attach(batch: trace.Batch) -> trace.Batch:
        batch = trace.attach_certificate(batch, certificate)
        if certificate.kind == "climate_quality":  # the public page must show it: try it first
            try:
                for lang in ("zh", "en"):
                    trace.render_lookup(batch, lang)
            except Exception:  # a dict that is not climate_quality.evaluate's output
                raise RegistryRefused(
                    "the climate-quality certificate's evaluation is not the output of "
                    "ecoledger.registry.climate_quality.evaluate; fix: attach that output whole",
                    "气候品质证书的评价结果不是 ecoledger.registry.climate_quality.evaluate 的输出；"
                    "修改：请完整附上该输出",
                ) from None
        return batch

    return _extend(request, actor, batch_id, "batch_certificate", attach)


def lookup(session, code: str) -> tuple[str, trace.Batch | None, str | None]:
    """(normalised code, the batch or None, the stored head) of a trace code."""
    normal = trace.normalise_code(code or "")
    row = session.execute(select(RegistryBatch).where(RegistryBatch.code == normal)).scalar_one_or_none()
    if row is None:
        return normal, None, None
    return normal, trace.batch_from_dict(row.batch), row.head


@router.get(
    "/api/v1/registry/trace/{trace_code}", summary="Look up a trace code: its verification and its batch"
)
@allow("anyone", objects="public-id")
def trace_lookup(request: Request, trace_code: TraceCode) -> JSONResponse:
    code = trace_code
    with _db(request).transaction(write=False) as s:
        normal, batch, head = lookup(s, code)
    verification = trace.verify(normal, batch, head=head)
    found = {
        "verification": verification.to_dict(),
        "display_code": trace.display_code(normal) if normal else "",
    }
    if batch is None:
        return JSONResponse(
            {
                **found,
                "detail": f"no batch has the trace code {code}",
                "detail_zh": f"没有追溯码为 {code} 的批次",
            },
            status_code=404,
        )
    return JSONResponse(
        {**found, "batch": trace.batch_to_dict(batch), "losses": trace.losses(batch), "head": head}
    )


@router.get("/trace/{trace_code}", response_class=HTMLResponse, include_in_schema=False)  # trace.LOOKUP_PATH
@allow("anyone", objects="public-id")
def trace_page(request: Request, trace_code: TraceCode) -> HTMLResponse:
    """The public lookup page (``trace.render_lookup``) in zh (default) or en (``?lang=en``)."""
    code = trace_code
    lang = request.query_params.get("lang")
    lang = lang if lang in ("zh", "en") else request_language(request)
    with _db(request).transaction(write=False) as s:
        normal, batch, head = lookup(s, code)
    html = trace.render_lookup(batch, lang, code=normal, head=head)
    # no /favicon.ico request (a 404 in the console), as the platform's own pages
    html = html.replace("<head>", '<head><link rel="icon" href="data:,">', 1)
    return HTMLResponse(html, status_code=200 if batch is not None else 404)


from ecoledger.registry import web as _web  # noqa: E402  (the pages: /registry, /registry/rights/{code})

router.include_router(_web.router)
