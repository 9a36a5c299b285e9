"""``ecoledger report OUT``: the bilingual GEP report of an accounting run's output folder."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer
from rich.console import Console

from ecoledger.report import ReportWarning, write_report


def report(
    out: Path = typer.Argument(..., help="output folder of `ecoledger account`"),
    pack: Path | None = typer.Option(None, help="region pack (default: the one in OUT/run.json)"),
    lang: list[str] = typer.Option(["zh", "en"], help="report language(s): zh, en"),
    pdf: bool = typer.Option(True, help="also print the first language to PDF (needs chromium)"),
) -> None:
    """Write OUT/report.zh.html, OUT/report.en.html and OUT/report.zh.pdf."""
    console = Console()
    if not (out / "run.json").is_file():
        console.print(f"[red]error:[/red] {out} is not an output folder of `ecoledger account` "
                      "(no run.json)")
        raise typer.Exit(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportWarning)
        try:
            written = write_report(out, pack, languages=lang, pdf=pdf)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc
    for warning in caught:
        if issubclass(warning.category, ReportWarning):
            console.print(f"[yellow]warning:[/yellow] {warning.message}")
    for path in written:
        console.print(f"→ {path}")
