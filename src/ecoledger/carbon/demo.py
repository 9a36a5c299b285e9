"""The Jiangxi carbon demo: dual-control path from the shipped statistics, the province inventory on
the pack's statistics (``inventory.csv``: electricity-related CO₂ 2018 and 2020 from the published
electricity use, every year without fuel statistics missing), one illustrative product label, one
illustrative forest sink project, an inclusion ledger with a few actions, and the claims that keep
their tonnes apart. Everything is written at once into one folder (atomic)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ecoledger import pages
from ecoledger.atomic import atomic_directory
from ecoledger.carbon import claims, footprint, forest, inclusion, inventory, label, ledger, pack_inventory
from ecoledger.carbon.errors import CarbonError
from ecoledger.carbon.factors import Registry
from ecoledger.messages import entry
from ecoledger.platform import i18n

PROVINCE = "360000"
YEARS = list(range(2019, 2025))
CONTEXT_INDICATORS = ("energy_intensity_change", "energy_consumption_growth", "electricity_intensity_change")


def gep_forest_sequestration(accounts_csv: Path | None, code: str) -> dict | None:
    """The forest row of GEP carbon sequestration (固碳) of a unit in an accounts.csv, if present."""
    if accounts_csv is None or not Path(accounts_csv).exists():
        return None
    table = pd.read_csv(accounts_csv, dtype={"adcode": str})
    row = table[
        (table["adcode"] == code)
        & (table["item"] == "carbon_sequestration")
        & (table["ecosystem"] == "forest")
    ]
    if row.empty or pd.isna(row.iloc[0]["physical_value"]):
        return None
    r = row.iloc[0]
    return {
        "adcode": code,
        "name": r["name"],
        "year": int(r["year"]),
        "t_co2": float(r["physical_value"]),
        "value_yuan": float(r["value_yuan"]),
        "file": str(accounts_csv),
    }


def inclusion_demo(actions_csv: Path, registry: Registry) -> dict:
    """Replay the example actions through the ledger rules; refused actions are kept with the reason."""
    chains: dict[str, list[dict]] = {}
    seen: set[str] = set()
    log = []
    with open(actions_csv, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            chain = chains.setdefault(row["account"], [])
            day = dt.date.fromisoformat(row["day"])
            digest = ledger.evidence_hash(row["evidence"].encode("utf-8"))
            try:
                computed = inclusion.action_reduction(row["action"], float(row["activity"]), registry)
                ledger.check_earn(
                    chain,
                    row["action"],
                    float(row["activity"]),
                    day,
                    inclusion.method(row["action"]).daily_cap,
                    digest,
                    digest in seen,
                )
            except CarbonError as refused:
                log.append({**row, "outcome": "refused", "reason": str(refused)})
                continue
            seen.add(digest)
            validity = dt.timedelta(days=int(registry.value("policy.points_validity_days")))
            chain.append(
                ledger.new_entry(
                    chain,
                    row["account"],
                    "earn",
                    computed["points"],
                    day=day,
                    at=f"{row['day']}T12:00:00",
                    action=row["action"],
                    activity=float(row["activity"]),
                    reduction_kg=computed["reduction_kg"],
                    evidence_sha256=digest,
                    expires_on=day + validity,
                    detail={"factors": computed["factors"], "registry_version": registry.version},
                )
            )
            log.append(
                {
                    **row,
                    "outcome": "earned",
                    "reduction_kg": computed["reduction_kg"],
                    "points": computed["points"],
                }
            )
    citizen = chains["demo-citizen-1"]
    redeem_day = dt.date(2026, 3, 6)
    redeemed = 50
    ledger.check_redeem(citizen, redeemed, redeem_day)
    citizen.append(
        ledger.new_entry(
            citizen,
            "demo-citizen-1",
            "redeem",
            redeemed,
            day=redeem_day,
            at="2026-03-06T12:00:00",
            detail={"for": "bus ticket (illustrative)"},
        )
    )
    year_later = dt.date(2027, 3, 6)
    due = ledger.expired_points(citizen, year_later)
    citizen.append(
        ledger.new_entry(citizen, "demo-citizen-1", "expire", due, day=year_later, at="2027-03-06T00:00:00")
    )
    tampered = [dict(e) for e in citizen]
    tampered[1]["points"] *= 10
    return {
        "log": log,
        "chains": chains,
        "balances": {
            a: {
                "on_2026_03_06": ledger.balance(c, redeem_day),
                "on_2027_03_06": ledger.balance(c, year_later),
            }
            for a, c in chains.items()
        },
        "verified": {a: ledger.verify_chain(c).ok for a, c in chains.items()},
        "tamper_check": vars(ledger.verify_chain(tampered)),
        "reduction_kg": sum(
            e["reduction_kg"] or 0 for c in chains.values() for e in c if e["kind"] == "earn"
        ),
    }


def parcel_credits(project: forest.AfforestationProject, sink: dict, registry: Registry) -> dict[str, float]:
    """Creditable t CO₂/yr per parcel, in proportion to each parcel's tree-carbon gain."""
    gains = {s.parcel: -s.carbon(registry) for s in project.start}
    for s in project.end:
        gains[s.parcel] += s.carbon(registry)
    total = sum(gains.values())
    return {parcel: sink["creditable_t_co2_per_yr"] * gain / total for parcel, gain in gains.items()}


