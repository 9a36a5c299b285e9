"""``ecoledger audit …``: departure audits and chiefs' duties (issue 20, items 5–6)."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="audit", no_args_is_help=True)
OUT = ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)")
ACCOUNTS = (
    "核算结果文件夹（`ecoledger account` 的输出）；每年一个，可多次给出",
    "account output folder (of ecoledger account); one per year, repeat the option",
)

declare(
    "audit",
    {
        "": (
            "领导干部自然资源资产离任审计和河湖长、林长责任区指标。",
            "Natural-resource-asset departure audits of leaders, and the indicators of river/lake "
            "and forest chiefs' areas.",
        ),
    },
)
declare(
    "audit.departure",
    {
        "": (
            "离任审计：一个单位在任期起止两年之间的自然资源资产面积、GEP 与各项目实物量和价值的变化、"
            "下降的项目及原因（实物量效应与价格效应、变化了的输入）和指标变化；写出 CSV 与中英文页面。",
            "Departure audit: a unit's natural-resource extent, GEP and each item's quantity and value "
            "between the first and last year of a term, the items that declined and why (quantity and "
            "price effects, inputs that changed) and the indicator changes; writes CSV and a page in "
            "zh and en.",
        ),
        "unit": (
            "单位的行政区划代码（县、市或省，如 360881）",
            "unit code (county, city or province, e.g. 360881)",
        ),
        "start": ("任期起始年", "first year of the term"),
        "end": ("任期结束年", "last year of the term"),
        "accounts": ACCOUNTS,
        "extent": (
            "SEEA 面积账户文件夹（`ecoledger seea extent` 的输出）；缺省时取各年的 `T1_extent.csv`",
            "SEEA extent account folder (of ecoledger seea extent); without it each year's T1_extent.csv",
        ),
        "indicators": (
            "指标值表 `indicator_values.csv`（`ecoledger targets` 的输出）",
            "indicator table indicator_values.csv (of ecoledger targets)",
        ),
        "out": OUT,
    },
)
declare(
    "audit.chiefs",
    {
        "": (
            "河湖长制、林长制：检查责任区、河湖长/林长、巡查与问题记录，计算各责任区的巡查频次（对照有出处的"
            "要求或用户给出的要求）、问题办结率与办结天数中位数、责任区内的 GEP、森林面积和监测站水质类别。",
            "River/lake and forest chiefs: check the areas, officials, patrol and issue records, and "
            "compute per area the patrol frequency (against a cited or user-given requirement), issue "
            "closure rate and median days to close, GEP, forest area and station water-quality class "
            "inside.",
        ),
        "areas": (
            "责任区文件（GeoPackage 或 GeoJSON；列 `area_id`、`name`、`kind` = river_reach/lake/"
            "forest_parcel）",
            "chief areas (GeoPackage or GeoJSON; columns area_id, name, kind = "
            "river_reach/lake/forest_parcel)",
        ),
        "officials": (
            "河湖长/林长表 CSV（模板见 `ecoledger audit templates`）",
            "officials CSV (template: ecoledger audit templates)",
        ),
        "patrols": ("巡查记录 CSV", "patrol records CSV"),
        "issues": ("问题记录 CSV", "issue records CSV"),
        "accounts": (
            "核算结果文件夹（含 `maps/`），用于责任区内的 GEP 与森林面积",
            "account output folder (with maps/), for the GEP and forest area inside",
        ),
        "rule": (
            "采用的巡查频次规定编号（随附 `patrol_rules.csv`，有出处），可多次给出",
            "id of a cited patrol rule to apply (shipped patrol_rules.csv); repeat the option",
        ),
        "required": (
            "用户给出的巡查要求：`体系:级别=每月次数`，如 `river_lake:county=1`（无默认值）",
            "a user-given patrol requirement: system:level=patrols per month, e.g. "
            "river_lake:county=1 (no default)",
        ),
        "buffer_m": (
            "河段的缓冲宽度（每侧，米），用于计算河段责任区内的 GEP 等；有河段时必填，无默认值",
            "buffer of river reaches (each side, metres) for the GEP and the rest inside; required "
            "with reaches, no default",
        ),
        "period_start": (
            "统计起始日期（YYYY-MM-DD；缺省为记录中最早的月份）",
            "first day counted (YYYY-MM-DD; default: the earliest month in the records)",
        ),
        "period_end": (
            "统计结束日期（YYYY-MM-DD；缺省为记录中最晚的月份）",
            "last day counted (YYYY-MM-DD; default: the latest month in the records)",
        ),
        "stations": (
            "监测站位置 CSV（列 `station`、`lon`、`lat`，WGS84）",
            "monitoring station locations CSV (columns station, lon, lat, WGS84)",
        ),
        "water_records": (
            "水质监测记录（CSV 或 XLSX，格式见 docs/monitoring.md）",
            "water-quality monitoring records (CSV or XLSX, see docs/monitoring.md)",
        ),
        "out": OUT,
    },
)
declare(
    "audit.templates",
    {
        "": (
            "写出河湖长/林长、巡查记录与问题记录的空白模板（CSV）和责任区示例说明。",
            "Write the blank templates (CSV) of officials, patrol records and issue records.",
        ),
        "out": ("模板写入的文件夹", "folder to write the templates into"),
    },
)
declare(
    "audit.demo",
    {
        "": (
            "江西示范：一个县 2018–2019 年的离任审计，以及由核算栅格生成的示范责任区（标注为示范数据，"
            "河湖长、林长为占位名称，并非真实人员）及其指标；整体写出。",
            "Jiangxi demonstration: the departure audit of one county 2018–2019, and demonstration chief "
            "areas from the account grid (labelled demonstration; placeholder officials, no real person) "
            "with their indicators; written atomically.",
        ),
        "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
        "accounts": ACCOUNTS,
        "extent": ("SEEA 面积账户文件夹", "SEEA extent account folder"),
        "indicators": (
            "指标值表 `indicator_values.csv`（可选）",
            "indicator table indicator_values.csv (optional)",
        ),
        "unit": ("示范县的行政区划代码", "code of the demonstration county"),
        "out": OUT,
    },
)
register(
    {
        "departure_done": (
            "{unit}（{start}–{end}）：可比项目 GEP 变化 {change} "
            "亿元，{declined} 个项目下降，{missing} 个缺失 → {out}",
            "{unit} ({start}–{end}): GEP change over comparable items {change} 10⁸ yuan, {declined} items "
            "declined, {missing} missing → {out}",
        ),
        "chiefs_done": (
            "{areas} 个责任区、{officials} 名河湖长/林长、{patrols} 条巡查记录、{issues} 条问题记录 → {out}",
            "{areas} areas, {officials} officials, {patrols} patrols, {issues} issues → {out}",
        ),
        "templates_done": ("模板已写入 {out}", "templates written to {out}"),
        "demo_done": (
            "示范结果已写入 {out}（离任审计 {unit}，示范责任区 {areas} 个）",
            "demonstration written to {out} (departure audit of {unit}, {areas} demonstration areas)",
        ),
        "demonstration": (
            "注意：责任区、河湖长/林长、巡查与问题记录均为示范数据，并非真实记录",
            "note: the areas, officials, patrols and issues are demonstration data, not real records",
        ),
    },
    prefix="cli.audit.",
)
register(
    {
        "what.the extent account": ("面积账户文件夹", "the extent account"),
        "what.the indicator table": ("指标值表", "the indicator table"),
        "what.the chief areas": ("责任区文件", "the chief areas"),
        "what.the officials table": ("河湖长/林长表", "the officials table"),
        "what.the patrol records": ("巡查记录", "the patrol records"),
        "what.the issue records": ("问题记录", "the issue records"),
        "what.the station locations": ("监测站位置表", "the station locations"),
        "what.the water records": ("水质监测记录", "the water records"),
        "what.the account folder": ("核算结果文件夹", "the account folder"),
        "what.the region pack": ("区域数据包", "the region pack"),
    },
    prefix="cli.",
)


@app.command("departure", cls=Command)
def departure_command(
    unit: str = typer.Option(...),
    start: int = typer.Option(...),
    end: int = typer.Option(...),
    accounts: list[Path] = typer.Option(...),
    out: Path = typer.Option(...),
    extent: Path | None = typer.Option(None),
    indicators: Path | None = typer.Option(None),
) -> None:
    """Departure audit of one unit over a term."""
    from ecoledger.accountability.departure import departure_audit
    from ecoledger.accountability.report import write_departure

    for folder in accounts:
        require(folder, "the account folder", "--accounts", folder=True)
    require(extent, "the extent account", "--extent", folder=True)
    require(indicators, "the indicator table", "--indicators", folder=False)
    audit = departure_audit(unit, start, end, accounts, extent=extent, indicators=indicators)
    write_departure(audit, out)
    typer.echo(
        text(
            "audit.departure_done",
            unit=audit.unit_name,
            start=start,
            end=end,
            change=f"{audit.gep['compared_change_yuan'] / 1e8:,.2f}",
            declined=len(audit.declined),
            missing=len(audit.gep["missing_items"]),
            out=out,
        )
    )


@app.command("chiefs", cls=Command)
def chiefs_command(
    areas: Path = typer.Option(...),
    officials: Path = typer.Option(...),
    patrols: Path = typer.Option(...),
    issues: Path = typer.Option(...),
    out: Path = typer.Option(...),
    accounts: Path | None = typer.Option(None),
    rule: list[str] = typer.Option([]),
    required: list[str] = typer.Option([]),
    buffer_m: float | None = typer.Option(None, min=0.0),
    period_start: str | None = typer.Option(None),
    period_end: str | None = typer.Option(None),
    stations: Path | None = typer.Option(None),
    water_records: Path | None = typer.Option(None),
) -> None:
    """Chiefs' areas, records and indicators."""
    from ecoledger.accountability.chiefs import chiefs_from_files, parse_required
    from ecoledger.accountability.chiefs_report import write_chiefs

    require(areas, "the chief areas", "--areas", folder=False)
    require(officials, "the officials table", "--officials", folder=False)
    require(patrols, "the patrol records", "--patrols", folder=False)
    require(issues, "the issue records", "--issues", folder=False)
    require(accounts, "the account folder", "--accounts", folder=True)
    require(stations, "the station locations", "--stations", folder=False)
    require(water_records, "the water records", "--water-records", folder=False)
    result = chiefs_from_files(
        areas,
        officials,
        patrols,
        issues,
        accounts=accounts,
        rules=rule,
        required=parse_required(required),
        buffer_m=buffer_m,
        period_start=period_start,
        period_end=period_end,
        stations=stations,
        water_records=water_records,
    )
    write_chiefs(result, out)
    typer.echo(
        text(
            "audit.chiefs_done",
            areas=len(result.areas),
            officials=len(result.officials),
            patrols=len(result.patrols),
            issues=len(result.issues),
            out=out,
        )
    )


