"""Check a region pack before any computation and report every problem at once.

``validate_pack`` never stops at the first problem and never raises for bad input: unreadable
or corrupt files become problems too. Each problem names the file (relative to the pack), the
field (a ``pack.toml`` key such as ``years.2020.layers.precipitation``, a vector field such as
``units.parent``, or rows of a table such as ``row 12 · unit``; row 1 is the CSV header), what
is wrong and how to fix it. Errors block a run; warnings are reported only.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from rasterio.warp import transform_bounds

from ecoledger.ecosystems import ECOSYSTEMS, SUBTYPES
from ecoledger.errors import PackError, ParameterError, Problem
from ecoledger.layers import ITEM_LAYERS, LAYERS, LayerKind, likely_slips, slip_text
from ecoledger.limits import human_bytes, max_cells, memory_limit, raster_problems
from ecoledger.messages import register
from ecoledger.messages import text as phrase
from ecoledger.pack.manifest import MANIFEST, LayerSpec, Pack, code_text, load_pack
from ecoledger.params import COLUMNS as PARAMETER_COLUMNS
from ecoledger.params import _read_table
from ecoledger.statistics.load import STATUSES
from ecoledger.tables import indicator_bounds, indicators, known_units_for, unit_factor

ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m"
EQUAL_AREA_METHODS = ("equal area", "equal earth", "mollweide", "sinusoidal")
LEVELS = {"province": 0, "city": 1, "county": 2, "township": 3}
WATER_KINDS = ("lake", "reservoir", "marsh", "river")
STATISTICS_COLUMNS = ("code", "year", "indicator", "value", "unit", "source")
MAX_PIXELS = 4_000_000  # larger rasters are read decimated so validation stays fast
MIN_COVERAGE = 0.99  # share of the region's bounding box a raster should cover
IMPLAUSIBLE = "implausible"  # first word of a layer's plausibility problem (run_account finds it)
GRID_BYTES_PER_CELL = 12  # the DEM read whole onto the grid: float64 from the warp, float32 kept
BLOCK_BYTES_PER_CELL = 8 * 40  # one row block: ~25 layers and ~15 work arrays of float64
OVERLAP_TOLERANCE = 0.001  # share of the smaller leaf unit two leaves may overlap by
FIRST_YEAR = 1949

Region = tuple[CRS, np.ndarray]  # CRS of the units and their total bounds in it


# --- the problems' wording, in English and Chinese (the catalogue's ``pack.*``) ----------------

register({
    "no_years": ("数据包未声明任何年份", "the pack declares no year"),
    "no_years.fix": ("请添加 [years.YYYY.layers] 一节，列出该年的图层",
                     "add a section [years.YYYY.layers] with that year's layers"),
    "no_year": ("数据包中没有 {year} 年（已有：{years_zh}）",
                "the pack has no year {year} (it has {years})"),
    "no_year.fix": ("请在 pack.toml 中添加 [years.{year}.layers]，或选择数据包已有的年份",
                    "add [years.{year}.layers] or choose one of the pack's years"),
    "crs.fix": ('请使用以米为单位的等积投影，如中国可用 crs = "{albers}"',
                'use an equal-area projection in metres, e.g. for China crs = "{albers}"'),
    "crs.invalid": ("不是有效的坐标参考系：{exc}", "not a valid CRS: {exc}"),
    "crs.not_projected": ("核算坐标参考系不是投影坐标系{none}", "the accounting CRS is not projected{none}"),
    "crs.not_metres": ("核算坐标参考系的单位是 {unit}，不是米",
                       "the accounting CRS is in {unit}, not metres"),
    "crs.not_equal_area": ("{method} 投影不是等积投影，栅格单元面积会算错",
                           "the {method} projection is not equal-area, so cell areas are wrong"),
    "file_not_found": ("找不到文件{none}", "file not found{none}"),
    "file_not_found.fix": ("请将文件放在 {path}，或在 {manifest} 中更正 {setting}",
                           "put the file at {path} or correct {setting} in {manifest}"),
    "vector_unreadable": ("无法读取该文件：{exc}", "cannot read the file: {exc}"),
    "vector_unreadable.fix": ("请检查能否用 ogrinfo 或 QGIS 打开；重新导出为 GeoPackage{none}",
                              "check that it opens with ogrinfo or QGIS; re-export it as GeoPackage{none}"),
    "vector_no_crs": ("该文件没有坐标参考系{none}", "the file has no coordinate reference system{none}"),
    "vector_no_crs.fix": ("请为其定义坐标参考系，如 ogr2ogr -a_srs EPSG:4490 fixed.gpkg {target}",
                          "define it, e.g. ogr2ogr -a_srs EPSG:4490 fixed.gpkg {target}"),
    "no_geometry": ("以下要素没有几何图形：{names}", "features without geometry: {names}"),
    "no_geometry.fix": ("请绘制其几何图形或删除这些要素{none}", "draw their geometry or remove them{none}"),
    "invalid_geometry": ("以下几何图形无效：{names}", "invalid geometries: {names}"),
    "invalid_geometry.fix": ("请修复，如用 QGIS 的“修复几何图形”或 shapely.make_valid{none}",
                             "repair them, e.g. QGIS 'Fix geometries' or shapely.make_valid{none}"),
    "unit_fields": ("缺少字段 {missing}（文件中的字段为 {present}）",
                    "fields {missing} are missing (the file has {present})"),
    "unit_fields.fix": ("请重命名这些字段，或在 {manifest} 的 [units] 一节中写明字段名",
                        "rename the fields or name them in the [units] section of {manifest}"),
    "table_unreadable": ("无法读取该表：{exc}", "cannot read the table: {exc}"),
    "table_unreadable.fix": ("请另存为带表头行的 UTF-8 CSV{none}",
                             "save it as UTF-8 CSV with a header row{none}"),
    "columns_missing": ("缺少列 {missing}", "columns {missing} are missing"),
    "columns_missing.fix": ("表中应有以下列：{columns}", "the table has columns {columns}"),
    "unknown_layer": ("未知图层 {name!r}", "unknown layer {name!r}"),
    "unknown_layer.fix": ("请使用以下图层之一：{layers}", "use one of {layers}"),
    "layer_unit": ("单位 {unit!r} 不是图层目录规定的单位 {expected!r}",
                   "unit {unit!r} is not the catalogue unit {expected!r}"),
    "layer_unit.fix": ("请将图层换算为 {expected}，并写 unit = '{expected}'",
                       "convert the layer to {expected} and write unit = '{expected}'"),
    "constant_outside": ("{value:g} 超出 {range}", "{value:g} is outside {range}"),
    "give_value_in": ("请以 {unit} 为单位给出数值", "give the value in {unit}"),
    "no_landcover": ("缺少土地覆被图层{none}", "the land-cover layer is missing{none}"),
    "no_landcover.fix": ('请在 [{setting}] 或 [layers] 中添加 landcover = {{ file = "..." }}',
                         'add landcover = {{ file = "..." }} to [{setting}] or [layers]'),
    "layers_missing": ("缺少图层 {missing_zh}：{items_zh} 将记为缺失",
                       "layers {missing} are missing: {items} will be reported missing"),
    "layers_missing.fix": ("请补充这些图层，或将这些项目列入 region.not_applicable{none}",
                           "add the layers, or list the items in region.not_applicable{none}"),
    "crosswalk_column": ("对照表没有 {column!r} 列", "the crosswalk has no column {column!r}"),
    "crosswalk_column.fix": ("请添加 {column!r} 列并为每个类别填写数值，或更正列名",
                             "add a column {column!r} with a value per class, or correct the name"),
    "raster_not_found.fix": ("请将栅格放在 {path}，或在 {manifest} 中更正 {setting}.file",
                             "put the raster at {path} or correct {setting}.file in {manifest}"),
    "no_band": ("波段 {band} 不存在（该栅格共有 {count} 个波段）",
                "band {band} does not exist (the raster has {count})"),
    "no_band.fix": ("请给出存在的波段{none}", "give an existing band{none}"),
    "raster_unreadable": ("无法读取该栅格：{exc}", "cannot read the raster: {exc}"),
    "raster_unreadable.fix": ("请检查能否用 gdalinfo 打开；重新导出为 GeoTIFF{none}",
                              "check that it opens with gdalinfo; re-export it as GeoTIFF{none}"),
    "no_nodata": ("该栅格没有设置无数据值（nodata）{none}", "the raster has no nodata value{none}"),
    "no_nodata.fix": ("请设置无数据值，如 gdal_edit.py -a_nodata -9999 {target}"
                      "（或 rio edit-info --nodata -9999 {target}）",
                      "set one, e.g. gdal_edit.py -a_nodata -9999 {target} "
                      "(or rio edit-info --nodata -9999 {target})"),
    "raster_no_crs": ("该栅格没有坐标参考系{none}", "the raster has no coordinate reference system{none}"),
    "raster_no_crs.fix": ("请为其指定坐标参考系，如 gdal_edit.py -a_srs EPSG:4326 {target}"
                          "（或 rio edit-info --crs EPSG:4326 {target}）",
                          "assign it, e.g. gdal_edit.py -a_srs EPSG:4326 {target} "
                          "(or rio edit-info --crs EPSG:4326 {target})"),
    "no_overlap": ("栅格与区域不重叠{none}", "the grid does not overlap the region{none}"),
    "no_overlap.fix": ("请用 gdalinfo 检查栅格的坐标参考系、地理配准和范围{none}",
                       "check the raster's CRS and georeferencing (gdalinfo) and its extent{none}"),
    "coverage": ("栅格只覆盖区域外包矩形的 {covered:.1%}：使用该图层的项目在部分未覆盖的单位记为 "
                 "`partial`（各自注明覆盖比例），在未覆盖部分超过一半的单位记为 `missing`",
                 "the grid covers only {covered:.1%} of the region's bounding box: the items using "
                 "it are `partial` in the units it misses in part (each with its own covered share) "
                 "and `missing` in units it misses by more than half"),
    "coverage.fix": ("请提供覆盖整个区域的栅格{none}", "supply a raster covering the whole region{none}"),
    "all_nodata": ("该栅格没有有效值（全部为无数据值）{none}",
                   "the raster has no valid value (all nodata){none}"),
    "all_nodata.fix": ("请检查无数据值和栅格范围{none}", "check the nodata value and the extent{none}"),
    "outside_bounds": ("{size} 个{pixels_zh}中有 {count} 个超出 {range}（实际 {low:g} … {high:g}）",
                       "{count} of {size} {pixels} are outside {range} (found {low:g} … {high:g})"),
    "outside_bounds.fix": ("请检查图层单位是否为 {unit}（是否漏乘比例系数？），"
                           "以及无数据的像元是否已设为无数据值",
                           "check the layer is in {unit} (scale factor?) and that pixels without "
                           "data are nodata"),
    "pixels": ("像元", "pixels"),
    "sampled_pixels": ("抽样像元", "sampled pixels"),
    "unknown_classes": ("类别 {classes} 不在对照表中", "classes {classes} are not in the crosswalk"),
    "unknown_classes.fix": ("请将其加入对照表，或将这些像元设为无数据值{none}",
                            "add them to the crosswalk or set those pixels to nodata{none}"),
    "implausible": ("数值量级不合理：中位数 {median:g} {unit}（数值 {low:g} … {high:g}）超出 {plausible}，"
                    "即任何区域中位数的合理范围",
                    "{implausible} magnitude: the median {median:g} {unit} (values {low:g} … "
                    "{high:g}) is outside {plausible}, the range of any region's median"),
    "implausible.fix": ("请检查图层单位是否为 {unit}", "check that the layer is in {unit} ({basis})"),
    "grid_cells": ("按 {resolution:g} 米分辨率，核算栅格将有 {rows} × {cols} = {cells:.3g} 个单元，"
                   "超过上限 {limit:.3g} 个单元（ECOLEDGER_MAX_CELLS）",
                   "the accounting grid would have {rows} × {cols} = {cells:.3g} cells at "
                   "{resolution:g} m, above the limit of {limit:.3g} cells (ECOLEDGER_MAX_CELLS)"),
    "grid_cells.fix": ("请选用更粗的分辨率，如 resolution = {coarser:g}",
                       "choose a coarser resolution, e.g. resolution = {coarser:g}"),
    "grid_memory": ("核算栅格（{rows} × {cols} 个单元，分辨率 {resolution:g} 米）为汇流计算读取 DEM 需要 "
                    "{needed}，超过内存上限 {budget}（ECOLEDGER_MEMORY_LIMIT）",
                    "the accounting grid ({rows} × {cols} cells at {resolution:g} m) needs "
                    "{needed} to read the DEM for routing, above the memory limit of {budget} "
                    "(ECOLEDGER_MEMORY_LIMIT)"),
    "grid_memory.fix": ("请选用更粗的分辨率，如 resolution = {coarser:g}；或在内存更大的机器上运行并调高 "
                        "ECOLEDGER_MEMORY_LIMIT",
                        "choose a coarser resolution, e.g. resolution = {coarser:g}, or run on a "
                        "machine with more memory and raise ECOLEDGER_MEMORY_LIMIT"),
    "grid_block": ("若一次读入，核算栅格（{rows} × {cols} 个单元）约需 {needed}，超过内存上限 {budget}"
                   "（ECOLEDGER_MEMORY_LIMIT）",
                   "read in one block, the accounting grid ({rows} × {cols} cells) needs about "
                   "{needed}, above the memory limit of {budget} (ECOLEDGER_MEMORY_LIMIT)"),
    "grid_block.fix": ("请分行块运行：ecoledger account … --block-rows {block}",
                       "run in row blocks: ecoledger account … --block-rows {block}"),
    "units_no_code": ("{count} 个单位没有代码", "{count} units have no code"),
    "units_no_code.fix": ("请为每个单位填写行政区划代码{none}",
                          "give every unit its administrative code{none}"),
    "units_duplicated": ("以下代码重复使用：{codes}", "codes used more than once: {codes}"),
    "units_duplicated.fix": ("请为每个单位填写唯一的代码{none}", "give every unit a unique code{none}"),
    "units_level": ("未知的级别：{levels}", "unknown levels: {levels}"),
    "units_level.fix": ("请使用以下级别之一：{choices}", "use one of {choices}"),
    "units_parent": ("找不到以下上级代码：{codes}", "parent codes not found: {codes}"),
    "units_parent.fix": ("请填写已有单位的代码；最高一级单位的 parent 留空{none}",
                         "give the code of an existing unit, or leave parent empty for the top "
                         "unit{none}"),
    "units_inverted": ("以下上级单位的级别不高于下级：{pairs}", "parents not of a higher level: {pairs}"),
    "units_inverted.fix": ("请填写更高一级的上级单位（省 > 市 > 县 > 乡）{none}",
                           "give a parent of a higher level (province > city > county > "
                           "township){none}"),
    "units_overlap": ("最低一级的单位相互重叠：{pairs}", "leaf units overlap: {pairs}"),
    "units_overlap.fix": ("请修正边界，使最低一级的单位恰好拼合成整个区域（重叠部分会被重复计算）{none}",
                          "fix the boundaries so the lowest-level units tile the region "
                          "(overlapping areas are counted twice){none}"),
    "kind_missing": ("缺少字段 'kind'", "the field 'kind' is missing{none}"),
    "kind_missing.fix": ("请添加文本字段 'kind'：{kinds}", "add a text field 'kind': {kinds}"),
    # problems of single rows (RowProblems.add_phrase): the land-cover crosswalk
    "class_not_integer": ("类别 `{value}` 不是整数", "class {value!r} is not an integer"),
    "class_not_integer.fix": ("请填写该类别在土地覆被栅格中的整数值",
                              "write the integer value of the class in the land-cover raster"),
    "class_repeated": ("类别 {value} 出现了不止一次", "class {value} appears more than once"),
    "class_repeated.fix": ("每个类别只保留一行", "keep one row per class"),
    "unknown_ecosystem": ("未知的生态系统类型 `{value}`", "unknown ecosystem {value!r}"),
    "unknown_ecosystem.fix": ("请使用以下之一：{ecosystems_zh}", "use one of {ecosystems}"),
    "unknown_subtype": ("未知的二级类型 `{value}`", "unknown subtype {value!r}"),
    "unknown_subtype.fix": ("请使用以下之一，或留空：{subtypes_zh}",
                            "use one of {subtypes}, or leave it empty"),
    "subtype_mismatch": ("二级类型 `{value}` 属于 `{owner}`（{owner_zh}），而不是 `{ecosystem}`"
                         "（{ecosystem_zh}）",
                         "subtype {value!r} belongs to {owner!r}, not {ecosystem!r}"),
    "subtype_mismatch.fix": ("请更正生态系统类型或二级类型", "correct the ecosystem or the subtype"),
    # a layer given per land-cover class (by_landcover = "column")
    "lookup_not_number": ("图层 `{layer}` 的取值不是数字", "{layer} is not a number"),
    "lookup_not_number.fix": ("请为每个类别填写数字", "write a number for every class"),
    "lookup_outside": ("图层 `{layer}` 的取值超出 {range}{looks_zh}", "{layer} is outside {range}{looks}"),
    # water bodies
    "volume_not_number": ("不是数字", "not a number"),
    "volume_not_number.fix": ("请填写以 m³ 为单位的体积，或留空", "write a volume in m3, or leave it empty"),
    "volume_negative": ("体积为负数", "negative volume"),
    "volume_negative.fix": ("请填写不小于 0 的体积（m³）", "write a volume ≥ 0 in m3"),
    "water_kind": ("类型 `{value}` 不是以下之一：{kinds_zh}", "kind {value!r} is not one of {kinds}"),
    "water_kind.fix": ("请更正类型", "correct the kind"),
    "reservoir_capacity": ("水库没有库容：其洪水调蓄将记为缺失",
                           "a reservoir without capacity: its flood regulation will be reported "
                           "missing"),
    "reservoir_capacity.fix": ("请填写 `capacity_m3`（m³）", "give capacity_m3"),
    # parameter tables (the checks of params._read_table, worded here)
    "parameter_value": ("以下参数的 `value` 不是数字：{parameters}",
                        "field 'value' is not a number for {parameters}"),
    "parameter_value.fix": ("请为每个参数填写数字", "write a number for every parameter"),
    "parameter_source": ("以下参数的 `source`（出处）为空：{parameters}",
                         "field 'source' is empty for {parameters}"),
    "parameter_source.fix": ("请为每个参数注明出处", "cite a source for every parameter"),
    "parameter_table.fix": ("参数表应有以下列：{columns}", "a parameter table has columns {columns}"),
}, prefix="pack.")

WATER_KINDS_ZH = {"lake": "湖泊", "reservoir": "水库", "marsh": "沼泽", "river": "河流"}


def _codes_zh(codes, names) -> str:
    """Codes with their Chinese names, as a Chinese message lists them: `lake`（湖泊）、…"""
    return "、".join(f"`{c}`（{names[c]}）" if names.get(c) else f"`{c}`" for c in codes)


def _problem(file: str, field: str, key: str, severity: str = "error", **fields) -> Problem:
    """A Problem worded in both languages by the catalogue's ``pack.<key>`` and ``pack.<key>.fix``
    (or the key ``fix`` names). Fields a language words differently come twice (``years`` and
    ``years_zh``); every template gets ``none=""`` so that one without fields is formatted too."""
    fix = fields.pop("fix", f"pack.{key}.fix")
    fields = {"none": "", **fields}
    return Problem(file, field, phrase(f"pack.{key}", "en", **fields), phrase(fix, "en", **fields),
                   severity, phrase(f"pack.{key}", "zh", **fields), phrase(fix, "zh", **fields))



def validate_pack(root: str | Path, year: int | None = None) -> list[Problem]:
    """Every problem of the pack at ``root``; layers of ``year`` only, or of every year."""
    try:
        pack = load_pack(root)
    except PackError as exc:
        return exc.problems
    out: list[Problem] = []
    years = _check_years(pack, year, out)
    crs = _accounting_crs(pack, out)
    units = _check_units(pack, crs, out)
    crosswalk = _check_crosswalk(pack, out)
    region = None
    if units is not None and units.crs is not None and np.isfinite(units.total_bounds).all():
        region = (units.crs, units.total_bounds)
    _check_layers(pack, years, region, crosswalk, out)
    if units is not None and crs is not None and np.isfinite(units.total_bounds).all():
        _check_grid_size(pack, units.total_bounds, out)
    _check_water_bodies(pack, out)
    _check_statistics(pack, None if units is None else dict(zip(units["code"], units["level"],
                                                                 strict=True)), out)
    _check_parameters(pack, out)
    return out


def raise_if_invalid(root: str | Path, year: int | None = None) -> Pack:
    """The parsed pack, carrying its warnings; raises PackError listing all problems on error."""
    problems = validate_pack(root, year)
    if any(p.severity == "error" for p in problems):
        raise PackError(problems)
    pack = load_pack(root)
    pack.problems = problems
    return pack


ROW_LABELS_ZH = {"row": "行", "feature": "个要素"}


class RowProblems:
    """Per-row problems of a table, gathered into one Problem per column and message.

    Shared with ``ecoledger.platform.submissions``. A problem given in Chinese too gets a
    ``message_zh`` that names its rows in Chinese (第 3、5 行 · unit：…), as ``field`` is English.
    """

    def __init__(self, file: str, label: str = "row"):
        self.file = file
        self.label = label
        self.found: dict[tuple[str, str, str, str, str, str], list[int]] = {}

    def add(self, row: int, column: str, message: str, fix: str, severity: str = "error",
            message_zh: str = "", fix_zh: str = ""):
        self.found.setdefault((column, message, fix, severity, message_zh, fix_zh), []).append(row)

    def add_phrase(self, row: int, column: str, key: str, severity: str = "error", **fields):
        """A problem worded by the catalogue's ``pack.<key>`` and ``pack.<key>.fix`` (or the key
        ``fix`` names) in both languages; ``fields`` fill both (``_zh`` ones for Chinese)."""
        fix = fields.pop("fix", f"pack.{key}.fix")
        fields = {"none": "", **fields}
        self.add(row, column, phrase(f"pack.{key}", "en", **fields), phrase(fix, "en", **fields),
                 severity, phrase(f"pack.{key}", "zh", **fields), phrase(fix, "zh", **fields))

    def field(self, rows: list[int], column: str) -> str:
        return f"{self.label}{'s' if len(rows) > 1 else ''} {_listing(rows)} · {column}"

    def where_zh(self, rows: list[int], column: str) -> str:
        label = ROW_LABELS_ZH.get(self.label, self.label)
        more = f"等，共 {len(rows)} {label}" if len(rows) > 10 else ""
        return f"第 {'、'.join(str(r) for r in rows[:10])} {label}{more} · {column}"

    def problems(self) -> list[Problem]:
        return [
            Problem(self.file, self.field(rows, column), message, fix, severity,
                    f"{self.where_zh(rows, column)}：{message_zh}" if message_zh else "", fix_zh)
            for (column, message, fix, severity, message_zh, fix_zh), rows in self.found.items()
        ]


def _listing_zh(values, limit: int = 10) -> str:
    values = [str(v) for v in values]
    shown = "、".join(values[:limit])
    return shown if len(values) <= limit else f"{shown}等 {len(values)} 项"


def _listing(values, limit: int = 10) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def _range_text(lo: float | None, hi: float | None, unit: str) -> str:
    if hi is None:
        return f"≥ {lo:g} {unit}"
    return f"{lo:g} … {hi:g} {unit}" if lo is not None else f"≤ {hi:g} {unit}"


def _outside(values, lo: float | None, hi: float | None):
    """Boolean mask of ``values`` (array or number) outside [lo, hi]."""
    values = np.asarray(values, dtype=float)
    return (values < (-np.inf if lo is None else lo)) | (values > (np.inf if hi is None else hi))


# --- manifest, CRS ---------------------------------------------------------------------------


def _check_years(pack: Pack, year: int | None, out: list[Problem]) -> list[int]:
    """The years whose layers are checked."""
    if not pack.years:
        out.append(_problem(MANIFEST, "years", "no_years"))
    if year is None:
        return pack.years
    if year not in pack.years:
        out.append(_problem(MANIFEST, f"years.{year}", "no_year", year=year,
                            years=_listing(pack.years) or "none",
                            years_zh=_listing_zh(pack.years) or "无"))
        return []
    return [year]


def _accounting_crs(pack: Pack, out: list[Problem]) -> CRS | None:
    fix = {"fix": "pack.crs.fix", "albers": ALBERS_CHINA}
    try:
        crs = CRS.from_user_input(pack.region.crs)
    except CRSError as exc:
        out.append(_problem(MANIFEST, "region.crs", "crs.invalid", exc=exc, **fix))
        return None
    if crs.is_bound:
        crs = crs.source_crs
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
    if not crs.is_projected:
        key, fields = "crs.not_projected", {}
    elif any(axis.unit_name != "metre" for axis in crs.axis_info):
        key, fields = "crs.not_metres", {"unit": crs.axis_info[0].unit_name}
    elif not any(name in method.lower() for name in EQUAL_AREA_METHODS):
        key, fields = "crs.not_equal_area", {"method": method or "given"}
    else:
        return crs
    out.append(_problem(MANIFEST, "region.crs", key, **fields, **fix))
    return crs


# --- vectors -----------------------------------------------------------------------------------


def _existing(pack: Pack, relative: str, field: str, out: list[Problem]) -> Path | None:
    """The file's path, or None (and a problem naming the manifest field) if it is missing."""
    path = pack.path(relative)
    if path.is_file():
        return path
    out.append(_problem(relative, field, "file_not_found", path=path, setting=field,
                        manifest=MANIFEST))
    return None


