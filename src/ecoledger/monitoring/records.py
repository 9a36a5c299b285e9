"""Surface-water monitoring records from CSV/XLSX uploads: parsing, validation, normalisation.

The template, one row per station, sampling date and parameter, header in row 1::

    station,water_type,city,basin,date,parameter,value,unit
    星子,lake,360400,鄱阳湖,2020-07-15,tp,0.061,mg/L
    星子,lake,360400,鄱阳湖,2020-07-15,nh3n,<0.025,mg/L

``water_type`` is river, lake or reservoir (the section's official type: it selects the total
phosphorus limits); ``city`` an administrative code or empty; ``parameter`` a code or alias of
``data/monitoring/parameters.csv``; ``unit`` one of that parameter's accepted units (µg/L is
converted to mg/L, cm to m …); ``value`` a plain number, or ``<DL`` for a result below the
detection limit DL. The file-level checks (size, encoding, formulas, zip bombs …) are those of
``ecoledger.platform.submissions``. Every problem is reported at once, naming row and column;
a file with any error yields nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from ecoledger.errors import Problem, SubmissionError
from ecoledger.monitoring.tables import setting, table
from ecoledger.monitoring.water import WATER_TYPES
from ecoledger.pack.validate import RowProblems, plain_number
from ecoledger.platform.submissions import (
    HEADER_FIELD,
    _cell_problems,
    _file_kind,
    _read_csv,
    _read_xlsx,
    display_name,
)

COLUMNS = ("station", "water_type", "city", "basin", "date", "parameter", "value", "unit")
OPTIONAL = ("city", "basin")
MAX_STATION_CHARS = 100


class MonitoringFileError(SubmissionError):
    """A monitoring-records file is refused; ``problems`` lists every problem found."""


@cache
def _parameters() -> dict[str, dict]:
    """Code or alias (lower case) → the parameter's row, with ``units`` {unit: factor}."""
    out = {}
    for row in table("parameters").to_dict("records"):
        row["units"] = {u.split(":")[0]: float(u.split(":")[1]) for u in row["accepted_units"].split(";")}
        for name in (row["parameter"], *filter(None, row["aliases"].split(";"))):
            out[name.lower()] = row
    return out


def _codes() -> list[str]:
    return sorted({p["parameter"] for p in _parameters().values()})


