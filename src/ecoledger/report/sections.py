"""The report's tables, built from a run's outputs as rows of formatted text."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ecoledger import messages, tables
from ecoledger.ecosystems import ALL, ECOSYSTEMS, UNATTRIBUTED
from ecoledger.report import numbers, words
from ecoledger.report.i18n import STATUSES, Translator
from ecoledger.report.inputs import RunOutputs


@dataclass
class Table:
    """A table as the template draws it: headers, text cells, right-aligned numeric columns."""

    caption: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    row_classes: list[str] = field(default_factory=list)  # a CSS class per row ("" for none)

    WIDE = 8  # columns from which a table is set in a smaller font

    @property
    def wide(self) -> bool:
        return len(self.headers) >= self.WIDE

    @property
    def widths(self) -> list[float]:
        """Column widths in % of the table (the template sets ``table-layout: fixed``).

        Numbers and short cells (up to 8 character widths; CJK counts two) get the width they need
        unbroken; text columns share the rest by the length of their longest cell (capped at 40),
        wrapping within it. When even the unbroken widths exceed the page, all shrink alike.
        """
        def chars(text: str) -> int:
            return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

        available = 186 * 96 / 25.4 / (10 if self.wide else 12)  # A4 text width in em of the font
        needed, wanted = [], []
        for i, header in enumerate(self.headers):
            cells = [str(row[i]) for row in self.rows if i < len(row)]
            longest = max(map(chars, cells), default=0)
            head = min(max(map(chars, str(header).split()), default=0), 8)  # headers wrap
            if i in self.numeric or longest <= 8:
                needed.append(0.56 * max(longest, head, 3) + 0.9)
                wanted.append(0.0)
            else:
                needed.append(0.56 * 8 + 0.9)
                wanted.append(0.56 * (min(longest, 40) - 8))
        spare = available - sum(needed)
        if spare > 0 and sum(wanted) > 0:
            widths = [n + spare * w / sum(wanted) for n, w in zip(needed, wanted, strict=True)]
        else:
            widths = needed
        total = sum(widths) or 1
        return [round(100 * w / total, 2) for w in widths]


def values_by_item(data: RunOutputs, t: Translator) -> Table:
    """T5 for the region: physical quantity, unit, price, value and status of every item."""
    table = Table(t("t5", region=data.region_name(t.lang)),
                  [t("item"), t("group"), t("physical_value"), t("unit"), t("unit_price"),
                   t("price_unit"), t("value_yi"), t("share_of_gep"), t("status")],
                  numeric=frozenset({2, 4, 6, 7}))
    gep = data.summary["gep_yuan"]
    for row in data.region_rows.itertuples():
        table.rows.append([
            t.item(row.item), t.group(row.group), numbers.quantity(row.physical_value),
            words.unit(_text(row.physical_unit), t.lang), numbers.quantity(row.unit_price),
            words.unit(_text(row.price_unit), t.lang),
            numbers.yi(row.value_yuan), numbers.share(row.value_yuan / gep if gep else None),
            t.status(row.data_status)])
        table.row_classes.append(row.data_status)
    return table


def summary_by_unit(data: RunOutputs, t: Translator) -> Table:
    """T6: groups, GEP, GDP, GEP/GDP, area and GEP per km² of every unit."""
    table = Table(t("t6"),
                  [t("name"), t("code"), t("level"), *(t.group(g) for g in tables.GROUPS),
                   f'{t("gep")} ({t("yi_yuan")})', t("gdp_yi"), t("gep_to_gdp"), f'{t("area")} (km²)',
                   f'{t("gep_per_km2")} ({t("wan_yuan_per_km2")})'],
                  numeric=frozenset(range(3, 11)))
    for code, row in data.units_summary.iterrows():
        table.rows.append([
            row["name"], code, t.level(row["level"]), *(numbers.yi(row[g]) for g in tables.GROUPS),
            numbers.yi(row["gep"]), numbers.yi(row.get("gdp")), numbers.ratio(row.get("gep_to_gdp")),
            numbers.quantity(row["area_km2"]), numbers.quantity(row["gep_per_km2"] / numbers.WAN)])
        table.row_classes.append(row["level"])
    return table


def extent(data: RunOutputs, t: Translator) -> Table:
    """T1: km² of each ecosystem type per unit."""
    ecosystems = [c.removesuffix("_km2") for c in data.extent.columns
                  if c.endswith("_km2") and c != "total_km2"]
    table = Table(t("t1"), [t("name"), t("level"), *map(t.ecosystem, ecosystems), t("total")],
                  numeric=frozenset(range(2, len(ecosystems) + 3)))
    for row in data.extent.itertuples(index=False):
        row = row._asdict()
        table.rows.append([row["name"], t.level(row["level"]),
                           *(numbers.quantity(row[f"{e}_km2"]) for e in [*ecosystems, "total"])])
        table.row_classes.append(row["level"])
    return table


def region_by_ecosystem(data: RunOutputs) -> pd.DataFrame:
    """Value (yuan) of the region by item (rows) and ecosystem type (columns), from T7."""
    t7 = data.by_ecosystem[data.by_ecosystem["adcode"].isin(data.roots)]
    values = t7.drop(columns="adcode").groupby("item").sum(min_count=1)
    columns = [e for e in [*ECOSYSTEMS, UNATTRIBUTED] if e in values.columns]
    return values.reindex(index=data.region_rows["item"], columns=columns)


def by_ecosystem(data: RunOutputs, t: Translator) -> Table:
    """T7 for the region: value of each item by ecosystem type, with a total row."""
    values = region_by_ecosystem(data)
    values = values.loc[values.notna().any(axis=1), values.notna().any(axis=0)]
    table = Table(t("t7", region=data.region_name(t.lang)),
                  [t("item"), *map(t.ecosystem, values.columns), t("total")],
                  numeric=frozenset(range(1, len(values.columns) + 2)))
    for item, row in values.iterrows():
        table.rows.append([t.item(item), *map(numbers.yi, row), numbers.yi(row.sum())])
    totals = values.sum()
    table.rows.append([t("total"), *map(numbers.yi, totals), numbers.yi(totals.sum())])
    table.row_classes = [""] * (len(table.rows) - 1) + ["total"]
    return table


def parameters(data: RunOutputs, t: Translator) -> Table:
    """The parameters the run used (T4) with their sources."""
    columns = ["parameter", "key", "value", "unit", "price_year", "index", "source", "confidence"]
    table = Table(t("t4"), [*(t(c) for c in columns), t("param_note")], numeric=frozenset({2}))
    prices = data.prices.reindex(columns=[*columns, "source_zh", "note", "note_zh"], fill_value="")
    for row in prices.itertuples(index=False):
        value = pd.to_numeric(row.value, errors="coerce")
        key = words.key(row.key, t.lang, t.ecosystem)
        confidence = (t.message(f"confidence.{row.confidence}")
                      if f"confidence.{row.confidence}" in messages.CATALOGUE else row.confidence)
        note = row.note_zh if t.lang == "zh" and row.note_zh else words.localized(row.note, t.lang)
        table.rows.append([words.marked(row.parameter), key,
                           row.value if pd.isna(value) else numbers.quantity(value),
                           words.unit(row.unit, t.lang),
                           row.price_year, words.marked(f"`{row.index}`" if row.index else ""),
                           words.source(row.source, row.source_zh, t.lang),
                           confidence, note])
    table.row_classes = [""] * len(table.rows)
    return table


def item_status(data: RunOutputs, t: Translator) -> Table:
    """Per item: how many units have each data status, and the notes given."""
    rows = data.accounts[data.accounts["ecosystem"] == ALL]
    counts = rows.pivot_table(index="item", columns="data_status", values="adcode", aggfunc="count",
                              sort=False).reindex(columns=list(STATUSES)).fillna(0).astype(int)
    table = Table(t("item_status"), [t("item"), *map(t.status, STATUSES), t("notes")],
                  numeric=frozenset(range(1, len(STATUSES) + 1)))
    for item, group in rows.groupby("item", sort=False):
        notes = pd.Series([words.note(r, t.lang) for r in group.itertuples()]).replace("", None)
        table.rows.append([t.item(item), *map(str, counts.loc[item]),
                           words.marked(_first_notes(notes.dropna().unique(), t))])
        table.row_classes.append("missing" if counts.at[item, "missing"] else "")
    return table


def _first_notes(notes, t: Translator, shown: int = 3) -> str:
    """The first ``shown`` distinct notes and how many more there are (the full notes of every
    unit are in accounts.csv), so that one row never outgrows a page."""
    text = t("notes_sep").join(notes[:shown])
    return text + t("more_notes", n=len(notes) - shown) if len(notes) > shown else text


def layers(data: RunOutputs, t: Translator) -> Table:
    """Each input layer of the run: what it is, its source, and for derived layers the method."""
    table = Table(t("layers"), [t("layer"), t("input"), t("source"), t("method"), t("status")])
    for name, spec in data.run["layers"].items():
        kind = next(k for k in ("file", "constant", "by_landcover") if k in spec)
        derived = spec["status"] == "derived"
        localized = spec.get("method_zh") if t.lang == "zh" else None
        method = localized or spec.get("method") or (t("no_method") if derived else "")
        table.rows.append([words.marked(f"`{name}`"),
                           words.marked(f'{t("layer_kind." + kind)}{t("sep")}`{spec[kind]}`'),
                           words.source(spec.get("source", ""), spec.get("source_zh"), t.lang),
                           words.localized(method, t.lang), t.status(spec["status"])])
        table.row_classes.append(spec["status"])
    return table


def missing_items(data: RunOutputs, t: Translator) -> Table:
    """Items missing in the region with the reason and the data that would fill them."""
    table = Table(t("missing_title"), [t("item"), t("notes"), t("fill")])
    missing = data.region_rows[data.region_rows["data_status"] == "missing"]
    for row in missing.itertuples():
        table.rows.append([t.item(row.item), words.marked(words.note(row, t.lang)),
                           words.marked(_fill(_text(row.note), t))])
        table.row_classes.append("missing")
    return table


def _fill(note: str, t: Translator) -> str:
    if note.startswith("missing layers: "):
        layers = note.removeprefix("missing layers: ").split("; ")[0].split(", ")
        return t("fill_layers", layers=t.join(f"`{layer}`" for layer in layers))
    if note.startswith("statistic not reported"):
        return t("fill_statistic")
    return t("fill_as_noted")


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)
