"""``ecoledger seea …``: SEEA EA ecosystem extent and condition accounts between two years."""

from __future__ import annotations

import hashlib
from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="seea", no_args_is_help=True)
PACK = ("区域数据包文件夹（含 pack.toml）", "region pack folder (with pack.toml)")
FROM = ("期初年份（数据包中须有该年）", "opening year (a year of the pack)")
TO = ("期末年份（数据包中须有该年，晚于期初年份）",
      "closing year (a year of the pack, after the opening year)")
OUT = ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)")
BLOCK_ROWS = ("按行块处理核算栅格，每块的行数", "process the grid in row blocks of this many rows")

declare("seea", {
    "": ("SEEA EA 生态系统面积账户与状况账户（两个年份之间）。",
         "SEEA EA ecosystem extent and condition accounts between two years."),
})
declare("seea.extent", {
    "": ("按 SEEA EA 表 4.1 的格式编制各单位的生态系统面积账户（期初、增加、减少、净变化、期末）和类型"
         "变化矩阵，km²；两年的土地覆被按数据包的对照表在同一核算网格上分类。",
         "The ecosystem extent account of every unit in the layout of SEEA EA Table 4.1 (opening, "
         "additions, reductions, net change, closing) and the type change matrix, km²; both "
         "years' land cover classified with the pack's crosswalk on one accounting grid."),
    "pack": PACK,
    "from_year": FROM,
    "to_year": TO,
    "out": OUT,
    "block_rows": BLOCK_ROWS,
})
declare("seea.condition", {
    "": ("生态系统状况账户：各单位各类型的状况变量（NDVI 均值、边缘密度、森林占比、水质类别占比）、"
         "按有出处的参照水平换算的指标（无出处则不给指标并说明原因）和状况指数。",
         "The ecosystem condition account: condition variables per unit and type (mean NDVI, "
         "edge density, forest share, water-quality class shares), indicators rescaled against "
         "cited reference levels (none cited: no indicator, with the reason) and the condition "
         "index."),
    "pack": PACK,
    "from_year": FROM,
    "to_year": TO,
    "out": OUT,
    "ndvi": ("NDVI 栅格（可多次给出，取平均；两年共用）；数据包中有 `ndvi` 图层的年份用该图层",
             "NDVI raster(s), averaged and used for both years (repeat); a year with an ndvi "
             "layer in the pack uses that layer"),
    "water_records": ("水质监测记录（CSV 或 XLSX，格式见 docs/monitoring.md），按 GB 3838-2002 评价类别",
                      "water-quality monitoring records (CSV or XLSX, see docs/monitoring.md), "
                      "classed by GB 3838-2002"),
    "water_statistics": ("公报水质比例所在的统计表 CSV（列 `adcode`（或 `code`）、`year`、"
                         "`indicator`、`value`，如 `data/jiangxi/statistics/jiangxi_statistics.csv`）",
                         "statistics CSV of reported water-quality shares (columns adcode or "
                         "code, year, indicator, value; e.g. "
                         "data/jiangxi/statistics/jiangxi_statistics.csv)"),
    "references": ("参照水平表（默认：随附的 `seea_condition_reference.csv`）",
                   "reference-level table (default: the shipped seea_condition_reference.csv)"),
    "block_rows": BLOCK_ROWS,
})
register({
    "years_order": ("期初年份 {opening} 须早于期末年份 {closing}；修改：--from 给较早的年份",
                    "the opening year {opening} must come before the closing year {closing}; "
                    "fix: give the earlier year to --from"),
    "no_column": ("{path}：缺少列 {missing}；修改：表头行应有 `adcode`、`year`、`indicator`、`value`",
                  "{path}: no column {missing}; fix: a header row with adcode, year, indicator, "
                  "value"),
    "bad_references": ("{path}：不是可用的参照水平表（{reason}）；修改：按 `seea_condition_reference.csv` "
                       "的列填写，每行须有出处和原文",
                       "{path}: not a usable reference-level table ({reason}); fix: the columns of "
                       "seea_condition_reference.csv, with a source and a quote on every row"),
    "extent": ("{opening}–{closing} 年面积账户：{units} 个单位；全区改变类型的面积 {changed} km² → {out}",
               "extent account {opening}–{closing}: {units} units; area that changed type in the "
               "region {changed} km² → {out}"),
    "condition": ("{opening}–{closing} 年状况账户：{variables} 个状况变量，"
                  "其中 {indexed} 个有参照水平 → {out}",
                  "condition account {opening}–{closing}: {variables} condition variables, "
                  "{indexed} with a reference level → {out}"),
    "note": ("注意：{note}", "note: {note}"),
}, prefix="cli.seea.")
register({"what.an NDVI raster": ("NDVI 栅格", "an NDVI raster"),
          "what.the reference-level table": ("参照水平表", "the reference-level table")},
         prefix="cli.")


