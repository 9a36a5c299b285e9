"""The Jiangxi monitoring demo: Poyang TP 2016–2022 (missing years marked), Nanchang and
Jiujiang PM2.5 indicators 2014–2016, early-warning alerts on real data, and an HTML page.

Inputs (``data/jiangxi/``): ``statistics/jiangxi_statistics.csv`` (Poyang TP and other
provincial indicators, reposts of the official bulletins), ``air/pm25_daily_nanchang_jiujiang_2014_2016.csv``
(daily PM2.5, SpTe2M 1.0.3), ``literature/poyang_station_trophic_grade_2006_2014.csv``, and
optionally published ``accounts.csv`` files of several years for the account-change rules.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from importlib import resources
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ecoledger import pages
from ecoledger.atomic import atomic_directory
from ecoledger.messages import entry
from ecoledger.monitoring import air, indicators, links, phosphorus, warning
from ecoledger.monitoring.tables import table, table_versions
from ecoledger.platform import i18n
from ecoledger.platform.i18n import DASH, MESSAGES

CITY_CODES = {"Nanchang": ("360100", "南昌市"), "Jiujiang": ("360400", "九江市")}
TP_YEARS = range(2016, 2023)
STATISTICS = Path("statistics/jiangxi_statistics.csv")
AIR = Path("air/pm25_daily_nanchang_jiujiang_2014_2016.csv")
STATION_GRADES = Path("literature/poyang_station_trophic_grade_2006_2014.csv")
HYDROLOGY = Path("hydrology/poyang7_yearly_P_R_2006_2020.csv")  # basin runoff depth (Cai, CC BY 4.0)
BASIN_AREAS = Path("hydrology/poyang7_basin_areas.csv")



i18n.register({
    "monitoring.demo.title": entry("江西监测预警示例", "Jiangxi monitoring and early-warning demo"),
    "monitoring.demo.lede": entry(
        "鄱阳湖总磷取自官方公报的转载，南昌、九江 PM2.5 为逐日监测数据，预警规则在这些真实数据上运行。",
        "Poyang Lake total phosphorus from reposts of the official bulletins, daily PM2.5 of Nanchang "
        "and Jiujiang, and the early-warning rules run on these real data."),
    "monitoring.demo.facts.tp_years": entry("鄱阳湖总磷报告年份", "Poyang TP years reported"),
    "monitoring.demo.facts.tp_years_value": entry("{reported}/{all} 年（{years}）",
                                               "{reported} of {all} ({years})"),
    "monitoring.demo.facts.alerts": entry("预警条数", "Alerts"),
    "monitoring.demo.facts.target": entry("目标（示例）", "Target (illustrative)"),
    "monitoring.demo.facts.target_value": entry("{year}年总磷 {tp} mg/L", "TP {tp} mg/L by {year}"),
    "monitoring.demo.tp": entry("一、鄱阳湖总磷（全省，mg/L）",
                             "1. Poyang Lake total phosphorus (province, mg/L)"),
    "monitoring.demo.tp_text": entry(
        "水质类别按 GB 3838-2002 湖库标准判定（鄱阳湖适用），并列出河流标准的结果作对照。"
        "削减比例：使湖泊达到目标浓度需削减的总磷负荷比例，分别按稳态沃伦魏德尔关系（C ∝ L）"
        "和 OECD 1982 回归（C ∝ L^0.82，系数凭记忆 [M]）计算。",
        "The class is read against the GB 3838-2002 lake column (official for Poyang) and, for comparison, "
        "the river column. Load cut: the share of the TP load to remove for the lake to reach the target "
        "under the steady-state Vollenweider relation (C ∝ L) and the OECD 1982 regression "
        "(C ∝ L^0.82, coefficient from memory [M])."),
    "monitoring.demo.target_note": entry(
        "示例：从第一个报告年份起直线达到 GB 3838 湖库III类限值；不是官方目标",
        "illustrative: the GB 3838 lake class III limit reached on a straight path from the first reported "
        "year; not an official campaign target"),
    "monitoring.demo.year": entry("年份", "Year"),
    "monitoring.demo.tp_value": entry("总磷（mg/L）", "TP (mg/L)"),
    "monitoring.demo.status": entry("数据状态", "Status"),
    "monitoring.demo.status.reported": entry("已报告", "reported"),
    "monitoring.demo.status.missing": entry("缺失", "missing"),
    "monitoring.demo.status.conflicting": entry("来源冲突", "conflicting"),
    "monitoring.demo.status.computed": entry("已计算", "computed"),
    "monitoring.demo.class_lake": entry("类别（湖库）", "Class (lake)"),
    "monitoring.demo.class_river": entry("类别（河流）", "Class (river)"),
    "monitoring.demo.class": entry("{roman}类", "{roman}"),
    "monitoring.demo.worse_than_v": entry("劣V类", "worse than V"),
    "monitoring.demo.target_path_label": entry("目标路径", "Target path"),
    "monitoring.demo.target_path": entry("目标路径（mg/L）", "Target path (mg/L)"),
    "monitoring.demo.cut_linear": entry("削减比例（线性）", "Load cut (linear)"),
    "monitoring.demo.cut_oecd": entry("削减比例（OECD）", "Load cut (OECD)"),
    "monitoring.demo.sources": entry("来源", "Sources"),
    "monitoring.demo.mean_reported": entry("报告年份平均（{years}）", "Mean of the reported years ({years})"),
    "monitoring.demo.chart.tp": entry("总磷实测", "TP reported"),
    "monitoring.demo.chart.target": entry("目标路径", "target path"),
    "monitoring.demo.chart.lake_iii": entry("湖库III类 0.05", "lake class III 0.05"),
    "monitoring.demo.chart.lake_iv": entry("湖库IV类 0.1", "lake class IV 0.1"),
    "monitoring.demo.chart.missing_year": entry("{year} 缺失", "{year} missing"),
    "monitoring.demo.chart.annual_limit": entry("年均限值 35", "annual limit 35"),
    "monitoring.demo.chart.daily_limit": entry("24小时限值 75", "24-h limit 75"),
    "monitoring.demo.load": entry("鄱阳湖总磷负荷账户（按来源，吨/年）", "TP load account by source (t/a)"),
    "monitoring.demo.inflow": entry("五河入湖总磷负荷（径流量 × 总磷浓度，吨/年）",
                                    "TP inflow of the five rivers (runoff × TP concentration, t/a)"),
    "monitoring.demo.inflow_text": entry(
        "负荷 = 径流量 × 流量加权年均总磷浓度；径流量取自水文数据包（流域年径流深 × 流域面积）。"
        "2018—2020 年各河入湖控制断面的总磷年均浓度在已存的公开资料中没有找到，负荷记为缺失并列出所缺统计；"
        "任一河流缺失时当年合计也缺失。",
        "Load = runoff × flow-weighted annual mean TP; runoff from the hydrology pack (basin runoff depth × "
        "basin area). The annual mean TP at the rivers' outlet sections for 2018–2020 was not found in the "
        "stored public sources: the loads are missing with the statistic named, and a year's total is "
        "missing when any river is."),
    "monitoring.demo.inflow_published": entry(
        "已发表的入湖总磷负荷（其他年份，仅作参照）：{year}年 {value} 吨（{title}）",
        "Published inflow TP load (another year, context only): {value} t in {year} ({title})"),
    "monitoring.demo.river": entry("河流", "River"),
    "monitoring.demo.runoff": entry("径流量（亿立方米）", "Runoff (10⁸ m³)"),
    "monitoring.demo.tp_conc": entry("总磷（mg/L）", "TP (mg/L)"),
    "monitoring.demo.missing_statistics": entry("所缺统计", "Statistics missing"),
    "monitoring.demo.missing.concentration": entry("{river}{year}年流量加权年均总磷浓度",
                                                   "flow-weighted annual mean TP of {river} {year}"),
    "monitoring.demo.missing.runoff": entry("{basin}流域径流深或面积", "runoff depth or area of {basin}"),
    "monitoring.demo.missing.rivers": entry("缺少河流：{rivers}", "rivers missing: {rivers}"),
    "monitoring.demo.load_source": entry("来源", "Source"),
    "monitoring.demo.load_t": entry("负荷（吨/年）", "Load (t/a)"),
    "monitoring.demo.why": entry("缺失原因", "Why missing"),
    "monitoring.demo.reference": entry("系数依据", "Coefficient reference"),
    "monitoring.demo.why.no coefficient": entry("没有系数", "no coefficient"),
    "monitoring.demo.why.no activity data": entry("没有活动量数据", "no activity data"),
    "monitoring.demo.why.sources": entry("缺少来源：{sources}", "sources missing: {sources}"),
    "monitoring.demo.reference.point_sources": entry(
        "恒等：排污许可执行报告或第二次全国污染源普查报告的排放量直接计入",
        "identity: reported discharges (排污许可执行报告 / 第二次全国污染源普查) enter as they are"),
    "monitoring.demo.reference.agriculture": entry(
        "待依据第二次全国污染源普查农业源产排污系数手册（种植业，南方湿润平原区）填写",
        "to fill from 第二次全国污染源普查 农业源产排污系数手册 (种植业, 南方湿润平原区)"),
    "monitoring.demo.reference.livestock": entry(
        "待依据第二次全国污染源普查畜禽养殖业产排污系数手册（折合生猪当量，处理后）填写",
        "to fill from 第二次全国污染源普查 畜禽养殖业产排污系数手册 (pig equivalents, after treatment)"),
    "monitoring.demo.reference.urban_runoff": entry(
        "待依据鄱阳湖流域城镇地表径流输出系数研究填写",
        "to fill from a Poyang-basin urban runoff export coefficient study"),
    "monitoring.demo.reference.atmospheric_deposition": entry(
        "待依据湖面总磷干湿沉降实测值填写", "to fill from measured wet + dry TP deposition on the lake"),
    "monitoring.demo.reference.inflow_five_rivers": entry(
        "恒等：五河（赣、抚、信、饶、修）入湖控制站实测通量 = Σ 流量 × 总磷浓度",
        "identity: the flux measured at the five rivers' outlet gauges (Gan, Fu, Xin, Rao, Xiu) = Σ "
        "discharge × TP concentration"),
    "monitoring.demo.grades": entry("监测点营养状态（文献，2006年和2014年）",
                                 "Station trophic grades (literature, 2006 and 2014)"),
    "monitoring.demo.station": entry("监测点", "Station"),
    "monitoring.demo.air": entry("二、空气：南昌、九江 PM2.5（2014—2016年）",
                              "2. Air: PM2.5, Nanchang and Jiujiang 2014–2016"),
    "monitoring.demo.air_text": entry(
        "随附数据只有 PM2.5，因此日指数是 PM2.5 的空气质量分指数（IAQI，HJ 633-2012，向上取整），"
        "而不是需要六项污染物的 AQI；“优良天数比例”为 PM2.5 分指数 ≤ 100 的天数比例。"
        "HJ 663-2013 年度统计只对满足 GB 3095 有效性规定的年份给出（≥ 324 天，每月 ≥ 27 天，二月 ≥ 25 天）。",
        "Only PM2.5 is in the shipped data, so the daily index is the PM2.5 IAQI (HJ 633-2012, rounded up), "
        "not the AQI, which needs all six pollutants; the good-day share is the share of days with a PM2.5 "
        "IAQI ≤ 100. Annual statistics per HJ 663-2013 are given only for years meeting GB 3095's validity "
        "rule (≥ 324 days, ≥ 27 per month, February ≥ 25)."),
    "monitoring.demo.chart_pm25": entry(
        "PM2.5 月均浓度（µg/m³），虚线为 GB 3095-2012 二级年均（35）和 24 小时（75）限值 [M]。",
        "Monthly mean PM2.5 (µg/m³), with the GB 3095-2012 grade II annual (35) and 24-h (75) limits [M]."),
    "monitoring.demo.days": entry("有效天数", "Days"),
    "monitoring.demo.valid": entry("有效年", "Valid year"),
    "monitoring.demo.yes": entry("是", "yes"),
    "monitoring.demo.no": entry("否", "no"),
    "monitoring.demo.annual_mean": entry("PM2.5 年均浓度（µg/m³）", "PM2.5 annual mean (µg/m³)"),
    "monitoring.demo.p95": entry("PM2.5 24小时第95百分位（µg/m³）", "PM2.5 24-h P95 (µg/m³)"),
    "monitoring.demo.exceedance": entry("PM2.5 分指数 > 100 天数", "Days PM2.5 IAQI > 100"),
    "monitoring.demo.good_share": entry("优良天数比例（仅 PM2.5）", "Good-day share (PM2.5 only)"),
    "monitoring.demo.index_term": entry("单项指数 C/S", "Index term C/S"),
    "monitoring.demo.air_aggregate": entry("{years} 合计/平均", "{years} total / mean"),
    "monitoring.demo.alerts": entry("三、预警（{count} 条）", "3. Alerts ({count})"),
    "monitoring.demo.by_rule": entry("按规则统计", "By rule"),
    "monitoring.demo.rule": entry("规则", "Rule"),
    "monitoring.demo.basis": entry("依据", "Basis"),
    "monitoring.demo.count": entry("预警条数", "Alerts"),
    "monitoring.demo.severity": entry("级别", "Severity"),
    "monitoring.demo.severity.high": entry("高", "high"),
    "monitoring.demo.severity.medium": entry("中", "medium"),
    "monitoring.demo.severity.low": entry("低", "low"),
    "monitoring.demo.unit": entry("单位", "Unit"),
    "monitoring.demo.period": entry("时段", "Period"),
    "monitoring.demo.message": entry("预警内容", "Message"),
    "monitoring.demo.responsible": entry("责任单位", "Responsible"),
    "monitoring.demo.evidence": entry("证据", "Evidence"),
    "monitoring.demo.evidence.above": entry("{value} {unit}，高于 {limit} {unit}",
                                         "{value} {unit}, above {limit} {unit}"),
    "monitoring.demo.evidence.below": entry("{value} {unit}，低于 {limit} {unit}",
                                         "{value} {unit}, below {limit} {unit}"),
    "monitoring.demo.evidence.count": entry(
        "{periods} 天中 {count} 天高于 {limit} {unit}（≥ {at_least} 天即预警）；最高 {max} {unit}",
        "{count} of {periods} days above {limit} {unit} (alert at ≥ {at_least}); highest {max} {unit}"),
    "monitoring.demo.evidence.trend": entry(
        "上升趋势，斜率 {slope} {unit}/年（曼-肯德尔检验 p = {p}，显著性水平 {alpha}）",
        "rising, slope {slope} {unit}/yr (Mann–Kendall p = {p}, level {alpha})"),
    "monitoring.demo.evidence.change": entry(
        "{start}年 {before} → {end}年 {after}（{change}，预警线 −{drop}%）",
        "{start} {before} → {end} {after} ({change}; alert at −{drop}%)"),
    "monitoring.demo.no_rules_without_data": entry("无", "none"),
    "monitoring.demo.rules_without_data": entry("本例无数据的规则（不产生预警）：",
                                             "Rules without data here (they raise nothing): "),
    "monitoring.demo.rule.poyang-tp-above-lake-class-iii": entry(
        "鄱阳湖总磷超过 GB 3838-2002 湖库III类限值",
        "Poyang Lake total phosphorus above the GB 3838-2002 class III limit for lakes"),
    "monitoring.demo.basis.poyang-tp-above-lake-class-iii": entry(
        "GB 3838-2002 表1，湖库总磷III类 0.05 mg/L [V]",
        "GB 3838-2002 table 1, TP lakes and reservoirs, class III 0.05 mg/L [V]"),
    "monitoring.demo.rule.pm25-annual-above-grade-ii": entry(
        "PM2.5 年均浓度超过 GB 3095-2012 二级年均限值",
        "Annual mean PM2.5 above the GB 3095-2012 grade II annual limit"),
    "monitoring.demo.basis.pm25-annual-above-grade-ii": entry(
        "GB 3095-2012 表1，PM2.5 年均二级 35 µg/m³ [M]",
        "GB 3095-2012 table 1, PM2.5 annual mean grade II 35 µg/m³ [M]"),
    "monitoring.demo.rule.pm25-daily-exceedance-days": entry(
        "PM2.5 超过 24 小时二级限值（分指数 > 100）的天数多于十分之一",
        "More than one day in ten with PM2.5 above the 24-h grade II limit (IAQI > 100)"),
    "monitoring.demo.basis.pm25-daily-exceedance-days": entry(
        "75 µg/m³：GB 3095-2012 24 小时二级限值和 HJ 633 分指数 100 [V]；37 天（一年的 10%）：本规则文件的政"
        "策设定",
        "75 µg/m³: GB 3095-2012 24-h grade II and HJ 633 IAQI 100 [V]; 37 days (10 % of a year): a policy "
        "setting of this file"),
    "monitoring.demo.rule.pm25-monthly-rising": entry(
        "PM2.5 月均浓度上升（曼-肯德尔检验，5% 显著性水平）",
        "Monthly mean PM2.5 rising (Mann–Kendall, 5 % level)"),
    "monitoring.demo.basis.pm25-monthly-rising": entry(
        "曼-肯德尔检验与森氏斜率；显著性水平为本规则文件的政策设定",
        "Mann–Kendall test with Sen's slope; level a policy setting of this file"),
    "monitoring.demo.rule.county-regulating-services-drop": entry(
        "县域调节服务价值（GEP）在两个核算年份之间下降 10% 或以上",
        "A county's regulating services (GEP) fell by 10 % or more between account years"),
    "monitoring.demo.basis.county-regulating-services-drop": entry(
        "已发布的核算结果（各年均计算的项目）；10% 为本规则文件的政策设定",
        "published accounts (items computed in every year); 10 % a policy setting of this file"),
    "monitoring.demo.rule.station-worse-than-class-iii": entry(
        "监测断面年度单因子水质类别劣于III类",
        "A monitoring station's annual single-factor class is worse than III"),
    "monitoring.demo.basis.station-worse-than-class-iii": entry(
        "GB 3838-2002 单因子评价；III类为常用功能区目标（本规则文件的政策设定）",
        "GB 3838-2002 single-factor evaluation; class III the usual functional target (a policy setting of "
        "this file)"),
    "monitoring.demo.rule.lake-station-eutrophic": entry(
        "湖库监测点富营养（综合营养状态指数 > 50）",
        "A lake or reservoir station is eutrophic (TLI above 50)"),
    "monitoring.demo.basis.lake-station-eutrophic": entry(
        "中国环境监测总站综合营养状态指数分级：TLI > 50 为富营养 [V]",
        "CNEMC trophic level index grades: TLI > 50 eutrophic [V]"),
    "monitoring.demo.provenance": entry("四、数据来源与说明", "4. Provenance"),
    "monitoring.demo.table_versions": entry("参数表版本：", "Table versions: "),
    "monitoring.demo.note.aqi": entry(
        "空气表中的 AQI 列是 PM2.5 分指数：HJ 633 的 AQI 需要全部六项污染物，随附数据只有 PM2.5。",
        "The AQI columns of the air tables are PM2.5 IAQIs: HJ 633's AQI needs all six pollutants, and the "
        "shipped data hold PM2.5 only."),
    "monitoring.demo.note.load": entry(
        "总磷负荷账户缺失：没有随附公开的负荷系数或活动量数据（tp_load_coefficients.csv 说明各来源需要什么数"
        "据）；五河入湖负荷已有径流量，但缺少各河流量加权年均总磷浓度（poyang_inflow_tp.csv 列出所缺统计）。",
        "The TP load account is missing: no open load coefficients or activity data are shipped "
        "(tp_load_coefficients.csv says what would fill each source); the five rivers' inflow has its runoff "
        "but lacks each river's flow-weighted annual mean TP (poyang_inflow_tp.csv names the statistics)."),
    "monitoring.demo.city.Nanchang": entry("南昌市", "Nanchang"),
    "monitoring.demo.city.Jiujiang": entry("九江市", "Jiujiang"),
    "monitoring.demo.unit.360000": entry("江西省", "Jiangxi"),
    "monitoring.demo.unit.360100": entry("南昌市", "Nanchang"),
    "monitoring.demo.unit.360400": entry("九江市", "Jiujiang"),
    "monitoring.demo.station.蛤蟆石": entry("蛤蟆石", "Hamashi"),
    "monitoring.demo.station.都昌": entry("都昌", "Duchang"),
    "monitoring.demo.station.康山": entry("康山", "Kangshan"),
    "monitoring.demo.station.鄱阳": entry("鄱阳", "Poyang"),
    "monitoring.demo.station.星子": entry("星子", "Xingzi"),
})
NOTES = ("monitoring.demo.note.aqi", "monitoring.demo.note.load")


def default_rules() -> str:
    return resources.files("ecoledger.data").joinpath("monitoring/jiangxi_rules.toml").read_text("utf-8")


def read_daily_pm25(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    return pd.DataFrame({"city": frame["City"], "date": pd.to_datetime(frame["date"]).dt.date.astype(str),
                         "pm25_24h": frame["PM2.5"].astype(float)})


def read_accounts(files: list[Path]) -> pd.DataFrame | None:
    if not files:
        return None
    return pd.concat([pd.read_csv(f, dtype={"adcode": str}) for f in files], ignore_index=True)


def build(data: Path, accounts_files: list[Path] = (), rules_text: str | None = None,
          target: float = 0.05, target_year: int = 2025) -> dict:
    """Every table of the demo, in memory: {"poyang_tp", "tp_load_account",
    "assessment_indicators" (the last year's air indicators for the assessment rules),
    "station_grades", "air_daily", "air_annual", "alerts", "summary"}."""
    statistics = pd.read_csv(data / STATISTICS, dtype={"adcode": str})
    tp = phosphorus.tp_readings(phosphorus.statistic_series(statistics, "poyang_lake_tp", "360000", TP_YEARS))
    first = tp[tp["status"] == "reported"].iloc[0]
    path = phosphorus.target_path(int(first["year"]), float(first["value"]), target_year, target, TP_YEARS)
    def cuts(relation: str) -> list[float]:
        return [phosphorus.required_load_cut(v, target, relation) if v == v else float("nan")
                for v in tp["value"]]

    tp = tp.assign(target_path=path.values, above_path=tp["value"].values > path.values,
                   load_cut_linear=cuts("vollenweider_linear"), load_cut_oecd=cuts("oecd_1982"))
    daily = read_daily_pm25(data / AIR)
    scored = daily.assign(
        iaqi_pm25_exact=[air.iaqi_exact("pm25", "24h", c) for c in daily["pm25_24h"]],
        iaqi_pm25=[air.iaqi("pm25", "24h", c) for c in daily["pm25_24h"]])
    scored["category"] = [air.category(v)[0] for v in scored["iaqi_pm25"]]
    annual = air.annual_indicators(daily)
    monthly = daily.assign(period=daily["date"].str[:7]).groupby(["city", "period"])["pm25_24h"].mean()
    monthly = monthly.reset_index()
    series = [indicators.from_statistics(statistics), indicators.from_air_daily(daily, CITY_CODES),
              indicators.from_air_annual(annual, CITY_CODES),
              pd.DataFrame({"series": "pm25_monthly_mean",
                            "unit_code": monthly["city"].map(lambda c: CITY_CODES[c][0]),
                            "unit_name": monthly["city"].map(lambda c: CITY_CODES[c][1]),
                            "period": monthly["period"], "value": monthly["pm25_24h"], "unit": "µg/m³"})]
    accounts = read_accounts(list(accounts_files))
    if accounts is not None:
        series.append(indicators.from_accounts(accounts))
    rules = warning.parse_rules(rules_text or default_rules())
    series = pd.concat(series, ignore_index=True)
    alerts = warning.evaluate(rules, series)
    inputs = [data / STATISTICS, data / AIR, data / STATION_GRADES, *accounts_files]
    summary = {
        "table_versions": table_versions(),
        "inputs": {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs},
        "rules": [r.id for r in rules],
        "alerts_by_rule": {r.id: sum(a.rule_id == r.id for a in alerts) for r in rules},
        "rules_without_data": warning.rules_without_data(rules, series),
        "target": {"tp_mg_l": target, "year": target_year,
                   "note": MESSAGES["monitoring.demo.target_note"]["en"]},
        "notes": [MESSAGES[key]["en"] for key in NOTES],
    }
    assessment = links.assessment_rows(
        int(annual["year"].max()), "ecoledger monitoring demo: HJ 663 indicators of the daily PM2.5 "
        "of data/jiangxi/air (SpTe2M 1.0.3)",
        annual.assign(code=annual["city"].map(lambda c: CITY_CODES[c][0])))
    inflow = inflow_account(data)
    summary["tp_inflow_years_computed"] = sorted(
        int(y) for y in inflow.loc[(inflow["river"] == "total") & (inflow["status"] == "computed"), "year"])
    known = inflow[(inflow["river"] == "total") & (inflow["status"] == "computed")]
    activity = {"five_river_tp_flux": float(known["load_t"].iloc[-1])} if len(known) else {}
    return {"poyang_tp": tp, "tp_load_account": phosphorus.load_account(activity),
            "tp_inflow_load": inflow,
            "assessment_indicators": assessment,
            "station_grades": pd.read_csv(data / STATION_GRADES), "air_daily": scored,
            "air_annual": annual, "alerts": warning.alerts_frame(alerts), "summary": summary,
            "rules_text": rules_text or default_rules()}


def inflow_account(data: Path) -> pd.DataFrame:
    """The five rivers' TP load per year of ``TP_YEARS`` the hydrology covers (all of them when
    it is absent): runoff × published concentration (``poyang_inflow_tp.csv``); missing where
    either is not available, the statistic named."""
    rivers = table("poyang_inflow_rivers")
    if (data / HYDROLOGY).is_file() and (data / BASIN_AREAS).is_file():
        hydrology = pd.read_csv(data / HYDROLOGY, encoding="utf-8-sig")
        areas = pd.read_csv(data / BASIN_AREAS, encoding="utf-8-sig")
    else:  # no hydrology in this pack: every runoff is missing, named
        hydrology = pd.DataFrame(columns=["basin_en", "year", "runoff_depth_mm", "scenario"])
        areas = pd.DataFrame(columns=["basin_en", "area_km2_from_formula"])
    years = [y for y in TP_YEARS if y in set(hydrology["year"].astype(int))] or list(TP_YEARS)
    runoff = phosphorus.basin_runoff(hydrology, areas, rivers, years)
    return phosphorus.inflow_load_account(runoff, table("poyang_inflow_tp"), rivers)


def published_inflow_loads() -> pd.DataFrame:
    """Published inflow TP loads of other years (context, not part of the account)."""
    rows = table("poyang_inflow_tp")
    return rows[(rows["statistic"] == "tp_load") & (rows["status"] == "reported")]


def write(result: dict, out: Path) -> None:
    """The demo's CSV tables, summary.json and the page (index.html zh, index.en.html en), written
    atomically to ``out``."""
    with atomic_directory(out) as staging:
        for name, frame in result.items():
            if isinstance(frame, pd.DataFrame):
                frame.to_csv(staging / f"{name}.csv", index=False)
        (staging / "summary.json").write_text(json.dumps(result["summary"], ensure_ascii=False, indent=2),
                                              encoding="utf-8")
        pages.write(staging, lambda t: render_page(result, t))


COLOURS = ("#1f6fb2", "#d9622b", "#2e8540", "#8e44ad")


def svg_chart(lines: dict[str, list[tuple[float, float]]], references: dict[str, float],
              x_ticks: list[tuple[float, str]], unit: str, dashed: tuple[str, ...] = ()) -> Markup:
    """A small inline SVG line chart: ``lines`` label → (x, y) points (NaN y: a gap, nothing
    drawn), ``references`` label → a horizontal line, ``x_ticks`` (x, label)."""
    width, height, left, right, top, bottom = 660, 240, 56, 150, 12, 28
    xs = [x for points in lines.values() for x, _ in points] + [x for x, _ in x_ticks]
    ys = [y for points in lines.values() for _, y in points if y == y] + list(references.values())
    x0, x1, y1 = min(xs), max(xs), max(ys) * 1.1

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - y / y1) * (height - top - bottom)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
             f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="#444"/>',
             f'<text x="4" y="{top + 10}" font-size="11">{html.escape(unit)}</text>']
    for value in (y1 / 1.1 * f for f in (0.25, 0.5, 0.75, 1.0)):
        parts.append(f'<text x="{left - 4}" y="{py(value) + 4:.1f}" font-size="10" text-anchor="end">'
                     f"{value:.3g}</text>")
    for x, label in x_ticks:
        parts.append(f'<text x="{px(x):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
                     f"{html.escape(label)}</text>")
    for label, value in references.items():
        parts.append(f'<line x1="{left}" y1="{py(value):.1f}" x2="{width - right}" y2="{py(value):.1f}" '
                     f'stroke="#b00" stroke-dasharray="2 3"/><text x="{width - right + 4}" '
                     f'y="{py(value) + 4:.1f}" font-size="10" fill="#b00">{html.escape(label)}</text>')
    for index, ((label, points), colour) in enumerate(zip(lines.items(), COLOURS, strict=False)):
        style = ' stroke-dasharray="6 4"' if label in dashed else ""
        markers = not style and len(points) <= 12  # dots on short solid series; a lone point always
        segment: list[tuple[float, float]] = []
        for x, y in [*points, (math.nan, math.nan)]:
            if y == y:
                segment.append((px(x), py(y)))
                continue
            if segment:
                coordinates = " ".join(f"{a:.1f},{b:.1f}" for a, b in segment)
                parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"{style}/>')
            if segment and (markers or len(segment) == 1):
                parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>' for a, b in segment]
            segment = []
        legend_y = height - bottom - 14 * (len(lines) - 1 - index)
        parts.append(f'<text x="{width - right + 4}" y="{legend_y}" font-size="11" '
                     f'fill="{colour}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def charts(result: dict, t=None) -> dict[str, Markup]:
    """The demo's two charts: Poyang TP against its target path, and monthly PM2.5 by city."""
    t = t or i18n.translator("zh")
    tp = result["poyang_tp"]
    years = tp["year"].tolist()
    reported, target = t("monitoring.demo.chart.tp"), t("monitoring.demo.chart.target")
    tp_chart = svg_chart(
        {reported: list(zip(years, tp["value"], strict=True)),
         target: list(zip(years, tp["target_path"], strict=True))},
        {t("monitoring.demo.chart.lake_iii"): 0.05, t("monitoring.demo.chart.lake_iv"): 0.1},
        [(y, str(y) if status == "reported" else t("monitoring.demo.chart.missing_year", year=y))
         for y, status in zip(years, tp["status"], strict=True)],
        "mg/L", dashed=(target,))
    daily = result["air_daily"]
    monthly = daily.assign(month=daily["date"].str[:7]).groupby(["city", "month"])["pm25_24h"].mean()
    first_year = int(daily["date"].str[:4].min())

    def x_of(month: str) -> float:
        return int(month[:4]) - first_year + (int(month[5:7]) - 1) / 12

    lines = {_city(city, t): [(x_of(m), v) for (c, m), v in monthly.items() if c == city]
             for city in sorted(daily["city"].unique())}
    last_year = int(daily["date"].str[:4].max())
    pm_chart = svg_chart(lines, {t("monitoring.demo.chart.annual_limit"): 35,
                                 t("monitoring.demo.chart.daily_limit"): 75},
                         [(y - first_year, str(y)) for y in range(first_year, last_year + 1)], "µg/m³")
    return {"tp": tp_chart, "pm25": pm_chart}


