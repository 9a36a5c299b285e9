"""The statistics template: what a profile's items need, a sheet to fill, what filled rows complete.

``needed_statistics(profile)`` lists every statistic the items of an accounting profile read
(the rules of ``ecoledger.accounts._statistics_item`` and ``POLLUTANTS``, restated here as data),
with GDP and population for GEP/GDP and GEP per capita. ``template_rows`` turns it into one row
per unit × indicator with the value left empty; ``template_csv_bytes`` and
``template_xlsx_bytes`` write it with bilingual headers (``code 行政区划代码``) that the
platform's upload parser (``ecoledger.platform.submissions.parse_upload``) reads back.
``completed_items(rows, profile)`` says which items, per unit and year, the rows make computable.
``energy_statistics()`` lists the energy rows of the carbon inventory (fuel use, electricity use by
sector, net import, GDP): ``needed_statistics(..., energy=True)`` adds them to the template, and
a filled template read by ``ecoledger.carbon.inventory.read_statistics`` gives that year's inventory.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ecoledger import tables
from ecoledger.items.provisioning import (
    PROVISIONING_BASES,
    SECTORS,
    WATER_USE_INDICATOR,
    sector_output_indicator,
)
from ecoledger.items.purification import POLLUTANTS

POLLUTANT_LOADS = {item: load for item, (_, load, _) in POLLUTANTS.items()}  # what caps each
SUMMARY_STATISTICS = {  # pseudo-item → (indicator, name_zh, name_en)
    "gep_to_gdp": ("gdp", "GEP与GDP之比", "GEP to GDP ratio"),
    "gep_per_capita": ("population", "人均GEP", "GEP per capita"),
}
TEMPLATE_COLUMNS = ("code", "name", "year", "indicator", "value", "unit", "source", "status",
                    "method", "quote")
HEADER_LABELS_ZH = {  # the same labels the upload parser accepts after the English name
    "code": "行政区划代码", "name": "单位名称", "year": "年份", "indicator": "指标代码",
    "value": "数值", "unit": "计量单位", "source": "数据来源", "status": "数据状态",
    "method": "推算方法", "quote": "原文摘录",
}
FILLED_COLUMNS = ("value", "source", "status", "method", "quote")  # what a user types
SHEET_DATA = "统计数据 statistics"
SHEET_NOTES = "说明 notes"


@dataclass(frozen=True)
class Requirement:
    """What makes one item computable: any one of ``alternatives`` (sets of indicators), and
    the indicators the template lists for it (the first alternative, plus common fallbacks)."""

    listed: tuple[str, ...]
    alternatives: tuple[frozenset[str], ...]


def requirement(item: str, profile, basis: str | None = None,
                table_prices: frozenset[str] = frozenset()) -> Requirement | None:
    """The statistics ``item`` reads under ``profile`` (None: the item reads no statistics).

    ``basis`` overrides the profile's provisioning basis; ``table_prices`` are products whose
    price the parameter table has (only those may omit ``price_*`` under ``quantity_price``).
    """
    basis = basis or profile.provisioning_basis
    if item in SECTORS and basis == "quantity_price":
        products = tables.products()
        names = products.loc[products["sector"] == item, "product"].tolist()
        listed = tuple(i for p in names for i in (f"output_{p}", f"price_{p}"))
        alternatives = [frozenset({f"output_{p}", f"price_{p}"}) for p in names]
        alternatives += [frozenset({f"output_{p}"}) for p in names if p in table_prices]
        return Requirement(listed, tuple(alternatives))
    if item in SECTORS:
        # the other basis is a fallback the accounts take with a note: it completes the item
        # but the template asks for the profile's own basis only
        other = "net_output" if basis == "gross_output" else "gross_output"
        primary = sector_output_indicator(item, basis)
        return Requirement((primary,), (frozenset({primary}),
                                        frozenset({sector_output_indicator(item, other)})))
    single = {**WATER_USE_INDICATOR, **POLLUTANT_LOADS,
              "ecological_energy_hydropower": "hydropower_generation"}
    if item in single:
        return Requirement((single[item],), (frozenset({single[item]}),))
    if item == "recreation" and profile.recreation_method == "travel_cost":
        return Requirement(("tourist_visits", "travel_cost_per_visit", "tourism_revenue"),
                           (frozenset({"tourist_visits", "travel_cost_per_visit"}),
                            frozenset({"tourist_visits", "tourism_revenue"})))
    pairs = {
        "recreation": ("tourist_visits", "tourism_revenue", "nature_tourism_share"),
        "landscape_premium": ("landscape_floor_area", "landscape_premium_price"),
        "coastal_protection": ("coastline_protected", "seawall_cost"),
    }
    if item in pairs:
        return Requirement(pairs[item], (frozenset(pairs[item]),))
    return None


def requirements(profile, basis: str | None = None, not_applicable=(),
                 table_prices: frozenset[str] = frozenset()) -> dict[str, Requirement]:
    """Item (and summary pseudo-item) → Requirement, for the profile's items that read statistics."""
    if basis is not None and basis not in PROVISIONING_BASES:
        raise ValueError(f"unknown provisioning basis {basis!r}: one of {PROVISIONING_BASES}")
    out = {}
    for item in profile.items:
        found = requirement(item, profile, basis, table_prices)
        if item not in not_applicable and found is not None:
            out[item] = found
    for pseudo, (indicator, _, _) in SUMMARY_STATISTICS.items():
        out[pseudo] = Requirement((indicator,), (frozenset({indicator}),))
    return out


