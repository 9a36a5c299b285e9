"""Climate-quality evaluation of a farm product (农产品气候品质评价) from the station climate of the
origin parcel's county, against cited thresholds.

Rules
-----
``data/registry/climate_quality_rules.csv`` (long form, one row per rule × indicator × period × grade):
``rule, product_zh, product_en, kind, indicator, period, grade, grade_en, grade_rank, lower, upper,
status, source, url, quote, note``. A band ``[lower, upper]`` is closed; an empty end is open
(``lower`` only: "≥ lower"; ``upper`` only: "≤ upper"). Rank 1 is the best grade; a value inside two
bands takes the better one (the sources write shared end points: "2.5~3.5、1.5~2.5"). The row with
``indicator = *`` and no bounds names the grade a value in no band gets (the rule's last grade).
``status``: ``cited`` (the numbers were read in the source, ``quote`` is the sentence they stand in),
``user`` (filled in by a user from the template ``climate_quality_rules_template.csv``; source and
quote required) or ``demonstration`` (a user's rule with numbers that are no standard's, e.g. for
training: the evaluation's ``status`` and the lookup page say so). ``load_rules`` refuses anything
else, and a cited or user row whose numbers do not occur in its quote. ecoledger ships no
demonstration rule: every shipped threshold is cited.

What was read, and what was not: the grade thresholds of QX/T 486—2019 《农产品气候品质认证技术规范》
and of Jiangxi's product-specific rules could not be read (only pages' openings were reachable), so
no row claims them. The shipped rules are: Gannan navel-orange climatic requirements quoted by a
magazine article (secondary), tea pre-picking temperatures quoted by a paper (secondary, its ref.
[10]), and the four bands of a composite climate-quality index for Dangshan pear (李德等 2018; the
index itself needs the paper's models, so the user supplies it). A product or period without a
readable rule (e.g. a growth period graded under QX/T 486) is for the user to supply from the
template, with the standard's numbers and quote.

Periods
-------
``MM-DD..MM-DD`` (inclusive; a start after the end wraps over the new year, the period ending in
the season's ``year``), ``H-20..H-10`` (days before the picking/harvest date ``H``, inclusive), or
empty for a supplied indicator. Monthly normals are expanded on a non-leap reference year.

Indicators (``INDICATORS``; unit in brackets)
--------------------------------------------
``mean_temp_c`` [°C] mean of daily means; ``mean_tmax_c`` / ``mean_tmin_c`` [°C];
``active_accumulated_temp_10_c`` [°C·d] Σ daily mean over days with a daily mean ≥ 10 °C (活动积温);
``precipitation_mm`` [mm]; ``sunshine_h`` [h]; ``hot_days_tmax_35`` [d] days with Tmax ≥ 35 °C;
``mean_rh_pct`` [%]; ``mean_extreme_min_temp_c`` [°C] lowest daily minimum of the period (needs daily
data); ``climate_quality_index`` [1] supplied by the caller.

From **daily** data (``DailyClimate``, e.g. a station's observations for the batch's season) each
is the plain sum / mean / count; a day missing in the period makes the indicator missing.
From **monthly normals** (``StationClimate``) each day of the period takes its month's value
(a monthly step): a mean is the day-weighted mean of the months, a sum Σ days × monthly value per
day (precipitation: monthly total / days in month; sunshine: CRU ``sun`` % × astronomical day
length N, FAO-56 eq. 34 at the mid-month day J = int(30.4·M − 15)); the accumulated temperature
counts the whole of each month whose mean is ≥ 10 °C (near 10 °C this overstates the daily sum);
hot days are expected days, Σ days_m · P(Tmax > 35 °C) with daily Tmax ~ Normal(monthly mean
Tmax, 3 °C) (``ecoledger.packs.derive.hot_days_from_monthly_tmax``, σ a design assumption);
extreme minima are missing. Every indicator in the output names its ``method``.

Grade
-----
Each indicator gets the best band containing its value, or the rule's last grade. The overall
grade is the worst indicator grade (ecoledger's combination: the sources give none), where an
indicator that meets the best band it defines does not bar better grades it defines no band for
(the navel-orange sunshine row has no bound for its optimum). A missing indicator is listed in
``missing`` and makes ``complete`` false; the grade is then that of the indicators present.

Station climate
---------------
``stations()`` reads the CRU CL 2.0 1961–1990 monthly normals at the 19 GSOD stations in and
around Jiangxi (``data/jiangxi/climate_grids/``, as ``ecoledger.packs.jiangxi`` does; values are
those of the station's 10′ CRU cell at the cell's mean elevation). ``county_station`` takes the
county (name or GB/T 2260 code) from ``boundaries/jiangxi_district_tianditu.geojson``: the station
inside the county nearest to the parcel point (or the county's label point), else the nearest
station; its id, distance and whether it lies inside go into the output.

API (for the registry core, which stores the result as a certificate's ``evaluation``)
-------------------------------------------------------------------------------------
``load_rules(path=None) -> dict[str, Rule]`` · ``rules_sha256(path=None) -> str`` ·
``evaluate(rule, climate=None, *, year=None, harvest=None, supplied=None, place=None,
rules_file=None) -> dict`` (JSON-safe: rule, product, ``status`` cited | demonstration | user,
``grade``/``grade_en``/``grade_rank``, ``complete``, ``missing``, ``indicators`` [indicator, unit,
period, start, end, days, value, method, grade, bands, status, source, url, quote, note],
``data`` [station id and names, lat, lon, elevation, years, source, county, inside_county,
distance_km], ``rules_sha256``) · ``stations(source=None) -> list[StationClimate]`` ·
``counties(source=None) -> list[dict]`` ·
``county_station(county, *, point=None, source=None) -> dict`` ·
``evaluate_county(rule_id, county, *, point=None, harvest=None, supplied=None, source=None,
rules_file=None) -> dict`` · ``read_daily(path, station_id, name, ...) -> DailyClimate``
(CSV ``date, tmean_c, tmax_c, tmin_c, precip_mm, sunshine_h, rh_pct``) ·
``indicator_value(climate, indicator, days) -> (value, method)`` · ``period_days(period, *, year,
harvest)`` · ``daylength_hours(lat)`` · ``ClimateQualityError``. ``source`` is the Jiangxi source
folder (default: the checkout's ``data/jiangxi``, as ``ecoledger.packs.jiangxi.default_source``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ecoledger.errors import EcoledgerError

RULES_FILE = "climate_quality_rules.csv"
TEMPLATE_FILE = "climate_quality_rules_template.csv"
COLUMNS = ("rule", "product_zh", "product_en", "kind", "indicator", "period", "grade", "grade_en",
           "grade_rank", "lower", "upper", "status", "source", "url", "quote", "note")
STATUSES = ("cited", "demonstration", "user")
KINDS = ("suitability", "quality", "index")
FALLBACK = "*"
HOT_DAY_C = 35.0
HOT_DAY_SIGMA_C = 3.0  # ecoledger.packs.derive's design assumption for daily Tmax around its monthly mean
ACTIVE_TEMP_C = 10.0
REFERENCE_YEAR = 2002  # normals are laid on a non-leap year (and 2001 for a period that wraps)
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# indicator → unit; the order is the pages'
INDICATORS = {
    "mean_temp_c": "°C",
    "mean_tmax_c": "°C",
    "mean_tmin_c": "°C",
    "active_accumulated_temp_10_c": "°C·d",
    "precipitation_mm": "mm",
    "sunshine_h": "h",
    "hot_days_tmax_35": "d",
    "mean_rh_pct": "%",
    "mean_extreme_min_temp_c": "°C",
    "climate_quality_index": "1",
}
SUPPLIED_ONLY = ("climate_quality_index",)
CRU_YEARS = "1961–1990"
_PERIOD = re.compile(r"^(?:(\d\d)-(\d\d)\.\.(\d\d)-(\d\d)|H-(\d+)\.\.H-(\d+))$")


class ClimateQualityError(EcoledgerError):
    """A rules table, climate record or request that cannot be evaluated: the message names the
    file or field and the fix."""


# --- rules ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Band:
    grade: str
    grade_en: str
    rank: int
    lower: float | None
    upper: float | None

    def contains(self, value: float) -> bool:
        return (self.lower is None or value >= self.lower) and (self.upper is None or value <= self.upper)


@dataclass(frozen=True)
class IndicatorRule:
    """One indicator over one period, with its bands (best first) and its source."""

    indicator: str
    period: str
    bands: tuple[Band, ...]
    status: str
    source: str
    url: str
    quote: str
    note: str

    @property
    def unit(self) -> str:
        return INDICATORS[self.indicator]


@dataclass(frozen=True)
class Rule:
    rule: str
    product_zh: str
    product_en: str
    kind: str
    grades: tuple[Band, ...]  # every grade of the rule, best first (bounds unused)
    fallback: Band
    indicators: tuple[IndicatorRule, ...]
    fallback_source: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``demonstration`` when any of its rows is, else ``cited`` (or ``user``)."""
        statuses = {i.status for i in self.indicators}
        return "demonstration" if "demonstration" in statuses else ("user" if "user" in statuses else "cited")


