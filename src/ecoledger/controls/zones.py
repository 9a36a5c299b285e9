"""Control layers (issue 19, item 1): zones of territorial spatial control and their rules.

``read_zones(source, *, layer=None, pack=None, area_crs=None, source_crs=None, type_column=None,
name_column=None, zone_type=None, status=None) -> ZoneSet``
    Zones from a GeoPackage or shapefile (or a GeoDataFrame: ``prepare_zones``), checked, in the
    equal-area CRS. Raises ``ZoneError`` listing every error at once; warnings (overlaps between
    zones of one type) are kept in ``ZoneSet.problems``.
``check_zones(source, **the keywords of read_zones) -> list[Problem]``
    Every problem, errors and warnings, without raising.
``read_rules(path=None) -> DataFrame``
    The rules table (default: the shipped ``data/controls/zone_rules.csv``), checked.

Zone file: one feature per zone, a polygon or multipolygon boundary, a column naming the zone
type (``zone_type``, or ``type``, ``类型``, ``管控类型``, ``分区类型``; codes or Chinese names of
``ZONE_TYPES``), optionally ``name`` (``名称``) and ``zone_id`` (``编号``). Checks (each problem
names the file, the feature, the field and the fix, in zh and en): a coordinate reference system
is present (or declared with ``source_crs``), geometry present, polygonal and valid
(``shapely.is_valid_reason``; no repair: the source must be fixed), zone type known, and overlaps
between two zones of the same type (≥ 1 m², a warning: the two zones are reported, never
silently unioned, since the overlap is counted twice in an area total). Areas and overlaps are
computed in ``registry.parcels.equal_area_crs``: the pack's accounting CRS when a pack is given
(Jiangxi: Albers), else China Albers ``+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84``.

Rules table columns: ``rule_id``, ``zone_type``, ``activity`` (``ACTIVITIES``), ``ruling``
(``permitted`` | ``prohibited`` | ``conditional``), ``source`` (the document), ``article``,
``url`` (where it was read), ``quote`` (its words as read; full-width punctuation where the stored
copy showed ASCII commas), ``note``. A zone type without a rule for an activity is reported as
"no rule recorded", never as permitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ecoledger.errors import Problem, SubmissionError
from ecoledger.messages import register, text
from ecoledger.registry.parcels import (
    GEOS_REASONS_ZH,
    AreaCrs,
    _crs_name,
    _reason,
    equal_area_crs,
    overlapping_pairs,
)

PREFIX = "controls."
OVERLAP_TOLERANCE_M2 = 1.0
RULINGS = ("prohibited", "conditional", "permitted")
DEMONSTRATION = "demonstration"

ZONE_TYPES: dict[str, tuple[str, str]] = {  # code → (zh, en)
    "ecological_red_line": ("生态保护红线", "ecological protection red line"),
    "permanent_farmland": ("永久基本农田", "permanent basic farmland"),
    "urban_development_boundary": ("城镇开发边界", "urban development boundary"),
    "environmental_priority_protection": (
        "环境管控单元·优先保护",
        "environmental control unit: priority protection",
    ),
    "environmental_key_control": ("环境管控单元·重点管控", "environmental control unit: key control"),
    "environmental_general_control": ("环境管控单元·一般管控", "environmental control unit: general control"),
    "nature_reserve_core": ("自然保护区·核心区", "nature reserve: core zone"),
    "nature_reserve_buffer": ("自然保护区·缓冲区", "nature reserve: buffer zone"),
    "nature_reserve_experimental": ("自然保护区·实验区", "nature reserve: experimental zone"),
    "protected_area": ("自然保护地（未分区）", "protected area (not zoned)"),
}
ZONE_ALIASES = {
    "优先保护单元": "environmental_priority_protection",
    "优先保护": "environmental_priority_protection",
    "重点管控单元": "environmental_key_control",
    "重点管控": "environmental_key_control",
    "一般管控单元": "environmental_general_control",
    "一般管控": "environmental_general_control",
    "核心区": "nature_reserve_core",
    "缓冲区": "nature_reserve_buffer",
    "实验区": "nature_reserve_experimental",
    "自然保护地": "protected_area",
    "基本农田": "permanent_farmland",
    "红线": "ecological_red_line",
}
ACTIVITIES: dict[str, tuple[str, str]] = {
    "industrial_construction": ("工业建设", "industrial construction"),
    "urban_construction": ("城镇建设（房屋、园区）", "urban construction (buildings, estates)"),
    "linear_infrastructure": ("线性基础设施（道路、管线）", "linear infrastructure (roads, pipelines)"),
    "mining": ("采矿、采石、挖沙", "mining, quarrying, sand digging"),
    "orchard_fishpond": ("发展林果业、挖塘养鱼", "orchards, fish ponds"),
    "logging_grazing": ("砍伐、放牧", "logging, grazing"),
    "tourism": ("旅游、参观", "tourism, visits"),
    "scientific_research": ("科学研究观测", "scientific research and observation"),
}
TYPE_COLUMNS = ("zone_type", "type", "类型", "管控类型", "分区类型", "zonetype")
NAME_COLUMNS = ("name", "名称", "zone_name", "分区名称")
ID_COLUMNS = ("zone_id", "id", "编号", "分区编号")

register({f"zone.{code}": names for code, names in ZONE_TYPES.items()}, prefix=PREFIX)
register({f"activity.{code}": names for code, names in ACTIVITIES.items()}, prefix=PREFIX)
register(
    {
        "ruling.prohibited": ("禁止", "prohibited"),
        "ruling.conditional": ("有条件允许", "conditional"),
        "ruling.permitted": ("允许", "permitted"),
        "ruling.none": ("未录入规则", "no rule recorded"),
        "missing": ("文件不存在", "the file does not exist"),
        "missing.fix": ("请更正路径", "correct the path"),
        "unreadable": ("无法读取：`{error}`", "cannot be read: {error}"),
        "unreadable.fix": (
            "请在 QGIS 中打开检查，重新导出为 GeoPackage",
            "open it in QGIS to check and export it again as GeoPackage",
        ),
        "no_features": ("图层中没有要素", "the layer has no features"),
        "no_features.fix": ("请给出含有管控分区的面图层", "give the polygon layer of the control zones"),
        "type_column": (
            "缺少分区类型列（可用列名：{names}）；现有列：{available}",
            "no zone-type column (names read: {names}); the file's columns: {available}",
        ),
        "type_column.fix": (
            "请添加 `zone_type` 列，填写分区类型代码或中文名称，或指定读取哪一列",
            "add a zone_type column holding a zone-type code or Chinese name, or name the column to read",
        ),
        "type_unknown": ("分区类型 `{value}` 不可识别", "the zone type `{value}` is not known"),
        "type_unknown.fix": ("请填写以下之一：{known_zh}", "write one of {known}"),
        "crs_missing": (
            "文件没有坐标参考系（缺少 `.prj` 或未定义）",
            "the file has no coordinate reference system (no .prj, or none defined)",
        ),
        "crs_missing.fix": (
            "请在 QGIS 中为图层指定坐标系（如 CGCS2000，EPSG:4490）后重新导出，或声明坐标系",
            "assign the CRS in QGIS (e.g. CGCS2000, EPSG:4490) and export again, or declare it",
        ),
        "geometry_missing": ("没有边界（几何为空）", "has no boundary (empty geometry)"),
        "geometry_missing.fix": (
            "请为每个分区绘制边界，或删除该要素",
            "draw the zone's boundary or delete the feature",
        ),
        "geometry_type": ("边界是 {kind}，不是面", "the boundary is a {kind}, not a polygon"),
        "geometry_type.fix": (
            "管控分区须为面：请给出面图层",
            "control zones are polygons: give the polygon layer",
        ),
        "geometry_invalid": ("边界无效：{reason_zh}{at}", "the boundary is not valid: {reason}{at}"),
        "geometry_invalid.fix": (
            "请在 QGIS 中用“修复几何图形”工具修复后重新导出",
            "repair it (QGIS: Vector → Geometry Tools → Fix Geometries) and export again",
        ),
        "overlap": (
            "与同类型分区 `{other}`（第 {other_fid} 号要素）重叠 {area} m²（占本分区 {share}）",
            "overlaps the zone `{other}` (feature {other_fid}) of the same type by {area} m² "
            "({share} of this zone)",
        ),
        "overlap.fix": (
            "同一类型的分区不应重叠：请核对边界（重叠面积在面积合计中被计算两次）；本工具不会自动合并",
            "zones of one type should not overlap: check the boundaries (the overlap is "
            "counted twice in an area total); nothing is merged automatically",
        ),
        "rules_column": ("规则表缺少列 {missing}", "the rules table lacks the column(s) {missing}"),
        "rules_column.fix": (
            "请按随附的 `zone_rules.csv` 的列填写",
            "use the columns of the shipped zone_rules.csv",
        ),
        "rules_value": (
            "第 {rows} 行：`{column}` 的值 `{value}` 不可用",
            "row(s) {rows}: `{value}` is not a usable {column}",
        ),
        "rules_value.fix": ("请填写以下之一：{known}", "write one of {known}"),
        "rules_source": ("第 {rows} 行：缺少出处、网址或原文", "row(s) {rows}: no source, address or quote"),
        "rules_source.fix": (
            "每条规则须注明文件、网址与原文",
            "give every rule its document, address and quote",
        ),
    },
    prefix=PREFIX,
)


class ZoneError(SubmissionError):
    """A control layer or rules table is refused; ``problems`` lists every problem (zh and en)."""


@dataclass
class ZoneSet:
    """Accepted zones: ``zones`` has zone_id, zone_type, zone_name, area_m2, status, fid and the
    file's other columns, in ``area_crs``; ``problems`` the warnings (overlaps)."""

    zones: gpd.GeoDataFrame
    file: str
    area_crs: AreaCrs
    problems: list[Problem] = field(default_factory=list)