def _item_names() -> dict[str, tuple[str, str]]:
    """Item → (name_zh, name_en), summary pseudo-items included."""
    catalogue = tables.items()
    names = {i: (catalogue.at[i, "name_zh"], catalogue.at[i, "name_en"]) for i in catalogue.index}
    names.update({k: (zh, en) for k, (_, zh, en) in SUMMARY_STATISTICS.items()})
    return names


def needed_statistics(profile: str, basis: str | None = None, not_applicable=(),
                      energy: bool = False) -> pd.DataFrame:
    """Every statistic the items of ``profile`` need, one row per indicator, catalogue order.

    Columns: indicator, unit (canonical: what a value converts to), name_zh, name_en,
    definition (the catalogue's note, with its plausible maximum), items (codes the indicator
    fills, ``;``-separated), items_zh, items_en. ``basis`` overrides the profile's provisioning
    basis; items in ``not_applicable`` are left out. ``energy``: the carbon inventory's energy
    statistics (``energy_statistics``) follow, those not already listed.
    """
    chosen = tables.profile(profile)
    names = _item_names()
    filled: dict[str, list[str]] = {}
    for item, need in requirements(chosen, basis, not_applicable).items():
        for indicator in need.listed:
            filled.setdefault(indicator, []).append(item)
    catalogue = tables.indicators()
    rows = [{
        "indicator": indicator,
        "unit": catalogue.at[indicator, "unit"],
        "name_zh": catalogue.at[indicator, "name_zh"],
        "name_en": catalogue.at[indicator, "name_en"],
        "definition": catalogue.at[indicator, "note"],
        "items": "; ".join(filled[indicator]),
        "items_zh": "；".join(names[i][0] for i in filled[indicator]),
        "items_en": "; ".join(names[i][1] for i in filled[indicator]),
    } for indicator in catalogue.index if indicator in filled]
    needed = pd.DataFrame(rows, columns=list(NEEDED_COLUMNS))
    if energy:
        extra = energy_statistics()
        needed = pd.concat([needed, extra[~extra["indicator"].isin(needed["indicator"])]],
                           ignore_index=True)
    return needed


NEEDED_COLUMNS = ("indicator", "unit", "name_zh", "name_en", "definition", "items", "items_zh",
                  "items_en")