# --- the page -------------------------------------------------------------------------------------

ROMAN = ("", "I", "II", "III", "IV", "V")
_BILINGUAL = re.compile(r"^(?P<zh>[^()]*[\u4e00-\u9fff][^()]*) \((?P<en>[^()]+)\)$")


def _known(t, key: str, fallback) -> str:
    """``t(key)`` when the catalogue has it, else ``fallback`` as it is (a name) or marked foreign."""
    if key in MESSAGES:
        return t(key)
    return fallback if isinstance(fallback, Markup) else str(fallback)


def _shipped(t, key: str, text) -> str | Markup:
    """The catalogue's text for a shipped English text (a rule message, a reference) in ``t``'s
    language; text edited by a user (it differs from the catalogue's) is shown as written."""
    if not isinstance(text, str) or not text.strip():
        return DASH
    if key in MESSAGES and MESSAGES[key]["en"] == text:
        return t(key)
    return pages.foreign(text) if t.lang == "zh" else text


def rule_text(t, part: str, rule_id, text) -> str | Markup:
    """A rule's ``message`` or ``basis`` (``part``) in ``t``'s language: the catalogue's translation
    of the shipped rule file (``monitoring.demo.rule.<id>``, ``monitoring.demo.basis.<id>``), a user's
    own rule text as written. The demo page and the platform's monitoring page both show rules so."""
    return _shipped(t, f"monitoring.demo.{'rule' if part == 'message' else part}.{rule_id}", text)


