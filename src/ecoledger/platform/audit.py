"""The append-only, keyed, hash-chained audit log, with checkpoints kept outside the database.

* Each entry's hash is HMAC-SHA256, under a key kept **outside the database**, over the previous
  entry's hash and the entry's own canonical JSON (sequence number, time, actor, action, object,
  detail). Changing, deleting or reordering an entry breaks every later hash; recomputing them
  needs the key, so a rewrite by someone who can write the database but not read the key file
  fails verification at the first entry rewritten.
* The key is a file (``audit.key`` beside the SQLite store, or the path in ``ECOLEDGER_AUDIT_KEY``,
  or the one given to :func:`configure`), created with mode 0600 on first use. It is never
  logged and never stored in the database.
* After every ``every``-th entry (default 1: each one) and after each publication, user creation
  and parameter registration, the head of the chain — sequence number, hash, time, and the hash of
  entry 1 naming the chain — is appended, with its own HMAC, to a checkpoint file outside the
  database (``audit-checkpoints.jsonl`` beside the key, or ``ECOLEDGER_AUDIT_CHECKPOINTS``) and
  written to the ``ecoledger.audit`` log. Only committed entries are checkpointed. Keep that file
  where the database's users cannot write (or make it append-only: ``chattr +a``), or ship the
  log lines elsewhere: entries deleted from the end of the chain, with the head "fixed", are then
  detected by the checkpoint that saw them. With ``every`` > 1, the entries after the last
  checkpoint are protected by the key and the triggers only.
* The database refuses UPDATE and DELETE on ``audit_log`` (triggers, migration 0002; on
  PostgreSQL TRUNCATE too); the ORM refuses them as well (``models.ImmutableRecordError``).
* Entries written before a store had a key (plain SHA-256) are adopted once: the first keyed
  append writes a checkpoint marking them, and ``verify`` accepts them unkeyed up to that mark
  and reports how many there are.

Appends lock the single ``audit_head`` row, so concurrent writers extend one chain instead of
forking it; an entry is written in the same transaction as the change it records, so the log and
the store never disagree.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ecoledger.platform.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
KEY_ENV = "ECOLEDGER_AUDIT_KEY"
CHECKPOINTS_ENV = "ECOLEDGER_AUDIT_CHECKPOINTS"
EVERY_ENV = "ECOLEDGER_AUDIT_CHECKPOINT_EVERY"
KEY_FILE = "audit.key"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
CHECKPOINT_ACTIONS = {"run.publish", "user.create", "parameters.register"}
_PENDING = "ecoledger_audit_checkpoints"
log = logging.getLogger("ecoledger.audit")


# --- configuration: the key and the checkpoint file of each store ---------------------------------

@dataclass
class Config:
    key_file: Path
    checkpoints: Path
    every: int = 1
    _key: bytes | None = field(default=None, repr=False)
    adopted: set[str] = field(default_factory=set)  # chains checked for unkeyed entries

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = load_key(self.key_file)
        return self._key


_configs: dict[str, Config] = {}
_lock = threading.Lock()


def _url_of(bind) -> str:
    return bind.url.render_as_string(hide_password=True)


def configure(db, key_file: Path | None = None, checkpoints: Path | None = None,
              every: int | None = None, folder: Path | None = None) -> Config:
    """Name the key file and the checkpoint file of the store ``db`` (a Database or an Engine).

    The key file is ``key_file``, else ``$ECOLEDGER_AUDIT_KEY``, else ``audit.key`` in ``folder``
    (the platform passes its data folder), else beside the SQLite file, else in
    ``$ECOLEDGER_DATA`` or ``platform-data``. The checkpoint file is ``checkpoints``, else
    ``$ECOLEDGER_AUDIT_CHECKPOINTS``, else ``audit-checkpoints.jsonl`` beside the key.
    """
    engine = getattr(db, "engine", db)
    key_file = Path(key_file or os.environ.get(KEY_ENV)
                    or (Path(folder) / KEY_FILE if folder else _default_key_file(engine)))
    checkpoints = Path(checkpoints or os.environ.get(CHECKPOINTS_ENV) or key_file.parent / CHECKPOINT_FILE)
    every = every or int(os.environ.get(EVERY_ENV) or 1)
    config = Config(key_file, checkpoints, max(1, every))
    with _lock:
        _configs[_url_of(engine)] = config
    return config


def config_for(session: Session) -> Config:
    bind = session.get_bind()
    url = _url_of(bind)
    with _lock:
        found = _configs.get(url)
    return found if found is not None else configure(bind)


def _default_key_file(engine) -> Path:
    """Beside the SQLite file; else in ``$ECOLEDGER_DATA`` (the platform's data folder default)."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).resolve().parent / KEY_FILE
    return Path(os.environ.get("ECOLEDGER_DATA", "platform-data")) / KEY_FILE


def load_key(path: Path) -> bytes:
    """The audit key, created (32 random bytes, mode 0600) on first use; never logged."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(staging, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(descriptor, secrets.token_bytes(32))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(staging, path)  # atomic, and never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            os.unlink(staging)
    key = path.read_bytes()
    if len(key) < 32:
        raise OSError(f"the audit key {path} is shorter than 32 bytes; restore it from the backup")
    return key


# --- hashing -------------------------------------------------------------------------------------

def _content(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
             detail: dict) -> str:
    return json.dumps(
        {"seq": seq, "at": at, "actor": actor, "action": action, "object_type": object_type,
         "object_id": object_id, "detail": detail},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, object_type: str,
               object_id: str, detail: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 under ``key`` (plain SHA-256 without one: entries written before keys)."""
    message = (prev_hash + _content(seq, at, actor, action, object_type, object_id, detail)).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _entry_digest(entry: AuditEntry, prev: str, key: bytes | None) -> str:
    return entry_hash(prev, entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                      entry.object_id, entry.detail, key)


def _checkpoint_mac(key: bytes, point: dict) -> str:
    message = f"{point['kind']}:{point['chain']}:{point['seq']}:{point['hash']}:{point['at']}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


# --- appending -----------------------------------------------------------------------------------

def append(session: Session, actor: str, action: str, object_type: str, object_id: object,
           detail: dict | None = None) -> AuditEntry:
    """Add an entry to the chain inside the caller's transaction."""
    config = config_for(session)
    key = config.key
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    elif head.seq > 0:
        _adopt_unkeyed(session, config, head)
    detail = json.loads(json.dumps(detail or {}, default=str))  # what is stored is what is hashed
    seq, at = head.seq + 1, utcnow().isoformat(timespec="microseconds")
    digest = entry_hash(head.hash, seq, at, actor, action, object_type, str(object_id), detail, key)
    entry = AuditEntry(seq=seq, at=at, actor=actor, action=action, object_type=object_type,
                       object_id=str(object_id), detail=detail, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    if seq % config.every == 0 or action in CHECKPOINT_ACTIONS or seq == 1:
        chain = digest if seq == 1 else _chain_id(session)
        point = {"kind": "head", "chain": chain, "seq": seq, "hash": digest, "at": at}
        _pending(session, config).append(point)
    return entry


def _chain_id(session: Session) -> str:
    return session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1)) or GENESIS