def _read_vector(pack: Pack, relative: str, layer: str | None, field: str,
                 out: list[Problem]) -> gpd.GeoDataFrame | None:
    path = _existing(pack, relative, field, out)
    if path is None:
        return None
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # corrupt files raise many types; report them, never crash
        out.append(_problem(relative, field, "vector_unreadable", exc=str(exc).strip()))
        return None
    if frame.crs is None:
        out.append(_problem(relative, field, "vector_no_crs", target=relative))
    return frame


def _check_geometries(frame: gpd.GeoDataFrame, names: pd.Series, file: str, field: str,
                      out: list[Problem]) -> pd.Series:
    """Report empty and invalid geometries; return the mask of usable ones."""
    empty = frame.geometry.isna() | frame.geometry.is_empty
    invalid = ~empty & ~frame.geometry.is_valid
    if empty.any():
        out.append(_problem(file, field, "no_geometry", names=_listing(names[empty])))
    if invalid.any():
        reasons = [f"{n} ({shapely.is_valid_reason(g)})"
                   for n, g in zip(names[invalid], frame.geometry[invalid], strict=True)]
        out.append(_problem(file, field, "invalid_geometry", names=_listing(reasons)))
    return ~empty & ~invalid


def _check_units(pack: Pack, crs: CRS | None, out: list[Problem]) -> gpd.GeoDataFrame | None:
    """The units with fields renamed code, name, level, parent (in the accounting CRS if set)."""
    section = pack.manifest.units
    file = section.file
    units = _read_vector(pack, file, section.layer, "units.file", out)
    if units is None:
        return None
    fields = {section.code: "code", section.name: "name", section.level: "level",
              section.parent: "parent"}
    missing = [f for f in fields if f not in units.columns]
    if missing:
        out.append(_problem(file, "units", "unit_fields", missing=missing,
                            present=[c for c in units.columns if c != "geometry"],
                            manifest=MANIFEST))
        return None
    units = units.rename(columns=fields)
    units["level"] = _text(units["level"])
    for column in ("code", "parent"):
        units[column] = code_text(units[column])
    code, level, parent = units["code"], units["level"], units["parent"]

    if (code == "").any():
        out.append(_problem(file, "units.code", "units_no_code", count=int((code == "").sum())))
    duplicated = code[code.duplicated() & (code != "")].unique()
    if len(duplicated):
        out.append(_problem(file, "units.code", "units_duplicated", codes=_listing(duplicated)))
    bad_level = ~level.isin(list(LEVELS))
    if bad_level.any():
        out.append(_problem(file, "units.level", "units_level", levels=_listing(
            f"{c} ({lv!r})" for c, lv in zip(code[bad_level], level[bad_level], strict=True)),
            choices=", ".join(LEVELS)))
    _check_parents(units, file, out)

    usable = _check_geometries(units, code, file, "units.geometry", out)
    if units.crs is not None and crs is not None:
        units = units.to_crs(crs)
    _check_overlaps(units[usable & ~code.isin(set(parent))], file, out)
    return units


