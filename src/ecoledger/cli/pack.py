"""``ecoledger pack …``: build region packs."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, problem_text, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="pack", no_args_is_help=True)
PACK = ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)")

declare("pack", {"": ("构建区域数据包。", "Build region packs.")})
declare("pack.build", {
    "": ("用项目自带的真实数据构建可直接分析的区域数据包。",
         "Build an analysis-ready region pack from the real data shipped with the project."),
    "region": ("要构建的区域：`jiangxi`", "region to build: jiangxi"),
    "out": ("要写出的数据包文件夹（整体替换，不留半成品）", "pack folder to write (replaced atomically)"),
    "source": ("源数据文件夹（默认：`data/<region>`）", "source data folder (default: data/<region>)"),
    "years": ("要构建的年份（`jiangxi` 为 2006–2019，可多次给出）",
              "years to build (2006–2019 for jiangxi)"),
})
declare("pack.synthetic", {
    "": ("写出小型合成测试数据包（数值为合成数据，并如此标注）。",
         "Write the small synthetic test pack (synthetic numbers, labelled so)."),
    "folder": ("写入数据包的文件夹", "folder to write the pack into"),
    "year": ("图层和统计数据的核算年份", "accounting year of the layers and statistics"),
})
declare("pack.template", {
    "": ("写出统计数据模板：每个单位 × 所需指标一行，待填写数值。",
         "Write the statistics template: one row per unit × needed indicator, values to fill in."),
    "pack": PACK,
    "year": ("统计数据所属年份", "year the statistics are for"),
    "out": ("要写出的模板：`FILE.xlsx` 或 `FILE.csv`", "template to write: FILE.xlsx or FILE.csv"),
    "profile": ("核算规范，按其核算项目确定所需统计数据",
                "accounting profile whose items need the statistics"),
    "basis": ("代替核算规范默认值的物质产品核算口径（`gross_output`、`net_output`、`quantity_price`）",
              "provisioning basis instead of the profile's (gross_output, net_output, "
              "quantity_price)"),
    "level": ("只包括这些级别的单位（`province`、`city`、`county`、`township`）；默认：全部单位",
              "only units of these levels (province, city, county, township); default: every unit"),
})
declare("pack.add-statistics", {
    "": ("检查填好的模板，并将其中的行加入数据包；有任何错误时不写入任何内容。",
         "Check a filled-in template and add its rows to the pack; nothing is written on any "
         "error."),
    "pack": PACK,
    "file": ("填好的模板（`.xlsx` 或 `.csv`）", "filled-in template (.xlsx or .csv)"),
    "replace": ("替换数据包中代码、年份和指标相同的数值",
                "replace the pack's values for the same code, year and indicator"),
    "profile": ("核算规范，报告按其列出补齐的核算项目", "profile whose items the report says are completed"),
})
register({
    "unknown_region": ("未知区域 `{region}`；已有：`jiangxi`", "unknown region {region!r}; known: jiangxi"),
    "built": ("{region} 数据包已写入 {out}", "{region} pack written to {out}"),
    "synthetic": ("合成数据包已写入 {folder}", "synthetic pack written to {folder}"),
    "basis": ("未知的物质产品核算口径 `{basis}`；修改：--basis 请使用 {bases} 之一",
              "unknown provisioning basis {basis!r}; fix: --basis one of {bases}"),
    "suffix": ("{name}：模板只能写为 `.xlsx` 或 `.csv`；修改：--out `FILE.xlsx` 或 `FILE.csv`",
               "{name}: the template is written as .xlsx or .csv; fix: --out FILE.xlsx or FILE.csv"),
    "template_error": ("{exc}；修改：--basis 请使用列出的口径之一，--out 为 `FILE.xlsx` 或 `FILE.csv`",
                       "{exc}; fix: --basis one of the listed bases, --out FILE.xlsx or FILE.csv"),
    "template": ("统计模板（{indicators} 项指标 × {units} 个单位）已写入 {written}",
                 "template of {indicators} indicators × {units} units written to {written}"),
    "refused": ("{errors} 个错误：未向 {pack} 写入任何数据",
                "{errors} error(s): nothing written to {pack}"),
    "nothing_filled": ("{name} 中未填写任何数值，未添加数据",
                       "no value filled in {name}: nothing added"),
    "added": ("已向 {pack} 添加 {rows} 行（{file}）{replacing}",
              "{rows} row(s) added to {pack} as {file}{replacing}"),
    "replacing": ("，替换了 {count} 个已有数值", ", replacing {count}"),
    "completes_nothing": ("这些数据未使新的核算项目可以计算",
                          "the rows complete no further item"),
    "completes": ("这些数据补齐的核算项目：", "items these rows complete:"),
    "completed_line": ("  {code} {year} 年：{items}", "  {code} {year}: {items}"),
    "completed_item": ("{name_zh}（{item}）", "{item} ({name_zh})"),
    "separator": ("、", ", "),
}, prefix="cli.pack.")


@app.command("build", cls=Command)
def build(
    region: str = typer.Argument(...),
    out: Path = typer.Option(...),
    source: Path | None = typer.Option(None),
    years: list[int] = typer.Option([2019]),
) -> None:
    """Build an analysis-ready region pack from the real data shipped with the project."""
    if region != "jiangxi":
        raise typer.BadParameter(text("pack.unknown_region", region=region))
    from ecoledger.packs import jiangxi

    require(source, "the source data folder", "--source", folder=True)
    jiangxi.build(out, source, tuple(years))
    typer.echo(text("pack.built", region=region, out=out))


@app.command("synthetic", cls=Command)
def synthetic(
    folder: Path = typer.Argument(...),
    year: int = typer.Option(2020),
) -> None:
    """Write the small synthetic test pack (synthetic numbers, labelled so)."""
    from ecoledger.testing import make_pack

    make_pack(folder, year=year)
    typer.echo(text("pack.synthetic", folder=folder))


@app.command("template", cls=Command)
def template(
    pack: Path = typer.Argument(...),
    year: int = typer.Option(...),
    out: Path = typer.Option(...),
    profile: str = typer.Option("ndrc2022"),
    basis: str | None = typer.Option(None),
    level: list[str] = typer.Option([]),
) -> None:
    """Write the statistics template: one row per unit × needed indicator, values to fill in."""
    from ecoledger.errors import InputError
    from ecoledger.items.provisioning import PROVISIONING_BASES
    from ecoledger.pack.manifest import load_pack
    from ecoledger.pack.statistics import pack_units
    from ecoledger.statistics.template import needed_statistics, template_rows, write_template

    require(pack, "the region pack", "PACK", folder=True)
    if basis is not None and basis not in PROVISIONING_BASES:
        raise InputError(text("pack.basis", basis=basis, bases=", ".join(PROVISIONING_BASES)))
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(text("pack.suffix", name=out.name))
    loaded = load_pack(pack)
    try:
        needed = needed_statistics(profile, basis, loaded.region.not_applicable, energy=True)
        units = pack_units(loaded)
        if level:
            units = units[units["level"].isin(level)]
        written = write_template(out, template_rows(units, year, needed), needed)
    except ValueError as exc:
        raise InputError(text("pack.template_error", exc=exc)) from exc
    typer.echo(text("pack.template", indicators=len(needed), units=len(units), written=written))


@app.command("add-statistics", cls=Command)
def add_statistics(
    pack: Path = typer.Argument(...),
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    replace: bool = typer.Option(False),
    profile: str = typer.Option("ndrc2022"),
) -> None:
    """Check a filled-in template and add its rows to the pack; nothing is written on any error."""
    from ecoledger.errors import PackError, SubmissionError
    from ecoledger.pack.statistics import add_statistics as add
    from ecoledger.platform.submissions import parse_upload

    require(pack, "the region pack", "PACK", folder=True)
    try:
        table = parse_upload(file.name, file.read_bytes())
        result = add(pack, table, replace=replace, profile=profile, label=file.name)
    except (SubmissionError, PackError) as exc:
        _print_problems(exc.problems)
        errors = sum(p.severity == "error" for p in exc.problems)
        typer.echo(text("pack.refused", errors=errors, pack=pack), err=True)
        raise typer.Exit(2) from exc
    _print_problems(result.warnings)
    if result.file is None:
        typer.echo(text("pack.nothing_filled", name=file.name))
        return
    replacing = text("pack.replacing", count=len(result.replaced)) if result.replaced else ""
    typer.echo(text("pack.added", rows=result.rows, pack=pack, file=result.file, replacing=replacing))
    _print_completed(result.completed)


def _print_problems(problems) -> None:
    """Each problem in the command's language; in English with its Chinese below, when it has
    one (as the error path prints them)."""
    lang = language()
    for p in problems:
        typer.echo(problem_text(p, lang), err=True)
        if lang == "en" and p.message_zh:
            typer.echo(f"    {p.message_zh} → {p.fix_zh}", err=True)


def _print_completed(completed) -> None:
    if completed.empty:
        typer.echo(text("pack.completes_nothing"))
        return
    typer.echo(text("pack.completes"))
    for (code, year), group in completed.groupby(["code", "year"], sort=True):
        items = text("pack.separator").join(text("pack.completed_item", item=r.item, name_zh=r.name_zh)
                                            for r in group.itertuples())
        typer.echo(text("pack.completed_line", code=code, year=year, items=items))
