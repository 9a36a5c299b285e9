"""Species of concern and species records as a point layer (issue 19, item 5).

``read_species(path=None) -> DataFrame``
    The species table (default ``data/biodiversity/species.csv``): species_id, scientific_name,
    name_zh, name_en, taxon, national_class (国家重点保护 I/II or ``missing``), iucn_category (the
    IUCN Red List category) and the source columns; every row cites where its facts were read.
``read_records(source, *, species=None, layer=None, region=None, source_crs=None, file=None)
-> SpeciesRecords``
    Records from a CSV (longitude, latitude in degrees WGS 84, species, date, observer/source) or
    a point GeoPackage/GeoJSON/shapefile (the points carry their CRS), or a GeoDataFrame. Raises
    ``RecordError`` listing every error at once; warnings stay in ``SpeciesRecords.problems``.
``check_records(source, **the keywords of read_records) -> list[Problem]``

Checks: the columns are present; coordinates are finite numbers and within −180…180 / −90…90
(errors); a record outside ``region`` (a polygon in WGS 84, e.g. the pack's province) is kept and
reported as a warning, and counted in no county; the date parses as ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD`` (also ``/`` and ``2020年1月1日``), an empty date is a warning; the species is one of
the table's (by scientific name, Chinese or English name, case-insensitive), else an error whose
fix is to add the species to the table with its citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecoledger.biodiversity.register import PROVIDED, _problem, _text
from ecoledger.errors import Problem, SubmissionError
from ecoledger.messages import register

PREFIX = "biodiversity."
SPECIES_COLUMNS = (
    "species_id",
    "scientific_name",
    "name_zh",
    "name_en",
    "taxon",
    "national_class",
    "iucn_category",
    "source_title",
    "source_url",
    "quote",
    "note",
)
LON = ("longitude", "lon", "lng", "x", "经度")
LAT = ("latitude", "lat", "y", "纬度")
SPECIES = ("species", "scientific_name", "物种", "学名", "物种名称")
DATE = ("date", "日期", "观察日期", "eventdate")
OBSERVER = ("observer", "source", "recorded_by", "观察者", "来源", "记录人")
_DATE = re.compile(r"^(\d{4})(?:[-/年](\d{1,2})(?:[-/月](\d{1,2})日?)?月?)?$")

register(
    {
        "records.column": (
            "缺少{what}列（可用列名：{names}）；现有列：{available}",
            "no {what_en} column (names read: {names}); the file's columns: {available}",
        ),
        "records.column.fix": (
            "请添加该列（经度、纬度为 WGS 84 十进制度）",
            "add the column (longitude and latitude in decimal degrees, WGS 84)",
        ),
        "records.coordinate": ("坐标 `{value}` 不是有效的{what}", "`{value}` is not a valid {what_en}"),
        "records.coordinate.fix": (
            "经度填 −180 至 180、纬度填 −90 至 90 的十进制度数（WGS 84）",
            "write decimal degrees (WGS 84): longitude −180 to 180, latitude −90 to 90",
        ),
        "records.outside": (
            "位于区域范围之外（{lon}, {lat}）：保留但不计入任何区县",
            "lies outside the region ({lon}, {lat}): kept, counted in no county",
        ),
        "records.outside.fix": (
            "请核对经纬度是否写反或有误",
            "check whether longitude and latitude are swapped or mistyped",
        ),
        "records.date": ("日期 `{value}` 无法识别", "the date `{value}` cannot be read"),
        "records.date.fix": (
            "请写成 YYYY-MM-DD（或只写年、年月）",
            "write YYYY-MM-DD (or the year, or year and month)",
        ),
        "records.date_missing": ("缺少日期", "has no date"),
        "records.date_missing.fix": ("请补充记录日期", "add the record's date"),
        "records.species": (
            "物种 `{value}` 不在物种表中",
            "the species `{value}` is not in the species table",
        ),
        "records.species.fix": (
            "请核对名称，或在物种表（`species.csv`）中添加该物种及其保护级别的出处",
            "check the name, or add the species to the species table (species.csv) with the source "
            "of its protection status",
        ),
        "records.geometry": ("不是点（{kind}）", "is not a point ({kind})"),
        "records.geometry.fix": ("物种记录须为点图层", "species records are a point layer"),
        "what.longitude": ("经度", "longitude"),
        "what.latitude": ("纬度", "latitude"),
        "what.species": ("物种", "species"),
        "what.date": ("日期", "date"),
        "what.observer": ("记录人或来源", "observer or source"),
    },
    prefix=PREFIX,
)


class RecordError(SubmissionError):
    """Species records are refused; ``problems`` lists every problem (zh and en)."""


@dataclass
class SpeciesRecords:
    """Accepted records: ``records`` (record_id, species_id, scientific_name, name_zh, date,
    observer, status, outside_region, row, and the file's other columns; points in WGS 84);
    ``problems`` the warnings."""

    records: gpd.GeoDataFrame
    file: str
    problems: list[Problem] = field(default_factory=list)


def species_path() -> Path:
    return Path(str(resources.files("ecoledger.data") / "biodiversity" / "species.csv"))


def read_species(path: str | Path | None = None) -> pd.DataFrame:
    """The species table; a row without its source address or quote is refused."""
    path = Path(path) if path is not None else species_path()
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in SPECIES_COLUMNS if c not in table.columns]
    empty = table[(table.get("source_url", "") == "") | (table.get("quote", "") == "")] if not missing else []
    if missing or len(empty):
        detail = (
            f"columns {', '.join(missing)}"
            if missing
            else f"rows {', '.join(str(i + 2) for i in empty.index)}"
        )
        raise RecordError(
            [
                Problem(
                    path.name,
                    "header" if missing else "source_url/quote",
                    f"the species table lacks {detail}",
                    "give every species its source address and quote",
                    "error",
                    f"物种表缺少{'列' if missing else '出处或原文'}：{detail}",
                    "每个物种须注明出处网址与原文",
                )
            ]
        )
    return table


def species_lookup(table: pd.DataFrame) -> dict[str, str]:
    """Lower-cased scientific, Chinese and English names → species_id."""
    lookup = {}
    for row in table.itertuples(index=False):
        for name in (row.scientific_name, row.name_zh, row.name_en, row.species_id):
            if name and name != "missing":
                lookup[str(name).strip().lower()] = row.species_id
    return lookup


def parse_date(value) -> tuple[str | None, bool]:
    """(ISO text at the precision given, ok): ``2020年1月1日`` → ``2020-01-01``; empty → (None, True)."""
    raw = _text(value).replace(" ", "")
    if not raw:
        return None, True
    raw = raw.split("T")[0]
    match = _DATE.match(raw)
    if not match:
        return None, False
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None:
            return pd.Timestamp(year=year, month=month, day=day).strftime("%Y-%m-%d"), True
        if month is not None:
            return (f"{year:04d}-{month:02d}", True) if 1 <= month <= 12 else (None, False)
    except ValueError:
        return None, False
    return f"{year:04d}", True


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    lowered = {str(c).strip().lower(): c for c in frame.columns if c != geometry}
    return next((lowered[n.lower()] for n in names if n.lower() in lowered), None)


def read_records(source, *, layer: str | None = None, **options) -> SpeciesRecords:
    """Species records, checked (module docstring)."""
    records, problems = _prepare(source, layer, **options)
    if any(p.severity == "error" for p in problems):
        raise RecordError(sorted(problems, key=lambda p: p.severity != "error"))
    return records


def check_records(source, *, layer: str | None = None, **options) -> list[Problem]:
    try:
        _, problems = _prepare(source, layer, **options)
    except RecordError as exc:
        return list(exc.problems)
    return sorted(problems, key=lambda p: p.severity != "error")


def _load(source, layer, file, source_crs) -> tuple[pd.DataFrame, np.ndarray | None, list[Problem]]:
    """The attribute table and, for a spatial file, its points' lon/lat (WGS 84)."""
    if isinstance(source, gpd.GeoDataFrame | pd.DataFrame):
        frame = source
    else:
        path = Path(source)
        if not path.exists():
            raise RecordError([_problem(file, "file", "missing")])
        if path.suffix.lower() in (".csv", ".txt"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            frame.index = pd.RangeIndex(2, len(frame) + 2)  # the spreadsheet's row numbers
        else:
            import pyogrio

            try:
                frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True, force_2d=True)
            except Exception as exc:
                error = " ".join(str(exc).split()).replace("`", "'")[:300]
                raise RecordError([_problem(file, "file", "unreadable", error=error)]) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame, None, []
    problems = []
    crs = frame.crs if frame.crs is not None else source_crs
    if crs is None:
        raise RecordError([_problem(file, "crs", "crs_missing")])
    geoms = np.asarray(frame.geometry.array, dtype=object)
    for fid, geom in zip(frame.index, geoms, strict=True):
        if geom is not None and not geom.is_empty and geom.geom_type != "Point":
            problems.append(
                _problem(
                    file,
                    f"fid {fid} · geometry",
                    "records.geometry",
                    kind=geom.geom_type,
                    where_zh=f"第 {fid} 号要素 · 位置",
                )
            )
    if problems:
        raise RecordError(problems)
    points = gpd.GeoSeries(geoms, crs=crs).to_crs(4326)
    lonlat = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)), lonlat, []