def template_csv() -> bytes:
    lines = [",".join(COLUMNS), "星子,lake,360400,鄱阳湖,2020-07-15,tp,0.061,mg/L",
             "星子,lake,360400,鄱阳湖,2020-07-15,nh3n,<0.025,mg/L"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def parse(filename: str, content: bytes) -> pd.DataFrame:
    """The rows of an upload as stripped text with ``row``; refuses unreadable or unsafe files."""
    name = display_name(filename)
    kind = _file_kind(name, filename.rsplit(".", 1)[-1].lower() if "." in filename else "", content)
    sheet = _read_csv(name, content) if kind == "csv" else _read_xlsx(name, content)
    header = next((cells for number, cells in sheet.rows if number == 1), [])
    keys = ["".join(c.replace("\ufeff", "").split()).lower() for c in header]
    positions = {k: i for i, k in enumerate(keys) if k in COLUMNS}
    missing = [c for c in COLUMNS if c not in positions and c not in OPTIONAL]
    unknown = [header[i].strip() for i, k in enumerate(keys) if k and k not in COLUMNS]
    repeated = sorted({k for k in keys if k in COLUMNS and keys.count(k) > 1})
    problems = []
    if missing or unknown or repeated:
        problems.append(Problem(
            name, HEADER_FIELD,
            f"the header must be {','.join(COLUMNS)} (missing: {', '.join(missing) or 'none'}; "
            f"unknown: {', '.join(unknown) or 'none'}; repeated: {', '.join(repeated) or 'none'})",
            "start from the template (GET /api/v1/monitoring/records/template.csv)",
            message_zh=f"第 1 行（表头）应为 {','.join(COLUMNS)}", fix_zh="请使用监测数据模板"))
    data = [(number, cells) for number, cells in sheet.rows if number > 1]
    if not data:
        problems.append(Problem(name, "file", "the file has no data rows below the header",
                                "write one row per station, date and parameter",
                                message_zh="表头下方没有数据行", fix_zh="请按断面、日期、指标每项填写一行"))
    problems += _cell_problems(name, data, positions, {i for i, c in enumerate(header) if c.strip()},
                               sheet.formulas)
    if problems:
        raise MonitoringFileError(problems)
    columns = {c: [cells[positions[c]].strip() if c in positions and positions[c] < len(cells) else ""
                   for _, cells in data] for c in COLUMNS}
    return pd.DataFrame({**columns, "row": [number for number, _ in data]})


def check(rows: pd.DataFrame, file: str = "upload", known_cities: set[str] | None = None) -> list[Problem]:
    """Every problem of the rows of ``parse``: required cells, water types, dates, parameters,
    units, numbers and detection limits, impossible values, repeated (station, date, parameter)
    as errors; unusually high values (``plausible_max``) as warnings, which do not refuse."""
    problems = RowProblems(display_name(file))
    seen: dict[tuple[str, str, str], int] = {}
    today = dt.date.today()
    for r in rows.itertuples(index=False):
        for column in ("station", "water_type", "date", "parameter", "value", "unit"):
            if not getattr(r, column):
                problems.add(r.row, column, "the cell is empty", f"fill in the {column}",
                             "error", "单元格为空", "请填写该项")
        if len(r.station) > MAX_STATION_CHARS:
            problems.add(r.row, "station", f"longer than {MAX_STATION_CHARS} characters", "shorten it",
                         "error", f"超过 {MAX_STATION_CHARS} 个字符", "请精简")
        if r.water_type and r.water_type not in WATER_TYPES:
            problems.add(r.row, "water_type", f"{r.water_type!r} is not river, lake or reservoir",
                         "write the section's official type: river, lake or reservoir", "error",
                         f"水体类型“{r.water_type}”无效", "请填写 river、lake 或 reservoir")
        if r.city and known_cities is not None and r.city not in known_cities:
            problems.add(r.row, "city", f"{r.city!r} is not a known administrative code",
                         "write the 6-digit code of the unit, or leave it empty", "error",
                         f"行政区划代码“{r.city}”不存在", "请填写 6 位行政区划代码或留空")
        date = _date(r.date)
        if r.date and date is None:
            problems.add(r.row, "date", f"{r.date!r} is not a date", "write it as YYYY-MM-DD",
                         "error", f"“{r.date}”不是日期", "请写作 YYYY-MM-DD")
        elif date is not None and not dt.date(1950, 1, 1) <= date <= today:
            problems.add(r.row, "date", f"{r.date} is in the future or before 1950",
                         "check the sampling date", "error", f"{r.date} 晚于今天或早于 1950 年",
                         "请核对采样日期")
        found = _parameters().get(r.parameter.lower())
        if r.parameter and found is None:
            problems.add(r.row, "parameter", f"unknown parameter {r.parameter!r}",
                         f"use a code of parameters.csv ({', '.join(_codes())})",
                         "error", f"未知指标“{r.parameter}”", "请使用指标代码表中的代码")
        if found is not None and r.unit and r.unit not in found["units"]:
            problems.add(r.row, "unit", f"{r.unit!r} is not a unit of {found['parameter']}",
                         f"use one of {', '.join(found['units'])}", "error",
                         f"“{r.unit}”不是 {found['parameter_zh']} 的单位",
                         f"请使用 {'、'.join(found['units'])}")
        number, censored = _number(r.value)
        if r.value and number is None:
            problems.add(r.row, "value", f"{r.value!r} is not a number or <detection limit",
                         "write a plain number (0.061) or <DL for a result below detection (<0.01)",
                         "error", f"“{r.value}”不是数值或“<检出限”",
                         "请填写数值（0.061）或“<检出限”（<0.01）")
        elif number is not None and found is not None and r.unit in found["units"]:
            value = number * found["units"][r.unit]
            low, high = float(found["possible_min"]), float(found["possible_max"])
            if censored and number <= 0:
                problems.add(r.row, "value", "a detection limit must be above zero",
                             "write the laboratory's detection limit, e.g. <0.01", "error",
                             "检出限必须大于 0", "请填写实验室检出限，如 <0.01")
            elif not low <= value <= high:
                problems.add(r.row, "value",
                             f"{r.value} {r.unit} is impossible for {found['parameter']} "
                             f"(possible: {low:g}–{high:g} {found['canonical_unit']}; "
                             f"{found['bounds_reason']})",
                             "check the value and its unit (µg/L entered as mg/L?)", "error",
                             f"{r.value} {r.unit} 超出{found['parameter_zh']}的可能范围", "请核对数值和单位")
            elif found["plausible_max"] and value > float(found["plausible_max"]):
                problems.add(r.row, "value",
                             f"{r.value} {r.unit} is unusually high for {found['parameter']} in "
                             f"surface water (above {found['plausible_max']} {found['canonical_unit']})",
                             "check the value and its unit (µg/L entered as mg/L?); kept as given",
                             "warning", f"{r.value} {r.unit} 对地表水{found['parameter_zh']}而言异常偏高",
                             "请核对数值和单位（是否将 µg/L 填成了 mg/L？）；已按原值保留")
        if date is not None and found is not None and r.station:
            key = (r.station, date.isoformat(), found["parameter"])
            if key in seen:
                problems.add(r.row, "parameter",
                             f"{found['parameter']} of {r.station} on {date} is already given in "
                             f"row {seen[key]}",
                             "keep one result per station, date and parameter (average replicates first)",
                             "error", f"与第 {seen[key]} 行重复（同一断面、日期和指标）",
                             "每个断面、日期和指标只保留一行")
            else:
                seen[key] = r.row
    return problems.problems()


def normalise(rows: pd.DataFrame) -> pd.DataFrame:
    """Typed rows in canonical units: station, water_type, city, basin, date, parameter,
    value (canonical unit; a result below detection enters as ``below_detection_fraction`` × DL),
    unit (canonical), reported (text as uploaded), below_detection (bool), row."""
    fraction = setting("below_detection_fraction")
    out = []
    for r in rows.itertuples(index=False):
        found = _parameters()[r.parameter.lower()]
        number, censored = _number(r.value)
        value = number * found["units"][r.unit] * (fraction if censored else 1.0)
        out.append({"station": r.station, "water_type": r.water_type, "city": r.city, "basin": r.basin,
                    "date": _date(r.date).isoformat(), "parameter": found["parameter"], "value": value,
                    "unit": found["canonical_unit"], "reported": f"{r.value} {r.unit}",
                    "below_detection": censored, "row": int(r.row)})
    return pd.DataFrame(out, columns=[*COLUMNS, "reported", "below_detection", "row"])


def load(filename: str, content: bytes, known_cities: set[str] | None = None) -> pd.DataFrame:
    """``parse`` → ``check`` → ``normalise``; raises MonitoringFileError with every problem
    if any is an error. The warnings are in ``frame.attrs["warnings"]``."""
    rows = parse(filename, content)
    problems = check(rows, filename, known_cities)
    if any(p.severity == "error" for p in problems):
        raise MonitoringFileError(problems)
    frame = normalise(rows)
    frame.attrs["warnings"] = problems
    return frame


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) in (10, 19) else None
    except ValueError:
        return None


def _number(text: str) -> tuple[float | None, bool]:
    """(value, below detection): "0.06" → (0.06, False), "<0.01" → (0.01, True)."""
    censored = text.startswith("<")
    number = plain_number(text[1:].strip() if censored else text)
    return (None if number is None else float(number)), censored
