"""River/lake and forest chiefs (河湖长制、林长制): areas, officials, records and indicators.

Inputs (templates: ``write_templates``; checks name the file, the row, the field and the fix):

* areas (GeoPackage or GeoJSON): ``area_id`` (unique), ``name``, ``kind`` — ``river_reach``
  (lines), ``lake`` or ``forest_parcel`` (polygons); a CRS is required, geometries must be valid
  and non-empty;
* officials (CSV): ``area_id, name, post, level, date_from, date_to`` (``date_to`` empty while in
  post); ``level`` one of province, city, county, township, village;
* patrols (CSV): ``patrol_id, area_id, official, date, note``;
* issues (CSV): ``issue_id, area_id, opened, status, closed, description``; ``status`` is
  ``opened`` or ``closed``; a closed issue has a ``closed`` date not before ``opened``, an open one
  none.

Indicators per area over a period (calendar months, ``months_between``):

* patrols per month = patrols in the period ÷ months; per official the same over the months of
  the period the official held the post, against the required frequency of the official's system
  and level, which is either a cited rule (``data/accountability/patrol_rules.csv``: every row with
  its source and quote) chosen by id, or a user parameter (patrols per month); without either the
  requirement is ``missing`` (no default). ``periods_met`` counts the complete windows of the
  rule's ``per_months`` months (from the start of the official's months) with at least
  ``min_patrols`` patrols;
* issues opened in the period, closed in the period, closure rate = issues opened in the period
  and closed by its end ÷ issues opened in the period, median days to close of those closed;
* GEP inside (``controls.screening.gep_in_footprints`` on the account's value maps; reaches
  buffered by ``buffer_m`` each side, a user parameter with no default), forest area inside
  (``maps/ecosystem.tif`` cells with their exact covered share × cell area), and the GB 3838
  class of monitoring stations inside (latest year, worst station) when station locations and
  water records are given.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from ecoledger.errors import Problem, SubmissionError
from ecoledger.messages import register

KINDS = {"river_reach": "line", "lake": "polygon", "forest_parcel": "polygon"}
SYSTEM_OF_KIND = {"river_reach": "river_lake", "lake": "river_lake", "forest_parcel": "forest"}
LEVELS = ("province", "city", "county", "township", "village")
STATUSES = ("opened", "closed")
TEMPLATES = {
    "officials": ["area_id", "name", "post", "level", "date_from", "date_to"],
    "patrols": ["patrol_id", "area_id", "official", "date", "note"],
    "issues": ["issue_id", "area_id", "opened", "status", "closed", "description"],
}
AREA_COLUMNS = ("area_id", "name", "kind")
DEMONSTRATION = "demonstration"

register(
    {
        "refused": ("{file}：{count} 个问题", "{file}: {count} problems"),
    },
    prefix="audit.chiefs.",
)


class ChiefsRecordError(SubmissionError):
    """A chiefs' file is refused; ``problems`` lists every problem found, with file, field and fix."""


@dataclass
class Chiefs:
    """Checked inputs and the indicator tables (module docstring)."""

    areas: object  # GeoDataFrame
    officials: pd.DataFrame
    patrols: pd.DataFrame
    issues: pd.DataFrame
    period_start: dt.date
    period_end: dt.date
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    duties: pd.DataFrame = field(default_factory=pd.DataFrame)
    status: str = "provided"
    accounts: str = ""
    rules: pd.DataFrame = field(default_factory=pd.DataFrame)
    buffer_m: float | None = None


# --- small pure functions ---------------------------------------------------------------------


