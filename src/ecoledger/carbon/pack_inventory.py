"""The province inventory on the region pack's statistics: what can be computed, what is missing.

One row per unit, year and scope (``COLUMNS``; written as ``inventory.csv``):

- ``territorial_total`` — dual control's total (fuel combustion + net imported electricity +
  processes, ``inventory.unit_year``). Missing unless energy consumption by fuel is reported: the
  row names the statistics needed.
- ``fuel_combustion`` — the fuel part alone (Σ fuel × NCV × CC × OF × 44/12).
- ``electricity_related_total`` and ``electricity_related_<sector>`` — published electricity use ×
  the consumption-series grid factor (``ecoledger.carbon.electricity``): a consumption view,
  **not** the territorial total; the industry row is part of the secondary-industry row.

Intensity (t CO₂ per 10⁴ yuan of GDP) is given on the two total rows when the year's GDP is known.
GDP rows that disagree are resolved only by the pack's own rule — a preliminary figure (初步核算)
gives way to the revised one — otherwise the intensity is missing with both values named.
Statistics come from the pack's long tables (``adcode, year, indicator, value, unit, source_url,
quote``) and from filled templates read by ``inventory.read_statistics`` (the upload loader).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ecoledger.carbon import electricity, intensity
from ecoledger.carbon.factors import Registry
from ecoledger.carbon.inventory import energy_indicators, normalise, unit_year

COLUMNS = ("code", "year", "scope", "co2_t", "status", "missing_statistics", "factor_ids", "note",
           "gdp_yuan", "gdp_basis", "intensity_t_per_10k_yuan", "sources")
PACK_FILES = ("statistics/jiangxi_statistics.csv", "statistics-2019/env_water_energy.csv",
              "statistics-2019/city_bulletins_2019.csv")  # under data/jiangxi/
PRELIMINARY_MARKS = ("初步核算", "preliminary")


def pack_files(jiangxi_folder: Path) -> list[Path]:
    """The pack's statistics files that exist under ``jiangxi_folder`` (data/jiangxi)."""
    return [Path(jiangxi_folder) / name for name in PACK_FILES if (Path(jiangxi_folder) / name).is_file()]


