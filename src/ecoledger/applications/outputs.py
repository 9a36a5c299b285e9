"""Writing application results: the explaining table (CSV), its record (JSON) and a page (HTML).

Amounts drawn from the accounts' draws carry their median and 5–95 % interval in the columns beside
them (``intervals.column_names``), in the CSV and the JSON rows; the record says how they were drawn
(``record["uncertainty"]``) and the page shows each amount's 90 % interval beside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ecoledger import pages, tables
from ecoledger.applications import intervals
from ecoledger.applications.rules import Result
from ecoledger.messages import entry
from ecoledger.platform import i18n

INTRO = {
    "transfer": ("财政转移支付分配", "Fiscal transfer allocation",
                 "Each factor's share of the budget is the unit's basis over the sum of all units' bases "
                 "times the factor weight; floors and caps are then met by water-filling (the adjustment "
                 "column). A negative basis counts 0, a missing one earns nothing from that factor."),
    "purchase": ("生态产品政府采购", "Government purchase of ecological products",
                 "Price = rate × value of the purchased services; paid in instalments, a conditional "
                 "instalment only where the condition is reported met (Yunhe model)."),
    "basin_fund": ("流域生态补偿资金分配", "Basin compensation fund",
                   "Weighted factor shares × compensation coefficient, normalised to the fund; a penalty "
                   "deducts a fraction that rolls into next year's pool (Jiangxi 70/20/10 model)."),
    "p_index": ("上下游横向补偿（P 指数）", "Upstream–downstream compensation (P index)",
                "P = k0 × Σ k_i × C_i / C_i0 at the border section; P ≤ threshold: downstream pays upstream, "
                "otherwise upstream pays (Xin'an River model)."),
    "gep_compensation": ("基于 GEP 的横向补偿", "GEP-based compensation between units",
                         "Payment = rate × beneficiary share × the provider's service value (yuan)."),
    "assessment": ("综合考核", "Comprehensive assessment",
                   "Points per indicator = 100 × weight × min(1, value / target) (inverse for "
                   "lower-is-better); a missing or negative value scores 0; ties share the better rank."),
}


def clean(value):
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def write(result: Result, folder: Path, stem: str | None = None) -> dict[str, Path]:
    """``<stem>.csv``, ``<stem>.json``, ``<stem>.html`` (zh) and ``<stem>.en.html`` in ``folder``
    (created)."""
    stem = stem or result.kind
    folder.mkdir(parents=True, exist_ok=True)
    table = result.table.reset_index()
    table.to_csv(folder / f"{stem}.csv", index=False)
    (folder / f"{stem}.json").write_text(json.dumps(clean({
        "kind": result.kind, "title": result.title, "record": result.record,
        "rows": table.to_dict("records")}), ensure_ascii=False, indent=2), encoding="utf-8")
    written = {kind: folder / f"{stem}.{kind}" for kind in ("csv", "json", "html")}
    written["html_en"] = folder / f"{stem}.en.html"
    for lang, key in (("zh", "html"), ("en", "html_en")):
        written[key].write_text(render(result, t=i18n.translator(lang), stem=stem), encoding="utf-8")
    if result.kind == "assessment":
        written["report"] = folder / f"{stem}-report.html"
        written["report_en"] = folder / f"{stem}-report.en.html"
        for lang, key in (("zh", "report"), ("en", "report_en")):
            written[key].write_text(assessment_report(result, i18n.translator(lang), stem), encoding="utf-8")
    return written


def assessment_report(result: Result, t=None, stem: str | None = None) -> str:
    """The annual assessment report of an assessment result, for the congress review, in ``t``'s
    language (default Chinese): the ranking table of the result page, the indicator system, the
    data and its limitations; ``<stem>-report.html`` (zh) links ``<stem>-report.en.html`` (en)."""
    t = t or i18n.translator("zh")
    stem = stem or result.kind
    table = result.table.reset_index()
    record = result.record
    year = record.get("accounts_year") or i18n.DASH
    ranked = table.sort_values("rank", kind="stable")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    indicators = pd.DataFrame([{
        "name": name(i["name"], t), "weight": i["weight"],
        "direction": t("app.report.lower" if i.get("direction") == "lower" else "app.report.higher"),
        "target": i18n.number(i["target"]) if i.get("target") is not None else t("app.report.best_unit")}
        for i in record["rule"]["indicator"]])
    text = {"format": pages.text, "numeric": False}
    indicator_table = pages.table(indicators, [
        pages.Column("name", t("app.col.indicator"), **text), pages.Column("weight", t("app.col.weight")),
        pages.Column("direction", t("app.report.direction"), **text),
        pages.Column("target", t("app.report.target"), pages.text)], t)
    report = {
        "title": t("app.report.title", year=year),
        "subtitle": t("app.report.subtitle", count=len(table), year=year),
        "rule_title": section(result, stem, t)["title"],
        "range": t("app.report.range", count=len(table), best=f"{best['score']:.1f}", best_name=best["name"],
                   worst=f"{worst['score']:.1f}", worst_name=worst["name"]),
        "table": section(result, stem, t)["table"], "indicators": indicator_table,
        "record": t("app.report.record", year=year, rule=record.get("rule_file", ""),
                    sha=(record.get("rule_sha256") or "")[:16],
                    version=record.get("policy_table_version", "")),
        "limitations": [t(f"app.report.limitation_{k}") for k in ("missing", "derived", "forest")],
        "illustrative": bool(record.get("illustrative")),
    }
    return pages.environment().get_template("applications/assessment_report.html.j2").render(
        t=t, r=report, pages={"zh": f"{stem}-report.html", "en": f"{stem}-report.en.html"})


i18n.register({
    "app.report.title": {"zh": "{year} 年度生态产品总值（GEP）综合考核报告",
                         "en": "Annual GEP assessment report, {year}"},
    "app.report.subtitle": {"zh": "依据 {year} 年 GEP 核算对 {count} 个单位的综合考核",
                            "en": "Assessment of {count} units on the {year} GEP accounts"},
    "app.report.prepared": {"zh": "提请人民代表大会审议 GEP 决定的材料",
                            "en": "Prepared for the people's congress review of the GEP decision"},
    "app.report.result": {"zh": "一、考核结果", "en": "1. Result"},
    "app.report.range": {"zh": "按下表指标体系，{count} 个单位得分自 {best}（{best_name}）至 {worst}"
                               "（{worst_name}），满分 100。",
                         "en": "On the indicator system below, the {count} units score from {best} "
                               "({best_name}) to {worst} ({worst_name}) out of 100."},
    "app.report.indicators": {"zh": "二、指标体系", "en": "2. Indicators, weights and targets"},
    "app.report.direction": {"zh": "方向", "en": "Direction"},
    "app.report.target": {"zh": "目标值", "en": "Target"},
    "app.report.higher": {"zh": "越高越好", "en": "higher is better"},
    "app.report.lower": {"zh": "越低越好", "en": "lower is better"},
    "app.report.best_unit": {"zh": "最优单位", "en": "the best unit"},
    "app.report.data": {"zh": "三、数据与局限", "en": "3. Data and limitations"},
    "app.report.record": {"zh": "核算数据：{year} 年 GEP 核算（规则文件 {rule}，SHA-256 {sha}；参数表版本 "
                                "{version}）。",
                          "en": "The GEP accounts of {year} (rule file {rule}, SHA-256 {sha}; parameter "
                                "table {version})."},
    "app.report.limitation_missing": {
        "zh": "GEP 仅含有数据的科目；缺失科目按缺失报告，不计为 0（江西开放数据核算只含调节服务）。",
        "en": "GEP holds the items with data; missing items are reported missing, never counted as 0 "
              "(the Jiangxi open-data accounts hold regulating services only)."},
    "app.report.limitation_derived": {
        "zh": "多数调节服务依赖推导图层（见核算报告）；年际变化部分随降水而变。",
        "en": "Most regulating services rest on derived layers (see the account report); changes "
              "between years partly follow precipitation."},
    "app.report.limitation_forest": {
        "zh": "森林面积占比为核算土地覆盖中森林生态系统的面积占比，不是官方森林覆盖率统计。",
        "en": "The forest share is the forest share of the account's land cover, not the official "
              "forest-cover statistic."},
    "app.name.gep": {"zh": "GEP", "en": "GEP"},
})


def render(result: Result, page: bool = True, t=None, stem: str | None = None) -> str:
    """The result as an HTML section in ``t``'s language (default Chinese) with the worked-example
    page's table and totals (``section``); ``page``: a whole page, ``<stem>.html`` (zh) beside
    ``<stem>.en.html`` (en), linked to each other."""
    t = t or i18n.translator("zh")
    stem = stem or result.kind
    return pages.environment().get_template("applications/result.html.j2").render(
        t=t, s=section(result, stem, t), page=page, pages={"zh": f"{stem}.html", "en": f"{stem}.en.html"})


# --- the worked-example page: totals once, every label from the catalogue ----------------------------

# The additive columns of each kind: money paid once per row. Summing any other column double-counts:
# a basis is the provider's value, repeated on each payment it backs (gep_compensation), a rule's one
# payment must not be repeated on the indicator rows (p_index).
TOTALLED = {
    "transfer": ("contribution:", "adjustment", "amount_yuan"),
    "purchase": ("price_yuan", "instalment_", "paid_yuan"),
    "basin_fund": ("before_penalty_yuan", "rolled_over_yuan", "amount_yuan"),
    "p_index": ("amount_yuan",),
    "gep_compensation": ("amount_yuan",),
    "assessment": (),
}


def totalled(result: Result) -> list[str]:
    """The result table's columns that add up (``TOTALLED``), in table order."""
    columns = result.table.reset_index().columns
    return [c for c in columns
            if any(c == p or (p.endswith((":", "_")) and c.startswith(p)) for p in TOTALLED[result.kind])
            and not intervals.is_interval(c)  # percentiles do not add up
            and pd.api.types.is_numeric_dtype(result.table.reset_index()[c])]


