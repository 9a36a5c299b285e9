"""The store's foundations: migrations, transactions, the audit chain, passwords and tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from ecoledger.platform import audit, security
from ecoledger.platform.db import Database, StoreError, alembic_config
from ecoledger.platform.models import AuditEntry, AuditHead, Unit
from ecoledger.platform.testing import drop_audit_triggers


@pytest.fixture
def db(store_url):
    database = Database(store_url)
    database.migrate()
    yield database
    database.dispose()


def test_migrations_match_the_models(db):
    """The newest migration creates exactly the tables and columns the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ecoledger.platform.schema import metadata

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    db.migrate()  # idempotent


def test_each_migration_branch_is_linear():
    """The core and each module (applications, carbon, monitoring) have one head each."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = [script.get_revision(h) for h in script.get_heads()]
    labels = [sorted(h.branch_labels) or ["core"] for h in heads]
    assert len({label[0] for label in labels}) == len(heads)


def test_unsupported_url_is_refused():
    with pytest.raises(StoreError, match="postgresql"):
        Database("mysql://x@y/z")


def test_transaction_is_all_or_nothing(db):
    with pytest.raises(RuntimeError), db.transaction() as s:
        s.add(Unit(code="110000", name_zh="甲", level="province"))
        s.flush()
        raise RuntimeError("crash in the middle")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 0


def test_audit_chain_links_and_verifies(db):
    with db.transaction() as s:
        first = audit.append(s, "alice", "test.one", "thing", 1, {"value": 1.5})
        second = audit.append(s, "bob", "test.two", "thing", 2, {"note": "第二条"})
    assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash
    with db.transaction() as s:
        key = audit.config_for(s).key
    assert second.hash == audit.entry_hash(first.hash, 2, second.at, "bob", "test.two", "thing", "2",
                                           {"note": "第二条"}, key)
    with db.transaction() as s:
        assert audit.verify(s).ok and audit.verify(s).entries == 2


@pytest.mark.parametrize("tamper, reason", [
    ("edit", "changed"), ("delete_middle", "missing"), ("delete_last", "removed"), ("relink", "link"),
])
def test_audit_tampering_is_detected(db, tamper, reason):
    with db.transaction() as s:
        for i in range(3):
            audit.append(s, "alice", "test", "thing", i, {"i": i})
    statements = {  # an attacker with write access to the database, bypassing the application
        "edit": "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "delete_middle": "DELETE FROM audit_log WHERE seq = 2",
        "delete_last": "DELETE FROM audit_log WHERE seq = 3",
        "relink": "UPDATE audit_log SET prev_hash = 'ffff' WHERE seq = 2",
    }
    drop_audit_triggers(db)
    with db.transaction() as s:
        s.execute(text(statements[tamper]))
    with db.transaction() as s:
        verdict = audit.verify(s)
    assert not verdict.ok and reason in verdict.reason


def test_records_are_append_only_in_the_application(db):
    from ecoledger.platform.models import ImmutableRecordError, Run

    with db.transaction() as s:
        audit.append(s, "alice", "test", "thing", 1)
        s.add(Run(year=2020, profile="ndrc2022", status="published"))
    with pytest.raises(ImmutableRecordError), db.transaction() as s:
        s.scalars(select(AuditEntry)).one().actor = "mallory"
    with pytest.raises(ImmutableRecordError), db.transaction() as s:
        s.delete(s.scalars(select(AuditEntry)).one())
    with pytest.raises(ImmutableRecordError), db.transaction() as s:
        s.scalars(select(Run)).one().gep_yuan = 1.0


def test_audit_head_tracks_the_chain(db):
    with db.transaction() as s:
        entry = audit.append(s, "alice", "test", "thing", 1)
    with db.transaction() as s:
        head = s.get(AuditHead, 1)
        assert (head.seq, head.hash) == (1, entry.hash)


def test_passwords_are_argon2id_and_verify():
    stored = security.hash_password("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "a long passphrase")
    assert not security.verify_password(stored, "a long passphrasE")
    assert not security.verify_password("not a hash", "x")
    assert security.password_problem("short") and security.password_problem("long enough!") is None


def test_csrf_tokens_are_bound_to_the_secret_and_nonce():
    secret, nonce = b"k" * 32, "abc"
    token = security.csrf_token(secret, nonce)
    assert security.csrf_valid(secret, nonce, token)
    assert not security.csrf_valid(b"j" * 32, nonce, token)
    assert not security.csrf_valid(secret, "abd", token)
    assert not security.csrf_valid(secret, None, token) and not security.csrf_valid(secret, nonce, None)
    assert not security.csrf_valid(secret, "nonce-ü", "令牌")  # non-ASCII input is refused, not an error


def test_session_tokens_are_stored_hashed():
    token = security.new_token()
    assert len(token) >= 40 and security.token_hash(token) != token and len(security.token_hash(token)) == 64


def test_secret_is_created_once_private(tmp_path):
    path = tmp_path / "secret.key"
    first = security.load_secret(path)
    assert len(first) == 32 and security.load_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600


def test_hillshade_of_a_plane_facing_the_sun():
    """A 45° slope facing north-west, straight at the sun (azimuth 315°, 45° high), and its back."""
    import numpy as np

    from ecoledger.platform.hillshade import shade

    rows, cols = np.mgrid[0:5, 0:5].astype(float)
    # rising towards the south-east (rows grow southwards): the slope faces north-west
    facing_nw = (rows + cols) / np.sqrt(2)
    # normal tilted 45° towards a sun 45° above the horizon: cos 0 = fully lit
    assert shade(facing_nw, 1.0, 1.0)[2, 2] == pytest.approx(1.0)
    # the opposite slope: cos45·cos45 − sin45·sin45 = 0
    assert shade(-facing_nw, 1.0, 1.0)[2, 2] == pytest.approx(0.0, abs=1e-12)
    flat = shade(np.zeros((3, 3)), 1.0, 1.0)
    assert flat[1, 1] == pytest.approx(np.cos(np.radians(45)))
