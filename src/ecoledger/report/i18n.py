"""The report's words in Chinese (the default) and English.

The report's fixed phrases are declared here as ``key: (zh, en)`` and registered into the one
message catalogue (``ecoledger.messages``) under ``report.``; ``Translator`` looks them up there and
names groups, ecosystem types, items, unit levels and data statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoledger import messages, tables
from ecoledger.ecosystems import ECOSYSTEMS, UNATTRIBUTED
from ecoledger.messages import LANGUAGES

PREFIX = "report."

messages.register({
    "sep": ("：", ": "),
    # title and headline
    "title": ("{region}{year}年生态产品总值（GEP）核算报告",
              "Gross ecosystem product (GEP) of {region}, {year}"),
    "profile": ("核算规范", "Accounting profile"),
    "synthetic_warning": ("注意：本报告基于合成测试数据，不代表任何真实地区。",
                          "Warning: this report is computed from synthetic test data, not a real place."),
    "headline": ("核算结果", "Headline figures"),
    "gep": ("生态产品总值（GEP）", "Gross ecosystem product (GEP)"),
    "yi_yuan": ("亿元", "10⁸ yuan"),
    "share_of_gep": ("占GEP比例", "Share of GEP"),
    "gep_to_gdp": ("GEP/GDP", "GEP/GDP"),
    "gep_per_km2": ("单位面积GEP", "GEP per km²"),
    "wan_yuan_per_km2": ("万元/km²", "10 000 yuan/km²"),
    "gep_per_capita": ("人均GEP", "GEP per capita"),
    "yuan_per_person": ("元/人", "yuan/person"),
    "area": ("面积", "Area"),
    # maps and charts
    "maps": ("空间分布", "Spatial distribution"),
    "map_title": ("各{level}单位面积GEP（万元/km²）", "GEP per km² by {level} (10 000 yuan/km²)"),
    "no_units": ("未找到行政单元边界（数据包 {pack} 不可读），地图从略。",
                 "Administrative unit boundaries not found (pack {pack} not readable): maps omitted."),
    "charts": ("构成", "Composition"),
    "items_chart": ("各核算科目价值（亿元）", "Value by item (10⁸ yuan)"),
    "ecosystem_chart": ("各生态系统类型价值（亿元）", "Value by ecosystem type (10⁸ yuan)"),
    "not_drawn": ("缺失项未绘出：{items}", "Missing items are not drawn: {items}"),
    # tables
    "tables": ("核算表", "Accounting tables"),
    "t5": ("表5 {region}各科目实物量与价值量", "Table 5 Physical quantity and value by item, {region}"),
    "t6": ("表6 各单元GEP汇总", "Table 6 GEP summary by unit"),
    "t1": ("表1 生态系统面积（km²）", "Table 1 Ecosystem extent (km²)"),
    "t7": ("表7 {region}各生态系统类型价值（亿元）", "Table 7 Value by ecosystem type, {region} (10⁸ yuan)"),
    "t4": ("参数及来源", "Parameters and sources"),
    "item": ("科目", "Item"),
    "group": ("类别", "Group"),
    "physical_value": ("实物量", "Physical quantity"),
    "unit": ("单位", "Unit"),
    "unit_price": ("单价", "Unit price"),
    "price_unit": ("价格单位", "Price unit"),
    "value_yi": ("价值量（亿元）", "Value (10⁸ yuan)"),
    "status": ("数据状态", "Data status"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "level": ("级别", "Level"),
    "gdp_yi": ("GDP（亿元）", "GDP (10⁸ yuan)"),
    "total": ("合计", "Total"),
    "parameter": ("参数", "Parameter"),
    "key": ("键", "Key"),
    "value": ("取值", "Value"),
    "price_year": ("价格年份", "Price year"),
    "index": ("价格指数", "Index"),
    "source": ("来源", "Source"),
    "confidence": ("可信度", "Confidence"),
    # data quality
    "quality": ("数据质量", "Data quality"),
    "item_status": ("各科目数据状态（单元数）与说明", "Data status by item (number of units) with notes"),
    "notes": ("说明", "Notes"),
    "layers": ("输入图层", "Input layers"),
    "layer": ("图层", "Layer"),
    "input": ("数据", "Input"),
    "method": ("方法与假设", "Method and assumptions"),
    "derived_count": ("{derived}/{total}个图层为推算数据，其方法与假设见下表。",
                      "{derived} of {total} layers are derived; their methods and assumptions are "
                      "listed below."),
    "no_method": ("（未说明）", "(not stated)"),
    "missing_title": ("缺失科目及补齐所需数据", "Missing items and the data that would fill them"),
    "fill": ("补齐所需数据", "Data that would fill it"),
    "fill_layers": ("在 pack.toml 中提供图层：{layers}", "supply the layer(s) {layers} in pack.toml"),
    "fill_statistic": ("在统计表（statistics.csv）中报送该科目所需的统计指标",
                       "report the statistics this item needs in the statistics table (statistics.csv)"),
    "fill_as_noted": ("见说明", "as the note says"),
    "nothing_missing": ("无缺失科目。", "No item is missing."),
    # comparison
    "comparison": ("与已发表结果比较", "Comparison with published figures"),
    "no_published": ("没有与{region}相匹配的已发表GEP结果。",
                     "No published GEP figure matches {region}."),
    "published": ("已发表", "Published"),
    "ours": ("本核算", "This account"),
    "ratio": ("本核算/已发表", "ours/published"),
    "difference": ("差异", "Difference"),
    "year_note": ("已发表结果年份 {published}，本核算年份 {ours}（取最接近年份）。",
                  "Published year {published}, accounting year {ours} (nearest year)."),
    "same_year": ("年份相同（{year}）。", "Same year ({year})."),
    "gap": ("差异说明", "Explaining the gap"),
    "gap_ratio": ("本核算为已发表值的{ratio:.3g}倍（{ours}亿元对{published}亿元）。",
                  "This account is {ratio:.3g} times the published figure "
                  "({ours} vs {published} × 10⁸ yuan)."),
    "gap_shares": ("三类占比差（本核算−已发表，百分点）：{diffs}。",
                   "Share differences (ours − published, percentage points): {diffs}."),
    "gap_missing": ("本核算缺失的科目（计为缺失而非零，会使总值偏低）：{items}。",
                    "Items missing in this account (missing, not zero, so the total is low): {items}."),
    "gap_largest": ("本核算最大的科目：{items}。", "Largest items in this account: {items}."),
    "gap_climate": ("气候调节占本核算调节服务的{share:.1%}，其价值取决于电价和蒸散耗能参数（见参数表），"
                    "是各研究差异的主要来源之一。",
                    "Climate regulation is {share:.1%} of our regulating services; it depends on the "
                    "electricity price and the evapotranspiration energy parameters (see the parameter "
                    "table) and is a main source of differences between studies."),
    "gap_method": ("已发表方法：{published}；本核算：{ours}。"
                   "价格年份、价格指数和各科目定价方法的选择也会造成差异。",
                   "Published method: {published}; this account: {ours}. Price years, the price index "
                   "and the pricing method of each item also differ."),
    # method notes
    "method_notes": ("方法说明", "Method notes"),
    "parameter_version": ("参数表版本", "Parameter table version"),
    "code_version": ("程序版本", "Code version"),
    "grid": ("核算格网", "Accounting grid"),
    "timings": ("运行耗时", "Run timings"),
    "elapsed": ("总耗时", "elapsed"),
    "pack": ("数据包", "Region pack"),
    "seconds": ("秒", "s"),
    "not_attributed": ("未归属生态系统", "not attributed"),
    "list_sep": ("、", ", "),
}, prefix=PREFIX)

# unit levels and data statuses: the platform's keys (``level.*``, ``data_status.*``) with the
# report's own wording of the levels
messages.register({"province": ("省", "province"), "city": ("设区市", "city"),
                   "county": ("县（市、区）", "county")}, prefix="report.level.")
LEVELS = ("province", "city", "county")
STATUSES = ("measured", "reported", "derived", "allocated", "partial", "missing", "not_applicable")
messages.register({"measured": ("实测", "measured"), "reported": ("公报数", "reported"),
                   "derived": ("推算", "derived"), "allocated": ("分摊", "allocated"),
                   "partial": ("部分合计", "partial"), "missing": ("缺失", "missing"),
                   "not_applicable": ("不适用", "not applicable")}, prefix="data_status.")
messages.register({"provisioning": (tables.GROUPS["provisioning"], "Material products"),
                   "regulating": (tables.GROUPS["regulating"], "Regulating services"),
                   "cultural": (tables.GROUPS["cultural"], "Cultural services")}, prefix="group.")


@dataclass(frozen=True)
class Translator:
    """``t(key, **fields)`` and the names of codes, in one language (``zh`` or ``en``)."""

    lang: str

    def __post_init__(self):
        if self.lang not in LANGUAGES:
            raise ValueError(f"unknown report language {self.lang!r}; choose from {LANGUAGES}")

    def __call__(self, key: str, **fields) -> str:
        return messages.text(PREFIX + key, self.lang, **fields)

    def message(self, key: str, **fields) -> str:
        """Any phrase of the catalogue by its full key (``note.…``, ``data_status.…``)."""
        return messages.text(key, self.lang, **fields)

    def join(self, parts) -> str:
        return self("list_sep").join(parts)

    def group(self, group: str) -> str:
        return self.message("group." + group)

    def ecosystem(self, ecosystem: str) -> str:
        if ecosystem == UNATTRIBUTED:
            return self("not_attributed")
        return ECOSYSTEMS.get(ecosystem, ecosystem) if self.lang == "zh" else ecosystem

    def item(self, item: str) -> str:
        catalogue = tables.items()
        if item not in catalogue.index:
            return item
        return catalogue.at[item, "name_zh" if self.lang == "zh" else "name_en"]

    def level(self, level: str) -> str:
        return self.message("report.level." + level) if level in LEVELS else level

    def status(self, status: str) -> str:
        return self.message("data_status." + status) if status in STATUSES else status

# layout: cover, summary, charts and map furniture (report/build.py, figures.py, the template)
messages.register({
    "cover_region": ("核算地区", "Region"),
    "cover_year": ("核算年度", "Accounting year"),
    "report_date": ("编制日期", "Report date"),
    "run_id": ("运行标识（run.json 校验码）", "Run id (run.json digest)"),
    "contents": ("目录", "Contents"),
    "summary": ("摘要", "Summary"),
    "vs_published": ("与已发表核算对照", "Against the published account"),
    "km": ("千米", "km"),
    "ecosystem_map_title": ("各{level}主导生态系统类型", "Dominant ecosystem type by {level}"),
    "dominant_ecosystem": ("主导生态系统", "Dominant ecosystem"),
    "metre": ("米", "m"),
    "landcover_map_title": ("生态系统类型分布（{size}网格）", "Ecosystem types ({size} grid)"),
    "landcover_map_caption": ("核算网格每个格子的生态系统类型（核算所用的分类）；栅格见 {file}。",
                              "The ecosystem type of every cell of the accounting grid, as the account "
                              "classified it; the raster is {file}."),
    "ecosystem_type": ("生态系统类型", "Ecosystem type"),
    "group_chart": ("GEP按服务类别构成", "GEP by group"),
    "top_units_chart": ("GEP最高的{count}个{level}（亿元）", "Top {count} by GEP, {level} level (10⁸ yuan)"),
    "change_chart": ("{previous}—{year}年各县GEP变化（%，当年价）",
                     "GEP change by county, {previous}–{year} (%, current prices)"),
    "notes_sep": ("；", "; "),  # between the notes of different units in one cell
    "more_notes": ("；另有{n}条说明（见 accounts.csv）", "; and {n} more notes (see accounts.csv)"),
    "change_caption": ("{region}GEP由{previous}年的{before}亿元变为{after}亿元（{change}），按当年价计。",
                       "GEP of {region} went from {before} (in {previous}) to {after} × 10⁸ yuan "
                       "({change}), current prices."),
    "change_comparable_caption": (
        "可比口径（仅计两年均有数值、数据状态和所用统计相同的科目）：由{before}亿元变为{after}亿元（{change}）。",
        " Like with like (only the items with a value in both years, of the same data status and "
        "from the same statistics): from {before} to {after} × 10⁸ yuan ({change})."),
    "change_raw": ("全部科目", "all items"),
    "change_comparable": ("可比口径", "like with like"),
    "change_excluded_heading": ("未计入可比口径的科目（单位；两年的数据状态）：",
                                "Items left out of the like-with-like change (units; status in each year):"),
    "change_excluded": ("{item}：{units}——{previous}年{before}，{year}年{after}{why}",
                        "{item}: {units} — {before} in {previous}, {after} in {year}{why}"),
    "change_units_more": ("等{n}个单位", " and others, {n} units"),
    "change_reason_basis": ("（所用统计指标不同，如总产值与增加值）",
                            " (from other statistics, e.g. gross output against value added)"),
    "change_reason_coverage": ("（部分合计所缺单位不同）", " (a partial sum lacking other units)"),
}, prefix=PREFIX)
