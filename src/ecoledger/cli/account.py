"""``ecoledger account PACK --year YEAR --out DIR``: run and write a year's GEP accounts."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._lang import language, text


def account(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    year: int = typer.Option(..., help="accounting year"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
    profile: str = typer.Option("ndrc2022", help="ndrc2022 | mee2020 | db36_1402"),
    parameters: list[Path] = typer.Option([], help="parameter override table(s)"),
    statistics: list[Path] = typer.Option(
        [], help="statistics file(s) whose rows take precedence over the pack's (e.g. a run archive's)"),
    block_rows: int | None = typer.Option(None, help="process the grid in row blocks"),
    routing: str = typer.Option("mfd", help="flow routing for LS: mfd | d8"),
    maps: bool = typer.Option(True, help="write per-cell maps"),
    report: bool = typer.Option(True, help="write the bilingual HTML/PDF report"),
    provisioning_basis: str | None = typer.Option(
        None, help="material products: gross_output | net_output | quantity_price (default: profile's)"),
    max_missing_share: float | None = typer.Option(
        None, min=0.0, max=1.0,
        help="a unit whose credited area lacks an input on more than this share gets the item "
             "missing; below it, partial with its own covered share (default: "
             "accounts.MAX_MISSING_SHARE, 0.5)"),
) -> None:
    """Run the GEP accounts of PACK for YEAR and write them to OUT."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ecoledger.accounts import run_account
    from ecoledger.outputs import YI, write_outputs

    require(pack, "the region pack", "PACK", folder=True)
    for path in (*parameters, *statistics):
        require(path, "a parameter or statistics table", "--parameters/--statistics", folder=False)
    console = Console(markup=False, highlight=False)
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task(text("account.validating"), total=1.0)
        result = run_account(
            pack, year, profile=profile, parameter_overrides=parameters,
            statistics_overrides=statistics,
            block_rows=block_rows, routing=routing, keep_maps=maps,
            provisioning_basis=provisioning_basis,
            **({} if max_missing_share is None else {"max_missing_share": max_missing_share}),
            progress=lambda step, done: bar.update(task, description=step, completed=done),
        )
        bar.update(task, description=text("account.writing"))
        write_outputs(result, out, pack, report=report)
    accounts = result.accounts
    total = accounts.loc[(accounts["ecosystem"] == "all")
                         & (accounts["level"] == accounts["level"].iloc[0]), "value_yuan"].sum()
    console.print(text("account.summary", year=year, region=result.provenance["region"],
                       total=f"{total / YI:,.2f}", out=out))
    zh = language() == "zh"
    for row in result.plausibility[result.plausibility["flagged"]].itertuples():
        console.print(text("account.plausibility", name=row.name, check=row.check,
                           quantity=row.quantity, unit=row.unit, ratio=row.ratio,
                           reference_year=row.reference_year,
                           explanation=row.explanation_zh if zh else row.explanation_en),
                      style="yellow")
