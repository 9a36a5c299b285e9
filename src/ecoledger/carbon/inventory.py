"""Regional CO₂ inventory and carbon dual control from yearly energy statistics.

Statistics arrive in the platform's long upload format (``code, year, indicator, value, unit,
source``; ``ecoledger.platform.submissions.parse_upload`` reads the file and refuses hostile
input). The energy indicators are listed in ``ecoledger/data/carbon/energy_indicators.csv`` until
the platform's ``indicators.csv`` carries them. The inventory's view is territorial combustion
plus net imported electricity at a grid factor (methods notes §2.2): fuels × NCV × CC × OF × 44/12,
+ net electricity import × grid factor of the chosen series, + process CO₂ where reported. A unit
and year with no energy statistic is *missing*, never zero; an indicator not reported is listed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ecoledger import tables
from ecoledger.carbon import intensity, lmdi
from ecoledger.carbon.combustion import electricity_co2, fuel_combustion_co2, process_co2
from ecoledger.carbon.factors import Registry, content_hash, data_path
from ecoledger.errors import Problem, SubmissionError
from ecoledger.platform.submissions import parse_upload

SERIES = ("mee_nbs_consumption", "mee_reporting")
SHIPPED_COLUMNS = {"adcode": "code", "source_url": "source"}  # data/jiangxi/statistics layout
GJ_PER_MWH = 3.6


@dataclass(frozen=True)
class Indicator:
    indicator: str
    name_zh: str
    kind: str
    canonical_unit: str
    subject: str


@cache
def energy_indicators() -> dict[str, Indicator]:
    with open(data_path("energy_indicators.csv"), encoding="utf-8") as handle:
        return {
            r["indicator"]: Indicator(
                r["indicator"], r["name_zh"], r["kind"], r["canonical_unit"], r["subject"]
            )
            for r in csv.DictReader(handle)
        }


def read_statistics(path: str | Path) -> pd.DataFrame:
    """The carbon-relevant rows of a statistics file, values in canonical units (kg, m³, kWh, yuan).

    Accepts the upload template and the shipped ``jiangxi_statistics.csv`` layout (``adcode``,
    ``source_url``). Template rows nobody filled in (value and provenance empty) and rows of other
    indicators are left out; a bad carbon row stops the read with every problem listed
    (SubmissionError).
    """
    from ecoledger.statistics.template import drop_unfilled  # the template's own rule

    path = Path(path)
    content = path.read_bytes()
    workbook = content[:2] == b"PK"  # an .xlsx template: the parser reads it, no layout to sniff
    first_line = b"" if workbook else content.split(b"\n", 1)[0]
    header = next(csv.reader([first_line.decode("utf-8-sig", errors="replace")]), [])
    if "adcode" in header:
        content = _template_bytes(content)
    table = drop_unfilled(parse_upload(path.name, content))
    return normalise(table, path.name)


def _template_bytes(content: bytes) -> bytes:
    shipped = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    template = shipped.rename(columns=SHIPPED_COLUMNS)[
        ["code", "year", "indicator", "value", "unit", "source"]
    ]
    return template.to_csv(index=False).encode("utf-8")


def normalise(table: pd.DataFrame, file: str) -> pd.DataFrame:
    known = energy_indicators()
    rows, problems = [], []
    for r in table.itertuples(index=False):
        found = known.get(r.indicator)
        if found is None:
            continue
        where = f"row {r.row}"
        factor = tables.unit_factor(r.unit, found.canonical_unit)
        try:
            value = float(r.value)
        except ValueError:
            value = None
        if value is None:
            problems.append(
                Problem(
                    file, f"{where} · value", f"{r.value!r} is not a number", "write a plain decimal number"
                )
            )
        if factor is None:
            units = ", ".join(tables.known_units_for(found.canonical_unit))
            problems.append(
                Problem(
                    file, f"{where} · unit", f"{r.unit!r} cannot express {r.indicator}", f"use one of {units}"
                )
            )
        if not str(r.year).isdigit():
            problems.append(
                Problem(file, f"{where} · year", f"{r.year!r} is not a year", "write the year, e.g. 2020")
            )
        if value is not None and factor is not None and str(r.year).isdigit():
            rows.append(
                {
                    "code": r.code,
                    "year": int(r.year),
                    "indicator": r.indicator,
                    "value": value * factor,
                    "kind": found.kind,
                    "subject": found.subject,
                    "source": r.source,
                    "row": r.row,
                }
            )
    if problems:
        raise SubmissionError(problems)
    return pd.DataFrame(
        rows, columns=["code", "year", "indicator", "value", "kind", "subject", "source", "row"]
    )


def grid_factor(registry: Registry, year: int, series: str, region: str = "360000", nearest: bool = False):
    """The grid factor of ``series`` for ``region`` and ``year``, else the latest earlier year (noted).

    ``nearest``: when the series has no factor of ``year``, the one of the closest year, earlier
    or later (an earlier one on a tie) — for years before the series starts; the caller says so.
    The region's own factor is preferred to the national one in both cases.
    """
    if series not in SERIES:
        raise SubmissionError(
            [
                Problem(
                    "grid series",
                    "series",
                    f"{series!r} is not a grid-factor series",
                    f"one of {', '.join(SERIES)}",
                )
            ]
        )
    dated = [
        f
        for f in registry.select("grid_co2_factor", series=series)
        if f.region in (region, "CN") and f.year is not None
    ]
    candidates = [f for f in dated if f.year <= year]
    if nearest and not any(f.year == year for f in dated):
        candidates = dated
        if candidates:
            return min(candidates, key=lambda f: (f.region != region, abs(f.year - year), f.year))
    if not candidates:
        return None
    # the region's own factor first, then the most recent year
    return max(candidates, key=lambda f: (f.region == region, f.year))


def unit_year(rows: pd.DataFrame, registry: Registry, year: int, series: str, nearest: bool = False) -> dict:
    """CO₂ of one unit and year (t), by source, from its carbon rows; ``co2_t`` is None when missing.

    Electricity *use* (``electricity_use`` indicators) is not part of this territorial view (only
    the net import is): ``ecoledger.carbon.electricity`` reports it apart. ``nearest``: see
    ``grid_factor``.
    """
    by_indicator = dict(zip(rows["indicator"], rows["value"], strict=True))
    parts, used, energy_gj, absent = {}, [], {}, []
    for ind in energy_indicators().values():
        value = by_indicator.get(ind.indicator)
        if ind.kind in ("gdp", "electricity_use"):
            continue
        if value is None:
            absent.append(ind.indicator)
            continue
        if ind.kind == "fuel":
            ids = [f"fuel.{ind.subject}.{p}" for p in ("ncv", "cc", "of")]
            params = [registry[i] for i in ids]
            activity = value / (1e3 if ind.canonical_unit == "kg" else 1e4)  # t, or 10⁴ Nm³
            parts[ind.indicator] = fuel_combustion_co2(activity, *(p.value for p in params))
            energy_gj[ind.indicator] = activity * params[0].value
            used += params
        elif ind.kind == "electricity":
            factor = grid_factor(registry, year, series, nearest=nearest)
            if factor is None:
                absent.append(f"{ind.indicator} (no {series} grid factor for {year})")
                continue
            parts[ind.indicator] = electricity_co2(value / 1e3, factor.value)
            energy_gj[ind.indicator] = value / 1e3 * GJ_PER_MWH
            used.append(factor)
        elif ind.kind == "process":
            factor = registry.select("process_co2_factor", subject=ind.subject)[0]
            parts[ind.indicator] = process_co2(value / 1e3, factor.value)
            used.append(factor)
    gdp_constant = by_indicator.get("gdp_constant_2020")
    gdp = gdp_constant if gdp_constant is not None else by_indicator.get("gdp")
    co2 = sum(parts.values()) if parts else None
    return {
        "year": year,
        "co2_t": co2,
        "parts_t": parts,
        "energy_gj": energy_gj,
        "status": "missing" if co2 is None else ("partial" if absent else "complete"),
        "not_reported": absent if co2 is not None else [],
        "gdp_yuan": gdp,
        "gdp_basis": "constant 2020 prices"
        if gdp_constant is not None
        else ("current prices" if gdp else None),
        "intensity_t_per_10k_yuan": intensity.carbon_intensity(co2, gdp) if co2 is not None and gdp else None,
        "factors": [f.cite() for f in {f.id: f for f in used}.values()],
    }


def inventory(
    table: pd.DataFrame,
    registry: Registry,
    series: str = "mee_nbs_consumption",
    years: list[int] | None = None,
    codes: list[str] | None = None,
) -> list[dict]:
    """Per unit and year: CO₂ and intensity, with every unit of ``codes`` and year of ``years``
    present (missing if no data; default: the units and years of the table).

    An indicator given twice for a unit and year with different values (two sources disagree) is
    not used and is listed under ``conflicting``; equal repeats count once.
    """
    results = []
    for code in codes or sorted(table["code"].unique()):
        unit_rows = table[table["code"] == code]
        for year in years or sorted(unit_rows["year"].unique()):
            rows = unit_rows[unit_rows["year"] == year]
            spread = rows.groupby("indicator")["value"].agg(["min", "max"])
            conflicting = sorted(spread.index[(spread["max"] - spread["min"]) > 1e-4 * spread["max"].abs()])
            rows = rows[~rows["indicator"].isin(conflicting)].drop_duplicates(["indicator"])
            results.append(
                {
                    "code": code,
                    **unit_year(rows, registry, year, series),
                    "series": series,
                    "conflicting": conflicting,
                    "registry_version": registry.version,
                    "indicators_version": content_hash(data_path("energy_indicators.csv")),
                }
            )
    return results


def intensity_path(
    results: list[dict], base_year: int, target_reduction: float, period_years: int = 5
) -> list[dict]:
    """Each year's intensity index (I_t/I_base) beside the target path; missing stays missing."""
    base = next((r for r in results if r["year"] == base_year), None)
    base_i = base["intensity_t_per_10k_yuan"] if base else None
    path = []
    for r in results:
        elapsed = r["year"] - base_year
        actual = r["intensity_t_per_10k_yuan"]
        index = actual / base_i if actual is not None and base_i else None
        target_index = (
            intensity.target_path(1.0, target_reduction, elapsed, period_years) if elapsed >= 0 else None
        )
        left = base_year + period_years - r["year"]
        path.append(
            {
                "year": r["year"],
                "intensity": actual,
                "index": index,
                "target_index": target_index,
                "cumulative_reduction": intensity.cumulative_reduction(actual, base_i)
                if index is not None
                else None,
                "on_track": None if index is None or target_index is None else index <= target_index + 1e-12,
                "required_annual_rate": intensity.required_annual_rate(actual, base_i, target_reduction, left)
                if index is not None and left > 0
                else None,
                "status": "missing" if actual is None else r["status"],
            }
        )
    return path


