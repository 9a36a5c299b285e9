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
        out.append(Problem(MANIFEST, "years", "the pack declares no year",
                           "add a section [years.YYYY.layers] with that year's layers"))
    if year is None:
        return pack.years
    if year not in pack.years:
        out.append(Problem(MANIFEST, f"years.{year}", f"the pack has no year {year} "
                           f"(it has {_listing(pack.years) or 'none'})",
                           f"add [years.{year}.layers] or choose one of the pack's years"))
        return []
    return [year]


def _accounting_crs(pack: Pack, out: list[Problem]) -> CRS | None:
    fix = f'use an equal-area projection in metres, e.g. for China crs = "{ALBERS_CHINA}"'
    try:
        crs = CRS.from_user_input(pack.region.crs)
    except CRSError as exc:
        out.append(Problem(MANIFEST, "region.crs", f"not a valid CRS: {exc}", fix))
        return None
    if crs.is_bound:
        crs = crs.source_crs
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
    if not crs.is_projected:
        message = "the accounting CRS is not projected"
    elif any(axis.unit_name != "metre" for axis in crs.axis_info):
        message = f"the accounting CRS is in {crs.axis_info[0].unit_name}, not metres"
    elif not any(name in method.lower() for name in EQUAL_AREA_METHODS):
        message = f"the {method or 'given'} projection is not equal-area, so cell areas are wrong"
    else:
        return crs
    out.append(Problem(MANIFEST, "region.crs", message, fix))
    return crs


# --- vectors -----------------------------------------------------------------------------------


def _existing(pack: Pack, relative: str, field: str, out: list[Problem]) -> Path | None:
    """The file's path, or None (and a problem naming the manifest field) if it is missing."""
    path = pack.path(relative)
    if path.is_file():
        return path
    out.append(Problem(relative, field, "file not found",
                       f"put the file at {path} or correct {field} in {MANIFEST}"))
    return None


def _read_vector(pack: Pack, relative: str, layer: str | None, field: str,
                 out: list[Problem]) -> gpd.GeoDataFrame | None:
    path = _existing(pack, relative, field, out)
    if path is None:
        return None
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # corrupt files raise many types; report them, never crash
        out.append(Problem(relative, field, f"cannot read the file: {str(exc).strip()}",
                           "check that it opens with ogrinfo or QGIS; re-export it as GeoPackage"))
        return None
    if frame.crs is None:
        out.append(Problem(relative, field, "the file has no coordinate reference system",
                           f"define it, e.g. ogr2ogr -a_srs EPSG:4490 fixed.gpkg {relative}"))
    return frame


