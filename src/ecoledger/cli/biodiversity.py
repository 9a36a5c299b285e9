"""``ecoledger biodiversity …``: protected areas and species registers (issue 19, item 5)."""

from __future__ import annotations

from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="biodiversity", no_args_is_help=True)
MAX_SHOWN = 200  # problems printed by check; the count of the rest follows
PACK = (
    "区域数据包文件夹（含 pack.toml）：区县边界与面积坐标系",
    "region pack folder (with pack.toml): county boundaries and the area CRS",
)
OUT = ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)")
LAYER = ("要读取的图层（文件有多个图层时）", "the layer to read (when the file has several)")
SOURCE_CRS = (
    "文件没有坐标系时（如含 `wkt` 列的 CSV）声明其坐标系，如 `EPSG:4490`",
    "the CRS of a file that has none (e.g. a CSV with a wkt column), such as EPSG:4490",
)
SPECIES_TABLE = (
    "物种表 CSV（默认：随附的 `species.csv`，每个物种注明保护级别的出处）",
    "species table CSV (default: the shipped species.csv, every species with its sources)",
)

declare(
    "biodiversity",
    {
        "": (
            "保护地与物种名录：登记保护地（类型、级别、边界）和物种记录，按区县计算保护地占比和区内记录数。",
            "Protected areas and species: register protected areas (type, level, boundary) and "
            "species records; per-county protected share and records inside.",
        ),
    },
)
declare(
    "biodiversity.check",
    {
        "": (
            "检查保护地图层（GeoPackage、SHP、GeoJSON，或含 `wkt` 列的 CSV）或物种记录（CSV 或点图层）："
            "坐标系、几何有效性、类型与级别、重名、重叠（仅警告）、坐标与日期、物种是否在物种表中；"
            "列出全部问题（中文与英文），有错误时退出码为 1。",
            "Check a protected-area layer (GeoPackage, shapefile, GeoJSON, or a CSV with a wkt column) or "
            "species records (CSV or a point layer): CRS, geometry validity, types and levels, duplicate "
            "names, overlaps (warnings only), coordinates and dates, species in the species table; list "
            "every problem, exit 1 on errors.",
        ),
        "source": ("要检查的文件", "the file to check"),
        "kind": (
            "文件内容：`areas`（保护地）、`records`（物种记录）或 `auto`（按列名与几何判断）",
            "what the file holds: areas, records, or auto (told by its columns and geometry)",
        ),
        "pack": PACK,
        "layer": LAYER,
        "source_crs": SOURCE_CRS,
        "species_table": SPECIES_TABLE,
    },
)
declare(
    "biodiversity.indicators",
    {
        "": (
            "按区县（及市、省汇总）计算保护地面积（并集，重叠只计一次）、保护地占比、按类型与级别的面积、区县内与"
            "保护地内的物种记录数和物种数；写出 CSV、GeoPackage 与中英文页面。",
            "Per county (cities and the province summed): protected area (union, overlaps counted once), "
            "protected share, area by type and level, species records in the county and inside protected "
            "areas, species; writes CSV, GeoPackage and a page in zh and en.",
        ),
        "pack": PACK,
        "protected_areas": (
            "保护地图层（`.gpkg`、`.shp`、`.geojson` 或含 `wkt` 列的 `.csv`）",
            "the protected-area layer (.gpkg, .shp, .geojson, or .csv with a wkt column)",
        ),
        "species": (
            "物种记录（CSV：经度、纬度、物种、日期、记录人；或点图层），可省略",
            "species records (CSV: longitude, latitude, species, date, observer; or a point layer), optional",
        ),
        "out": OUT,
        "layer": LAYER,
        "source_crs": SOURCE_CRS,
        "species_table": SPECIES_TABLE,
    },
)
declare(
    "biodiversity.demo",
    {
        "": (
            "江西示范：按已发表的保护地名录（公布面积、所在区县）生成示范边界，已发表的物种分布地点生成示范记录，"
            "计算各区县指标并写出页面；全部标注为示范，并非官方边界。",
            "Jiangxi demonstration: demonstration boundaries from the published register (published area, "
            "named county) and demonstration records from published species localities, with the county "
            "indicators and the page; all labelled demonstration, not official boundaries.",
        ),
        "pack": PACK,
        "out": OUT,
    },
)
declare(
    "biodiversity.template",
    {
        "": (
            "写出保护地名录的填报模板（CSV）与各列说明（中文与英文）。",
            "Write the fill-in template of the protected-area register (CSV) and its column descriptions.",
        ),
        "out": ("模板写入的文件夹", "folder to write the template into"),
    },
)
register(
    {
        "checked": (
            "{file}：{features} 条，{errors} 个错误，{warnings} 个警告",
            "{file}: {features} rows, {errors} errors, {warnings} warnings",
        ),
        "more": ("另有 {count} 个问题未列出", "{count} more problems are not listed"),
        "written": (
            "{counties} 个区县，保护地 {protected} km²（占 {share}），"
            "物种记录 {records} 条（保护地内 {inside} 条）→ {out}",
            "{counties} counties, protected {protected} km² ({share}), {records} species records "
            "({inside} inside protected areas) → {out}",
        ),
        "demonstration": (
            "注意：示范数据，并非官方保护地边界或观测坐标",
            "note: demonstration data, not official boundaries or observed positions",
        ),
        "template": ("模板已写入 {out}", "template written to {out}"),
        "kind": (
            "无法判断文件内容，请用 `--kind areas` 或 `--kind records` 指明",
            "cannot tell what the file holds: give --kind areas or --kind records",
        ),
    },
    prefix="cli.biodiversity.",
)
register(
    {
        "what.the layer": ("要检查的文件", "the layer"),
        "what.the protected-area layer": ("保护地图层", "the protected-area layer"),
        "what.the species records": ("物种记录", "the species records"),
        "what.the species table": ("物种表", "the species table"),
        "what.the region pack": ("区域数据包", "the region pack"),
    },
    prefix="cli.",
)