def _check_parents(units: gpd.GeoDataFrame, file: str, out: list[Problem]) -> None:
    rank = {code: LEVELS.get(level) for code, level in zip(units["code"], units["level"],
                                                              strict=True)}
    unknown, inverted = [], []
    for code, level, parent in zip(units["code"], units["level"], units["parent"], strict=True):
        if parent and parent not in rank:
            unknown.append(f"{code} → {parent}")
        elif parent and None not in (rank[code], rank[parent]) and rank[parent] >= rank[code]:
            inverted.append(f"{code} ({level}) → {parent}")
    if unknown:
        out.append(_problem(file, "units.parent", "units_parent", codes=_listing(unknown)))
    if inverted:
        out.append(_problem(file, "units.parent", "units_inverted", pairs=_listing(inverted)))


def _check_overlaps(leaves: gpd.GeoDataFrame, file: str, out: list[Problem]) -> None:
    geoms = leaves.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    overlapping = shared > OVERLAP_TOLERANCE * smaller
    if overlapping.any():
        codes = leaves["code"].to_numpy()
        found = [f"{codes[i]} × {codes[j]}"
                 for i, j in zip(left[overlapping], right[overlapping], strict=True)]
        out.append(_problem(file, "units.geometry", "units_overlap", "warning",
                            pairs=_listing(found)))


