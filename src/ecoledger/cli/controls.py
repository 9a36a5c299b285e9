"""``ecoledger controls …``: control layers (check) and the screening of projects and plans."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="controls", no_args_is_help=True)
MAX_SHOWN = 200  # problems printed by check; the count of the rest follows
RULES = (
    "规则表 CSV（默认：随附的 `zone_rules.csv`）",
    "rules table CSV (default: the shipped zone_rules.csv)",
)
PACK = (
    "区域数据包文件夹：面积按其核算坐标系计算（默认：中国 `Albers` 等积投影）",
    "region pack folder: areas in its accounting CRS (default: China Albers equal-area)",
)
LAYER = ("要读取的图层（文件有多个图层时）", "the layer to read (when the file has several)")

declare(
    "controls",
    {
        "": (
            "国土空间管控分区：检查管控图层及其规则，筛查项目与规划涉及的分区、触发的规则"
            "和用地范围内的 GEP。",
            "Territorial spatial controls: check control layers and their rules; screen projects and "
            "plans for the zones they touch, the rules triggered and the GEP inside their footprints.",
        ),
    },
)
declare(
    "controls.check",
    {
        "": (
            "检查管控图层（GeoPackage 或 SHP）与规则表：坐标系、几何有效性、分区类型、同类型分区的重叠；"
            "列出全部问题（中文与英文），有错误时退出码为 1。",
            "Check a control layer (GeoPackage or shapefile) and the rules table: CRS, geometry "
            "validity, zone types, overlaps between zones of one type; list every problem, exit 1 on "
            "errors.",
        ),
        "zones": ("管控图层文件（`.gpkg` 或 `.shp`）", "the control layer (.gpkg or .shp)"),
        "rules": RULES,
        "pack": PACK,
        "layer": LAYER,
    },
)
declare(
    "controls.screen",
    {
        "": (
            "筛查用地范围（面；线按 `--buffer-m` 缓冲；点按 `--radius-m` 扩为圆）与管控分区的重叠、按申报活动"
            "触发的规则，以及用地范围内的 GEP（由核算结果的价值图计算）；"
            "写出 CSV、JSON、GeoPackage 与中英文页面。",
            "Screen footprints (polygons; lines buffered by --buffer-m; points by --radius-m) against "
            "the control zones: overlaps, the rules the declared activity triggers, and the GEP inside "
            "(from the account's value maps); writes CSV, JSON, GeoPackage and a page in zh and en.",
        ),
        "footprints": (
            "用地范围文件（`.gpkg` 或 `.shp`，可含多个要素：整个规划）",
            "the footprints (.gpkg or .shp; many features for a whole plan)",
        ),
        "zones": ("管控图层文件（`.gpkg` 或 `.shp`）", "the control layer (.gpkg or .shp)"),
        "accounts": (
            "核算结果文件夹（`ecoledger account` 的输出，含 `maps/`）",
            "account output folder (of ecoledger account, with maps/)",
        ),
        "activity": (
            "申报的活动类型代码（要素的 `activity` 列优先）：`industrial_construction`、"
            "`urban_construction`、`linear_infrastructure`、`mining`、`orchard_fishpond`、"
            "`logging_grazing`、`tourism`、`scientific_research`",
            "declared activity code (a feature's activity column wins): "
            "industrial_construction, urban_construction, linear_infrastructure, mining, "
            "orchard_fishpond, logging_grazing, tourism, scientific_research",
        ),
        "out": ("输出文件夹（整体替换）", "output folder (replaced atomically)"),
        "rules": RULES,
        "pack": PACK,
        "buffer_m": ("线状工程（道路、管线）的缓冲距离，米", "buffer of lines (roads, pipelines), metres"),
        "radius_m": ("点状工程的半径，米", "radius of points, metres"),
        "habitat_quality": (
            "生境质量栅格（0–1，如 `ecoledger invest habitat_quality` 的 `quality_c.tif`）：计算用地范围内的"
            "生境质量损失",
            "habitat-quality raster (0–1, e.g. quality_c.tif of `ecoledger invest habitat_quality`): "
            "the habitat quality lost inside the footprints",
        ),
        "rate": ("VEP 现值的年贴现率（默认 0.03）",
                 "discount rate per year of the VEP present value (default 0.03)"),
        "horizon": ("VEP 现值的年限（默认 20 年）", "horizon of the VEP present value in years (default 20)"),
        "alternatives": (
            "按项目组（`group` 列）对备选选址排序",
            "rank alternative sites within each group (group column)",
        ),
        "no_page": ("不生成页面与地图（批量筛查时更快）", "no page and map (faster for batches)"),
    },
)
declare(
    "controls.habitat-template",
    {
        "": (
            "写出生境质量模型的两张待填表（威胁因子表、敏感度表，数值留空）：每个数值须注明出处和原文。",
            "Write the two tables Habitat Quality needs (threats, sensitivity), values empty: every "
            "value to be filled from a source, cited with its words.",
        ),
        "out": ("输出文件夹", "output folder"),
    },
)
declare(
    "controls.habitat",
    {
        "": (
            "在核算的生态系统图上运行生境质量模型（与 InVEST 3.20.2 一致）：威胁栅格由生态系统类型生成，"
            "写出 `quality_c.tif`，供 `controls screen --habitat-quality` 计算用地范围内的生境质量损失。",
            "Run Habitat Quality (as InVEST 3.20.2) on the account's ecosystem map, the threat rasters "
            "made from its classes: quality_c.tif, which `controls screen --habitat-quality` reads for "
            "the habitat quality lost inside footprints.",
        ),
        "accounts": ("核算结果文件夹（含 `maps/ecosystem.tif`）",
                     "account output folder (with maps/ecosystem.tif)"),
        "threats": ("填好的威胁因子表（`habitat-template` 生成）",
                    "the filled threats table (from habitat-template)"),
        "sensitivity": ("填好的敏感度表", "the filled sensitivity table"),
        "half_saturation": ("半饱和常数 k（> 0）", "half-saturation constant k (> 0)"),
        "out": ("输出文件夹（整体替换）", "output folder (replaced atomically)"),
    },
)
declare(
    "controls.demo",
    {
        "": (
            "江西示范：由核算栅格生成示范管控分区（标注为示范，并非官方边界），筛查示范项目并写出页面。",
            "Jiangxi demonstration: demonstration zones from the account grid (labelled, not official "
            "boundaries), a screening of demonstration projects and its page.",
        ),
        "pack": ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)"),
        "accounts": ("核算结果文件夹（含 `maps/`）", "account output folder (with maps/)"),
        "out": ("输出文件夹（整体替换）", "output folder (replaced atomically)"),
    },
)
register(
    {
        "checked": (
            "{file}：{zones} 个要素，{errors} 个错误，{warnings} 个警告；规则表 {rules} 条",
            "{file}: {zones} features, {errors} errors, {warnings} warnings; rules table {rules} rows",
        ),
        "screened": (
            "筛查 {projects} 个项目：禁止类 {prohibited} 个、有条件类 {conditional} 个 → {out}",
            "screened {projects} projects: {prohibited} touch prohibited zones, {conditional} "
            "conditional ones → {out}",
        ),
        "more": ("另有 {count} 个问题未列出", "{count} more problems are not listed"),
        "template": ("已写出待填表：{files}", "tables to fill written: {files}"),
        "habitat": ("生境质量 → {out}（平均 {mean:.3f}）", "habitat quality → {out} (mean {mean:.3f})"),
        "demonstration": (
            "注意：示范数据，并非官方管控边界",
            "note: demonstration data, not official boundaries",
        ),
    },
    prefix="cli.controls.",
)
register(
    {
        "what.the control layer": ("管控图层文件", "the control layer"),
        "what.the rules table": ("规则表", "the rules table"),
        "what.the footprints": ("用地范围文件", "the footprints"),
        "what.the account folder": ("核算结果文件夹", "the account folder"),
        "what.the habitat-quality raster": ("生境质量栅格", "the habitat-quality raster"),
        "what.the threats table": ("威胁因子表", "the threats table"),
        "what.the sensitivity table": ("敏感度表", "the sensitivity table"),
        "what.the region pack": ("区域数据包", "the region pack"),
    },
    prefix="cli.",
)


@app.command("check", cls=Command)
def check_command(
    zones: Path = typer.Argument(...),
    rules: Path | None = typer.Option(None),
    pack: Path | None = typer.Option(None),
    layer: str | None = typer.Option(None),
) -> None:
    """Check a control layer and the rules table."""
    from ecoledger.controls.zones import check_zones, read_rules

    require(zones, "the control layer", "ZONES", folder=False)
    require(rules, "the rules table", "--rules", folder=False)
    require(pack, "the region pack", "--pack", folder=True)
    table = read_rules(rules)
    problems = check_zones(zones, layer=layer, pack=pack)
    lang = language()
    arrow = "修改：" if lang == "zh" else "fix: "
    colon = "：" if lang == "zh" else ": "
    for problem in problems[:MAX_SHOWN]:
        field, message, fix = problem.in_language(lang)
        where = f"{problem.file} · {field}" if field else problem.file
        typer.echo(f"[{problem.severity}] {where}{colon}{message} → {arrow}{fix}")
    if len(problems) > MAX_SHOWN:
        typer.echo(text("controls.more", count=len(problems) - MAX_SHOWN))
    errors = sum(p.severity == "error" for p in problems)
    try:
        import pyogrio

        count = int(pyogrio.read_info(zones, layer=layer)["features"])
    except Exception:  # unreadable: the problems above say why
        count = 0
    typer.echo(
        text(
            "controls.checked",
            file=zones.name,
            zones=count,
            errors=errors,
            warnings=len(problems) - errors,
            rules=len(table),
        )
    )
    if errors:
        raise typer.Exit(1)


@app.command("screen", cls=Command)
def screen_command(
    footprints: Path = typer.Argument(...),
    zones: Path = typer.Option(...),
    out: Path = typer.Option(...),
    accounts: Path | None = typer.Option(None),
    activity: str | None = typer.Option(None),
    rules: Path | None = typer.Option(None),
    pack: Path | None = typer.Option(None),
    buffer_m: float | None = typer.Option(None, min=0.0),
    radius_m: float | None = typer.Option(None, min=0.0),
    habitat_quality: Path | None = typer.Option(None),
    rate: float | None = typer.Option(None, min=0.0, max=0.99),
    horizon: int | None = typer.Option(None, min=1, max=100),
    alternatives: bool = typer.Option(False, "--alternatives"),
    no_page: bool = typer.Option(False, "--no-page"),
) -> None:
    """Screen footprints against control zones."""
    from ecoledger.controls.report import write_screening
    from ecoledger.controls.screening import screen_files

    require(footprints, "the footprints", "FOOTPRINTS", folder=False)
    require(zones, "the control layer", "--zones", folder=False)
    require(accounts, "the account folder", "--accounts", folder=True)
    require(rules, "the rules table", "--rules", folder=False)
    require(pack, "the region pack", "--pack", folder=True)
    require(habitat_quality, "the habitat-quality raster", "--habitat-quality", folder=False)
    result = screen_files(
        footprints,
        zones,
        rules=rules,
        accounts=accounts,
        activity=activity,
        buffer_m=buffer_m,
        radius_m=radius_m,
        pack=pack,
        habitat_quality=habitat_quality,
        rate=rate,
        horizon=horizon,
    )
    write_screening(result, out, alternatives=alternatives, page=not no_page)
    verdicts = result.projects["verdict"].value_counts()
    typer.echo(
        text(
            "controls.screened",
            projects=len(result.projects),
            prohibited=int(verdicts.get("prohibited", 0)),
            conditional=int(verdicts.get("conditional", 0)),
            out=out,
        )
    )
    if result.status == "demonstration":
        typer.echo(text("controls.demonstration"))


@app.command("habitat-template", cls=Command)
def habitat_template_command(out: Path = typer.Option(...)) -> None:
    """The Habitat Quality tables to fill."""
    from ecoledger.controls.habitat import write_template

    files = write_template(out)
    typer.echo(text("controls.template", files=", ".join(str(f) for f in files)))


@app.command("habitat", cls=Command)
def habitat_command(
    accounts: Path = typer.Option(...),
    threats: Path = typer.Option(...),
    sensitivity: Path = typer.Option(...),
    half_saturation: float = typer.Option(..., min=0.0),
    out: Path = typer.Option(...),
) -> None:
    """Habitat Quality on the account's ecosystem map."""
    from ecoledger.controls.habitat import habitat_from_account

    require(accounts, "the account folder", "--accounts", folder=True)
    require(threats, "the threats table", "--threats", folder=False)
    require(sensitivity, "the sensitivity table", "--sensitivity", folder=False)
    record = habitat_from_account(accounts, threats, sensitivity, half_saturation, out)
    typer.echo(text("controls.habitat", out=out / "quality_c.tif", mean=record["summary"]["quality_c"][1]))


@app.command("demo", cls=Command)
def demo_command(
    pack: Path = typer.Option(...),
    accounts: Path = typer.Option(...),
    out: Path = typer.Option(...),
) -> None:
    """Jiangxi demonstration zones and screening."""
    from ecoledger.controls.demo import run_demo

    require(pack, "the region pack", "--pack", folder=True)
    require(accounts, "the account folder", "--accounts", folder=True)
    summary = run_demo(pack, accounts, out)
    typer.echo(
        text(
            "controls.screened",
            projects=summary["projects"],
            prohibited=summary["verdicts"].get("prohibited", 0),
            conditional=summary["verdicts"].get("conditional", 0),
            out=out,
        )
    )
    typer.echo(text("controls.demonstration"))
