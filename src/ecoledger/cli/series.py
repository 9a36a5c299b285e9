"""``ecoledger series PACK --years …``: GEP over several years at current and constant prices."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require


def series(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    years: list[int] = typer.Option(..., help="years to account (repeat the option)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
    price_year: int | None = typer.Option(None, help="constant-price year (default: first year)"),
    profile: str = typer.Option("ndrc2022", help="ndrc2022 | mee2020 | db36_1402"),
) -> None:
    """Write change.csv: GEP per unit and year, current and constant prices, year-over-year."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.series import run_series

    require(pack, "the region pack", "PACK", folder=True)
    table = run_series(pack, years, price_year, profile=profile)
    with atomic_directory(out) as folder:
        table.to_csv(folder / "change.csv", index=False, encoding="utf-8")
    typer.echo(f"{len(years)} years → {out / 'change.csv'}")