def run_demo(
    out: Path,
    statistics: Path,
    product_system: Path,
    sink_project: Path,
    actions: Path,
    registry: Registry,
    accounts_csv: Path | None = None,
    extra_statistics: tuple[Path, ...] = (),
) -> dict:
    """Write the demo folder ``out``; ``extra_statistics`` are filled templates whose years join
    the dual-control path and the province inventory."""
    table = inventory.read_statistics(statistics)
    extra = [inventory.read_statistics(p) for p in extra_statistics]
    if extra:
        table = pd.concat([table, *extra], ignore_index=True)
    years = sorted(set(YEARS) | {int(y) for y in table.loc[table["code"] == PROVINCE, "year"]})
    control = inventory.dual_control(table, registry, PROVINCE, years)
    province = province_inventory(Path(statistics), tuple(extra_statistics), registry)
    raw = pd.read_csv(statistics, dtype=str, keep_default_na=False)
    code_column = "adcode" if "adcode" in raw.columns else "code"
    context = raw[(raw[code_column] == PROVINCE) & raw["indicator"].isin(CONTEXT_INDICATORS)]
    wanted = [code_column, "year", "indicator", "indicator_zh", "value", "unit"]
    control["related_statistics"] = context[[c for c in wanted if c in context]].to_dict(
        "records"
    )

    system = footprint.load_product_system(product_system)
    pcf = footprint.compute(system, registry)
    record = label.make_record(pcf, "JX-DEMO-0001", dt.date(2026, 1, 1), 3, "none: illustrative demo label")

    project = forest.load_project(sink_project)
    sink = project.result(registry)
    gep = gep_forest_sequestration(accounts_csv, project.county)
    sink["gep_link"] = forest.gep_link(sink, gep)
    included = inclusion_demo(actions, registry)

    registered: list[claims.Claim] = []
    wanted = [
        claims.Claim(
            "sink",
            project.name,
            f"parcel:{parcel}",
            project.year_start + 1,
            project.year_end,
            tonnes * (project.year_end - project.year_start),
            "carbon.forest",
            "illustrative; t CO2 credited over the period",
        )
        for parcel, tonnes in parcel_credits(project, sink, registry).items()
    ]
    wanted += [
        claims.Claim(
            "inclusion",
            account,
            f"inclusion:{account}",
            2026,
            2026,
            sum(e["reduction_kg"] or 0 for e in chain if e["kind"] == "earn") / 1e3,
            "carbon.inclusion",
        )
        for account, chain in included["chains"].items()
    ]
    wanted += [
        claims.Claim(
            "label",
            "JX-DEMO-0001",
            "product:JX-DEMO-0001",
            2026,
            2028,
            0.0,
            "carbon.label",
            "a footprint declaration claims no reduction tonnes",
        ),
        claims.Claim(
            "inclusion",
            "demo-citizen-1",
            "parcel:ND-01",
            2026,
            2026,
            0.5,
            "carbon.inclusion",
            "tree planting reported by a citizen on a project parcel: must be refused",
        ),
    ]
    claim_log = []
    for claim in wanted:
        try:
            claims.check_claim(registered, claim)
            registered.append(claim)
            claim_log.append({**claim.as_dict(), "outcome": "registered"})
        except CarbonError as refused:
            claim_log.append({**claim.as_dict(), "outcome": "refused", "reason": str(refused)})

    with atomic_directory(out) as folder:
        issued = label.write_label(record, folder / "label")
        _write_json(folder / "dual_control.json", control)
        pack_inventory.write_inventory(province, folder / "inventory.csv")
        (folder / "dual_control.csv").write_text(_path_csv(control), encoding="utf-8")
        _write_json(folder / "footprint.json", pcf)
        _write_json(folder / "sink_project.json", sink)
        _write_json(
            folder / "inclusion.json",
            {k: included[k] for k in ("log", "balances", "verified", "tamper_check")},
        )
        with open(folder / "inclusion_ledger.jsonl", "w", encoding="utf-8") as handle:
            for chain in included["chains"].values():
                for entry in chain:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        _write_json(folder / "claims.json", claim_log)
        summary = {
            "registry_version": registry.version,
            "province_missing_years": control["missing_years"],
            "electricity_related_t": {r["year"]: r["co2_t"] for r in province if r["co2_t"] is not None
                                      and r["scope"] == "electricity_related_total"},
            "inventory_missing_years": sorted({r["year"] for r in province
                                               if r["scope"] == "territorial_total" and r["co2_t"] is None}),
            "target": control["target"],
            "footprint_kg_co2e": pcf["total_kg_co2e"],
            "label_code": issued["record_sha256"][: label.CODE_DIGITS],
            "sink_creditable_t_co2_per_yr": sink["creditable_t_co2_per_yr"],
            "sink_share_of_gep": sink["gep_link"]["share_of_gep_forest_sequestration"],
            "inclusion_reduction_kg": included["reduction_kg"],
            "inclusion_balances": included["balances"],
            "ledger_tamper_detected": not included["tamper_check"]["ok"],
            "claims_refused": sum(c["outcome"] == "refused" for c in claim_log),
        }
        _write_json(folder / "summary.json", summary)
        pages.write(folder, lambda t: render_page(control, pcf, issued, sink, included, claim_log, t,
                                                  province, registry))
    return summary


