"""Report tables that hold the account against the official record: ours vs the published
account with the cause of each difference, physical quantities vs known totals, negative values
and their reasons, land cover vs the land survey."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoledger import messages
from ecoledger.ecosystems import ALL
from ecoledger.report import numbers, words
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import RunOutputs
from ecoledger.report.sections import Table

# Why an item may be negative, by the method's rule (method notes §6.2.5): report.negative.<item>
NEGATIVE_REASONS = ("carbon_sequestration",)


def _csv(data: RunOutputs, name: str) -> pd.DataFrame | None:
    path = Path(data.folder) / "tables" / name
    return pd.read_csv(path, dtype={"adcode": str}) if path.is_file() else None


def comparison_published(data: RunOutputs, t: Translator) -> Table | None:
    rows = _csv(data, "comparison_published.csv")
    if rows is None or rows.empty:
        return None
    zh = t.lang == "zh"
    table = Table(t("published_title"),
                  [t("name"), t("measure"), t("published") + f' ({t("yi_yuan")})',
                   t("ours") + f' ({t("yi_yuan")})', t("ratio"), t("status"),
                   t("cause")], numeric=frozenset({2, 3, 4}))
    for row in rows.itertuples():
        measure = t("gep") if row.measure == "gep" else t.group(row.measure)
        table.rows.append([row.name, measure, numbers.yi(row.published_yi_yuan * numbers.YI),
                           numbers.yi(row.ours_yi_yuan * numbers.YI), numbers.ratio(row.ratio),
                           words.statuses(row.ours_status, t),
                           "" if pd.isna(row.cause_en) else
                           words.marked(row.cause_zh if zh else row.cause_en)])
        table.row_classes.append("" if row.within_15pct else "missing")
    return table


def plausibility(data: RunOutputs, t: Translator) -> Table | None:
    rows = _csv(data, "plausibility.csv")
    if rows is None or rows.empty:
        return None
    zh = t.lang == "zh"
    table = Table(t("plausibility_title"),
                  [t("name"), t("check"), t("quantity"), t("unit"), t("known_total"), t("year"),
                   t("ratio"), t("explanation"), t("source")], numeric=frozenset({2, 4, 6}))
    for row in rows.itertuples():
        table.rows.append([row.name, words.marked(row.check), numbers.quantity(row.quantity),
                           words.marked(row.unit), numbers.quantity(row.reference),
                           str(row.reference_year), numbers.ratio(row.ratio),
                           words.marked(row.explanation_zh if zh else row.explanation_en),
                           words.foreign(row.reference_source, t.lang)])
        table.row_classes.append("missing" if row.flagged else "")
    return table


def negative_values(data: RunOutputs, t: Translator) -> Table | None:
    rows = data.accounts[(data.accounts["ecosystem"] == ALL) & (data.accounts["value_yuan"] < 0)]
    totals = data.accounts[data.accounts["ecosystem"] == ALL].groupby("adcode")["value_yuan"].sum()
    negative_units = set(totals[totals < 0].index)
    if rows.empty:
        return None
    table = Table(t("negative_title"), [t("name"), t("item"), t("value_yi"), "GEP < 0", t("reason")],
                  numeric=frozenset({2}))
    for row in rows.itertuples():
        reason = row.item in NEGATIVE_REASONS
        text = t(f"negative.{row.item}") if reason else t("no_reason")
        table.rows.append([row.name, t.item(row.item), numbers.yi(row.value_yuan),
                           "✔" if row.adcode in negative_units else "", text])
        table.row_classes.append("" if reason else "missing")
    return table


def landcover_check(data: RunOutputs, t: Translator) -> Table | None:
    path = Path(data.pack_root) / "landcover_check.csv"
    if not path.is_file():
        return None
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    # a column given in both languages (official_indicator_zh / _en) is shown in the page's one
    other = "_en" if t.lang == "zh" else "_zh"
    rows = rows[[c for c in rows.columns if not c.endswith(other)]]
    rows.columns = [c.removesuffix(f"_{t.lang}") for c in rows.columns]
    headers = [t(f"lc.{c}") if f"report.lc.{c}" in messages.CATALOGUE else c for c in rows.columns]
    table = Table(t("landcover_title"), headers, numeric=frozenset())
    for row in rows.itertuples(index=False):
        table.rows.append([_landcover_cell(column, str(v), t) for column, v in zip(rows.columns, row,
                                                                                    strict=True)])
        table.row_classes.append("")
    return table


def _landcover_cell(column: str, value: str, t: Translator):
    """A cell of the land-cover check: flags as yes/no, ecosystems by name, the pack's own English
    text (the official indicator's description, the source) marked as English."""
    if value in ("True", "False"):
        return t("yes" if value == "True" else "no")
    if column == "ecosystem":
        return t.ecosystem(value)
    if column in ("unit", "adcode"):
        return value
    return words.localized(value, t.lang)


def tables(data: RunOutputs, t: Translator) -> list[Table]:
    """The fidelity tables this run has (each is left out when its input is absent)."""
    built = [comparison_published(data, t), plausibility(data, t), negative_values(data, t),
             landcover_check(data, t)]
    return [table for table in built if table is not None]
