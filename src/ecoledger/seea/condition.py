"""The ecosystem condition account (SEEA EA 2021, chapter 5): variables, indicators, index.

Three tables, per unit and ecosystem type, opening and closing year:

- **condition variables**: the measured values (``VARIABLES``):
  ``ndvi_mean`` — mean NDVI of the type's cells (1), from the pack's ``ndvi`` layer of the year
  or NDVI rasters given (for Jiangxi the BESS annual maximum and minimum climatology, averaged as
  the pack builder averages them: the same values serve both years, so a change of the mean is
  a change of the type's cells only); missing where more than ``MAX_MISSING_SHARE`` of the
  type's area has no NDVI;
  ``edge_density`` — fragmentation: length of the type's edges with other types per hectare
  of the type (m/ha; ``seea.scan``: a cell side shared with another type is an edge, a lone
  1 km cell has 4000 m / 100 ha = 40 m/ha, a large compact patch tends to 0);
  ``forest_share`` — forest area in the unit's area of ecosystem types (%);
  water quality (type ``wetland``, which holds rivers, lakes and reservoirs in this
  classification): from monitoring records (``monitoring.water.evaluate``: the GB 3838-2002
  single-factor class of each section's annual means) the share of sections in classes I–III
  and worse than V, per unit named in the records' ``city`` column, its parents, and the root;
  from a statistics table of reported shares (``jiangxi_statistics.csv`` layout, the monitoring
  demo's input) the province's reported shares (``STATISTICS_SERIES``).
- **condition indicators**: each variable rescaled to 0–1 between a level where the indicator is
  0 and a reference level where it is 1, ``(value − zero) / (reference − zero)``, bounded to
  0…1 — only where ``data/seea_condition_reference.csv`` holds a cited reference level for the
  indicator, ecosystem type and unit (``applies_to``: an adcode, or ``*`` for every unit). No
  reference is ever made up: an indicator without one is reported without an index, with the
  reason. The cited levels are policy targets (the table says so in ``reference_type``), not
  natural reference conditions, which SEEA EA prefers (para. 5.69) and which no source here gives.
- **condition index**: per unit and type, the mean of the indicators that have an index, with
  the indicators counted and those left out named (SEEA EA leaves a composite index optional).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from ecoledger.accounts import MAX_MISSING_SHARE
from ecoledger.seea.scan import NONE, Scan

REFERENCE_TABLE = "seea_condition_reference.csv"
# variable → (unit of measure, ecosystem types it is given for (None: every type), direction:
# "higher" or "lower" values are better)
VARIABLES: dict[str, tuple[str, tuple[str, ...] | None, str]] = {
    "ndvi_mean": ("1", None, "higher"),
    "edge_density": ("m/ha", None, "lower"),
    "forest_share": ("%", ("forest",), "higher"),
    "records_sections_I_III_share": ("%", ("wetland",), "higher"),
    "records_sections_worse_than_V_share": ("%", ("wetland",), "lower"),
    "reported_sections_I_III_share": ("%", ("wetland",), "higher"),
    "national_sections_I_III_share": ("%", ("wetland",), "higher"),
    "poyang_points_I_III_share": ("%", ("wetland",), "higher"),
}
# reported series of a statistics table (``indicator`` column) → variable
STATISTICS_SERIES = {
    "surface_water_class_I_III_share": "reported_sections_I_III_share",
    "national_assessed_sections_good_share": "national_sections_I_III_share",
    "poyang_lake_good_share": "poyang_points_I_III_share",
}
KEYS = ["adcode", "name", "level", "ecosystem", "variable"]


def reference_bytes() -> bytes:
    return resources.files("ecoledger.data").joinpath(REFERENCE_TABLE).read_bytes()


def references(data: bytes | None = None) -> pd.DataFrame:
    """The cited reference levels (``data/seea_condition_reference.csv`` or ``data``)."""
    table = pd.read_csv(io.BytesIO(reference_bytes() if data is None else data),
                        dtype={"applies_to": str})
    missing = {"indicator", "ecosystem", "applies_to", "reference_value", "zero_value", "unit",
               "direction", "source", "quote"} - set(table.columns)
    if missing:
        raise ValueError(f"the reference table lacks columns {', '.join(sorted(missing))}")
    if table[["source", "quote"]].isna().any().any():
        raise ValueError("every reference level needs its source and quote")
    return table


@dataclass
class ConditionAccount:
    opening_year: int
    closing_year: int
    variables: pd.DataFrame
    indicators: pd.DataFrame
    index: pd.DataFrame
    provenance: dict = field(default_factory=dict)


def _decimals(value: float) -> int:
    text = f"{value:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def reported_shares(statistics: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Reported water-quality shares (``STATISTICS_SERIES``) of a statistics table as rows
    adcode, year, variable, value, source. Reposts of one figure that agree to the precision
    of the least precise one (93.3 and 93.33) give the most precise; reposts that disagree give
    no value (``status`` ``disagree``): none is chosen between them."""
    year = pd.to_numeric(statistics["year"], errors="coerce")
    wanted = statistics[statistics["indicator"].isin(STATISTICS_SERIES) & year.isin(years)].copy()
    wanted["value"] = pd.to_numeric(wanted["value"], errors="coerce")
    rows = []
    for (indicator, code, year), group in wanted.dropna(subset=["value"]).groupby(
            ["indicator", "adcode", "year"], sort=True):
        values = group["value"].tolist()
        places = [_decimals(v) for v in values]
        coarse = min(places)
        agree = len({round(v, coarse) for v in values}) == 1
        finest = group.iloc[int(np.argmax(places))]
        column = next((c for c in ("source_url", "source") if c in group), None)
        sources = "" if column is None else "; ".join(dict.fromkeys(group[column].astype(str)))
        rows.append({"adcode": str(code), "year": int(year),
                     "variable": STATISTICS_SERIES[indicator],
                     "value": float(finest["value"]) if agree else np.nan,
                     "status": "reported" if agree else "disagree", "source": sources})
    return pd.DataFrame(rows, columns=["adcode", "year", "variable", "value", "status", "source"])