def province_inventory(statistics: Path, extra: tuple[Path, ...], registry: Registry) -> list[dict]:
    """The province's inventory rows from ``statistics``, the pack tables beside it
    (``data/jiangxi/statistics-2019``) and the filled templates ``extra``."""
    files = [statistics] + [f for f in pack_inventory.pack_files(statistics.parent.parent)
                            if f.resolve() != statistics.resolve()] + list(extra)
    return pack_inventory.pack_inventory(pack_inventory.load_tables(files), registry, codes=[PROVINCE])


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _path_csv(control: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "year",
            "co2_t",
            "gdp_yuan",
            "gdp_basis",
            "intensity_t_per_10k_yuan",
            "index",
            "target_index",
            "status",
            "conflicting",
        ]
    )
    for y, p in zip(control["years"], control["path"], strict=True):
        writer.writerow(
            [
                y["year"],
                _cell(y["co2_t"]),
                _cell(y["gdp_yuan"]),
                y["gdp_basis"] or "",
                _cell(p["intensity"]),
                _cell(p["index"]),
                _cell(p["target_index"]),
                p["status"],
                " ".join(y["conflicting"]),
            ]
        )
    return out.getvalue()


def _cell(value) -> str:
    return "" if value is None else f"{value:.6g}"



i18n.register({
    "carbon.demo.title": entry("江西双碳示例", "Jiangxi carbon demo"),
    "carbon.demo.lede": entry("碳排放双控路径取自随附统计；产品碳标签、造林碳汇项目和碳普惠账本为示例输入，"
                           "仅演示计算方法。",
                           "The dual-control path comes from the shipped statistics; the product label, the "
                           "afforestation project and the inclusion ledger use illustrative inputs to show "
                           "the methods."),
    "carbon.demo.dual": entry("一、全省碳排放强度与“十四五”目标",
                           "1. Province carbon intensity against the 14th FYP target"),
    "carbon.demo.target": entry("目标", "Target"),
    "carbon.demo.target_value": entry("{year}年较2020年降低 {value}", "−{value} by {year} on 2020"),
    "carbon.demo.confidence": entry("参数可信度", "Confidence"),
    "carbon.demo.target_source": entry("“十四五”规划（2021—2025年）全国目标：单位GDP二氧化碳排放降低18%",
                                    "14th Five-Year Plan (2021–2025) national target: CO₂ per unit GDP −18% "
                                    "from 2020 to 2025"),
    "carbon.demo.source": entry("来源", "Source"),
    "carbon.demo.note": entry("说明", "Note"),
    "carbon.demo.missing_note": entry("缺失年份按缺失报告，不填补：随附统计没有分品种能源消费量。",
                                   "Missing years are reported as missing: the shipped statistics hold no "
                                   "energy consumption by fuel."),
    "carbon.demo.year": entry("年份", "Year"),
    "carbon.demo.co2": entry("二氧化碳排放（万吨）", "CO₂ (10⁴ t)"),
    "carbon.demo.gdp": entry("地区生产总值（亿元）", "GDP (10⁸ yuan)"),
    "carbon.demo.gdp_basis": entry("GDP 口径", "GDP basis"),
    "carbon.demo.current prices": entry("当年价", "current prices"),
    "carbon.demo.constant prices": entry("可比价", "constant prices"),
    "carbon.demo.intensity": entry("碳排放强度（吨/万元）", "Intensity (t CO₂ per 10⁴ yuan)"),
    "carbon.demo.index": entry("强度指数", "Index"),
    "carbon.demo.target_index": entry("目标路径指数", "Target path index"),
    "carbon.demo.status": entry("数据状态", "Status"),
    "carbon.demo.conflicting": entry("数据冲突", "Conflicting"),
    "carbon.demo.conflict.gdp": entry("地区生产总值", "GDP"),
    "carbon.demo.conflict.co2": entry("二氧化碳排放", "CO₂"),
    "carbon.demo.status.missing": entry("缺失", "missing"),
    "carbon.demo.status.partial": entry("部分", "partial"),
    "carbon.demo.status.complete": entry("完整", "complete"),
    "carbon.demo.inventory_title": entry("二、全省二氧化碳排放清单（区域统计包）",
                                         "2. Province CO₂ inventory (region pack statistics)"),
    "carbon.demo.inventory_lede": entry(
        "与电力相关的排放 = 公开发布的全社会用电量（及分产业用电量）× 引用的电网排放因子，属消费侧口径："
        "它是发出所用电力时排放的二氧化碳，不是双控考核的辖区排放总量，不能与化石燃料燃烧排放相加。"
        "辖区排放总量需要分品种能源消费量；统计包中没有这些数据的年份记为缺失，并列出所缺统计。"
        "2021 年以前没有发布的电力排放因子，采用最近发布年份的因子并在说明中注明。",
        "Electricity-related CO₂ = published electricity use (total and by sector) × a cited grid factor, "
        "a consumption view: the CO₂ of generating the electricity used, not the territorial total of dual "
        "control, and never to be added to fuel combustion. The territorial total needs energy consumption "
        "by fuel; years whose statistics the pack lacks are missing, with the statistics named. No factor "
        "is published before 2021: the nearest published year is used and the note says so."),
    "carbon.demo.inventory_factors": entry("所用电网排放因子", "Grid factors used"),
    "carbon.demo.scope_column": entry("口径", "Scope"),
    "carbon.demo.factor": entry("排放因子", "Factor"),
    "carbon.demo.missing_statistics": entry("所缺统计", "Statistics missing"),
    "carbon.demo.statistics_source": entry("统计来源", "Statistics source"),
    "carbon.demo.fuel_statistics": entry("分品种能源消费量", "energy consumption by fuel"),
    "carbon.demo.factor_value": entry("{value} 吨 CO₂/兆瓦时（{year}年）", "{value} t CO₂/MWh ({year})"),
    "carbon.demo.factor_quote": entry("数值原文摘录", "Excerpt holding the value"),
    "carbon.demo.scope.territorial_total": entry("辖区排放总量（双控口径）",
                                                 "territorial total (dual control)"),
    "carbon.demo.scope.fuel_combustion": entry("化石燃料燃烧", "fuel combustion"),
    "carbon.demo.scope.electricity_related_total": entry("与电力相关：全社会用电",
                                                         "electricity-related: total use"),
    "carbon.demo.scope.electricity_related_primary": entry("与电力相关：第一产业",
                                                           "electricity-related: primary"),
    "carbon.demo.scope.electricity_related_secondary": entry("与电力相关：第二产业",
                                                           "electricity-related: secondary"),
    "carbon.demo.scope.electricity_related_industry": entry("与电力相关：工业（属第二产业）",
                                                          "electricity-related: industry (in secondary)"),
    "carbon.demo.scope.electricity_related_tertiary": entry("与电力相关：第三产业",
                                                            "electricity-related: tertiary"),
    "carbon.demo.scope.electricity_related_residential": entry("与电力相关：城乡居民生活",
                                                             "electricity-related: households"),
    "carbon.demo.note.not_territorial": entry("消费侧口径，不是辖区排放总量，不可与燃料燃烧相加",
                                              "consumption view, not the territorial total; never add to "
                                              "fuel combustion"),
    "carbon.demo.note.factor_other_year": entry("{year}年没有发布的因子，采用{factor_year}年因子",
                                                "no factor published for {year}: the {factor_year} factor "
                                                "is used"),
    "carbon.demo.note.no_factor": entry("没有任何年份的电力排放因子",
                                        "no grid factor published for any year"),
    "carbon.demo.note.part_of_secondary": entry("包含在第二产业中，两行不可相加",
                                                "part of the secondary row: never add the two"),
    "carbon.demo.note.no_fuel_statistics": entry("统计中没有分品种能源消费量：清单缺失，不是零",
                                                 "no energy consumption by fuel: the inventory is missing, "
                                                 "not zero"),
    "carbon.demo.note.no_electricity_use": entry("统计中没有公开发布的全社会用电量",
                                                 "no published electricity use in the statistics"),
    "carbon.demo.note.gdp_preliminary": entry("地区生产总值初步核算数 {dropped} 亿元由修订数 {kept} 亿元替代",
                                              "preliminary GDP {dropped} 亿元 replaced by the revised "
                                              "{kept} 亿元"),
    "carbon.demo.note.gdp_conflict": entry("地区生产总值来源不一致（{values} 亿元）：不计算强度",
                                           "GDP sources disagree ({values} 亿元): no intensity"),
    "carbon.demo.note.gdp_missing": entry("缺少地区生产总值：不计算强度", "GDP not reported: no intensity"),
    "carbon.demo.note.conflicting": entry("来源不一致的统计不使用：{indicators}",
                                          "sources disagree, not used: {indicators}"),
    "carbon.demo.related": entry("找到的相关统计（能源，非碳排放）",
                              "Related statistics found (energy, not carbon)"),
    "carbon.demo.indicator": entry("指标", "Indicator"),
    "carbon.demo.value": entry("数值", "Value"),
    "carbon.demo.unit": entry("单位", "Unit"),
    "carbon.demo.label": entry("三、产品碳标签（示例）", "3. Product label (illustrative)"),
    "carbon.demo.product": entry("产品", "Product"),
    "carbon.demo.declared_unit": entry("声明单位", "Declared unit"),
    "carbon.demo.declared_unit_value": entry("出厂 1 千克瓷砖", "1 kg tile at factory gate"),
    "carbon.demo.boundary": entry("系统边界", "Boundary"),
    "carbon.demo.boundary_value": entry("从摇篮到大门（部分产品碳足迹）；资本品和包装不计",
                                     "cradle-to-gate (partial CFP); capital goods and packaging cut off"),
    "carbon.demo.engine": entry("计算引擎", "Engine"),
    "carbon.demo.gwp": entry("全球变暖潜势", "GWP"),
    "carbon.demo.gwp_value": entry("IPCC 2021（AR6）GWP100", "IPCC 2021 (AR6) GWP100"),
    "carbon.demo.code": entry("核验码", "Verification code"),
    "carbon.demo.part": entry("组成", "Part"),
    "carbon.demo.kg": entry("千克 CO₂e/声明单位", "kg CO₂e per declared unit"),
    "carbon.demo.fossil": entry("化石来源", "fossil"),
    "carbon.demo.biogenic": entry("生物来源", "biogenic"),
    "carbon.demo.land_use": entry("土地利用", "land use"),
    "carbon.demo.label_alt": entry("碳标签图", "carbon label"),
    "carbon.demo.sink": entry("四、造林碳汇项目（示例）", "4. Forest sink project (illustrative)"),
    "carbon.demo.project": entry("项目", "Project"),
    "carbon.demo.removal": entry("碳清除量", "Removals"),
    "carbon.demo.project_emissions": entry("项目排放", "Project emissions"),
    "carbon.demo.baseline": entry("基线清除量", "Baseline"),
    "carbon.demo.leakage": entry("泄漏", "Leakage"),
    "carbon.demo.uncertainty": entry("不确定性扣减", "Uncertainty deduction"),
    "carbon.demo.creditable": entry("可签发减排量", "Creditable"),
    "carbon.demo.t_per_yr": entry("吨 CO₂/年", "t CO₂/yr"),
    "carbon.demo.gep_share": entry("占所在县 GEP 森林固碳量比例",
                                "Share of the county's GEP forest sequestration"),
    "carbon.demo.gep_share_value": entry("{share}（GEP {year}年，{name}，{tonnes} 吨 CO₂）",
                                      "{share} (GEP {year}, {name}, {tonnes} t CO₂)"),
    "carbon.demo.sink_rule": entry("签发的碳汇量是 GEP 森林固碳流量的一部分：只报告占比，碳汇价值绝不加到 "
                                "GEP 上。",
                                "Credited tonnes are part of that GEP flow: the credit value is never added "
                                "to the GEP value."),
    "carbon.demo.inclusion": entry("五、碳普惠账本", "5. Carbon inclusion ledger"),
    "carbon.demo.account": entry("账户", "Account"),
    "carbon.demo.day": entry("日期", "Day"),
    "carbon.demo.action": entry("行为", "Action"),
    "carbon.demo.activity": entry("活动量", "Activity"),
    "carbon.demo.outcome": entry("结果", "Outcome"),
    "carbon.demo.reduction": entry("减排量（千克 CO₂）", "Reduction (kg CO₂)"),
    "carbon.demo.points": entry("积分", "Points"),
    "carbon.demo.reason": entry("原因", "Reason"),
    "carbon.demo.outcome.earned": entry("已计入", "earned"),
    "carbon.demo.outcome.refused": entry("拒绝", "refused"),
    "carbon.demo.outcome.registered": entry("已登记", "registered"),
    "carbon.demo.action.metro": entry("乘地铁", "metro"),
    "carbon.demo.action.cycling": entry("骑行", "cycling"),
    "carbon.demo.action.ev_trip": entry("电动车出行", "EV trip"),
    "carbon.demo.action.waste_sorting": entry("垃圾分类", "waste sorting"),
    "carbon.demo.action.energy_saving": entry("节约用电", "energy saving"),
    "carbon.demo.balances": entry("积分余额", "Balances"),
    "carbon.demo.balance_on": entry("{day} 余额", "Balance on {day}"),
    "carbon.demo.verified": entry("哈希链校验", "Hash chain"),
    "carbon.demo.yes": entry("通过", "verified"),
    "carbon.demo.no": entry("未通过", "fails"),
    "carbon.demo.tamper": entry("改动一条积分后的副本：校验未通过（{reason}）",
                             "A copy with one entry's points changed fails ({reason})"),
    "carbon.demo.tamper_reason": entry("写入后内容被改动", "its content was changed after writing"),
    "carbon.demo.claims": entry("六、减排量声明（同一吨不重复计算）", "6. Claims (no tonne counted twice)"),
    "carbon.demo.scope": entry("类别", "Scope"),
    "carbon.demo.holder": entry("持有方", "Holder"),
    "carbon.demo.asset": entry("对象", "Asset"),
    "carbon.demo.years": entry("年份", "Years"),
    "carbon.demo.tonnes": entry("吨 CO₂", "t CO₂"),
    "carbon.demo.scope.sink": entry("碳汇", "sink"),
    "carbon.demo.scope.inclusion": entry("碳普惠", "inclusion"),
    "carbon.demo.scope.label": entry("碳标签", "label"),
    "carbon.demo.total_registered": entry("已登记合计", "Registered total"),
    "carbon.demo.reason.daily_cap": entry("{action} {day}：已记录 {done}，"
                                          "再加 {asked} 超过每日上限 {cap}；今日最多再记 {more}",
                                       "{action} on {day}: {done} already recorded + {asked} exceeds the "
                                       "daily cap of {cap}; record at most {more} more today"),
    "carbon.demo.reason.evidence": entry("凭证已用于账本的另一条记录：每次出行、读数或扫码只计一次",
                                      "the evidence was already used for a ledger entry: each trip, reading "
                                      "or scan earns once"),
    "carbon.demo.reason.no_factor": entry("{action}：没有引用的减排因子；先采用方法学并将因子加入参数库",
                                       "{action}: no cited reduction factor; adopt a methodology and add its "
                                       "factors to the registry first"),
    "carbon.demo.reason.claimed": entry("{asset} 已被 {holder} 声明（{scope}，{years}，"
                                        "{tonnes} 吨）：同一吨只能声明一次",
                                     "{asset} is already claimed by {holder} ({scope}, {years}, {tonnes} t): "
                                     "these tonnes can be claimed once"),
})

