"""The congress report's phrases (zh first, en), its translator, and the handling of free text
read from other modules' outputs (a reason or a note may be English only, or "English / 中文")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from ecoledger import messages
from ecoledger.report.words import marked
from ecoledger.untranslated import english_phrases

PREFIX = "congress."
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")

messages.register(
    {
        "title": (
            "{region}{year}年度生态文明建设情况报告",
            "{region}: annual report on ecological civilisation, {year}",
        ),
        "subtitle": (
            "向省人民代表大会报告（按《{decision}》的目标编排）",
            "Report to the Provincial People's Congress, structured by the goals of the decision "
            "《{decision}》",
        ),
        "status": (
            "草稿：由 ecoledger 汇编，数字须与官方公报核对后方可引用",
            "Draft assembled by ecoledger: figures to be confirmed against official bulletins",
        ),
        "cover_region": ("地区", "Region"),
        "cover_year": ("报告年度", "Year reported"),
        "cover_data": ("数据年度", "Year of the data"),
        "cover_date": ("编制日期", "Assembled on"),
        "cover_decision": ("依据的决定", "Decision reported on"),
        "cover_status": ("状态", "Status"),
        "contents": ("目录", "Contents"),
        "summary": ("摘要：主要数字", "Summary: headline figures"),
        "goal_heading": ("{n}. {name}", "{n}. {name}"),
        "decision_quote": ("决定原文", "The decision"),
        "scorecard": ("指标考核：全省与 11 个设区市", "Scorecard: the province and its 11 cities"),
        "scorecard_intro": (
            "每个数值后的编号指向文末的来源；无数值的指标写明缺失原因。交通灯：绿——达到目标；黄——未达目标但在改善；"
            "红——未达目标且在变差；灰——无目标或无数值。",
            "The number after each value points to its source at the end; an indicator without a value "
            "says why it is missing. Traffic lights: green, target met; amber, not met but improving; red, "
            "not met and worsening; grey, no target or no value.",
        ),
        "scorecard_missing_rows": (
            "表中只列出有数值的 {shown} 行；另有 {missing} 行（单位 × 指标）没有数值，交通灯图中为灰色，"
            "缺失原因按指标列在“缺口”一节。",
            "The table lists the {shown} rows with a value; {missing} more (unit × indicator) have none: "
            "they are grey in the chart of lights, and the gaps section lists why, indicator by indicator.",
        ),
        "more_reasons": ("另有 {n} 个单位的原因见 `scorecard.csv`",
                         "{n} more units' reasons in scorecard.csv"),
        "scorecard_absent": (
            "本年度未生成指标考核表（{file}）。",
            "No scorecard was produced this year ({file}).",
        ),
        "gaps": ("缺口：缺失的指标、统计与输入", "Gaps: missing indicators, statistics and inputs"),
        "gaps_intro": (
            "下列内容本年度没有数值或没有生成，报告未对其作任何估算。",
            "The following have no value or were not produced this year; the report estimates none of them.",
        ),
        "sources": ("来源", "Sources"),
        "col_what": ("内容", "What"),
        "col_value": ("数值", "Value"),
        "col_unit": ("单位", "Unit"),
        "col_source": ("来源或缺失原因", "Source or reason missing"),
        "col_unit_name": ("单位名称", "Unit"),
        "col_indicator": ("指标", "Indicator"),
        "col_target": ("目标", "Target"),
        "col_status": ("评价", "Status"),
        "col_rank": ("排名", "Rank"),
        "col_kind": ("类别", "Kind"),
        "col_reason": ("原因", "Reason"),
        "missing": ("缺失：{reason}", "missing: {reason}"),
        "no_source": ("考核表未注明来源", "the scorecard gives no source"),
        "missing_no_reason": ("缺失（输入未给出原因）", "missing (the input gives no reason)"),
        "demonstration": ("示范数据，非官方统计", "demonstration data, not official statistics"),
        "gap_input": ("输入", "input"),
        "gap_indicator": ("指标", "indicator"),
        "gap_statistic": ("统计", "statistic"),
        "not_produced": ("本年度未生成（未提供 {option}）", "not produced this year (no {option} given)"),
        "not_found": ("本年度未生成（{path} 不存在）", "not produced this year ({path} does not exist)"),
        "file_absent": ("{folder} 中没有 {file}", "{file} is not in {folder}"),
        "input.previous": ("上一年度核算", "previous year's account"),
        "input.targets": ("指标考核表", "scorecard"),
        "input.monitoring": ("环境监测", "environmental monitoring"),
        "input.carbon": ("碳排放清单与双控", "carbon inventory and dual control"),
        "input.seea_extent": ("生态系统范围账户", "ecosystem extent account"),
        "input.seea_condition": ("生态系统状况账户", "ecosystem condition account"),
        "input.biodiversity": ("自然保护地与物种指标", "protected areas and species indicators"),
        "input.controls": ("国土空间管控筛查", "spatial control screening"),
        "input.audit": ("离任审计与河湖林长", "departure audits and chiefs"),
        "input.applications": ("核算结果应用", "applications of the accounts"),
        # GEP section
        "gep": ("生态产品总值（GEP）", "Gross ecosystem product (GEP)"),
        "gep_group": ("其中：{group}", "of which {group}"),
        "gep_to_gdp": ("GEP 与 GDP 之比", "GEP / GDP"),
        "gep_change": ("GEP 较{previous}年变化（当年价）", "GEP change from {previous} (current prices)"),
        "gep_interval": ("GEP 90% 区间（第 5 至第 95 百分位）", "GEP 90 % interval (5th to 95th percentile)"),
        "gep_missing_items": ("缺失科目", "Items missing"),
        "gep_by_city": ("各设区市 GEP", "GEP by city"),
        "gep_by_city_chart": ("{year}年各设区市 GEP（亿元）", "GEP by city, {year} (10⁸ yuan)"),
        "col_gep": ("GEP（亿元）", "GEP (10⁸ yuan)"),
        "col_previous": ("{year}年 GEP（亿元）", "GEP {year} (10⁸ yuan)"),
        "col_change": ("变化", "Change"),
        "col_gep_gdp": ("GEP/GDP", "GEP/GDP"),
        "yi_yuan": ("亿元", "10⁸ yuan"),
        "wan_t": ("万吨", "10⁴ t"),
        "account_source": ("ecoledger 核算输出 {file}", "ecoledger account output {file}"),
        "no_previous": (
            "未提供上一年度核算，无法计算年度变化",
            "no previous year's account given: no change computed",
        ),
        "no_uncertainty": (
            "核算文件夹中没有 uncertainty/intervals.csv",
            "uncertainty/intervals.csv is not in the account folder",
        ),
        "map_unavailable": ("地图未绘制：{why}", "Map not drawn: {why}"),
        # applications
        "kind.assessment": ("设区市 GEP 考核", "GEP assessment of the cities"),
        "kind.basin_fund": ("流域生态补偿资金分配", "Basin compensation fund"),
        "kind.gep_compensation": ("基于 GEP 的横向生态补偿", "GEP-based compensation between cities"),
        "kind.p_index": ("断面水质 P 指数补偿", "P-index compensation at a border section"),
        "kind.purchase": ("调节服务购买", "Purchase of regulating services"),
        "kind.transfer": ("与 GEP 挂钩的转移支付", "GEP-linked transfers"),
        "amount_total": ("{kind}：金额合计", "{kind}: total amount"),
        "vep_flow": ("VEP 证书（{site}）：年度价值流量", "VEP certificate ({site}): yearly value flow"),
        "vep_present": ("VEP 证书（{site}）：现值", "VEP certificate ({site}): present value"),
        "no_amount": ("结果表中没有金额列", "the result table has no amount column"),
        "illustrative": (
            "示例输入计算，非实际拨付",
            "computed from illustrative inputs, not actual payments",
        ),
        # carbon
        "carbon_no_rows": ("碳排放清单中没有{year}年的行", "the carbon inventory has no row for {year}"),
        "scope.territorial_total": ("二氧化碳排放总量（辖区）", "CO₂ emissions, territorial total"),
        "scope.fuel_combustion": ("化石燃料燃烧排放", "CO₂ from fuel combustion"),
        "scope.electricity_related_total": (
            "用电相关排放（全社会用电量×电网排放因子）",
            "Electricity-related CO₂ (electricity use × grid factor)",
        ),
        "scope.electricity_related_primary": (
            "用电相关排放：第一产业",
            "Electricity-related CO₂: primary sector",
        ),
        "scope.electricity_related_secondary": (
            "用电相关排放：第二产业",
            "Electricity-related CO₂: secondary sector",
        ),
        "scope.electricity_related_industry": ("用电相关排放：工业", "Electricity-related CO₂: industry"),
        "scope.electricity_related_tertiary": (
            "用电相关排放：第三产业",
            "Electricity-related CO₂: tertiary sector",
        ),
        "scope.electricity_related_residential": (
            "用电相关排放：城乡居民生活",
            "Electricity-related CO₂: households",
        ),
        "intensity": ("排放强度", "intensity"),
        "statistics_needed": ("需要的统计：", "statistics needed: "),
        "t_per_wan_yuan": ("吨/万元", "t/10⁴ yuan"),
        "electricity_not_total": (
            "用电相关排放是消费端视角（用电量×电网排放因子），不是辖区排放总量。",
            "Electricity-related emissions are a consumption view (electricity use × grid "
            "factor), not the territorial total.",
        ),
        "carbon_other_years": (
            "碳排放清单中有数值的其他年份：{years}。",
            "Other years with values in the carbon inventory: {years}.",
        ),
        "list_sep": ("、", ", "),
        "intensity_missing": (
            "{year}年没有二氧化碳排放总量，无法计算强度",
            "no CO₂ total for {year}: the intensity cannot be computed",
        ),
        "dual_control_row": ("碳排放强度（吨/万元 GDP）", "Carbon intensity (t per 10⁴ yuan GDP)"),
        # environment
        "pm25": ("{city} PM2.5 年均浓度", "{city} PM2.5 annual mean"),
        "pm25_none": (
            "监测数据中没有{year}年的 PM2.5 年均值",
            "the monitoring outputs hold no PM2.5 annual mean for {year}",
        ),
        "poyang_tp": ("鄱阳湖总磷（TP）年均浓度", "Poyang Lake total phosphorus (TP), annual mean"),
        "poyang_none": (
            "监测数据中没有{year}年的鄱阳湖总磷",
            "the monitoring outputs hold no Poyang TP for {year}",
        ),
        "monitoring_source": ("ecoledger 监测输出 {file}", "ecoledger monitoring output {file}"),
        # ecosystems
        "extent_table": ("生态系统范围（全省，km²）", "Ecosystem extent (province, km²)"),
        "condition_table": ("生态系统状况（全省）", "Ecosystem condition (province)"),
        "protected_share": ("{unit}自然保护地面积占比", "{unit}: protected share of the area"),
        "protected_none": ("保护地指标表中没有该单位", "the protected-area table has no row for this unit"),
        # institutions
        "screening_projects": ("管控分区筛查的项目数", "Projects screened against control zones"),
        "screening_prohibited": ("其中触及禁止类分区", "of which touching prohibited zones"),
        "screening_gep": ("筛查项目用地范围内的 GEP", "GEP inside the screened footprints"),
        "audit_term": ("{unit}{start}—{end}年离任审计", "Departure audit of {unit}, {start}–{end}"),
        "audit_gep_change": ("任期内 GEP 变化", "GEP change over the term"),
        "audit_no_gep": ("审计结果中没有 GEP 变化", "the audit gives no GEP change"),
        "audit_declined": ("价值下降的科目", "items whose value declined"),
        "items_unit": ("项", "items"),
        "audit_files": ("离任审计与河湖林长输出", "Departure audit and chiefs outputs"),
        "files_count": ("{n} 个文件", "{n} files"),
        "pages_link": ("页面", "page"),
        "scorecard_goal": ("本目标的考核指标（全省）", "Scorecard indicators of this goal (province)"),
        "unit_count": ("个", "units"),
        "status.green": ("达标", "met"),
        "status.amber": ("改善中", "improving"),
        "status.red": ("未达标且变差", "worsening"),
        "status.missing": ("缺失", "missing"),
        "status.no_target": ("无目标", "no target"),
        "lights_chart": ("指标考核交通灯（{year}年）", "Scorecard traffic lights ({year})"),
        "indicator_missing_units": ("{indicator}：{n} 个单位缺失", "{indicator}: missing for {n} units"),
        "pdf_skipped": ("未生成 PDF：{why}", "PDF not written: {why}"),
    },
    prefix=PREFIX,
)


@dataclass(frozen=True)
class Words:
    """``t(key, **fields)`` in one language (zh or en)."""

    lang: str

    def __call__(self, key: str, **fields) -> str:
        return messages.text(PREFIX + key, self.lang, **fields)

    def join(self, parts) -> str:
        return self("list_sep").join(parts)


def in_language(text: object, lang: str) -> Markup:
    """Free text from another module's output, shown in ``lang``: of "English / 中文" the part
    in ``lang``; text in the other language only is kept and marked with its own ``lang``
    (so readers and the untranslated-English check know it is quoted, not the page's words)."""
    if text is None:
        return Markup("")
    value = str(text).strip()
    if " / " in value:
        parts = value.split(" / ")
        zh = [p for p in parts if CJK.search(p)]
        en = [p for p in parts if not CJK.search(p)]
        if lang == "zh" and zh:
            value = " / ".join(zh)
        elif lang == "en" and en:
            value = " / ".join(en)
    if lang == "zh" and english_phrases(value):
        return Markup('<span lang="en">{}</span>').format(marked(value))
    if lang == "en" and CJK.search(value) and not LATIN.search(value):
        return Markup('<span lang="zh-CN">{}</span>').format(marked(value))
    return marked(value)


def coded(t: Words, key: str, **codes) -> Markup:
    """The phrase ``key`` with each of ``codes`` (an option, a file, a code) set as ``<code>``,
    which both languages show as it is."""
    template = escape(t(key, **{name: "{" + name + "}" for name in codes}))
    return Markup(template).format(
        **{name: Markup("<code>{}</code>").format(value) for name, value in codes.items()}
    )