def _prepare(
    source,
    layer,
    *,
    species: pd.DataFrame | None = None,
    region=None,
    source_crs: str | None = None,
    file: str | None = None,
) -> tuple[SpeciesRecords, list[Problem]]:
    file = file or (Path(source).name if isinstance(source, str | Path) else "species_records")
    frame, lonlat, problems = _load(source, layer, file, source_crs)
    species = read_species() if species is None else species
    lookup = species_lookup(species)
    available = ", ".join(map(str, list(frame.columns)[:30])) or "—"
    needed = {"species": SPECIES, "date": DATE, "observer": OBSERVER}
    if lonlat is None:
        needed = {"longitude": LON, "latitude": LAT, **needed}
    columns = {}
    for what, names in needed.items():
        columns[what] = _column(frame, names)
        if columns[what] is None:
            problems.append(
                _problem(
                    file,
                    f"header · {what}",
                    "records.column",
                    what=_w(what),
                    what_en=what,
                    names=", ".join(names),
                    available=available,
                )
            )
    if problems:
        raise RecordError(problems)
    rows = list(frame.index)
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    if lonlat is not None:
        lon, lat = lonlat[:, 0], lonlat[:, 1]
    else:
        for what, target, bound in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
            for i, value in enumerate(frame[columns[what]].tolist()):
                number = pd.to_numeric(pd.Series([_text(value)]), errors="coerce").iloc[0]
                if not (np.isfinite(number) and abs(number) <= bound):
                    problems.append(
                        _problem(
                            file,
                            f"row {rows[i]} · {columns[what]}",
                            "records.coordinate",
                            value=_text(value)[:40],
                            what=_w(what),
                            what_en=what,
                            where_zh=f"第 {rows[i]} 行 · {_w(what)}（`{columns[what]}`）",
                        )
                    )
                else:
                    target[i] = number
    ids, dates = [], []
    for i, value in enumerate(frame[columns["species"]].tolist()):
        key = _text(value).lower()
        ids.append(lookup.get(key))
        if key not in lookup:
            problems.append(
                _problem(
                    file,
                    f"row {rows[i]} · {columns['species']}",
                    "records.species",
                    value=_text(value)[:60],
                    where_zh=f"第 {rows[i]} 行 · 物种（`{columns['species']}`）",
                )
            )
    for i, value in enumerate(frame[columns["date"]].tolist()):
        parsed, ok = parse_date(value)
        dates.append(parsed)
        where, where_zh = (
            f"row {rows[i]} · {columns['date']}",
            f"第 {rows[i]} 行 · 日期（`{columns['date']}`）",
        )
        if not ok:
            problems.append(_problem(file, where, "records.date", value=_text(value)[:40], where_zh=where_zh))
        elif parsed is None:
            problems.append(
                _problem(file, where, "records.date_missing", severity="warning", where_zh=where_zh)
            )
    outside = np.zeros(len(frame), dtype=bool)
    if region is not None and not any(p.severity == "error" for p in problems):
        shapely.prepare(region)
        inside = shapely.contains_xy(region, lon, lat)
        for i in np.flatnonzero(~inside):
            outside[i] = True
            problems.append(
                _problem(
                    file,
                    f"row {rows[i]} · coordinates",
                    "records.outside",
                    severity="warning",
                    lon=f"{lon[i]:.5f}",
                    lat=f"{lat[i]:.5f}",
                    where_zh=f"第 {rows[i]} 行 · 坐标",
                )
            )
    if any(p.severity == "error" for p in problems):
        return SpeciesRecords(gpd.GeoDataFrame(), file, problems), problems
    by_id = species.set_index("species_id")
    status_col = _column(frame, ("status", "数据状态"))
    id_col = _column(frame, ("record_id", "id", "编号"))
    records = gpd.GeoDataFrame(
        {
            "record_id": [_text(v) for v in frame[id_col]] if id_col else [str(r) for r in rows],
            "species_id": ids,
            "scientific_name": [by_id.loc[s, "scientific_name"] for s in ids],
            "name_zh": [by_id.loc[s, "name_zh"] for s in ids],
            "date": dates,
            "observer": [_text(v) for v in frame[columns["observer"]]],
            "status": [(_text(v).lower() or PROVIDED) for v in frame[status_col]] if status_col else PROVIDED,
            "outside_region": outside,
            "row": rows,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    used = {*columns.values(), status_col, id_col}
    for extra in frame.columns:
        if extra not in used and extra not in records:
            records[extra] = frame[extra].to_numpy()
    return SpeciesRecords(records, file, problems), problems


def _w(what: str) -> str:
    from ecoledger.messages import text

    return text(f"{PREFIX}what.{what}", "zh")