def months_between(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start``'s month to ``end``'s month, both counted (Jan–Mar → 3);
    0 when ``end`` is before ``start``."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return max(count, 0)


def month_index(day: dt.date, start: dt.date) -> int:
    """The month of ``day`` counted from ``start``'s month (that month is 0)."""
    return (day.year - start.year) * 12 + day.month - start.month


def periods_met(
    patrol_days, start: dt.date, end: dt.date, per_months: int, min_patrols: int
) -> tuple[int, int]:
    """(windows with at least ``min_patrols`` patrols, complete windows): the months from
    ``start`` to ``end`` cut into consecutive windows of ``per_months`` months from ``start``'s
    month; an incomplete last window is not judged."""
    months = months_between(start, end)
    windows = months // per_months
    counts = [0] * windows
    for day in patrol_days:
        k = month_index(day, start) // per_months
        if 0 <= k < windows and start <= day <= end:
            counts[k] += 1
    return sum(c >= min_patrols for c in counts), windows


def closure_rate(opened: int, closed: int) -> float:
    """Issues closed ÷ issues opened (a fraction); NaN when none was opened."""
    return closed / opened if opened else math.nan


def days_to_close(opened: dt.date, closed: dt.date) -> int:
    """Days from opening to closing (closing on the day opened is 0)."""
    return (closed - opened).days


# --- reading and checking ---------------------------------------------------------------------


def _date(text) -> dt.date | None:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    text = str(text).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def _problem(
    file: str, row: int | None, field_: str, message: str, fix: str, message_zh: str, fix_zh: str
) -> Problem:
    where = f"row {row}: " if row is not None else ""
    where_zh = f"第 {row} 行 · {field_}：" if row is not None else ""
    return Problem(file, field_, where + message, fix, message_zh=where_zh + message_zh, fix_zh=fix_zh)


def read_csv_table(path: str | Path, kind: str) -> pd.DataFrame:
    """A records CSV (``kind`` in ``TEMPLATES``) as text, with its header checked."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ChiefsRecordError(
            [
                _problem(
                    path.name,
                    None,
                    "file",
                    f"cannot be read as CSV ({exc})",
                    "save it as UTF-8 CSV from the template",
                    f"无法按 CSV 读取（{exc}）",
                    "请按模板另存为 UTF-8 CSV",
                )
            ]
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in TEMPLATES[kind] if c not in frame.columns]
    if missing:
        raise ChiefsRecordError(
            [
                _problem(
                    path.name,
                    None,
                    "header",
                    f"columns {', '.join(missing)} are missing",
                    f"start from the template {kind}.csv (ecoledger audit templates)",
                    f"缺少列 {', '.join(missing)}",
                    f"请使用模板 {kind}.csv（ecoledger audit templates）",
                )
            ]
        )
    return frame


def check_areas(areas, file: str = "areas") -> list[Problem]:
    """Problems of an areas layer (module docstring): columns, CRS, ids, kinds, geometries."""
    problems = []
    missing = [c for c in AREA_COLUMNS if c not in areas.columns]
    if missing:
        return [
            _problem(
                file,
                None,
                "columns",
                f"columns {', '.join(missing)} are missing",
                "add area_id, name and kind (river_reach, lake or forest_parcel)",
                f"缺少列 {', '.join(missing)}",
                "请添加 area_id、name、kind 列",
            )
        ]
    if areas.crs is None:
        problems.append(
            _problem(
                file,
                None,
                "crs",
                "the layer has no coordinate reference system",
                "save it with its CRS (e.g. EPSG:4326 or EPSG:4490)",
                "图层没有坐标参考系",
                "请带坐标系保存（如 EPSG:4326 或 EPSG:4490）",
            )
        )
    ids = areas["area_id"].astype(str).str.strip()
    for row, (area_id, kind, geometry) in enumerate(
        zip(ids, areas["kind"], areas.geometry, strict=True), start=1
    ):
        if not area_id or area_id == "nan":
            problems.append(
                _problem(
                    file,
                    row,
                    "area_id",
                    "area_id is empty",
                    "give every area an id",
                    "area_id 为空",
                    "请为每个责任区填写编号",
                )
            )
        if kind not in KINDS:
            problems.append(
                _problem(
                    file,
                    row,
                    "kind",
                    f"kind {kind!r} is not one of {', '.join(KINDS)}",
                    "use river_reach, lake or forest_parcel",
                    f"类型 {kind!r} 不是 {'、'.join(KINDS)} 之一",
                    "请填写 river_reach、lake 或 forest_parcel",
                )
            )
        if geometry is None or geometry.is_empty:
            problems.append(
                _problem(
                    file,
                    row,
                    "geometry",
                    "the geometry is empty",
                    "draw the area",
                    "几何为空",
                    "请绘制责任区范围",
                )
            )
            continue
        if not geometry.is_valid:
            problems.append(
                _problem(
                    file,
                    row,
                    "geometry",
                    "the geometry is invalid (self-intersecting?)",
                    "repair it (e.g. QGIS Fix geometries)",
                    "几何无效（自相交？）",
                    "请修复几何（如 QGIS 的修复几何工具）",
                )
            )
        shape = (
            "line"
            if geometry.geom_type in ("LineString", "MultiLineString")
            else "polygon"
            if geometry.geom_type in ("Polygon", "MultiPolygon")
            else geometry.geom_type
        )
        if kind in KINDS and shape != KINDS[kind]:
            problems.append(
                _problem(
                    file,
                    row,
                    "geometry",
                    f"a {kind} must be a {KINDS[kind]}, not {shape}",
                    "draw river reaches as lines, lakes and forest parcels as polygons",
                    f"{kind} 应为{'线' if KINDS[kind] == 'line' else '面'}",
                    "河段画为线，湖泊与林长责任区画为面",
                )
            )
    repeated = sorted(set(ids[ids.duplicated()]))
    if repeated:
        problems.append(
            _problem(
                file,
                None,
                "area_id",
                f"area ids repeat: {', '.join(repeated)}",
                "give every area its own id",
                f"编号重复：{'、'.join(repeated)}",
                "请为每个责任区使用不同编号",
            )
        )
    return problems


def read_areas(path: str | Path, layer: str | None = None):
    """The areas file (GeoPackage or GeoJSON), checked; ``ChiefsRecordError`` on any error."""
    import geopandas as gpd

    path = Path(path)
    try:
        areas = gpd.read_file(path, layer=layer)
    except Exception as exc:  # any reader failure is the file's
        raise ChiefsRecordError(
            [
                _problem(
                    path.name,
                    None,
                    "file",
                    f"cannot be read ({exc})",
                    "give a GeoPackage or GeoJSON file",
                    f"无法读取（{exc}）",
                    "请提供 GeoPackage 或 GeoJSON 文件",
                )
            ]
        ) from None
    problems = check_areas(areas, path.name)
    if problems:
        raise ChiefsRecordError(problems)
    areas["area_id"] = areas["area_id"].astype(str).str.strip()
    return areas


def check_officials(frame: pd.DataFrame, area_ids: set[str], file: str = "officials.csv") -> list[Problem]:
    problems = []
    for row, r in enumerate(frame.to_dict("records"), start=2):
        problems += _area_problem(file, row, r["area_id"], area_ids)
        for column in ("name", "post"):
            if _blank(r[column]):
                problems.append(
                    _problem(
                        file,
                        row,
                        column,
                        f"{column} is empty",
                        f"fill {column}",
                        f"{column} 为空",
                        f"请填写 {column}",
                    )
                )
        if r["level"] not in LEVELS:
            problems.append(
                _problem(
                    file,
                    row,
                    "level",
                    f"level {r['level']!r} is not one of {', '.join(LEVELS)}",
                    "use province, city, county, township or village",
                    f"级别 {r['level']!r} 无效",
                    "请填写 province、city、county、township 或 village",
                )
            )
        start, end = _date(r["date_from"]), _date(r["date_to"])
        if start is None:
            problems.append(_date_problem(file, row, "date_from"))
        if not _blank(r["date_to"]) and end is None:
            problems.append(_date_problem(file, row, "date_to"))
        if start and end and end < start:
            problems.append(
                _problem(
                    file,
                    row,
                    "date_to",
                    "date_to is before date_from",
                    "check the two dates",
                    "任职结束日期早于开始日期",
                    "请核对两个日期",
                )
            )
    return problems


def check_patrols(frame: pd.DataFrame, area_ids: set[str], file: str = "patrols.csv") -> list[Problem]:
    problems = []
    for row, r in enumerate(frame.to_dict("records"), start=2):
        problems += _area_problem(file, row, r["area_id"], area_ids)
        if _date(r["date"]) is None:
            problems.append(_date_problem(file, row, "date"))
        if _blank(r["official"]):
            problems.append(
                _problem(
                    file,
                    row,
                    "official",
                    "official is empty",
                    "name the official who patrolled (as in officials.csv)",
                    "巡查人为空",
                    "请填写巡查的河湖长/林长（与 officials.csv 一致）",
                )
            )
    problems += _unique(frame, "patrol_id", file)
    return problems


def check_issues(frame: pd.DataFrame, area_ids: set[str], file: str = "issues.csv") -> list[Problem]:
    problems = []
    for row, r in enumerate(frame.to_dict("records"), start=2):
        problems += _area_problem(file, row, r["area_id"], area_ids)
        opened, closed = _date(r["opened"]), _date(r["closed"])
        if opened is None:
            problems.append(_date_problem(file, row, "opened"))
        if r["status"] not in STATUSES:
            problems.append(
                _problem(
                    file,
                    row,
                    "status",
                    f"status {r['status']!r} is not opened or closed",
                    "write opened or closed",
                    f"状态 {r['status']!r} 无效",
                    "请填写 opened（未办结）或 closed（已办结）",
                )
            )
        elif r["status"] == "closed" and closed is None:
            problems.append(
                _problem(
                    file,
                    row,
                    "closed",
                    "a closed issue needs its closing date (YYYY-MM-DD)",
                    "give the date it was closed",
                    "已办结的问题缺少办结日期",
                    "请填写办结日期（YYYY-MM-DD）",
                )
            )
        elif r["status"] == "opened" and not _blank(r["closed"]):
            problems.append(
                _problem(
                    file,
                    row,
                    "closed",
                    "an open issue has a closing date",
                    "set status to closed, or clear the date",
                    "未办结的问题填写了办结日期",
                    "请将状态改为 closed，或清空办结日期",
                )
            )
        if opened and closed and closed < opened:
            problems.append(
                _problem(
                    file,
                    row,
                    "closed",
                    "closed is before opened",
                    "check the two dates",
                    "办结日期早于发现日期",
                    "请核对两个日期",
                )
            )
    problems += _unique(frame, "issue_id", file)
    return problems


def _area_problem(file: str, row: int, area_id, area_ids: set[str]) -> list[Problem]:
    if str(area_id).strip() in area_ids:
        return []
    return [
        _problem(
            file,
            row,
            "area_id",
            f"area {area_id!r} is not in the areas file",
            "use an area_id of the areas file",
            f"责任区 {area_id!r} 不在责任区文件中",
            "请使用责任区文件中的 area_id",
        )
    ]


def _date_problem(file: str, row: int, column: str) -> Problem:
    return _problem(
        file,
        row,
        column,
        f"{column} is not a date YYYY-MM-DD",
        "write the date as 2023-05-31",
        f"{column} 不是 YYYY-MM-DD 格式的日期",
        "请按 2023-05-31 的格式填写日期",
    )


def _unique(frame: pd.DataFrame, column: str, file: str) -> list[Problem]:
    ids = frame[column].astype(str).str.strip()
    repeated = sorted(set(ids[ids.duplicated() & (ids != "")]))
    if not repeated:
        return []
    return [
        _problem(
            file,
            None,
            column,
            f"{column} repeats: {', '.join(repeated)}",
            "give every row its own id",
            f"{column} 重复：{'、'.join(repeated)}",
            "请为每行使用不同编号",
        )
    ]


def checked_records(
    officials: pd.DataFrame,
    patrols: pd.DataFrame,
    issues: pd.DataFrame,
    area_ids: set[str],
    files=("officials.csv", "patrols.csv", "issues.csv"),
) -> None:
    """Raise ``ChiefsRecordError`` with every problem of the three tables, if any."""
    problems = [
        *check_officials(officials, area_ids, files[0]),
        *check_patrols(patrols, area_ids, files[1]),
        *check_issues(issues, area_ids, files[2]),
    ]
    if problems:
        raise ChiefsRecordError(problems)


# --- rules ------------------------------------------------------------------------------------


def patrol_rules() -> pd.DataFrame:
    """The cited patrol-frequency rules (``data/accountability/patrol_rules.csv``)."""
    with (resources.files("ecoledger.data") / "accountability" / "patrol_rules.csv").open(
        encoding="utf-8"
    ) as f:
        return pd.read_csv(f, dtype={"rule_id": str})


def parse_required(items) -> dict[tuple[str, str], float]:
    """``["river_lake:county=1", …]`` → {("river_lake", "county"): 1.0} (patrols per month)."""
    from ecoledger.accountability.departure import AuditError

    out = {}
    for item in items or ():
        key, _, value = str(item).partition("=")
        system, _, level = key.partition(":")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if system not in ("river_lake", "forest") or level not in LEVELS or not number >= 0:
            raise AuditError(
                f"--required {item!r}: write system:level=patrols per month, system river_lake "
                "or forest, level province/city/county/township/village, e.g. river_lake:county=1"
            )
        out[(system, level)] = number
    return out


def requirements(rule_ids, required: dict[tuple[str, str], float]) -> dict[tuple[str, str], dict]:
    """(system, level) → {per_month, min_patrols, per_months, basis, rule_id, source}: the chosen
    cited rules, then the user's parameters (which win for the same system and level)."""
    from ecoledger.accountability.departure import AuditError

    out = {}
    if rule_ids:
        table = patrol_rules()
        for rule_id in rule_ids:
            row = table[table["rule_id"] == rule_id]
            if row.empty:
                raise AuditError(
                    f"--rule {rule_id!r} is not in patrol_rules.csv: use one of {', '.join(table['rule_id'])}"
                )
            r = row.iloc[0]
            out[(r["system"], r["level"])] = {
                "per_month": float(r["min_patrols"]) / float(r["per_months"]),
                "min_patrols": int(r["min_patrols"]),
                "per_months": int(r["per_months"]),
                "basis": "cited",
                "rule_id": rule_id,
                "source": f"{r['source_title']} {r['source_url']}",
            }
    for key, per_month in required.items():
        out[key] = {
            "per_month": per_month,
            "min_patrols": None,
            "per_months": None,
            "basis": "user",
            "rule_id": "",
            "source": "user parameter",
        }
    return out


# --- indicators -------------------------------------------------------------------------------


def default_period(patrols: pd.DataFrame, issues: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """First day of the earliest month and last day of the latest month in the records."""
    days = [
        d
        for d in (*map(_date, patrols["date"]), *map(_date, issues["opened"]), *map(_date, issues["closed"]))
        if d
    ]
    if not days:
        today = dt.date.today()
        return today.replace(day=1), today
    first, last = min(days), max(days)
    nxt = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return first.replace(day=1), nxt - dt.timedelta(days=1)


def duty_table(
    areas,
    officials: pd.DataFrame,
    patrols: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    needs: dict[tuple[str, str], dict],
) -> pd.DataFrame:
    """One row per official: months in post within the period, patrols, patrols per month, the
    requirement (cited, user or missing) and whether it is met (module docstring)."""
    kinds = dict(zip(areas["area_id"], areas["kind"], strict=True))
    rows = []
    for r in officials.to_dict("records"):
        a = max(_date(r["date_from"]), start)
        b = min(_date(r["date_to"]) or end, end)
        months = months_between(a, b) if a <= b else 0
        mine = patrols[(patrols["area_id"] == r["area_id"]) & (patrols["official"] == r["name"])]
        days = [d for d in map(_date, mine["date"]) if d and a <= d <= b]
        system = SYSTEM_OF_KIND.get(kinds.get(r["area_id"]), "")
        need = needs.get((system, r["level"]))
        per_month = len(days) / months if months else math.nan
        row = {
            "area_id": r["area_id"],
            "official": r["name"],
            "post": r["post"],
            "level": r["level"],
            "system": system,
            "months": months,
            "patrols": len(days),
            "patrols_per_month": per_month,
            "required_per_month": need["per_month"] if need else math.nan,
            "requirement_basis": need["basis"] if need else "missing",
            "rule_id": need["rule_id"] if need else "",
            "requirement_source": need["source"]
            if need
            else f"no cited rule for {system} {r['level']} chiefs; give --required {system}:{r['level']}=N",
            "periods_met": math.nan,
            "periods": math.nan,
        }
        if need and months:
            row["met"] = bool(per_month >= need["per_month"] - 1e-12)
            if need["per_months"]:
                met, windows = periods_met(days, a, b, need["per_months"], need["min_patrols"])
                row["periods_met"], row["periods"] = met, windows
                row["met"] = bool(windows and met == windows) if windows else row["met"]
        else:
            row["met"] = None
        rows.append(row)
    return pd.DataFrame(rows)


def issue_indicators(issues: pd.DataFrame, area_id: str, start: dt.date, end: dt.date) -> dict:
    """Issues of one area: opened in the period, closed in the period, closure rate of those
    opened in the period, median days to close, open at the end of the period."""
    mine = issues[issues["area_id"] == area_id]
    opened_days = [_date(d) for d in mine["opened"]]
    closed_days = [
        _date(d) if s == "closed" else None for d, s in zip(mine["closed"], mine["status"], strict=True)
    ]
    opened_in = [(o, c) for o, c in zip(opened_days, closed_days, strict=True) if o and start <= o <= end]
    closed_of_opened = [(o, c) for o, c in opened_in if c and c <= end]
    closed_in = [c for c in closed_days if c and start <= c <= end]
    durations = [days_to_close(o, c) for o, c in closed_of_opened]
    open_at_end = sum(
        1 for o, c in zip(opened_days, closed_days, strict=True) if o and o <= end and (c is None or c > end)
    )
    return {
        "issues_opened": len(opened_in),
        "issues_closed": len(closed_in),
        "closure_rate": closure_rate(len(opened_in), len(closed_of_opened)),
        "median_days_to_close": float(pd.Series(durations).median()) if durations else math.nan,
        "issues_open_at_end": open_at_end,
    }


def area_shapes(areas, buffer_m: float | None):
    """The areas in an equal-area CRS (China Albers) with reaches buffered by ``buffer_m`` (m, each
    side; required when there is a reach: there is no default width)."""
    shapes = areas.to_crs("+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs")
    lines = shapes["kind"] == "river_reach"
    geometry = shapes.geometry.copy()
    geometry[lines] = geometry[lines].buffer(buffer_m)
    return shapes.set_geometry(geometry)


def forest_km2(maps_dir: str | Path, geometries, crs) -> list[float]:
    """Forest area inside each geometry (km²): ``ecosystem.tif`` forest cells × their exactly
    covered share × cell area (the grid is equal-area)."""
    import geopandas as gpd
    import numpy as np
    import rasterio
    from exactextract import exact_extract

    from ecoledger.ecosystems import ECOSYSTEM_CODES

    path = Path(maps_dir) / "ecosystem.tif"
    with rasterio.open(path) as src:
        cell_km2 = abs(src.transform.a * src.transform.e) / 1e6
        raster_crs = src.crs
    shapes = gpd.GeoDataFrame(
        {"index": np.arange(len(geometries))}, geometry=gpd.GeoSeries(list(geometries), crs=crs)
    ).to_crs(raster_crs)
    found = exact_extract(str(path), shapes, ["values", "coverage"], include_cols=["index"], output="pandas")
    out = [0.0] * len(geometries)
    forest = ECOSYSTEM_CODES["forest"]
    for index, values, cover in zip(found["index"], found["values"], found["coverage"], strict=True):
        values, cover = np.asarray(values), np.asarray(cover, dtype=float)
        out[int(index)] = float(cover[values == forest].sum() * cell_km2)
    return out


def station_classes(stations: str | Path, water_records: str | Path) -> pd.DataFrame:
    """Stations with their location and GB 3838 class of the latest year evaluated
    (``monitoring.water.evaluate``): station, lon, lat, year, class, class_name."""
    from ecoledger.monitoring import records
    from ecoledger.monitoring.water import evaluate

    where = pd.read_csv(stations, dtype={"station": str})
    rows = records.load(Path(water_records).name, Path(water_records).read_bytes())
    evaluated = evaluate(rows, "year")
    latest = evaluated.sort_values("year").groupby("station").tail(1)
    return where.merge(latest[["station", "year", "class", "class_name"]], on="station", how="left")


def area_indicators(
    chiefs: Chiefs, accounts: str | Path | None, buffer_m: float, stations: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per area (module docstring)."""
    import geopandas as gpd
    import shapely

    areas = chiefs.areas
    shapes = area_shapes(areas, buffer_m)
    rows = []
    for r in areas.to_dict("records"):
        rows.append(
            {
                "area_id": r["area_id"],
                "name": r["name"],
                "kind": r["kind"],
                "system": SYSTEM_OF_KIND[r["kind"]],
            }
        )
    frame = pd.DataFrame(rows)
    if "note" in areas.columns:
        frame["note"] = list(areas["note"])
    if "note_zh" in areas.columns:
        frame["note_zh"] = list(areas["note_zh"])
    frame["area_km2"] = shapely.area(shapes.geometry.values) / 1e6
    frame["length_km"] = [
        g.length / 1e3 if k == "river_reach" else math.nan
        for g, k in zip(areas.to_crs(shapes.crs).geometry, areas["kind"], strict=True)
    ]
    months = months_between(chiefs.period_start, chiefs.period_end)
    counts = chiefs.patrols[
        [
            _date(d) is not None and chiefs.period_start <= _date(d) <= chiefs.period_end
            for d in chiefs.patrols["date"]
        ]
    ]["area_id"].value_counts()
    frame["months"] = months
    frame["patrols"] = [int(counts.get(a, 0)) for a in frame["area_id"]]
    frame["patrols_per_month"] = frame["patrols"] / months if months else math.nan
    duties = chiefs.duties
    frame["chiefs"] = [";".join(duties.loc[duties["area_id"] == a, "official"]) for a in frame["area_id"]]
    frame["duties_met"] = [_met(duties[duties["area_id"] == a]) for a in frame["area_id"]]
    issue_rows = [
        issue_indicators(chiefs.issues, a, chiefs.period_start, chiefs.period_end) for a in frame["area_id"]
    ]
    frame = pd.concat([frame, pd.DataFrame(issue_rows)], axis=1)
    if accounts is not None and (Path(accounts) / "maps").is_dir():
        from ecoledger.controls.screening import gep_in_footprints

        maps = Path(accounts) / "maps"
        gep = gep_in_footprints(maps, shapes.geometry.values, shapes.crs)
        sums = gep.groupby("index")["value_yuan"].sum(min_count=1) if len(gep) else pd.Series(dtype=float)
        frame["gep_yuan"] = [float(sums.get(i, math.nan)) for i in range(len(frame))]
        frame["gep_items"] = ";".join(sorted(set(gep["item"]))) if len(gep) else ""
        frame["forest_km2"] = forest_km2(maps, shapes.geometry.values, shapes.crs)
    else:
        frame["gep_yuan"] = math.nan
        frame["forest_km2"] = math.nan
    if stations is not None and len(stations):
        points = gpd.GeoDataFrame(
            stations, geometry=gpd.points_from_xy(stations["lon"], stations["lat"]), crs="EPSG:4326"
        ).to_crs(shapes.crs)
        worst, names = [], []
        for geometry in shapes.geometry:
            inside = points[points.within(geometry)]
            classes = inside["class"].dropna()
            worst.append(int(classes.max()) if len(classes) else math.nan)
            names.append(";".join(inside["station"]))
        frame["stations"] = names
        frame["worst_station_class"] = worst
    return frame


def _met(rows: pd.DataFrame):
    values = [v for v in rows["met"] if v is not None] if len(rows) else []
    if not values or len(values) < len(rows):
        return None
    return all(values)


def chiefs_indicators(
    areas,
    officials: pd.DataFrame,
    patrols: pd.DataFrame,
    issues: pd.DataFrame,
    *,
    accounts: str | Path | None = None,
    rules=(),
    required=None,
    buffer_m: float | None = None,
    period_start=None,
    period_end=None,
    stations: pd.DataFrame | None = None,
    status: str = "provided",
    files=("officials.csv", "patrols.csv", "issues.csv"),
) -> Chiefs:
    """Check the records against the areas and compute the indicator tables (module docstring)."""
    checked_records(officials, patrols, issues, set(areas["area_id"]), files)
    if buffer_m is None and (areas["kind"] == "river_reach").any():
        from ecoledger.accountability.departure import AuditError

        raise AuditError(
            "the areas include river reaches: give their buffer width (--buffer-m, metres each "
            "side), which turns a reach into the strip whose GEP and forest are counted"
        )
    default_start, default_end = default_period(patrols, issues)
    start = _date(period_start) if period_start else default_start
    end = _date(period_end) if period_end else default_end
    if start is None or end is None or end < start:
        from ecoledger.accountability.departure import AuditError

        raise AuditError(
            f"the period {period_start}–{period_end} is not two dates YYYY-MM-DD in order: "
            "check --period-start and --period-end"
        )
    needs = requirements(list(rules), dict(required or {}))
    chiefs = Chiefs(
        areas,
        officials,
        patrols,
        issues,
        start,
        end,
        status=status,
        accounts=str(accounts or ""),
        buffer_m=buffer_m,
    )
    chiefs.duties = duty_table(areas, officials, patrols, start, end, needs)
    chiefs.indicators = area_indicators(chiefs, accounts, buffer_m, stations)
    table = patrol_rules()
    chiefs.rules = table[table["rule_id"].isin(list(rules))]
    return chiefs


def chiefs_from_files(
    areas,
    officials,
    patrols,
    issues,
    *,
    accounts=None,
    rules=(),
    required=None,
    buffer_m: float | None = None,
    period_start=None,
    period_end=None,
    stations=None,
    water_records=None,
) -> Chiefs:
    """``chiefs_indicators`` on files (areas GeoPackage/GeoJSON, three CSVs, optional stations CSV
    and water records)."""
    if bool(stations) != bool(water_records):
        from ecoledger.accountability.departure import AuditError

        raise AuditError(
            "--stations and --water-records go together: the station locations place the "
            "classes evaluated from the records; give both or neither"
        )
    stations_frame = station_classes(stations, water_records) if stations and water_records else None
    return chiefs_indicators(
        read_areas(areas),
        read_csv_table(officials, "officials"),
        read_csv_table(patrols, "patrols"),
        read_csv_table(issues, "issues"),
        accounts=accounts,
        rules=rules,
        required=required,
        buffer_m=buffer_m,
        period_start=period_start,
        period_end=period_end,
        stations=stations_frame,
        files=(Path(officials).name, Path(patrols).name, Path(issues).name),
    )


def write_templates(out: str | Path) -> dict[str, Path]:
    """Blank CSV templates (header only, UTF-8 with BOM for spreadsheets) of the three records."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, columns in TEMPLATES.items():
        path = out / f"{name}.csv"
        path.write_text(",".join(columns) + "\n", encoding="utf-8-sig")
        written[name] = path
    return written
