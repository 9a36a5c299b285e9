"""The tamper-evident audit trail, on SQLite and PostgreSQL.

Entries are keyed (HMAC-SHA256, the key in a file outside the database), the chain's head is
checkpointed to a file outside the database, and the database refuses UPDATE and DELETE on the
log. The tamper cases are played by an attacker who can write the database and even drop its
triggers, but cannot read the key file nor rewrite the checkpoint file: editing one entry,
deleting the last entries and fixing the head, re-hashing every entry after an edit (without the
key), and truncating the log are each detected by ``verify-audit``.
"""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from ecoledger.platform import audit
from ecoledger.platform.db import Database
from ecoledger.platform.models import AuditEntry, AuditHead
from ecoledger.platform.testing import drop_audit_triggers


@pytest.fixture
def store(store_url, tmp_path):
    database = Database(store_url)
    database.migrate()
    config = audit.configure(database, folder=tmp_path / "keys")
    yield database, config, store_url
    database.dispose()


def _entries(db, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with db.transaction() as s:  # one transaction each, as the platform writes them
            audit.append(s, "alice", "test", "thing", i, {"i": i})


def _cli_verify(tmp_path, url: str, config) -> tuple[int, dict]:
    from ecoledger.cli.platform import app

    result = CliRunner().invoke(
        app,
        [
            "verify-audit",
            "--data",
            str(tmp_path / "cli-data"),
            "--database-url",
            url,
            "--key-file",
            str(config.key_file),
            "--checkpoints",
            str(config.checkpoints),
        ],
    )
    return result.exit_code, json.loads(result.stdout)


def test_entries_are_keyed_with_a_key_outside_the_database(store):
    db, config, _ = store
    _entries(db, 2)
    assert stat.S_IMODE(config.key_file.stat().st_mode) == 0o600
    key = config.key_file.read_bytes()
    assert len(key) == 32
    with db.transaction() as s:
        first, second = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert second.hash == audit.entry_hash(
            first.hash, 2, second.at, "alice", "test", "thing", "1", {"i": 1}, key
        )
        assert second.hash != audit.entry_hash(
            first.hash, 2, second.at, "alice", "test", "thing", "1", {"i": 1}
        )
        assert audit.verify(s).ok and audit.verify(s).checkpoints == 2
    points = audit.read_checkpoints(config)
    assert [(p["seq"], p["hash"], p["forged"]) for p in points] == [
        (1, first.hash, False),
        (2, second.hash, False),
    ]
    assert stat.S_IMODE(config.checkpoints.stat().st_mode) == 0o600


def test_checkpoints_only_for_committed_entries(store):
    db, config, _ = store
    _entries(db, 1)
    with pytest.raises(RuntimeError), db.transaction() as s:
        audit.append(s, "alice", "test", "thing", "lost")
        raise RuntimeError("the change the entry records failed")
    assert [p["seq"] for p in audit.read_checkpoints(config)] == [1]
    with db.transaction() as s:
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_update_and_delete(store, statement):
    from sqlalchemy.exc import DBAPIError

    db, _, _ = store
    _entries(db, 2)
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
        s.execute(text(statement))
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 2
        assert audit.verify(s).ok


def test_postgresql_refuses_truncate(store):
    from sqlalchemy.exc import DBAPIError

    db, _, url = store
    if url.startswith("sqlite"):
        pytest.skip("SQLite has no TRUNCATE")
    _entries(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
        s.execute(text("TRUNCATE audit_log"))


def _edit(s, key):
    s.execute(text("UPDATE audit_log SET detail = :d WHERE seq = 3"), {"d": json.dumps({"i": 99})})


def _delete_last_and_fix_head(s, key):
    s.execute(text("DELETE FROM audit_log WHERE seq > 3"))
    last = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 3))
    s.execute(text("UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1"), {"h": last})