def totals(result: Result) -> dict[str, float]:
    """Each additive column summed once over the result table (the rows written to the CSV)."""
    table = result.table.reset_index()
    return {c: float(table[c].sum(min_count=1)) for c in totalled(result)}



PAGE_MESSAGES = {
    "app.page.title": entry("核算结果的应用：江西示例", "Using the accounts: Jiangxi worked examples"),
    "app.page.lede": entry(
        "江西开放数据核算只含调节服务（物质产品和文化服务在开放数据中缺失），因此下文的 GEP 均为调节服务 "
        "GEP。标注“示例输入”的数据为演示计算而虚构，不可作为监测数据引用。",
        "The Jiangxi open-data accounts hold regulating services only (material and cultural items are "
        "missing in the open data), so every GEP figure below is regulating-service GEP. Inputs marked "
        "illustrative are made up to show the calculation and must not be cited as measurements."),
    "app.page.accounts": entry("核算结果", "Accounts"),
    "app.page.previous": entry("上年核算（变化量基准）", "Previous year (for changes)"),
    "app.page.maps": entry("价值量栅格", "Value maps"),
    "app.page.files": entry("每个表格另存为 results/ 文件夹中的 CSV 文件，"
                            "其记录（规则哈希、所用参数）另存为同名 JSON 文件。",
                          "Each table is also in results/<example>.csv, its record (rule hash, parameters "
                          "used) in .json."),
    "app.page.record": entry("核算年份 {year} · 规则文件 {rule} · 参数表版本 {version}",
                           "Accounts year {year} · rule file {rule} · parameter table {version}"),
    "app.page.parameters": entry("所用参数", "Parameters used"),
    "app.page.illustrative": entry("示例输入，非监测数据：本例输入为演示计算而虚构，不是实测值，不得引用。",
                                 "Illustrative input, not monitoring data: the inputs of this example are "
                                 "made up to show the calculation; they are not measurements and must not "
                                 "be cited as such."),
    "app.col.interval": entry("90 % 区间", "90 % interval"),
    "app.interval.note": entry(
        "90 % 区间：按核算的 {draws} 次蒙特卡洛抽样逐次重算金额，取第 5 至第 95 百分位数；"
        "同一次抽样中所有单位使用同一组输入，故固定的预算或资金总额不变，变化的是各单位的份额",
        "90 % interval: the amounts computed again for each of the accounts' {draws} Monte Carlo draws, "
        "5th to 95th percentile; all units take the same inputs in a draw, so a fixed budget or fund "
        "stays fixed and the units' shares move"),
    "app.page.totals_note": entry("合计由结果表（CSV）各行直接相加得到；依据值等非流量列不合计。",
                                "Totals are the sums of the result table's (CSV) rows; basis values and "
                                "other non-additive columns are not totalled."),
    # kinds
    "app.kind.transfer": entry("财政转移支付分配", "Fiscal transfer allocation"),
    "app.kind.purchase": entry("生态产品政府采购", "Government purchase of ecological products"),
    "app.kind.basin_fund": entry("流域生态补偿资金分配", "Basin compensation fund"),
    "app.kind.p_index": entry("上下游横向补偿（P 指数）", "Upstream–downstream compensation (P index)"),
    "app.kind.gep_compensation": entry("基于 GEP 的横向补偿", "GEP-based compensation between units"),
    "app.kind.assessment": entry("综合考核", "Comprehensive assessment"),
    "app.method.transfer": entry(
        "各因素分配额 = 预算 × 因素权重 × 本单位依据值 / 全部单位依据值之和；再以注水法满足保底和封顶（调整列"
        "）。依据值为负计为 0，缺失则该因素不分配。",
        "Each factor's share of the budget is the unit's basis over the sum of all units' bases times the "
        "factor weight; floors and caps are then met by water-filling (the adjustment column). A negative "
        "basis counts 0, a missing one earns nothing from that factor."),
    "app.method.purchase": entry(
        "采购价 = 费率 × 所购服务价值；分期支付，附条件的分期仅在条件报告达标时支付（云和模式）。",
        "Price = rate × value of the purchased services; paid in instalments, a conditional instalment "
        "only where the condition is reported met (Yunhe model)."),
    "app.method.basin_fund": entry(
        "加权因素份额 × 补偿系数，按资金总额归一；扣减部分滚入下一年度资金池（江西 70/20/10 模式）。",
        "Weighted factor shares × compensation coefficient, normalised to the fund; a penalty deducts a "
        "fraction that rolls into next year's pool (Jiangxi 70/20/10 model)."),
    "app.method.p_index": entry(
        "交界断面 P = k0 × Σ（指标权重 × 年均浓度 / 基本限值）；P ≤ 阈值时下游补偿上游，否则上游补偿下游（新"
        "安江模式）。",
        "P = k0 × Σ k_i × C_i / C_i0 at the border section; P ≤ threshold: downstream pays upstream, "
        "otherwise upstream pays (Xin'an River model)."),
    "app.method.gep_compensation": entry("补偿额 = 费率 × 受益份额 × 提供方服务价值。",
                                       "Payment = rate × beneficiary share × the provider's service value."),
    "app.method.assessment": entry(
        "各指标得分 = 100 × 权重 × （1 与 实际值/目标值 中的较小者）（越低越好的指标取倒数）；缺失或为负得 0 "
        "分；并列取较好名次。",
        "Points per indicator = 100 × weight × min(1, value / target) (inverse for lower-is-better); a "
        "missing or negative value scores 0; ties share the better rank."),
    # titles of the shipped examples (a rule of another name shows its own title)
    "app.title.transfer-counties": entry("全省 100 个县的 GEP 挂钩转移支付（示例预算 10 亿元）",
                                       "GEP-linked transfer to the 100 counties (illustrative budget of "
                                       "10 × 10⁸ yuan)"),
    "app.title.purchase-yunhe": entry("向赣州四县购买调节服务（云和规则）",
                                    "Purchase of regulating services from four Ganzhou counties "
                                    "(Yunhe rule)"),
    "app.title.basin-fund": entry("11 个设区市的流域生态补偿资金（示例评分）",
                                "Basin compensation fund across the 11 cities (illustrative scores)"),
    "app.title.p-index": entry("示例交界断面的 P 指数补偿",
                             "P-index compensation at an illustrative border section"),
    "app.title.gep-compensation": entry("下游城市为赣江源头水源涵养付费（示例份额和费率）",
                                      "Downstream cities pay for the Gan headwaters' water conservation "
                                      "(illustrative shares and rate)"),
    "app.title.assessment-cities": entry("11 个设区市的 GEP 考核", "GEP assessment of the 11 cities"),
    # columns
    "app.col.code": entry("代码", "Code"),
    "app.col.name": entry("名称", "Name"),
    "app.col.basis": entry("依据", "Basis"),
    "app.col.contribution": entry("分配额", "contribution"),
    "app.col.adjustment": entry("保底/封顶调整", "Floor/cap adjustment"),
    "app.col.amount": entry("金额", "Amount"),
    "app.col.share_of_budget": entry("占预算", "Share of budget"),
    "app.col.note": entry("说明", "Note"),
    "app.col.services_value": entry("所购服务价值", "Value of the services"),
    "app.col.price": entry("采购价", "Price"),
    "app.col.instalment": entry("第 {k} 期", "Instalment {k}"),
    "app.col.paid": entry("已付", "Paid"),
    "app.col.share": entry("份额", "share"),
    "app.col.coefficient": entry("补偿系数", "Coefficient"),
    "app.col.before_penalty": entry("扣减前", "Before penalty"),
    "app.col.penalty": entry("扣减比例", "Penalty"),
    "app.col.rolled_over": entry("滚入下年", "Rolled over"),
    "app.col.indicator": entry("指标", "Indicator"),
    "app.col.samples": entry("样本数", "Samples"),
    "app.col.mean_concentration": entry("年均浓度（mg/L）", "Mean concentration (mg/L)"),
    "app.col.baseline": entry("基本限值（mg/L）", "Baseline (mg/L)"),
    "app.col.weight": entry("权重", "Weight"),
    "app.col.ratio": entry("浓度比", "Ratio"),
    "app.col.term": entry("P 分项", "P term"),
    "app.col.payer": entry("付款方", "Payer"),
    "app.col.payee": entry("收款方", "Payee"),
    "app.col.basis_item": entry("依据科目", "Basis"),
    "app.col.basis_value": entry("依据价值", "Basis value"),
    "app.col.beneficiary_share": entry("受益份额", "Beneficiary share"),
    "app.col.rate": entry("费率", "Rate"),
    "app.col.value": entry("实际值", "value"),
    "app.col.points": entry("得分", "points"),
    "app.col.score": entry("总分", "Score"),
    "app.col.rank": entry("名次", "Rank"),
    # names of factors and indicators
    "app.name.GEP level": entry("GEP 总量", "GEP level"),
    "app.name.GEP per km²": entry("单位面积 GEP", "GEP per km²"),
    "app.name.GEP change": entry("GEP 增量", "GEP change"),
    "app.name.water_quality": entry("水质", "water quality"),
    "app.name.forest": entry("森林", "forest"),
    "app.name.water_management": entry("水资源管理", "water management"),
    "app.name.gep_per_km2": entry("单位面积 GEP（万元/km²）", "GEP per km² (10⁴ yuan/km²)"),
    "app.name.gep_change_pct": entry("GEP 变化（%）", "GEP change (%)"),
    "app.name.gep_per_gdp": entry("GEP/GDP（元/元）", "GEP/GDP (yuan/yuan)"),
    "app.name.forest_cover": entry("森林面积占比", "forest share of land"),
    "app.name.CODMn": entry("高锰酸盐指数", "permanganate index (CODMn)"),
    "app.name.NH3-N": entry("氨氮", "ammonia nitrogen (NH3-N)"),
    "app.name.TN": entry("总氮", "total nitrogen (TN)"),
    "app.name.TP": entry("总磷", "total phosphorus (TP)"),
    "app.name.P": entry("P 指数", "P index"),
    "app.unit.dimensionless": entry("无量纲", "dimensionless"),
    "app.unit.weight": entry("因素权重", "factor weight"),
    "app.unit.fraction_of_price": entry("占采购价比例", "fraction of the purchase price"),
    "app.unit.fraction_of_services": entry("占所购服务 GEP 比例", "fraction of the purchased services' GEP"),
    "app.unit.yuan_per_year": entry("元/年", "yuan per year"),
    "app.unit.yi_per_year": entry("亿元/年", "10⁸ yuan per year"),
    "app.unit.wan_per_year": entry("万元/年", "10⁴ yuan per year"),
    "app.p.upstream": entry("上游县（示例）", "upstream county (illustrative)"),
    "app.p.downstream": entry("下游县（示例）", "downstream county (illustrative)"),
    # notes
    "app.note.missing": entry("{what}缺失：该因素不分配", "{what} missing: nothing from this factor"),
    "app.note.negative": entry("{what}为负（{value}）：计为 0", "{what} negative ({value}): counted as 0"),
    "app.note.floor": entry("保底：{raw} → {amount} 万元", "floor: {raw} → {amount} 10⁴ yuan"),
    "app.note.cap": entry("封顶：{raw} → {amount} 万元", "cap: {raw} → {amount} 10⁴ yuan"),
    "app.note.redistribution": entry("再分配：{raw} → {amount} 万元",
                                   "redistribution: {raw} → {amount} 10⁴ yuan"),
    "app.note.not_reported": entry("第 {k} 期：条件未报告，暂不支付",
                                 "instalment {k}: condition not reported, withheld"),
    "app.note.not_met": entry("第 {k} 期：条件未达标，暂不支付",
                              "instalment {k}: condition not met, withheld"),
    "app.note.services_missing": entry("服务价值缺失：不采购", "services value missing: nothing purchased"),
    "app.note.score_missing": entry("{what}评分缺失：计为 0", "{what} score missing: counted 0"),
    "app.note.points_missing": entry("{what}缺失：0 分", "{what} missing: 0 points"),
    "app.note.points_negative": entry("{what}为负：0 分", "{what} negative: 0 points"),
    "app.note.p_pays_down": entry("P = {p} ≤ {threshold}：上游出境水质达到约定，下游补偿上游",
                                "P = {p} ≤ {threshold}: the water leaving upstream met the agreed quality, "
                                "so downstream pays"),
    "app.note.p_pays_up": entry("P = {p} > {threshold}：上游出境水质劣于约定，上游补偿下游",
                              "P = {p} > {threshold}: the water leaving upstream was worse than agreed, "
                              "so upstream pays"),
    "app.note.gep_payment": entry("{payer}使用{payee}{basis}的 {share}，按其价值的 {rate} 付费",
                                "{payer} uses {share} of {payee}'s {basis} and pays {rate} of its value"),
    "app.note.gep_missing": entry("{payee}的{basis}缺失：无金额", "{basis} of {payee} is missing: no amount"),
}
i18n.register(PAGE_MESSAGES)

