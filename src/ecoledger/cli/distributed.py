"""``ecoledger distributed PACK --year … --out FILE.csv``: raster items on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require


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

    require(pack, "the region pack", "PACK", folder=True)
    timings: dict[str, float] = {}
    table = run_distributed(pack, year, scheduler=scheduler, chunk=chunk, profile=profile,
                            routing=routing, timings=timings)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    table.to_csv(partial, index=False, encoding="utf-8")
    partial.replace(out)
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
    typer.echo(f"{len(table)} rows → {out} ({steps})")