def read_pack_table(path: str | Path) -> pd.DataFrame:
    """The carbon rows of one pack table (adcode/source_url layout), canonical units, with quote
    and note kept; a bad carbon row stops the read naming file, row and fix (SubmissionError)."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = raw.assign(row=range(2, len(raw) + 2))
    raw = raw[raw["indicator"].isin(energy_indicators())]
    table = pd.DataFrame({
        "row": raw["row"], "code": raw["adcode"], "year": raw["year"], "indicator": raw["indicator"],
        "value": raw["value"], "unit": raw["unit"], "source": raw.get("source_url", ""),
    })
    rows = normalise(table, path.name)
    extra = raw.set_index("row")
    for column in ("quote", "note"):
        rows[column] = [str(extra.at[r, column]) if column in extra else "" for r in rows["row"]]
    rows["file"] = path.name
    return rows


def combine(*tables: pd.DataFrame) -> pd.DataFrame:
    """Pack tables and loaded templates in one table (quote, note and file empty where absent)."""
    frames = [t.assign(**{c: t[c] if c in t else "" for c in ("quote", "note", "file")}) for t in tables]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


NOTES = {  # note code → English text; the page gives each its Chinese (carbon.demo.note.<code>)
    "not_territorial": "electricity-related CO2 (consumption view): the CO2 of generating the electricity "
                       "used, not the territorial total of dual control; do not add to fuel combustion",
    "factor_other_year": "grid factor of {factor_year} used for {year}: the series publishes no factor "
                         "for {year}; the nearest published year is used",
    "no_factor": "no grid factor of the consumption series published for any year",
    "part_of_secondary": "part of the secondary industry's row: never add the two rows",
    "no_fuel_statistics": "no energy consumption by fuel in the statistics: the inventory is missing, "
                          "not zero",
    "no_electricity_use": "published electricity use ({indicator}) not in the statistics",
    "gdp_preliminary": "preliminary GDP {dropped} 亿元 replaced by the revised {kept} 亿元",
    "gdp_conflict": "GDP sources disagree ({values} 亿元): intensity not computed",
    "gdp_missing": "GDP not reported: intensity not computed",
    "conflicting": "sources disagree on {indicators}: not used",
}


def note_text(notes: list[tuple[str, dict]]) -> str:
    """The English note of a row from its (code, fields) notes."""
    return "; ".join(NOTES[code].format(**fields) for code, fields in notes)


def choose_gdp(rows: pd.DataFrame) -> dict:
    """The GDP of one unit and year: constant 2020 prices first, else current prices.

    Several different values: a preliminary one (quote or note says 初步核算/preliminary) gives
    way to the others; if they still differ the GDP is None and the note lists the values.
    Returns value (yuan) or None, basis, source, notes ([(code, fields)]).
    """
    for indicator, basis in (("gdp_constant_2020", "constant 2020 prices"), ("gdp", "current prices")):
        found = rows[rows["indicator"] == indicator]
        if found.empty:
            continue
        notes = []
        if len(set(found["value"].round(2))) > 1:
            marked = found.apply(lambda r: any(m in f"{r['quote']} {r['note']}" for m in PRELIMINARY_MARKS),
                                 axis=1)
            kept = found[~marked]
            if len(set(kept["value"].round(2))) != 1:
                values = " vs ".join(f"{v / 1e8:.2f}" for v in sorted(set(found["value"])))
                return {"value": None, "basis": basis, "source": " | ".join(dict.fromkeys(found["source"])),
                        "notes": [("gdp_conflict", {"values": values})]}
            dropped = ", ".join(f"{v / 1e8:.2f}" for v in sorted(set(found[marked]["value"])))
            revised = f"{kept['value'].iloc[0] / 1e8:.2f}"
            notes.append(("gdp_preliminary", {"dropped": dropped, "kept": revised}))
            found = kept
        return {"value": float(found["value"].iloc[0]), "basis": basis,
                "source": " | ".join(dict.fromkeys(found["source"])), "notes": notes}
    return {"value": None, "basis": "", "source": "", "notes": [("gdp_missing", {})]}


def fuel_statistics() -> list[str]:
    """The fuel-consumption indicators a territorial inventory needs."""
    return [i.indicator for i in energy_indicators().values() if i.kind == "fuel"]


def _without_conflicts(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows of one unit and year minus the indicators reported twice with different values."""
    spread = rows.groupby("indicator")["value"].agg(["min", "max"])
    conflicting = sorted(spread.index[(spread["max"] - spread["min"]) > 1e-4 * spread["max"].abs()])
    return rows[~rows["indicator"].isin(conflicting)].drop_duplicates(["indicator"]), conflicting


def _row(base: dict, scope: str, co2_t, status: str, notes: list, **fields) -> dict:
    row = {**base, "scope": scope, "co2_t": co2_t, "status": status, "missing_statistics": "",
           "factor_ids": "", "intensity_t_per_10k_yuan": None, "sources": "", **fields}
    return {**row, "notes": notes, "note": note_text(notes)}