def _check_water_bodies(pack: Pack, out: list[Problem]) -> None:
    section = pack.manifest.water_bodies
    if section is None:
        return
    file = section.file
    bodies = _read_vector(pack, file, section.layer, "water_bodies.file", out)
    if bodies is None:
        return
    rows = RowProblems(file, "feature")
    numbers = pd.Series(range(1, len(bodies) + 1), index=bodies.index)
    capacity = pd.Series(np.nan, index=bodies.index)
    for column in ("capacity_m3", "flood_storage_m3"):
        if column not in bodies.columns:
            continue
        values = pd.to_numeric(bodies[column], errors="coerce")
        for number in numbers[(_text(bodies[column]) != "") & values.isna()]:
            rows.add_phrase(number, column, "volume_not_number")
        for number in numbers[values < 0]:
            rows.add_phrase(number, column, "volume_negative")
        if column == "capacity_m3":
            capacity = values
    if "kind" not in bodies.columns:
        out.append(_problem(file, "water_bodies.kind", "kind_missing", kinds=", ".join(WATER_KINDS)))
    else:
        kinds = _text(bodies["kind"])
        unknown = ~kinds.isin(WATER_KINDS)
        for number, kind in zip(numbers[unknown], kinds[unknown], strict=True):
            rows.add_phrase(number, "kind", "water_kind", value=kind, kinds=", ".join(WATER_KINDS),
                            kinds_zh=_codes_zh(WATER_KINDS, WATER_KINDS_ZH))
        for number in numbers[(kinds == "reservoir") & capacity.isna()]:
            rows.add_phrase(number, "capacity_m3", "reservoir_capacity", "warning")
    out.extend(rows.problems())
    _check_geometries(bodies, numbers.astype(str), file, "water_bodies.geometry", out)


