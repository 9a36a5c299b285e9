"""``ecoledger pack …``: build region packs."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Group, require

app = typer.Typer(cls=Group, help="Build region packs.", no_args_is_help=True)


@app.command("build")
def build(
    region: str = typer.Argument(..., help="region to build: jiangxi"),
    out: Path = typer.Option(..., help="pack folder to write (replaced atomically)"),
    source: Path | None = typer.Option(None, help="source data folder (default: data/<region>)"),
    years: list[int] = typer.Option([2019], help="years to build (2006–2019 for jiangxi)"),
) -> None:
    """Build an analysis-ready region pack from the real data shipped with the project."""
    if region != "jiangxi":
        raise typer.BadParameter(f"unknown region {region!r}; known: jiangxi")
    from ecoledger.packs import jiangxi

    require(source, "the source data folder", "--source", folder=True)
    jiangxi.build(out, source, tuple(years))
    typer.echo(f"{region} pack written to {out}")


@app.command("synthetic")
def synthetic(
    folder: Path = typer.Argument(..., help="folder to write the pack into"),
    year: int = typer.Option(2020, help="accounting year of the layers and statistics"),
) -> None:
    """Write the small synthetic test pack (synthetic numbers, labelled so)."""
    from ecoledger.testing import make_pack

    make_pack(folder, year=year)
    typer.echo(f"synthetic pack written to {folder}")


@app.command("template")
def template(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    year: int = typer.Option(..., help="year the statistics are for"),
    out: Path = typer.Option(..., help="template to write: FILE.xlsx or FILE.csv"),
    profile: str = typer.Option("ndrc2022", help="accounting profile whose items need the statistics"),
    basis: str | None = typer.Option(None, help="provisioning basis instead of the profile's "
                                                "(gross_output, net_output, quantity_price)"),
    level: list[str] = typer.Option([], help="only units of these levels (province, city, county, "
                                             "township); default: every unit"),
) -> None:
    """Write the statistics template: one row per unit × needed indicator, values to fill in."""
    from ecoledger.errors import InputError
    from ecoledger.pack.manifest import load_pack
    from ecoledger.pack.statistics import pack_units
    from ecoledger.statistics.template import needed_statistics, template_rows, write_template

    require(pack, "the region pack", "PACK", folder=True)
    loaded = load_pack(pack)
    try:
        needed = needed_statistics(profile, basis, loaded.region.not_applicable)
        units = pack_units(loaded)
        if level:
            units = units[units["level"].isin(level)]
        written = write_template(out, template_rows(units, year, needed), needed)
    except ValueError as exc:
        raise InputError(f"{exc}; fix: --basis one of the listed bases, --out FILE.xlsx or FILE.csv") from exc
    typer.echo(f"template of {len(needed)} indicators × {len(units)} units written to {written} / "
               f"统计模板（{len(needed)} 项指标 × {len(units)} 个单位）已写入 {written}")


@app.command("add-statistics")
def add_statistics(
    pack: Path = typer.Argument(..., help="region pack folder (with pack.toml)"),
    file: Path = typer.Argument(..., help="filled-in template (.xlsx or .csv)", exists=True,
                                dir_okay=False),
    replace: bool = typer.Option(False, help="replace the pack's values for the same code, "
                                             "year and indicator"),
    profile: str = typer.Option("ndrc2022", help="profile whose items the report says are completed"),
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
        typer.echo(f"{errors} error(s): nothing written to {pack} / {errors} 个错误：未写入任何数据",
                   err=True)
        raise typer.Exit(2) from exc
    _print_problems(result.warnings)
    if result.file is None:
        typer.echo(f"no value filled in {file.name}: nothing added / 未填写任何数值，未添加数据")
        return
    typer.echo(f"{result.rows} row(s) added to {pack} as {result.file}"
               + (f", replacing {len(result.replaced)}" if result.replaced else "")
               + f" / 已添加 {result.rows} 行（{result.file}）")
    _print_completed(result.completed)


def _print_problems(problems) -> None:
    for p in problems:
        typer.echo(f"[{p.severity}] {p.file} · {p.field}: {p.message} → fix: {p.fix}", err=True)
        if p.message_zh:
            typer.echo(f"    {p.message_zh} → {p.fix_zh}", err=True)


def _print_completed(completed) -> None:
    if completed.empty:
        typer.echo("the rows complete no further item / 这些数据未使新的核算科目可以计算")
        return
    typer.echo("items these rows complete / 这些数据补齐的核算科目:")
    for (code, year), group in completed.groupby(["code", "year"], sort=True):
        items = ", ".join(f"{r.item} ({r.name_zh})" for r in group.itertuples())
        typer.echo(f"  {code} {year}: {items}")
