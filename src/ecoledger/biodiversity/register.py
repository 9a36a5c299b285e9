"""The protected-area register (issue 19, item 5): a user's layer of protected areas, checked.

``read_protected_areas(source, *, layer=None, pack=None, area_crs=None, source_crs=None, file=None)
-> ProtectedAreas``
    Protected areas from a GeoPackage, shapefile, GeoJSON or CSV (a ``wkt`` column; declare its
    CRS with ``source_crs``), or a GeoDataFrame, checked and projected into the equal-area CRS.
    Raises ``RegisterError`` listing every error at once; warnings (overlaps) stay in
    ``ProtectedAreas.problems``.
``check_protected_areas(source, **the keywords of read_protected_areas) -> list[Problem]``
    Every problem, errors first, without raising.
``read_codes() -> DataFrame``, ``type_label(code, lang)``, ``level_label(code, lang)``
    The type and level codes with their zh/en names (``data/biodiversity/protected_area_codes.csv``).
``template_paths() -> dict[str, Path]``
    The fill-in template (``protected_areas_template.csv``) and its column descriptions.

Columns (``protected_areas_columns.csv`` describes them in zh and en): ``name`` (名称), ``type``
(类型: a code of the codes table or its Chinese name) and ``level`` (级别) are required;
``name_en``, ``established`` (a four-digit year), ``area_ha`` (the area as published, hectares:
reported beside the boundary's area, never replacing it), ``source``, ``status`` (``provided`` by
default, or ``demonstration``) and ``note`` are optional; other columns pass through.

Checks (each problem names the file, the feature, the field and the fix, in zh and en): a CRS is
present (or declared), every boundary is present, polygonal and valid (``shapely.is_valid_reason``;
no silent repair), type and level are known, a name is given and not repeated, ``established``
is a year and ``area_ha`` a non-negative number. Overlaps between protected areas are warnings,
never errors: nested designations (a forest park inside a nature reserve, a reserve inside a
national park) overlap legitimately, and the indicators count the overlap once (union). Areas are
computed in ``registry.parcels.equal_area_crs`` (the pack's accounting CRS when a pack is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ecoledger.errors import Problem, SubmissionError
from ecoledger.messages import register, text
from ecoledger.registry.parcels import GEOS_REASONS_ZH, AreaCrs, _reason, equal_area_crs, overlapping_pairs

PREFIX = "biodiversity."
DEMONSTRATION = "demonstration"
PROVIDED = "provided"
OVERLAP_REPORT_M2 = 1.0  # smaller shared slivers are digitising noise, not a nested designation
YEAR_RANGE = (1900, 2100)
NAME_COLUMNS = ("name", "名称", "保护地名称")
TYPE_COLUMNS = ("type", "类型", "保护地类型")
LEVEL_COLUMNS = ("level", "级别")
OPTIONAL = {
    "name_en": ("name_en", "英文名称"),
    "established": ("established", "建立年份", "始建年份", "year"),
    "area_ha": ("area_ha", "面积", "公布面积", "面积_公顷"),
    "source": ("source", "来源", "出处"),
    "status": ("status", "数据状态"),
    "note": ("note", "备注"),
}

register(
    {
        "missing": ("文件不存在", "the file does not exist"),
        "missing.fix": ("请更正路径", "correct the path"),
        "unreadable": ("无法读取：`{error}`", "cannot be read: {error}"),
        "unreadable.fix": (
            "请在 QGIS 中打开检查，重新导出为 GeoPackage",
            "open it in QGIS to check and export it again as GeoPackage",
        ),
        "no_features": ("图层中没有要素", "the layer has no features"),
        "no_features.fix": ("请给出含有保护地边界的面图层", "give the polygon layer of the protected areas"),
        "column": (
            "缺少 {what}列（可用列名：{names}）；现有列：{available}",
            "no {what_en} column (names read: {names}); the file's columns: {available}",
        ),
        "column.fix": (
            "请按模板 `protected_areas_template.csv` 添加该列",
            "add the column as in the template protected_areas_template.csv",
        ),
        "crs_missing": (
            "文件没有坐标参考系（缺少 `.prj`、未定义，或为 CSV）",
            "the file has no coordinate reference system (no .prj, none defined, or a CSV)",
        ),
        "crs_missing.fix": (
            "请在 QGIS 中为图层指定坐标系（如 CGCS2000，EPSG:4490）后重新导出，或声明坐标系",
            "assign the CRS in QGIS (e.g. CGCS2000, EPSG:4490) and export again, or declare it",
        ),
        "wkt_invalid": ("`wkt` 列的文本不是几何：{error}", "the wkt text is not a geometry: {error}"),
        "wkt_invalid.fix": (
            "请填写 WKT 面（如 `POLYGON((…))`），或改用 GeoPackage",
            "write a WKT polygon (e.g. POLYGON((…))) or use a GeoPackage",
        ),
        "geometry_missing": ("没有边界（几何为空）", "has no boundary (empty geometry)"),
        "geometry_missing.fix": (
            "请绘制保护地边界，或删除该要素",
            "draw the protected area's boundary or delete the feature",
        ),
        "geometry_type": ("边界是 {kind}，不是面", "the boundary is a {kind}, not a polygon"),
        "geometry_type.fix": (
            "保护地须为面：请给出面图层",
            "protected areas are polygons: give the polygon layer",
        ),
        "geometry_invalid": ("边界无效：{reason_zh}{at}", "the boundary is not valid: {reason}{at}"),
        "geometry_invalid.fix": (
            "请在 QGIS 中用“修复几何图形”工具修复后重新导出",
            "repair it (QGIS: Vector → Geometry Tools → Fix Geometries) and export again",
        ),
        "code_unknown": ("{what} `{value}` 不可识别", "the {what_en} `{value}` is not known"),
        "code_unknown.fix": ("请填写以下之一：{known_zh}", "write one of {known}"),
        "name_missing": ("缺少名称", "has no name"),
        "name_missing.fix": ("请填写保护地名称", "write the protected area's name"),
        "name_duplicate": (
            "名称 `{value}` 与第 {other} 号要素重复",
            "the name `{value}` is also the name of feature {other}",
        ),
        "name_duplicate.fix": (
            "名录中的名称须唯一：若确为两处保护地，请在名称后加注所在县；若为同一处，请合并为一个要素",
            "names in a register are unique: if these are two areas add the county to the name; "
            "if one, merge the features",
        ),
        "year_invalid": (
            "建立年份 `{value}` 不是 {low}–{high} 之间的四位年份",
            "established `{value}` is not a four-digit year within {low}–{high}",
        ),
        "year_invalid.fix": (
            "请填写四位年份（如 2007），未知时留空",
            "write a year such as 2007, or leave it empty",
        ),
        "area_invalid": (
            "公布面积 `{value}` 不是非负数（公顷）",
            "area_ha `{value}` is not a non-negative number of hectares",
        ),
        "area_invalid.fix": (
            "请填写批准文件中的面积（公顷，仅数字），未知时留空",
            "write the approved area in hectares (a number only), or leave it empty",
        ),
        "status_invalid": (
            "数据状态 `{value}` 不可识别",
            "the status `{value}` is not known",
        ),
        "status_invalid.fix": (
            "请填写 `provided`（用户提供）或 `demonstration`（示范）",
            "write provided or demonstration",
        ),
        "overlap": (
            "与 `{other}`（第 {other_fid} 号要素）重叠 {area} 公顷（占本保护地 {share}）",
            "overlaps `{other}` (feature {other_fid}) by {area} ha ({share} of this area)",
        ),
        "overlap.fix": (
            "嵌套或交叉设立的保护地可以重叠，保护地面积按并集计算、只计一次；若并非如此，请核对边界",
            "nested or overlapping designations may overlap: the protected area is computed on the "
            "union and counted once; if they should not overlap, check the boundaries",
        ),
        "what.type": ("类型", "type"),
        "what.level": ("级别", "level"),
        "what.name": ("名称", "name"),
    },
    prefix=PREFIX,
)


class RegisterError(SubmissionError):
    """A protected-area layer is refused; ``problems`` lists every problem (zh and en)."""


@dataclass
class ProtectedAreas:
    """Accepted protected areas: ``areas`` has pa_id, name, name_en, type, level, established,
    area_ha (published), boundary_ha (computed), status, source, note, fid and the file's other
    columns, in ``area_crs``; ``problems`` the warnings (overlaps)."""

    areas: gpd.GeoDataFrame
    file: str
    area_crs: AreaCrs
    problems: list[Problem] = field(default_factory=list)


def phrase(key: str, lang: str = "zh", **fields) -> str:
    return text(PREFIX + key, lang, **fields)


def codes_path() -> Path:
    return Path(str(resources.files("ecoledger.data") / "biodiversity" / "protected_area_codes.csv"))


def template_paths() -> dict[str, Path]:
    """The fill-in template and its column descriptions (zh and en)."""
    root = Path(str(resources.files("ecoledger.data") / "biodiversity"))
    return {
        "template": root / "protected_areas_template.csv",
        "columns": root / "protected_areas_columns.csv",
    }


@lru_cache(maxsize=1)
def read_codes() -> pd.DataFrame:
    """The type and level codes (kind, code, name_zh, name_en, source columns)."""
    table = pd.read_csv(codes_path(), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    register(
        {
            f"{kind}.{code}": (zh, en)
            for kind, code, zh, en in table[["kind", "code", "name_zh", "name_en"]].itertuples(index=False)
        },
        prefix=PREFIX,
    )
    return table


def _codes(kind: str) -> dict[str, tuple[str, str]]:
    table = read_codes()
    part = table[table["kind"] == kind]
    return {c: (zh, en) for c, zh, en in part[["code", "name_zh", "name_en"]].itertuples(index=False)}


def type_label(code: str, lang: str = "zh") -> str:
    names = _codes("type").get(code)
    return names[0 if lang == "zh" else 1] if names else str(code)


def level_label(code: str, lang: str = "zh") -> str:
    names = _codes("level").get(code)
    return names[0 if lang == "zh" else 1] if names else str(code)


def _code(kind: str, value) -> str | None:
    """A code from a code, its English name or its Chinese name (国家级 or 国家, 自然保护区 …)."""
    raw = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
    if not raw:
        return None
    for code, (zh, en) in _codes(kind).items():
        if raw.lower() in (code, en.lower()) or raw in (zh, zh.removesuffix("级")):
            return code
    return None


def _problem(
    file: str, where: str, key: str, severity: str = "error", where_zh: str | None = None, **fields
) -> Problem:
    return Problem.keyed(file, where, PREFIX + key, severity, where_zh, **{"at": "", **fields})


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    lowered = {str(c).strip().lower(): c for c in frame.columns if c != geometry}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def _read(source: Path, layer: str | None, file: str) -> gpd.GeoDataFrame:
    """A GeoPackage/shapefile/GeoJSON through pyogrio, or a CSV whose ``wkt`` column is parsed
    (a CSV carries no CRS: ``source_crs`` declares it)."""
    if not source.exists():
        raise RegisterError([_problem(file, "file", "missing")])
    if source.suffix.lower() == ".csv":
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        column = _column(table, ("wkt", "geometry", "边界"))
        geoms, problems = [], []
        for i, value in enumerate(table[column] if column else [""] * len(table)):
            try:
                geoms.append(shapely.from_wkt(value) if value.strip() else None)
            except shapely.errors.GEOSException as exc:
                geoms.append(None)
                problems.append(
                    _problem(
                        file,
                        f"row {i + 2} · {column}",
                        "wkt_invalid",
                        error=str(exc).replace("`", "'")[:120],
                        where_zh=f"第 {i + 2} 行 · 边界（`{column}`）",
                    )
                )
        if problems:
            raise RegisterError(problems)
        frame = gpd.GeoDataFrame(table.drop(columns=[column] if column else []), geometry=geoms)
        frame.index = pd.RangeIndex(2, len(frame) + 2)  # the spreadsheet's row numbers
        frame.attrs["rows"] = True
        return frame
    import pyogrio

    try:
        return pyogrio.read_dataframe(
            source, layer=layer, fid_as_index=True, force_2d=True, on_invalid="ignore"
        )
    except Exception as exc:  # pyogrio's DataSourceError and others
        error = " ".join(str(exc).split()).replace("`", "'")[:300]
        raise RegisterError([_problem(file, "file", "unreadable", error=error)]) from None


def read_protected_areas(source, *, layer: str | None = None, **options) -> ProtectedAreas:
    """Protected areas from a file or GeoDataFrame, checked (module docstring)."""
    areas, problems = _prepare(source, layer, **options)
    if any(p.severity == "error" for p in problems):
        raise RegisterError(sorted(problems, key=lambda p: p.severity != "error"))
    return areas


def check_protected_areas(source, *, layer: str | None = None, **options) -> list[Problem]:
    """Every problem of a protected-area layer (errors first, then warnings), without raising."""
    try:
        _, problems = _prepare(source, layer, **options)
    except RegisterError as exc:
        return list(exc.problems)
    return sorted(problems, key=lambda p: p.severity != "error")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def _year(value) -> tuple[int | None, bool]:
    """(year, ok): empty → (None, True); a four-digit year in YEAR_RANGE → (year, True)."""
    raw = _text(value).removesuffix(".0")
    if not raw:
        return None, True
    if raw.isdigit() and len(raw) == 4 and YEAR_RANGE[0] <= int(raw) <= YEAR_RANGE[1]:
        return int(raw), True
    return None, False


def _hectares(value) -> tuple[float | None, bool]:
    raw = _text(value).replace(",", "")
    if not raw:
        return None, True
    try:
        number = float(raw)
    except ValueError:
        return None, False
    return (number, True) if np.isfinite(number) and number >= 0 else (None, False)


def _prepare(
    source,
    layer,
    *,
    pack=None,
    area_crs: str | None = None,
    source_crs: str | None = None,
    file: str | None = None,
) -> tuple[ProtectedAreas, list[Problem]]:
    if isinstance(source, gpd.GeoDataFrame):
        frame, file = source, file or "protected_areas"
    else:
        file = file or Path(source).name
        frame = _read(Path(source), layer, file)
    area = equal_area_crs(pack, area_crs)
    problems: list[Problem] = list(area.problems)
    if len(frame) == 0:
        raise RegisterError([_problem(file, "layer", "no_features")])
    available = ", ".join(map(str, [c for c in frame.columns if c != frame.geometry.name][:30])) or "—"
    required = {}
    for what, names in (("name", NAME_COLUMNS), ("type", TYPE_COLUMNS), ("level", LEVEL_COLUMNS)):
        required[what] = _column(frame, names)
        if required[what] is None:
            problems.append(
                _problem(
                    file,
                    f"header · {what}",
                    "column",
                    what=phrase(f"what.{what}", "zh"),
                    what_en=what,
                    names=", ".join(names),
                    available=available,
                )
            )
    if any(p.severity == "error" for p in problems):
        raise RegisterError(problems)
    optional = {key: _column(frame, names) for key, names in OPTIONAL.items()}
    fids = list(frame.index)

    def where(fid, column: str, label: str) -> tuple[str, str]:
        if frame.attrs.get("rows"):  # a CSV: its spreadsheet row, not a feature id
            return f"row {fid} · {column}", f"第 {fid} 行 · {label}（`{column}`）"
        return f"fid {fid} · {column}", f"第 {fid} 号要素 · {label}（`{column}`）"

    values: dict[str, list] = {k: [] for k in ("name", "type", "level", "established", "area_ha", "status")}
    for i, fid in enumerate(fids):
        row = frame.iloc[i]
        name = _text(row[required["name"]])
        if not name:
            w, wz = where(fid, required["name"], "名称")
            problems.append(_problem(file, w, "name_missing", where_zh=wz))
        values["name"].append(name)
        for what in ("type", "level"):
            column = required[what]
            code = _code(what, row[column])
            if code is None:
                w, wz = where(fid, column, phrase(f"what.{what}", "zh"))
                known = _codes(what)
                problems.append(
                    _problem(
                        file,
                        w,
                        "code_unknown",
                        where_zh=wz,
                        what=phrase(f"what.{what}", "zh"),
                        what_en=what,
                        value=_text(row[column])[:60],
                        known=", ".join(known),
                        known_zh="、".join(f"{zh}（`{c}`）" for c, (zh, _) in known.items()),
                    )
                )
            values[what].append(code)
        year, ok = _year(row[optional["established"]]) if optional["established"] else (None, True)
        if not ok:
            w, wz = where(fid, optional["established"], "建立年份")
            problems.append(
                _problem(
                    file,
                    w,
                    "year_invalid",
                    where_zh=wz,
                    value=_text(row[optional["established"]]),
                    low=YEAR_RANGE[0],
                    high=YEAR_RANGE[1],
                )
            )
        values["established"].append(year)
        hectares, ok = _hectares(row[optional["area_ha"]]) if optional["area_ha"] else (None, True)
        if not ok:
            w, wz = where(fid, optional["area_ha"], "公布面积")
            problems.append(
                _problem(file, w, "area_invalid", where_zh=wz, value=_text(row[optional["area_ha"]]))
            )
        values["area_ha"].append(hectares)
        status = _text(row[optional["status"]]).lower() if optional["status"] else ""
        if status and status not in (PROVIDED, DEMONSTRATION):
            w, wz = where(fid, optional["status"], "数据状态")
            problems.append(_problem(file, w, "status_invalid", where_zh=wz, value=status))
        values["status"].append(status or PROVIDED)
    first: dict[str, object] = {}
    for fid, name in zip(fids, values["name"], strict=True):
        if name and name in first:
            w, wz = where(fid, required["name"], "名称")
            problems.append(_problem(file, w, "name_duplicate", where_zh=wz, value=name, other=first[name]))
        first.setdefault(name, fid)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    gcol = frame.geometry.name
    for fid, geom in zip(fids, geoms, strict=True):
        w, wz = where(fid, gcol, "边界")
        if geom is None or geom.is_empty:
            problems.append(_problem(file, w, "geometry_missing", where_zh=wz))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(_problem(file, w, "geometry_type", kind=geom.geom_type, where_zh=wz))
        elif (reason := shapely.is_valid_reason(geom)) != "Valid Geometry":
            kind, at = _reason(reason)
            problems.append(
                _problem(
                    file,
                    w,
                    "geometry_invalid",
                    reason=kind,
                    where_zh=wz,
                    reason_zh=GEOS_REASONS_ZH.get(kind, kind),
                    at=f" {at}" if at else "",
                )
            )
    crs = frame.crs if frame.crs is not None else (CRS(source_crs) if source_crs else None)
    if crs is None:
        problems.append(_problem(file, "crs", "crs_missing"))
    if any(p.severity == "error" for p in problems):
        return ProtectedAreas(gpd.GeoDataFrame(), file, area, problems), problems
    projected = gpd.GeoSeries(geoms, crs=crs).to_crs(area.crs).reset_index(drop=True)
    pa_id = _column(frame, ("pa_id", "id", "编号"))
    table = gpd.GeoDataFrame(
        {
            "pa_id": [_text(v) for v in frame[pa_id]] if pa_id else [str(f) for f in fids],
            "name": values["name"],
            "name_en": [_text(v) for v in frame[optional["name_en"]]] if optional["name_en"] else "",
            "type": values["type"],
            "level": values["level"],
            "established": pd.array(values["established"], dtype="Int64"),
            "area_ha": pd.array(values["area_ha"], dtype="Float64"),
            "boundary_ha": projected.area.to_numpy() / 1e4,
            "status": values["status"],
            "source": [_text(v) for v in frame[optional["source"]]] if optional["source"] else "",
            "note": [_text(v) for v in frame[optional["note"]]] if optional["note"] else "",
            "fid": fids,
        },
        geometry=projected,
    )
    used = {*required.values(), *optional.values(), pa_id, gcol}
    for extra in frame.columns:
        if extra not in used and extra not in table:
            table[extra] = frame[extra].to_numpy()
    problems += area_overlaps(table, file)
    return ProtectedAreas(table, file, area, problems), problems


def area_overlaps(
    areas: gpd.GeoDataFrame, file: str = "protected_areas", tolerance_m2: float = OVERLAP_REPORT_M2
) -> list[Problem]:
    """A warning per pair of protected areas overlapping by at least ``tolerance_m2`` m² (``areas``
    in an equal-area CRS): reported, never refused, and counted once by the indicators."""
    geoms = np.asarray(areas.geometry.array, dtype=object)
    if len(geoms) < 2:
        return []
    a, b, shared = overlapping_pairs(geoms)
    fids, names = areas["fid"].tolist(), areas["name"].tolist()
    own = shapely.area(geoms)
    out = []
    for i, j, m2 in zip(a, b, shared, strict=True):
        if m2 < tolerance_m2:
            continue
        out.append(
            _problem(
                file,
                f"fid {fids[i]} · geometry",
                "overlap",
                severity="warning",
                other=names[j],
                other_fid=fids[j],
                area=f"{m2 / 1e4:,.1f}",
                share=f"{m2 / own[i]:.1%}",
                where_zh=f"第 {fids[i]} 号要素（`{names[i]}`）· 边界",
            )
        )
    return out
