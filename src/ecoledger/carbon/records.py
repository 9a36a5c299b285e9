"""Store operations of the carbon module: inclusion ledger, claims and labels.

Each change runs in one ``Database.transaction()`` together with its audit-log entry, so the
store and the log never disagree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoledger.carbon import claims, inclusion, label, ledger
from ecoledger.carbon.errors import ClaimConflict, LedgerRefused
from ecoledger.carbon.factors import Registry
from ecoledger.carbon.store import CarbonClaim, CarbonLabel, CarbonLedgerEntry
from ecoledger.platform import audit


def chain(session: Session, account: str) -> list[dict]:
    rows = session.execute(
        select(CarbonLedgerEntry).where(CarbonLedgerEntry.account == account).order_by(CarbonLedgerEntry.seq)
    ).scalars()
    return [r.as_entry() for r in rows]


def _append(session: Session, actor: str, entry: dict) -> dict:
    session.add(CarbonLedgerEntry(**entry))
    try:
        session.flush()
    except IntegrityError:  # a concurrent append took this seq, or the evidence was just used
        raise LedgerRefused(f"ledger of {entry['account']} changed meanwhile → fix: submit again") from None
    audit.append(
        session,
        actor,
        f"carbon.ledger.{entry['kind']}",
        "carbon_ledger",
        f"{entry['account']}#{entry['seq']}",
        {"points": entry["points"], "hash": entry["hash"]},
    )
    return entry


def record_action(
    db,
    actor: str,
    account: str,
    action: str,
    activity: float,
    evidence: bytes,
    day: dt.date,
    registry: Registry,
) -> dict:
    """Earn points for one low-carbon action, after the anti-abuse checks."""
    if not evidence:
        raise LedgerRefused("evidence: empty → fix: attach the trip record, meter reading or scan")
    computed = inclusion.action_reduction(action, activity, registry)
    digest = ledger.evidence_hash(evidence)
    validity = int(registry.value("policy.points_validity_days"))
    with db.transaction() as s:
        entries = chain(s, account)
        seen = s.execute(
            select(CarbonLedgerEntry.id).where(CarbonLedgerEntry.evidence_sha256 == digest)
        ).first()
        ledger.check_earn(
            entries, action, activity, day, inclusion.method(action).daily_cap, digest, seen is not None
        )
        entry = ledger.new_entry(
            entries,
            account,
            "earn",
            computed["points"],
            day=day,
            action=action,
            activity=activity,
            reduction_kg=computed["reduction_kg"],
            evidence_sha256=digest,
            expires_on=day + dt.timedelta(days=validity),
            detail={k: computed[k] for k in ("factors", "registry_version", "methods_version")},
        )
        return _append(s, actor, entry)


def redeem(db, actor: str, account: str, points: int, today: dt.date, what: str) -> dict:
    with db.transaction() as s:
        entries = chain(s, account)
        ledger.check_redeem(entries, points, today)
        return _append(
            s, actor, ledger.new_entry(entries, account, "redeem", points, day=today, detail={"for": what})
        )


def expire(db, actor: str, account: str, today: dt.date) -> dict | None:
    """Write off the account's points past validity; None when nothing is due."""
    with db.transaction() as s:
        entries = chain(s, account)
        due = ledger.expired_points(entries, today)
        if not due:
            return None
        return _append(s, actor, ledger.new_entry(entries, account, "expire", due, day=today))


def account_view(db, account: str, today: dt.date) -> dict:
    with db.transaction() as s:
        entries = chain(s, account)
    check = ledger.verify_chain(entries)
    return {
        "account": account,
        "balance": ledger.balance(entries, today),
        "reduction_kg": sum(e["reduction_kg"] or 0.0 for e in entries if e["kind"] == "earn"),
        "chain_ok": check.ok,
        "first_bad_seq": check.first_bad_seq,
        "reason": check.reason,
        "entries": entries,
    }


