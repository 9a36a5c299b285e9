"""Helpers for testing the platform: a fresh store on SQLite or PostgreSQL, users, logins.

PostgreSQL tests use the URL in ``ECOLEDGER_TEST_POSTGRES_URL`` (``scripts/start-postgres``
prints one); each test starts from an empty ``public`` schema.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from ecoledger.platform import users
from ecoledger.platform.app import Settings, create_app
from ecoledger.platform.db import Database, sqlite_url

POSTGRES_ENV = "ECOLEDGER_TEST_POSTGRES_URL"
PASSWORD = "correct-horse-battery"
# role → (user name, unit codes) for the synthetic pack of ecoledger.testing
SYNTHETIC_USERS = {
    "administrator": ("admin", []),
    "reviewer": ("reviewer", []),
    "submitter": ("county-a", ["990101"]),
    "other_submitter": ("county-b", ["990201"]),
    "viewer": ("viewer", []),
}


def database_url(kind: str, folder: Path) -> str:
    """A URL of an empty store of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        return sqlite_url(folder / "store.db")
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        raise LookupError(f"{POSTGRES_ENV} is not set (run scripts/start-postgres)")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_settings(folder: Path, url: str, pack: Path | None, **extra) -> Settings:
    return Settings(data_dir=folder / "platform-data", database_url=url, pack=pack, **extra)


def add_synthetic_users(db: Database) -> None:
    for role, (name, codes) in SYNTHETIC_USERS.items():
        users.create_user(db, name, PASSWORD, "submitter" if role == "other_submitter" else role, codes)


def make_client(settings: Settings):
    """A TestClient on https (so the Secure cookies are sent) with the synthetic users."""
    from fastapi.testclient import TestClient

    app = create_app(settings)  # which loads the pack's units and the parameter table
    add_synthetic_users(app.state.platform.db)
    return TestClient(app, base_url="https://testserver")


def login(client, username: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the API; returns the CSRF token to send in X-CSRF-Token."""
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    response = client.post("/api/v1/login", json={"username": username, "password": password},
                           headers={"X-CSRF-Token": token})
    response.raise_for_status()
    return response.json()["csrf_token"]


def publish(client, run_id: int, publisher: str = "admin"):
    """Publish run ``run_id`` as ``publisher`` (four eyes: not the reviewer who started it);
    ``client`` stays logged in as the publisher. Returns the response."""
    csrf = login(client, publisher)
    return client.post(f"/api/v1/runs/{run_id}/publish", headers={"X-CSRF-Token": csrf})


@contextmanager
def served(app, start_timeout_s: float = 20):
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start within {start_timeout_s} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def drop_audit_triggers(db: Database) -> None:
    """What an attacker with the table owner's rights does first: remove the triggers that
    refuse UPDATE and DELETE on the audit log (migration 0002), so tamper tests reach the data."""
    with db.transaction() as s:
        if db.url.startswith("sqlite"):
            s.execute(text("DROP TRIGGER audit_log_no_update"))
            s.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            s.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
            s.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