def rules_path() -> Path:
    return Path(str(resources.files("ecoledger.data") / "registry" / RULES_FILE))


def rules_sha256(path: Path | None = None) -> str:
    """SHA-256 of the rules file's bytes: every evaluation records it."""
    return hashlib.sha256(Path(path or rules_path()).read_bytes()).hexdigest()


def _number(text: str, where: str, column: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ClimateQualityError(f"{where}: {column} {text!r} is not a number → fix: write a number "
                                  "or leave it empty for an open end") from None
    if not math.isfinite(value):
        raise ClimateQualityError(f"{where}: {column} must be finite")
    return value


def _numbers_in(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text.replace("−", "-"))}


def parse_period(period: str) -> tuple[str, tuple[int, ...]] | None:
    """``("dates", (m1, d1, m2, d2))``, ``("harvest", (before_start, before_end))`` or ``None`` (empty)."""
    period = (period or "").strip()
    if not period:
        return None
    match = _PERIOD.match(period)
    if not match:
        raise ClimateQualityError(f"period {period!r} is neither MM-DD..MM-DD nor H-n..H-m → fix: e.g. "
                                  "07-01..09-30 or H-20..H-10")
    if match.group(1):
        m1, d1, m2, d2 = (int(g) for g in match.groups()[:4])
        for month, day in ((m1, d1), (m2, d2)):
            try:
                dt.date(REFERENCE_YEAR, month, day)
            except ValueError:
                raise ClimateQualityError(f"period {period!r}: {month:02d}-{day:02d} is not a date of a "
                                          "non-leap year") from None
        return "dates", (m1, d1, m2, d2)
    start, end = int(match.group(5)), int(match.group(6))
    if start < end:
        raise ClimateQualityError(f"period {period!r}: H-{start} must not come after H-{end} → fix: "
                                  "write the earlier day first (H-20..H-10)")
    return "harvest", (start, end)