def _city(city: str, t) -> str:
    return _known(t, f"monitoring.demo.city.{city}", city)


def _unit(code, name, t) -> str:
    return _known(t, f"monitoring.demo.unit.{code}", name)


def _responsible(value, t) -> str:
    """"江西省生态环境厅 (Jiangxi Department …)" → the page's language; "南昌市 (360100)" → the
    unit's name in it, with its code."""
    found = _BILINGUAL.match(str(value))
    if found is None:
        return pages.text(value)
    if found["en"].isdigit():
        return f"{_unit(found['en'], found['zh'], t)} ({found['en']})" if t.lang == "en" else str(value)
    return found["zh"] if t.lang == "zh" else found["en"]


def _water_class(value, t) -> str:
    number = i18n._as_float(value)
    if number is None:
        return DASH
    grade = int(number)
    if grade > 5:
        return t("monitoring.demo.worse_than_v")
    return t("monitoring.demo.class", roman=ROMAN[grade])


def _fixed(digits: int):
    return lambda v: DASH if i18n._as_float(v) is None else f"{float(v):,.{digits}f}"


def _whole(value) -> str:
    return DASH if i18n._as_float(value) is None else f"{int(value):,}"


def _sources(value) -> Markup | str:
    if not isinstance(value, str) or not value.strip():
        return DASH
    links_ = [Markup('<a href="{}" translate="no">[{}]</a>').format(url.strip(), n)
              for n, url in enumerate(value.split(" | "), start=1)]
    return Markup(" ").join(links_)