def public_summary(db) -> dict:
    """Totals across accounts, per action: no account names."""
    with db.transaction() as s:
        rows = s.execute(
            select(
                CarbonLedgerEntry.action,
                func.count(),
                func.sum(CarbonLedgerEntry.reduction_kg),
                func.sum(CarbonLedgerEntry.points),
            )
            .where(CarbonLedgerEntry.kind == "earn")
            .group_by(CarbonLedgerEntry.action)
        ).all()
        accounts = s.execute(select(func.count(func.distinct(CarbonLedgerEntry.account)))).scalar_one()
    by_action = [
        {
            "action": a,
            "name_zh": inclusion.methods()[a].name_zh if a in inclusion.methods() else a,
            "actions": n,
            "reduction_kg": kg or 0.0,
            "points": p or 0,
        }
        for a, n, kg, p in rows
    ]
    return {
        "accounts": accounts,
        "by_action": by_action,
        "reduction_kg": sum(r["reduction_kg"] for r in by_action),
        "points": sum(r["points"] for r in by_action),
    }


CLAIM_LOCK = 7_001  # PostgreSQL advisory-lock class of claims (the asset's hash is the object)


def claim_in(session: Session, actor: str, claim: claims.Claim) -> CarbonClaim:
    """Register ``claim`` inside the caller's transaction, with its audit entry.

    The claims on the asset are read under a lock — on PostgreSQL a transaction-scoped advisory
    lock on the asset too, since ``FOR UPDATE`` locks no row while the asset has none, so two
    first claims would not wait for each other — and ``claims.check_claim`` refuses an overlap.
    The registry's carbon-sink rights claim their tonnes through here.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:kind, hashtext(:asset))"),
                        {"kind": CLAIM_LOCK, "asset": claim.asset})
    rows = session.execute(
        select(CarbonClaim).where(CarbonClaim.asset == claim.asset).with_for_update()
    ).scalars()
    existing = [
        claims.Claim(r.scope, r.holder, r.asset, r.year_from, r.year_to, r.tonnes, r.source_module, r.note)
        for r in rows
    ]
    claims.check_claim(existing, claim)
    row = CarbonClaim(**claim.as_dict(), created_by=actor)
    session.add(row)
    session.flush()
    audit.append(session, actor, "carbon.claim", "carbon_claims", row.id, claim.as_dict())
    return row


def add_claim(db, actor: str, claim: claims.Claim) -> dict:
    with db.transaction() as s:
        row = claim_in(s, actor, claim)
        return {"id": row.id, **claim.as_dict()}


def list_claims(db) -> list[dict]:
    with db.transaction() as s:
        return [
            {
                "id": r.id,
                "scope": r.scope,
                "holder": r.holder,
                "asset": r.asset,
                "year_from": r.year_from,
                "year_to": r.year_to,
                "tonnes": r.tonnes,
                "source_module": r.source_module,
                "note": r.note,
            }
            for r in s.execute(select(CarbonClaim).order_by(CarbonClaim.id)).scalars()
        ]


def issue_label(db, actor: str, record: dict, footprint: dict) -> dict:
    with db.transaction() as s:
        if s.get(CarbonLabel, record["label_id"]) is not None:
            raise ClaimConflict(f"label {record['label_id']} exists → fix: issue under a new label id")
        digest = label.record_hash(record)
        s.add(
            CarbonLabel(
                label_id=record["label_id"],
                record=record,
                record_sha256=digest,
                footprint=footprint,
                issued_by=actor,
            )
        )
        s.flush()
        audit.append(s, actor, "carbon.label.issue", "carbon_labels", record["label_id"], {"sha256": digest})
    return {"record": record, "record_sha256": digest, "verification_url": label.verification_url(record)}


def verify_label(db, label_id: str, code: str | None) -> dict | None:
    """The stored label with its check; None when no such label was issued."""
    with db.transaction() as s:
        row = s.get(CarbonLabel, label_id)
        if row is None:
            return None
        record, digest = dict(row.record), row.record_sha256
    problems = label.check_record(record, digest, code)
    return {"label_id": label_id, "valid": not problems, "problems": problems, "record": record}
