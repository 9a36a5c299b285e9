"""The scorecard's files and pages, written atomically into one folder.

``write_scorecard(values, card, out, system, rules_margin)`` writes ``indicator_system.csv``
(the system used), ``indicator_values.csv`` (``values.VALUE_COLUMNS`` then ``reason_zh``),
``scorecard.csv`` (``scorecard.SCORECARD_COLUMNS`` then the target's source and ``reason_zh``),
``index.html`` (zh) and ``index.en.html`` (en). The pages show, per goal of the decision, every
value with its traffic light, target, trend, rank and a link to its source (with the quote),
the count of lights per year, the rules, and the gaps: each indicator without a value for the
province, with the statistic that is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup, escape

from ecoledger import pages
from ecoledger.atomic import atomic_directory
from ecoledger.messages import register
from ecoledger.platform.i18n import DASH, number
from ecoledger.targets.scorecard import STATUSES, TRENDS
from ecoledger.targets.values import GOALS

LIGHT_COLOURS = {"green": "#2e7d32", "amber": "#e0a000", "red": "#c62828", "no_target": "#9e9e9e",
                 "missing": "#ffffff"}

register({
    "page.title": ("决定的目标指标体系：年度记分卡", "The decision's indicator system: yearly scorecards"),
    "page.lede": ("按《江西省人民代表大会关于全力打造国家生态文明建设高地的决定》（2024）及美丽江西建设的"
                  "目标指标体系，逐单位、逐年列出指标数值（注明出处，或说明缺失原因）、目标、与上一年相比的"
                  "趋势、红黄绿状态和同级排名。目标仅在读到出处时录入。",
                  "The indicator system of the People's Congress decision on building Jiangxi into a "
                  "national highland of ecological civilisation (2024) and of the beautiful-Jiangxi plans, "
                  "unit by unit and year by year: each value with its source (or the reason it is "
                  "missing), the target, the trend against the previous year, the traffic light and the "
                  "rank among peers. A target is recorded only where its source was read."),
    "page.units": ("单位数", "Units"),
    "page.years": ("年份", "Years"),
    "page.values": ("有数值的指标", "Indicator values present"),
    "page.missing": ("缺失的指标", "Indicator values missing"),
    "page.summary": ("各年红黄绿统计", "Traffic lights by year"),
    "page.rules": ("判定规则", "Rules"),
    "page.gaps": ("缺口：全省无数值的指标", "Gaps: indicators without a value for the province"),
    "page.gaps_text": ("各单位、各年的缺失原因见 indicator_values.csv。", "Every unit's and year's reason is "
                       "in indicator_values.csv."),
    "page.no_values": ("本目标暂无任何数值。", "No value yet for this goal."),
    "page.source": ("来源", "source"),
    "col.unit": ("单位", "Unit"),
    "col.year": ("年份", "Year"),
    "col.indicator": ("指标", "Indicator"),
    "col.value": ("数值", "Value"),
    "col.measure": ("计量单位", "Measure"),
    "col.target": ("目标（目标年）", "Target (year)"),
    "col.previous": ("上一年", "Previous year"),
    "col.trend": ("趋势", "Trend"),
    "col.status": ("状态", "Status"),
    "col.rank": ("排名", "Rank"),
    "col.source": ("出处或缺失原因", "Source or reason missing"),
    "col.missing_years": ("缺失年份", "Years missing"),
    "col.reason": ("原因（最近一年）", "Reason (latest year)"),
    "goal.environment": ("生态环境质量", "Environmental quality"),
    "goal.green_transition": ("绿色低碳转型", "Green and low-carbon transition"),
    "goal.value_realisation": ("生态产品价值实现", "Realising the value of ecosystem products"),
    "goal.ecosystem": ("生态系统保护", "Ecosystem protection"),
    "goal.institutions": ("制度建设", "Institutions"),
    "status.green": ("达标（绿）", "met (green)"),
    "status.amber": ("未达标但改善（黄）", "not met, improving (amber)"),
    "status.red": ("未达标且未改善（红）", "not met, not improving (red)"),
    "status.no_target": ("未录入目标", "no target recorded"),
    "status.missing": ("缺失", "missing"),
    "trend.improving": ("改善", "improving"),
    "trend.worsening": ("恶化", "worsening"),
    "trend.flat": ("持平", "flat"),
    "trend.unknown": ("未知", "unknown"),
    "rank": ("{rank}/{peers}", "{rank} of {peers}"),
}, prefix="targets.")

_CODE = re.compile(r"`([^`]+)`")


def _reason(text: str) -> Markup:
    """A reason with its `command` parts as code (a command is not prose to translate)."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text or ""))))


def _light(status: str, t) -> Markup:
    colour = LIGHT_COLOURS.get(status, "#ffffff")
    return Markup('<span style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
                  'border:1px solid #777;background:{};vertical-align:middle"></span> {}').format(
        colour, t(f"targets.status.{status}"))