ENERGY_ITEM = ("carbon_inventory", "碳排放清单", "carbon inventory")


def energy_statistics() -> pd.DataFrame:
    """The energy statistics of the carbon inventory, one row per indicator (``NEEDED_COLUMNS``).

    From ``ecoledger/data/carbon/energy_indicators.csv``: fuel consumption (combustion use, kg
    or m³), net electricity import and electricity use by sector (kWh), GDP (yuan). The English
    name is the platform catalogue's where it has one.
    """
    from ecoledger.carbon.inventory import energy_indicators  # the carbon package's own table

    catalogue = tables.indicators()
    notes = pd.read_csv(_energy_table(), dtype=str, keep_default_na=False).set_index("indicator")
    item, item_zh, item_en = ENERGY_ITEM
    rows = [{
        "indicator": i.indicator, "unit": i.canonical_unit, "name_zh": i.name_zh,
        "name_en": catalogue.at[i.indicator, "name_en"] if i.indicator in catalogue.index
        else i.indicator.replace("_", " "),
        "definition": notes.at[i.indicator, "note"], "items": item, "items_zh": item_zh,
        "items_en": item_en,
    } for i in energy_indicators().values()]
    return pd.DataFrame(rows, columns=list(NEEDED_COLUMNS))


def _energy_table() -> Path:
    from ecoledger.carbon.factors import data_path

    return data_path("energy_indicators.csv")


def template_rows(units: pd.DataFrame, year: int, needed: pd.DataFrame) -> pd.DataFrame:
    """One row per unit (``units``: code, name) × needed indicator, value and provenance empty.

    The unit is the indicator's canonical unit; any unit of ``data/units.csv`` that converts to
    it (亿元, 万人 …) may replace it when the value is written in that unit.
    """
    rows = [{"code": code, "name": name, "year": str(year), "indicator": n.indicator, "value": "",
             "unit": n.unit, "source": "", "status": "", "method": "", "quote": ""}
            for code, name in zip(units["code"], units["name"], strict=True)
            for n in needed.itertuples()]
    return pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))


def bilingual_header(columns) -> list[str]:
    """``code 行政区划代码`` …: English for the parser, Chinese for the people filling it in."""
    return [f"{c} {HEADER_LABELS_ZH[c]}" if c in HEADER_LABELS_ZH else c for c in columns]


