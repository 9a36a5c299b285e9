"""Writing application results: the explaining table (CSV), its record (JSON) and a page (HTML)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape

from ecoledger.applications.rules import ILLUSTRATIVE, Result

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
    """``<stem>.csv``, ``<stem>.json`` and ``<stem>.html`` in ``folder`` (created)."""
    stem = stem or result.kind
    folder.mkdir(parents=True, exist_ok=True)
    table = result.table.reset_index()
    table.to_csv(folder / f"{stem}.csv", index=False)
    (folder / f"{stem}.json").write_text(json.dumps(clean({
        "kind": result.kind, "title": result.title, "record": result.record,
        "rows": table.to_dict("records")}), ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / f"{stem}.html").write_text(render(result), encoding="utf-8")
    written = {kind: folder / f"{stem}.{kind}" for kind in ("csv", "json", "html")}
    if result.kind == "assessment":
        written["report"] = folder / f"{stem}-report.html"
        written["report"].write_text(assessment_report(result), encoding="utf-8")
    return written


LIMITATIONS = [
    "GEP 仅含有数据的项目；缺失项目按缺失报告，不计为 0。GEP holds the items with data; missing items are "
    "reported missing, never counted as 0 (the Jiangxi open-data accounts hold regulating services only).",
    "多数调节服务依赖推导图层（见核算报告）。Most regulating services rest on derived layers (see the "
    "account report); changes between years partly follow precipitation.",
    "forest_cover 为核算土地覆盖中森林生态系统面积占比，不是官方森林覆盖率统计。forest_cover is the forest "
    "share of the account's land cover, not the official forest-cover statistic.",
]


def assessment_report(result: Result) -> str:
    """The annual assessment report (zh + en) of an assessment result, for the congress review."""
    table = result.table.reset_index()
    indicators = [{"name": i["name"], "weight": i["weight"], "direction": i.get("direction", "higher"),
                   "target": i.get("target")} for i in result.record["rule"]["indicator"]]
    names = [i["name"] for i in indicators]
    rows = [{"rank": int(r["rank"]), "name": r["name"], "score": float(r["score"]), "note": r["note"],
             "values": {n: _cell(r["value:" + n]) for n in names},
             "points": {n: f"{r['points:' + n]:.1f}" for n in names}}
            for _, r in table.iterrows()]
    template = resources.files("ecoledger.applications") / "assessment_report.html.j2"
    source = template.read_text(encoding="utf-8")
    return _environment().from_string(source).render(
        year=result.record.get("accounts_year"), count=len(rows), title=result.title, rows=rows,
        indicators=indicators, best=rows[0], worst=rows[-1], record=result.record, limitations=LIMITATIONS)


def _environment() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["cell"] = _cell
    return env


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)


def render(result: Result, page: bool = True) -> str:
    """The result as an HTML section (``page``: a whole page)."""
    zh, en, method = INTRO[result.kind]
    table = result.table.reset_index()
    source = (resources.files("ecoledger.applications") / "result.html.j2").read_text(encoding="utf-8")
    return _environment().from_string(source).render(
        r=result, zh=zh, en=en, method=method, columns=list(table.columns),
        rows=table.itertuples(index=False), page=page, illustrative=ILLUSTRATIVE,
        totals={c: float(table[c].sum()) for c in table.columns
                if c.endswith("_yuan") and pd.api.types.is_numeric_dtype(table[c])})