_NOTE_PATTERNS = [
    (re.compile(r"^(?P<what>.+) missing: nothing from this factor$"), "app.note.missing"),
    (re.compile(r"^(?P<what>.+) negative \((?P<value>[^)]*)\): counted as 0$"), "app.note.negative"),
    (re.compile(r"^(?P<bound>floor|cap|redistribution): (?P<raw>[\d,.\-]+) → "
                r"(?P<amount>[\d,.\-]+) yuan$"), None),
    (re.compile(r"^instalment (?P<k>\d+): condition not reported, withheld$"), "app.note.not_reported"),
    (re.compile(r"^instalment (?P<k>\d+): condition not met, withheld$"), "app.note.not_met"),
    (re.compile(r"^services value missing: nothing purchased$"), "app.note.services_missing"),
    (re.compile(r"^(?P<what>.+) score missing: counted 0$"), "app.note.score_missing"),
    (re.compile(r"^(?P<what>.+) missing: 0 points$"), "app.note.points_missing"),
    (re.compile(r"^(?P<what>.+) negative: 0 points$"), "app.note.points_negative"),
]


def note(value, t) -> str | Markup:
    """A result table's note (English, "; "-joined) in the page's language; an unknown phrase is
    kept and marked as English."""
    if not isinstance(value, str) or not value.strip():
        return ""
    parts = []
    for phrase in value.split("; "):
        for pattern, key in _NOTE_PATTERNS:
            found = pattern.match(phrase)
            if found is None:
                continue
            fields = found.groupdict()
            if "what" in fields:
                fields["what"] = name(fields["what"], t)
            if key is None:
                key = f"app.note.{fields.pop('bound')}"
                fields = {k: f"{float(v.replace(',', '')) / 1e4:,.2f}" for k, v in fields.items()}
            parts.append(escape(t(key, **fields)))
            break
        else:
            parts.append(pages.foreign(phrase))
    return Markup(("；" if t.lang == "zh" else "; ").join(str(p) for p in parts))