def unit_year_rows(rows: pd.DataFrame, registry: Registry, code: str, year: int) -> list[dict]:
    """The inventory rows (``COLUMNS``, plus ``notes`` as codes for the page) of one unit and year."""
    gdp = choose_gdp(rows[rows["kind"] == "gdp"])
    activity, conflicting = _without_conflicts(rows[rows["kind"] != "gdp"])
    base = {"code": code, "year": year}
    conflict = [("conflicting", {"indicators": ", ".join(conflicting)})] if conflicting else []

    def per_gdp(co2):
        return intensity.carbon_intensity(co2, gdp["value"]) if co2 is not None and gdp["value"] else None

    out = []
    territorial = unit_year(activity, registry, year, electricity.CONSUMPTION_SERIES, nearest=True)
    fuels = {k: v for k, v in territorial["parts_t"].items() if energy_indicators()[k].kind == "fuel"}
    sources = " | ".join(dict.fromkeys(
        activity.loc[activity["kind"].isin(["fuel", "electricity", "process"]), "source"]))
    if fuels:
        total = territorial["co2_t"]
        out.append(_row(base, "territorial_total", total, territorial["status"], gdp["notes"] + conflict,
                        missing_statistics=", ".join(territorial["not_reported"]),
                        factor_ids=";".join(f["id"] for f in territorial["factors"]),
                        intensity_t_per_10k_yuan=per_gdp(total), sources=sources))
        out.append(_row(base, "fuel_combustion", sum(fuels.values()),
                        "complete" if len(fuels) == len(fuel_statistics()) else "partial", conflict,
                        missing_statistics=", ".join(i for i in fuel_statistics() if i not in fuels),
                        factor_ids=";".join(f["id"] for f in territorial["factors"]
                                            if f["id"].startswith("fuel.")),
                        sources=sources))
    else:
        needed = "energy consumption by fuel: " + ", ".join(fuel_statistics())
        for scope in ("territorial_total", "fuel_combustion"):
            out.append(_row(base, scope, None, "missing", [("no_fuel_statistics", {}), *conflict],
                            missing_statistics=needed))

    reported = dict(zip(activity["indicator"], activity["value"], strict=True))
    by_source = dict(zip(activity["indicator"], activity["source"], strict=True))
    choice = electricity.choose_factor(registry, year, code)  # national factor if the unit has none
    for indicator, scope in electricity.USE_INDICATORS.items():
        use = reported.get(indicator)
        is_total = indicator == "electricity_consumption_total"
        if use is None and not is_total:
            continue  # sector rows only where the sector's use is published
        if use is None:
            out.append(_row(base, scope, None, "missing", [("no_electricity_use", {"indicator": indicator})],
                            missing_statistics=indicator))
            continue
        if choice.factor is None:
            out.append(_row(base, scope, None, "missing", [("no_factor", {})]))
            continue
        notes = [("not_territorial", {})]
        if choice.other_year:
            notes.append(("factor_other_year", {"factor_year": choice.factor.year, "year": year}))
        if indicator in electricity.PART_OF:
            notes.append(("part_of_secondary", {}))
        co2 = electricity.electricity_related_co2(use, choice.factor.value)
        out.append(_row(base, scope, co2, "complete", notes + (gdp["notes"] if is_total else []),
                        factor_ids=choice.factor.id,
                        intensity_t_per_10k_yuan=per_gdp(co2) if is_total else None,
                        sources=by_source.get(indicator, "")))
    totals = ("territorial_total", "electricity_related_total")
    for r in out:  # GDP is shown beside the intensity it divides, on the total rows only
        shown = r["scope"] in totals and gdp["value"] is not None
        r.update(gdp_yuan=gdp["value"] if shown else None, gdp_basis=gdp["basis"] if shown else "")
    return out


def load_tables(paths) -> pd.DataFrame:
    """Pack tables (``adcode`` layout) and filled templates (``code`` layout, read by the upload
    loader ``inventory.read_statistics``) in one carbon table."""
    from ecoledger.carbon.inventory import read_statistics

    tables = []
    for path in paths:
        with open(path, "rb") as handle:
            workbook = handle.read(2) == b"PK"
        header = "" if workbook else Path(path).read_text(encoding="utf-8-sig").split("\n", 1)[0]
        is_pack = "adcode" in next(csv.reader([header]), [])
        table = read_pack_table(path) if is_pack else read_statistics(path)
        tables.append(table.assign(file=Path(path).name))
    return combine(*tables)


def pack_inventory(table: pd.DataFrame, registry: Registry, codes: list[str] | None = None,
                   years: list[int] | None = None) -> list[dict]:
    """Every unit and year of the table (or ``codes`` × ``years``): its inventory rows."""
    out = []
    for code in codes or sorted(table["code"].unique()):
        unit_rows = table[table["code"] == code]
        for year in years or sorted(unit_rows["year"].unique()):
            out += unit_year_rows(unit_rows[unit_rows["year"] == year], registry, code, int(year))
    return out


def write_inventory(rows: list[dict], path: Path) -> None:
    """``inventory.csv``: ``COLUMNS``, numbers as written (t, yuan), empty where missing."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: "" if r.get(c) is None else r[c] for c in COLUMNS})