# --- tables ------------------------------------------------------------------------------------


def _read_csv(pack: Pack, relative: str, field: str, columns: tuple[str, ...],
              out: list[Problem]) -> pd.DataFrame | None:
    """The table as text, or None (and a problem) if missing, unreadable or lacking columns."""
    path = _existing(pack, relative, field, out)
    if path is None:
        return None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several types for unreadable CSV
        out.append(_problem(relative, field, "table_unreadable", exc=str(exc).strip()))
        return None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        out.append(_problem(relative, field, "columns_missing", missing=missing,
                            columns=", ".join(columns)))
        return None
    return table


def _check_crosswalk(pack: Pack, out: list[Problem]) -> pd.DataFrame | None:
    """The crosswalk with integer ``class`` (rows without a valid class dropped)."""
    file = pack.manifest.landcover.crosswalk
    table = _read_csv(pack, file, "landcover.crosswalk", ("class", "ecosystem"), out)
    if table is None:
        return None
    rows = RowProblems(file)
    classes = pd.to_numeric(table["class"], errors="coerce")
    whole = classes.notna() & (classes % 1 == 0)
    subtypes = table.get("subtype", pd.Series("", index=table.index))
    seen: set[float] = set()
    for row, (text, value, ok, ecosystem, subtype) in enumerate(
        zip(table["class"], classes, whole, table["ecosystem"], subtypes, strict=True), start=2
    ):
        if not ok:
            rows.add_phrase(row, "class", "class_not_integer", value=text)
        elif value in seen:
            rows.add_phrase(row, "class", "class_repeated", value=int(value))
        seen.add(value)
        if ecosystem not in ECOSYSTEMS:
            rows.add_phrase(row, "ecosystem", "unknown_ecosystem", value=ecosystem,
                            ecosystems=", ".join(ECOSYSTEMS),
                            ecosystems_zh=_codes_zh(ECOSYSTEMS, ECOSYSTEMS))
        if subtype and subtype not in SUBTYPES:
            rows.add_phrase(row, "subtype", "unknown_subtype", value=subtype,
                            subtypes=", ".join(SUBTYPES), subtypes_zh=_codes_zh(SUBTYPES, {}))
        elif subtype and ecosystem in ECOSYSTEMS and SUBTYPES[subtype] != ecosystem:
            owner = SUBTYPES[subtype]
            rows.add_phrase(row, "subtype", "subtype_mismatch", value=subtype, owner=owner,
                            owner_zh=ECOSYSTEMS[owner], ecosystem=ecosystem,
                            ecosystem_zh=ECOSYSTEMS[ecosystem])
    out.extend(rows.problems())
    return table[whole].assign(**{"class": classes[whole].astype(int)})


def _check_statistics(pack: Pack, levels: dict[str, str] | None, out: list[Problem]) -> None:
    """Statistics rows; ``levels`` are the unit codes and their levels (None when the units are
    unreadable)."""
    units_file = pack.manifest.units.file
    rules = StatisticsRules(known_codes=None if levels is None else set(levels),
                            codes_from=(units_file, units_file),
                            first_year=FIRST_YEAR, last_year=datetime.date.today().year + 1,
                            levels=levels)
    earlier: dict[StatisticKey, tuple[str, int]] = {}  # shared, so repeats across files are found
    for file in pack.manifest.statistics.files:
        table = _read_csv(pack, file, "statistics.files", STATISTICS_COLUMNS, out)
        if table is not None:
            numbered = table.assign(row=range(2, len(table) + 2))  # row 1 is the header
            out.extend(check_statistics_rows(numbered, file, rules, earlier))


# --- statistics rows: one set of rules for region packs and platform uploads -------------------

# ASCII digits only: float() would also take "1_000", "nan", "inf" and full-width digits
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]*)?")
SHOWN_CHARS = 40  # user text quoted in a message is cut to this length

StatisticKey = tuple[str, str, str]  # code, year, indicator


@dataclass(frozen=True)
class StatisticsRules:
    """What statistics rows are checked against.

    ``known_codes`` are the administrative units' codes (None: not checked, e.g. when the units
    file is unreadable); ``codes_from`` names where they come from, in English and Chinese;
    ``allowed_codes`` are the codes the submitter may report for (None: any); years run from
    ``first_year`` to ``last_year`` inclusive. ``levels`` gives each code's level (province,
    city, county …), whose magnitude bounds apply (``tables.indicator_bounds``); a code it lacks
    (or every code, when None) takes the level its GB/T 2260 form says (``code_level``).
    """

    known_codes: set[str] | None
    codes_from: tuple[str, str]
    first_year: int
    last_year: int
    allowed_codes: set[str] | None = None
    levels: dict[str, str] | None = None

    def level(self, code: str) -> str | None:
        found = (self.levels or {}).get(code)
        return found if found in LEVELS else code_level(code)


LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级", "township": "乡级"}


def code_level(code: str) -> str | None:
    """The level a GB/T 2260 administrative code spells: 36 0000 province, 36 01 00 city,
    36 01 24 county (9 or 12 digits: township); None for any other code."""
    if not (code.isascii() and code.isdigit()):
        return None
    if len(code) in (9, 12):
        return "township"
    if len(code) != 6 or code[:2] == "00":
        return None
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def plain_number(text: str) -> float | None:
    """The finite number ``text`` spells plainly (e.g. "-1.5", "2.5e8"), or None."""
    text = text.strip()
    if not PLAIN_NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None  # "1e999" overflows to inf


def check_statistics_rows(table: pd.DataFrame, file: str, rules: StatisticsRules,
                          earlier: dict[StatisticKey, tuple[str, int]] | None = None
                          ) -> list[Problem]:
    """Every problem of statistics rows, in English and Chinese.

    ``table`` holds the columns of ``STATISTICS_COLUMNS`` as text and ``row``, the row number
    the user sees. ``earlier`` maps each (code, year, indicator) to the file and row it was first
    seen in; it is updated, so a caller checking several files finds repeats across them.
    """
    earlier = {} if earlier is None else earlier
    catalogue = indicators()
    specs = catalogue.to_dict("index")  # plain dicts: uploads have up to 20 000 rows
    rows = RowProblems(file)
    repeats: list[tuple[int, tuple[str, int]]] = []
    columns = [_text(table[column]).tolist() for column in STATISTICS_COLUMNS]
    # status and method are optional columns: checked only when the table has them
    provenance = None
    if "status" in table.columns:
        method = _text(table["method"]) if "method" in table.columns else pd.Series("", table.index)
        provenance = zip(_text(table["status"]).tolist(), method.tolist(), strict=True)
    for row, code, year, indicator, value, unit, source in zip(
        table["row"].astype(int).tolist(), *columns, strict=True
    ):
        _check_code(rows, row, code, rules)
        _check_year(rows, row, year, rules)
        _check_number(rows, row, value)
        if indicator in specs:
            _check_unit_and_range(rows, row, specs[indicator], indicator, value, unit,
                                  rules.level(code))
        else:
            _check_indicator(rows, row, indicator, catalogue)
        if not source:
            rows.add(row, "source", "the source is empty",
                     "cite the yearbook or bulletin the value comes from", "warning",
                     "数据来源为空", "请注明数据出处，如《江西统计年鉴2020》表 x-x")
        if provenance:
            _check_provenance(rows, row, *next(provenance))
        key = (code, year, indicator)
        if all(key) and key in earlier:
            repeats.append((row, earlier[key]))
        elif all(key):
            earlier[key] = (file, row)
    problems = rows.problems()
    if repeats:
        problems.append(_repeats_problem(rows, repeats))
    return problems


