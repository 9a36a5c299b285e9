"""The notes of the accounts (why an item is missing, partial, derived) in English and Chinese.

Every note is written from a template of the message catalogue (``note.*`` keys, ``ecoledger.messages``):
``note(key, **fields)`` gives the English text that goes into the accounts' ``note`` column, several
notes of one row joined by ``"; "``. ``to_zh(note)`` gives the Chinese of such a text (the
``note_zh`` column): each part is matched against the English templates and the Chinese template is
filled with the same fields (identifiers — layer, indicator, parameter and file names — are kept and
marked as code with backticks). A part written as ``English / 中文`` (the statistics' method notes)
gives its Chinese half; any other part is kept as it is.
"""

from __future__ import annotations

import functools
import re

from ecoledger import messages

PREFIX = "note."

messages.register({
    "missing_layers": ("缺少输入图层：{layers}", "missing layers: {layers}"),
    "parameter_lacking": ("参数表中没有 {parameter} 的取值："
                          "请在覆盖参数表中按生态系统亚类提供取值、单位和来源",
                          "the parameter table has no {parameter} values: supply them in an override "
                          "table (parameter,key=ecosystem subtype,value,unit,source)"),
    "no_capacity_no_load": ("没有 {parameter} 的净化能力表，也未报告 {indicator}："
                            "请填报污染物负荷统计或提供净化能力表",
                            "no removal-capacity table for {parameter} and no {indicator} reported: "
                            "supply the load statistics or a capacity table"),
    "load_as_purified": ("没有 {parameter} 的净化能力表："
                         "将报告的负荷（{indicator}）计为净化量（甘孜 2017 年做法）",
                         "no removal-capacity table for {parameter}: the reported load ({indicator}) is "
                         "counted as purified (Ganzi 2017 practice)"),
    "capacity_only": ("仅有净化能力（{capacity} kg/a），未计入："
                      "未报告 {indicator} 排放统计，请在统计模板中填报",
                      "capacity only ({capacity} kg/a), not counted: no {indicator} reported to cap it, "
                      "supply the emission statistics (template)"),
    "capacity_where_unreported": ("未报告 {indicator} 的单位仅有净化能力，未计入",
                                  "not counted where {indicator} is not reported (capacity only)"),
    "no_water_bodies": ("数据包没有水体图层（`water_bodies`）", "the pack has no water_bodies layer"),
    "no_reservoir": ("{file} 中没有水库：请加入水库（`kind` = `reservoir`）并填写总库容 `capacity_m3`"
                     "（或登记的防洪库容 `flood_storage_m3`），方可核算此科目",
                     "no reservoir in {file}: add reservoirs (kind = reservoir) with their total "
                     "capacity capacity_m3 (or the registered flood_storage_m3) to account this item"),
    "no_lake": ("{file} 中没有湖泊：请加入湖泊面（`kind` = `lake`），调蓄量按湖泊面积估算"
                "（或填写实测的 `flood_storage_m3`），方可核算此科目",
                "no lake in {file}: add lake polygons (kind = lake), whose storage is estimated from "
                "their area (or give a measured flood_storage_m3), to account this item"),
    "no_marsh": ("{file} 中没有沼泽：请加入沼泽面（`kind` = `marsh`），调蓄量 = 地表滞水深度"
                 "（`marsh_detention_depth`）× 沼泽面积（或填写实测的 `flood_storage_m3`），方可核算此科目",
                 "no marsh in {file}: add marsh polygons (kind = marsh), whose storage is the surface "
                 "detention depth (marsh_detention_depth) × their area (or give a measured "
                 "flood_storage_m3), to account this item"),
    "no_storage": ("以下水体调蓄量未知：{names}", "no storage known for: {names}"),
    "basis_fallback": ("按{other}计：未报告{basis}",
                       "{other} used: the {basis} basis of the profile is not reported"),
    "travel_cost_from_revenue": ("人均旅行费用 = 旅游收入 ÷ 游客人次（直接支出，未计时间成本，为下限）",
                                 "travel cost per visit = tourism revenue ÷ visits (direct expenditure, "
                                 "time cost not included, so a lower bound)"),
    "statistic_missing": ("统计数据未报告：请在统计模板中填报 {needed}",
                          "statistic not reported: supply {needed} (statistics template)"),
    "statistic_missing_products": ("统计数据未报告：请在统计模板中填报{item}各产品的 `output_*` 和 `price_*`",
                                   "statistic not reported: supply output_* and price_* of the {item} "
                                   "products (statistics template)"),
    "sum_of_units": ("下级单位之和", "sum of its units"),
    "not_applicable": ("已在 pack.toml 中声明不适用于本地区",
                       "declared not applicable to this region in pack.toml"),
    "partial": ("部分合计：仅含有数值的下级单位，缺：{names}",
                "partial: sum of the units with a value, no value for {names}"),
    "input_missing": ("本单位缺少输入数据", "input missing for this unit"),
    "coverage_refused": ("未计算：输入图层仅覆盖本单位计量面积的 {covered}（缺数据超过 {threshold}），"
                         "请补充覆盖全境的图层",
                         "not computed: an input layer covers only {covered} of this unit's credited "
                         "area (more than {threshold} has no data): supply a layer covering the whole "
                         "unit"),
    "coverage_partial": ("覆盖不全：仅含本单位有数据的 {covered} 计量面积，{share} 无数据"
                         "（请补充覆盖全境的图层）",
                         "partial coverage: sum over the {covered} of this unit's credited area with "
                         "data, {share} has no data in an input layer (supply a layer covering the "
                         "whole unit)"),
    "implausible_layer": ("输入图层 {layer}：{problem}", "input layer {layer}: {problem}"),
    "basis.gross output": ("总产值", "gross output"),
    "basis.net output": ("净产值（增加值）", "net output"),
}, prefix=PREFIX)