def _source(row, t) -> Markup:
    """The source link (title, quote in its own language) or the reason the value is missing."""
    if pd.isna(row["value"]):
        reason = row["reason_zh"] if t.lang == "zh" else row["reason"]
        return _reason(reason)
    title = row["source_title"] or row["source_url"] or t("targets.page.source")
    url = str(row["source_url"] or "")
    link = Markup('<a href="{}">{}</a>').format(url, title) if url.startswith("http") else \
        Markup('<span translate="no">{}</span>').format(title)
    quote = Markup('<br><small translate="no">“{}”</small>').format(row["quote"]) if row["quote"] else ""
    note = row["reason_zh"] if t.lang == "zh" else row["reason"]
    return link + quote + (Markup("<br>") + _reason(note) if isinstance(note, str) and note else "")


def _target(row) -> str:
    if pd.isna(row["target"]):
        return DASH
    return f"{number(row['target'])}（{row['target_year']}）"


def _goal_table(card: pd.DataFrame, t) -> pages.Table:
    name = "name_zh" if t.lang == "zh" else "name_en"
    columns = [pages.Column("unit_name", t("targets.col.unit"), str, False),
               pages.Column("year", t("targets.col.year"), str, False),
               pages.Column("indicator", t("targets.col.indicator"), str, False),
               pages.Column("value", t("targets.col.value")),
               pages.Column("unit", t("targets.col.measure"), str, False),
               pages.Column("target", t("targets.col.target"), str),
               pages.Column("previous_value", t("targets.col.previous")),
               pages.Column("trend", t("targets.col.trend"), str, False),
               pages.Column("status", t("targets.col.status"), str, False),
               pages.Column("rank", t("targets.col.rank"), str),
               pages.Column("source", t("targets.col.source"), str, False)]
    rows = []
    for _, r in card.iterrows():
        rows.append([r["unit_name"], str(r["year"]), r[name], number(r["value"]), r["unit"], _target(r),
                     number(r["previous_value"]), t(f"targets.trend.{r['trend']}"), _light(r["status"], t),
                     t("targets.rank", rank=r["rank"], peers=r["peers"]) if not pd.isna(r["rank"]) else DASH,
                     _source(r, t)])
    return pages.Table(columns, rows, row_classes=[""] * len(rows))


def _summary(card: pd.DataFrame, t) -> pages.Table:
    counts = card.groupby(["year", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=STATUSES, fill_value=0)
    columns = [pages.Column("year", t("targets.col.year"), str, False)] + \
        [pages.Column(s, _light(s, t), str) for s in STATUSES]
    rows = [[str(year)] + [str(int(counts.at[year, s])) for s in STATUSES] for year in counts.index]
    return pages.Table(columns, rows, row_classes=[""] * len(rows))


def _gaps(card: pd.DataFrame, t) -> pages.Table:
    name = "name_zh" if t.lang == "zh" else "name_en"
    reason = "reason_zh" if t.lang == "zh" else "reason"
    province = card[(card["level"] == "province") & card["value"].isna()]
    rows = []
    for _, group in province.groupby("indicator", sort=False):
        latest = group.sort_values("year").iloc[-1]
        rows.append([latest[name], "、".join(str(y) for y in sorted(group["year"])) if t.lang == "zh"
                     else ", ".join(str(y) for y in sorted(group["year"])), _reason(latest[reason])])
    columns = [pages.Column("indicator", t("targets.col.indicator"), str, False),
               pages.Column("years", t("targets.col.missing_years"), str, False),
               pages.Column("reason", t("targets.col.reason"), str, False)]
    return pages.Table(columns, rows, row_classes=[""] * len(rows))


def page_model(card: pd.DataFrame, margin: float, t) -> dict:
    """What the page shows in ``t``'s language (module docstring)."""
    present = card[card["value"].notna()]
    sections = []
    for goal in GOALS:
        rows = present[present["goal"] == goal]
        sections.append((goal, t(f"targets.goal.{goal}"), _goal_table(rows, t) if len(rows) else None))
    years = sorted(card["year"].unique())
    facts = [(t("targets.page.units"), str(card["code"].nunique())),
             (t("targets.page.years"), f"{years[0]}–{years[-1]}" if years else DASH),
             (t("targets.page.values"), str(len(present))),
             (t("targets.page.missing"), str(int(card["value"].isna().sum())))]
    return {"facts": facts, "sections": sections, "summary": _summary(card, t), "gaps": _gaps(card, t),
            "rules": t("targets.rules", margin=f"{margin:.0%}")}


def render_page(card: pd.DataFrame, margin: float, t) -> str:
    return pages.environment().get_template("targets/scorecard.html.j2").render(
        t=t, **page_model(card, margin, t))


def write_scorecard(values: pd.DataFrame, card: pd.DataFrame, out: str | Path, system: pd.DataFrame,
                    margin: float = 0.0) -> dict[str, Path]:
    """The five files (module docstring) into ``out``, replacing it only once all are written."""
    out = Path(out)
    with atomic_directory(out) as staging:
        system.to_csv(staging / "indicator_system.csv", index=False, encoding="utf-8")
        values.to_csv(staging / "indicator_values.csv", index=False, encoding="utf-8")
        card.to_csv(staging / "scorecard.csv", index=False, encoding="utf-8")
        pages.write(staging, lambda t: render_page(card, margin, t))
    return {name: out / name for name in ("indicator_system.csv", "indicator_values.csv", "scorecard.csv",
                                          "index.html", "index.en.html")}


__all__ = ["TRENDS", "render_page", "write_scorecard"]