def _years(opening: int, closing: int) -> None:
    from ecoledger.errors import InputError

    if opening >= closing:
        raise InputError(key="cli.seea.years_order", opening=opening, closing=closing)


def _notes(keys) -> None:
    from ecoledger.messages import text as phrase

    for key, fields in keys:
        typer.echo(text("seea.note", note=phrase(f"seea.note.{key}", language(), **fields)))


@app.command("extent", cls=Command)
def extent_command(
    pack: Path = typer.Argument(...),
    from_year: int = typer.Option(..., "--from"),
    to_year: int = typer.Option(..., "--to"),
    out: Path = typer.Option(...),
    block_rows: int = typer.Option(512, min=1),
) -> None:
    """The ecosystem extent account and the type change matrix between two years."""
    from ecoledger.seea.extent import extent_account
    from ecoledger.seea.tables import extent_notes, write_extent

    require(pack, "the region pack", "PACK", folder=True)
    _years(from_year, to_year)
    account = extent_account(pack, from_year, to_year, block_rows=block_rows)
    write_extent(account, out)
    changed = sum(v["changed_type_km2"] for v in account.summary().values())
    typer.echo(text("seea.extent", opening=from_year, closing=to_year, units=len(account.scan.units),
                    changed=f"{changed:,.2f}", out=out))
    _notes(extent_notes(account))


@app.command("condition", cls=Command)
def condition_command(
    pack: Path = typer.Argument(...),
    from_year: int = typer.Option(..., "--from"),
    to_year: int = typer.Option(..., "--to"),
    out: Path = typer.Option(...),
    ndvi: list[Path] = typer.Option([]),
    water_records: Path | None = typer.Option(None),
    water_statistics: Path | None = typer.Option(None),
    references: Path | None = typer.Option(None),
    block_rows: int = typer.Option(512, min=1),
) -> None:
    """The ecosystem condition account: variables, indicators against cited reference levels,
    condition index."""
    require(pack, "the region pack", "PACK", folder=True)
    for path in ndvi:
        require(path, "an NDVI raster", "--ndvi", folder=False)
    require(water_records, "the monitoring records", "--water-records", folder=False)
    require(water_statistics, "the statistics CSV", "--water-statistics", folder=False)
    require(references, "the reference-level table", "--references", folder=False)
    _years(from_year, to_year)
    inputs = {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in (*ndvi, water_records, water_statistics, references) if p is not None}
    reference_data = _reference_data(references)
    records = _records(water_records)
    statistics = _statistics(water_statistics)

    from ecoledger.seea.condition import condition_account
    from ecoledger.seea.scan import scan
    from ecoledger.seea.tables import condition_notes, write_condition

    scanned = scan(pack, from_year, to_year, ndvi, block_rows=block_rows)
    account = condition_account(scanned, records, statistics, reference_data, inputs)
    write_condition(account, out)
    indicators = account.indicators
    typer.echo(text("seea.condition", opening=from_year, closing=to_year,
                    variables=len(indicators), indexed=int(indicators["reference_value"].notna().sum()),
                    out=out))
    _notes(condition_notes(account))


def _reference_data(path: Path | None) -> bytes | None:
    if path is None:
        return None
    from ecoledger.errors import InputError
    from ecoledger.seea.condition import references

    data = path.read_bytes()
    try:
        references(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(key="cli.seea.bad_references", path=path, reason=exc) from exc
    return data


def _records(path: Path | None):
    if path is None:
        return None
    from ecoledger.monitoring import records

    return records.load(path.name, path.read_bytes())


def _statistics(path: Path | None):
    if path is None:
        return None
    import pandas as pd

    from ecoledger.errors import InputError

    frame = pd.read_csv(path, dtype={"adcode": str, "code": str})
    if "adcode" not in frame and "code" in frame:  # a pack's statistics table
        frame = frame.rename(columns={"code": "adcode"})
    missing = [c for c in ("adcode", "year", "indicator", "value") if c not in frame.columns]
    if missing:
        raise InputError(key="cli.seea.no_column", path=path, missing=", ".join(missing))
    return frame