@app.command("templates", cls=Command)
def templates_command(out: Path = typer.Option(...)) -> None:
    """Blank templates of the chiefs' records."""
    from ecoledger.accountability.chiefs import write_templates

    write_templates(out)
    typer.echo(text("audit.templates_done", out=out))


@app.command("demo", cls=Command)
def demo_command(
    pack: Path = typer.Option(...),
    accounts: list[Path] = typer.Option(...),
    extent: Path = typer.Option(...),
    out: Path = typer.Option(...),
    indicators: Path | None = typer.Option(None),
    unit: str = typer.Option("360881"),
) -> None:
    """Jiangxi demonstration: departure audit and chiefs' areas."""
    from ecoledger.accountability.demo import run_demo

    require(pack, "the region pack", "--pack", folder=True)
    for folder in accounts:
        require(folder, "the account folder", "--accounts", folder=True)
    require(extent, "the extent account", "--extent", folder=True)
    require(indicators, "the indicator table", "--indicators", folder=False)
    if indicators is None:  # the targets step writes it beside the other outputs, when it has run
        beside = extent.resolve().parent / "targets" / "indicator_values.csv"
        indicators = beside if beside.is_file() else None
    summary = run_demo(pack, accounts, extent, out, indicators=indicators, unit=unit)
    typer.echo(text("audit.demo_done", out=out, unit=summary["unit_name"], areas=summary["areas"]))
    typer.echo(text("audit.demonstration"))
