"""The worked examples on real accounts (Jiangxi): one of each application, and an index page.

Inputs that are not in the open data (water-quality samples, basin scores, purchase conditions,
shares, budgets) come from the example files, each labelled "illustrative input, not monitoring
data"; every output built on them says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ecoledger import pages
from ecoledger.applications import accounts, assessment, certificate, intervals, outputs, rules, vep
from ecoledger.applications.errors import ApplicationError
from ecoledger.messages import entry
from ecoledger.platform import i18n

SITE = "lushan.geojson"
CONDITIONS = "purchase-conditions.csv"
RATES, HORIZONS = [0.03, 0.045, 0.08], [20, 40, 70]
# the damage example's inputs (illustrative): 10 % of the site's flow lost, 10 years to recover
DECISION_STEM = "assessment-decision"
DECISION_TITLE = "Assessment on the decision's indicators"
DAMAGE = {"damaged_fraction": 0.1, "recovery_years": 10, "rate": 0.03, "restoration_cost": 5_000_000.0}


def maps_folder(accounts_dir: Path, maps_run: Path | None, pack: Path | None, scratch: Path) -> Path:
    """An account output folder of the same year with value maps: given, the accounts' own, or
    computed from the pack (run_account with maps + write_outputs) into ``scratch``."""
    if maps_run is not None:
        return Path(maps_run)
    if (Path(accounts_dir) / "maps").is_dir():
        return Path(accounts_dir)
    if pack is None:
        raise ApplicationError(accounts_dir, "maps/", "the accounts have no value maps",
                               "give --maps-run (an account folder with maps) or --pack to compute them")
    from ecoledger.accounts import run_account
    from ecoledger.outputs import write_outputs

    year = json.loads((Path(accounts_dir) / "run.json").read_text(encoding="utf-8"))["year"]
    return write_outputs(run_account(pack, year, keep_maps=True), scratch, pack)


def decision_assessment(scorecard: Path, year: int, level: str = "city") -> rules.Result | None:
    """The comprehensive assessment on the decision's indicators (``scorecard.csv`` of ``ecoledger
    targets scorecard``): the units of ``level`` in ``year`` on every indicator with a value, the
    scorecard's targets, equal weights (``assessment.from_scorecard``); None when no indicator has
    a value."""
    import hashlib

    card = pd.read_csv(scorecard, dtype={"code": str})
    table, used = assessment.assess_scorecard(card, year, level)
    if not used:
        return None
    record = {"accounts_year": int(year), "rule_file": str(scorecard),
              "rule_sha256": hashlib.sha256(Path(scorecard).read_bytes()).hexdigest(),
              "rule": {"indicator": [{"name": i.name, "weight": i.weight, "target": i.target,
                                      "direction": "higher" if i.higher_is_better else "lower"}
                                     for i in used]},
              "illustrative": False}
    return rules.Result("assessment", DECISION_TITLE, table, record)


def run(accounts_dir: Path, previous: Path, maps_run: Path | None, pack: Path | None, examples: Path,
        out: Path, scorecard: Path | None = None) -> list[str]:
    """Write every example into ``out`` (results/, vep/, damage.json, index.html in Chinese and
    index.en.html in English); returns lines summarising each result. With ``scorecard`` (the
    ``scorecard.csv`` of ``ecoledger targets scorecard``) the comprehensive assessment on the
    decision's indicators is added (``decision_assessment``, stem ``assessment-decision``)."""
    examples = Path(examples)
    units = accounts.load(accounts_dir, previous, examples / CONDITIONS)
    draws = intervals.read(accounts_dir, previous)  # None unless the accounts were drawn (--draws N)
    sections, lines = [], []
    for rule in sorted(examples.glob("*.toml")):
        result = rules.apply(rule, units, draws)
        outputs.write(result, out / "results", rule.stem)
        sections.append((result, rule.stem))
        lines.append(f"{rule.stem}: {_headline(result)}")
    if scorecard is not None:
        year = int(json.loads((Path(accounts_dir) / "run.json").read_text(encoding="utf-8"))["year"])
        result = decision_assessment(Path(scorecard), year)
        if result is not None:
            outputs.write(result, out / "results", DECISION_STEM)
            sections.append((result, DECISION_STEM))
            lines.append(f"{DECISION_STEM}: {_headline(result)}")
    maps = Path(maps_folder(accounts_dir, maps_run, pack, out / "account-with-maps"))
    site = vep.read_site(examples / SITE, SITE)
    province = pd.read_csv(Path(accounts_dir) / "accounts.csv", dtype={"adcode": str})
    province = province[(province["level"] == "province") & (province["ecosystem"] == "all")]
    published = {"run_id": str(accounts_dir), "year": int(province["year"].iloc[0]),
                 "item_values": dict(zip(province["item"], province["value_yuan"], strict=True))}
    cert = vep.certify(maps, site, "庐山（手绘轮廓）", RATES[0], HORIZONS[0], RATES, HORIZONS,
                       published=published)
    written = vep.write(cert, out / "vep")
    tampered = json.loads(json.dumps(cert))
    tampered["present_value_yuan"] *= 2
    tamper_check = certificate.verify(tampered)
    case = vep.damage_case(maps, site, **DAMAGE)
    case["input_status"] = rules.ILLUSTRATIVE
    (out / "damage.json").write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    lines.append(f"VEP Lushan: {cert['annual_flow_yuan'] / 1e8:,.2f} 亿元/yr, PV (3 %, 20 yr) "
                 f"{cert['present_value_yuan'] / 1e8:,.2f} 亿元, {len(cert['warnings'])} warnings; "
                 f"tampered copy verifies: {tamper_check[0]}; {written['pdf_skipped'] or 'PDF written'}")
    lines.append(f"damage (illustrative): {case['total_yuan'] / 1e8:,.3f} 亿元")
    model = {"sections": sections, "cert": cert, "case": case, "tamper_detected": not tamper_check[0],
             "pdf": written["pdf"] is not None, "accounts": str(accounts_dir), "previous": str(previous),
             "maps": str(maps.relative_to(out)) if maps.is_relative_to(out) else str(maps)}
    pages.write(out, lambda t: render_page(model, t))
    return lines


