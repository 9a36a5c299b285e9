"""``ecoledger serve``: start the platform (web pages, API, background runs) on one machine."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._help import declare
from ecoledger.messages import register

declare("serve", {
    "": ("启动平台；给出 --pack 和 --accounts 时，平台启动时即发布这些核算结果。",
         "Start the platform; with --pack and --accounts it opens with those accounts published."),
    "pack": ("平台核算所用的区域数据包（含 pack.toml 的文件夹）",
             "region pack the platform accounts (pack.toml folder)"),
    "accounts": ("`ecoledger account` 的输出文件夹（可多次给出），启动时作为已发布的核算载入",
                 "output folder(s) of `ecoledger account` to load as published runs at start"),
    "data": ("存放 SQLite 数据库、运行归档和密钥的文件夹",
             "folder for the SQLite store, run archives, keys"),
    "database_url": ("SQLAlchemy 数据库地址，如 `postgresql+psycopg://user:pw@host/db`"
                     "（默认：--data 中的 SQLite）",
                     "SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db (default: SQLite "
                     "in --data)"),
    "host": ("监听的地址", "address to listen on"),
    "port": ("监听的端口", "port to listen on"),
    "insecure_cookies": ("经明文 HTTP 发送 Cookie（仅限在可信的反向代理之后或本机使用）",
                         "send cookies over plain http (only behind a trusted proxy or on "
                         "localhost)"),
    "trusted_proxy": ("可信反向代理的地址或网段（可多次给出），只采信其 `X-Forwarded-For` 头；"
                      "不给出时忽略转发头",
                      "address or network of a reverse proxy whose X-Forwarded-For is believed "
                      "(repeatable); without it forwarded headers are ignored"),
})
register({
    "bad_proxy": ("--trusted-proxy：{entry!r} 不是 IP 地址或网段 → 修改：请给出 IP 地址或网段，"
                  "如 10.0.0.1 或 10.0.0.0/8",
                  "--trusted-proxy: {exc} → fix: give an IP address or network, e.g. 10.0.0.1 "
                  "or 10.0.0.0/8"),
    "started": ("ecoledger 平台运行于 http://{host}:{port}/（数据库：{store}）",
                "ecoledger platform on http://{host}:{port}/  (store: {store})"),
}, prefix="cli.serve.")


def serve(
    pack: Path | None = typer.Option(None),
    accounts: list[Path] = typer.Option([]),
    data: Path = typer.Option(Path("platform-data")),
    database_url: str | None = typer.Option(None, envvar="ECOLEDGER_DATABASE_URL"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    insecure_cookies: bool = typer.Option(False),
    trusted_proxy: list[str] = typer.Option([], envvar="ECOLEDGER_TRUSTED_PROXIES"),
) -> None:
    """Start the platform; with --pack and --accounts it opens with those accounts published."""
    import uvicorn

    from ecoledger.cli._errors import require
    from ecoledger.cli._lang import text
    from ecoledger.errors import InputError
    from ecoledger.platform.app import Settings, create_app
    from ecoledger.platform.deps import parse_networks

    require(pack, "the region pack", "--pack", folder=True)
    for folder in accounts:
        require(folder, "an output folder of `ecoledger account`", "--accounts", folder=True)

    proxies = ",".join(trusted_proxy)
    for entry in proxies.split(","):
        try:
            parse_networks(entry)
        except ValueError as exc:
            raise InputError(text("serve.bad_proxy", exc=exc, entry=entry.strip())) from None
    settings = Settings(data_dir=data, database_url=database_url, pack=pack,
                        cookie_secure=not insecure_cookies, seed_outputs=list(accounts),
                        trusted_proxies=proxies or None)
    app = create_app(settings)
    typer.echo(text("serve.started", host=host, port=port, store=settings.url_to_show))
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 itself;
    # the platform reads it from the listed proxies only (platform/deps.client_address)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