_ZH = re.compile(r"^(?P<en>.*?) \((?:示例：)?(?P<zh>[^()]*[\u4e00-\u9fff][^()]*)\)$")
_REASONS = [
    (re.compile(r"^(?P<action>\w+) on (?P<day>[\d-]+): (?P<done>[\d.]+) already recorded \+ "
                r"(?P<asked>[\d.]+) exceeds the daily cap of (?P<cap>[\d.]+) → fix: record at most "
                r"(?P<more>[\d.]+) more today"),
     "carbon.demo.reason.daily_cap"),
    (re.compile(r"^evidence \S+ was already used for a ledger entry"), "carbon.demo.reason.evidence"),
    (re.compile(r"^\S+ · (?P<action>\w+): no cited reduction factor"), "carbon.demo.reason.no_factor"),
    (re.compile(r"^(?P<asset>\S+) \S+ is already claimed by (?P<holder>.+) \((?P<scope>\w+), "
                r"(?P<years>[\d–-]+), (?P<tonnes>[\d.]+) t\)"), "carbon.demo.reason.claimed"),
]


def _bilingual(value: str, t) -> str:
    """"english name (示例：中文名)" → the name in the page's language."""
    found = _ZH.match(value or "")
    if found is None:
        return value
    return (("示例：" if "示例：" in value else "") + found["zh"]) if t.lang == "zh" else found["en"]