def _check_geometries(frame: gpd.GeoDataFrame, names: pd.Series, file: str, field: str,
                      out: list[Problem]) -> pd.Series:
    """Report empty and invalid geometries; return the mask of usable ones."""
    empty = frame.geometry.isna() | frame.geometry.is_empty
    invalid = ~empty & ~frame.geometry.is_valid
    if empty.any():
        out.append(Problem(file, field, f"features without geometry: {_listing(names[empty])}",
                           "draw their geometry or remove them"))
    if invalid.any():
        reasons = [f"{n} ({shapely.is_valid_reason(g)})"
                   for n, g in zip(names[invalid], frame.geometry[invalid], strict=True)]
        out.append(Problem(file, field, f"invalid geometries: {_listing(reasons)}",
                           "repair them, e.g. QGIS 'Fix geometries' or shapely.make_valid"))
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
        out.append(Problem(file, "units", f"fields {missing} are missing (the file has "
                           f"{[c for c in units.columns if c != 'geometry']})",
                           f"rename the fields or name them in the [units] section of {MANIFEST}"))
        return None
    units = units.rename(columns=fields)
    units["level"] = _text(units["level"])
    for column in ("code", "parent"):
        units[column] = code_text(units[column])
    code, level, parent = units["code"], units["level"], units["parent"]

    if (code == "").any():
        out.append(Problem(file, "units.code", f"{int((code == '').sum())} units have no code",
                           "give every unit its administrative code"))
    duplicated = code[code.duplicated() & (code != "")].unique()
    if len(duplicated):
        out.append(Problem(file, "units.code", f"codes used more than once: {_listing(duplicated)}",
                           "give every unit a unique code"))
    bad_level = ~level.isin(list(LEVELS))
    if bad_level.any():
        out.append(Problem(file, "units.level", "unknown levels: " + _listing(
            f"{c} ({lv!r})" for c, lv in zip(code[bad_level], level[bad_level], strict=True)),
            f"use one of {', '.join(LEVELS)}"))
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
        out.append(Problem(file, "units.parent", f"parent codes not found: {_listing(unknown)}",
                           "give the code of an existing unit, or leave parent empty for the top "
                           "unit"))
    if inverted:
        out.append(Problem(file, "units.parent", "parents not of a higher level: "
                           f"{_listing(inverted)}",
                           "give a parent of a higher level (province > city > county > "
                           "township)"))


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
        out.append(Problem(file, "units.geometry", f"leaf units overlap: {_listing(found)}",
                           "fix the boundaries so the lowest-level units tile the region "
                           "(overlapping areas are counted twice)", "warning"))


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
            rows.add(number, column, "not a number", "write a volume in m3, or leave it empty")
        for number in numbers[values < 0]:
            rows.add(number, column, "negative volume", "write a volume ≥ 0 in m3")
        if column == "capacity_m3":
            capacity = values
    if "kind" not in bodies.columns:
        out.append(Problem(file, "water_bodies.kind", "the field 'kind' is missing",
                           f"add a text field 'kind': {', '.join(WATER_KINDS)}"))
    else:
        kinds = _text(bodies["kind"])
        unknown = ~kinds.isin(WATER_KINDS)
        for number, kind in zip(numbers[unknown], kinds[unknown], strict=True):
            rows.add(number, "kind", f"kind {kind!r} is not one of {', '.join(WATER_KINDS)}",
                     "correct the kind")
        for number in numbers[(kinds == "reservoir") & capacity.isna()]:
            rows.add(number, "capacity_m3", "a reservoir without capacity: its flood regulation "
                     "will be reported missing", "give capacity_m3", "warning")
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
        out.append(Problem(relative, field, f"cannot read the table: {str(exc).strip()}",
                           "save it as UTF-8 CSV with a header row"))
        return None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        out.append(Problem(relative, field, f"columns {missing} are missing",
                           f"the table has columns {', '.join(columns)}"))
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
            rows.add(row, "class", f"class {text!r} is not an integer",
                     "write the integer value of the class in the land-cover raster")
        elif value in seen:
            rows.add(row, "class", f"class {int(value)} appears more than once",
                     "keep one row per class")
        seen.add(value)
        if ecosystem not in ECOSYSTEMS:
            rows.add(row, "ecosystem", f"unknown ecosystem {ecosystem!r}",
                     f"use one of {', '.join(ECOSYSTEMS)}")
        if subtype and subtype not in SUBTYPES:
            rows.add(row, "subtype", f"unknown subtype {subtype!r}",
                     f"use one of {', '.join(SUBTYPES)}, or leave it empty")
        elif subtype and ecosystem in ECOSYSTEMS and SUBTYPES[subtype] != ecosystem:
            rows.add(row, "subtype", f"subtype {subtype!r} belongs to {SUBTYPES[subtype]!r}, "
                     f"not {ecosystem!r}", "correct the ecosystem or the subtype")
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
                 f"{said_zh} {canonical}（{indicator}）", f"请使用：{'、'.join(accepted_zh)}")
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
            _range_text(*shown, canonical)
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


def _check_parameters(pack: Pack, out: list[Problem]) -> None:
    for file in pack.manifest.parameters.files:
        path = _existing(pack, file, "parameters.files", out)
        if path is None:
            continue
        try:
            _read_table(path, file)
        except ParameterError as exc:
            out.append(Problem(file, "parameters.files", str(exc),
                               f"a parameter table has columns {', '.join(PARAMETER_COLUMNS)}"))


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
            out.append(Problem(MANIFEST, field, f"unknown layer {name!r}",
                               f"use one of {', '.join(LAYERS)}"))
            continue
        if spec.unit is not None and spec.unit != kind.unit:
            out.append(Problem(MANIFEST, f"{field}.unit", f"unit {spec.unit!r} is not the "
                               f"catalogue unit {kind.unit!r}",
                               f"convert the layer to {kind.unit} and write unit = '{kind.unit}'"))
        if spec.constant is not None and _outside(spec.constant, kind.minimum, kind.maximum):
            slips = likely_slips(kind, spec.constant, spec.constant, spec.constant)
            out.append(Problem(MANIFEST, f"{field}.constant", f"{spec.constant:g} is outside "
                               f"{_range_text(kind.minimum, kind.maximum, kind.unit)}"
                               + (f": {slip_text(kind, slips)[0]}" if slips else ""),
                               slip_text(kind, slips)[1] if slips else
                               f"give the value in {kind.unit}"))
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
        out.append(Problem(MANIFEST, f"{field}.landcover", "the land-cover layer is missing",
                           f'add landcover = {{ file = "..." }} to [{field}] or [layers]'))
    lacking: dict[tuple[str, ...], list[str]] = {}
    for item, needs in ITEM_LAYERS.items():
        missing = tuple(n for n in needs if n not in layers and n != "landcover")
        if missing and item not in pack.region.not_applicable:
            lacking.setdefault(missing, []).append(item)
    for missing, items in lacking.items():
        out.append(Problem(MANIFEST, field, f"layers {', '.join(missing)} are missing: "
                           f"{', '.join(items)} will be reported missing",
                           "add the layers, or list the items in region.not_applicable",
                           "warning"))