def _evidence(alert: pd.Series, t) -> str:
    raw = alert["evidence"]
    evidence = json.loads(raw) if isinstance(raw, str) else dict(raw)
    unit = evidence.get("unit", "")
    number = i18n.number
    if "periods_above" in evidence:
        return t("monitoring.demo.evidence.count", count=evidence["periods_above"],
                 periods=evidence["periods"], limit=number(evidence["above"]), unit=unit,
                 at_least=evidence["count_at_least"], max=number(evidence["max"]))
    if "change_percent" in evidence:
        return t("monitoring.demo.evidence.change", start=evidence["from"], end=evidence["to"],
                 before=f"{i18n.number_yi(evidence['value_from'])} {t('pages.yi_yuan')}",
                 after=f"{i18n.number_yi(evidence['value_to'])} {t('pages.yi_yuan')}",
                 change=i18n.percent(evidence["change_percent"] / 100, 1, signed=True),
                 drop=number(evidence["drop_percent"]))
    if "sen_slope" in evidence:
        return t("monitoring.demo.evidence.trend", slope=number(evidence["sen_slope"]), unit=unit,
                 p=number(evidence["p"]), alpha=number(evidence["alpha"]))
    for side in ("above", "below"):
        if side in evidence:
            return t(f"monitoring.demo.evidence.{side}", value=number(evidence["value"]),
                     limit=number(evidence[side]), unit=unit)
    return pages.foreign(json.dumps(evidence, ensure_ascii=False)) if t.lang == "zh" else json.dumps(evidence)