def name(key: str, t) -> str:
    """A factor, indicator or basis name in the page's language (item:<x> → the item's name)."""
    if key.startswith("item:"):
        items = tables.items()
        item = key.removeprefix("item:")
        if item in items.index:
            return items.at[item, "name_zh" if t.lang == "zh" else "name_en"]
    found = t(f"app.name.{key}")
    return key if found == f"app.name.{key}" else found


def _joined(t, a: str, b: str) -> str:
    return f"{a}{b}" if t.lang == "zh" else f"{a} {b}"


def columns(result: Result, t) -> tuple[list[pages.Column], dict]:
    """The shown columns of a result table, their heads and formats, and the cells built from a
    whole row (notes, payer names)."""
    table = result.table.reset_index()
    money = {c: pages.money_unit(table[c]) for c in table.columns
             if (c.endswith("_yuan") or c.startswith("contribution:") or c == "adjustment")
             and pd.api.types.is_numeric_dtype(table[c]) and not intervals.is_interval(c)}
    cells: dict = {"note": lambda row: note(row.get("note"), t)}

    def cash(key: str, label: str) -> pages.Column | list[pages.Column]:
        column = pages.Column(key, pages.money_head(t, label, money[key]), pages.money(money[key]))
        drawn = intervals.column_names(key)
        if drawn["p05"] not in table:
            return column
        # the 90 % interval beside the amount, in the amount's unit
        cells[f"{key}:interval"] = lambda row: interval_cell(row, drawn, pages.money(money[key]))
        head = pages.money_head(t, t("app.col.interval"), money[key])
        return [column, pages.Column(f"{key}:interval", head, pages.text)]

    text = {"format": pages.text, "numeric": False}
    shown: list[pages.Column] = []
    if "code" in table:
        shown.append(pages.Column("code", t("app.col.code"), **text))
    if "name" in table:
        shown.append(pages.Column("name", t("app.col.name"), **text))
    if result.kind == "transfer":
        bases = {f["name"]: f["basis"] for f in result.record["rule"].get("factor", [])}
        for c in table.columns:
            if c.startswith("basis:"):
                factor = c.removeprefix("basis:")
                basis = bases.get(factor, "")
                label = _joined(t, name(factor, t), t("app.col.basis"))
                if basis.endswith("per_km2"):
                    shown.append(pages.Column(c, pages.head(t, label, t("pages.wan_yuan_per_km2")),
                                              pages.wan))
                else:
                    unit = pages.money_unit(table[c])
                    shown.append(pages.Column(c, pages.money_head(t, label, unit), pages.money(unit)))
            elif c.startswith("contribution:"):
                shown.append(cash(c, _joined(t, name(c.removeprefix("contribution:"), t),
                                             t("app.col.contribution"))))
        shown += [cash("adjustment", t("app.col.adjustment")),
                  *_listed(cash("amount_yuan", t("app.col.amount"))),
                  pages.Column("share", t("app.col.share_of_budget"), pages.fraction)]
    elif result.kind == "purchase":
        shown += [cash("services_value_yuan", t("app.col.services_value")),
                  *_listed(cash("price_yuan", t("app.col.price")))]
        shown += [cash(c, t("app.col.instalment", k=c.split("_")[1])) for c in table.columns
                  if c.startswith("instalment_")]
        shown += _listed(cash("paid_yuan", t("app.col.paid")))
    elif result.kind == "basin_fund":
        shown += [pages.Column(c, _joined(t, name(c.removeprefix("share:"), t), t("app.col.share")),
                               pages.fraction)
                  for c in table.columns if c.startswith("share:")]
        shown += [pages.Column("coefficient", t("app.col.coefficient")),
                  cash("before_penalty_yuan", t("app.col.before_penalty")),
                  pages.Column("penalty", t("app.col.penalty"), pages.fraction),
                  cash("rolled_over_yuan", t("app.col.rolled_over")),
                  cash("amount_yuan", t("app.col.amount"))]
    elif result.kind == "p_index":
        rule = result.record["rule"]
        roles = {rule.get("upstream"): t("app.p.upstream"), rule.get("downstream"): t("app.p.downstream")}
        shown += [pages.Column("indicator", t("app.col.indicator"), **text),
                  pages.Column("samples", t("app.col.samples")),
                  pages.Column("mean_concentration_mg_l", t("app.col.mean_concentration")),
                  pages.Column("baseline_mg_l", t("app.col.baseline")),
                  pages.Column("weight", t("app.col.weight")), pages.Column("ratio", t("app.col.ratio")),
                  pages.Column("term", t("app.col.term")),
                  pages.Column("payer", t("app.col.payer"), **text),
                  pages.Column("payee", t("app.col.payee"), **text),
                  cash("amount_yuan", t("app.col.amount")), pages.Column("reason", t("app.col.note"), **text)]
        for role in ("payer", "payee"):
            cells[role] = lambda row, role=role: (roles.get(row[role], row[role]) if pages._present(row[role])
                                                  else "")
        cells["reason"] = lambda row: _p_reason(row.get("reason"), t)
        cells["indicator"] = lambda row: name(row["indicator"], t)
    elif result.kind == "gep_compensation":
        shown += [pages.Column("payer_name", t("app.col.payer"), **text),
                  pages.Column("payee_name", t("app.col.payee"), **text),
                  pages.Column("basis", t("app.col.basis_item"), **text),
                  cash("basis_value_yuan", t("app.col.basis_value")),
                  pages.Column("beneficiary_share", t("app.col.beneficiary_share"), pages.fraction),
                  pages.Column("rate", t("app.col.rate"), lambda v: i18n.percent(v, 2)),
                  *_listed(cash("amount_yuan", t("app.col.amount"))),
                  pages.Column("reason", t("app.col.note"), **text)]
        cells["basis"] = lambda row: name(row["basis"], t)
        cells["reason"] = lambda row: _gep_reason(row, t)
    elif result.kind == "assessment":
        for c in table.columns:
            if c.startswith("value:"):
                indicator = c.removeprefix("value:")
                fmt = (pages.wan if indicator.endswith("per_km2")
                       else pages.fraction if indicator == "forest_cover" else i18n.number)
                shown.append(pages.Column(c, name(indicator, t), fmt))
            elif c.startswith("points:"):
                shown.append(pages.Column(c, _joined(t, name(c.removeprefix("points:"), t).split("（")[0]
                                                     .split(" (")[0], t("app.col.points")),
                                          lambda v: f"{v:.1f}" if pages._present(v) else i18n.DASH))
        shown += [pages.Column("score", t("app.col.score"), lambda v: f"{v:.1f}"),
                  pages.Column("rank", t("app.col.rank"))]
    if "note" in table:
        shown.append(pages.Column("note", t("app.col.note"), **text))
    return shown, cells