def _reason(value, t):
    if not value:
        return ""
    for pattern, key in _REASONS:
        found = pattern.match(value)
        if found:
            fields = found.groupdict()
            if "action" in fields:
                fields["action"] = _word(t, "action", fields["action"])
            if "holder" in fields:
                fields["holder"] = _bilingual(fields["holder"], t)
            if "scope" in fields:
                fields["scope"] = _word(t, "scope", fields["scope"])
            return t(key, **fields)
    return pages.foreign(value)


def _word(t, kind: str, value) -> str:
    key = f"carbon.demo.{kind}.{value}"
    return t(key) if key in i18n.MESSAGES else str(value)


def _num(digits: int):
    return lambda v: i18n.DASH if v is None or v != v else f"{v:,.{digits}f}"


def page_model(control, pcf, issued, sink, included, claim_log, t) -> dict:
    """What the carbon page shows, in ``t``'s language: tables with their totals computed once."""
    C = pages.Column
    path = pd.DataFrame([{**{k: y[k] for k in ("year", "co2_t", "gdp_yuan", "gdp_basis")},
                          "intensity": p["intensity"], "index": p["index"], "target_index": p["target_index"],
                          "status": p["status"], "conflicting": " ".join(y["conflicting"])}
                         for y, p in zip(control["years"], control["path"], strict=True)])
    text = {"format": pages.text, "numeric": False}
    dual = pages.table(path, [
        C("year", t("carbon.demo.year"), str, numeric=False),
        C("co2_t", t("carbon.demo.co2"), lambda v: i18n.DASH if v is None or v != v else f"{v / 1e4:,.1f}"),
        C("gdp_yuan", t("carbon.demo.gdp"), i18n.number_yi),
        C("gdp_basis", t("carbon.demo.gdp_basis"), **text),
        C("intensity", t("carbon.demo.intensity"), _num(3)), C("index", t("carbon.demo.index"), _num(3)),
        C("target_index", t("carbon.demo.target_index"), _num(3)),
        C("status", t("carbon.demo.status"), **text), C("conflicting", t("carbon.demo.conflicting"), **text)],
        t, cells={"gdp_basis": lambda r: t(f"carbon.demo.{r['gdp_basis']}") if pages._present(r["gdp_basis"])
                  else i18n.DASH,
                  "status": lambda r: _word(t, "status", r["status"]),
                  "conflicting": lambda r: ("、" if t.lang == "zh" else ", ").join(
                      _word(t, "conflict", w) for w in r["conflicting"].split())},
        row_classes=["missing" if s == "missing" else "" for s in path["status"]])
    related = pd.DataFrame(control["related_statistics"])
    related_table = pages.table(related, [
        C("year", t("carbon.demo.year"), str, numeric=False),
        C("indicator", t("carbon.demo.indicator"), **text),
        C("value", t("carbon.demo.value"), str), C("unit", t("carbon.demo.unit"), **text)], t,
        cells={"indicator": lambda r: r.get("indicator_zh") if t.lang == "zh" and r.get("indicator_zh")
               else r["indicator"].replace("_", " ")}) if len(related) else None
    target = control["target"]
    national = target["id"] == "target.CN.14fyp.intensity"
    target_facts = [
        (t("carbon.demo.target"), t("carbon.demo.target_value", year=target["year"],
                                    value=i18n.percent(target["value"], 0))),
        (t("carbon.demo.confidence"), t(f"confidence.{target['confidence']}")),
        (t("carbon.demo.source"),
         t("carbon.demo.target_source") if national else pages.foreign(target["source"])),
        (t("carbon.demo.note"), target["note_zh"] if t.lang == "zh" and target.get("note_zh")
         else pages.foreign(target["note"]))]  # the registry's note_zh
    parts = pd.DataFrame([{"part": k, "kg": pcf[f"{k}_kg_co2e"]} for k in ("fossil", "biogenic", "land_use")])
    footprint_table = pages.table(parts, [C("part", t("carbon.demo.part"), **text),
                                          C("kg", t("carbon.demo.kg"), _num(4))], t, totals=["kg"],
                                  cells={"part": lambda r: t(f"carbon.demo.{r['part']}")})
    label_facts = [
        (t("carbon.demo.product"), _bilingual(pcf["product"], t)),
        (t("carbon.demo.declared_unit"), t("carbon.demo.declared_unit_value")
         if pcf["declared_unit"] == "1 kg tile at factory gate" else pages.foreign(pcf["declared_unit"])),
        (t("carbon.demo.boundary"), t("carbon.demo.boundary_value")
         if pcf["boundary"].startswith("cradle-to-gate (partial CFP)") else pages.foreign(pcf["boundary"])),
        (t("carbon.demo.gwp"), t("carbon.demo.gwp_value")),
        (t("carbon.demo.engine"), pages.foreign(pcf["engine"])),
        (t("carbon.demo.code"), Markup("<code>{}</code>").format(issued["record_sha256"][:16]))]
    tpy = t("carbon.demo.t_per_yr")
    link = sink["gep_link"]
    gep = link.get("gep_forest_carbon_sequestration")
    share = link.get("share_of_gep_forest_sequestration")
    sink_facts = [(t("carbon.demo.project"), _bilingual(sink["project"], t))] + [
        (t(f"carbon.demo.{label}"), f"{sink[key]:,.1f} {tpy}") for label, key in (
            ("removal", "removal_t_co2_per_yr"), ("project_emissions", "project_emissions_t_co2_per_yr"),
            ("baseline", "baseline_t_co2_per_yr"), ("leakage", "leakage_t_co2_per_yr"))] + [
        (t("carbon.demo.uncertainty"), i18n.percent(sink["uncertainty_deduction"], 0)),
        (t("carbon.demo.creditable"), Markup("<strong>{}</strong>").format(
            f"{sink['creditable_t_co2_per_yr']:,.1f} {tpy}")),
        (t("carbon.demo.gep_share"), t("pages.missing") if share is None else t(
            "carbon.demo.gep_share_value", share=i18n.percent(share, 3), year=gep["year"], name=gep["name"],
            tonnes=f"{gep['t_co2']:,.0f}"))]
    log = pd.DataFrame(included["log"])
    for column in ("reduction_kg", "points"):
        if column not in log:
            log[column] = None
    ledger_table = pages.table(log, [
        C("account", t("carbon.demo.account"), **text), C("day", t("carbon.demo.day"), str, numeric=False),
        C("action", t("carbon.demo.action"), **text), C("activity", t("carbon.demo.activity"), str),
        C("outcome", t("carbon.demo.outcome"), **text),
        C("reduction_kg", t("carbon.demo.reduction"), _num(3)),
        C("points", t("carbon.demo.points"), lambda v: i18n.DASH if v is None or v != v else f"{int(v):,}"),
        C("reason", t("carbon.demo.reason"), **text)], t, totals=["reduction_kg", "points"],
        cells={"action": lambda r: _word(t, "action", r["action"]),
               "outcome": lambda r: _word(t, "outcome", r["outcome"]),
               "reason": lambda r: _reason(r.get("reason") if isinstance(r.get("reason"), str) else "", t)},
        row_classes=["missing" if o == "refused" else "" for o in log["outcome"]])
    days = ("on_2026_03_06", "on_2027_03_06")
    balances = pd.DataFrame([{"account": a, **b, "verified": included["verified"][a]}
                             for a, b in included["balances"].items()])
    balance_table = pages.table(balances, [C("account", t("carbon.demo.account"), **text)] + [
        C(d, t("carbon.demo.balance_on", day=f"{d[3:7]}-{d[8:10]}-{d[11:13]}"), i18n.number)
        for d in days] + [
        C("verified", t("carbon.demo.verified"), **text)], t,
        cells={"verified": lambda r: t("carbon.demo.yes" if r["verified"] else "carbon.demo.no")})
    claims_frame = pd.DataFrame(claim_log)
    claims_frame["registered_t"] = claims_frame["tonnes"].where(claims_frame["outcome"] == "registered")
    if "reason" not in claims_frame:
        claims_frame["reason"] = ""
    claims_table = pages.table(claims_frame, [
        C("scope", t("carbon.demo.scope"), **text), C("holder", t("carbon.demo.holder"), **text),
        C("asset", t("carbon.demo.asset"), **text), C("years", t("carbon.demo.years"), **text),
        C("tonnes", t("carbon.demo.tonnes"), _num(3)), C("outcome", t("carbon.demo.outcome"), **text),
        C("reason", t("carbon.demo.reason"), **text)], t,
        cells={"scope": lambda r: _word(t, "scope", r["scope"]),
               "holder": lambda r: _bilingual(r["holder"], t),
               "asset": lambda r: Markup("<code>{}</code>").format(r["asset"]),
               "years": lambda r: f"{r['year_from']}–{r['year_to']}",
               "outcome": lambda r: _word(t, "outcome", r["outcome"]),
               "reason": lambda r: _reason(r["reason"] if isinstance(r["reason"], str) else "", t)},
        row_classes=["missing" if o == "refused" else "" for o in claims_frame["outcome"]])
    claims_table.totals = {"registered_t": float(claims_frame["registered_t"].sum())}
    claims_table.total_row = [t("carbon.demo.total_registered")] + [""] * 3 + [
        _num(3)(claims_table.totals["registered_t"])] + [""] * (len(claims_table.columns) - 5)
    tamper = included["tamper_check"]
    return {"dual": dual, "related": related_table, "target_facts": target_facts, "label_facts": label_facts,
            "footprint": footprint_table, "footprint_total": pcf["total_kg_co2e"], "sink_facts": sink_facts,
            "ledger": ledger_table, "balances": balance_table, "claims": claims_table,
            "tamper": t("carbon.demo.tamper", reason=t("carbon.demo.tamper_reason")
                        if tamper["reason"] == "its content was changed after writing" else tamper["reason"])}