def load_rules(path: Path | None = None) -> dict[str, Rule]:
    """The rules of ``path`` (default: the shipped table), checked (module docstring)."""
    path = Path(path or rules_path())
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ClimateQualityError(f"{path}: columns missing: {', '.join(missing)} → fix: start from "
                                          f"{TEMPLATE_FILE}")
            rows = list(reader)
    except OSError as exc:
        raise ClimateQualityError(f"{path}: cannot be read ({exc})") from None
    grouped: dict[str, list[tuple[int, dict]]] = {}
    for number, row in enumerate(rows, start=2):
        grouped.setdefault(row["rule"].strip(), []).append((number, row))
    rules = {}
    for rule_id, numbered in grouped.items():
        rules[rule_id] = _rule(path, rule_id, numbered)
    return rules


def _rule(path: Path, rule_id: str, numbered: list[tuple[int, dict]]) -> Rule:
    if not rule_id:
        raise ClimateQualityError(f"{path}: a row has no rule name")
    first = numbered[0][1]
    grades: dict[str, Band] = {}
    by_indicator: dict[tuple[str, str], list[tuple[Band, dict]]] = {}
    fallback = None
    for number, row in numbered:
        where = f"{path} row {number} ({rule_id})"
        for column in ("product_zh", "product_en", "kind"):
            if row[column] != first[column]:
                raise ClimateQualityError(f"{where}: {column} differs from the rule's first row")
        if row["kind"] not in KINDS:
            raise ClimateQualityError(f"{where}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
        status = row["status"].strip()
        if status not in STATUSES:
            raise ClimateQualityError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)} "
                                      "→ fix: cited (numbers read in the source), demonstration or user")
        if status in ("cited", "user") and not (row["source"].strip() and row["quote"].strip()):
            raise ClimateQualityError(f"{where}: a {status} row needs its source and the quote its numbers "
                                      "stand in")
        try:
            rank = int(row["grade_rank"])
        except ValueError:
            raise ClimateQualityError(
                f"{where}: grade_rank {row['grade_rank']!r} is not a whole number") from None
        lower = _number(row["lower"], where, "lower")
        upper = _number(row["upper"], where, "upper")
        if lower is not None and upper is not None and lower > upper:
            raise ClimateQualityError(f"{where}: lower {lower:g} is above upper {upper:g}")
        grade = Band(row["grade"].strip(), row["grade_en"].strip(), rank, None, None)
        if not grade.grade or not grade.grade_en:
            raise ClimateQualityError(f"{where}: grade and grade_en are both needed")
        known = grades.setdefault(grade.grade, grade)
        if (known.rank, known.grade_en) != (rank, grade.grade_en):
            raise ClimateQualityError(f"{where}: grade {grade.grade} has two ranks or English names")
        if status in ("cited", "user"):
            stray = {v for v in (lower, upper) if v is not None} - _numbers_in(row["quote"])
            if stray:
                numbers = ", ".join(f"{v:g}" for v in sorted(stray))
                raise ClimateQualityError(f"{where}: {numbers} does not occur in the quote → fix: quote the "
                                          "sentence that states it")
        indicator = row["indicator"].strip()
        if indicator == FALLBACK:
            if lower is not None or upper is not None or fallback is not None:
                raise ClimateQualityError(f"{where}: a rule has one '*' row, without bounds")
            fallback = (grade, row)
            continue
        if indicator not in INDICATORS:
            raise ClimateQualityError(f"{where}: indicator {indicator!r} is unknown → fix: one of "
                                      f"{', '.join(INDICATORS)}")
        if lower is None and upper is None:
            raise ClimateQualityError(f"{where}: a band needs a lower or an upper bound")
        period = row["period"].strip()
        parsed = parse_period(period)
        if (parsed is None) != (indicator in SUPPLIED_ONLY):
            raise ClimateQualityError(f"{where}: {indicator} " + ("is supplied and takes no period" if
                                      indicator in SUPPLIED_ONLY else "needs a period"))
        by_indicator.setdefault((indicator, period), []).append(
            (Band(grade.grade, grade.grade_en, rank, lower, upper), row))
    if fallback is None:
        raise ClimateQualityError(f"{path} ({rule_id}): no '*' row naming the grade of a value in no band")
    ordered = tuple(sorted(grades.values(), key=lambda b: b.rank))
    if fallback[0].rank != ordered[-1].rank or [b.rank for b in ordered] != list(range(1, len(ordered) + 1)):
        raise ClimateQualityError(f"{path} ({rule_id}): ranks must run 1, 2, … with the '*' grade last")
    indicators = []
    for (indicator, period), bands in by_indicator.items():
        row = bands[0][1]
        statuses = {r["status"].strip() for _, r in bands}
        indicators.append(IndicatorRule(
            indicator, period, tuple(sorted((b for b, _ in bands), key=lambda b: b.rank)),
            "demonstration" if "demonstration" in statuses else row["status"].strip(),
            row["source"].strip(), row["url"].strip(), row["quote"].strip(),
            "; ".join(dict.fromkeys(r["note"].strip() for _, r in bands if r["note"].strip()))))
    fallback_row = fallback[1]
    return Rule(rule_id, first["product_zh"], first["product_en"], first["kind"], ordered, fallback[0],
                tuple(indicators), {"source": fallback_row["source"], "url": fallback_row["url"],
                                    "quote": fallback_row["quote"], "note": fallback_row["note"]})


