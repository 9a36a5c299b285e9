"""The departure audit's files and bilingual page (``index.html`` zh, ``index.en.html`` en).

``write_departure(audit, out)`` writes atomically into ``out``: ``audit.csv`` (every section in
one long table: section, name, start, end, change, change share, unit, note), ``assets.csv``,
``items.csv``, ``declined.csv``, ``drivers.csv``, ``indicators.csv``, ``audit.json`` (the summary)
and the two pages, built on ``ecoledger.pages`` and the shared templates of ``data/pages/``; the
items section has a chart of the quantity and price effects (``effects_png``).
``write_departure_files(audit, folder)`` writes the same into an existing folder (for a caller
that manages its own atomic folder, as ``demo`` does).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from markupsafe import Markup, escape

from ecoledger import pages
from ecoledger.accountability.departure import DepartureAudit
from ecoledger.accountability.drivers import LAYER_LABELS, STATISTIC_LABELS
from ecoledger.messages import entry, text
from ecoledger.platform import i18n
from ecoledger.registry.parcels import _csv_safe

i18n.register(
    {
        "audit.page.title": entry(
            "领导干部自然资源资产离任审计：{unit}（{start}–{end} 年）",
            "Natural-resource-asset departure audit: {unit} ({start}–{end})",
        ),
        "audit.page.lede": entry(
            "按任期起止两年的生态产品总值（GEP）核算结果与自然资源资产面积账户，列出本单位自然资源资产面积、"
            "GEP 及各核算项目实物量与价值的变化，下降的项目及其原因（价值变化分解为实物量效应与价格效应，"
            "并列出两次核算之间变化了的输入：土地覆被、气候图层、统计数据、价格），以及考核指标的变化。",
            "From the gross ecosystem product (GEP) accounts of the first and last year of the term and the "
            "ecosystem extent account: the unit's natural-resource assets by extent, GEP and each item's "
            "physical quantity and value with their change, "
            "the items that declined and why (each value change "
            "split into a quantity effect and a price effect, and the inputs that changed between the two "
            "runs: land cover, climate layers, statistics, prices), and the change of the target indicators.",
        ),
        "audit.page.summary": entry("概要", "Summary"),
        "audit.page.notes": entry("说明与局限", "Caveats"),
        "audit.page.assets": entry(
            "自然资源资产：各类生态系统面积", "Natural-resource assets: extent by ecosystem type"
        ),
        "audit.page.items": entry("GEP 各核算项目的变化", "Change of each GEP item"),
        "audit.page.items_text": entry(
            "价值变化 = 实物量效应 + 价格效应；实物量效应 "
            "=（期末实物量 − 期初实物量）×（期初单价 + 期末单价）÷ 2，"
            "价格效应 =（期末单价 − 期初单价）×（期初实物量 + 期末实物量）÷ 2（两因素对称分解，无余项）。"
            "任一年缺失的项目保持缺失，不计变化。",
            "Value change = quantity effect + price effect; "
            "quantity effect = (end quantity − start quantity) × "
            "(start price + end price) / 2, price effect = (end price − start price) × (start quantity + end "
            "quantity) / 2 (symmetric two-factor split, no residual). An item missing in either year stays "
            "missing, with no change.",
        ),
        "audit.page.chart": entry(
            "各项目价值变化的分解：实物量效应与价格效应",
            "Each item's value change: quantity and price effects",
        ),
        "audit.page.declined": entry("下降的项目及原因", "Items that declined and why"),
        "audit.page.no_decline": entry(
            "任期内没有价值下降的可比项目。", "No comparable item declined over the term."
        ),
        "audit.page.drivers": entry("两次核算之间变化了的输入", "Inputs that changed between the two runs"),
        "audit.page.drivers_text": entry(
            "比较两次核算记录的输入（run.json 的图层文件及其 SHA-256、statistics_used.csv、T4_prices.csv）。"
            "气候图层给出本单位范围内的栅格平均值。完整列表（含未变化的输入）见 drivers.csv。",
            "The recorded inputs of the two runs compared (the layer files of run.json and their SHA-256, "
            "statistics_used.csv, T4_prices.csv). Climate "
            "layers show their mean over the unit. The full list "
            "(with the inputs that did not change) is in drivers.csv.",
        ),
        "audit.page.indicators": entry("考核指标的变化", "Change of the indicators"),
        "audit.page.no_indicators": entry(
            "未提供指标值表（indicator_values.csv），或其中没有本单位的指标。",
            "No indicator table (indicator_values.csv) was given, or it has no indicator of this unit.",
        ),
        "audit.page.method": entry("方法与出处", "Method and sources"),
        "audit.fact.unit": entry("审计单位", "Unit"),
        "audit.fact.term": entry("任期", "Term"),
        "audit.fact.gep_start": entry("期初 GEP", "GEP at start"),
        "audit.fact.gep_end": entry("期末 GEP", "GEP at end"),
        "audit.fact.gep_change": entry("可比项目的 GEP 变化", "GEP change over comparable items"),
        "audit.fact.quantity_effect": entry("其中实物量效应", "of which quantity effect"),
        "audit.fact.price_effect": entry("其中价格效应", "of which price effect"),
        "audit.fact.extent_change": entry("面积变化合计（绝对值）", "Extent change (sum of absolute values)"),
        "audit.fact.declined": entry("价值下降的项目数", "Items that declined"),
        "audit.fact.missing": entry("缺失项目数", "Items missing"),
        "audit.fact.accounts": entry("核算结果", "Accounts"),
        "audit.col.ecosystem": entry("生态系统类型", "Ecosystem type"),
        "audit.col.opening": entry("期初面积", "Opening extent"),
        "audit.col.additions": entry("面积增加", "Additions"),
        "audit.col.reductions": entry("面积减少", "Reductions"),
        "audit.col.change": entry("净变化", "Net change"),
        "audit.col.closing": entry("期末面积", "Closing extent"),
        "audit.col.change_share": entry("变化率", "Change"),
        "audit.col.item": entry("核算项目", "Item"),
        "audit.col.quantity_0": entry("期初实物量", "Start quantity"),
        "audit.col.quantity_1": entry("期末实物量", "End quantity"),
        "audit.col.physical_unit": entry("实物量单位", "Unit"),
        "audit.col.value_0": entry("期初价值", "Start value"),
        "audit.col.value_1": entry("期末价值", "End value"),
        "audit.col.value_change": entry("价值变化", "Value change"),
        "audit.col.quantity_effect": entry("实物量效应", "Quantity effect"),
        "audit.col.price_effect": entry("价格效应", "Price effect"),
        "audit.col.status": entry("状态", "Status"),
        "audit.col.main_effect": entry("主要原因", "Main effect"),
        "audit.col.reason": entry("原因", "Why"),
        "audit.col.inputs": entry("变化了的输入", "Inputs that changed"),
        "audit.col.input": entry("输入", "Input"),
        "audit.col.kind": entry("类别", "Kind"),
        "audit.col.code": entry("单位代码", "Unit code"),
        "audit.col.start": entry("期初", "Start"),
        "audit.col.end": entry("期末", "End"),
        "audit.col.unit_mean_start": entry("本单位均值（期初）", "Mean over unit (start)"),
        "audit.col.unit_mean_end": entry("本单位均值（期末）", "Mean over unit (end)"),
        "audit.col.indicator": entry("指标", "Indicator"),
        "audit.col.unit": entry("单位", "Unit"),
        "audit.col.source": entry("出处", "Source"),
        "audit.status.compared": entry("可比", "compared"),
        "audit.status.missing": entry("缺失", "missing"),
        "audit.effect.quantity": entry("实物量变化", "quantity"),
        "audit.effect.price": entry("价格变化", "price"),
        "audit.kind.layer": entry("图层", "layer"),
        "audit.kind.statistic": entry("统计数据", "statistic"),
        "audit.kind.price": entry("价格", "price"),
        "audit.kind.parameter": entry("参数", "parameter"),
        "audit.kind.run": entry("核算设置", "run setting"),
        "audit.kind.file": entry("数据包文件", "pack file"),
        "audit.ecosystem.total": entry("合计", "total"),
        "audit.method_text": entry(
            "期初与期末的核算结果分别读自 {start_folder} 与 {end_folder}（{accounts_csv} 中本单位 {all_rows} "
            "的行）；单价为核算记录的单价（实物量 × 单价与价值一致时），"
            "否则为价值 ÷ 实物量。面积取自 {extent}。"
            "数字不作任何补齐：缺失即缺失。",
            "The start and end accounts are read from {start_folder} and {end_folder} (the unit's rows with "
            "{all_rows} in {accounts_csv}); the unit price is the account's (when quantity × price gives the "
            "value), else value / quantity. Extent from {extent}. "
            "Nothing is filled in: missing stays missing.",
        ),
    }
)


def _label(labels: dict, name: str, lang: str) -> str:
    pair = labels.get(name)
    return pair[0 if lang == "zh" else 1] if pair else name


def input_label(row, lang: str) -> Markup:
    """An input in words with its code (precipitation → 年降水量 <code>precipitation</code>)."""
    name = str(row["name"])
    kind = row["kind"]
    labels = LAYER_LABELS if kind == "layer" else STATISTIC_LABELS if kind == "statistic" else {}
    base = name.split("[")[0]
    if kind in ("price", "parameter"):
        try:
            from ecoledger.uncertainty.names import input_label as uncertain_label

            words = uncertain_label(name, lang)
        except Exception:  # an unnamed parameter is shown by its code
            words = name
    else:
        words = _label(labels, base, lang)
    if words == name:
        return Markup('<code translate="no">{}</code>').format(name)
    return Markup('{} <code translate="no">{}</code>').format(words, name)


def _number(value) -> str:
    return i18n.number(value)


def _share(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None or math.isnan(v) else i18n.percent(v, 1, signed=True)


def effects_png(audit: DepartureAudit, lang: str) -> bytes | None:
    """Horizontal bars of each compared item's quantity effect and price effect (stacked, in
    亿元 or 万元 as the page's tables), with the total change as a dot; None with nothing to draw."""
    import io

    from matplotlib.figure import Figure

    from ecoledger.report.figures import styled
    from ecoledger.report.i18n import Translator

    items = audit.items[(audit.items["status"] == "compared") & (audit.items["change_yuan"].abs() > 0)]
    if items.empty:
        return None
    items = items.sort_values("change_yuan")
    t = i18n.translator(lang)
    unit = pages.money_unit(pd.concat([items["quantity_effect_yuan"], items["price_effect_yuan"]]).abs())
    scale = i18n.YI if unit == "yi" else pages.WAN
    names = [Translator(lang).item(i) for i in items["item"]]

    @styled
    def draw():
        figure = Figure(figsize=(7.5, 0.45 * len(items) + 1.4))
        ax = figure.add_subplot()
        y = range(len(items))
        q = items["quantity_effect_yuan"].fillna(0).to_numpy() / scale
        p = items["price_effect_yuan"].fillna(0).to_numpy() / scale
        ax.barh(y, q, color="#4e79a7", label=t("audit.col.quantity_effect"))
        # the price bar starts where the quantity bar ends when both have one sign, else at 0
        left = [a if a * b > 0 else 0 for a, b in zip(q, p, strict=True)]
        ax.barh(y, p, left=left, color="#f28e2b", label=t("audit.col.price_effect"))
        ax.plot(
            items["change_yuan"].to_numpy() / scale,
            list(y),
            "o",
            color="black",
            markersize=4,
            label=t("audit.col.value_change"),
        )
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_yticks(list(y))
        ax.set_yticklabels(names)
        ax.set_xlabel(t("pages.yi_yuan" if unit == "yi" else "pages.wan_yuan"))
        ax.legend(loc="lower right", fontsize=7, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
        return buffer.getvalue()

    return draw()


def _model(audit: DepartureAudit, t) -> dict:
    from ecoledger.report.i18n import Translator

    lang = t.lang
    rt = Translator(lang)
    C = pages.Column
    plain = {"format": pages.text, "numeric": False}
    km2 = "km²"
    a = audit.assets
    assets = pages.table(
        a,
        [
            C("ecosystem", t("audit.col.ecosystem"), **plain),
            C("opening_km2", pages.head(t, t("audit.col.opening"), km2)),
            C("additions_km2", pages.head(t, t("audit.col.additions"), km2)),
            C("reductions_km2", pages.head(t, t("audit.col.reductions"), km2)),
            C("change_km2", pages.head(t, t("audit.col.change"), km2)),
            C("closing_km2", pages.head(t, t("audit.col.closing"), km2)),
            C("change_share", t("audit.col.change_share"), _share),
        ],
        t,
        cells={
            "ecosystem": lambda r: (
                t("audit.ecosystem.total") if r["ecosystem"] == "total" else rt.ecosystem(r["ecosystem"])
            )
        },
        row_classes=["total" if e == "total" else "" for e in a["ecosystem"]],
    )
    items = audit.items
    unit = pages.money_unit(pd.concat([items["value_0"], items["value_1"]]))
    money = pages.money(unit)

    def mhead(key):
        return pages.money_head(t, t(key), unit)

    item_columns = [
        C("item", t("audit.col.item"), **plain),
        C("quantity_0", t("audit.col.quantity_0")),
        C("quantity_1", t("audit.col.quantity_1")),
        C("physical_unit", t("audit.col.physical_unit"), **plain),
        C("value_0", mhead("audit.col.value_0"), money),
        C("value_1", mhead("audit.col.value_1"), money),
        C("change_yuan", mhead("audit.col.value_change"), money),
        C("change_share", t("audit.col.change_share"), _share),
        C("quantity_effect_yuan", mhead("audit.col.quantity_effect"), money),
        C("price_effect_yuan", mhead("audit.col.price_effect"), money),
        C("status", t("audit.col.status"), **plain),
    ]
    item_cells = {
        "item": lambda r: rt.item(r["item"]),
        "status": lambda r: t(f"audit.status.{r['status']}"),
        "physical_unit": lambda r: (
            Markup('<span translate="no">{}</span>').format(r["physical_unit"])
            if pages._present(r["physical_unit"])
            else i18n.DASH
        ),
    }
    items_table = pages.table(
        items,
        item_columns,
        t,
        cells=item_cells,
        totals=["value_0", "value_1", "change_yuan", "quantity_effect_yuan", "price_effect_yuan"],
    )
    d = audit.declined
    declined = (
        pages.table(
            d,
            [
                C("item", t("audit.col.item"), **plain),
                C("change_yuan", mhead("audit.col.value_change"), money),
                C("quantity_effect_yuan", mhead("audit.col.quantity_effect"), money),
                C("price_effect_yuan", mhead("audit.col.price_effect"), money),
                C("main_effect", t("audit.col.main_effect"), **plain),
                C(f"reason_{lang}", t("audit.col.reason"), **plain),
            ],
            t,
            cells={
                "item": lambda r: rt.item(r["item"]),
                "main_effect": lambda r: t(f"audit.effect.{r['main_effect']}"),
            },
        )
        if len(d)
        else None
    )
    changed = audit.drivers[audit.drivers["changed"] & (audit.drivers["kind"] != "parameter")]
    changed = changed[(changed["kind"] != "statistic") | changed["end"].notna() | changed["start"].notna()]
    drivers = pages.table(
        changed,
        [
            C("kind", t("audit.col.kind"), **plain),
            C("name", t("audit.col.input"), **plain),
            C("code", t("audit.col.code"), **plain),
            C("start", t("audit.col.start"), **plain),
            C("end", t("audit.col.end"), **plain),
            C("unit_mean_start", t("audit.col.unit_mean_start")),
            C("unit_mean_end", t("audit.col.unit_mean_end")),
            C("unit_mean_change_share", t("audit.col.change_share"), _share),
            C("layer_unit", t("audit.col.unit"), **plain),
        ],
        t,
        cells={
            "kind": lambda r: t(f"audit.kind.{r['kind']}"),
            "name": lambda r: input_label(r, lang),
            "code": lambda r: r["code"] if pages._present(r["code"]) else i18n.DASH,
            "start": lambda r: _driver_value(r["start"]),
            "end": lambda r: _driver_value(r["end"]),
            "unit_mean_change_share": lambda r: _share(r["unit_mean_change_share"]),
            "layer_unit": lambda r: (
                Markup('<span translate="no">{}</span>').format(r["layer_unit"])
                if pages._present(r["layer_unit"])
                else i18n.DASH
            ),
        },
    )
    ind = audit.indicators
    indicators = (
        pages.table(
            ind,
            [
                C("indicator", t("audit.col.indicator"), **plain),
                C("unit", t("audit.col.unit"), **plain),
                C("value_0", t("audit.col.start")),
                C("value_1", t("audit.col.end")),
                C("change", t("audit.col.change")),
                C("change_share", t("audit.col.change_share"), _share),
                C("status_1", t("audit.col.status"), **plain),
            ],
            t,
            cells={
                "indicator": lambda r: Markup('<code translate="no">{}</code>').format(r["indicator"]),
                "unit": lambda r: (
                    Markup('<span translate="no">{}</span>').format(r["unit"])
                    if pages._present(r["unit"])
                    else i18n.DASH
                ),
                "status_1": lambda r: Markup('<span translate="no">{}</span>').format(
                    f"{r['status_0'] or '—'} → {r['status_1'] or '—'}"
                ),
            },
        )
        if len(ind)
        else None
    )
    g = audit.gep
    yi = pages.money_unit([g["start_yuan"], g["end_yuan"]])
    fmt = pages.money(yi)
    unit_word = t("pages.yi_yuan" if yi == "yi" else "pages.wan_yuan")
    facts = [
        (
            t("audit.fact.unit"),
            f"{audit.unit_name}（{audit.unit}）" if lang == "zh" else f"{audit.unit_name} ({audit.unit})",
        ),
        (t("audit.fact.term"), f"{audit.start}–{audit.end}"),
        (t("audit.fact.gep_start"), f"{fmt(g['start_yuan'])} {unit_word}"),
        (t("audit.fact.gep_end"), f"{fmt(g['end_yuan'])} {unit_word}"),
        (t("audit.fact.gep_change"), f"{fmt(g['compared_change_yuan'])} {unit_word}"),
        (t("audit.fact.quantity_effect"), f"{fmt(g['quantity_effect_yuan'])} {unit_word}"),
        (t("audit.fact.price_effect"), f"{fmt(g['price_effect_yuan'])} {unit_word}"),
        (
            t("audit.fact.extent_change"),
            f"{_number(audit.assets['change_km2'].abs().sum())} km²"
            if "change_km2" in audit.assets
            else i18n.DASH,
        ),
        (t("audit.fact.declined"), str(len(audit.declined))),
        (t("audit.fact.missing"), str(len(g["missing_items"]))),
    ]
    code = Markup('<code translate="no">{}</code>').format
    return {
        "title": t("audit.page.title", unit=audit.unit_name, start=audit.start, end=audit.end),
        "facts": facts,
        "notes": [zh if lang == "zh" else en for zh, en in audit.notes],
        "assets": assets,
        "items": items_table,
        "declined": declined,
        "drivers": drivers,
        "indicators": indicators,
        "chart_uri": _data_uri(effects_png(audit, lang)),
        "method": Markup(escape(text("audit.method_text", lang))).format(
            start_folder=code(audit.sources.get("accounts_start", "")),
            end_folder=code(audit.sources.get("accounts_end", "")),
            extent=code(audit.sources.get("extent") or "tables/T1_extent.csv"),
            accounts_csv=code("accounts.csv"),
            all_rows=code("ecosystem = all"),
        ),
        "colon": "：" if lang == "zh" else ": ",
        "files": ["audit", "assets", "items", "declined", "drivers", "indicators"],
    }


def _data_uri(png: bytes | None) -> str:
    import base64

    return "" if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _driver_value(value) -> Markup:
    if isinstance(value, str):
        return Markup('<span translate="no">{}</span>').format(value) if value else Markup(i18n.DASH)
    return Markup(_number(value))


def long_table(audit: DepartureAudit) -> pd.DataFrame:
    """Every section of the audit in one table (``audit.csv``): section, name, code, start, end,
    change, change_share, unit, status, note."""
    rows = []
    for _, r in audit.assets.iterrows():
        rows.append(
            {
                "section": "assets",
                "name": r["ecosystem"],
                "start": r.get("opening_km2"),
                "end": r.get("closing_km2"),
                "change": r.get("change_km2"),
                "change_share": r.get("change_share"),
                "unit": "km2",
                "status": "",
                "note": "",
            }
        )
    g = audit.gep
    rows.append(
        {
            "section": "gep",
            "name": "gep",
            "start": g["start_yuan"],
            "end": g["end_yuan"],
            "change": g["change_yuan"],
            "change_share": g["change_share"],
            "unit": "yuan",
            "status": "",
            "note": "sum of the items present each year",
        }
    )
    rows.append(
        {
            "section": "gep",
            "name": "gep_compared_items",
            "start": math.nan,
            "end": math.nan,
            "change": g["compared_change_yuan"],
            "change_share": math.nan,
            "unit": "yuan",
            "status": "",
            "note": f"quantity effect {g['quantity_effect_yuan']:.6g}; "
            f"price effect {g['price_effect_yuan']:.6g}",
        }
    )
    for _, r in audit.items.iterrows():
        rows.append(
            {
                "section": "item_value",
                "name": r["item"],
                "start": r["value_0"],
                "end": r["value_1"],
                "change": r["change_yuan"],
                "change_share": r["change_share"],
                "unit": "yuan",
                "status": r["status"],
                "note": r["changed_inputs"],
            }
        )
        rows.append(
            {
                "section": "item_quantity",
                "name": r["item"],
                "start": r["quantity_0"],
                "end": r["quantity_1"],
                "change": r["quantity_change"],
                "change_share": r["quantity_change_share"],
                "unit": r["physical_unit"],
                "status": r["status"],
                "note": "",
            }
        )
    for _, r in audit.indicators.iterrows():
        rows.append(
            {
                "section": "indicator",
                "name": r["indicator"],
                "start": r["value_0"],
                "end": r["value_1"],
                "change": r["change"],
                "change_share": r["change_share"],
                "unit": r["unit"],
                "status": f"{r['status_0']}/{r['status_1']}",
                "note": r["reason_1"] or r["reason_0"],
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(1, "code", audit.unit)
    frame.insert(2, "start_year", audit.start)
    frame.insert(3, "end_year", audit.end)
    return frame


def write_departure_files(audit: DepartureAudit, folder: Path, page: bool = True) -> None:
    """The files and pages (module docstring) into the existing folder ``folder``."""
    folder = Path(folder)
    tables = {
        "audit": long_table(audit),
        "assets": audit.assets,
        "items": audit.items,
        "declined": audit.declined,
        "drivers": audit.drivers,
        "indicators": audit.indicators,
    }
    for name, frame in tables.items():
        _csv_safe(frame).to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    (folder / "audit.json").write_text(
        json.dumps(_clean(audit.summary()), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    if page:
        env = pages.environment()
        template = env.get_template("accountability/departure.html.j2")
        pages.write(folder, lambda t: template.render(t=t, **_model(audit, t)))


def _clean(value):
    """JSON-safe: NaN → null, numpy numbers → float, containers walked."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) else number


def write_departure(audit: DepartureAudit, out: str | Path, page: bool = True) -> Path:
    """The audit's files and pages written atomically into ``out`` (replaced as a whole)."""
    from ecoledger.atomic import atomic_directory

    out = Path(out)
    with atomic_directory(out) as staging:
        write_departure_files(audit, staging, page=page)
    return out / "index.html"
