"""Report tables that hold the account against the official record: ours vs the published
account with the cause of each difference, physical quantities vs known totals, negative values
and their reasons, land cover vs the land survey."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoledger.ecosystems import ALL
from ecoledger.report import numbers
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import RunOutputs
from ecoledger.report.sections import Table

# Why an item may be negative, by the method's rule (method notes §6.2.5).
NEGATIVE_REASONS = {
    "carbon_sequestration": (
        "净生态系统生产力 NEP = NPP − 土壤异养呼吸为负：该单位的生态系统为净碳源（耕地与稀疏植被上"
        "Miami NPP × 植被覆盖度低于 Pei 等 2010 的异养呼吸）；按方法保留其符号，计为负值",
        "net ecosystem production NEP = NPP − soil heterotrophic respiration is negative: the "
        "unit's ecosystems are a net carbon source (on cropland and sparse vegetation Miami NPP × "
        "vegetation cover is below Pei et al. 2010 respiration); the method keeps the sign"),
}


def _csv(data: RunOutputs, name: str) -> pd.DataFrame | None:
    path = Path(data.folder) / "tables" / name
    return pd.read_csv(path, dtype={"adcode": str}) if path.is_file() else None


def comparison_published(data: RunOutputs, t: Translator) -> Table | None:
    rows = _csv(data, "comparison_published.csv")
    if rows is None or rows.empty:
        return None
    zh = t.lang == "zh"
    table = Table(("与已发表核算对照（差异超过 ±15 % 的原因）" if zh else
                   "Against the published account (cause of each difference beyond ±15 %)"),
                  [t("name"), "科目" if zh else "measure", t("published") + f' ({t("yi_yuan")})',
                   t("ours") + f' ({t("yi_yuan")})', t("ratio"), t("status"),
                   "原因" if zh else "cause"], numeric=frozenset({2, 3, 4}))
    for row in rows.itertuples():
        measure = t("gep") if row.measure == "gep" else t.group(row.measure)
        table.rows.append([row.name, measure, numbers.yi(row.published_yi_yuan * numbers.YI),
                           numbers.yi(row.ours_yi_yuan * numbers.YI), numbers.ratio(row.ratio),
                           str(row.ours_status),
                           "" if pd.isna(row.cause_en) else (row.cause_zh if zh else row.cause_en)])
        table.row_classes.append("" if row.within_15pct else "missing")
    return table


def plausibility(data: RunOutputs, t: Translator) -> Table | None:
    rows = _csv(data, "plausibility.csv")
    if rows is None or rows.empty:
        return None
    zh = t.lang == "zh"
    table = Table("实物量与已知总量核对" if zh else "Physical quantities against known totals",
                  [t("name"), "核对" if zh else "check", "实物量" if zh else "quantity", t("unit"),
                   "已知总量" if zh else "known total", "年份" if zh else "year", t("ratio"),
                   "说明" if zh else "explanation", t("source")], numeric=frozenset({2, 4, 6}))
    for row in rows.itertuples():
        table.rows.append([row.name, row.check, numbers.quantity(row.quantity), row.unit,
                           numbers.quantity(row.reference), str(row.reference_year),
                           numbers.ratio(row.ratio),
                           row.explanation_zh if zh else row.explanation_en, row.reference_source])
        table.row_classes.append("missing" if row.flagged else "")
    return table


def negative_values(data: RunOutputs, t: Translator) -> Table | None:
    rows = data.accounts[(data.accounts["ecosystem"] == ALL) & (data.accounts["value_yuan"] < 0)]
    zh = t.lang == "zh"
    totals = data.accounts[data.accounts["ecosystem"] == ALL].groupby("adcode")["value_yuan"].sum()
    negative_units = set(totals[totals < 0].index)
    if rows.empty:
        return None
    table = Table("负值及其原因" if zh else "Negative values and their reasons",
                  [t("name"), t("item"), t("value_yi"), "GEP < 0", "原因" if zh else "reason"],
                  numeric=frozenset({2}))
    for row in rows.itertuples():
        reason = NEGATIVE_REASONS.get(row.item)
        text = (reason[0] if zh else reason[1]) if reason else (
            "未说明原因：须查明" if zh else "no stated reason: a defect to find")
        table.rows.append([row.name, t.item(row.item), numbers.yi(row.value_yuan),
                           "✔" if row.adcode in negative_units else "", text])
        table.row_classes.append("missing" if reason is None else "")
    return table


def landcover_check(data: RunOutputs, t: Translator) -> Table | None:
    path = Path(data.pack_root) / "landcover_check.csv"
    if not path.is_file():
        return None
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    zh = t.lang == "zh"
    table = Table("土地覆被与官方数据对照（百分点）" if zh else
                  "Land cover against the official record (percentage points)",
                  list(rows.columns), numeric=frozenset())
    for row in rows.itertuples(index=False):
        table.rows.append([str(v) for v in row])
        table.row_classes.append("")
    return table


def tables(data: RunOutputs, t: Translator) -> list[Table]:
    """The fidelity tables this run has (each is left out when its input is absent)."""
    built = [comparison_published(data, t), plausibility(data, t), negative_values(data, t),
             landcover_check(data, t)]
    return [table for table in built if table is not None]