# --- climate records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StationClimate:
    """Monthly normals of one station: ``monthly`` maps ``tmean_c``, ``tmax_c``, ``tmin_c``,
    ``precip_mm`` (monthly total), ``sunshine_pct`` (% of the astronomical day length) or
    ``sunshine_h`` (monthly total), ``rh_pct`` to 12 values."""

    station_id: str
    name: str
    name_zh: str
    lat: float
    lon: float
    elevation_m: float
    years: str
    source: str
    source_zh: str
    monthly: Mapping[str, tuple[float, ...]]
    kind: str = "normals"


@dataclass(frozen=True)
class DailyRecord:
    tmean_c: float | None = None
    tmax_c: float | None = None
    tmin_c: float | None = None
    precip_mm: float | None = None
    sunshine_h: float | None = None
    rh_pct: float | None = None


@dataclass(frozen=True)
class DailyClimate:
    """Daily observations of one station (the batch's own season)."""

    station_id: str
    name: str
    name_zh: str
    lat: float
    lon: float
    elevation_m: float
    source: str
    source_zh: str
    days: Mapping[dt.date, DailyRecord]
    kind: str = "daily"

    @property
    def years(self) -> str:
        years = sorted({d.year for d in self.days})
        return "" if not years else (str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}")


def read_daily(path: Path, station_id: str, name: str, *, name_zh: str = "", lat: float = math.nan,
               lon: float = math.nan, elevation_m: float = math.nan, source: str = "",
               source_zh: str = "") -> DailyClimate:
    """A station's daily CSV (``date, tmean_c, tmax_c, tmin_c, precip_mm, sunshine_h, rh_pct``; empty
    cells are missing values)."""
    path = Path(path)
    days = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                day = dt.date.fromisoformat(row["date"].strip())
            except (KeyError, ValueError):
                raise ClimateQualityError(f"{path} row {number}: date must be YYYY-MM-DD") from None
            values = {key: _number(row.get(key, ""), f"{path} row {number}", key)
                      for key in DailyRecord.__dataclass_fields__}
            days[day] = DailyRecord(**values)
    return DailyClimate(station_id, name, name_zh or name, lat, lon, elevation_m,
                        source or str(path), source_zh or str(path), days)