def _rehash_all(s, key):
    """Edit entry 3, then recompute every later hash and the head — without the audit key (plain
    SHA-256) or with a key of the attacker's own."""
    prev = None
    for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all():
        if entry.seq < 3:
            prev = entry.hash
            continue
        detail = {"i": 99} if entry.seq == 3 else entry.detail
        digest = audit.entry_hash(
            prev,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            detail,
            key,
        )
        s.execute(
            text("UPDATE audit_log SET detail = :d, prev_hash = :p, hash = :h WHERE seq = :q"),
            {"d": json.dumps(detail), "p": prev, "h": digest, "q": entry.seq},
        )
        prev = digest
    s.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})


def _truncate(s, key):
    s.execute(text("DELETE FROM audit_log"))
    s.execute(text("DELETE FROM audit_head"))


@pytest.mark.parametrize(
    "tamper, key, bad_seq, reason",
    [
        (_edit, None, 3, "changed"),
        (_delete_last_and_fix_head, None, 4, "removed"),
        (_rehash_all, None, 3, "without the audit key"),
        (_rehash_all, b"k" * 32, 3, "without the audit key"),
        (_truncate, None, 1, "truncated"),
    ],
    ids=["edit", "delete-last-fix-head", "rehash-all", "rehash-all-own-key", "truncate"],
)
def test_tampering_is_detected_by_verify_audit(store, tmp_path, tamper, key, bad_seq, reason):
    db, config, url = store
    _entries(db, 5)
    code, before = _cli_verify(tmp_path, url, config)
    assert code == 0 and before["ok"] and before["entries"] == 5 and before["checkpoints"] == 5
    drop_audit_triggers(db)
    with db.transaction() as s:
        tamper(s, key)
    with db.transaction() as s:
        verdict = audit.verify(s)
    assert not verdict.ok and verdict.first_bad_seq == bad_seq and reason in verdict.reason
    code, after = _cli_verify(tmp_path, url, config)
    assert code == 1 and not after["ok"] and reason in after["reason"]


def test_a_forged_checkpoint_is_detected(store):
    db, config, _ = store
    _entries(db, 2)
    with config.checkpoints.open("a") as f:  # an attacker who could write the file, not the key
        f.write(
            json.dumps({"kind": "head", "chain": "x", "seq": 1, "hash": "y", "at": "z", "mac": "0"}) + "\n"
        )
    with db.transaction() as s:
        verdict = audit.verify(s)
    assert not verdict.ok and "does not verify under the audit key" in verdict.reason


def test_verify_audit_without_the_key_refuses(store, tmp_path):
    from ecoledger.cli.platform import app

    db, _, url = store
    _entries(db, 1)
    result = CliRunner().invoke(
        app, ["verify-audit", "--data", str(tmp_path / "elsewhere"), "--database-url", url]
    )
    assert result.exit_code == 1 and "no audit key" in result.output
    assert not (tmp_path / "elsewhere" / "audit.key").exists()  # never made up


def test_entries_written_before_the_key_are_adopted(store):
    """A store whose first entries were written with plain SHA-256 (before keys) keeps verifying:
    the first keyed append checkpoints them as adopted; an edit among them is still detected."""
    db, config, _ = store
    prev = audit.GENESIS
    with db.transaction() as s:
        for seq in (1, 2):
            at = f"2026-01-0{seq}T00:00:00.000000"
            digest = audit.entry_hash(prev, seq, at, "old", "legacy", "thing", str(seq), {})
            s.add(
                AuditEntry(
                    seq=seq,
                    at=at,
                    actor="old",
                    action="legacy",
                    object_type="thing",
                    object_id=str(seq),
                    detail={},
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        s.add(AuditHead(id=1, seq=2, hash=prev))
    config.adopted.clear()
    _entries(db, 2)
    with db.transaction() as s:
        verdict = audit.verify(s)
    assert verdict.ok and verdict.entries == 4 and verdict.unkeyed == 2
    drop_audit_triggers(db)
    with db.transaction() as s:
        s.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    with db.transaction() as s:
        assert not audit.verify(s).ok
