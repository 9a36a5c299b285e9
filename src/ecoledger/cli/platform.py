"""``ecoledger platform …``: administer a platform's store from the shell (users, audit, archives)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="platform", no_args_is_help=True)
DATA = typer.Option(Path("platform-data"))
URL = typer.Option(None, envvar="ECOLEDGER_DATABASE_URL")
STORE = {"data": ("平台的数据文件夹", "the platform's data folder"),
         "database_url": ("数据库地址（默认：--data 中的 SQLite）",
                          "database URL (default: SQLite in --data)")}

declare("platform", {"": ("从命令行管理平台的数据库。", "Administer the platform's store.")})
declare("platform.add-user", {
    "": ("创建用户；密码从 ECOLEDGER_PASSWORD 读取，未设置时提示输入。",
         "Create a user; the password is read from ECOLEDGER_PASSWORD or asked for."),
    "username": ("用户名", "user name"),
    "role": ("角色：`viewer`（查看）、`submitter`（报送）、`reviewer`（审核）或 `administrator`（管理员）",
             "viewer | submitter | reviewer | administrator"),
    "unit": ("报送人可报送的单位代码（可多次给出）", "unit code a submitter may submit for (repeat)"),
    "pack": ("区域数据包；数据库中还没有单位时从中载入",
             "region pack, to load the units if the store has none"),
    **STORE,
})
declare("platform.verify-audit", {
    "": ("重新计算审计日志的带密钥哈希链，并与保存在数据库之外的检查点比对；任何记录被改动、重新"
         "计算哈希、删除或日志被截断时，退出码为 1。",
         "Recompute the audit log's keyed hash chain and hold it against the checkpoints kept "
         "outside the database; exit 1 if any entry was altered, re-hashed, removed or the log "
         "truncated."),
    "key_file": ("审计密钥文件（默认：--data 中的 `audit.key`）",
                 "the audit key file (default: audit.key in --data)"),
    "checkpoints": ("检查点文件（默认：密钥旁的 `audit-checkpoints.jsonl`）",
                    "the checkpoint file (default: audit-checkpoints.jsonl beside the key)"),
    **STORE,
})
declare("platform.rerun", {
    "": ("用运行归档重新计算平台上的一次核算，并检查结果是否完全相同（不同时退出码为 1；归档或数据包"
         "无法使用时为 2，此时不写入任何内容）。",
         "Recompute a platform run from its archive and check the accounts are identical (exit 1 "
         "if they differ, 2 if the archive or pack cannot be used; nothing is written then)."),
    "archive": ("从平台下载的 `run-<id>.zip`", "run-<id>.zip downloaded from the platform"),
    "pack": ("该次运行所用的区域数据包", "the region pack the run used"),
    "out": ("重新计算结果的输出文件夹（整体写出，或不写出）",
            "folder for the recomputed outputs (written whole or not at all)"),
})
register({
    "password": ("密码", "password"),
    "user_created": ("已创建用户 {username}（{role_name}，`{role}`）", "user {username} ({role}) created"),
    "no_key": ("错误：{key_file} 处没有审计密钥；请用 --key-file 给出服务器的密钥",
               "error: no audit key at {key_file}; give the server's key with --key-file"),
}, prefix="cli.platform.")


def _database(data: Path, database_url: str | None):
    from ecoledger.platform.app import Settings
    from ecoledger.platform.db import Database

    db = Database(Settings(data_dir=data, database_url=database_url).url)
    db.migrate()
    return db


@app.command("add-user", cls=Command)
def add_user(
    username: str,
    role: str = typer.Option(...),
    unit: list[str] = typer.Option([]),
    pack: Path | None = typer.Option(None),
    data: Path = DATA, database_url: str | None = URL,
) -> None:
    """Create a user; the password is read from ECOLEDGER_PASSWORD or asked for."""
    from ecoledger.platform import seed, users

    require(pack, "the region pack", "--pack", folder=True)
    db = _database(data, database_url)
    password = os.environ.get("ECOLEDGER_PASSWORD") or typer.prompt(
        text("platform.password"), hide_input=True, confirmation_prompt=True)
    seed.ensure_reference_data(db, pack)
    users.create_user(db, username, password, role, unit, actor="cli")
    from ecoledger.messages import CATALOGUE
    from ecoledger.messages import text as lookup
    from ecoledger.platform import i18n  # noqa: F401  (registers the roles' names)

    role_name = lookup(f"role.{role}", language()) if f"role.{role}" in CATALOGUE else role
    typer.echo(text("platform.user_created", username=username, role=role, role_name=role_name))


@app.command("verify-audit", cls=Command)
def verify_audit(
    data: Path = DATA, database_url: str | None = URL,
    key_file: Path | None = typer.Option(None, envvar="ECOLEDGER_AUDIT_KEY"),
    checkpoints: Path | None = typer.Option(None, envvar="ECOLEDGER_AUDIT_CHECKPOINTS"),
) -> None:
    """Recompute the audit log's keyed hash chain and hold it against the checkpoints kept outside
    the database; exit 1 if any entry was altered, re-hashed, removed or the log truncated."""
    from ecoledger.platform import audit

    key_file = key_file or data / audit.KEY_FILE
    if not key_file.is_file():  # never make a new key here: nothing would verify under it
        typer.echo(text("platform.no_key", key_file=key_file), err=True)
        raise typer.Exit(1)
    db = _database(data, database_url)
    config = audit.configure(db, key_file, checkpoints)
    with db.transaction(write=False) as s:
        result = audit.verify(s, config)
    typer.echo(json.dumps({**result.__dict__, "checkpoint_file": str(config.checkpoints)}))
    raise typer.Exit(0 if result.ok else 1)


@app.command("rerun", cls=Command)
def rerun(
    archive: Path = typer.Argument(...),
    pack: Path = typer.Option(...),
    out: Path = typer.Option(...),
) -> None:
    """Recompute a platform run from its archive and check the accounts are identical (exit 1 if
    they differ, 2 if the archive or pack cannot be used; nothing is written then)."""
    from ecoledger.platform.runs import verify_archive

    require(archive, "the run archive", "ARCHIVE", folder=False)
    require(pack, "the region pack", "--pack", folder=True)
    result = verify_archive(archive, pack, out)
    typer.echo(json.dumps({k: v for k, v in result.items() if k != "outputs"}, indent=2))
    raise typer.Exit(0 if result["identical"] else 1)
