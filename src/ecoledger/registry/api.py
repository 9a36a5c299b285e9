"""API routes of the registry on the platform: ``/api/v1/registry/...``.

Who may do what (``@allow`` beside each route; ``tests/test_platform_policy.py`` checks them all):

* anyone — the open and past listings (the market), the register of pledged value per county,
  the cited loan-to-value table, and whether the ledger's chain verifies;
* logged-in users — the rights register and the trades; a bid on a listing, in their own name;
* reviewers and administrators (the registration authority, the 两山 bank's and the banks'
  clerks) — registering rights, attaching valuations, pledges and releases, deposits, packages,
  listings, delistings, closing an auction (before its term's end: administrators only),
  settlements, retirements, and reading the ledger and the pledges.

Every change is one transaction with its ledger entry and its audit entry; unsafe requests carry
the CSRF token (``X-CSRF-Token``). A right or package is named by its serial number in the path
(``{code}``). Refusals: 400 for an input the registry refuses, 404 for an unknown right, package or
trade, 409 for a change the state (or a concurrent change) does not allow; each with ``detail`` in
English and ``detail_zh`` in Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from ecoledger.platform.deps import CsrfHeader, UserDep, check_csrf, enforce_access, platform
from ecoledger.platform.policy import AccessDenied, allow, require_login, require_role
from ecoledger.registry import bank, finance, ledger
from ecoledger.registry.store import (
    KINDS,
    LISTING_STATES,
    RIGHT_TYPES,
    STATES,
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