def _adopt_unkeyed(session: Session, config: Config, head: AuditHead) -> None:
    """Once per chain and process: if the head entry is not keyed with this key, checkpoint it as
    the end of the entries written before the key (verify accepts those unkeyed)."""
    chain = _chain_id(session)
    if chain in config.adopted:
        return
    last = session.get(AuditEntry, head.seq)
    if last is not None and _entry_digest(last, last.prev_hash, config.key) != last.hash:
        point = {"kind": "adopt", "chain": chain, "seq": head.seq, "hash": head.hash,
                 "at": utcnow().isoformat(timespec="microseconds")}
        if not any(p["kind"] == "adopt" and p["seq"] == head.seq for p in read_checkpoints(config, chain)):
            _pending(session, config).append(point)
    config.adopted.add(chain)


def _pending(session: Session, config: Config) -> list[dict]:
    """Checkpoints to write when (and only if) the session's transaction commits."""
    if _PENDING not in session.info:
        session.info[_PENDING] = []

        def write(committed_session: Session) -> None:
            points, committed_session.info[_PENDING] = committed_session.info.get(_PENDING, []), []
            if points:
                write_checkpoints(config, points)

        def forget(rolled_back: Session, *_args) -> None:
            rolled_back.info[_PENDING] = []

        event.listen(session, "after_commit", write)
        event.listen(session, "after_rollback", forget)
    return session.info[_PENDING]


