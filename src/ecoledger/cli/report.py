"""``ecoledger report OUT``: the bilingual GEP report of an accounting run's output folder."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from ecoledger.cli._errors import require


def report(
    out: Path = typer.Argument(..., help="output folder of `ecoledger account`"),
    pack: Path | None = typer.Option(None, help="region pack (default: the one in OUT/run.json)"),
    lang: list[str] = typer.Option(["zh", "en"], help="report language(s): zh, en"),
    pdf: bool = typer.Option(True, help="also print the first language to PDF (needs chromium)"),
    previous: Path | None = typer.Option(None, help="an earlier year's output folder of the same units "
                                         "(draws the year-over-year change)"),
) -> None:
    """Write OUT/report.zh.html, OUT/report.en.html and OUT/report.zh.pdf."""
    from ecoledger.errors import InputPathError
    from ecoledger.report import ReportWarning, write_report

    require(out, "an output folder of `ecoledger account`", "OUT", folder=True)
    require(pack, "the region pack", "--pack", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    if not (out / "run.json").is_file():
        raise InputPathError(f"{out} is not an output folder of `ecoledger account` (no run.json); "
                             "fix: give the folder `ecoledger account --out` wrote")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportWarning)
        try:
            written = write_report(out, pack, languages=lang, pdf=pdf, previous=previous)
        except ValueError as exc:
            raise InputPathError(f"{out}: the report cannot be written: {exc}") from exc
    for warning in caught:
        if issubclass(warning.category, ReportWarning):
            typer.echo(f"warning: {warning.message}", err=True)
    for path in written:
        typer.echo(f"→ {path}")