def phrase(key: str, lang: str = "zh", **fields) -> str:
    return text(PREFIX + key, lang, **fields)


def zone_label(code: str, lang: str = "zh") -> str:
    return phrase(f"zone.{code}", lang) if code in ZONE_TYPES else code


def activity_label(code: str, lang: str = "zh") -> str:
    return phrase(f"activity.{code}", lang) if code in ACTIVITIES else code


def _problem(
    file: str, where: str, key: str, severity: str = "error", where_zh: str | None = None, **fields
) -> Problem:
    return Problem.keyed(file, where, PREFIX + key, severity, where_zh, **{"at": "", **fields})


def _known(lang: str) -> str:
    if lang == "zh":
        return "、".join(f"{zh}（`{code}`）" for code, (zh, _) in ZONE_TYPES.items())
    return ", ".join(ZONE_TYPES)


def _type_code(value) -> str | None:
    raw = (
        str(value).strip() if value is not None and not (isinstance(value, float) and np.isnan(value)) else ""
    )
    if not raw:
        return None
    lowered = raw.lower()
    if lowered in ZONE_TYPES:
        return lowered
    for code, (zh, en) in ZONE_TYPES.items():
        if raw == zh or lowered == en:
            return code
    return ZONE_ALIASES.get(raw)


def _column(frame: pd.DataFrame, given: str | None, names: tuple[str, ...]) -> str | None:
    if given is not None:
        return given if given in frame.columns else None
    lowered = {str(c).strip().lower(): c for c in frame.columns if c != frame.geometry.name}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def _read(source: str | Path, layer: str | None, file: str) -> gpd.GeoDataFrame:
    import pyogrio

    path = Path(source)
    if not path.exists():
        raise ZoneError([_problem(file, "file", "missing")])
    try:
        return pyogrio.read_dataframe(
            path, layer=layer, fid_as_index=True, force_2d=True, on_invalid="ignore"
        )
    except Exception as exc:  # pyogrio's DataSourceError and others
        error = " ".join(str(exc).split()).replace("`", "'")[:300]
        raise ZoneError([_problem(file, "file", "unreadable", error=error)]) from None


