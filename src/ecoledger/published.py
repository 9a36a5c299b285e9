"""Our accounts next to a published account of the same unit and year, with the cause of every
difference beyond ``TOLERANCE`` (``tables/comparison_published.csv`` and the report section).

Published figures live in ``data/published_gep.csv`` (total and group shares, with source).
Causes are stated from what the run itself records — which items are missing, partial or valued
on another basis, which item dominates — plus the cited reasons of ``KNOWN_CAUSES``. No
parameter is ever tuned towards a published value.
"""

from __future__ import annotations

import pandas as pd

from ecoledger import tables
from ecoledger.ecosystems import ALL

TOLERANCE = 0.15
YI = 1e8
COLUMNS = ["adcode", "name", "year", "published_year", "measure", "published_yi_yuan",
           "ours_yi_yuan", "ratio", "within_15pct", "ours_status", "cause_en", "cause_zh",
           "published_source"]
# Reasons that are not visible in the run's own rows, each with its source.
KNOWN_CAUSES = {
    "regulating": (
        "Climate regulation prices all latent heat of transpiration and evaporation on hot days "
        "as air-conditioning electricity (博文静 et al. 2017; MEE 2020 guideline; method notes "
        "§6.2.9), so its physical quantity is set by the forest area, hot days and ET of the "
        "derived layers (pack metadata.json); the published account's item values and inputs "
        "are not stated in its abstract (data/published_gep.csv), so the difference cannot be "
        "split further. Purification items are not counted without emission statistics.",
        "气候调节将高温日蒸腾与蒸发的全部潜热按空调用电计价（博文静等 2017；生态环境部 2020 指南；"
        "方法说明 §6.2.9），其实物量取决于推算图层中的森林面积、高温日数与蒸散（见数据包 "
        "metadata.json）；已发表核算的摘要未给出分项数值与输入（data/published_gep.csv），差异无法"
        "进一步分解。无排放统计时不计净化类项目。"),
    "cultural": (
        "Recreation counts the whole 2019 tourism revenue (derived from the 2021 bulletin's "
        "stated ratio to 2019), nature-based or not, as travel cost; the published account's "
        "share of tourism attributed to ecosystems is not stated in its abstract.",
        "休闲旅游以 2019 年全部旅游收入（由 2021 年公报所述与 2019 年之比推算）作为旅行费用，"
        "未区分是否依托生态系统；已发表核算摘要未说明其归属生态系统的旅游份额。"),
    "provisioning": (
        "The four farm sectors are valued at 2019 value added (net output): the 2019 gross output "
        "(农林牧渔业总产值) is not in the stored sources (data/jiangxi/statistics-2019/README.md), "
        "while the published account, following the NDRC norm, presumably uses gross output.",
        "农林牧渔四业按 2019 年增加值（净产值）计：所存资料中无 2019 年农林牧渔业总产值"
        "（data/jiangxi/statistics-2019/README.md），而已发表核算按国家规范应采用总产值。"),
}


def published_figures() -> pd.DataFrame:
    with tables.data_path("published_gep.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"adcode": str})


def comparison(accounts: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows for the total and each group of every unit with a published figure of ``year``."""
    published = published_figures()
    published = published[published["year"] == year]
    totals = accounts[accounts["ecosystem"] == ALL]
    rows = []
    for figure in published.itertuples():
        unit = totals[totals["adcode"] == figure.adcode]
        if unit.empty:
            continue
        name = unit["name"].iloc[0]
        ours_total = unit["value_yuan"].sum(min_count=1)
        measures = [("gep", figure.gep_yi_yuan, ours_total, unit)]
        for group in tables.GROUPS:
            share = getattr(figure, f"{group}_share")
            if pd.notna(share):
                part = unit[unit["group"] == group]
                measures.append((group, figure.gep_yi_yuan * share, part["value_yuan"].sum(min_count=1),
                                 part))
        for measure, theirs, ours, part in measures:
            ratio = ours / YI / theirs if pd.notna(ours) and theirs else float("nan")
            within = bool(abs(ratio - 1) <= TOLERANCE) if pd.notna(ratio) else False
            cause_en, cause_zh = ("", "") if within else _cause(measure, part)
            rows.append({"adcode": figure.adcode, "name": name, "year": year,
                         "published_year": figure.year, "measure": measure,
                         "published_yi_yuan": theirs, "ours_yi_yuan": ours / YI, "ratio": ratio,
                         "within_15pct": within, "ours_status": _statuses(part),
                         "cause_en": cause_en, "cause_zh": cause_zh,
                         "published_source": figure.source})
    return pd.DataFrame(rows, columns=COLUMNS)


def _statuses(part: pd.DataFrame) -> str:
    counts = part["data_status"].value_counts()
    return ", ".join(f"{status} {n}" for status, n in counts.items())


def _cause(measure: str, part: pd.DataFrame) -> tuple[str, str]:
    """The run's own evidence for a difference (missing, partial, dominant items) and the
    known causes of the groups it covers."""
    values = part.groupby("item")["value_yuan"].sum(min_count=1)
    total = values.sum()
    names = part.drop_duplicates("item").set_index("item")["item_zh"]
    catalogue = tables.items()["name_en"]
    names_en = {i: catalogue.get(i, names[i]) for i in names.index}
    missing = part.loc[part["data_status"] == "missing", "item"].tolist()
    partial = part.loc[part["data_status"] == "partial", "item"].tolist()
    top = [(i, v) for i, v in values.sort_values(ascending=False).head(2).items() if pd.notna(v) and total]
    dominant_zh = "; ".join(f"{names[i]} {v / YI:,.0f} 亿元 ({v / total:.0%})" for i, v in top)
    dominant_en = "; ".join(f"{names_en[i]} {v / YI:,.0f} × 10⁸ yuan ({v / total:.0%})" for i, v in top)
    en = [f"largest items: {dominant_en}"] if top else []
    zh = [f"最大项：{dominant_zh}"] if top else []
    if missing:
        en.append(f"missing (not counted): {', '.join(names_en[i] for i in missing)}")
        zh.append(f"缺失（未计入）：{'、'.join(names[i] for i in missing)}")
    if partial:
        en.append(f"partial: {', '.join(names_en[i] for i in partial)}")
        zh.append(f"部分合计：{'、'.join(names[i] for i in partial)}")
    groups = tables.GROUPS if measure == "gep" else [measure]
    for group in groups:
        if group in KNOWN_CAUSES and group in set(part["group"]):
            en.append(KNOWN_CAUSES[group][0])
            zh.append(KNOWN_CAUSES[group][1])
    return " ".join(f"{s}." if not s.endswith(".") else s for s in en), "；".join(zh)
