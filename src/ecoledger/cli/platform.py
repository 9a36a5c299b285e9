"""``ecoledger platform …``: administer a platform's store from the shell (users, audit, archives)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from ecoledger.cli._errors import Group, require

app = typer.Typer(cls=Group, help="Administer the platform's store.", no_args_is_help=True)
DATA = typer.Option(Path("platform-data"), help="the platform's data folder")
URL = typer.Option(None, envvar="ECOLEDGER_DATABASE_URL", help="database URL (default: SQLite in --data)")


def _database(data: Path, database_url: str | None):
    from ecoledger.platform.app import Settings
    from ecoledger.platform.db import Database

    db = Database(Settings(data_dir=data, database_url=database_url).url)
    db.migrate()
    return db


@app.command("add-user")
def add_user(
    username: str,
    role: str = typer.Option(..., help="viewer | submitter | reviewer | administrator"),
    unit: list[str] = typer.Option([], help="unit code a submitter may submit for (repeat)"),
    pack: Path | None = typer.Option(None, help="region pack, to load the units if the store has none"),
    data: Path = DATA, database_url: str | None = URL,
) -> None:
    """Create a user; the password is read from ECOLEDGER_PASSWORD or asked for."""
    from ecoledger.platform import seed, users

    require(pack, "the region pack", "--pack", folder=True)
    db = _database(data, database_url)
    password = os.environ.get("ECOLEDGER_PASSWORD") or typer.prompt("password", hide_input=True,
                                                                    confirmation_prompt=True)
    seed.ensure_reference_data(db, pack)
    users.create_user(db, username, password, role, unit, actor="cli")
    typer.echo(f"user {username} ({role}) created")


@app.command("verify-audit")
def verify_audit(
    data: Path = DATA, database_url: str | None = URL,
    key_file: Path | None = typer.Option(
        None, envvar="ECOLEDGER_AUDIT_KEY", help="the audit key file (default: audit.key in --data)"),
    checkpoints: Path | None = typer.Option(
        None, envvar="ECOLEDGER_AUDIT_CHECKPOINTS",
        help="the checkpoint file (default: audit-checkpoints.jsonl beside the key)"),
) -> None:
    """Recompute the audit log's keyed hash chain and hold it against the checkpoints kept outside
    the database; exit 1 if any entry was altered, re-hashed, removed or the log truncated."""
    from ecoledger.platform import audit

    key_file = key_file or data / audit.KEY_FILE
    if not key_file.is_file():  # never make a new key here: nothing would verify under it
        typer.echo(f"error: no audit key at {key_file}; give the server's key with --key-file", err=True)
        raise typer.Exit(1)
    db = _database(data, database_url)
    config = audit.configure(db, key_file, checkpoints)
    with db.transaction(write=False) as s:
        result = audit.verify(s, config)
    typer.echo(json.dumps({**result.__dict__, "checkpoint_file": str(config.checkpoints)}))
    raise typer.Exit(0 if result.ok else 1)


@app.command("rerun")
def rerun(
    archive: Path = typer.Argument(..., help="run-<id>.zip downloaded from the platform"),
    pack: Path = typer.Option(..., help="the region pack the run used"),
    out: Path = typer.Option(..., help="folder for the recomputed outputs (written whole or not at all)"),
) -> None:
    """Recompute a platform run from its archive and check the accounts are identical (exit 1 if
    they differ, 2 if the archive or pack cannot be used; nothing is written then)."""
    from ecoledger.platform.runs import verify_archive

    require(archive, "the run archive", "ARCHIVE", folder=False)
    require(pack, "the region pack", "--pack", folder=True)
    result = verify_archive(archive, pack, out)
    typer.echo(json.dumps({k: v for k, v in result.items() if k != "outputs"}, indent=2))
    raise typer.Exit(0 if result["identical"] else 1)