def read_zones(source: str | Path | gpd.GeoDataFrame, *, layer: str | None = None, **options) -> ZoneSet:
    """Zones from a ``.gpkg``/``.shp`` (or a GeoDataFrame), checked (module docstring)."""
    zones, problems = _prepare(source, layer, **options)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ZoneError(sorted(problems, key=lambda p: p.severity != "error"))
    return zones


def check_zones(
    source: str | Path | gpd.GeoDataFrame, *, layer: str | None = None, **options
) -> list[Problem]:
    """Every problem of a control layer (errors first, then warnings), without raising."""
    try:
        _, problems = _prepare(source, layer, **options)
    except ZoneError as exc:
        return list(exc.problems)
    return sorted(problems, key=lambda p: p.severity != "error")


def _prepare(
    source,
    layer,
    *,
    pack=None,
    area_crs: str | None = None,
    source_crs: str | None = None,
    type_column: str | None = None,
    name_column: str | None = None,
    zone_type: str | None = None,
    status: str | None = None,
    file: str | None = None,
) -> tuple[ZoneSet, list[Problem]]:
    if isinstance(source, gpd.GeoDataFrame):
        frame, file = source, file or "zones"
    else:
        file = file or Path(source).name
        frame = _read(source, layer, file)
    area = equal_area_crs(pack, area_crs)
    problems: list[Problem] = list(area.problems)
    if len(frame) == 0:
        raise ZoneError([_problem(file, "layer", "no_features")])
    fids = list(frame.index)
    # zone type
    if zone_type is not None:
        types = [zone_type] * len(frame)
        column = "zone_type"
    else:
        column = _column(frame, type_column, TYPE_COLUMNS)
        if column is None:
            available = (
                ", ".join(map(str, [c for c in frame.columns if c != frame.geometry.name][:30])) or "—"
            )
            raise ZoneError(
                [
                    _problem(
                        file,
                        "header · zone_type",
                        "type_column",
                        names=", ".join(TYPE_COLUMNS),
                        available=available,
                    )
                ]
            )
        types = []
        for fid, value in zip(fids, frame[column].tolist(), strict=True):
            code = _type_code(value)
            if code is None:
                problems.append(
                    _problem(
                        file,
                        f"fid {fid} · {column}",
                        "type_unknown",
                        value=str(value)[:60],
                        known=_known("en"),
                        known_zh=_known("zh"),
                        where_zh=f"第 {fid} 号要素 · 分区类型（`{column}`）",
                    )
                )
            types.append(code)
    name_col = _column(frame, name_column, NAME_COLUMNS)
    id_col = _column(frame, None, ID_COLUMNS)
    names = (
        [str(v) for v in frame[name_col]]
        if name_col
        else [f"{zone_label(t or '', 'zh')} {f}" for t, f in zip(types, fids, strict=True)]
    )
    ids = [str(v) for v in frame[id_col]] if id_col else [str(f) for f in fids]
    # geometry
    geoms = np.asarray(frame.geometry.array, dtype=object)
    good = np.zeros(len(geoms), dtype=bool)
    gcol = frame.geometry.name
    for i, (fid, geom) in enumerate(zip(fids, geoms, strict=True)):
        where, where_zh = f"fid {fid} · {gcol}", f"第 {fid} 号要素 · 边界（`{gcol}`）"
        if geom is None or geom.is_empty:
            problems.append(_problem(file, where, "geometry_missing", where_zh=where_zh))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(_problem(file, where, "geometry_type", kind=geom.geom_type, where_zh=where_zh))
        else:
            reason = shapely.is_valid_reason(geom)
            if reason == "Valid Geometry":
                good[i] = True
                continue
            kind, at = _reason(reason)
            problems.append(
                _problem(
                    file,
                    where,
                    "geometry_invalid",
                    reason=kind,
                    reason_zh=GEOS_REASONS_ZH.get(kind, kind),
                    at=f" {at}" if at else "",
                    where_zh=where_zh,
                )
            )
    crs = frame.crs if frame.crs is not None else (CRS(source_crs) if source_crs else None)
    if crs is None:
        problems.append(_problem(file, "crs", "crs_missing"))
    if any(p.severity == "error" for p in problems):
        return ZoneSet(gpd.GeoDataFrame(), file, area, problems), problems
    projected = gpd.GeoSeries(geoms, crs=crs).to_crs(area.crs)
    table = gpd.GeoDataFrame(
        {
            "zone_id": ids,
            "zone_type": types,
            "zone_name": names,
            "area_m2": projected.area.to_numpy(),
            "status": [status] * len(frame)
            if status
            else (frame["status"].astype(str).tolist() if "status" in frame else ["provided"] * len(frame)),
            "fid": fids,
        },
        geometry=projected.reset_index(drop=True),
    )
    used = {column, name_col, id_col, gcol, "status"}
    for extra in frame.columns:
        if extra not in used and extra not in table:
            table[extra] = frame[extra].to_numpy()
    problems += zone_overlaps(table, file)
    return ZoneSet(table, file, area, problems), problems


