"""The carbon-inclusion points ledger: append-only and hash-chained per account.

An entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON, as in
``ecoledger.platform.audit`` but with one chain per account. ``verify_chain`` finds a changed,
removed or reordered entry. Kinds: ``earn`` (points from an action, with the SHA-256 of its
evidence), ``redeem`` (points spent) and ``expire`` (unspent points past their validity). Points
are spent and expired first-in, first-out. Anti-abuse rules (``check_earn``): the same evidence is
refused a second time and an action's daily activity is capped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from ecoledger.carbon.errors import LedgerRefused

GENESIS = "0" * 64
KINDS = ("earn", "redeem", "expire")
HASHED = (
    "account",
    "seq",
    "at",
    "day",
    "kind",
    "action",
    "activity",
    "reduction_kg",
    "points",
    "evidence_sha256",
    "expires_on",
    "detail",
)


def entry_hash(prev_hash: str, entry: dict) -> str:
    content = json.dumps(
        {k: entry.get(k) for k in HASHED},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def evidence_hash(evidence: bytes) -> str:
    return hashlib.sha256(evidence).hexdigest()


def new_entry(
    chain: list[dict],
    account: str,
    kind: str,
    points: int,
    *,
    day: dt.date,
    at: str = "",
    action: str = "",
    activity: float | None = None,
    reduction_kg: float | None = None,
    evidence_sha256: str | None = None,
    expires_on: dt.date | None = None,
    detail: dict | None = None,
) -> dict:
    """The next entry of ``chain`` (the account's entries in order), hashed onto its last entry."""
    if kind not in KINDS:
        raise LedgerRefused(f"ledger kind {kind!r} → fix: one of {', '.join(KINDS)}")
    prev = chain[-1]["hash"] if chain else GENESIS
    entry = {
        "account": account,
        "seq": len(chain) + 1,
        "at": at or dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
        "day": day.isoformat(),
        "kind": kind,
        "action": action,
        "activity": activity,
        "reduction_kg": reduction_kg,
        "points": int(points),
        "evidence_sha256": evidence_sha256,
        "expires_on": expires_on.isoformat() if expires_on else None,
        "detail": json.loads(json.dumps(detail or {}, default=str)),
        "prev_hash": prev,
    }
    entry["hash"] = entry_hash(prev, entry)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(chain: list[dict]) -> ChainCheck:
    """Recompute one account's chain; report the first entry that does not fit."""
    prev = GENESIS
    for count, entry in enumerate(chain, start=1):
        if entry["seq"] != count:
            return ChainCheck(False, count, entry["seq"], f"entry {count} is missing or out of order")
        if entry["prev_hash"] != prev:
            return ChainCheck(False, count, entry["seq"], "does not link to the entry before it")
        if entry_hash(prev, entry) != entry["hash"]:
            return ChainCheck(False, count, entry["seq"], "its content was changed after writing")
        prev = entry["hash"]
    return ChainCheck(True, len(chain))


def lots(chain: list[dict]) -> list[list]:
    """Unspent earned points as [expires_on, points] lots, oldest first (FIFO among valid lots)."""
    open_lots: list[list] = []
    for entry in chain:
        if entry["kind"] == "earn":
            open_lots.append([entry["expires_on"], entry["points"]])
            continue
        left, day = entry["points"], entry["day"]
        for lot in open_lots:
            expired = lot[0] is not None and lot[0] <= day
            if expired != (
                entry["kind"] == "expire"
            ):  # redeem spends valid lots, expire writes off stale ones
                continue
            taken = min(lot[1], left)
            lot[1] -= taken
            left -= taken
    return [lot for lot in open_lots if lot[1] > 0]


def balance(chain: list[dict], today: dt.date) -> int:
    """Points that can be spent on ``today`` (earned by then, not spent, not past their expiry)."""
    day = today.isoformat()
    return sum(p for expires, p in lots(_until(chain, day)) if expires is None or expires > day)


def expired_points(chain: list[dict], today: dt.date) -> int:
    """Unspent points whose validity ended on or before ``today`` (to be written off by an expire entry)."""
    day = today.isoformat()
    return sum(p for expires, p in lots(_until(chain, day)) if expires is not None and expires <= day)


def _until(chain: list[dict], day: str) -> list[dict]:
    return [e for e in chain if e["day"] <= day]


def check_earn(
    chain: list[dict],
    action: str,
    activity: float,
    day: dt.date,
    daily_cap: float | None,
    evidence_sha256: str,
    evidence_seen: bool,
) -> None:
    """Refuse an earn entry that reuses evidence or exceeds the action's daily activity cap."""
    if evidence_seen:
        raise LedgerRefused(
            f"evidence {evidence_sha256[:12]}… was already used for a ledger entry → fix: "
            "each trip, reading or scan earns once; submit the new record's own evidence"
        )
    if daily_cap is None:
        return
    done = sum(
        e["activity"] or 0.0
        for e in chain
        if e["kind"] == "earn" and e["action"] == action and e["day"] == day.isoformat()
    )
    if done + activity > daily_cap + 1e-9:
        raise LedgerRefused(
            f"{action} on {day}: {done:g} already recorded + {activity:g} exceeds the daily "
            f"cap of {daily_cap:g} → fix: record at most {max(0.0, daily_cap - done):g} more today"
        )


def check_redeem(chain: list[dict], wanted: int, today: dt.date) -> None:
    if wanted <= 0:
        raise LedgerRefused(f"redeem {wanted} points → fix: a positive whole number")
    have = balance(chain, today)
    if wanted > have:
        raise LedgerRefused(f"redeem {wanted} points but the balance is {have} → fix: redeem at most {have}")
