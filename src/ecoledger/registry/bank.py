"""The 两山 resource bank and rights trading: deposits, packages, listings, bids, matched trades,
settlement records, retirement.

**Deposit.** A right is deposited into a bank (生态资源储蓄: its holder hands its management to
the bank, for a term): the right's ``bank`` is set by a conditional ``UPDATE … WHERE bank IS NULL``
and a deposit is recorded (one open deposit per right, a partial unique index). Its state does not
change; the deposit ends when the right (or its package) is traded.

**Package.** A bank packages two or more of the parcel rights deposited with it, all in one county,
into a project (a row of ``registry_rights`` of kind ``package``, owned by the bank, its boundary
the union of theirs, its area that of the union): the rights become ``packaged`` and move with the
package — valued, pledged, listed, traded and retired as one; a trade gives every right in it to
the buyer, a retirement retires them all.

**Listing and matching.** A valued right or package (a quota also when only registered) is listed
at a price for a term (``term_days``), in one of two modes, and the rule is written with the trade:

* ``fixed`` (挂牌转让 at the asking price) — **the first acceptable bid** trades at once: the first
  bid at or above the price, in the order the database serialises them (the listing's row is
  locked, ``SELECT … FOR UPDATE``); every later bid is refused, the listing being closed;
* ``auction`` (竞价, the price a reserve) — bids at or above the reserve are collected until the
  term ends; ``close`` (after the term; earlier only when an administrator forces it) matches **the
  highest valid bid**, ties going to the earlier bid; no valid bid: the listing closes unsold.

A bidder may not buy their own right (the owner's name). Checks other modules add with
``register_check`` (e.g. ecological credit: a low grade blocks a listing or a bid) run before a
listing, a bid and a match.

**No right sold, pledged or retired twice**, in the database: a trade is unique per listing and per
bid; the listing is closed by ``UPDATE … WHERE state = 'open'`` and the right moved by ``UPDATE …
WHERE state = 'listed'`` (row counts checked), after ``SELECT … FOR UPDATE`` of the listing and of
the right on PostgreSQL (SQLite serialises writers); one open listing per right (partial unique
index); a retirement is unique per right.

**Settlement.** The payment of a trade (its amount must equal the price, a payment reference, the
day paid) is recorded once per trade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import shapely
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoledger.platform.models import utcnow
from ecoledger.registry import ledger
from ecoledger.registry.ledger import RegistryConflict, RegistryNotFound, RegistryRefused
from ecoledger.registry.store import (
    LISTING_MODES,
    LOAN_TOLERANCE_YUAN,
    PACKAGE,
    SPATIAL_TYPES,
    RegistryBid,
    RegistryDeposit,
    RegistryListing,
    RegistryRetirement,
    RegistryRight,
    RegistrySettlement,
    RegistryTrade,
)

MAX_TERM_DAYS = 366
MAX_PRICE_YUAN = 1e13
RULES = {"fixed": "fixed-first-acceptable", "auction": "auction-highest"}
CHECK_ACTIONS = ("list", "bid", "match")
# checks other modules add: (session, action, right, party) → None, raising a refusal to block
CHECKS: dict[str, list[Callable]] = {action: [] for action in CHECK_ACTIONS}


def register_check(action: str, check: Callable) -> None:
    """Add ``check(session, action, right, party)`` before every ``action`` (list: party is the
    owner; bid and match: the bidder); it raises ``RegistryRefused``/``RegistryConflict`` to block."""
    if action not in CHECKS:
        raise ValueError(f"unknown action {action!r}; one of {CHECK_ACTIONS}")
    if check not in CHECKS[action]:
        CHECKS[action].append(check)


def _run_checks(session: Session, action: str, right: RegistryRight, party: str) -> None:
    for check in CHECKS[action]:
        check(session, action, right, party)


def _flush(session: Session, message: str, message_zh: str) -> None:
    """Flush; a unique constraint or index the row breaks is the conflict named."""
    try:
        session.flush()
    except IntegrityError:
        raise RegistryConflict(message, message_zh) from None


# --- deposits and packages -------------------------------------------------------------------------


def deposit(
    session: Session,
    actor: str,
    serial: str,
    *,
    bank: str,
    depositor: str | None = None,
    deposited_on: dt.date | None = None,
    term_years: int | None = None,
    terms: str = "",
) -> RegistryDeposit:
    """Deposit ``serial`` into ``bank`` (its state is unchanged; the bank now holds it)."""
    bank = (bank or "").strip()
    if not bank:
        raise RegistryRefused("bank: empty; fix: name the 两山 bank", "银行为空；修改：请填写“两山”银行名称")
    if term_years is not None and not 1 <= term_years <= 70:
        raise RegistryRefused(
            f"term {term_years} years; fix: 1–70 years", f"期限 {term_years} 年；修改：1–70 年"
        )
    right = ledger.lock(session, serial)
    if right.kind == PACKAGE:
        raise RegistryRefused(
            f"{serial} is a package, made by its bank: packages are not deposited",
            f"{serial} 是银行组建的资产包，资产包不能存入银行",
        )
    states = ("registered", "valued", "traded")
    if right.state not in states:
        raise RegistryConflict(
            f"right {serial} is {right.state}; a deposit needs it registered, valued or traded",
            f"{serial} 当前状态为“{ledger.STATE_ZH[right.state]}”；存入银行要求已登记、已估值或已成交",
        )
    if right.bank is not None:
        raise RegistryConflict(
            f"right {serial} is deposited in {right.bank} already", f"{serial} 已存入 {right.bank}"
        )
    done = session.execute(
        update(RegistryRight)
        .where(RegistryRight.id == right.id, RegistryRight.bank.is_(None), RegistryRight.state.in_(states))
        .values(bank=bank)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise RegistryConflict(
            f"right {serial} changed meanwhile; nothing was deposited",
            f"{serial} 已被同时进行的操作改变，未存入",
        )
    session.refresh(right)
    row = RegistryDeposit(
        right_id=right.id,
        bank=bank,
        depositor=(depositor or right.owner).strip(),
        deposited_on=deposited_on or utcnow().date(),
        term_years=term_years,
        terms=terms,
        recorded_by=actor,
        recorded_at=utcnow(),
    )
    session.add(row)
    _flush(session, f"right {serial} was deposited meanwhile", f"{serial} 已被同时存入银行")
    ledger.append(
        session,
        actor,
        "deposit",
        right,
        {
            "deposit_id": row.id,
            "bank": bank,
            "depositor": row.depositor,
            "deposited_on": row.deposited_on.isoformat(),
            "term_years": term_years,
            "terms": terms,
        },
    )
    return row


def package(
    session: Session,
    actor: str,
    *,
    serial: str,
    bank: str,
    members: list[str],
    name: str = "",
    demonstration: bool = False,
) -> RegistryRight:
    """Package ``members`` (parcel rights deposited in ``bank``, one county) into the project ``serial``."""
    members = sorted(set(members))
    if len(members) < 2:
        raise RegistryRefused("a package holds two or more rights", "资产包至少包含两项权利")
    if not ledger.SERIAL.match(serial or ""):
        raise RegistryRefused(
            f"serial {serial!r}: 1–64 letters, digits and . _ : -",
            f"编号 {serial!r}：须为 1–64 个字母、数字或 . _ : -",
        )
    rights = [ledger.lock(session, m) for m in members]  # in serial order: no deadlock between packagers
    for right in rights:
        if right.kind == PACKAGE or right.type not in SPATIAL_TYPES:
            raise RegistryRefused(
                f"{right.serial} is a {right.type}: a package holds parcel rights (with a boundary)",
                f"{right.serial} 的类型为 {right.type}：资产包只包含有边界的地块权利",
            )
        if right.bank != bank:
            raise RegistryConflict(
                f"{right.serial} is not deposited in {bank}; fix: deposit it first",
                f"{right.serial} 未存入 {bank}；修改：请先存入",
            )
        ledger.require_state(right, "package")
    counties = sorted({r.county for r in rights})
    if len(counties) > 1:
        raise RegistryRefused(
            f"the rights lie in several counties ({', '.join(counties)}): a package lies in one",
            f"这些权利分属多个县（{'、'.join(counties)}）：一个资产包只能在一个县内",
        )
    if session.execute(select(RegistryRight.id).where(RegistryRight.serial == serial)).first() is not None:
        raise RegistryConflict(f"serial {serial} is registered already", f"编号 {serial} 已登记")
    union = shapely.union_all([ledger.boundary_of(r) for r in rights])
    bundle = RegistryRight(
        serial=serial,
        kind=PACKAGE,
        type=PACKAGE,
        name=name,
        owner=bank,
        county=counties[0],
        area_km2=ledger.equal_area_km2(union),
        boundary_wkb=union.wkb,
        attributes={"members": members},
        state="registered",
        bank=bank,
        demonstration=demonstration or any(r.demonstration for r in rights),
        registered_by=actor,
        registered_at=utcnow(),
    )
    session.add(bundle)
    _flush(session, f"serial {serial} was registered meanwhile", f"编号 {serial} 已被同时登记")
    ledger.append(
        session,
        actor,
        "register",
        bundle,
        {
            "type": PACKAGE,
            "owner": bank,
            "county": bundle.county,
            "name": name,
            "members": members,
            "area_km2": bundle.area_km2,
            "demonstration": bundle.demonstration,
        },
    )
    for right in rights:
        ledger.transition(session, right, "package", actor, {"package": serial}, package_id=bundle.id)
    return bundle


def _members(session: Session, bundle: RegistryRight) -> list[RegistryRight]:
    return list(
        session.execute(
            select(RegistryRight)
            .where(RegistryRight.package_id == bundle.id)
            .order_by(RegistryRight.serial)
            .with_for_update()
        ).scalars()
    )


# --- listings, bids, trades ------------------------------------------------------------------------


def open_listing(session: Session, right: RegistryRight, lock: bool = True) -> RegistryListing:
    query = select(RegistryListing).where(
        RegistryListing.right_id == right.id, RegistryListing.state == "open"
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    listing = session.execute(query).scalar_one_or_none()
    if listing is None:
        raise RegistryConflict(f"{right.serial} has no open listing", f"{right.serial} 没有挂牌中的交易")
    return listing


def list_right(
    session: Session,
    actor: str,
    serial: str,
    *,
    price_yuan: float,
    term_days: int,
    mode: str = "fixed",
    now: dt.datetime | None = None,
) -> RegistryListing:
    """List ``serial`` at ``price_yuan`` for ``term_days`` (mode fixed: first acceptable bid; auction:
    highest valid bid at close)."""
    if mode not in LISTING_MODES:
        raise RegistryRefused(
            f"mode {mode!r}; fix: fixed or auction", f"方式 {mode!r}；修改：`fixed` 或 `auction`"
        )
    if not 0 < price_yuan <= MAX_PRICE_YUAN:
        raise RegistryRefused(
            f"price {price_yuan}: fix: a positive amount of yuan", f"价格 {price_yuan}：须为正的元数"
        )
    if not 1 <= term_days <= MAX_TERM_DAYS:
        raise RegistryRefused(
            f"term {term_days} days; fix: 1–{MAX_TERM_DAYS} days",
            f"挂牌期 {term_days} 天；修改：1–{MAX_TERM_DAYS} 天",
        )
    now = now or utcnow()
    right = ledger.lock(session, serial)
    ledger.require_state(right, "list")
    _run_checks(session, "list", right, right.owner)
    listing = RegistryListing(
        right_id=right.id,
        mode=mode,
        price_yuan=price_yuan,
        opens_at=now,
        closes_at=now + dt.timedelta(days=term_days),
        state="open",
        listed_by=actor,
    )
    session.add(listing)
    _flush(session, f"{serial} was listed meanwhile", f"{serial} 已被同时挂牌")
    ledger.transition(
        session,
        right,
        "list",
        actor,
        {
            "listing_id": listing.id,
            "mode": mode,
            "rule": RULES[mode],
            "price_yuan": price_yuan,
            "opens_at": listing.opens_at.isoformat(),
            "closes_at": listing.closes_at.isoformat(),
        },
    )
    return listing


def _close_listing(
    session: Session,
    listing: RegistryListing,
    actor: str,
    outcome: str,
    state: str = "closed",
    now: dt.datetime | None = None,
) -> None:
    done = session.execute(
        update(RegistryListing)
        .where(RegistryListing.id == listing.id, RegistryListing.state == "open")
        .values(state=state, outcome=outcome, closed_at=now or utcnow(), closed_by=actor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise RegistryConflict(
            f"listing {listing.id} was closed meanwhile", f"挂牌 {listing.id} 已被同时关闭"
        )
    session.refresh(listing)


def delist(session: Session, actor: str, serial: str) -> RegistryListing:
    """Withdraw the open listing of ``serial`` (its bids lapse)."""
    right = ledger.lock(session, serial)
    listing = open_listing(session, right)
    _close_listing(session, listing, actor, "delisted", state="delisted")
    ledger.transition(session, right, "delist", actor, {"listing_id": listing.id})
    return listing


def bid(
    session: Session, bidder: str, serial: str, price_yuan: float, now: dt.datetime | None = None
) -> dict:
    """Bid ``price_yuan`` on the open listing of ``serial``; in a fixed listing an acceptable bid trades
    at once. Returns the bid and the trade (or None)."""
    if not 0 < price_yuan <= MAX_PRICE_YUAN:
        raise RegistryRefused(
            f"price {price_yuan}: fix: a positive amount of yuan", f"价格 {price_yuan}：须为正的元数"
        )
    now = now or utcnow()
    right = ledger.lock(session, serial)
    listing = open_listing(session, right)  # the lock every bid on this listing waits for
    if not listing.opens_at <= now < listing.closes_at:
        raise RegistryConflict(
            f"bidding on {serial} ended at {listing.closes_at.isoformat()}Z",
            f"{serial} 的竞价已于 {listing.closes_at.isoformat()}Z（协调世界时）截止",
        )
    if bidder == right.owner:
        raise RegistryRefused(
            f"{bidder} owns {serial} and cannot buy it", f"{bidder} 是 {serial} 的权利人，不能购买"
        )
    if price_yuan < listing.price_yuan:
        word, word_zh = ("asking price", "挂牌价") if listing.mode == "fixed" else ("reserve", "底价")
        raise RegistryRefused(
            f"bid {price_yuan:,.2f} yuan is below the {word} {listing.price_yuan:,.2f} yuan",
            f"出价 {price_yuan:,.2f} 元低于{word_zh} {listing.price_yuan:,.2f} 元",
        )
    _run_checks(session, "bid", right, bidder)
    row = RegistryBid(listing_id=listing.id, bidder=bidder, price_yuan=price_yuan, at=now)
    session.add(row)
    session.flush()
    ledger.append(
        session,
        bidder,
        "bid",
        right,
        {"listing_id": listing.id, "bid_id": row.id, "bidder": bidder, "price_yuan": price_yuan},
    )
    trade = _trade(session, listing, right, row, bidder, now) if listing.mode == "fixed" else None
    return {"bid": bid_record(row), "trade": None if trade is None else trade_record(trade, right.serial)}


def close(
    session: Session, actor: str, serial: str, force: bool = False, now: dt.datetime | None = None
) -> dict:
    """Close the open listing of ``serial``: the highest valid bid (the earlier of equal ones) trades;
    none: unsold. Before the term's end only with ``force`` (an administrator's decision)."""
    now = now or utcnow()
    right = ledger.lock(session, serial)
    listing = open_listing(session, right)
    if now < listing.closes_at and not force:
        raise RegistryConflict(
            f"bidding on {serial} runs until {listing.closes_at.isoformat()}Z; fix: close it "
            "then (an administrator may force an earlier close)",
            f"{serial} 的竞价持续到 {listing.closes_at.isoformat()}Z（协调世界时）；修改：届时再结束"
            "（管理员可提前强制结束）",
        )
    bids = session.execute(
        select(RegistryBid)
        .where(RegistryBid.listing_id == listing.id)
        .order_by(RegistryBid.price_yuan.desc(), RegistryBid.id)
    ).scalars()
    refused = []
    for candidate in bids:
        try:
            _run_checks(session, "match", right, candidate.bidder)
        except (RegistryRefused, RegistryConflict) as exc:
            refused.append({"bid_id": candidate.id, "reason": exc.message})
            continue
        trade = _trade(session, listing, right, candidate, actor, now, forced=force, refused=refused)
        return {"outcome": "traded", "trade": trade_record(trade, right.serial), "refused_bids": refused}
    _close_listing(session, listing, actor, "unsold", now=now)
    ledger.transition(
        session, right, "unsold", actor, {"listing_id": listing.id, "forced": force, "refused_bids": refused}
    )
    return {"outcome": "unsold", "trade": None, "refused_bids": refused}


def _trade(
    session: Session,
    listing: RegistryListing,
    right: RegistryRight,
    winner: RegistryBid,
    actor: str,
    now: dt.datetime,
    forced: bool = False,
    refused: list | None = None,
) -> RegistryTrade:
    """Match ``winner``: close the listing, record the trade, give the right (and a package's rights)
    to the buyer, end its bank deposits."""
    _close_listing(session, listing, actor, "traded", now=now)
    trade = RegistryTrade(
        listing_id=listing.id,
        bid_id=winner.id,
        right_id=right.id,
        seller=right.owner,
        buyer=winner.bidder,
        price_yuan=winner.price_yuan,
        rule=RULES[listing.mode],
        matched_by=actor,
        at=now,
    )
    session.add(trade)
    _flush(session, f"listing {listing.id} was traded meanwhile", f"挂牌 {listing.id} 已被同时成交")
    payload = {
        "listing_id": listing.id,
        "bid_id": winner.id,
        "trade_id": trade.id,
        "seller": right.owner,
        "buyer": winner.bidder,
        "price_yuan": winner.price_yuan,
        "rule": trade.rule,
    }
    if forced:
        payload["forced_close"] = True
    if refused:
        payload["refused_bids"] = refused
    held = [right.id]
    if right.kind == PACKAGE:
        for member in _members(session, right):
            member.owner, member.bank = winner.bidder, None
            session.flush()
            ledger.append(
                session,
                actor,
                "trade",
                member,
                {
                    "package": right.serial,
                    "trade_id": trade.id,
                    "seller": payload["seller"],
                    "buyer": winner.bidder,
                },
            )
            held.append(member.id)
    session.execute(
        update(RegistryDeposit)
        .where(RegistryDeposit.right_id.in_(held), RegistryDeposit.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    ledger.transition(session, right, "trade", actor, payload, owner=winner.bidder, bank=None)
    return trade


def settle(
    session: Session,
    actor: str,
    serial: str,
    *,
    trade_id: int,
    amount_yuan: float,
    reference: str,
    paid_on: dt.date,
) -> RegistrySettlement:
    """Record the payment of trade ``trade_id`` of ``serial`` (once; the amount is the price)."""
    right = ledger.lock(session, serial)
    trade = session.get(RegistryTrade, trade_id)
    if trade is None or trade.right_id != right.id:
        raise RegistryNotFound(f"no trade {trade_id} of {serial}", f"{serial} 没有编号为 {trade_id} 的成交")
    if abs(amount_yuan - trade.price_yuan) > LOAN_TOLERANCE_YUAN:
        raise RegistryRefused(
            f"amount {amount_yuan:,.2f} yuan is not the price {trade.price_yuan:,.2f} yuan",
            f"结算金额 {amount_yuan:,.2f} 元不等于成交价 {trade.price_yuan:,.2f} 元",
        )
    if not (reference or "").strip():
        raise RegistryRefused(
            "reference: empty; fix: the payment's reference", "付款凭证号为空；修改：请填写付款凭证号"
        )
    if paid_on < trade.at.date():
        raise RegistryRefused(
            f"paid on {paid_on}, before the trade of {trade.at.date()}",
            f"付款日期 {paid_on} 早于成交日期 {trade.at.date()}",
        )
    row = RegistrySettlement(
        trade_id=trade.id,
        amount_yuan=amount_yuan,
        reference=reference.strip(),
        paid_on=paid_on,
        recorded_by=actor,
        recorded_at=utcnow(),
    )
    session.add(row)
    _flush(session, f"trade {trade_id} is settled already", f"成交 {trade_id} 已结算")
    ledger.append(
        session,
        actor,
        "settle",
        right,
        {
            "trade_id": trade.id,
            "settlement_id": row.id,
            "amount_yuan": amount_yuan,
            "reference": row.reference,
            "paid_on": paid_on.isoformat(),
        },
    )
    return row


# --- retirement -------------------------------------------------------------------------------------


def retire(
    session: Session, actor: str, serial: str, *, reason: str, beneficiary: str = ""
) -> RegistryRetirement:
    """Retire ``serial`` (final); a package's rights are retired with it."""
    if not (reason or "").strip():
        raise RegistryRefused(
            "reason: empty; fix: say why the right is retired (e.g. an offset for …)",
            "注销原因为空；修改：请说明注销原因（例如用于……的抵消）",
        )
    right = ledger.lock(session, serial)
    ledger.require_state(right, "retire")
    row = RegistryRetirement(
        right_id=right.id,
        reason=reason.strip(),
        beneficiary=beneficiary.strip(),
        retired_by=actor,
        retired_at=utcnow(),
    )
    session.add(row)
    _flush(session, f"{serial} was retired meanwhile", f"{serial} 已被同时注销")
    if right.kind == PACKAGE:
        members = _members(session, right)
        done = session.execute(
            update(RegistryRight)
            .where(RegistryRight.package_id == right.id, RegistryRight.state == "packaged")
            .values(state="retired")
            .execution_options(synchronize_session=False)
        ).rowcount
        if done != len(members):
            raise RegistryConflict(
                f"the rights of {serial} changed meanwhile", f"{serial} 中的权利已被同时改变"
            )
        for member in members:
            session.refresh(member)
            session.add(
                RegistryRetirement(
                    right_id=member.id,
                    reason=row.reason,
                    beneficiary=row.beneficiary,
                    retired_by=actor,
                    retired_at=row.retired_at,
                )
            )
            _flush(session, f"{member.serial} was retired meanwhile", f"{member.serial} 已被同时注销")
            ledger.append(
                session, actor, "retire", member, {"from": "packaged", "to": "retired", "package": serial}
            )
    ledger.transition(
        session,
        right,
        "retire",
        actor,
        {"retirement_id": row.id, "reason": row.reason, "beneficiary": row.beneficiary},
    )
    return row


# --- reading ---------------------------------------------------------------------------------------


def bid_record(row: RegistryBid) -> dict:
    return {
        "id": row.id,
        "listing_id": row.listing_id,
        "bidder": row.bidder,
        "price_yuan": row.price_yuan,
        "at": row.at.isoformat() + "Z",
    }


def trade_record(row: RegistryTrade, serial: str) -> dict:
    return {
        "id": row.id,
        "serial": serial,
        "listing_id": row.listing_id,
        "bid_id": row.bid_id,
        "seller": row.seller,
        "buyer": row.buyer,
        "price_yuan": row.price_yuan,
        "rule": row.rule,
        "at": row.at.isoformat() + "Z",
    }


def listings(session: Session, state: str | None = "open", limit: int = 200, offset: int = 0) -> list[dict]:
    """Listings with their right, terms and number of bids (bids themselves are not shown)."""
    from sqlalchemy import func

    count = (
        select(func.count(RegistryBid.id))
        .where(RegistryBid.listing_id == RegistryListing.id)
        .correlate(RegistryListing)
        .scalar_subquery()
    )
    query = select(RegistryListing, RegistryRight, count).join(
        RegistryRight, RegistryRight.id == RegistryListing.right_id
    )
    if state:
        query = query.where(RegistryListing.state == state)
    rows = session.execute(query.order_by(RegistryListing.id).limit(limit).offset(offset)).all()
    return [
        {
            "id": listing.id,
            "serial": right.serial,
            "kind": right.kind,
            "type": right.type,
            "name": right.name,
            "county": right.county,
            "area_km2": right.area_km2,
            "demonstration": right.demonstration,
            "mode": listing.mode,
            "rule": RULES[listing.mode],
            "price_yuan": listing.price_yuan,
            "opens_at": listing.opens_at.isoformat() + "Z",
            "closes_at": listing.closes_at.isoformat() + "Z",
            "state": listing.state,
            "outcome": listing.outcome,
            "bids": bids,
        }
        for listing, right, bids in rows
    ]


def trades(session: Session, limit: int = 200, offset: int = 0) -> list[dict]:
    rows = session.execute(
        select(RegistryTrade, RegistryRight.serial, RegistrySettlement.id)
        .join(RegistryRight, RegistryRight.id == RegistryTrade.right_id)
        .outerjoin(RegistrySettlement, RegistrySettlement.trade_id == RegistryTrade.id)
        .order_by(RegistryTrade.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {**trade_record(trade, serial), "settled": settlement is not None}
        for trade, serial, settlement in rows
    ]
