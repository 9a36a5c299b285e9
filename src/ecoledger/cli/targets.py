"""``ecoledger targets …``: the decision's indicator system and scorecards (issue 20, items 1–3)."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="targets", no_args_is_help=True)
ACCOUNTS = ("核算结果文件夹（含 accounts.csv；可多次给出，每年一个）",
            "account folder with accounts.csv (repeat: one per year)")
STATISTICS = ("另加的统计表（statistics-2019 格式的 CSV，或填好的 `ecoledger targets template` 表，CSV 或 "
              "XLSX；可多次给出，先给出的优先）",
              "further statistics (a CSV in the statistics-2019 layout, or a filled sheet of "
              "`ecoledger targets template`, CSV or XLSX; repeat; the first given wins)")
DATA = ("真实统计资料所在文件夹（含 `statistics/` 与 `statistics-2019/`）",
        "folder of the real statistics (with statistics/ and statistics-2019/)")
BIODIVERSITY = ("生物多样性模块的县级指标表（列 `code`、`protected_share`、`status`）",
                "the biodiversity module's county_indicators.csv (columns code, protected_share, status)")
CARBON = ("碳排放模块的清单表 `inventory.csv`（取 `territorial_total` 行：排放总量与强度）",
          "the carbon module's inventory.csv (its territorial_total rows: total and intensity)")
LEVEL = ("纳入的单位级别（`province` 省、`city` 设区市、`county` 县；可多次给出；默认省和设区市）",
         "levels of the units included (province, city, county; repeat; default province and city)")
YEAR = ("只列这些年份（可多次给出；默认核算年份和有统计数值的年份）",
        "only these years (repeat; default the account years and every year with a reported value)")
MARGIN = ("黄灯幅度：与目标相差不超过目标的该比例（如 0.05）且未达标时为黄；默认 0（不设幅度）",
          "amber margin: not met but within this fraction of the target (e.g. 0.05) is amber; "
          "default 0 (no margin)")

declare("targets", {
    "": ("决定的目标指标体系：指标值（附出处或注明缺失）、年度记分卡（目标、趋势、红黄绿、排名）。",
         "The decision's indicator system: indicator values (each with its source or marked "
         "missing) and yearly scorecards (target, trend, traffic light, rank)."),
})
declare("targets.scorecard", {
    "": ("逐单位、逐年的指标值与记分卡：指标体系、指标值和记分卡三张 CSV 表及中英文页面"
         "（整体写入输出文件夹，不留半成品）。",
         "Indicator values and scorecards per unit and year: indicator_system.csv, "
         "indicator_values.csv, scorecard.csv and the pages in Chinese and English (the output folder "
         "is replaced atomically)."),
    "accounts": ACCOUNTS, "statistics": STATISTICS, "data": DATA, "biodiversity": BIODIVERSITY,
    "carbon": CARBON, "level": LEVEL, "year": YEAR, "margin": MARGIN,
    "out": ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)"),
})
declare("targets.template", {
    "": ("生成填报表：列出统计资料缺失的指标值（每个单位、每年一行），填好后用 `--statistics` 交回。",
         "A sheet listing the indicator values the statistics lack (one row per unit and year); "
         "pass it back filled with `--statistics`."),
    "accounts": ACCOUNTS, "statistics": STATISTICS, "data": DATA, "level": LEVEL, "year": YEAR,
    "out": ("填报表文件（按后缀写为 CSV 或 XLSX）", "the sheet to write (.csv or .xlsx)"),
})
register({
    "scorecard": ("{units} 个单位、{years} 个年份：{present} 个指标值（{green} 绿、{amber} 黄、{red} 红、"
                  "{no_target} 未录入目标），{missing} 个缺失 → {out}",
                  "{units} units, {years} years: {present} indicator values ({green} green, {amber} amber, "
                  "{red} red, {no_target} no target recorded), {missing} missing → {out}"),
    "template": ("填报表 {rows} 行（缺失的指标值）→ {out}", "template with {rows} rows (missing indicator "
                 "values) → {out}"),
    "bad_level": ("级别 {level} 不存在；修改：用 province、city 或 county",
                  "no level {level}; fix: use province, city or county"),
    "bad_suffix": ("{out}：填报表须为 .csv 或 .xlsx；修改：换用这两种后缀",
                   "{out}: the sheet is written as .csv or .xlsx; fix: use one of those suffixes"),
}, prefix="cli.targets.")
register({"what.a statistics table": ("统计表", "a statistics table"),
          "what.the county indicators table": ("县级指标表", "the county indicators table"),
          "what.the carbon inventory": ("碳排放清单表", "the carbon inventory")},
         prefix="cli.")


def _inputs(accounts, statistics, data, level, year, biodiversity=None, carbon=None):
    """The values table of the command's inputs (paths checked first)."""
    from ecoledger.errors import InputError
    from ecoledger.targets import values

    for folder in accounts:
        require(folder, "the account folder", "--accounts", folder=True)
    for path in statistics:
        require(path, "a statistics table", "--statistics", folder=False)
    require(biodiversity, "the county indicators table", "--biodiversity", folder=False)
    require(carbon, "the carbon inventory", "--carbon", folder=False)
    for name in level:
        if name not in values.LEVELS:
            raise InputError(key="cli.targets.bad_level", level=name)
    files = [*statistics, *values.default_statistics(data)]
    return values.indicator_values(files, accounts, biodiversity, years=year or None,
                                   levels=tuple(level) or ("province", "city"), carbon=carbon)


@app.command("scorecard", cls=Command)
def scorecard_command(
    out: Path = typer.Option(...),
    accounts: list[Path] = typer.Option([]),
    statistics: list[Path] = typer.Option([]),
    data: Path = typer.Option(Path("data/jiangxi")),
    biodiversity: Path | None = typer.Option(None),
    carbon: Path | None = typer.Option(None),
    level: list[str] = typer.Option([]),
    year: list[int] = typer.Option([]),
    margin: float = typer.Option(0.0, min=0.0),
) -> None:
    """Indicator values and scorecards per unit and year, with the pages."""
    values = _inputs(accounts, statistics, data, level, year, biodiversity, carbon)

    from ecoledger.targets.report import write_scorecard
    from ecoledger.targets.scorecard import scorecard
    from ecoledger.targets.values import indicator_system

    system = indicator_system()
    card = scorecard(values, system, margin=margin)
    write_scorecard(values, card, out, system, margin)
    counts = card["status"].value_counts()
    typer.echo(text("targets.scorecard", units=card["code"].nunique(), years=card["year"].nunique(),
                    present=int(card["value"].notna().sum()), missing=int(counts.get("missing", 0)),
                    green=int(counts.get("green", 0)), amber=int(counts.get("amber", 0)),
                    red=int(counts.get("red", 0)), no_target=int(counts.get("no_target", 0)), out=out))


@app.command("template", cls=Command)
def template_command(
    out: Path = typer.Option(...),
    accounts: list[Path] = typer.Option([]),
    statistics: list[Path] = typer.Option([]),
    data: Path = typer.Option(Path("data/jiangxi")),
    level: list[str] = typer.Option([]),
    year: list[int] = typer.Option([]),
) -> None:
    """A sheet of the missing indicator values to fill."""
    from ecoledger.errors import InputError

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(key="cli.targets.bad_suffix", out=out)
    values = _inputs(accounts, statistics, data, level, year)

    from ecoledger.targets.template import template_rows, write_template
    from ecoledger.targets.values import indicator_system

    system = indicator_system()
    rows = template_rows(values, system)
    write_template(out, rows, system)
    typer.echo(text("targets.template", rows=len(rows), out=out))
