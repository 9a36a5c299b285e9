"""The chiefs' files and bilingual page (index.html zh, index.en.html en).

write_chiefs(chiefs, out) writes atomically into out: areas.csv (the indicators per area),
duties.csv (per official: patrols against the requirement), officials.csv, patrols.csv,
issues.csv, rules.csv (the cited rules applied), areas.gpkg, chiefs.json and the two pages.
A demonstration says so on the page, in chiefs.json and in a status column of every table.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ecoledger import pages
from ecoledger.accountability.chiefs import DEMONSTRATION, Chiefs
from ecoledger.messages import entry
from ecoledger.platform import i18n
from ecoledger.registry.parcels import _csv_safe

i18n.register(
    {
        "chiefs.page.title": entry(
            "河湖长制、林长制责任区指标", "River/lake and forest chiefs: indicators per area"
        ),
        "chiefs.page.lede": entry(
            "各责任区（河段、湖泊、林长责任区）的河湖长/林长、"
            "巡查频次（对照有出处的规定或用户给出的要求）、问题发现与办结、"
            "责任区内的生态产品总值（GEP）、森林面积和监测站水质类别。",
            "Each chief area (river reach, lake, forest parcel) "
            "with its officials, patrol frequency (against a "
            "cited rule or a user-given requirement), issues "
            "opened and closed, and the gross ecosystem product "
            "(GEP), forest area and station water-quality class inside.",
        ),
        "chiefs.page.demonstration": entry(
            "示范数据：责任区由核算栅格生成（森林斑块、湿地斑块、"
            "地形最陡下降线），并非官方划定的责任区；河湖长、林长为占位"
            "名称，不是真实人员；巡查与问题记录为编造的示范记录。结果不能用于考核。",
            "Demonstration: the areas are built from the account grid (forest patches, a wetland patch, a "
            "steepest-descent line on the terrain), not officially "
            "assigned areas; the officials are placeholder "
            "names, no real person; the patrol and issue records are invented. The results cannot support an "
            "assessment.",
        ),
        "chiefs.page.map": entry("责任区分布", "Map of the areas"),
        "chiefs.page.areas": entry("各责任区指标", "Indicators per area"),
        "chiefs.page.duties": entry("河湖长、林长履职：巡查频次", "Chiefs' duties: patrol frequency"),
        "chiefs.page.duties_text": entry(
            "每月巡查次数 = 任职月份内的巡查次数 ÷ 任职月数；有出处的规定另按其周期（如每季度）逐期检查，"
            "每个完整周期都达到次数才算达标。没有规定或用户要求的，要求为缺失，不作判断。",
            "Patrols per month = patrols in the months in post "
            "÷ months in post; a cited rule is also checked "
            "window by window (e.g. each quarter), met only "
            "when every complete window has its patrols. Without "
            "a rule or a user requirement the requirement is missing and nothing is judged.",
        ),
        "chiefs.page.rules": entry("采用的巡查规定及出处", "Patrol rules applied and their sources"),
        "chiefs.page.no_rules": entry("未采用有出处的规定。", "No cited rule applied."),
        "chiefs.page.method": entry("方法与出处", "Method and sources"),
        "chiefs.page.method_text": entry(
            "责任区内的 GEP 由核算结果的逐栅格价值图按栅格的精确覆盖比例求和（河段按缓冲宽度扩为面）；"
            "森林面积 = 森林栅格 × 覆盖比例 × 栅格面积。问题办结率 = "
            "统计期内发现且在期末前办结的问题 ÷ 统计期内发现的问题。",
            "The GEP inside an area sums the account's per-cell "
            "value maps with the exact covered share of each "
            "cell (reaches buffered to polygons); forest area = "
            "forest cells × covered share × cell area. Closure "
            "rate = issues opened in the period and closed by its end ÷ issues opened in the period.",
        ),
        "chiefs.fact.period": entry("统计期", "Period"),
        "chiefs.fact.areas": entry("责任区数", "Areas"),
        "chiefs.fact.officials": entry("河湖长/林长人数", "Officials"),
        "chiefs.fact.status": entry("数据状态", "Data status"),
        "chiefs.fact.accounts": entry("核算结果", "Accounts"),
        "chiefs.status.demonstration": entry("示范", "demonstration"),
        "chiefs.status.provided": entry("用户提供", "provided"),
        "chiefs.kind.river_reach": entry("河段", "river reach"),
        "chiefs.kind.lake": entry("湖泊", "lake"),
        "chiefs.kind.forest_parcel": entry("林长责任区", "forest parcel"),
        "chiefs.level.province": entry("省级", "province"),
        "chiefs.level.city": entry("市级", "city"),
        "chiefs.level.county": entry("县级", "county"),
        "chiefs.level.township": entry("乡级", "township"),
        "chiefs.level.village": entry("村级", "village"),
        "chiefs.basis.cited": entry("有出处的规定", "cited rule"),
        "chiefs.basis.user": entry("用户给出", "user parameter"),
        "chiefs.basis.missing": entry("缺失（无出处规定）", "missing (no cited rule)"),
        "chiefs.met.true": entry("达标", "met"),
        "chiefs.met.false": entry("未达标", "not met"),
        "chiefs.col.area": entry("责任区", "Area"),
        "chiefs.col.name": entry("名称", "Name"),
        "chiefs.col.kind": entry("类型", "Kind"),
        "chiefs.col.area_km2": entry("面积", "Area"),
        "chiefs.col.length_km": entry("长度", "Length"),
        "chiefs.col.chiefs": entry("河湖长/林长", "Chiefs"),
        "chiefs.col.patrols": entry("巡查次数", "Patrols"),
        "chiefs.col.per_month": entry("每月巡查", "Patrols per month"),
        "chiefs.col.opened": entry("发现问题", "Issues opened"),
        "chiefs.col.closed": entry("办结问题", "Issues closed"),
        "chiefs.col.closure_rate": entry("办结率", "Closure rate"),
        "chiefs.col.median_days": entry("办结天数中位数", "Median days to close"),
        "chiefs.col.open_at_end": entry("期末未办结", "Open at end"),
        "chiefs.col.gep": entry("GEP", "GEP"),
        "chiefs.col.forest": entry("森林面积", "Forest"),
        "chiefs.col.water_class": entry("站点最差水质类别", "Worst station class"),
        "chiefs.col.note": entry("说明", "Note"),
        "chiefs.col.official": entry("姓名", "Official"),
        "chiefs.col.post": entry("职务", "Post"),
        "chiefs.col.level": entry("级别", "Level"),
        "chiefs.col.months": entry("任职月数", "Months in post"),
        "chiefs.col.required": entry("要求（每月）", "Required per month"),
        "chiefs.col.basis": entry("要求依据", "Requirement"),
        "chiefs.col.periods": entry("达标周期/完整周期", "Windows met / complete"),
        "chiefs.col.met": entry("结论", "Verdict"),
        "chiefs.col.rule": entry("规定", "Rule"),
        "chiefs.col.quote": entry("原文", "Quote"),
        "chiefs.col.source": entry("出处", "Source"),
    }
)


KIND_COLOURS = {"forest_parcel": "#1b5e20", "lake": "#1565c0", "river_reach": "#c62828"}


def _map_png(chiefs: Chiefs, lang: str) -> bytes:
    """The areas by kind (reaches buffered as drawn in the indicators) over the account's ecosystem
    map when there is one, with graticule, scale bar and north arrow (``report.figures``)."""
    import io

    import rasterio
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from rasterio.windows import from_bounds

    from ecoledger.accountability.chiefs import area_shapes
    from ecoledger.outputs import ecosystem_colour_table
    from ecoledger.report.figures import decorate_map, styled
    from ecoledger.report.i18n import Translator

    @styled
    def draw():
        maps = Path(chiefs.accounts) / "maps" / "ecosystem.tif" if chiefs.accounts else None
        shapes = area_shapes(chiefs.areas, chiefs.buffer_m)
        if maps is not None and maps.is_file():
            with rasterio.open(maps) as src:
                shapes = shapes.to_crs(src.crs)
                minx, miny, maxx, maxy = shapes.total_bounds
                pad = max(maxx - minx, maxy - miny) * 0.15 + 2000
                window = from_bounds(minx - pad, miny - pad, maxx + pad, maxy + pad, src.transform)
                window = window.round_offsets().round_lengths()
                eco = src.read(1, window=window, boundless=True, fill_value=0)
                extent_ = rasterio.windows.bounds(window, src.transform)
        else:
            eco = None
            minx, miny, maxx, maxy = shapes.total_bounds
            pad = max(maxx - minx, maxy - miny) * 0.15 + 2000
        figure = Figure(figsize=(7.5, 6.5))
        ax = figure.add_subplot()
        if eco is not None:
            table = ecosystem_colour_table()
            colours = [tuple(c / 255 for c in table.get(k, (0, 0, 0, 0))) for k in range(max(table) + 1)]
            left, bottom, right, top = extent_
            ax.imshow(
                eco,
                cmap=ListedColormap(colours),
                vmin=0,
                vmax=len(colours) - 1,
                interpolation="nearest",
                extent=(left, right, bottom, top),
                alpha=0.45,
            )
        t = i18n.translator(lang)
        handles = []
        for kind, part in shapes.groupby("kind"):
            colour = KIND_COLOURS.get(kind, "#555555")
            part.plot(ax=ax, facecolor=colour, alpha=0.35, edgecolor=colour, linewidth=1.2)
            handles.append(Patch(facecolor=colour, alpha=0.5, label=t(f"chiefs.kind.{kind}")))
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        decorate_map(ax, shapes.crs, Translator(lang))
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
        return buffer.getvalue()

    return draw()


def _plain_number(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None or math.isnan(v) else f"{v:,.2f}"


def _model(chiefs: Chiefs, t) -> dict:
    from ecoledger.monitoring.water import CLASS_NAMES, CLASS_NAMES_ZH

    lang = t.lang
    C = pages.Column
    plain = {"format": pages.text, "numeric": False}
    a = chiefs.indicators
    gep_unit = pages.money_unit(a["gep_yuan"]) if a["gep_yuan"].notna().any() else "wan"
    classes = CLASS_NAMES_ZH if lang == "zh" else CLASS_NAMES

    def water(r):
        v = r.get("worst_station_class")
        return i18n.DASH if v is None or pd.isna(v) else classes.get(int(v), str(v))

    areas = pages.table(
        a,
        [
            C("area_id", t("chiefs.col.area"), **plain),
            C("name", t("chiefs.col.name"), **plain),
            C("kind", t("chiefs.col.kind"), **plain),
            C("area_km2", pages.head(t, t("chiefs.col.area_km2"), "km²"), _plain_number),
            C("length_km", pages.head(t, t("chiefs.col.length_km"), "km"), _plain_number),
            C("chiefs", t("chiefs.col.chiefs"), **plain),
            C("patrols", t("chiefs.col.patrols"), i18n.plain),
            C("patrols_per_month", t("chiefs.col.per_month"), _plain_number),
            C("issues_opened", t("chiefs.col.opened"), i18n.plain),
            C("issues_closed", t("chiefs.col.closed"), i18n.plain),
            C("closure_rate", t("chiefs.col.closure_rate"), pages.fraction),
            C("median_days_to_close", t("chiefs.col.median_days"), _plain_number),
            C("issues_open_at_end", t("chiefs.col.open_at_end"), i18n.plain),
            C("gep_yuan", pages.money_head(t, t("chiefs.col.gep"), gep_unit), pages.money(gep_unit)),
            C("forest_km2", pages.head(t, t("chiefs.col.forest"), "km²"), _plain_number),
            C("worst_station_class", t("chiefs.col.water_class"), **plain),
            C("note_zh" if lang == "zh" else "note", t("chiefs.col.note"), **plain),
        ],
        t,
        cells={
            "area_id": lambda r: Markup('<code translate="no">{}</code>').format(r["area_id"]),
            "kind": lambda r: t(f"chiefs.kind.{r['kind']}"),
            "chiefs": lambda r: r["chiefs"] or i18n.DASH,
            "worst_station_class": water,
        },
    )
    d = chiefs.duties

    def met(r):
        return (
            i18n.DASH
            if r["met"] is None or pd.isna(r["met"])
            else t(f"chiefs.met.{str(bool(r['met'])).lower()}")
        )

    def periods(r):
        return i18n.DASH if pd.isna(r["periods"]) else f"{int(r['periods_met'])}/{int(r['periods'])}"

    duties = (
        pages.table(
            d,
            [
                C("area_id", t("chiefs.col.area"), **plain),
                C("official", t("chiefs.col.official"), **plain),
                C("post", t("chiefs.col.post"), **plain),
                C("level", t("chiefs.col.level"), **plain),
                C("months", t("chiefs.col.months"), i18n.plain),
                C("patrols", t("chiefs.col.patrols"), i18n.plain),
                C("patrols_per_month", t("chiefs.col.per_month"), _plain_number),
                C("required_per_month", t("chiefs.col.required"), _plain_number),
                C("requirement_basis", t("chiefs.col.basis"), **plain),
                C("periods", t("chiefs.col.periods"), **plain),
                C("met", t("chiefs.col.met"), **plain),
            ],
            t,
            cells={
                "area_id": lambda r: Markup('<code translate="no">{}</code>').format(r["area_id"]),
                "level": lambda r: t(f"chiefs.level.{r['level']}"),
                "requirement_basis": lambda r: t(f"chiefs.basis.{r['requirement_basis']}"),
                "required_per_month": lambda r: _plain_number(r["required_per_month"]),
                "periods": periods,
                "met": met,
            },
        )
        if len(d)
        else None
    )
    rules = None
    if len(chiefs.rules):
        rules = pages.table(
            chiefs.rules,
            [
                C("rule_id", t("chiefs.col.rule"), **plain),
                C("quote", t("chiefs.col.quote"), **plain),
                C("source_title", t("chiefs.col.source"), **plain),
            ],
            t,
            cells={
                "rule_id": lambda r: Markup('<code translate="no">{}</code>').format(r["rule_id"]),
                "quote": (lambda r: r["quote"])
                if lang == "zh"
                else (lambda r: pages.foreign(r["quote"], "zh")),
                "source_title": lambda r: Markup('{} <a href="{}" translate="no">{}</a>').format(
                    r["source_title"] if lang == "zh" else pages.foreign(r["source_title"], "zh"),
                    r["source_url"],
                    r["source_url"],
                ),
            },
        )
    facts = [
        (t("chiefs.fact.period"), f"{chiefs.period_start.isoformat()} – {chiefs.period_end.isoformat()}"),
        (t("chiefs.fact.areas"), str(len(chiefs.indicators))),
        (t("chiefs.fact.officials"), str(len(chiefs.officials))),
        (t("chiefs.fact.status"), t(f"chiefs.status.{chiefs.status}")),
        (
            t("chiefs.fact.accounts"),
            Markup('<code translate="no">{}</code>').format(chiefs.accounts)
            if chiefs.accounts
            else i18n.DASH,
        ),
    ]
    return {
        "facts": facts,
        "areas": areas,
        "duties": duties,
        "rules": rules,
        "demonstration": chiefs.status == DEMONSTRATION,
        "map_uri": "data:image/png;base64," + base64.b64encode(_map_png(chiefs, lang)).decode("ascii"),
        "colon": "：" if lang == "zh" else ": ",
        "files": ["areas", "duties", "officials", "patrols", "issues", "rules"],
    }


def write_chiefs_files(chiefs: Chiefs, folder: Path, page: bool = True) -> None:
    """The files and pages (module docstring) into the existing folder ``folder``."""
    folder = Path(folder)
    tables = {
        "areas": chiefs.indicators,
        "duties": chiefs.duties,
        "officials": chiefs.officials,
        "patrols": chiefs.patrols,
        "issues": chiefs.issues,
        "rules": chiefs.rules,
    }
    for name, frame in tables.items():
        frame = frame.copy()
        frame["data_status"] = chiefs.status
        _csv_safe(frame).to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    areas = chiefs.areas.copy()
    areas["data_status"] = chiefs.status
    areas.to_file(folder / "areas.gpkg", layer="areas", driver="GPKG")
    summary = {
        "status": chiefs.status,
        "period": [chiefs.period_start.isoformat(), chiefs.period_end.isoformat()],
        "areas": len(chiefs.indicators),
        "officials": len(chiefs.officials),
        "patrols": len(chiefs.patrols),
        "issues": len(chiefs.issues),
        "accounts": chiefs.accounts,
        "rules": list(chiefs.rules["rule_id"]) if len(chiefs.rules) else [],
    }
    (folder / "chiefs.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if page:
        env = pages.environment()
        template = env.get_template("accountability/chiefs.html.j2")
        pages.write(folder, lambda t: template.render(t=t, **_model(chiefs, t)))


def write_chiefs(chiefs: Chiefs, out: str | Path, page: bool = True) -> Path:
    """The chiefs' files and pages written atomically into ``out``."""
    from ecoledger.atomic import atomic_directory

    out = Path(out)
    with atomic_directory(out) as staging:
        write_chiefs_files(chiefs, staging, page=page)
    return out / "index.html"