def _listed(columns: pages.Column | list[pages.Column]) -> list[pages.Column]:
    return columns if isinstance(columns, list) else [columns]


def interval_cell(row, names: dict[str, str], fmt) -> str:
    """"low–high" of an amount's interval columns in ``fmt``; "—" when missing."""
    low, high = row.get(names["p05"]), row.get(names["p95"])
    if not (pages._present(low) and pages._present(high)):
        return i18n.DASH
    return f"{fmt(low)}–{fmt(high)}"


def interval_line(record: dict, t) -> str:
    """How the intervals of a result were drawn, in the page's language ("" without them)."""
    drawn = record.get("uncertainty") or {}
    if not drawn.get("columns"):
        return ""
    parts = [t("app.interval.note", draws=drawn["draws"])]
    if drawn.get("approximation"):
        parts.append(t("app.interval.approximation"))
    if drawn.get("previous_year"):
        parts.append(t(f"app.interval.previous_{drawn['previous_year']}"))
    stop = "。" if t.lang == "zh" else "."
    return ("。" if t.lang == "zh" else ". ").join(p.rstrip("。.") for p in parts) + stop


def _p_reason(value, t) -> str | Markup:
    if not isinstance(value, str) or not value:
        return ""
    found = re.match(r"^P = (?P<p>[\d.]+) (?P<op>≤|>) (?P<threshold>[\d.]+):", value)
    if found is None:
        return pages.foreign(value)
    key = "app.note.p_pays_down" if found["op"] == "≤" else "app.note.p_pays_up"
    return t(key, p=found["p"], threshold=found["threshold"])