def page_model(result: dict, t) -> dict:
    """What the monitoring page shows, in ``t``'s language: tables whose aggregates are computed once."""
    C = pages.Column
    text = {"format": pages.text, "numeric": False}
    tp = result["poyang_tp"]
    reported = tp[tp["status"] == "reported"]
    span = f"{int(reported['year'].min())}–{int(reported['year'].max())}" if len(reported) else DASH
    tp_table = pages.table(tp, [
        C("year", t("monitoring.demo.year"), i18n.plain, numeric=False),
        C("value", t("monitoring.demo.tp_value"), _fixed(3)),
        C("status", t("monitoring.demo.status"), **text),
        C("class_lake", t("monitoring.demo.class_lake"), **text),
        C("class_river", t("monitoring.demo.class_river"), **text),
        C("target_path", t("monitoring.demo.target_path"), _fixed(3)),
        C("load_cut_linear", t("monitoring.demo.cut_linear"), pages.fraction),
        C("load_cut_oecd", t("monitoring.demo.cut_oecd"), pages.fraction),
        C("source_links", t("monitoring.demo.sources"), **text)], t,
        means=["value"], total_label=t("monitoring.demo.mean_reported", years=span),
        cells={"status": lambda r: _known(t, f"monitoring.demo.status.{r['status']}", r["status"]),
               "class_lake": lambda r: _water_class(r["class_lake_reading"], t),
               "class_river": lambda r: _water_class(r["class_river_reading"], t),
               "source_links": lambda r: _sources(r["sources"])},
        row_classes=["" if s == "reported" else "missing" for s in tp["status"]])

    load = result["tp_load_account"]
    source_names = dict(zip(load["source"], load["source_zh"] if t.lang == "zh"
                            else load["source"].str.replace("_", " "), strict=True))

    def why(row) -> str:
        reason = row["why_missing"]
        if not isinstance(reason, str) or not reason:
            return DASH
        if reason.startswith("sources missing: "):
            names = [source_names.get(s.strip(), s.strip()) for s in reason.split(": ", 1)[1].split(",")]
            return t("monitoring.demo.why.sources", sources=("、" if t.lang == "zh" else ", ").join(names))
        return _known(t, f"monitoring.demo.why.{reason}", reason)

    load_table = pages.table(load, [
        C("source_name", t("monitoring.demo.load_source"), **text),
        C("load_shown", t("monitoring.demo.load_t"), _fixed(1)),
        C("status", t("monitoring.demo.status"), **text),
        C("why", t("monitoring.demo.why"), **text),
        C("ref", t("monitoring.demo.reference"), **text)], t,
        cells={"source_name": lambda r: t("pages.total") if r["source"] == "total"
               else source_names[r["source"]],
               "load_shown": lambda r: _fixed(1)(r["load_t"]),
               "status": lambda r: _known(t, f"monitoring.demo.status.{r['status']}", r["status"]),
               "why": why,
               "ref": lambda r: _shipped(t, f"monitoring.demo.reference.{r['source']}", r["reference"])},
        row_classes=["total" if s == "total" else "missing" if st == "missing" else ""
                     for s, st in zip(load["source"], load["status"], strict=True)])

    inflow = result.get("tp_inflow_load")  # absent from results read back from older CSV sets
    inflow_table = inflow_load_table(inflow, t) if inflow is not None else None

    grades = result["station_grades"]
    grade_en = dict(zip(grades["grade_cn"], grades["grade_en"].str.replace("_", " "), strict=False))
    wide = grades.pivot_table(index="station", columns="year", values="grade_cn", aggfunc="first", sort=False)
    wide = wide.reset_index()
    wide.columns = [str(c) for c in wide.columns]
    grade_years = [c for c in wide.columns if c != "station"]
    grade_table = pages.table(wide, [C("station", t("monitoring.demo.station"), **text)] + [
        C(y, f"{t('monitoring.demo.year')} {y}" if t.lang == "en" else f"{y}年", **text)
        for y in grade_years],
        t, cells={"station": lambda r: _known(t, f"monitoring.demo.station.{r['station']}", r["station"]),
                  **{y: (lambda r, y=y: pages.text(r[y]) if t.lang == "zh" else grade_en.get(r[y], DASH))
                     for y in grade_years}})

    annual = result["air_annual"]
    air_tables = []
    for city, frame in annual.groupby("city", sort=False):
        years = f"{int(frame['year'].min())}–{int(frame['year'].max())}"
        air_tables.append(pages.table(frame.reset_index(drop=True), [
            C("year", t("monitoring.demo.year"), i18n.plain, numeric=False),
            C("days_pm25_24h", t("monitoring.demo.days"), _whole),
            C("valid", t("monitoring.demo.valid"), **text),
            C("pm25_annual_mean", t("monitoring.demo.annual_mean"), _fixed(1)),
            C("pm25_p95_24h", t("monitoring.demo.p95"), _fixed(1)),
            C("exceedance_days_pm25", t("monitoring.demo.exceedance"), _whole),
            C("good_share_pm25", t("monitoring.demo.good_share"), pages.fraction),
            C("index_pm25", t("monitoring.demo.index_term"), _fixed(2))], t, caption=_city(city, t),
            totals=["days_pm25_24h", "exceedance_days_pm25"], means=["pm25_annual_mean"],
            total_label=t("monitoring.demo.air_aggregate", years=years),
            cells={"valid": lambda r: t("monitoring.demo.yes" if r["valid_pm25_24h"]
                                        else "monitoring.demo.no")}))

    alerts = result["alerts"]
    alert_table = pages.table(alerts, [
        C("severity", t("monitoring.demo.severity"), **text),
        C("message", t("monitoring.demo.message"), **text),
        C("unit_name", t("monitoring.demo.unit"), **text),
        C("period", t("monitoring.demo.period"), **text),
        C("evidence", t("monitoring.demo.evidence"), **text),
        C("responsible", t("monitoring.demo.responsible"), **text)], t,
        cells={"severity": lambda r: _known(t, f"monitoring.demo.severity.{r['severity']}", r["severity"]),
               "message": lambda r: rule_text(t, "message", r["rule_id"], r["message"]),
               "unit_name": lambda r: _unit(r["unit_code"], r["unit_name"], t),
               "evidence": lambda r: _evidence(r, t),
               "responsible": lambda r: _responsible(r["responsible"], t)},
        row_classes=[str(s) for s in alerts["severity"]])
    rules_frame = alerts_by_rule(result)
    rule_table = pages.table(rules_frame, [
        C("message", t("monitoring.demo.rule"), **text),
        C("severity", t("monitoring.demo.severity"), **text),
        C("basis", t("monitoring.demo.basis"), **text),
        C("alerts", t("monitoring.demo.count"), _whole)], t, totals=["alerts"],
        cells={"message": lambda r: rule_text(t, "message", r["rule_id"], r["message"]),
               "severity": lambda r: _known(t, f"monitoring.demo.severity.{r['severity']}", r["severity"]),
               "basis": lambda r: rule_text(t, "basis", r["rule_id"], r["basis"])})

    summary = result["summary"]
    target = summary["target"]
    without = [Markup("<code>{}</code>").format(rule) for rule in summary["rules_without_data"]]
    facts = [
        (t("monitoring.demo.facts.tp_years"),
         t("monitoring.demo.facts.tp_years_value", reported=len(reported), all=len(tp), years=span)),
        (t("monitoring.demo.facts.alerts"), f"{len(alerts):,}"),
        (t("monitoring.demo.facts.target"), t("monitoring.demo.facts.target_value", tp=target["tp_mg_l"],
                                              year=target["year"]))]
    shipped_note = target["note"] == MESSAGES["monitoring.demo.target_note"]["en"]
    target_note = t("monitoring.demo.target_note") if shipped_note else pages.foreign(target["note"])
    published = [t("monitoring.demo.inflow_published", year=r["year"], value=r["value"],
                   title=r["source_title"].split(":")[0])
                 for r in published_inflow_loads().to_dict("records")]
    return {"facts": facts, "colon": "：" if t.lang == "zh" else ": ", "tp": tp_table, "load": load_table,
            "inflow": inflow_table, "inflow_published": published,
            "grades": grade_table, "air": air_tables, "alerts": alert_table, "rules": rule_table,
            "alert_count": len(alerts), "target_note": target_note,
            "rules_without_data": Markup("、" if t.lang == "zh" else ", ").join(without)
            or t("monitoring.demo.no_rules_without_data"),
            "table_versions": summary["table_versions"], "notes": [t(key) for key in NOTES],
            "charts": charts(result, t),
            "files": [name for name, frame in result.items() if isinstance(frame, pd.DataFrame)]}


