"""Cells of the report's tables in the reader's language: notes with their identifiers marked as
code, citations of English-language works marked ``lang="en"``, and the phrases of the fidelity
tables (registered into the one message catalogue under ``report.``)."""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup, escape

from ecoledger import messages, notes

messages.register({
    "layer_kind.file": ("文件", "file"),
    "layer_kind.constant": ("常数", "constant"),
    "layer_kind.by_landcover": ("按土地覆被取值", "by land cover"),
    "param_note": ("备注", "Note"),
    "published_title": ("与已发表核算对照（差异超过 ±15 % 的原因）",
                        "Against the published account (cause of each difference beyond ±15 %)"),
    "measure": ("科目", "measure"),
    "cause": ("原因", "cause"),
    "plausibility_title": ("实物量与已知总量核对", "Physical quantities against known totals"),
    "check": ("核对", "check"),
    "quantity": ("实物量", "quantity"),
    "known_total": ("已知总量", "known total"),
    "year": ("年份", "year"),
    "explanation": ("说明", "explanation"),
    "negative_title": ("负值及其原因", "Negative values and their reasons"),
    "reason": ("原因", "reason"),
    "no_reason": ("未说明原因：须查明", "no stated reason: a defect to find"),
    "negative.carbon_sequestration": (
        "净生态系统生产力 NEP = NPP − 土壤异养呼吸为负：该单位的生态系统为净碳源（耕地与稀疏植被上"
        "Miami 模型 NPP × 植被覆盖度低于裴志永等 2010 的异养呼吸）；按方法保留其符号，计为负值",
        "net ecosystem production NEP = NPP − soil heterotrophic respiration is negative: the "
        "unit's ecosystems are a net carbon source (on cropland and sparse vegetation Miami NPP × "
        "vegetation cover is below Pei et al. 2010 respiration); the method keeps the sign"),
    "landcover_title": ("土地覆被与官方数据对照（百分点）",
                        "Land cover against the official record (percentage points)"),
    "lc.unit": ("单元", "unit"),
    "lc.adcode": ("代码", "adcode"),
    "lc.ecosystem": ("生态系统", "ecosystem"),
    "lc.official_indicator": ("官方指标", "official indicator"),
    "lc.our_share_pct": ("本核算占比（%）", "our share (%)"),
    "lc.official_share_pct": ("官方占比（%）", "official share (%)"),
    "lc.difference_pts": ("差值（百分点）", "difference (points)"),
    "lc.within_tolerance": ("在容差内", "within tolerance"),
    "lc.constrained": ("受约束", "constrained"),
    "lc.source": ("来源", "source"),
    "yes": ("是", "yes"),
    "pp": ("个百分点", "pp"),
    "full_stop": ("。", ". "),
    "no": ("否", "no"),
    # run stages (run.json timings_s)
    "stage.validate and load": ("校验与读取", "validate and load"),
    "stage.raster items": ("栅格科目", "raster items"),
    "stage.terrain (fill, routing, LS)": ("地形（填洼、汇流、LS 因子）", "terrain (fill, routing, LS)"),
    "stage.capping and pricing": ("封顶与定价", "capping and pricing"),
    "stage.water bodies and statistics items": ("水体与统计科目", "water bodies and statistics items"),
    "stage.assemble": ("汇总", "assemble"),
    "stage.uncertainty": ("不确定性抽样", "uncertainty"),
    # words of physical and price units (the symbols t, m³, kWh… stay as they are)
    "unit_word.yuan": ("元", "yuan"),
    "unit_word.person-time": ("人次", "person-time"),
    "unit_word.person": ("人", "person"),
    "unit_word.visit": ("人次", "visit"),
    # ecosystem subtypes (the level-2 classes of the parameter table)
    "subtype.evergreen_broadleaf_forest": ("常绿阔叶林", "evergreen broadleaf forest"),
    "subtype.evergreen_needleleaf_forest": ("常绿针叶林", "evergreen needleleaf forest"),
    "subtype.mixed_forest": ("针阔混交林", "mixed forest"),
    "subtype.deciduous_broadleaf_forest": ("落叶阔叶林", "deciduous broadleaf forest"),
    "subtype.deciduous_needleleaf_forest": ("落叶针叶林", "deciduous needleleaf forest"),
    "subtype.sparse_forest": ("稀疏林", "sparse forest"),
    "subtype.bamboo_forest": ("竹林", "bamboo forest"),
    "subtype.evergreen_broadleaf_shrub": ("常绿阔叶灌丛", "evergreen broadleaf shrub"),
    "subtype.deciduous_broadleaf_shrub": ("落叶阔叶灌丛", "deciduous broadleaf shrub"),
    "subtype.needleleaf_shrub": ("针叶灌丛", "needleleaf shrub"),
    "subtype.sparse_shrub": ("稀疏灌丛", "sparse shrub"),
    "subtype.meadow": ("草甸", "meadow"),
    "subtype.steppe": ("草原", "steppe"),
    "subtype.tussock_grassland": ("草丛", "tussock grassland"),
    "subtype.sparse_grassland": ("稀疏草地", "sparse grassland"),
    "subtype.marsh": ("沼泽", "marsh"),
    "subtype.lake": ("湖泊", "lake"),
    "subtype.river": ("河流", "river"),
    "subtype.reservoir": ("水库/坑塘", "reservoir"),
    "subtype.paddy": ("水田", "paddy"),
    "subtype.dryland": ("旱地", "dryland"),
    "subtype.orchard": ("园地", "orchard"),
    "subtype.residential": ("居住地", "residential"),
    "subtype.urban_green": ("城市绿地", "urban green space"),
    "subtype.industrial_transport": ("工矿交通", "industrial and transport land"),
    # parameter keys that are neither ecosystems nor codes
    "key.domestic": ("生活", "domestic"),
    "key.industrial": ("工业", "industrial"),
    "key.agricultural": ("农业", "agricultural"),
}, prefix="report.")
messages.register({
    # how much of a published account we could read (data/published_gep.csv, column confidence)
    "confidence.abstract": ("仅据摘要", "from the abstract"),
})

