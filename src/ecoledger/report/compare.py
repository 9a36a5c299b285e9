"""Our GEP next to published figures for the same region (``data/published_gep.csv``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ecoledger import messages, tables
from ecoledger.ecosystems import ALL
from ecoledger.published import published_figures
from ecoledger.report import numbers
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import RunOutputs
from ecoledger.report.sections import Table


@dataclass
class Comparison:
    published: dict  # the row of published_gep.csv
    table: Table
    year_note: str
    explanation: list[str]


def comparisons(data: RunOutputs, t: Translator) -> list[Comparison]:
    """One comparison per unit that a published figure matches by adcode or name (nearest year)."""
    published = published_figures()
    year = data.summary["year"]
    found = []
    for code, unit in data.units_summary.iterrows():
        names = {unit["name"]}
        if code in data.roots:
            names |= {data.region_name("en"), data.region_name("zh")}
        names = {name.casefold() for name in names if name}
        rows = published[(published["adcode"] == code) | published["region"].str.casefold().isin(names)]
        if not rows.empty:
            nearest = rows.loc[(rows["year"] - year).abs().idxmin()].to_dict()
            found.append(_compare(data, code, unit, _localized(nearest, t), t))
    return found


def _localized(published: dict, t: Translator) -> dict:
    """The published row's own text (method, source, note) in the page language: ``*_zh`` columns on
    a Chinese page, the confidence word from the catalogue."""
    row = dict(published)
    if t.lang == "zh":
        for column in ("method", "source", "note"):
            zh = row.get(f"{column}_zh")
            if isinstance(zh, str) and zh:
                row[column] = zh
    key = f"confidence.{row.get('confidence')}"
    if key in messages.CATALOGUE:
        row["confidence"] = t.message(key)
    return row


def _compare(data: RunOutputs, code: str, unit: pd.Series, published: dict, t: Translator) -> Comparison:
    year = data.summary["year"]
    ours_yi = unit["gep"] / numbers.YI
    caption = f'{unit["name"]} · {t("published")}{t("sep")}{published["region"]}'
    table = Table(caption, ["", f'{t("published")} ({published["year"]})', f'{t("ours")} ({year})',
                            t("difference")], numeric=frozenset({1, 2, 3}))
    table.rows.append([f'{t("gep")} ({t("yi_yuan")})', f'{published["gep_yi_yuan"]:,.2f}',
                       f"{ours_yi:,.2f}", f'{t("ratio")} {ours_yi / published["gep_yi_yuan"]:.3g}'])
    differences = []
    for group in tables.GROUPS:
        ours, theirs = unit[group] / unit["gep"], published[f"{group}_share"]
        difference = (ours - theirs) * 100
        table.rows.append([t.group(group), numbers.share(theirs), numbers.share(ours),
                           numbers.DASH if pd.isna(difference) else f'{difference:+.2f} {t("pp")}'])
        if not pd.isna(difference):
            differences.append(f"{t.group(group)} {difference:+.2f}")
    table.row_classes = [""] * len(table.rows)
    if published["year"] == year:
        year_note = t("same_year", year=year)
    else:
        year_note = t("year_note", published=published["year"], ours=year)
    return Comparison(published, table, year_note,
                      _explain(data, code, unit, published, differences, t))


def _explain(data: RunOutputs, code: str, unit: pd.Series, published: dict, differences: list[str],
             t: Translator) -> list[str]:
    """Sentences on the likely reasons of the gap, from our own figures."""
    ours_yi = unit["gep"] / numbers.YI
    lines = [t("gap_ratio", ratio=ours_yi / published["gep_yi_yuan"], ours=f"{ours_yi:,.2f}",
               published=f'{published["gep_yi_yuan"]:,.2f}')]
    if differences:
        lines.append(t("gap_shares", diffs=t.join(differences)))
    rows = data.accounts[(data.accounts["adcode"] == code) & (data.accounts["ecosystem"] == ALL)]
    missing = rows.loc[rows["data_status"] == "missing", "item"]
    if not missing.empty:
        lines.append(t("gap_missing", items=t.join(map(t.item, missing))))
    largest = rows.dropna(subset="value_yuan").nlargest(3, "value_yuan")
    lines.append(t("gap_largest", items=t.join(
        f"{t.item(r.item)} {r.value_yuan / unit['gep']:.1%}" for r in largest.itertuples())))
    climate = rows.loc[rows["service"] == "climate_regulation", "value_yuan"].sum()
    if unit["regulating"] > 0 and climate > 0:
        lines.append(t("gap_climate", share=climate / unit["regulating"]))
    lines.append(t("gap_method", published=published["method"], ours=data.run.get("profile_title", "")))
    return lines