def _headline(result: rules.Result) -> str:
    t = result.table
    if result.kind == "assessment":
        return "ranking " + ", ".join(f"{r}. {n}" for n, r in zip(t["name"], t["rank"], strict=True))
    if result.kind == "p_index":
        last = t.iloc[-1]
        return f"P = {last['term']:.4f}: {last['payer']} pays {last['payee']} {last['amount_yuan']:,.0f} yuan"
    money = [c for c in ("amount_yuan", "paid_yuan") if c in t]
    return f"{len(t)} rows, Σ {money[0]} = {t[money[0]].sum():,.0f} yuan" if money else f"{len(t)} rows"



i18n.register({
    "app.title.assessment-decision": entry("按决定目标指标体系的综合考核（记分卡数值，等权重）",
                                           "Assessment on the decision's indicators (scorecard values, "
                                           "equal weights)"),
    "app.vep.heading": entry("生态资产价值（VEP）：庐山", "Site valuation (VEP): Lushan"),
    "app.vep.site": entry("庐山（手绘轮廓）", "Lushan (hand-drawn outline)"),
    "app.vep.area": entry("面积", "Area"),
    "app.vep.flow": entry("年生态产品流量", "Yearly flow"),
    "app.vep.present_value": entry("现值（折现率 {rate}，{years} 年）",
                                 "Present value (rate {rate}, {years} years)"),
    "app.vep.certificate": entry("证书", "Certificate"),
    "app.vep.sha": entry("证书内容哈希（SHA-256）", "Certificate hash (SHA-256)"),
    "app.vep.tamper": entry("现值加倍的篡改副本", "A copy with its present value doubled"),
    "app.vep.tamper_detected": entry("校验未通过：篡改被发现", "fails verification: the change is detected"),
    "app.vep.tamper_missed": entry("校验通过：篡改未被发现", "verifies: the change is NOT detected"),
    "app.vep.sensitivity": entry("现值敏感性（亿元）：折现率 × 年限",
                               "Present value sensitivity (10⁸ yuan): rate × years"),
    "app.vep.rate_years": entry("折现率 \\ 年限", "rate \\ years"),
    "app.vep.years": entry("{years} 年", "{years} years"),
    "app.vep.warnings": entry("使用限制", "Limitations"),
    "app.warn.derived": entry("{derived}/{total} 项服务依赖推导（模型推算而非实测）图层：{items}",
                            "{derived} of {total} services rest on derived (modelled, not measured) input "
                            "layers: {items}"),
    "app.warn.coarse": entry("价值量栅格分辨率为 {cell} m（粗于 {coarse} m）：一个像元跨越许多地块，"
                           "地块价值是像元平均值，而非实地调查值",
                           "the value maps have {cell} m cells (coarser than {coarse} m): a cell spans many "
                           "parcels, so the site's value is an average over its cells, not a survey "
                           "of the site"),
    "app.damage.heading": entry("生态环境损害赔偿（示例输入）", "Damage compensation (illustrative inputs)"),
    "app.damage.fraction": entry("受损比例", "Damaged fraction"),
    "app.damage.recovery": entry("恢复年限", "Recovery"),
    "app.damage.years": entry("{years} 年", "{years} years"),
    "app.damage.curve": entry("恢复曲线", "Recovery curve"),
    "app.damage.linear": entry("线性：受损比例自受损时的 d 降至 R 年后的 0",
                             "linear: the lost fraction falls from d at the damage to 0 after R years"),
    "app.damage.restoration": entry("修复费用", "Restoration cost"),
    "app.damage.method": entry("计算方法", "Method"),
    "app.damage.undiscounted": entry("期间损失（未折现）", "Interim loss, undiscounted"),
    "app.damage.discounted": entry("期间损失（折现率 {rate}）", "Interim loss, discounted at {rate}"),
    "app.damage.total": entry("赔偿总额", "Total"),
    "app.interval.range": entry("90 % 区间 {low}–{high} {unit}", "90 % interval {low}–{high} {unit}"),
})

