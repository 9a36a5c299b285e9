"""``ecoledger pack …``: build region packs."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.errors import EcoledgerError
from ecoledger.testing import make_pack

app = typer.Typer(help="Build region packs.", no_args_is_help=True)


@app.command("build")
def build(
    region: str = typer.Argument(..., help="region to build: jiangxi"),
    out: Path = typer.Option(..., help="pack folder to write (replaced atomically)"),
    source: Path | None = typer.Option(None, help="source data folder (default: data/<region>)"),
    years: list[int] = typer.Option([2019], help="years to build (2006–2019 for jiangxi)"),
) -> None:
    """Build an analysis-ready region pack from the real data shipped with the project."""
    if region != "jiangxi":
        raise typer.BadParameter(f"unknown region {region!r}; known: jiangxi")
    from ecoledger.packs import jiangxi

    try:
        jiangxi.build(out, source, tuple(years))
    except EcoledgerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{region} pack written to {out}")


@app.command("synthetic")
def synthetic(
    folder: Path = typer.Argument(..., help="folder to write the pack into"),
    year: int = typer.Option(2020, help="accounting year of the layers and statistics"),
) -> None:
    """Write the small synthetic test pack (synthetic numbers, labelled so)."""
    make_pack(folder, year=year)
    typer.echo(f"synthetic pack written to {folder}")