def _kind(source: Path, layer: str | None) -> str | None:
    """areas or records, told by a CSV's header or a layer's geometry type."""
    if source.suffix.lower() in (".csv", ".txt"):
        header = source.read_text(encoding="utf-8-sig", errors="replace").splitlines()[:1]
        names = {h.strip().lower() for h in (header[0].split(",") if header else [])}
        if names & {"longitude", "lon", "lng", "经度"}:
            return "records"
        return "areas" if names & {"wkt", "name", "名称"} else None
    try:
        import pyogrio

        geometry = str(pyogrio.read_info(source, layer=layer).get("geometry_type") or "")
    except Exception:  # unreadable: the areas reader names the problem
        return "areas"
    return "records" if "point" in geometry.lower() else "areas"


def _region(pack: Path | None):
    if pack is None:
        return None
    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import _pack_units

    units = _pack_units(load_pack(pack))
    roots = units[~units["parent"].isin(set(units["code"]))]
    import shapely

    return shapely.union_all(list(roots.to_crs(4326).geometry))


@app.command("check", cls=Command)
def check_command(
    source: Path = typer.Argument(...),
    kind: str = typer.Option("auto"),
    pack: Path | None = typer.Option(None),
    layer: str | None = typer.Option(None),
    source_crs: str | None = typer.Option(None),
    species_table: Path | None = typer.Option(None),
) -> None:
    """Check a protected-area layer or species records."""
    require(source, "the layer", "SOURCE", folder=False)
    require(pack, "the region pack", "--pack", folder=True)
    require(species_table, "the species table", "--species-table", folder=False)
    kind = _kind(source, layer) if kind == "auto" else kind
    if kind not in ("areas", "records"):
        typer.echo(text("biodiversity.kind"))
        raise typer.Exit(2)
    if kind == "areas":
        from ecoledger.biodiversity.register import check_protected_areas

        problems = check_protected_areas(source, layer=layer, pack=pack, source_crs=source_crs)
    else:
        from ecoledger.biodiversity.species import check_records, read_species

        problems = check_records(
            source,
            layer=layer,
            region=_region(pack),
            source_crs=source_crs,
            species=read_species(species_table),
        )
    lang = language()
    arrow = "修改：" if lang == "zh" else "fix: "
    colon = "：" if lang == "zh" else ": "
    for problem in problems[:MAX_SHOWN]:
        field, message, fix = problem.in_language(lang)
        where = f"{problem.file} · {field}" if field else problem.file
        typer.echo(f"[{problem.severity}] {where}{colon}{message} → {arrow}{fix}")
    if len(problems) > MAX_SHOWN:
        typer.echo(text("biodiversity.more", count=len(problems) - MAX_SHOWN))
    errors = sum(p.severity == "error" for p in problems)
    typer.echo(
        text(
            "biodiversity.checked",
            file=source.name,
            features=_count(source, layer),
            errors=errors,
            warnings=len(problems) - errors,
        )
    )
    if errors:
        raise typer.Exit(1)