def template_csv_bytes(rows: pd.DataFrame) -> bytes:
    """The template as CSV: UTF-8 with a BOM (so Excel shows the Chinese), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(bilingual_header(rows.columns))
    writer.writerows(rows.astype(str).itertuples(index=False))
    return out.getvalue().encode("utf-8-sig")


def template_xlsx_bytes(rows: pd.DataFrame, needed: pd.DataFrame) -> bytes:
    """The template as a workbook: the rows on the first sheet (the one the parser reads), each
    indicator's definition, units and items on a second sheet ``说明 notes``."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = SHEET_DATA
    data.append(bilingual_header(rows.columns))
    for record in rows.astype(str).itertuples(index=False):
        data.append(list(record))
    text_columns = [i for i, c in enumerate(rows.columns, start=1) if c != "value"]
    for column in text_columns:  # text, so Excel keeps codes like 360124 and units like 1 as typed
        for cell in data.iter_rows(min_row=2, min_col=column, max_col=column):
            cell[0].number_format = "@"
    _style_sheet(data, [14, 14, 8, 30, 14, 14, 30, 12, 30, 30])
    notes = workbook.create_sheet(SHEET_NOTES)
    notes.append(["indicator 指标代码", "name_zh 中文名称", "name_en English name",
                  "unit 标准单位", "accepted units 可用单位", "maximum 上限", "items 用于核算科目",
                  "definition 说明"])
    catalogue = tables.indicators()
    for n in needed.itertuples():
        # energy rows the platform catalogue lacks (electricity use by sector) have no maximum
        maximum = catalogue.at[n.indicator, "maximum"] if n.indicator in catalogue.index else None
        notes.append([n.indicator, n.name_zh, n.name_en, n.unit,
                      "、".join(tables.known_units_for(n.unit)),
                      "" if maximum is None or pd.isna(maximum) else f"{maximum:g}", n.items_zh,
                      n.definition])
    notes.append([])
    notes.append(["status 数据状态: reported（公开发布值，默认）| derived（按规则推算，须填 method）| "
                  "allocated（由上级分摊，须填 method）; quote: 来源原文摘录"])
    _style_sheet(notes, [30, 20, 30, 14, 30, 10, 30, 60])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _style_sheet(sheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def write_template(path: str | Path, rows: pd.DataFrame, needed: pd.DataFrame,
                   xlsx=None) -> Path:
    """Write the template as .xlsx or .csv (by ``path``'s suffix), atomically; ``xlsx(rows,
    needed) -> bytes`` writes the workbook (default ``template_xlsx_bytes``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path.name}: the template is written as .xlsx or .csv")
    content = (xlsx or template_xlsx_bytes)(rows, needed) if suffix == ".xlsx" else template_csv_bytes(rows)
    write_atomically(path, content)
    return path


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary sibling and rename it over ``path``: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def drop_unfilled(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the template rows nobody filled in (value and provenance all empty)."""
    typed = [c for c in FILLED_COLUMNS if c in table.columns]
    if not typed:
        return table
    text = table[typed].astype("string").fillna("").apply(lambda c: c.str.strip())
    return table[(text != "").any(axis=1)]


def completed_items(rows: pd.DataFrame, profile: str, basis: str | None = None,
                    existing: pd.DataFrame | None = None, not_applicable=()) -> pd.DataFrame:
    """Items each unit and year can be computed for with ``rows`` and not without them.

    ``rows`` and ``existing`` (the statistics already in place; None: none) have columns code,
    year and indicator (rows with an empty value are ignored). Statistics items are completed
    outright; purification items (``air_purification_*``, ``water_purification_*``) are
    completed on the statistics side (the load that caps them; the raster layers are needed
    too); ``gep_to_gdp`` and ``gep_per_capita`` are the summary ratios. Allocation of a parent's
    figure to its children is not modelled: a parent's row completes the parent.
    Columns: code, year, item, name_zh, name_en, indicators (the rows' indicators it uses).
    """
    chosen = tables.profile(profile)
    needs = requirements(chosen, basis, not_applicable)
    names = _item_names()
    before = _indicators_by_unit(existing)
    added = _indicators_by_unit(rows)
    found = []
    for (code, year), new in sorted(added.items()):
        old = before.get((code, year), set())
        for item, need in needs.items():
            if _satisfied(need, old) or not _satisfied(need, old | new):
                continue
            used = sorted(set().union(*(a for a in need.alternatives if a <= old | new)) & new)
            found.append({"code": code, "year": year, "item": item, "name_zh": names[item][0],
                          "name_en": names[item][1], "indicators": ", ".join(used)})
    return pd.DataFrame(found, columns=["code", "year", "item", "name_zh", "name_en",
                                        "indicators"])


def _satisfied(need: Requirement, available: set[str]) -> bool:
    return any(alternative <= available for alternative in need.alternatives)


def _indicators_by_unit(rows: pd.DataFrame | None) -> dict[tuple[str, int], set[str]]:
    """(code, year) → indicators with a value."""
    if rows is None or rows.empty:
        return {}
    frame = rows
    if "value" in frame.columns:
        frame = frame[frame["value"].astype("string").fillna("").str.strip() != ""]
    out: dict[tuple[str, int], set[str]] = {}
    for code, year, indicator in zip(frame["code"].astype(str).str.strip(),
                                     pd.to_numeric(frame["year"], errors="coerce"),
                                     frame["indicator"].astype(str).str.strip(), strict=True):
        if pd.notna(year):
            out.setdefault((code, int(year)), set()).add(indicator)
    return out