def render_page(control, pcf, issued, sink, included, claim_log, t, province=(), registry=None) -> str:
    """The carbon demo page in ``t``'s language."""
    return pages.environment().get_template("carbon/demo.html.j2").render(
        t=t, **page_model(control, pcf, issued, sink, included, claim_log, t),
        inventory=inventory_table(province, registry, t) if province else None,
        inventory_factor=inventory_factor_facts(province, registry, t) if province else [])


def _inventory_note(row: dict, t) -> str:
    joiner = "；" if t.lang == "zh" else "; "
    return joiner.join(t(f"carbon.demo.note.{code}", **fields) for code, fields in row["notes"])


def inventory_table(province: list[dict], registry, t):
    """The province inventory: every year and scope, computed or missing with the statistic named."""
    C = pages.Column
    frame = pd.DataFrame(province)
    text = {"format": pages.text, "numeric": False}

    def missing_names(r):
        names = [n.strip() for n in str(r["missing_statistics"]).replace(":", ",").split(",") if n.strip()]
        known = inventory.energy_indicators()
        if t.lang == "zh":
            return "、".join(known[n].name_zh if n in known else t("carbon.demo.fuel_statistics")
                            for n in names)
        return ", ".join(n.replace("_", " ") for n in names)

    def sources(r):
        links = [u for u in str(r["sources"]).split(" | ") if u.startswith("http")]
        return Markup("<br>").join(Markup('<a href="{0}" lang="en">{1}</a>').format(u, u.split("/")[2])
                                   for u in links) if links else i18n.DASH
    return pages.table(frame, [
        C("year", t("carbon.demo.year"), str, numeric=False),
        C("scope", t("carbon.demo.scope_column"), **text),
        C("co2_t", t("carbon.demo.co2"), lambda v: i18n.DASH if v is None or v != v else f"{v / 1e4:,.1f}"),
        C("status", t("carbon.demo.status"), **text),
        C("intensity_t_per_10k_yuan", t("carbon.demo.intensity"), _num(3)),
        C("factor_ids", t("carbon.demo.factor"), **text),
        C("missing_statistics", t("carbon.demo.missing_statistics"), **text),
        C("sources", t("carbon.demo.statistics_source"), **text),
        C("note", t("carbon.demo.note"), **text)], t,
        cells={"scope": lambda r: t(f"carbon.demo.scope.{r['scope']}"),
               "status": lambda r: _word(t, "status", r["status"]),
               "factor_ids": lambda r: Markup("<code>{}</code>").format(r["factor_ids"]) if r["factor_ids"]
               else i18n.DASH,
               "missing_statistics": lambda r: missing_names(r) if r["missing_statistics"] else i18n.DASH,
               "sources": sources, "note": lambda r: _inventory_note(r, t)},
        row_classes=["missing" if s == "missing" else "" for s in frame["status"]])


def inventory_factor_facts(province: list[dict], registry, t) -> list:
    """The grid factors the inventory used, with value, year, source address and quote."""
    ids = dict.fromkeys(i for r in province for i in str(r["factor_ids"]).split(";") if i.startswith("grid."))
    facts = []
    for factor_id in ids:
        f = registry[factor_id]
        link = (Markup('<a href="{0}" lang="en">{0}</a>').format(f.source_url) if f.source_url else "")
        facts.append((Markup("<code>{}</code>").format(f.id), Markup("{} {}").format(
            t("carbon.demo.factor_value", value=f"{f.value:g}", year=f.year), link)))
        if f.quote:
            facts.append((t("carbon.demo.factor_quote"), Markup("<code>{}</code>").format(f.quote)))
    return facts