# fields whose values are identifiers (kept, marked as code) or words of the catalogue
_CODE_FIELDS = frozenset({"layers", "parameter", "indicator", "file", "needed", "layer"})
_WORD_FIELDS = {"other": "basis.", "basis": "basis."}
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9*]+)+\*?|\b[a-z][a-z0-9]*\b")
_CJK = re.compile(r"[\u3400-\u9fff]")


def note(key: str, **fields) -> str:
    """The English note ``key`` with ``fields`` (the text of the accounts' ``note`` column)."""
    return messages.text(PREFIX + key, "en", **fields)


def join(*notes: str) -> str:
    """Several notes of one row, in the order given, without empty ones."""
    return "; ".join(n for n in notes if n)


def _patterns() -> list[tuple[str, re.Pattern]]:
    """The templates' patterns, compiled again when a module has registered more (``vep`` does)."""
    return _compiled(len(messages.CATALOGUE))


@functools.cache
def _compiled(size: int) -> list[tuple[str, re.Pattern]]:
    found = []
    for key, texts in messages.CATALOGUE.items():
        if not key.startswith(PREFIX) or "." in key[len(PREFIX):]:
            continue  # not a note (a word of the notes' fields)
        parts = re.split(r"\{(\w+)\}", texts["en"])
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        found.append((key, re.compile(f"^{regex}$", re.S)))
    # the longest literal text first, so a general template does not take a specific one's note
    return sorted(found, key=lambda kp: -len(re.sub(r"\(\?P<\w+>\.\+\?\)", "", kp[1].pattern)))


def _codes_zh(value: str) -> str:
    """A list of identifiers in Chinese punctuation, each marked as code: ``a, b (or c)``."""
    value = value.replace(" (or ", "（或 ").replace(")", "）").replace(", ", "、")
    return _CODE.sub(lambda m: m.group(0) if m.group(0) in {"or"} else f"`{m.group(0)}`", value)


def _field_zh(name: str, value: str) -> str:
    if name in _CODE_FIELDS:
        return _codes_zh(value)
    if name in _WORD_FIELDS and PREFIX + _WORD_FIELDS[name] + value in messages.CATALOGUE:
        return messages.text(PREFIX + _WORD_FIELDS[name] + value, "zh")
    if name == "items":
        return "、".join(_field_zh("item", item) for item in value.split(", "))
    if name == "item":
        from ecoledger import tables

        catalogue = tables.items()
        return catalogue.at[value, "name_zh"] if value in catalogue.index else value
    return value


def split(text: str) -> list[str]:
    """The parts of a joined note: split at ``"; "`` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0 and text[i + 1:i + 2] == " ":
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def part_zh(part: str) -> str:
    """The Chinese of one note (see the module docstring)."""
    for key, pattern in _patterns():
        match = pattern.match(part)
        if match:
            fields = {name: _field_zh(name, value) for name, value in match.groupdict().items()}
            return messages.text(key, "zh", **fields)
    if " / " in part:
        zh = part.rsplit(" / ", 1)[1]
        if _CJK.search(zh):
            return zh
    return part


@functools.lru_cache(maxsize=4096)
def to_en(text: str) -> str:
    """The English of a (joined) note: a part written ``english / 中文`` (statistics shared out by a
    proxy, ``statistics.allocation``) keeps its English half; '' stays ''."""
    if not isinstance(text, str) or not text:
        return text
    parts = []
    for part in split(text):
        en, _, zh = part.rpartition(" / ")
        parts.append(en if en and _CJK.search(zh) else part)
    return "; ".join(parts)


@functools.lru_cache(maxsize=4096)
def to_zh(text: str) -> str:
    """The Chinese of a (joined) note; '' stays ''."""
    if not isinstance(text, str) or not text:
        return text
    return "；".join(part_zh(p) for p in split(text))
