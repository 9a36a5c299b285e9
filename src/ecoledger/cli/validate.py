"""``ecoledger validate PACK``: report every problem of a region pack at once."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ecoledger.pack.validate import validate_pack


def validate(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    year: int | None = typer.Option(None, help="check only this year's layers"),
) -> None:
    """Check a region pack before any computation; exit 1 if it has errors."""
    console = Console()
    problems = validate_pack(pack, year)
    errors = [p for p in problems if p.severity == "error"]
    if problems:
        table = Table("severity", "file", "field", "problem", "fix", show_lines=True)
        for p in problems:
            table.add_row(p.severity, p.file, p.field, p.message, p.fix)
        console.print(table)
    console.print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {pack}")
    raise typer.Exit(1 if errors else 0)
