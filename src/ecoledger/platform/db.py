"""Engines, transactions and migrations of the store.

SQLite (the default, a file in the platform's data folder) and PostgreSQL (``postgresql+psycopg://``
for a shared deployment) behave the same to the rest of the code:

* every write happens inside ``Database.transaction()``: committed whole or not at all;
* SQLite runs in WAL mode with ``synchronous=FULL`` so a commit survives a crash or power cut,
  and each transaction begins with ``BEGIN IMMEDIATE`` so two writers never race on a stale
  snapshot (PostgreSQL gets the same effect from row locks on the audit head);
* the schema is created and upgraded by Alembic (``migrate``), so a deployment's database follows
  the code's models through recorded revisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True)
    raise StoreError(f"database URL {url!r} is not supported; use sqlite:///path/to/file.db "
                     "or postgresql+psycopg://user:password@host/dbname")


class Database:
    """The store: an engine and a session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions() as session, session.begin():
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