def _check_provenance(rows: RowProblems, row: int, status: str, method: str) -> None:
    """``status`` is empty (reported) or one of STATUSES; a figure not reported names its method."""
    if status and status not in STATUSES:
        rows.add(row, "status", f"status {_quoted(status)} is not one of {', '.join(STATUSES)}",
                 "write reported (a published figure), derived (computed by a stated rule) or "
                 "allocated (a higher unit's figure shared out), or leave it empty for reported",
                 "error", f"数据状态{_quoted_zh(status)}不是 {'、'.join(STATUSES)} 之一",
                 "请填写 reported（公开发布值）、derived（按规则推算）或 allocated（由上级分摊），"
                 "留空即为 reported")
    elif status in ("derived", "allocated") and not method:
        rows.add(row, "method", f"a {status} value without its method",
                 "write the rule or proxy the value was computed by", "error",
                 f"数据状态为 {status}，但未说明推算方法", "请填写推算规则或分摊依据")


def _quoted(text: str) -> str:
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


def _quoted_zh(text: str) -> str:
    return f"“{text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + '…'}”"


def _check_code(rows: RowProblems, row: int, code: str, rules: StatisticsRules) -> None:
    if not code:
        rows.add(row, "code", "the code is empty",
                 "write the administrative code of the unit, e.g. 360124", "error",
                 "行政区划代码为空", "请填写单位的行政区划代码，如 360124")
    elif rules.known_codes is not None and code not in rules.known_codes:
        where, where_zh = rules.codes_from
        rows.add(row, "code", f"code {_quoted(code)} is not a unit of {where}",
                 "use the code of an administrative unit", "error",
                 f"代码{_quoted_zh(code)}不是{where_zh}中的行政单位", "请填写有效的行政区划代码")
    elif rules.allowed_codes is not None and code not in rules.allowed_codes:
        allowed = sorted(rules.allowed_codes)
        rows.add(row, "code", f"you may not submit statistics for {code}: you may submit for "
                 f"{_listing(allowed) if allowed else 'no unit'} only",
                 f"remove these rows, or ask an administrator to let you submit for {code}",
                 "error",
                 f"您无权报送 {code} 的统计数据：您只能报送 {_listing_zh(allowed)} 的数据"
                 if allowed else f"您无权报送 {code} 的统计数据：您目前没有可报送的单位",
                 f"请删除这些行，或请管理员为您开通 {code} 的报送权限")


def _check_year(rows: RowProblems, row: int, year: str, rules: StatisticsRules) -> None:
    first, last = rules.first_year, rules.last_year
    example = min(max(2020, first), last)
    if not year:
        rows.add(row, "year", "the year is empty", f"write the year, e.g. {example}", "error",
                 "年份为空", f"请填写年份，如 {example}")
    elif not (year.isascii() and year.isdigit() and len(year) <= 4 and first <= int(year) <= last):
        rows.add(row, "year", f"year {_quoted(year)} is not a year from {first} to {last}",
                 f"write the year as a whole number from {first} to {last}, e.g. {example}",
                 "error", f"年份{_quoted_zh(year)}不是 {first}—{last} 年间的年份",
                 f"请填写 {first}—{last} 之间的四位整数年份，如 {example}")


def _check_number(rows: RowProblems, row: int, value: str) -> None:
    if not value:
        rows.add(row, "value", "the value is empty",
                 "write the number, or delete the row if the statistic is not available",
                 "error", "数值为空", "请填写数值；没有该项数据时请删除此行")
    elif GROUPED_NUMBER.fullmatch(value):
        # "1,234" is one thousand and more here but 1.234 where the comma is a decimal mark
        plain = value.replace(",", "").replace("，", "")
        rows.add(row, "value", f"value {_quoted(value)} has thousands separators",
                 f"write the number without separators, e.g. {plain}", "error",
                 f"数值{_quoted_zh(value)}含有千位分隔符", f"请去掉分隔符，写作 {plain}")
    elif plain_number(value) is None:
        rows.add(row, "value", f"value {_quoted(value)} is not a number",
                 "write a plain number: ASCII digits, '.' as the decimal point, no unit",
                 "error", f"数值{_quoted_zh(value)}不是数字",
                 "请只填写数字：半角数字，小数点用“.”，不带单位或分隔符")


def _check_indicator(rows: RowProblems, row: int, indicator: str, catalogue: pd.DataFrame) -> None:
    if not indicator:
        rows.add(row, "indicator", "the indicator is empty",
                 "write an indicator of ecoledger/data/indicators.csv, e.g. gdp", "error",
                 "指标为空", "请填写指标目录（ecoledger/data/indicators.csv）中的指标代码，如 gdp")
        return
    close = _similar_indicators(indicator, catalogue)
    rows.add(row, "indicator", f"unknown indicator {_quoted(indicator)}"
             + (f" (did you mean {', '.join(close)}?)" if close else ""),
             "use an indicator of ecoledger/data/indicators.csv", "error",
             f"未知指标{_quoted_zh(indicator)}" + ("（是否为 " + "、".join(
                 f"{c}（{catalogue.at[c, 'name_zh']}）" for c in close) + "？）" if close else ""),
             "请使用指标目录（ecoledger/data/indicators.csv）中的指标代码，如 gdp（地区生产总值）")


def _similar_indicators(indicator: str, catalogue: pd.DataFrame) -> list[str]:
    """Indicators ``indicator`` may mean: near its code, or named by its Chinese name."""
    by_name = dict(zip(catalogue["name_zh"], catalogue.index, strict=True))
    close = difflib.get_close_matches(indicator.lower(), catalogue.index, n=3)
    named = difflib.get_close_matches(indicator, by_name, n=3, cutoff=0.7)
    return list(dict.fromkeys([*(by_name[n] for n in named), *close]))


def _check_unit_and_range(rows: RowProblems, row: int, spec: dict, indicator: str,
                          value: str, unit: str, level: str | None = None) -> None:
    """``spec`` is the indicator's row of the catalogue: unit, name_zh, minimum, maximum and the
    bounds per level; ``level`` is the unit's (None: the national bounds only)."""
    canonical = spec["unit"]
    factor = unit_factor(unit, canonical)
    if factor is None:
        accepted = known_units_for(canonical)
        accepted_zh = [u for u in accepted if not u.isascii()] or accepted
        said = f"unit {_quoted(unit)} cannot" if unit else "the unit is empty: it must"
        said_zh = f"单位{_quoted_zh(unit)}无法换算为" if unit else "单位为空，须可换算为"
        rows.add(row, "unit", f"{said} be converted to {canonical} ({indicator})",
                 f"use one of {', '.join(accepted)}", "error",
                 f"{said_zh} {_unit_zh(canonical)}（{indicator}）", f"请使用：{'、'.join(accepted_zh)}")
        return
    number = plain_number(value)
    lo, hi = indicator_bounds(spec, level)
    if number is not None and _outside_scalar(number * factor, lo, hi):  # inf is outside too
        # the message names the national bounds when the value breaks them, else the level's;
        # the unit slip is sought within the level's (a 万元 figure written as 亿元)
        national = indicator_bounds(spec, None)
        by_level = not _outside_scalar(number * factor, *national)
        shown = (lo, hi) if by_level else national
        allowed = _range_text(*shown, canonical) + (f" for a {level}" if by_level else "")
        allowed_zh = (f"{LEVEL_ZH.get(level, level)}单位 " if by_level else "") + \
            _range_text(*shown, _unit_zh(canonical))
        meant = _plausible_unit(number, factor, canonical, lo, hi)
        fix, fix_zh = "check the value and its unit", "请核对数值及其单位"
        if meant:
            fix = (f"check the unit: {meant} vs {unit} — as {number:g} {meant} the value would be "
                   f"plausible")
            fix_zh = f"请核对单位：{meant} 还是 {unit}？按 {number:g} {meant} 计则数值合理"
        rows.add(row, "value", f"{number:g} {unit} of {indicator} is outside {allowed}",
                 fix, "error",
                 f"{indicator}（{spec['name_zh']}）的数值 {number:g} {unit} 超出允许范围 {allowed_zh}",
                 fix_zh)