def _check_by_landcover(pack: Pack, field: str, kind: LayerKind, column: str,
                        crosswalk: pd.DataFrame, out: list[Problem]) -> None:
    file = pack.manifest.landcover.crosswalk
    if column not in crosswalk.columns:
        out.append(Problem(file, f"{field}.by_landcover", f"the crosswalk has no column {column!r}",
                           f"add a column {column!r} with a value per class, or correct the name"))
        return
    rows = RowProblems(file)
    values = pd.to_numeric(crosswalk[column], errors="coerce")
    for row in crosswalk.index[values.isna()] + 2:
        rows.add(row, column, f"{kind.name} is not a number", "write a number for every class")
    outside = _outside(values, kind.minimum, kind.maximum)
    slips = []
    if outside.any() and values.notna().any():
        slips = likely_slips(kind, float(values.min()), float(values.median()), float(values.max()))
    looks, fix = slip_text(kind, slips) if slips else ("", f"give the value in {kind.unit}")
    for row in crosswalk.index[outside] + 2:
        rows.add(row, column, f"{kind.name} is outside "
                 f"{_range_text(kind.minimum, kind.maximum, kind.unit)}"
                 + (f": {looks}" if looks else ""), fix)
    out.extend(rows.problems())


def _check_raster(pack: Pack, field: str, kind: LayerKind, spec: LayerSpec,
                  region: Region | None, classes: set[int] | None, out: list[Problem]) -> None:
    file = spec.file
    path = pack.path(file)
    if not path.is_file():
        out.append(Problem(file, field, "file not found",
                           f"put the raster at {path} or correct {field}.file in {MANIFEST}"))
        return
    try:
        with rasterio.open(path) as src:
            if not 1 <= spec.band <= src.count:
                out.append(Problem(file, f"{field}.band", f"band {spec.band} does not exist "
                                   f"(the raster has {src.count})", "give an existing band"))
                return
            too_large = raster_problems(src, file, field)
            if too_large:  # refused from the header alone: reading it is what would fail
                out.extend(too_large)
                return
            _check_georeference(src, file, field, spec.band, region, out)
            _check_values(src, file, field, kind, spec.band, classes, out)
    except Exception as exc:  # corrupt rasters raise many types; report them, never crash
        out.append(Problem(file, field, f"cannot read the raster: {str(exc).strip()}",
                           "check that it opens with gdalinfo; re-export it as GeoTIFF"))


def _check_georeference(src, file: str, field: str, band: int, region: Region | None,
                        out: list[Problem]) -> None:
    if src.nodatavals[band - 1] is None:
        out.append(Problem(file, field, "the raster has no nodata value",
                           f"set one, e.g. gdal_edit.py -a_nodata -9999 {file} "
                           f"(or rio edit-info --nodata -9999 {file})"))
    if src.crs is None:
        out.append(Problem(file, field, "the raster has no coordinate reference system",
                           f"assign it, e.g. gdal_edit.py -a_srs EPSG:4326 {file} "
                           f"(or rio edit-info --crs EPSG:4326 {file})"))
        return
    if region is None:
        return
    crs, (left, bottom, right, top) = region
    x0, y0, x1, y1 = transform_bounds(src.crs, crs, *src.bounds, densify_pts=21)
    width = max(0.0, min(x1, right) - max(x0, left))
    height = max(0.0, min(y1, top) - max(y0, bottom))
    covered = width * height / ((right - left) * (top - bottom))
    if not np.isfinite([x0, y0, x1, y1]).all() or covered == 0:
        out.append(Problem(file, field, "the grid does not overlap the region",
                           "check the raster's CRS and georeferencing (gdalinfo) and its extent"))
    elif covered < MIN_COVERAGE:
        out.append(Problem(file, field, f"the grid covers only {covered:.1%} of the region's "
                           "bounding box: the items using it are `partial` in the units it "
                           "misses in part (each with its own covered share) and `missing` in "
                           "units it misses by more than half", "supply a raster covering the "
                           "whole region", "warning"))