def _gep_reason(row, t) -> str:
    fields = {"payer": row["payer_name"], "payee": row["payee_name"], "basis": name(row["basis"], t)}
    if not pages._present(row["basis_value_yuan"]):
        return t("app.note.gep_missing", **fields)
    return t("app.note.gep_payment", share=i18n.percent(row["beneficiary_share"], 0),
             rate=i18n.percent(row["rate"], 2), **fields)


PARAMETER_UNITS = {"dimensionless": "app.unit.dimensionless", "factor weight": "app.unit.weight",
                   "fraction of the purchase price": "app.unit.fraction_of_price",
                   "fraction of the purchased services' GEP": "app.unit.fraction_of_services",
                   "yuan per year": "app.unit.yuan_per_year"}


def _parameter(p: dict, t) -> str | Markup:
    """A cited parameter's value with its unit in the page's language."""
    unit = p.get("unit") or ""
    if unit == "yuan per year":
        return f"{pages.money(pages.money_unit([p['value']]))(p['value'])} " + (
            t("app.unit.yi_per_year") if pages.money_unit([p["value"]]) == "yi"
            else t("app.unit.wan_per_year"))
    if unit.startswith("fraction"):
        return f"{i18n.percent(p['value'], 2)}（{t(PARAMETER_UNITS[unit])}）" if t.lang == "zh" else \
            f"{i18n.percent(p['value'], 2)} ({t(PARAMETER_UNITS[unit])})"
    value = i18n.number(p["value"])
    if unit in PARAMETER_UNITS:
        shown_unit = t(PARAMETER_UNITS[unit])
        return f"{value}（{shown_unit}）" if t.lang == "zh" else f"{value} ({shown_unit})"
    return Markup("{} ").format(value) + pages.foreign(unit) if unit else value


def section(result: Result, stem: str, t) -> dict:
    """One example as the page shows it: heading, method, record line and the table whose totals
    (``table.totals``) are ``totals(result)``."""
    shown, cells = columns(result, t)
    table = result.table.reset_index()
    title_key = f"app.title.{stem}"
    title = t(title_key) if title_key in i18n.MESSAGES else pages.foreign(result.title)
    record = result.record
    parameters_used = [(Markup("<code>{}</code>").format(p["id"]), _parameter(p, t))
                       for p in record.get("parameters_used") or []]
    return {"stem": stem, "kind": t(f"app.kind.{result.kind}"), "title": title,
            "method": t(f"app.method.{result.kind}"), "illustrative": bool(record.get("illustrative")),
            "record": t("app.page.record", year=record.get("accounts_year") or i18n.DASH,
                        rule=record.get("rule_file", ""), version=record.get("policy_table_version", "")),
            "parameters": parameters_used, "interval": interval_line(record, t),
            "table": pages.table(table, shown, t, totals=totalled(result), cells=cells)}