def _unit_zh(unit: str) -> str:
    """A catalogue unit with its words in Chinese (yuan → 元, person-time → 人次)."""
    from ecoledger.report.words import unit as worded

    return worded(unit, "zh")


MAGNITUDE_SLIPS = (1e4, 1e8, 1e-4, 1e-8)  # 万 and 亿 mixed up: the usual unit slips in yearbooks


def _plausible_unit(number: float, factor: float, canonical: str, lo: float | None,
                    hi: float | None) -> str | None:
    """A unit of ``canonical`` in which ``number`` would lie in [lo, hi] when the given unit is
    off by 10⁴ or 10⁸ (万元 written as 亿元, 元 as 万元 …); Chinese units first. None if none."""
    if not math.isfinite(number * factor):
        return None
    for slip in MAGNITUDE_SLIPS:
        if _outside_scalar(number * factor / slip, lo, hi):
            continue
        units = [u for u in known_units_for(canonical)
                 if math.isclose(unit_factor(u, canonical), factor / slip, rel_tol=1e-9)]
        if units:
            return sorted(units, key=str.isascii)[0]
    return None


def _outside_scalar(value: float, lo: float | None, hi: float | None) -> bool:
    return not math.isfinite(value) or (lo is not None and value < lo) or (hi is not None and value > hi)


def _repeats_problem(rows: RowProblems, repeats: list[tuple[int, tuple[str, int]]]) -> Problem:
    """One problem naming each repeated row and the row it repeats."""

    def first(file: str, row: int, zh: bool) -> str:
        if zh:
            return f"第 {row} 行" if file == rows.file else f"{file} 第 {row} 行"
        return f"row {row}" if file == rows.file else f"row {row} of {file}"

    later = [row for row, _ in repeats]
    pairs = _listing(f"row {row} = {first(*seen, zh=False)}" for row, seen in repeats)
    pairs_zh = "；".join(f"第 {row} 行 = {first(*seen, zh=True)}" for row, seen in repeats[:10])
    pairs_zh += f"等 {len(repeats)} 处" if len(repeats) > 10 else ""
    return Problem(rows.file, rows.field(later, "indicator"),
                   f"repeats the code, year and indicator of an earlier row: {pairs}",
                   "keep one row per code, year and indicator (delete or merge the repeats)",
                   "error",
                   f"{rows.where_zh(later, 'indicator')}：代码、年份和指标与前面的行重复（{pairs_zh}）",
                   "每个代码、年份和指标只保留一行（删除或合并重复行）")


PARAMETER_REQUIRED = ("parameter", "value", "unit", "source")  # the columns params reads


def _check_parameters(pack: Pack, out: list[Problem]) -> None:
    """Each parameter override table as ``params`` reads it: the columns, a number in every
    ``value``, a ``source`` on every row; then ``params._read_table`` itself, whose own words
    (English) report anything these checks do not know."""
    columns = {"columns": ", ".join(PARAMETER_COLUMNS)}
    for file in pack.manifest.parameters.files:
        table = _read_csv(pack, file, "parameters.files", PARAMETER_REQUIRED, out)
        if table is None:
            continue
        before = len(out)
        values = pd.to_numeric(table["value"], errors="coerce")
        for key, bad in (("parameter_value", values.isna()),
                         ("parameter_source", table["source"].str.strip() == "")):
            if bad.any():
                out.append(_problem(file, "parameters.files", key,
                                    parameters=_listing(table.loc[bad, "parameter"])))
        if len(out) > before:
            continue
        try:
            _read_table(pack.path(file), file)
        except ParameterError as exc:
            out.append(_problem(file, "parameters.files", "table_unreadable", exc=exc,
                                fix="pack.parameter_table.fix", **columns))


# --- layers ------------------------------------------------------------------------------------


def _check_layers(pack: Pack, years: list[int], region: Region | None,
                  crosswalk: pd.DataFrame | None, out: list[Problem]) -> None:
    specs: dict[str, tuple[str, LayerSpec]] = {}
    for year in years:
        layers = pack.layers_for(year)
        _check_presence(pack, year, layers, out)
        own = pack.manifest.years[year].layers
        for name, spec in layers.items():
            specs[f"years.{year}.layers.{name}" if name in own else f"layers.{name}"] = (name, spec)
    for field, (name, spec) in specs.items():
        kind = LAYERS.get(name)
        if kind is None:
            out.append(_problem(MANIFEST, field, "unknown_layer", name=name,
                                layers=", ".join(LAYERS)))
            continue
        if spec.unit is not None and spec.unit != kind.unit:
            out.append(_problem(MANIFEST, f"{field}.unit", "layer_unit", unit=spec.unit,
                                expected=kind.unit))
        if spec.constant is not None and _outside(spec.constant, kind.minimum, kind.maximum):
            slips = likely_slips(kind, spec.constant, spec.constant, spec.constant)
            out.append(_with_slips(
                _problem(MANIFEST, f"{field}.constant", "constant_outside", value=spec.constant,
                         range=_range_text(kind.minimum, kind.maximum, kind.unit),
                         fix="pack.give_value_in", unit=kind.unit),
                kind, slips))
        elif spec.constant is not None:
            out.extend(plausibility_problems(kind, spec.constant, spec.constant, spec.constant,
                                             MANIFEST, f"{field}.constant"))
        elif spec.by_landcover is not None and crosswalk is not None:
            _check_by_landcover(pack, field, kind, spec.by_landcover, crosswalk, out)
        elif spec.file is not None:
            classes = None if crosswalk is None else set(crosswalk["class"])
            _check_raster(pack, field, kind, spec, region, classes, out)


def _check_presence(pack: Pack, year: int, layers: dict[str, LayerSpec],
                    out: list[Problem]) -> None:
    field = f"years.{year}.layers"
    if "landcover" not in layers:
        out.append(_problem(MANIFEST, f"{field}.landcover", "no_landcover", setting=field))
    lacking: dict[tuple[str, ...], list[str]] = {}
    for item, needs in ITEM_LAYERS.items():
        missing = tuple(n for n in needs if n not in layers and n != "landcover")
        if missing and item not in pack.region.not_applicable:
            lacking.setdefault(missing, []).append(item)
    for missing, items in lacking.items():
        out.append(_problem(MANIFEST, field, "layers_missing", "warning",
                            missing=", ".join(missing), items=", ".join(items),
                            missing_zh="、".join(missing), items_zh="、".join(items)))