def _count(source: Path, layer: str | None) -> int:
    try:
        if source.suffix.lower() in (".csv", ".txt"):
            return max(len(source.read_text(encoding="utf-8-sig").splitlines()) - 1, 0)
        import pyogrio

        return int(pyogrio.read_info(source, layer=layer)["features"])
    except Exception:  # unreadable: the problems above say why
        return 0


def _report(summary: dict, out: Path) -> None:
    share = summary["protected_share"]
    typer.echo(
        text(
            "biodiversity.written",
            counties=summary["counties"],
            protected=f"{summary['protected_km2']:,.1f}",
            share=f"{share:.2%}" if share is not None else "—",
            records=summary["records"],
            inside=summary["records_inside"],
            out=out,
        )
    )
    if summary["status"] == "demonstration":
        typer.echo(text("biodiversity.demonstration"))


@app.command("indicators", cls=Command)
def indicators_command(
    pack: Path = typer.Option(...),
    protected_areas: Path = typer.Option(...),
    out: Path = typer.Option(...),
    species: Path | None = typer.Option(None),
    layer: str | None = typer.Option(None),
    source_crs: str | None = typer.Option(None),
    species_table: Path | None = typer.Option(None),
) -> None:
    """Per-county protected-area and species indicators."""
    require(pack, "the region pack", "--pack", folder=True)
    require(protected_areas, "the protected-area layer", "--protected-areas", folder=False)
    require(species, "the species records", "--species", folder=False)
    require(species_table, "the species table", "--species-table", folder=False)
    from ecoledger.biodiversity.register import read_protected_areas
    from ecoledger.biodiversity.report import write_outputs
    from ecoledger.biodiversity.species import read_records, read_species
    from ecoledger.pack.manifest import load_pack
    from ecoledger.registry.parcels import _pack_units

    loaded = load_pack(pack)
    areas = read_protected_areas(protected_areas, layer=layer, pack=loaded, source_crs=source_crs)
    table = read_species(species_table)
    records = read_records(species, region=_region(pack), species=table) if species is not None else None
    summary = write_outputs(
        out,
        units=_pack_units(loaded),
        areas=areas,
        records=records,
        area_crs=areas.area_crs.crs,
        species=table,
    )
    _report(summary, out)


@app.command("demo", cls=Command)
def demo_command(
    pack: Path = typer.Option(...),
    out: Path = typer.Option(...),
) -> None:
    """Jiangxi demonstration layers and indicators."""
    require(pack, "the region pack", "--pack", folder=True)
    from ecoledger.biodiversity.demo import run_demo

    _report(run_demo(pack, out), out)


@app.command("template", cls=Command)
def template_command(out: Path = typer.Option(...)) -> None:
    """The protected-area register's fill-in template."""
    import shutil

    from ecoledger.biodiversity.register import template_paths

    out.mkdir(parents=True, exist_ok=True)
    for path in template_paths().values():
        shutil.copyfile(path, out / path.name)
    typer.echo(text("biodiversity.template", out=out))
