"""Engines, transactions and migrations of the store.

SQLite (the default, a file in the platform's data folder) and PostgreSQL (``postgresql+psycopg://``
for a shared deployment) behave the same to the rest of the code:

* every write happens inside ``Database.transaction()`` (``write=True``, the default): committed
  whole or not at all; reads that change nothing say ``transaction(write=False)``;
* SQLite runs in WAL mode with ``synchronous=FULL`` so a commit survives a crash or power cut.
  A writing transaction begins with ``BEGIN IMMEDIATE`` (the write lock, taken at once, so two
  writers never race on a stale snapshot), and this process's writers queue on one lock before
  asking for it, so they wait in order instead of polling SQLite's busy handler. A reading
  transaction begins with a deferred ``BEGIN`` under ``PRAGMA query_only``: in WAL mode it reads
  its snapshot while a writer commits, never takes the write lock and cannot write by mistake.
  A busy timeout covers writers of other processes (the CLI). PostgreSQL gets the same effect
  from MVCC and row locks on the audit head, its read transactions begin ``READ ONLY``;
* a new SQLite file (and its WAL and shared-memory files) is readable by its owner only;
* the schema is created and upgraded by Alembic (``migrate``), so a deployment's database follows
  the code's models through recorded revisions.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ecoledger.errors import EcoledgerError


class StoreError(EcoledgerError):
    """The platform's database cannot be used (bad URL, unreachable server, old schema)."""


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


READ_OPTION = "ecoledger_read"  # execution option of the engine read transactions are bound to
BUSY_TIMEOUT_MS = 30_000


def _sqlite_file(url: str) -> Path | None:
    path = url.split("///", 1)[1] if "///" in url else ""
    return Path(path) if path and not path.startswith(":memory:") else None


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner only, before SQLite opens it
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                                  "check_same_thread": False},
                               pool_size=10, max_overflow=30)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            if connection.get_execution_options().get(READ_OPTION):
                connection.exec_driver_sql("PRAGMA query_only=1")
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("PRAGMA query_only=0")
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    shown = url.split(":", 1)[0] + ":…" if "@" in url else url  # never a password in a message
    raise StoreError(f"database URL {shown!r} is not supported; use sqlite:///path/to/file.db "
                     "or postgresql+psycopg://user:password@host/dbname")


class Database:
    """The store: an engine and a session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # PostgreSQL: BEGIN READ ONLY (psycopg's read_only, no extra round trip), so a read
        # transaction cannot write by mistake there either
        readonly = {"postgresql_readonly": True} if url.startswith("postgresql") else {}
        self._read_sessions = sessionmaker(self.engine.execution_options(**{READ_OPTION: True}, **readonly),
                                           expire_on_commit=False)
        # SQLite has one writer at a time: this process's writers queue here, in one place
        self._write_lock = threading.RLock() if url.startswith("sqlite") else None

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error.

        ``write=False`` for a transaction that only reads: on SQLite it never takes the write
        lock (nor waits for it), and an attempt to write in it fails.
        """
        if not write:
            with self._read_sessions() as session, session.begin():
                yield session
            return
        with self._write_lock or nullcontext(), self._sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision of every branch (core and modules)."""
        from alembic import command

        command.upgrade(alembic_config(self.url), "heads")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("ecoledger.platform") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
