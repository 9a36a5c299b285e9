"""``ecoledger series PACK --years …``: GEP over several years at current and constant prices."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import register

declare("series", {
    "": ("写出 change.csv：各单位各年的 GEP（当年价和可比价）及逐年变化。",
         "Write change.csv: GEP per unit and year, current and constant prices, year-over-year."),
    "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
    "years": ("要核算的年份（每个年份给一次该选项）", "years to account (repeat the option)"),
    "out": ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)"),
    "price_year": ("可比价的基准年（默认：第一个年份）", "constant-price year (default: first year)"),
    "profile": ("核算规范：`ndrc2022`、`mee2020` 或 `db36_1402`", "ndrc2022 | mee2020 | db36_1402"),
})
register({"written": ("{count} 个年份 → {path}", "{count} years → {path}")}, prefix="cli.series.")


def series(
    pack: Path = typer.Argument(...),
    years: list[int] = typer.Option(...),
    out: Path = typer.Option(...),
    price_year: int | None = typer.Option(None),
    profile: str = typer.Option("ndrc2022"),
) -> None:
    """Write change.csv: GEP per unit and year, current and constant prices, year-over-year."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.series import run_series

    require(pack, "the region pack", "PACK", folder=True)
    table = run_series(pack, years, price_year, profile=profile)
    with atomic_directory(out) as folder:
        table.to_csv(folder / "change.csv", index=False, encoding="utf-8")
    typer.echo(text("series.written", count=len(years), path=out / "change.csv"))