_WARNINGS = [
    (re.compile(r"^(?P<derived>\d+) of (?P<total>\d+) services rest on derived \(modelled, not measured\) "
                r"input layers: (?P<items>.+)$"), "app.warn.derived"),
    (re.compile(r"^the value maps have (?P<cell>[\d.]+) m cells \(coarser than (?P<coarse>[\d.]+) m\)"),
     "app.warn.coarse"),
]


def warning(text: str, t) -> str | Markup:
    """A valuation warning in the page's language (an unknown one kept, marked English)."""
    for pattern, key in _WARNINGS:
        found = pattern.match(text)
        if found:
            fields = found.groupdict()
            if "items" in fields:
                fields["items"] = ("、" if t.lang == "zh" else ", ").join(
                    outputs.name("item:" + i.strip(), t) for i in fields["items"].split(","))
            return t(key, **fields)
    return pages.foreign(text)


def _money(value, t) -> str:
    """Yuan in 亿元 (or 万元 when small) with the unit."""
    unit = pages.money_unit([value])
    return f"{pages.money(unit)(value)} {t('pages.yi_yuan' if unit == 'yi' else 'pages.wan_yuan')}"


def _with_interval(value, drawn: dict | None, t) -> str | Markup:
    """An amount with, when drawn, the line "90 % 区间 …–… 亿元" below it (the amount's unit)."""
    if not drawn or drawn.get("p05") is None:
        return _money(value, t)
    unit = pages.money_unit([value])
    fmt = pages.money(unit)
    line = t("app.interval.range", low=fmt(drawn["p05"]), high=fmt(drawn["p95"]),
             unit=t("pages.yi_yuan" if unit == "yi" else "pages.wan_yuan"))
    return Markup('{}<br><span class="interval">{}</span>').format(_money(value, t), line)