def _check_values(src, file: str, field: str, kind: LayerKind, band: int,
                  classes: set[int] | None, out: list[Problem]) -> None:
    step = max(1, math.ceil(math.sqrt(src.width * src.height / MAX_PIXELS)))
    shape = (math.ceil(src.height / step), math.ceil(src.width / step))
    values = src.read(band, out_shape=shape, masked=True).compressed()
    values = values[np.isfinite(values)]
    pixels = "sampled pixels" if step > 1 else "pixels"
    if values.size == 0:
        out.append(Problem(file, field, "the raster has no valid value (all nodata)",
                           "check the nodata value and the extent", "warning"))
        return
    bad = _outside(values, kind.minimum, kind.maximum)
    if kind.categorical:
        pass
    elif bad.any():
        slips = likely_slips(kind, float(values.min()), float(np.median(values)),
                             float(values.max()))
        looks, fix = slip_text(kind, slips) if slips else ("", "")
        out.append(Problem(file, field, f"{int(bad.sum())} of {values.size} {pixels} are outside "
                           f"{_range_text(kind.minimum, kind.maximum, kind.unit)} (found "
                           f"{values.min():g} … {values.max():g})" + (f": {looks}" if looks else ""),
                           fix or f"check the layer is in {kind.unit} (scale factor?) and that "
                           "pixels without data are nodata"))
    else:
        out.extend(plausibility_problems(kind, float(values.min()), float(np.median(values)),
                                         float(values.max()), file, field))
    if kind.name == "landcover" and classes is not None:
        unknown = sorted(set(np.unique(values).tolist()) - classes)
        if unknown:
            out.append(Problem(file, field,
                               f"classes {_listing(unknown)} are not in the crosswalk",
                               "add them to the crosswalk or set those pixels to nodata"))


def plausibility_problems(kind: LayerKind, low: float, median: float, high: float, file: str,
                          field: str) -> list[Problem]:
    """A problem when the median of a layer (values ``low`` … ``high``, all physically possible)
    lies outside the layer's plausible range: an error naming the unit mistake when a definite
    slip explains it (precipitation in metres), else a warning. Its message starts with
    ``IMPLAUSIBLE`` so the accounts can carry it into the notes of the items using the layer."""
    if not _outside(median, kind.plausible_min, kind.plausible_max):
        return []
    plausible = _range_text(kind.plausible_min, kind.plausible_max, kind.unit)
    said = (f"{IMPLAUSIBLE} magnitude: the median {median:g} {kind.unit} (values {low:g} … "
            f"{high:g}) is outside {plausible}, the range of any region's median")
    slips = likely_slips(kind, low, median, high)
    if slips:
        looks, fix = slip_text(kind, slips)
        severity = "error" if all(s.definite for s in slips) else "warning"
        return [Problem(file, field, f"{said}: {looks}", fix, severity)]
    return [Problem(file, field, said, f"check that the layer is in {kind.unit} "
                    f"({kind.basis or kind.description})", "warning")]


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
        out.append(Problem(MANIFEST, "region.resolution", f"the accounting grid would have "
                           f"{rows} × {cols} = {cells:.3g} cells at {resolution:g} m, above the "
                           f"limit of {limit:.3g} cells (ECOLEDGER_MAX_CELLS)",
                           f"choose a coarser resolution, e.g. resolution = {coarser:g}"))
        return
    whole = cells * GRID_BYTES_PER_CELL
    if whole > budget:
        coarser = resolution * math.ceil(math.sqrt(whole / budget) + 1e-9)
        out.append(Problem(MANIFEST, "region.resolution", f"the accounting grid ({rows} × {cols} "
                           f"cells at {resolution:g} m) needs {human_bytes(whole)} to read the DEM "
                           f"for routing, above the memory limit of {human_bytes(budget)} "
                           "(ECOLEDGER_MEMORY_LIMIT)",
                           f"choose a coarser resolution, e.g. resolution = {coarser:g}, or run on "
                           "a machine with more memory and raise ECOLEDGER_MEMORY_LIMIT"))
    elif cells * BLOCK_BYTES_PER_CELL > budget:
        fitting = max(1, budget // (cols * BLOCK_BYTES_PER_CELL))
        block = 2 ** int(math.log2(fitting)) if fitting >= 2 else 1
        out.append(Problem(MANIFEST, "region.resolution", f"read in one block, the accounting grid "
                           f"({rows} × {cols} cells) needs about "
                           f"{human_bytes(cells * BLOCK_BYTES_PER_CELL)}, above the memory limit of "
                           f"{human_bytes(budget)} (ECOLEDGER_MEMORY_LIMIT)",
                           f"run in row blocks: ecoledger account … --block-rows {block}",
                           "warning"))
