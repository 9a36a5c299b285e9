"""The SEEA EA tables as CSV files in Chinese and English (``<table>.zh.csv``, ``<table>.en.csv``).

The tables are built with code column names and code values (``opening_extent``, ``forest``,
``ndvi_mean``); writing labels the columns and the coded values through the message catalogue
(``seea.*`` phrases, complete in both languages), and keeps numbers, unit codes, names and
sources as they are. Each output folder is written atomically (``atomic_directory``) with
``seea.json``: the inputs, the years, the grid and the notes in both languages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ecoledger import __version__
from ecoledger.atomic import atomic_directory
from ecoledger.ecosystems import ECOSYSTEMS
from ecoledger.messages import LANGUAGES, register, text
from ecoledger.seea.condition import REFERENCE_TABLE, VARIABLES, ConditionAccount, reference_bytes
from ecoledger.seea.extent import ENTRIES, TOTAL, ExtentAccount
from ecoledger.seea.scan import NONE

register({
    "adcode": ("行政区划代码", "adcode"),
    "name": ("单位名称", "unit name"),
    "level": ("级别", "level"),
    "entry": ("账户项目", "account entry"),
    "opening_type": ("期初类型（{opening}年）", "opening type ({opening})"),
    "ecosystem": ("生态系统类型", "ecosystem type"),
    "variable": ("状况变量", "condition variable"),
    "unit": ("计量单位", "unit of measure"),
    "opening": ("期初值（{opening}年）", "opening value ({opening})"),
    "closing": ("期末值（{closing}年）", "closing value ({closing})"),
    "change": ("变化", "change"),
    "source": ("数据来源", "source"),
    "direction": ("方向", "direction"),
    "reference_value": ("参照水平（指标 = 1）", "reference level (indicator 1)"),
    "zero_value": ("零值水平（指标 = 0）", "zero level (indicator 0)"),
    "reference_type": ("参照水平类型", "kind of reference level"),
    "reference_source": ("参照水平出处", "source of the reference level"),
    "reference_quote": ("出处原文", "quote"),
    "opening_index": ("期初指标（{opening}年，0–1）", "opening indicator ({opening}, 0–1)"),
    "closing_index": ("期末指标（{closing}年，0–1）", "closing indicator ({closing}, 0–1)"),
    "index_change": ("指标变化", "change of the indicator"),
    "no_index": ("缺少指标的原因", "why there is no indicator"),
    "references_for": ("有参照水平的单位", "units with a reference level"),
    "opening_indicators": ("期初计入的指标", "indicators in the opening index"),
    "closing_indicators": ("期末计入的指标", "indicators in the closing index"),
    "indicators_total": ("状况变量个数", "number of condition variables"),
    "without_reference": ("无参照水平的变量", "variables without a reference level"),
    "definition": ("定义", "definition"),
    "ecosystems": ("适用的生态系统类型", "ecosystem types"),
    "type_km2": ("{type}（km²）", "{type} (km²)"),
}, prefix="seea.column.")
register({
    "opening_extent": ("期初面积（{opening}年）", "opening extent ({opening})"),
    "additions": ("面积增加", "additions to extent"),
    "managed_expansion": ("其中：有管理的扩张", "of which managed expansion"),
    "unmanaged_expansion": ("其中：无管理的扩张", "of which unmanaged expansion"),
    "reductions": ("面积减少", "reductions in extent"),
    "managed_reduction": ("其中：有管理的减少", "of which managed reduction"),
    "unmanaged_reduction": ("其中：无管理的减少", "of which unmanaged reduction"),
    "net_change": ("面积净变化", "net change in extent"),
    "closing_extent": ("期末面积（{closing}年）", "closing extent ({closing})"),
}, prefix="seea.entry.")
register({
    "total": ("合计", "total"),
    "none": ("无生态系统类型", "no ecosystem type"),
    "province": ("省", "province"),
    "city": ("市", "city"),
    "county": ("县", "county"),
    "township": ("乡镇", "township"),
    "higher": ("越高越好", "higher is better"),
    "lower": ("越低越好", "lower is better"),
}, prefix="seea.word.")
register({
    "ndvi_mean": ("NDVI 均值", "mean NDVI"),
    "edge_density": ("边缘密度（破碎度）", "edge density (fragmentation)"),
    "forest_share": ("森林面积占比", "forest share"),
    "records_sections_I_III_share": ("监测记录中 Ⅰ–Ⅲ 类断面占比", "sections in classes I–III (records)"),
    "records_sections_worse_than_V_share": ("监测记录中劣Ⅴ类断面占比",
                                            "sections worse than class V (records)"),
    "reported_sections_I_III_share": ("地表水断面水质优良（Ⅰ–Ⅲ 类）比例（公报）",
                                      "surface-water sections in classes I–III (reported)"),
    "national_sections_I_III_share": ("国考断面水质优良（Ⅰ–Ⅲ 类）比例（公报）",
                                      "national assessed sections in classes I–III (reported)"),
    "poyang_points_I_III_share": ("鄱阳湖点位水质优良比例（公报）",
                                  "Poyang Lake points in classes I–III (reported)"),
}, prefix="seea.variable.")
register({
    "ndvi_mean": (
        "该类型像元的 NDVI 平均值（按面积加权）；超过一半面积缺少 NDVI 时记为缺失。"
        "江西数据包用 BESS 年最大值与"
        "最小值气候态之平均，两年相同，均值的变化只来自该类型像元的变化。",
        "area-weighted mean NDVI of the type's cells; missing where more than half of its area "
        "has no NDVI. For the Jiangxi pack the mean of the BESS annual maximum and minimum "
        "climatology, the same in both years: a change of the mean comes from the type's cells "
        "only."),
    "edge_density": (
        "该类型与其他类型相邻的像元边长（m）除以该类型面积（ha）；与无类型像元（区外、无数据）相邻的边不计。"
        "1 km 网格上孤立的一个像元为 40 m/ha，大而紧凑的斑块趋近于 0。",
        "length (m) of the type's cell sides shared with another type, per hectare of the type; "
        "sides next to cells without a type (outside, no data) are not counted. On a 1 km grid "
        "a lone cell has 40 m/ha, a large compact patch tends to 0."),
    "forest_share": ("森林类型面积占单位内各生态系统类型总面积的百分比。",
                     "forest area as a percentage of the unit's area of ecosystem types."),
    "records_sections_I_III_share": (
        "按 GB 3838-2002 单因子评价（各断面年均值）评为 Ⅰ–Ⅲ 类的断面占比；"
        "断面计入其 `city` 所指单位、其上级单位和全区。",
        "sections whose GB 3838-2002 single-factor class (annual means) is I–III, as a share of "
        "the classed sections; a section counts for the unit its city column names, that unit's "
        "parents and the whole region."),
    "records_sections_worse_than_V_share": (
        "按 GB 3838-2002 单因子评价评为劣Ⅴ类的断面占比；计入方式同上。",
        "sections worse than class V (GB 3838-2002 single-factor class) as a share of the "
        "classed sections; counted as above."),
    "reported_sections_I_III_share": (
        "统计表中公报（转载）的全省地表水断面水质优良比例。",
        "the share of surface-water sections in classes I–III reported in the bulletins "
        "(reposts) of the statistics table."),
    "national_sections_I_III_share": (
        "统计表中公报（转载）的国考断面水质优良比例；同一数值的多次转载按精度一致时取最精确者，矛盾时不取值。",
        "the share of national assessed sections in classes I–III reported in the statistics "
        "table; reposts of one figure that agree to the coarser precision give the most precise, "
        "reposts that disagree give none."),
    "poyang_points_I_III_share": ("统计表中公报（转载）的鄱阳湖点位水质优良比例。",
                                  "the share of Poyang Lake points in classes I–III reported in "
                                  "the statistics table."),
}, prefix="seea.definition.")
register({
    "no_reference": ("数据表 `seea_condition_reference.csv` 中没有该指标和该生态系统类型的可引用参照水平，"
                     "故不给出指标值（不编造参照水平）",
                     "no cited reference level for this indicator and ecosystem type in "
                     "seea_condition_reference.csv: no index rather than an invented reference"),
    "no_reference_here": ("参照水平只适用于所列单位，对本单位没有可引用的参照水平",
                          "the cited reference level applies to the units listed only, none is "
                          "cited for this unit"),
    "no_value": ("两年都没有数值", "no value in either year"),
    "no_value_opening": ("期初年份没有数值", "no value in the opening year"),
    "no_value_closing": ("期末年份没有数值", "no value in the closing year"),
}, prefix="seea.no_index.")
register({
    "same_landcover": ("数据包两年使用同一个土地覆被文件（{file}）：面积不可能变化，变化矩阵只有对角线。",
                       "the pack uses one land-cover file for both years ({file}): no change of "
                       "extent can appear, the change matrix is diagonal."),
    "other_grid": ("期初年份的土地覆被不在期末年份的核算网格上，已按众数/最近邻重采样到该网格。",
                   "the opening year's land cover is not on the closing year's accounting grid: "
                   "it was resampled onto it (mode or nearest)."),
    "unknown_split": ("土地覆被图无法区分有管理与无管理的变化：这四行留空（缺失），不是 0。",
                      "land-cover maps do not tell managed from unmanaged change: those four "
                      "rows are empty (missing), not 0."),
    "same_ndvi": ("两年使用同一套 NDVI（{files}）：NDVI 均值的变化只来自生态系统类型面积的变化。",
                  "both years use the same NDVI ({files}): a change of mean NDVI comes from "
                  "changes of extent only."),
    "no_ndvi": ("未提供 NDVI：NDVI 均值缺失。", "no NDVI given: mean NDVI is missing."),
    "targets": ("参照水平为政策目标，不是 SEEA EA（第 5.69 段）推荐的自然状态参照；指标值表示与目标的距离。",
                "the reference levels are policy targets, not the natural reference condition "
                "SEEA EA prefers (para. 5.69): the indicators measure the distance to the target."),
    "disagree": ("转载数值相互矛盾，未取值：{items}", "reposts disagree, no value taken: {items}"),
}, prefix="seea.note.")

WORDS = ("total", NONE, "province", "city", "county", "township", "higher", "lower")


def _word(value, lang: str) -> str:
    return text(f"seea.word.{value}", lang) if value in WORDS else value


def _type(value, lang: str) -> str:
    """An ecosystem type (or ``none`` / ``total``) in ``lang``."""
    if value in ECOSYSTEMS:
        return ECOSYSTEMS[value] if lang == "zh" else value
    return _word(value, lang)


def labelled(frame: pd.DataFrame, lang: str, fields: dict, type_columns=()) -> pd.DataFrame:
    """``frame`` with its columns and coded values in ``lang``; ``type_columns`` are ecosystem
    types (km²); ``fields`` fill the labels ({opening}, {closing})."""
    out = frame.copy()
    values = {
        "level": lambda v: _word(v, lang),
        "direction": lambda v: _word(v, lang),
        "entry": lambda v: text(f"seea.entry.{v}", lang, **fields),
        "opening_type": lambda v: _type(v, lang),
        "ecosystem": lambda v: _type(v, lang),
        "ecosystems": lambda v: "、".join(_type(t, lang) for t in v.split()) if lang == "zh"
        else ", ".join(v.split()),
        "variable": lambda v: text(f"seea.variable.{v}", lang),
        "no_index": lambda v: text(f"seea.no_index.{v}", lang) if v else "",
    }
    for column, convert in values.items():
        if column in out:
            out[column] = out[column].map(lambda v, f=convert: v if pd.isna(v) else f(v))
    for column in ("opening_indicators", "closing_indicators", "without_reference"):
        if column in out:
            sep = "、" if lang == "zh" else ", "
            out[column] = out[column].map(lambda v, s=sep: s.join(
                text(f"seea.variable.{x}", lang) for x in str(v).split()) if isinstance(v, str) else v)
    names = {}
    for column in out.columns:
        if column in type_columns:
            names[column] = text("seea.column.type_km2", lang, type=_type(column, lang))
        elif f"seea.column.{column}" in _catalogue():
            names[column] = text(f"seea.column.{column}", lang, **fields)
    return out.rename(columns=names)


def _catalogue():
    from ecoledger.messages import CATALOGUE

    return CATALOGUE


def write_tables(folder: Path, name: str, frame: pd.DataFrame, fields: dict, type_columns=()) -> None:
    for lang in LANGUAGES:
        labelled(frame, lang, fields, type_columns).to_csv(folder / f"{name}.{lang}.csv",
                                                           index=False, encoding="utf-8")


def _notes(keys: list[tuple[str, dict]]) -> dict[str, list[str]]:
    return {lang: [text(f"seea.note.{key}", lang, **fields) for key, fields in keys]
            for lang in LANGUAGES}


def extent_notes(account: ExtentAccount) -> list[tuple[str, dict]]:
    provenance = account.scan.provenance
    notes = [("unknown_split", {})]
    if provenance["same_landcover_file"]:
        notes.insert(0, ("same_landcover", {"file": provenance["landcover"][str(account.closing_year)]}))
    if not provenance["same_grid"]:
        notes.append(("other_grid", {}))
    return notes


def write_extent(account: ExtentAccount, out: str | Path) -> Path:
    """``extent_account`` and ``extent_change_matrix`` (zh, en) and ``seea.json`` into ``out``
    (replaced atomically)."""
    out = Path(out)
    fields = {"opening": account.opening_year, "closing": account.closing_year}
    types = account.types()
    with atomic_directory(out) as folder:
        write_tables(folder, "extent_account", account.account(), fields, [*types, TOTAL])
        write_tables(folder, "extent_change_matrix", account.change_matrix(), fields,
                     [*types, TOTAL])
        _write_json(folder, "extent", account.scan.provenance, _notes(extent_notes(account)),
                    {"entries": list(ENTRIES), "summary": account.summary()})
    return out


def condition_notes(account: ConditionAccount) -> list[tuple[str, dict]]:
    provenance = account.provenance
    ndvi = provenance.get("ndvi", {})
    kinds = account.indicators["reference_type"].fillna("").astype(str)
    notes = [("targets", {})] if kinds.str.contains("target").any() else []
    opening, closing = (ndvi.get(str(y)) for y in (account.opening_year, account.closing_year))
    if not ndvi:
        notes.append(("no_ndvi", {}))
    elif opening and opening == closing:
        notes.append(("same_ndvi", {"files": ", ".join(opening)}))
    if provenance.get("same_landcover_file"):
        notes.append(("same_landcover", {"file": provenance["landcover"][str(account.closing_year)]}))
    disagree = provenance.get("reposts_disagree") or []
    if disagree:
        items = "; ".join(f"{d['adcode']} {d['year']} {d['variable']}" for d in disagree)
        notes.append(("disagree", {"items": items}))
    return notes


def definitions() -> pd.DataFrame:
    return pd.DataFrame([{"variable": v, "unit": unit, "direction": direction,
                          "ecosystems": " ".join(types or ECOSYSTEMS), "definition": v}
                         for v, (unit, types, direction) in VARIABLES.items()])


def write_condition(account: ConditionAccount, out: str | Path) -> Path:
    """``condition_variables``, ``condition_indicators``, ``condition_index`` and
    ``condition_definitions`` (zh, en), the reference table used and ``seea.json`` into ``out``
    (replaced atomically)."""
    out = Path(out)
    fields = {"opening": account.opening_year, "closing": account.closing_year}
    with atomic_directory(out) as folder:
        write_tables(folder, "condition_variables", account.variables, fields)
        write_tables(folder, "condition_indicators", account.indicators, fields)
        write_tables(folder, "condition_index", account.index, fields)
        for lang in LANGUAGES:
            table = definitions()
            table["definition"] = table["variable"].map(lambda v, lg=lang: text(f"seea.definition.{v}", lg))
            labelled(table, lang, fields).to_csv(folder / f"condition_definitions.{lang}.csv",
                                                 index=False, encoding="utf-8")
        if account.provenance["reference_table"]["file"] == REFERENCE_TABLE:
            (folder / REFERENCE_TABLE).write_bytes(reference_bytes())
        _write_json(folder, "condition", account.provenance, _notes(condition_notes(account)), {})
    return out


def _write_json(folder: Path, kind: str, provenance: dict, notes: dict, extra: dict) -> None:
    body = {"account": kind, "code_version": __version__, **provenance, "notes": notes, **extra}
    (folder / "seea.json").write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str),
                                      encoding="utf-8")