def zone_overlaps(
    zones: gpd.GeoDataFrame, file: str = "zones", tolerance_m2: float = OVERLAP_TOLERANCE_M2
) -> list[Problem]:
    """A warning per pair of zones of one type overlapping by at least ``tolerance_m2`` m²
    (``zones`` in an equal-area CRS)."""
    geoms = np.asarray(zones.geometry.array, dtype=object)
    if len(geoms) < 2:
        return []
    a, b, area = overlapping_pairs(geoms, zones["zone_type"].to_numpy())
    out = []
    fids, names = zones["fid"].tolist(), zones["zone_name"].tolist()
    for i, j, shared in zip(a, b, area, strict=True):
        if shared < tolerance_m2:
            continue
        share = shared / zones["area_m2"].iloc[i] if zones["area_m2"].iloc[i] > 0 else np.nan
        out.append(
            _problem(
                file,
                f"fid {fids[i]} · geometry",
                "overlap",
                severity="warning",
                other=names[j],
                other_fid=fids[j],
                area=f"{shared:,.1f}",
                share=f"{share:.1%}",
                where_zh=f"第 {fids[i]} 号要素（`{names[i]}`）· 边界",
            )
        )
    return out


# --- rules -----------------------------------------------------------------------------------------

RULE_COLUMNS = ("rule_id", "zone_type", "activity", "ruling", "source", "article", "url", "quote", "note")


