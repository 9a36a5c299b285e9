"""``ecoledger distributed PACK --year … --out FILE.csv``: raster items on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.errors import EcoledgerError


def distributed(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    year: int = typer.Option(..., help="accounting year"),
    scheduler: str | None = typer.Option(
        None, help="dask.distributed scheduler address (tcp://host:8786); default: a local cluster"),
    out: Path = typer.Option(..., help="CSV to write (adcode, item, ecosystem, physical_value)"),
    chunk: int = typer.Option(2048, help="chunk edge in cells"),
    profile: str = typer.Option("ndrc2022", help="ndrc2022 | mee2020 | db36_1402"),
    routing: str = typer.Option("mfd", help="mfd | d8 (flow routing for the LS factor)"),
) -> None:
    """Per-cell raster items per leaf unit and ecosystem type, computed on a Dask cluster."""
    from ecoledger.distributed import run_distributed  # dask.distributed only when used

    timings: dict[str, float] = {}
    try:
        table = run_distributed(pack, year, scheduler=scheduler, chunk=chunk, profile=profile,
                                routing=routing, timings=timings)
    except EcoledgerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, encoding="utf-8")
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
    typer.echo(f"{len(table)} rows → {out} ({steps})")