def decompose(start: dict, end: dict) -> dict:
    """LMDI attribution of the CO₂ change between two ``unit_year`` results over the sources both report.

    Factors: scale (GDP), energy intensity (energy/GDP), energy mix (source share of energy) and
    emission factor (CO₂/energy). Structure needs value added by sector, which the long format
    does not carry yet; ``lmdi.kaya_factors`` adds it when sectoral data are given.
    """
    sources = sorted(set(start["energy_gj"]) & set(end["energy_gj"]))
    if not sources or not start["gdp_yuan"] or not end["gdp_yuan"]:
        return {"status": "missing", "effects": {}}

    def factors(r):
        energy = sum(r["energy_gj"][s] for s in sources)
        return {
            "scale": [r["gdp_yuan"] / 1e4] * len(sources),
            "intensity": [energy / (r["gdp_yuan"] / 1e4)] * len(sources),
            "energy_mix": [r["energy_gj"][s] / energy for s in sources],
            "emission_factor": [r["parts_t"][s] / r["energy_gj"][s] for s in sources],
        }

    effects = lmdi.lmdi_additive(factors(start), factors(end))
    change = sum(end["parts_t"][s] for s in sources) - sum(start["parts_t"][s] for s in sources)
    return {"status": "ok", "sources": sources, "change_t": change, "effects": effects}