def _check_by_landcover(pack: Pack, field: str, kind: LayerKind, column: str,
                        crosswalk: pd.DataFrame, out: list[Problem]) -> None:
    file = pack.manifest.landcover.crosswalk
    if column not in crosswalk.columns:
        out.append(_problem(file, f"{field}.by_landcover", "crosswalk_column", column=column))
        return
    rows = RowProblems(file)
    values = pd.to_numeric(crosswalk[column], errors="coerce")
    for row in crosswalk.index[values.isna()] + 2:
        rows.add_phrase(row, column, "lookup_not_number", layer=kind.name)
    outside = _outside(values, kind.minimum, kind.maximum)
    slips = []
    if outside.any() and values.notna().any():
        slips = likely_slips(kind, float(values.min()), float(values.median()), float(values.max()))
    fields = {"layer": kind.name, "range": _range_text(kind.minimum, kind.maximum, kind.unit),
              "looks": "", "looks_zh": ""}
    for row in crosswalk.index[outside] + 2:
        if slips:
            (looks, fix), (looks_zh, fix_zh) = slip_text(kind, slips), slip_text(kind, slips, "zh")
            said = {**fields, "looks": f": {looks}", "looks_zh": f"：{looks_zh}"}
            rows.add(row, column, phrase("pack.lookup_outside", "en", **said), fix, "error",
                     phrase("pack.lookup_outside", "zh", **said), fix_zh)
        else:
            rows.add_phrase(row, column, "lookup_outside", fix="pack.give_value_in",
                            unit=kind.unit, **fields)
    out.extend(rows.problems())


def _check_raster(pack: Pack, field: str, kind: LayerKind, spec: LayerSpec,
                  region: Region | None, classes: set[int] | None, out: list[Problem]) -> None:
    file = spec.file
    path = pack.path(file)
    if not path.is_file():
        out.append(_problem(file, field, "file_not_found", path=path, setting=field,
                            manifest=MANIFEST, fix="pack.raster_not_found.fix"))
        return
    try:
        with rasterio.open(path) as src:
            if not 1 <= spec.band <= src.count:
                out.append(_problem(file, f"{field}.band", "no_band", band=spec.band,
                                    count=src.count))
                return
            too_large = raster_problems(src, file, field)
            if too_large:  # refused from the header alone: reading it is what would fail
                out.extend(too_large)
                return
            _check_georeference(src, file, field, spec.band, region, out)
            _check_values(src, file, field, kind, spec.band, classes, out)
    except Exception as exc:  # corrupt rasters raise many types; report them, never crash
        out.append(_problem(file, field, "raster_unreadable", exc=str(exc).strip()))


def _check_georeference(src, file: str, field: str, band: int, region: Region | None,
                        out: list[Problem]) -> None:
    if src.nodatavals[band - 1] is None:
        out.append(_problem(file, field, "no_nodata", target=file))
    if src.crs is None:
        out.append(_problem(file, field, "raster_no_crs", target=file))
        return
    if region is None:
        return
    crs, (left, bottom, right, top) = region
    x0, y0, x1, y1 = transform_bounds(src.crs, crs, *src.bounds, densify_pts=21)
    width = max(0.0, min(x1, right) - max(x0, left))
    height = max(0.0, min(y1, top) - max(y0, bottom))
    covered = width * height / ((right - left) * (top - bottom))
    if not np.isfinite([x0, y0, x1, y1]).all() or covered == 0:
        out.append(_problem(file, field, "no_overlap"))
    elif covered < MIN_COVERAGE:
        out.append(_problem(file, field, "coverage", "warning", covered=covered))


def _check_values(src, file: str, field: str, kind: LayerKind, band: int,
                  classes: set[int] | None, out: list[Problem]) -> None:
    step = max(1, math.ceil(math.sqrt(src.width * src.height / MAX_PIXELS)))
    shape = (math.ceil(src.height / step), math.ceil(src.width / step))
    values = src.read(band, out_shape=shape, masked=True).compressed()
    values = values[np.isfinite(values)]
    pixels = "pack.sampled_pixels" if step > 1 else "pack.pixels"
    if values.size == 0:
        out.append(_problem(file, field, "all_nodata", "warning"))
        return
    bad = _outside(values, kind.minimum, kind.maximum)
    if kind.categorical:
        pass
    elif bad.any():
        slips = likely_slips(kind, float(values.min()), float(np.median(values)),
                             float(values.max()))
        out.append(_with_slips(
            _problem(file, field, "outside_bounds", count=int(bad.sum()), size=values.size,
                     pixels=phrase(pixels, "en"), pixels_zh=phrase(pixels, "zh"),
                     range=_range_text(kind.minimum, kind.maximum, kind.unit),
                     low=values.min(), high=values.max(), unit=kind.unit),
            kind, slips))
    else:
        out.extend(plausibility_problems(kind, float(values.min()), float(np.median(values)),
                                         float(values.max()), file, field))
    if kind.name == "landcover" and classes is not None:
        unknown = sorted(set(np.unique(values).tolist()) - classes)
        if unknown:
            out.append(_problem(file, field, "unknown_classes", classes=_listing(unknown)))


def plausibility_problems(kind: LayerKind, low: float, median: float, high: float, file: str,
                          field: str) -> list[Problem]:
    """A problem when the median of a layer (values ``low`` … ``high``, all physically possible)
    lies outside the layer's plausible range: an error naming the unit mistake when a definite
    slip explains it (precipitation in metres), else a warning. Its message starts with
    ``IMPLAUSIBLE`` so the accounts can carry it into the notes of the items using the layer."""
    if not _outside(median, kind.plausible_min, kind.plausible_max):
        return []
    plausible = _range_text(kind.plausible_min, kind.plausible_max, kind.unit)
    slips = likely_slips(kind, low, median, high)
    severity = "error" if slips and all(s.definite for s in slips) else "warning"
    said = _problem(file, field, "implausible", severity, implausible=IMPLAUSIBLE, median=median,
                    unit=kind.unit, low=low, high=high, plausible=plausible,
                    basis=kind.basis or kind.description)
    return [_with_slips(said, kind, slips)]


def _with_slips(problem: Problem, kind: LayerKind, slips) -> Problem:
    """``problem`` with what the values look like appended to its message and the conversion as
    its fix, in both languages, when ``slips`` (the likely unit mistakes) explain it."""
    if not slips:
        return problem
    looks, fix = slip_text(kind, slips)
    looks_zh, fix_zh = slip_text(kind, slips, "zh")
    return Problem(problem.file, problem.field, f"{problem.message}: {looks}", fix,
                   problem.severity, f"{problem.message_zh}：{looks_zh}", fix_zh)


def _check_grid_size(pack: Pack, bounds, out: list[Problem]) -> None:
    """The accounting grid (the units' extent at region.resolution) within the size limits: the
    terrain chain reads the DEM onto the whole grid, and a run without --block-rows reads every
    layer for the whole grid at once."""
    resolution = pack.region.resolution
    left, bottom, right, top = bounds
    cols = math.ceil((right - left) / resolution) + 1
    rows = math.ceil((top - bottom) / resolution) + 1
    cells, limit, budget = rows * cols, max_cells(), memory_limit()
    coarser = resolution * max(2, math.ceil(math.sqrt(cells / limit)))
    if cells > limit:
        out.append(_problem(MANIFEST, "region.resolution", "grid_cells", rows=rows, cols=cols,
                            cells=cells, resolution=resolution, limit=limit, coarser=coarser))
        return
    whole = cells * GRID_BYTES_PER_CELL
    if whole > budget:
        coarser = resolution * math.ceil(math.sqrt(whole / budget) + 1e-9)
        out.append(_problem(MANIFEST, "region.resolution", "grid_memory", rows=rows, cols=cols,
                            resolution=resolution, needed=human_bytes(whole),
                            budget=human_bytes(budget), coarser=coarser))
    elif cells * BLOCK_BYTES_PER_CELL > budget:
        fitting = max(1, budget // (cols * BLOCK_BYTES_PER_CELL))
        block = 2 ** int(math.log2(fitting)) if fitting >= 2 else 1
        out.append(_problem(MANIFEST, "region.resolution", "grid_block", "warning", rows=rows,
                            cols=cols, needed=human_bytes(cells * BLOCK_BYTES_PER_CELL),
                            budget=human_bytes(budget), block=block))
