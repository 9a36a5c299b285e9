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
) -> None:
    """Start the platform; with --pack and --accounts it opens with those accounts published."""
    import uvicorn

    from ecoledger.cli._errors import require
    from ecoledger.platform.app import Settings, create_app

    require(pack, "the region pack", "--pack", folder=True)
    for folder in accounts:
        require(folder, "an output folder of `ecoledger account`", "--accounts", folder=True)

    settings = Settings(data_dir=data, database_url=database_url, pack=pack,
                        cookie_secure=not insecure_cookies, seed_outputs=list(accounts))
    app = create_app(settings)
    typer.echo(f"ecoledger platform on http://{host}:{port}/  (store: {settings.url_to_show})")
    uvicorn.run(app, host=host, port=port, log_level="info")