def page_model(model: dict, t) -> dict:
    """What the page shows, in ``t``'s language: each example's section (its table and totals) and
    the valuation and damage facts."""
    cert, case = model["cert"], model["case"]
    html = certificate.HTML_FILES.get(t.lang, certificate.HTML_FILES["zh"])  # the page's language
    links = [Markup('<a href="vep/certificate.json">JSON</a>'),
             Markup('<a href="vep/{}">HTML</a>').format(html)]
    if model["pdf"]:
        links.append(Markup('<a href="vep/certificate.pdf">PDF</a>'))
    rate, years = cert["parameters"]["discount_rate"], cert["parameters"]["horizon_years"]
    drawn, damage_drawn = cert.get("uncertainty") or {}, case.get("uncertainty") or {}
    vep_facts = [
        (t("app.vep.area"), f"{i18n.number(cert['site']['area_km2'])} km²"),
        (t("app.vep.flow"), _with_interval(cert["annual_flow_yuan"], drawn.get("annual_flow_yuan"), t)),
        (t("app.vep.present_value", rate=i18n.percent(rate, 1), years=years),
         _with_interval(cert["present_value_yuan"], drawn.get("present_value_yuan"), t)),
        (t("app.vep.certificate"), Markup(" · ").join(links)),
        (t("app.vep.sha"), Markup('<code>{}</code>').format(cert["content_sha256"])),
        (t("app.vep.tamper"),
         t("app.vep.tamper_detected" if model["tamper_detected"] else "app.vep.tamper_missed")),
    ]
    grid = cert["sensitivity"]
    sensitivity = pages.Table(
        [pages.Column("rate", t("app.vep.rate_years"), i18n.percent)]
        + [pages.Column(str(h), t("app.vep.years", years=h), i18n.number_yi) for h in grid["horizons"]],
        [[i18n.percent(r["rate"], 1)] + [i18n.number_yi(v) for v in r["values"]] for r in grid["rows"]],
        caption=t("app.vep.sensitivity"), row_classes=[""] * len(cert["sensitivity"]["rows"]))
    curve = case.get("recovery_curve", "")
    damage_facts = [
        (t("app.damage.fraction"), i18n.percent(case["damaged_fraction"], 0)),
        (t("app.damage.recovery"), t("app.damage.years", years=case["recovery_years"])),
        (t("app.damage.curve"),
         t("app.damage.linear") if curve.startswith("linear") else pages.foreign(curve)),
        (t("app.damage.restoration"), _money(case["restoration_cost_yuan"], t)),
        (t("app.damage.method"), Markup('<code>{}</code>').format(case["method"])),
        (t("app.damage.undiscounted"), _money(case["interim_loss_undiscounted_yuan"], t)),
        (t("app.damage.discounted", rate=i18n.percent(case["discount_rate"], 1)),
         _money(case["interim_loss_discounted_yuan"], t)),
        (t("app.damage.total"), Markup("<strong>{}</strong>").format(
            _with_interval(case["total_yuan"], damage_drawn.get("total_yuan"), t))),
    ]
    return {"sections": [outputs.section(result, stem, t) for result, stem in model["sections"]],
            "facts": [(t("app.page.accounts"), Markup('<code>{}</code>').format(model["accounts"])),
                      (t("app.page.previous"), Markup('<code>{}</code>').format(model["previous"])),
                      (t("app.page.maps"), Markup('<code>{}</code>').format(model["maps"]))],
            "vep_facts": vep_facts, "vep_warnings": [warning(w, t) for w in cert["warnings"]],
            "vep_interval": t("app.interval.site_method") if drawn else "",
            "sensitivity": sensitivity, "damage_facts": damage_facts}


def render_page(model: dict, t) -> str:
    """The index page in ``t``'s language."""
    return pages.environment().get_template("applications/demo.html.j2").render(t=t, **page_model(model, t))