def dual_control(
    table: pd.DataFrame,
    registry: Registry,
    code: str,
    years: list[int],
    target_id: str = "target.CN.14fyp.intensity",
    base_year: int = 2020,
    series: str = "mee_nbs_consumption",
) -> dict:
    """One unit's CO₂ totals, intensity and path against the five-year target, years without data
    reported as missing, with the LMDI attribution between the first and last complete years."""
    target = registry[target_id]
    results = inventory(table, registry, series=series, years=years, codes=[code])
    complete = [r for r in results if r["co2_t"] is not None and r["gdp_yuan"]]
    return {
        "code": code,
        "years": results,
        "target": {**target.cite(), "source": target.source, "note": target.note, "note_zh": target.note_zh},
        "path": intensity_path(results, base_year, target.value),
        "lmdi": decompose(complete[0], complete[-1])
        if len(complete) >= 2
        else {"status": "missing", "effects": {}},
        "missing_years": [r["year"] for r in results if r["co2_t"] is None],
        "series": series,
        "registry_version": registry.version,
    }


def from_store_rows(rows) -> pd.DataFrame:
    """Accepted platform submission rows (``SubmissionRow``) in the table ``read_statistics`` returns."""
    known = energy_indicators()
    records = [
        {
            "code": r.code,
            "year": r.year,
            "indicator": r.indicator,
            "value": r.value_canonical,
            "kind": known[r.indicator].kind,
            "subject": known[r.indicator].subject,
            "source": r.source,
            "row": r.row,
        }
        for r in rows
        if r.indicator in known
    ]
    return pd.DataFrame(
        records, columns=["code", "year", "indicator", "value", "kind", "subject", "source", "row"]
    )