RIVER_ZH = {"Ganjiang": "赣江", "Fuhe": "抚河", "Xinjiang": "信江", "Raohe": "饶河", "Xiushui": "修水",
            "Changjiang": "昌江", "Le'anhe": "乐安河"}


def _river(name: str, t) -> str:
    return RIVER_ZH.get(name, name) if t.lang == "zh" else name


def _missing_statistics(value, t) -> str:
    """The statistics a row lacks, in ``t``'s language (the account writes them in English)."""
    if not isinstance(value, str) or not value:
        return DASH
    names = []
    for part in value.split("; "):
        found = re.match(r"tp_flow_weighted_mean \(mg/L\) of (\S+) (\d{4})$", part)
        basins = re.match(r"runoff depth or area of (.+)$", part)
        rivers = re.match(r"rivers missing: (.+)$", part)
        if found:
            names.append(t("monitoring.demo.missing.concentration", river=_river(found[1], t), year=found[2]))
        elif rivers:
            listed = [_river(r.strip(), t) for r in rivers[1].split(",")]
            joined = ("、" if t.lang == "zh" else ", ").join(listed)
            names.append(t("monitoring.demo.missing.rivers", rivers=joined))
        elif basins:
            names += [t("monitoring.demo.missing.runoff", basin=_river(b.strip(), t))
                      for b in basins[1].split(",")]
        else:
            names.append(pages.foreign(part))
    return ("；" if t.lang == "zh" else "; ").join(names)


