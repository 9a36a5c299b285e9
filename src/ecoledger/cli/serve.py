"""``ecoledger serve``: start the platform (web pages, API, background runs) on one machine."""

from __future__ import annotations

from pathlib import Path

import typer


def serve(
    pack: Path | None = typer.Option(None, help="region pack the platform accounts (pack.toml folder)"),
    accounts: list[Path] = typer.Option(
        [], help="output folder(s) of `ecoledger account` to load as published runs at start"),
    data: Path = typer.Option(Path("platform-data"), help="folder for the SQLite store, run archives, keys"),
    database_url: str | None = typer.Option(
        None, envvar="ECOLEDGER_DATABASE_URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db (default: SQLite in --data)"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    insecure_cookies: bool = typer.Option(
        False, help="send cookies over plain http (only behind a trusted proxy or on localhost)"),
    trusted_proxy: list[str] = typer.Option(
        [], envvar="ECOLEDGER_TRUSTED_PROXIES",
        help="address or network of a reverse proxy whose X-Forwarded-For is believed (repeatable); "
             "without it forwarded headers are ignored"),
) -> None:
    """Start the platform; with --pack and --accounts it opens with those accounts published."""
    import uvicorn

    from ecoledger.cli._errors import require
    from ecoledger.errors import InputError
    from ecoledger.platform.app import Settings, create_app
    from ecoledger.platform.deps import parse_networks

    require(pack, "the region pack", "--pack", folder=True)
    for folder in accounts:
        require(folder, "an output folder of `ecoledger account`", "--accounts", folder=True)

    proxies = ",".join(trusted_proxy)
    try:
        parse_networks(proxies)
    except ValueError as exc:
        raise InputError(f"--trusted-proxy: {exc} → fix: give an IP address or network, "
                         "e.g. 10.0.0.1 or 10.0.0.0/8") from None
    settings = Settings(data_dir=data, database_url=database_url, pack=pack,
                        cookie_secure=not insecure_cookies, seed_outputs=list(accounts),
                        trusted_proxies=proxies or None)
    app = create_app(settings)
    typer.echo(f"ecoledger platform on http://{host}:{port}/  (store: {settings.url_to_show})")
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 itself;
    # the platform reads it from the listed proxies only (platform/deps.client_address)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