def daylength_hours(lat_deg: float) -> tuple[float, ...]:
    """Astronomical day length N (h) for each month's day J = int(30.4·M − 15): N = 24/π · ω_s,
    ω_s = arccos(−tan φ · tan δ), δ = 0.409 · sin(2πJ/365 − 1.39) (FAO-56, eqs. 24, 25, 34)."""
    phi = math.radians(lat_deg)
    hours = []
    for month in range(1, 13):
        day = math.floor(30.4 * month - 15)
        delta = 0.409 * math.sin(2 * math.pi * day / 365 - 1.39)
        omega = math.acos(max(-1.0, min(1.0, -math.tan(phi) * math.tan(delta))))
        hours.append(24 / math.pi * omega)
    return tuple(hours)


def period_days(period: str, *, year: int | None = None, harvest: dt.date | None = None) -> list[dt.date]:
    """The days of ``period`` (inclusive). Without ``year`` the normals' non-leap reference year."""
    parsed = parse_period(period)
    if parsed is None:
        return []
    kind, values = parsed
    if kind == "harvest":
        if harvest is None:
            raise ClimateQualityError(f"period {period} counts days before the harvest: give the harvest "
                                      "date")
        if year is None:  # normals: the same day of the reference year
            day = min(harvest.day, 28 if harvest.month == 2 else 31)
            harvest = dt.date(REFERENCE_YEAR, harvest.month, day)
        start, end = harvest - dt.timedelta(days=values[0]), harvest - dt.timedelta(days=values[1])
    else:
        m1, d1, m2, d2 = values
        end_year = year if year is not None else REFERENCE_YEAR
        start_year = end_year - 1 if (m1, d1) > (m2, d2) else end_year
        if year is None and start_year != end_year:
            start_year = REFERENCE_YEAR - 1
        start, end = dt.date(start_year, m1, d1), dt.date(end_year, m2, min(d2, _month_days(end_year, m2)))
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _month_days(year: int, month: int) -> int:
    return ((dt.date(year + month // 12, month % 12 + 1, 1)) - dt.date(year, month, 1)).days


def indicator_value(climate, indicator: str, days: list[dt.date]) -> tuple[float | None, str]:
    """``(value, method)`` of ``indicator`` over ``days`` from ``climate`` (module docstring)."""
    if climate is None:
        return None, "no_climate"
    if getattr(climate, "kind", "") == "daily":
        return _daily_value(climate, indicator, days)
    return _normals_value(climate, indicator, days)


def _daily_value(climate: DailyClimate, indicator: str, days: list[dt.date]):
    records = [climate.days.get(d) for d in days]
    if not days or any(r is None for r in records):
        return None, "daily_gap"
    field_ = {"mean_temp_c": "tmean_c", "mean_tmax_c": "tmax_c", "mean_tmin_c": "tmin_c",
              "active_accumulated_temp_10_c": "tmean_c", "precipitation_mm": "precip_mm",
              "sunshine_h": "sunshine_h", "hot_days_tmax_35": "tmax_c", "mean_rh_pct": "rh_pct",
              "mean_extreme_min_temp_c": "tmin_c"}.get(indicator)
    if field_ is None:
        return None, "supplied_only"
    values = [getattr(r, field_) for r in records]
    if any(v is None for v in values):
        return None, "daily_gap"
    if indicator in ("mean_temp_c", "mean_tmax_c", "mean_tmin_c", "mean_rh_pct"):
        return sum(values) / len(values), "daily"
    if indicator == "active_accumulated_temp_10_c":
        return sum(v for v in values if v >= ACTIVE_TEMP_C), "daily"
    if indicator == "hot_days_tmax_35":
        return float(sum(1 for v in values if v >= HOT_DAY_C)), "daily"
    if indicator == "mean_extreme_min_temp_c":
        return min(values), "daily"
    return sum(values), "daily"


def _per_day_sum(per_month: list[int], monthly_totals) -> float:
    """Σ over the period's days of the month's total / days in the month."""
    pairs = zip(per_month, monthly_totals, strict=True)
    return sum(n * v / DAYS_IN_MONTH[m] for m, (n, v) in enumerate(pairs))


def _normals_value(climate: StationClimate, indicator: str, days: list[dt.date]):
    if not days:
        return None, "supplied_only"
    per_month = [0] * 12
    for day in days:
        per_month[day.month - 1] += 1
    monthly = climate.monthly

    def need(key):
        values = monthly.get(key)
        if values is None or len(values) != 12 or any(v is None or not math.isfinite(v) for v in values):
            return None
        return values

    def day_mean(key):
        values = need(key)
        if values is None:
            return None, "normals_missing"
        return sum(n * v for n, v in zip(per_month, values, strict=True)) / len(days), "normals_step"

    if indicator == "mean_temp_c":
        return day_mean("tmean_c")
    if indicator == "mean_tmax_c":
        return day_mean("tmax_c")
    if indicator == "mean_tmin_c":
        return day_mean("tmin_c")
    if indicator == "mean_rh_pct":
        return day_mean("rh_pct")
    if indicator == "active_accumulated_temp_10_c":
        values = need("tmean_c")
        if values is None:
            return None, "normals_missing"
        total = sum(n * v for n, v in zip(per_month, values, strict=True) if v >= ACTIVE_TEMP_C)
        return total, "normals_step"
    if indicator == "precipitation_mm":
        values = need("precip_mm")
        if values is None:
            return None, "normals_missing"
        return _per_day_sum(per_month, values), "normals_step"
    if indicator == "sunshine_h":
        hours = need("sunshine_h")
        if hours is not None:
            return _per_day_sum(per_month, hours), "normals_step"
        percent = need("sunshine_pct")
        if percent is None or not math.isfinite(climate.lat):
            return None, "normals_missing"
        length = daylength_hours(climate.lat)
        return sum(n * p / 100 * h for n, p, h in zip(per_month, percent, length, strict=True)), \
            "normals_sunshine_pct"
    if indicator == "hot_days_tmax_35":
        values = need("tmax_c")
        if values is None:
            return None, "normals_missing"
        from ecoledger.packs.derive import hot_days_from_monthly_tmax

        return float(hot_days_from_monthly_tmax(values, threshold_c=HOT_DAY_C, sigma_c=HOT_DAY_SIGMA_C,
                                                days_in_month=per_month)), "normals_hot_days"
    if indicator == "mean_extreme_min_temp_c":
        return None, "normals_no_extremes"
    return None, "supplied_only"


# --- evaluation -----------------------------------------------------------------------------------

def _band_dict(band: Band) -> dict:
    return {"grade": band.grade, "grade_en": band.grade_en, "rank": band.rank,
            "lower": band.lower, "upper": band.upper}


def grade_value(rule: Rule, item: IndicatorRule, value: float) -> tuple[Band, int]:
    """The indicator's grade (best band containing ``value``, else the rule's last grade) and its
    rank in the combination (the best defined band does not bar better grades; module docstring)."""
    for band in item.bands:  # best first
        if band.contains(value):
            best_defined = item.bands[0].rank
            return band, (1 if band.rank == best_defined else band.rank)
    return rule.fallback, rule.fallback.rank


def evaluate(rule: Rule, climate=None, *, year: int | None = None, harvest: dt.date | None = None,
             supplied: Mapping[str, float] | None = None, place: Mapping | None = None,
             rules_file: Path | None = None) -> dict:
    """The grade of ``rule`` for ``climate`` (``StationClimate`` normals or ``DailyClimate``),
    with every indicator's value, period, method, band, source and quote; JSON-safe.

    ``year`` is the season's year (daily data; the period ends in it), ``harvest`` the picking date
    for ``H-…`` periods, ``supplied`` indicator values given by the caller (a composite index),
    ``place`` what ``county_station`` chose (recorded under ``data``)."""
    supplied = dict(supplied or {})
    if climate is not None and getattr(climate, "kind", "") == "daily" and year is None:
        year = harvest.year if harvest else None
        if year is None:
            raise ClimateQualityError("daily data need the season's year (or the harvest date)")
    items, missing, worst = [], [], 0
    for item in rule.indicators:
        days = period_days(item.period, year=year if getattr(climate, "kind", "") == "daily" else None,
                           harvest=harvest) if item.period else []
        if item.indicator in supplied:
            value, method = supplied[item.indicator], "supplied"
            value = None if value is None else float(value)
        else:
            value, method = indicator_value(climate, item.indicator, days)
        entry = {
            "indicator": item.indicator, "unit": item.unit, "period": item.period,
            "start": days[0].isoformat() if days else None, "end": days[-1].isoformat() if days else None,
            "days": len(days), "value": value, "method": method,
            "bands": [_band_dict(b) for b in item.bands],
            "status": item.status, "source": item.source, "url": item.url, "quote": item.quote,
            "note": item.note,
        }
        if value is None or not math.isfinite(value):
            entry.update(value=None, grade=None, grade_en=None, rank=None)
            missing.append(item.indicator)
        else:
            band, rank = grade_value(rule, item, value)
            entry.update(grade=band.grade, grade_en=band.grade_en, rank=band.rank)
            worst = max(worst, rank)
        items.append(entry)
    overall = next((g for g in rule.grades if g.rank == worst), None) if worst else None
    return {
        "rule": rule.rule, "product_zh": rule.product_zh, "product_en": rule.product_en, "kind": rule.kind,
        "status": rule.status,
        "grade": overall.grade if overall else None, "grade_en": overall.grade_en if overall else None,
        "grade_rank": overall.rank if overall else None,
        "complete": not missing, "missing": missing,
        "combination": "worst_indicator",
        "grades": [_band_dict(g) | {"lower": None, "upper": None} for g in rule.grades],
        "fallback": {"grade": rule.fallback.grade, "grade_en": rule.fallback.grade_en,
                     **rule.fallback_source},
        "indicators": items,
        "year": year, "harvest": harvest.isoformat() if harvest else None,
        "data": _data_record(climate, place),
        "rules_sha256": rules_sha256(rules_file),
    }


def _data_record(climate, place: Mapping | None) -> dict:
    record: dict = {"kind": "none"}
    if climate is not None:
        record = {
            "kind": climate.kind, "station_id": climate.station_id, "station_name": climate.name,
            "station_name_zh": climate.name_zh, "lat": _finite(climate.lat), "lon": _finite(climate.lon),
            "elevation_m": _finite(climate.elevation_m), "years": climate.years,
            "source": climate.source, "source_zh": climate.source_zh,
        }
    if place:
        record.update({k: v for k, v in place.items() if k in
                       ("county", "county_code", "inside_county", "distance_km", "point")})
    return record


def _finite(value):
    return None if value is None or not math.isfinite(float(value)) else float(value)


# --- stations and counties ------------------------------------------------------------------------

def _source(source: Path | None) -> Path:
    if source is not None:
        return Path(source)
    from ecoledger.packs.jiangxi import default_source

    return default_source()


def stations(source: Path | None = None) -> list[StationClimate]:
    """The 19 GSOD stations' CRU CL 2.0 1961–1990 monthly normals (module docstring)."""
    from ecoledger.packs.jiangxi import CRU_REFERENCE, CRU_REFERENCE_ZH, CRU_STATIONS_FILE, STATIONS_ZH

    path = _source(source) / CRU_STATIONS_FILE
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ClimateQualityError(
            f"{path}: cannot be read ({exc}) → fix: pass the Jiangxi source folder") from None
    columns = {"tmean_c": "tmp", "tmax_c": "tmx", "tmin_c": "tmn", "precip_mm": "pre",
               "sunshine_pct": "sun", "rh_pct": "reh"}
    out = []
    for row in rows:
        wmo = row["STNID"][:5]
        monthly = {key: tuple(float(row[f"CRU_CL_2_0_{var}_{m:02d}"]) for m in range(1, 13))
                   for key, var in columns.items()}
        out.append(StationClimate(
            wmo, row["NAME"].title(), STATIONS_ZH.get(wmo, row["NAME"].title()), float(row["LAT"]),
            float(row["LON"]), float(row["ELEV(M)"]), CRU_YEARS,
            f"{CRU_REFERENCE}, station {wmo}'s 10′ cell; GitHub adamhsparks/GSODRdata 0.2.15 "
            f"(data/jiangxi/{CRU_STATIONS_FILE})",
            f"{CRU_REFERENCE_ZH}，{STATIONS_ZH.get(wmo, wmo)} {wmo} 站所在 10′ 网格；GitHub "
            f"adamhsparks/GSODRdata 0.2.15（data/jiangxi/{CRU_STATIONS_FILE}）",
            monthly))
    return out


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def counties(source: Path | None = None) -> list[dict]:
    """The 100 counties of ``boundaries/jiangxi_district_tianditu.geojson``: name, code, label point,
    geometry (shapely)."""
    from shapely.geometry import shape

    path = _source(source) / "boundaries" / "jiangxi_district_tianditu.geojson"
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise ClimateQualityError(f"{path}: not a readable county boundary file ({exc})") from None
    return [{"county": f["properties"]["district_name"], "county_code": f["properties"]["district_adcode"],
             "lon": float(f["properties"]["lon"]), "lat": float(f["properties"]["lat"]),
             "geometry": shape(f["geometry"])} for f in features]


def county_station(county: str, *, point: tuple[float, float] | None = None,
                   source: Path | None = None, candidates: list[StationClimate] | None = None) -> dict:
    """The station whose climate stands for ``county`` (name like 信丰县 or code like 360722):
    ``{"county", "county_code", "point", "station": StationClimate, "inside_county", "distance_km",
    "inside": [ids of the stations inside]}``. ``point`` is the parcel's (lon, lat)."""
    from shapely.geometry import Point

    found = [c for c in counties(source) if county in (c["county"], c["county_code"])]
    if not found:
        raise ClimateQualityError(f"county {county!r} is not a Jiangxi county of the boundary file → fix: "
                                  "give its name (信丰县) or GB/T 2260 code (360722)")
    unit = found[0]
    lon, lat = point if point is not None else (unit["lon"], unit["lat"])
    pool = candidates if candidates is not None else stations(source)
    inside = [s for s in pool if unit["geometry"].contains(Point(s.lon, s.lat))]
    chosen = min(inside or pool, key=lambda s: _distance_km(lat, lon, s.lat, s.lon))
    return {"county": unit["county"], "county_code": unit["county_code"], "point": [lon, lat],
            "station": chosen, "inside_county": chosen in inside,
            "distance_km": round(_distance_km(lat, lon, chosen.lat, chosen.lon), 1),
            "inside": [s.station_id for s in inside]}


def evaluate_county(rule_id: str, county: str, *, point: tuple[float, float] | None = None,
                    harvest: dt.date | None = None, supplied: Mapping[str, float] | None = None,
                    source: Path | None = None, rules_file: Path | None = None) -> dict:
    """``evaluate`` of the shipped (or given) rule on the normals of the station ``county_station``
    picks for the county (module docstring)."""
    rules = load_rules(rules_file)
    if rule_id not in rules:
        raise ClimateQualityError(f"rule {rule_id!r} is unknown → fix: one of {', '.join(sorted(rules))}")
    place = county_station(county, point=point, source=source)
    return evaluate(rules[rule_id], place["station"], harvest=harvest, supplied=supplied, place=place,
                    rules_file=rules_file)