def inflow_load_table(inflow: pd.DataFrame, t):
    """The five rivers' TP inflow per year: runoff, concentration, load or the statistic missing."""
    C = pages.Column
    text = {"format": pages.text, "numeric": False}
    return pages.table(inflow, [
        C("year", t("monitoring.demo.year"), str, numeric=False),
        C("river", t("monitoring.demo.river"), **text),
        C("runoff_m3", t("monitoring.demo.runoff"), lambda v: DASH if i18n._as_float(v) is None
          else f"{float(v) / 1e8:,.1f}"),
        C("tp_mg_l", t("monitoring.demo.tp_conc"), _fixed(3)),
        C("load_t", t("monitoring.demo.load_t"), _fixed(1)),
        C("status", t("monitoring.demo.status"), **text),
        C("missing_statistics", t("monitoring.demo.missing_statistics"), **text),
        C("source", t("monitoring.demo.reference"), **text)], t,
        cells={"river": lambda r: t("pages.total") if r["river"] == "total"
               else (r["river_zh"] if t.lang == "zh" else r["river"]),
               "status": lambda r: _known(t, f"monitoring.demo.status.{r['status']}", r["status"]),
               "missing_statistics": lambda r: _missing_statistics(r["missing_statistics"], t),
               "source": lambda r: _sources(r["source"])},
        row_classes=["total" if r == "total" else "missing" if st == "missing" else ""
                     for r, st in zip(inflow["river"], inflow["status"], strict=True)])


def alerts_by_rule(result: dict) -> pd.DataFrame:
    """One row per rule of the run: its message, severity, basis and number of alerts (the alerts
    table grouped once; rules that raised nothing count 0)."""
    alerts = result["alerts"]
    counts = alerts.groupby("rule_id").size() if len(alerts) else pd.Series(dtype=int)
    rules = warning.parse_rules(result.get("rules_text") or default_rules())
    rows = [{"rule_id": r.id, "message": r.message, "severity": r.severity, "basis": r.basis,
             "alerts": int(counts.get(r.id, 0))} for r in rules if r.id in result["summary"]["rules"]]
    return pd.DataFrame(rows, columns=["rule_id", "message", "severity", "basis", "alerts"])


def render_page(result: dict, t) -> str:
    """The monitoring demo page in ``t``'s language."""
    return pages.environment().get_template("monitoring/demo.html.j2").render(t=t, **page_model(result, t))