def rules_path() -> Path:
    return Path(str(resources.files("ecoledger.data") / "controls" / "zone_rules.csv"))


def read_rules(path: str | Path | None = None) -> pd.DataFrame:
    """The rules table, checked: known zone types, activities and rulings; a source, an address
    and a quote on every row. Raises ZoneError listing every problem."""
    path = Path(path) if path is not None else rules_path()
    file = path.name
    if not path.is_file():
        raise ZoneError([_problem(file, "file", "missing")])
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in RULE_COLUMNS if c not in table.columns]
    if missing:
        raise ZoneError([_problem(file, "header", "rules_column", missing=", ".join(missing))])
    problems = []
    for column, known in (("zone_type", ZONE_TYPES), ("activity", ACTIVITIES), ("ruling", RULINGS)):
        bad = table[~table[column].isin(list(known))]
        for value, rows in bad.groupby(column).groups.items():
            listed = ", ".join(str(r + 2) for r in rows)
            problems.append(
                _problem(
                    file,
                    f"rows {listed} · {column}",
                    "rules_value",
                    rows=listed,
                    column=column,
                    value=value,
                    known=", ".join(known),
                )
            )
    empty = table[
        (table["source"].str.strip() == "")
        | (table["url"].str.strip() == "")
        | (table["quote"].str.strip() == "")
    ]
    if len(empty):
        listed = ", ".join(str(r + 2) for r in empty.index)
        problems.append(_problem(file, f"rows {listed} · source/url/quote", "rules_source", rows=listed))
    if problems:
        raise ZoneError(problems)
    return table


def rules_for(rules: pd.DataFrame, zone_type: str, activity: str) -> pd.DataFrame:
    """The rows of ``rules`` for one zone type and activity (empty: no rule recorded)."""
    return rules[(rules["zone_type"] == zone_type) & (rules["activity"] == activity)]


def crs_name(crs) -> str:
    return _crs_name(CRS(crs))