def write_checkpoints(config: Config, points: list[dict]) -> None:
    """Append the points (each with its HMAC) to the checkpoint file and the log; never raises
    into a committed transaction (a checkpoint that cannot be written is logged as an error)."""
    lines = []
    for point in points:
        line = json.dumps({**point, "mac": _checkpoint_mac(config.key, point)}, sort_keys=True)
        lines.append(line)
        log.info("audit checkpoint %s", line)
    try:
        config.checkpoints.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(config.checkpoints, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(descriptor, ("\n".join(lines) + "\n").encode("utf-8"))
        finally:
            os.close(descriptor)
    except OSError as exc:
        log.error("audit checkpoint not written to %s: %s", config.checkpoints, exc)


def read_checkpoints(config: Config, chain: str | None = None) -> list[dict]:
    """The checkpoint file's points (of ``chain`` only, if given); a line whose HMAC does not
    verify comes back with ``"forged": True``."""
    if not config.checkpoints.is_file():
        return []
    points = []
    for number, line in enumerate(config.checkpoints.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            point = json.loads(line)
            valid = hmac.compare_digest(str(point.get("mac", "")), _checkpoint_mac(config.key, point))
        except (ValueError, KeyError, TypeError, AttributeError):
            point, valid = {"kind": "?", "chain": None, "seq": 0, "hash": "", "at": ""}, False
        point["line"], point["forged"] = number, not valid
        if chain is None or point.get("chain") == chain or not valid:
            points.append(point)
    return points


# --- verifying -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0  # checkpoints of this chain held against it
    unkeyed: int = 0  # entries written before the store had a key (adopted, SHA-256 only)


def verify(session: Session, config: Config | None = None) -> Verification:
    """Recompute the chain from the first entry under the key; hold it against the checkpoints
    kept outside the database; report the first entry that does not fit."""
    config = config or config_for(session)
    key = config.key
    entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
    chain = entries[0].hash if entries else None
    points = read_checkpoints(config, chain)
    forged = [p for p in points if p["forged"]]
    if forged:
        return Verification(False, len(entries), None, f"line {forged[0]['line']} of the checkpoint file "
                            f"{config.checkpoints} does not verify under the audit key (forged, or "
                            "written with another key)")
    if not entries:
        others = read_checkpoints(config)
        if others:
            return Verification(False, 0, 1, f"the log is empty but {len(others)} checkpoint(s) in "
                                f"{config.checkpoints} record entries: it was truncated")
        return Verification(True, 0)
    adopted = max((p["seq"] for p in points if p["kind"] == "adopt"), default=0)
    prev, hashes, unkeyed = GENESIS, {}, 0
    for count, entry in enumerate(entries, start=1):
        if entry.seq != count:
            return Verification(False, count, entry.seq, f"entry {count} is missing")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, "does not link to the entry before it")
        if _entry_digest(entry, prev, key) != entry.hash:
            if entry.seq <= adopted and _entry_digest(entry, prev, None) == entry.hash:
                unkeyed += 1
            else:
                return Verification(False, count, entry.seq, "its content was changed after writing, "
                                    "or its hash was recomputed without the audit key")
        hashes[entry.seq] = prev = entry.hash
    count = len(entries)
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (count, prev):
        return Verification(False, count, count + 1, "entries after the last one were removed")
    for point in sorted(points, key=lambda p: p["seq"]):
        if point["seq"] > count:
            return Verification(False, count, count + 1,
                                f"entries after {count} were removed: the checkpoint of {point['at']} "
                                f"({config.checkpoints}, line {point['line']}) saw entry {point['seq']}",
                                len(points), unkeyed)
        if hashes[point["seq"]] != point["hash"]:
            return Verification(False, count, point["seq"],
                                f"entry {point['seq']} differs from the checkpoint of {point['at']} "
                                f"({config.checkpoints}, line {point['line']})", len(points), unkeyed)
    return Verification(True, count, checkpoints=len(points), unkeyed=unkeyed)
