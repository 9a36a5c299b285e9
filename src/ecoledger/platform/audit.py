"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical JSON
(sequence number, time, actor, action, object, detail). Changing, deleting or reordering any
entry breaks every later hash, which ``verify`` reports. Appends lock the single ``audit_head``
row, so concurrent writers extend one chain instead of forking it; an entry is written in the
same transaction as the change it records, so the log and the store never disagree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoledger.platform.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, object_type: str,
               object_id: str, detail: dict) -> str:
    content = json.dumps(
        {"seq": seq, "at": at, "actor": actor, "action": action, "object_type": object_type,
         "object_id": object_id, "detail": detail},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append(session: Session, actor: str, action: str, object_type: str, object_id: object,
           detail: dict | None = None) -> AuditEntry:
    """Add an entry to the chain inside the caller's transaction."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    detail = json.loads(json.dumps(detail or {}, default=str))  # what is stored is what is hashed
    seq, at = head.seq + 1, utcnow().isoformat(timespec="microseconds")
    digest = entry_hash(head.hash, seq, at, actor, action, object_type, str(object_id), detail)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, object_type=object_type,
                       object_id=str(object_id), detail=detail, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify(session: Session) -> Verification:
    """Recompute the chain from the first entry; report the first entry that does not fit."""
    prev, count = GENESIS, 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        count += 1
        if entry.seq != count:
            return Verification(False, count, entry.seq, f"entry {count} is missing")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, "does not link to the entry before it")
        expected = entry_hash(prev, entry.seq, entry.at, entry.actor, entry.action,
                              entry.object_type, entry.object_id, entry.detail)
        if expected != entry.hash:
            return Verification(False, count, entry.seq, "its content was changed after writing")
        prev = entry.hash
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (count, prev):
        return Verification(False, count, count + 1, "entries after the last one were removed")
    return Verification(True, count)
