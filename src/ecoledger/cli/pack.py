"""``ecoledger pack …``: create region packs."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.testing import make_pack

app = typer.Typer(help="Create region packs.", no_args_is_help=True)


@app.command("synthetic")
def synthetic(
    folder: Path = typer.Argument(..., help="folder to write the pack into"),
    year: int = typer.Option(2020, help="accounting year of the layers and statistics"),
) -> None:
    """Write the small synthetic test pack (synthetic numbers, labelled so)."""
    make_pack(folder, year=year)
    typer.echo(f"synthetic pack written to {folder}")
