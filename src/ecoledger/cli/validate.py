"""``ecoledger validate PACK``: report every problem of a region pack at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ecoledger import plausibility
from ecoledger.pack.validate import validate_pack


def validate(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    year: int | None = typer.Option(None, help="check only this year's layers"),
    accounts: list[Path] = typer.Option(
        [], help="output folder(s) of `ecoledger account` to check against the pack's known totals"),
) -> None:
    """Check a region pack before any computation; exit 1 if it has errors. With --accounts,
    also hold each run's physical quantities against the pack's known totals (plausibility)."""
    console = Console()
    problems = validate_pack(pack, year)
    errors = [p for p in problems if p.severity == "error"]
    if problems:
        table = Table("severity", "file", "field", "problem", "fix", show_lines=True)
        for p in problems:
            table.add_row(p.severity, p.file, p.field, p.message, p.fix)
        console.print(table)
    console.print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {pack}")
    defects = sum(_plausibility(console, pack, folder) for folder in accounts)
    raise typer.Exit(1 if errors or defects else 0)


def _plausibility(console: Console, pack: Path, folder: Path) -> int:
    """Print each run's checks against known totals; the number beyond a total with no stated
    reason (defects)."""
    frame = pd.read_csv(folder / "accounts.csv", dtype={"adcode": str})
    results = plausibility.check(frame, plausibility.read_known_totals(pack),
                                 int(frame["year"].iloc[0]))
    for row in results.itertuples():
        mark = "[yellow]beyond[/yellow]" if row.flagged else "within"
        console.print(f"{folder}: {row.name} {row.check}: {row.ratio:.2f} × the known total of "
                      f"{row.reference_year} ({mark}); {row.explanation_en}")
    return len(plausibility.unexplained(results))
