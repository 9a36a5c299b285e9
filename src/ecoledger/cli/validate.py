"""``ecoledger validate PACK``: report every problem of a region pack at once."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, problem_text, text

declare("validate", {
    "": ("在任何计算之前检查区域数据包：有错误时退出码为 1（无法检查时为 2，如文件夹不存在）。"
         "给出 --accounts 时，还将每次核算的实物量与数据包的已知总量比对（合理性检查）。\n\n"
         "在终端中以表格列出问题；否则（写入文件、CI 日志）每个问题一整行，绝不截断。",
         "Check a region pack before any computation; exit 1 if it has errors (2 if it cannot "
         "be checked at all, e.g. no such folder). With --accounts, also hold each run's "
         "physical quantities against the pack's known totals (plausibility).\n\n"
         "On a terminal the problems are a table; otherwise (a file, a CI log) one plain line "
         "each, never truncated."),
    "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
    "year": ("只检查该年份的图层", "check only this year's layers"),
    "accounts": ("`ecoledger account` 的输出文件夹（可多次给出），用数据包的已知总量检查其结果",
                 "output folder(s) of `ecoledger account` to check against the pack's known "
                 "totals"),
})


def validate(
    pack: Path = typer.Argument(...),
    year: int | None = typer.Option(None),
    accounts: list[Path] = typer.Option([]),
) -> None:
    """Check a region pack before any computation; exit 1 if it has errors (2 if it cannot be
    checked at all, e.g. no such folder). With --accounts, also hold each run's physical
    quantities against the pack's known totals (plausibility).

    On a terminal the problems are a table; otherwise (a file, a CI log) one plain line each,
    never truncated."""
    from rich.console import Console

    from ecoledger.pack.validate import validate_pack

    require(pack, "the region pack", "PACK", folder=True)
    for folder in accounts:
        require(folder / "accounts.csv", "an output folder of `ecoledger account`", "--accounts",
                folder=False)
    console = Console(markup=False, highlight=False)
    problems = validate_pack(pack, year)
    errors = [p for p in problems if p.severity == "error"]
    lang = language()
    if problems and console.is_terminal:
        from rich.table import Table
        from rich.text import Text

        table = Table(*(text(f"validate.{h}") for h in ("severity", "file", "field", "problem", "fix")),
                      show_lines=True)
        for p in problems:
            field, message, fix = p.in_language(lang)
            table.add_row(*(Text(str(cell)) for cell in (text(f"severity.{p.severity}"), p.file,
                                                         field, message, fix)))
        console.print(table)
    else:
        for p in problems:
            typer.echo(problem_text(p, lang))
    typer.echo(text("validate.summary", errors=len(errors), warnings=len(problems) - len(errors),
                    pack=pack))
    defects = sum(_plausibility(console, pack, folder) for folder in accounts)
    raise typer.Exit(1 if errors or defects else 0)


def _plausibility(console, pack: Path, folder: Path) -> int:
    """Print each run's checks against known totals; the number beyond a total with no stated
    reason (defects)."""
    import pandas as pd

    from ecoledger import plausibility

    frame = pd.read_csv(folder / "accounts.csv", dtype={"adcode": str})
    results = plausibility.check(frame, plausibility.read_known_totals(pack),
                                 int(frame["year"].iloc[0]))
    for row in results.itertuples():
        zh = language() == "zh"
        typer.echo(text("validate.plausibility", folder=folder, name=row.name, check=row.check,
                        ratio=row.ratio, reference_year=row.reference_year,
                        mark=text("validate.beyond" if row.flagged else "validate.within"),
                        explanation=row.explanation_zh if zh else row.explanation_en))
    return len(plausibility.unexplained(results))