def record_shares(evaluated: pd.DataFrame, units: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Shares of sections in classes I–III and worse than V from ``monitoring.water.evaluate``
    (period ``year``) per unit: each station counts for the unit its ``city`` names, that
    unit's parents, and — whatever it names — the root, when the units have one root."""
    from ecoledger.monitoring.water import class_shares

    parent = dict(zip(units["code"], units["parent"], strict=True))
    roots = [c for c, p in parent.items() if not p]
    rows = []
    for year in years:
        stations = evaluated[evaluated["year"].astype(int) == year]
        members: dict[str, list] = {}
        for station in stations.to_dict("records"):
            city = station.get("city")
            code = "" if city is None or pd.isna(city) else str(city).strip()
            chain = []
            while code in parent:
                chain.append(code)
                code = parent[code]
            if len(roots) == 1 and roots[0] not in chain:
                chain.append(roots[0])
            for unit in chain:
                members.setdefault(unit, []).append(station["class"])
        for unit, classes in members.items():
            shares = class_shares(pd.Series(classes, dtype="float"))
            if not shares["sections"]:
                continue
            note = f"GB 3838-2002, n={shares['sections']}"
            rows.append({"adcode": unit, "year": year, "variable": "records_sections_I_III_share",
                         "value": 100 * shares["share_I_III"], "status": "computed", "source": note})
            rows.append({"adcode": unit, "year": year,
                         "variable": "records_sections_worse_than_V_share",
                         "value": 100 * shares["share_worse_than_V"], "status": "computed",
                         "source": note})
    return pd.DataFrame(rows, columns=["adcode", "year", "variable", "value", "status", "source"])


def _grid_variables(scan: Scan) -> pd.DataFrame:
    """ndvi_mean, edge_density and forest_share per unit, type and year (long)."""
    rows = []
    typed = [t for t in scan.edges_m[scan.opening_year].columns if t != NONE]
    sources = scan.provenance
    for year in (scan.opening_year, scan.closing_year):
        extent = scan.extent(year)
        area = extent[typed].sum(axis=1)
        landcover = sources["landcover"][str(year)]
        for code in extent.index:
            for eco in typed:
                km2 = extent.at[code, eco]
                if km2 <= 0:
                    continue
                rows.append((code, eco, "edge_density", year,
                             scan.edges_m[year].at[code, eco] / (km2 * 100), landcover))
                if year in scan.ndvi_sum:
                    cells = scan.cells[year].at[code, eco]
                    valid = scan.ndvi_cells[year].at[code, eco]
                    value = (scan.ndvi_sum[year].at[code, eco] / valid
                             if valid > 0 and cells - valid <= MAX_MISSING_SHARE * cells else np.nan)
                    rows.append((code, eco, "ndvi_mean", year, value,
                                 "; ".join(sources["ndvi"][str(year)])))
            if area[code] > 0:
                rows.append((code, "forest", "forest_share", year,
                             100 * extent.at[code, "forest"] / area[code], landcover))
    return pd.DataFrame(rows, columns=["adcode", "ecosystem", "variable", "year", "value", "source"])


def _wide(long: pd.DataFrame, scan: Scan) -> pd.DataFrame:
    """Long (adcode, ecosystem, variable, year, value, source) → one row per unit, type and
    variable with the opening and closing values, in the units' order."""
    if long.empty:
        return pd.DataFrame(columns=[*KEYS, "unit", "opening", "closing", "change", "source"])
    values = (long.groupby(["adcode", "ecosystem", "variable", "year"])["value"].first()
              .unstack("year").reindex(columns=[scan.opening_year, scan.closing_year]))
    source = long.groupby(["adcode", "ecosystem", "variable"])["source"].agg(
        lambda s: "; ".join(dict.fromkeys(x for x in s if x)))
    frame = pd.DataFrame({"opening": values[scan.opening_year], "closing": values[scan.closing_year]})
    frame["change"] = frame["closing"] - frame["opening"]
    frame["source"] = source.reindex(frame.index)
    frame = frame.reset_index()
    units = scan.units.set_index("code")
    frame.insert(1, "name", frame["adcode"].map(units["name"]))
    frame.insert(2, "level", frame["adcode"].map(units["level"]))
    frame.insert(5, "unit", frame["variable"].map(lambda v: VARIABLES[v][0]))
    order = {code: i for i, code in enumerate(scan.units["code"])}
    variables = {v: i for i, v in enumerate(VARIABLES)}
    ecosystems = {e: i for i, e in enumerate(scan.edges_m[scan.opening_year].columns)}
    frame = frame.sort_values(["adcode", "ecosystem", "variable"], key=lambda s: s.map(
        {"adcode": order, "ecosystem": ecosystems, "variable": variables}[s.name]))
    return frame.reset_index(drop=True)


def rescale(value, reference: float, zero: float) -> float:
    """(value − zero) / (reference − zero), bounded to 0…1; NaN stays NaN."""
    if value is None or pd.isna(value):
        return np.nan
    return float(min(1.0, max(0.0, (value - zero) / (reference - zero))))


def _indicators(variables: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for row in variables.to_dict("records"):
        matches = table[(table["indicator"] == row["variable"]) & (table["ecosystem"] == row["ecosystem"])
                        & table["applies_to"].isin([row["adcode"], "*"])]
        # a unit's own reference level comes before one for every unit
        matches = matches.sort_values("applies_to", key=lambda s: s.eq("*"))
        out = {**row, "direction": VARIABLES[row["variable"]][2]}
        if matches.empty:
            elsewhere = table.loc[(table["indicator"] == row["variable"])
                                  & (table["ecosystem"] == row["ecosystem"]), "applies_to"]
            out.update(reference_value=np.nan, zero_value=np.nan, reference_type="",
                       reference_source="", reference_quote="", opening_index=np.nan,
                       closing_index=np.nan, index_change=np.nan,
                       no_index="no_reference_here" if len(elsewhere) else "no_reference",
                       references_for=" ".join(elsewhere))
        else:
            ref = matches.iloc[0]
            opening = rescale(row["opening"], float(ref["reference_value"]), float(ref["zero_value"]))
            closing = rescale(row["closing"], float(ref["reference_value"]), float(ref["zero_value"]))
            missing = [year for year, v in (("opening", opening), ("closing", closing)) if np.isnan(v)]
            out.update(reference_value=float(ref["reference_value"]),
                       zero_value=float(ref["zero_value"]), direction=ref["direction"],
                       reference_type=ref.get("reference_type", ""), reference_source=ref["source"],
                       reference_quote=ref["quote"], opening_index=opening, closing_index=closing,
                       index_change=closing - opening,
                       no_index={(): "", ("opening",): "no_value_opening",
                                 ("closing",): "no_value_closing"}.get(tuple(missing), "no_value"),
                       references_for=ref["applies_to"])
        rows.append(out)
    columns = [*KEYS, "unit", "opening", "closing", "direction", "reference_value", "zero_value",
               "reference_type", "reference_source", "reference_quote", "opening_index",
               "closing_index", "index_change", "no_index", "references_for"]
    return pd.DataFrame(rows, columns=columns)


def _index(indicators: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (code, name, level, eco), group in indicators.groupby(
            ["adcode", "name", "level", "ecosystem"], sort=False):
        row = {"adcode": code, "name": name, "level": level, "ecosystem": eco}
        for side in ("opening", "closing"):
            have = group[group[f"{side}_index"].notna()]
            row[f"{side}_index"] = have[f"{side}_index"].mean() if len(have) else np.nan
            row[f"{side}_indicators"] = " ".join(have["variable"])
        row["index_change"] = row["closing_index"] - row["opening_index"]
        row["indicators_total"] = len(group)
        row["without_reference"] = " ".join(
            group.loc[group["reference_value"].isna(), "variable"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["adcode", "name", "level", "ecosystem", "opening_index",
                                       "opening_indicators", "closing_index", "closing_indicators",
                                       "index_change", "indicators_total", "without_reference"])


def condition_account(scan: Scan, records: pd.DataFrame | None = None,
                      statistics: pd.DataFrame | None = None,
                      reference_data: bytes | None = None, inputs: dict | None = None
                      ) -> ConditionAccount:
    """The condition account from a ``Scan`` (with NDVI if given to it), monitoring ``records``
    (``monitoring.records.normalise`` rows) and a ``statistics`` table of reported shares."""
    years = (scan.opening_year, scan.closing_year)
    long = [_grid_variables(scan)]
    if records is not None and len(records):
        from ecoledger.monitoring.water import evaluate

        long.append(record_shares(evaluate(records, "year"), scan.units, years)
                    .assign(ecosystem="wetland"))
    reported = None
    if statistics is not None:
        reported = reported_shares(statistics, years)
        known = reported[reported["adcode"].isin(scan.units["code"])]
        long.append(known.assign(ecosystem="wetland"))
    long = pd.concat([frame[["adcode", "ecosystem", "variable", "year", "value", "source"]]
                      for frame in long if len(frame)], ignore_index=True)
    variables = _wide(long, scan)
    data = reference_bytes() if reference_data is None else reference_data
    indicators = _indicators(variables, references(data))
    provenance = {
        **scan.provenance,
        "reference_table": {"file": REFERENCE_TABLE if reference_data is None else "given",
                            "sha256": hashlib.sha256(data).hexdigest()},
        "inputs": inputs or {},
        "reposts_disagree": [] if reported is None else
        reported.loc[reported["status"] == "disagree", ["adcode", "year", "variable", "source"]]
        .to_dict("records"),
    }
    return ConditionAccount(years[0], years[1], variables, indicators, _index(indicators),
                            provenance)