_TICKED = re.compile(r"`([^`]+)`")
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9*]+)+\*?(?:\.[a-z]{2,5})?(?![\w])")
# Authors of a cited work (“Shepard 1968”, “Sulla-Menashe & Friedl 2018”, “New 等 2002”): Latin names
# directly before the year of a citation, which is followed by its punctuation.
_NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_AUTHORS = re.compile(rf"(?<![\w-]){_NAME}(?:\s*&amp;\s*{_NAME})?"
                      r"(?=\s*(?:等|et al\.)?\s*\d{4}[a-z]?\s*[，,；;）)])")
# English-language journals cited inside our Chinese method texts (kept in their language).
JOURNALS = ("Agricultural and Forest Meteorology", "Clim. Res.", "Scientia Atmospherica Sinica")
_JOURNAL = re.compile("|".join(re.escape(j) for j in JOURNALS))
_CJK = re.compile(r"[\u3400-\u9fff]")


def marked(text) -> Markup:
    """``text`` escaped, with ```code``` spans and snake_case identifiers marked as code."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return Markup("")
    html = str(escape(str(text)))
    pieces = _TICKED.split(html)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(f"<code>{piece}</code>")
        else:
            piece = _IDENTIFIER.sub(lambda m: f"<code>{m.group(0)}</code>", piece)
            piece = _JOURNAL.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', piece)
            out.append(_AUTHORS.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', piece))
    return Markup("".join(out))


def statuses(text, t) -> str:
    """A count of data statuses (``"missing 14, derived 12"``, ``published.py``) in the page language."""
    if not isinstance(text, str) or not text:
        return ""
    parts = []
    for part in text.split(", "):
        status, _, count = part.rpartition(" ")
        parts.append(f"{t.status(status)} {count}" if status else t.status(part))
    return t.join(parts)


def foreign(text, lang: str) -> Markup | str:
    """``text`` left in English (a citation, a name) marked ``lang="en"`` on a Chinese page."""
    if text is None or (not isinstance(text, str) and pd.isna(text)) or str(text) == "":
        return ""
    if lang == "en":
        return str(text)
    return Markup('<span lang="en">{}</span>').format(str(text))


def source(text, text_zh, lang: str) -> Markup | str:
    """A source in the page language: on a Chinese page its Chinese rendering (``source_zh``, with
    identifiers marked as code and Latin author names marked ``lang="en"``) when there is one, else
    the source as written, marked ``lang="en"``; on an English page the source."""
    if lang == "zh" and isinstance(text_zh, str) and text_zh.strip():
        return marked(text_zh)
    return foreign(text, lang)


def note(row, lang: str) -> str:
    """The note of an accounts row in ``lang`` (``note_zh`` when the outputs carry it)."""
    text = getattr(row, "note", None)
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    if lang != "zh":
        return notes.to_en(str(text))
    zh = getattr(row, "note_zh", None)
    return zh if isinstance(zh, str) and zh else notes.to_zh(str(text))


def unit(text, lang: str) -> str:
    """A unit in the page language: its words (yuan, person-time) translated, symbols kept."""
    if not isinstance(text, str) or lang == "en":
        return "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    return re.sub(r"[A-Za-z][A-Za-z-]*", lambda m: messages.text(f"report.unit_word.{m.group(0)}", lang)
                  if f"report.unit_word.{m.group(0)}" in messages.CATALOGUE else m.group(0), text)


def stage(name: str, lang: str) -> str:
    """A stage of the run (its timings) in the page language."""
    key = f"report.stage.{name}"
    return messages.text(key, lang) if key in messages.CATALOGUE else name


def key(text: str, lang: str, ecosystem_name) -> Markup | str:
    """A parameter key: an ecosystem (or subtype) by name, a word of the catalogue, else a code."""
    from ecoledger.ecosystems import ECOSYSTEMS, SUBTYPES

    if text in ECOSYSTEMS:
        return ecosystem_name(text)
    if text in SUBTYPES and f"report.subtype.{text}" in messages.CATALOGUE:
        return messages.text(f"report.subtype.{text}", lang)
    if f"report.key.{text}" in messages.CATALOGUE:
        return messages.text(f"report.key.{text}", lang)
    return marked(f"`{text}`") if text else ""


def localized(text, lang: str) -> Markup | str:
    """Our own text in the page language: Chinese as it is, English marked on a zh page."""
    if lang == "zh" and isinstance(text, str) and text and not _CJK.search(text):
        return foreign(text, lang)
    return marked(text)
