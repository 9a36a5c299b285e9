"""The screening's files and its bilingual page (``index.html`` zh, ``index.en.html`` en).

``write_screening(screening, out, *, alternatives=False, zone_problems=()) -> dict[str, Path]``
writes, atomically into ``out``: ``projects.csv``, ``overlaps.csv``, ``rules_triggered.csv``,
``gep.csv`` (project × item × ecosystem), ``alternatives.csv`` (with ``alternatives``),
``screening.json`` (summary and every table), ``footprints.gpkg`` (layers ``footprints`` and
``zones_touched``), ``map.png`` and the two pages, built on ``ecoledger.pages`` and the shared
templates of ``data/pages/``. The map draws the zones near the footprints by type and the
footprints in red, with the report's scale bar and north arrow (``report.figures``). In the
CSVs a text cell a spreadsheet would run as a formula (the PROJ string of ``area_crs`` too) gets
a leading apostrophe, as the registry's (``registry.parcels._csv_safe``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ecoledger import pages
from ecoledger.controls.screening import Screening, rank_alternatives, to_json
from ecoledger.controls.zones import DEMONSTRATION, activity_label, phrase, zone_label
from ecoledger.errors import Problem
from ecoledger.platform import i18n
from ecoledger.registry.parcels import _csv_safe

ZONE_COLOURS = {
    "ecological_red_line": "#3f8f5b",
    "permanent_farmland": "#e3c15a",
    "urban_development_boundary": "#b0b0b0",
    "environmental_priority_protection": "#7fbf7f",
    "environmental_key_control": "#e08a5a",
    "environmental_general_control": "#d9d9c0",
    "nature_reserve_core": "#1b5e20",
    "nature_reserve_buffer": "#4caf50",
    "nature_reserve_experimental": "#a5d6a7",
    "protected_area": "#2e7d32",
}

i18n.register(
    {
        "controls.page.title": i18n._m("管控分区筛查", "Screening against spatial control zones"),
        "controls.page.lede": i18n._m(
            "项目或规划的用地范围与各类管控分区（生态保护红线、永久基本农田、城镇开发边界、环境管控单元、"
            "自然保护地）的精确叠加：重叠面积与占比、按申报活动触发的管控规则及其原文出处，以及用地范围内的"
            "生态产品总值（GEP，按核算的逐栅格价值图与栅格的精确覆盖比例求和）。",
            "The exact overlay of the footprints of projects or plans with the control zones (ecological "
            "protection red line, permanent farmland, urban development boundary, environmental control "
            "units, protected areas): overlap areas and shares, the rules the declared activity triggers "
            "with the words of their sources, and the gross ecosystem product (GEP) inside each footprint "
            "(the account's per-cell value maps summed with the exact share of each cell inside).",
        ),
        "controls.page.demonstration": i18n._m(
            "示范数据：本页的管控分区由核算栅格（森林、农田、城镇栅格与坡度）生成，并非官方划定的生态保护红线、"
            "永久基本农田或城镇开发边界；项目亦为示范。结果不能用于审批。",
            "Demonstration: the control zones on this page are built from the account grid (forest, "
            "farmland and urban cells and slope); they are not the officially delineated red line, "
            "permanent farmland or urban development boundary, and the projects are fictitious. The "
            "results cannot support an approval.",
        ),
        "controls.page.map": i18n._m("用地范围与管控分区", "Footprints and control zones"),
        "controls.page.projects": i18n._m("项目筛查结果", "Screening by project"),
        "controls.page.overlaps": i18n._m("与各分区的重叠", "Overlaps with each zone"),
        "controls.page.rules": i18n._m("触发的管控规则", "Rules triggered"),
        "controls.page.gep": i18n._m(
            "用地范围内的生态产品总值（按服务）", "GEP inside the footprints (by service)"
        ),
        "controls.page.gep_eco": i18n._m(
            "用地范围内的生态产品总值（按生态系统）", "GEP inside the footprints (by ecosystem)"
        ),
        "controls.page.alternatives": i18n._m("备选选址排序", "Ranking of alternative sites"),
        "controls.page.alternatives_text": i18n._m(
            "同一项目的备选方案依次按禁止类重叠面积、有条件类重叠面积、用地范围内 GEP 由小到大排序；"
            "第 1 名为推荐方案。",
            "Candidates of one project are ranked by prohibited overlap area, then conditional overlap "
            "area, then the GEP inside the footprint, smallest first; rank 1 is preferred.",
        ),
        "controls.page.zone_problems": i18n._m("管控图层检查", "Checks of the control layer"),
        "controls.page.no_problems": i18n._m("未发现问题。", "No problems found."),
        "controls.page.no_rows": i18n._m("无。", "None."),
        "controls.page.method": i18n._m("方法与出处", "Method and sources"),
        "controls.page.method_text": i18n._m(
            "叠加在等积坐标系 {crs} 中用 GEOS 精确计算（STRtree 筛选候选）；"
            "线状工程按缓冲距离、点状工程按半径扩为面。每个重叠的结论取该分区类型与活动已录入规则中最严格的一条；未录入规则的显示为“未录入规则”，"
            "不视为允许。规则表：`zone_rules.csv`，每条规则注明文件、条款、网址与原文。",
            "Overlays are exact (GEOS, STRtree candidates) in the equal-area CRS {crs}; lines are "
            "buffered by their buffer distance and points by their radius. The ruling of an overlap is "
            "the strictest rule recorded for the zone type and the activity; with none recorded it "
            'reads "no rule recorded", never permitted. Rules table: zone_rules.csv, every rule with '
            "its document, article, address and quote.",
        ),
        "controls.page.accounts": i18n._m("核算结果", "Account"),
        "controls.page.count": i18n._m("项目数", "Projects"),
        "controls.page.area_crs": i18n._m("面积坐标系", "Area CRS"),
        "controls.page.status": i18n._m("数据状态", "Data status"),
        "controls.status.demonstration": i18n._m("示范", "demonstration"),
        "controls.status.provided": i18n._m("用户提供", "provided"),
        "controls.col.project": i18n._m("项目", "Project"),
        "controls.col.name": i18n._m("名称", "Name"),
        "controls.col.activity": i18n._m("活动", "Activity"),
        "controls.col.kind": i18n._m("形态", "Shape"),
        "controls.col.footprint": i18n._m("用地面积", "Footprint"),
        "controls.col.prohibited": i18n._m("禁止类重叠", "Prohibited overlap"),
        "controls.col.conditional": i18n._m("有条件类重叠", "Conditional overlap"),
        "controls.col.verdict": i18n._m("结论", "Verdict"),
        "controls.col.gep": i18n._m("GEP", "GEP"),
        "controls.col.vep": i18n._m("VEP 现值", "VEP present value"),
        "controls.col.habitat": i18n._m(
            "生境质量损失（质量加权）", "Habitat quality lost (quality-weighted)"
        ),
        "controls.page.vep": i18n._m("VEP 贴现", "VEP discounting"),
        "controls.page.vep_value": i18n._m(
            "年贴现率 {rate}，{horizon} 年（平台默认值，可选择，并非官方值）",
            "rate {rate} per year over {horizon} years (the platform's default choice, not an official "
            "value)",
        ),
        "controls.page.habitat": i18n._m("生境质量栅格", "Habitat-quality raster"),
        "controls.page.habitat_missing": i18n._m(
            "未提供：生境质量损失未计算（见 `docs/controls.md`：用威胁因子表和敏感度表运行生境质量模型）",
            "not given: habitat quality lost not computed (docs/controls.md: run Habitat Quality with "
            "a threats table and a sensitivity table)",
        ),
        "controls.page.habitat_text": i18n._m(
            "生境质量损失 = 用地范围内的平均生境质量 × 有值栅格的覆盖比例 × 用地面积（质量加权公顷），"
            "假定用地范围内生境完全丧失；项目作为新的威胁源对周边造成的退化未计入。"
            "VEP 现值 = 用地范围内的年 GEP × [1 − (1 + r)^−T] / r。",
            "Habitat quality lost = mean habitat quality inside the footprint × the share of it with a "
            "quality × the footprint area (quality-weighted hectares), assuming the footprint loses its "
            "habitat; the degradation the project would add around it as a new threat is not included. "
            "VEP present value = the footprint's yearly GEP × [1 − (1 + r)^−T] / r.",
        ),
        "controls.col.zone": i18n._m("分区", "Zone"),
        "controls.col.zone_type": i18n._m("分区类型", "Zone type"),
        "controls.col.overlap": i18n._m("重叠面积", "Overlap"),
        "controls.col.share_footprint": i18n._m("占用地", "Share of footprint"),
        "controls.col.share_zone": i18n._m("占分区", "Share of zone"),
        "controls.col.ruling": i18n._m("规则结论", "Ruling"),
        "controls.col.rule": i18n._m("规则", "Rule"),
        "controls.col.source": i18n._m("出处", "Source"),
        "controls.col.quote": i18n._m("原文", "Quote"),
        "controls.col.item": i18n._m("服务", "Service"),
        "controls.col.ecosystem": i18n._m("生态系统", "Ecosystem"),
        "controls.col.group": i18n._m("项目组", "Group"),
        "controls.col.rank": i18n._m("排序", "Rank"),
        "controls.kind.polygon": i18n._m("面", "polygon"),
        "controls.kind.line": i18n._m("线（缓冲 {m} m）", "line (buffer {m} m)"),
        "controls.kind.point": i18n._m("点（半径 {m} m）", "point (radius {m} m)"),
        "controls.verdict.prohibited": i18n._m("涉及禁止类分区", "touches a prohibited zone"),
        "controls.verdict.conditional": i18n._m("涉及有条件类分区", "touches a conditional zone"),
        "controls.verdict.no_rule": i18n._m("涉及未录入规则的分区", "touches a zone without a recorded rule"),
        "controls.verdict.clear": i18n._m("未涉及管控分区", "touches no control zone"),
        "controls.m2": i18n._m("m²", "m²"),
        "controls.ha": i18n._m("公顷", "ha"),
    }
)


def _habitat_ha(value) -> str:
    """Quality-weighted hectares (already ha, unlike the m² columns)."""
    v = i18n._as_float(value)
    return i18n.DASH if v is None else f"{v:,.2f}"


def _ha(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None else f"{v / 1e4:,.2f}"


def _map_png(screening: Screening, lang: str) -> bytes:
    import io

    import shapely
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from ecoledger.report.figures import decorate_map, styled
    from ecoledger.report.i18n import Translator

    @styled
    def draw():
        fp = screening.footprints
        minx, miny, maxx, maxy = fp.total_bounds
        pad = max(maxx - minx, maxy - miny) * 0.25 + 1000
        frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
        zones = screening.zones
        near = (
            zones.iloc[shapely.STRtree(np.asarray(zones.geometry.array)).query(frame, predicate="intersects")]
            if len(zones)
            else zones
        )
        figure = Figure(figsize=(7.5, 6.5))
        ax = figure.add_subplot()
        handles = []
        for zone_type, part in near.groupby("zone_type"):
            colour = ZONE_COLOURS.get(zone_type, "#999999")
            part.plot(ax=ax, color=colour, alpha=0.55, edgecolor="none")
            handles.append(Patch(facecolor=colour, alpha=0.55, label=zone_label(zone_type, lang)))
        fp.plot(ax=ax, facecolor=(0.85, 0.1, 0.1, 0.25), edgecolor="#c62828", linewidth=1.2)
        handles.append(
            Patch(
                facecolor=(0.85, 0.1, 0.1, 0.25),
                edgecolor="#c62828",
                label=i18n.translator(lang)("controls.col.project"),
            )
        )
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        decorate_map(ax, fp.crs, Translator(lang))
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
        return buffer.getvalue()

    return draw()


def _model(
    screening: Screening, t, alternatives: pd.DataFrame | None, zone_problems: Iterable[Problem], png: bytes
) -> dict:
    lang = t.lang
    C = pages.Column
    plain = {"format": pages.text, "numeric": False}
    ident = {"format": pages.identifier, "numeric": False}
    ha = t("controls.ha")

    def kind(row) -> str:
        return (
            t(f"controls.kind.{row['kind']}", m=f"{row['buffer_m']:g}")
            if row["kind"] != "polygon"
            else t("controls.kind.polygon")
        )

    p = screening.projects
    gep_unit = pages.money_unit(p["gep_yuan"]) if p["gep_yuan"].notna().any() else "wan"
    vep_unit = pages.money_unit(p["vep_yuan"]) if p["vep_yuan"].notna().any() else "wan"
    projects = pages.table(
        p,
        [
            C("project_id", t("controls.col.project"), **ident),
            C("name", t("controls.col.name"), **plain),
            C("activity", t("controls.col.activity"), **plain),
            C("kind", t("controls.col.kind"), **plain),
            C("footprint_m2", pages.head(t, t("controls.col.footprint"), ha), _ha),
            C("prohibited_m2", pages.head(t, t("controls.col.prohibited"), ha), _ha),
            C("conditional_m2", pages.head(t, t("controls.col.conditional"), ha), _ha),
            C("gep_yuan", pages.money_head(t, t("controls.col.gep"), gep_unit), pages.money(gep_unit)),
            C("vep_yuan", pages.money_head(t, t("controls.col.vep"), vep_unit), pages.money(vep_unit)),
            C("habitat_quality_ha", pages.head(t, t("controls.col.habitat"), ha), _habitat_ha),
            C("verdict", t("controls.col.verdict"), **plain),
        ],
        t,
        totals=[
            "footprint_m2", "prohibited_m2", "conditional_m2", "gep_yuan", "vep_yuan", "habitat_quality_ha"
        ],
        cells={
            "activity": lambda r: activity_label(r["activity"], lang),
            "kind": kind,
            "verdict": lambda r: t(f"controls.verdict.{r['verdict']}"),
        },
    )
    o = screening.overlaps.sort_values(["project_id", "overlap_m2"], ascending=[True, False])
    overlaps = pages.table(
        o,
        [
            C("project_id", t("controls.col.project"), **ident),
            C("zone_name", t("controls.col.zone"), **plain),
            C("zone_type", t("controls.col.zone_type"), **plain),
            C("overlap_m2", pages.head(t, t("controls.col.overlap"), ha), _ha),
            C("share_of_footprint", t("controls.col.share_footprint"), pages.fraction),
            C("share_of_zone", t("controls.col.share_zone"), pages.fraction),
            C("ruling", t("controls.col.ruling"), **plain),
            C("rule_ids", t("controls.col.rule"), **plain),
        ],
        t,
        cells={
            "zone_type": lambda r: zone_label(r["zone_type"], lang),
            "ruling": lambda r: phrase(f"ruling.{r['ruling']}", lang),
        },
    )
    tr = screening.triggered
    quote = (lambda r: r["quote"]) if lang == "zh" else (lambda r: pages.foreign(r["quote"], "zh"))
    source = (
        (lambda r: f"{r['source']} {r['article']}")
        if lang == "zh"
        else (lambda r: pages.foreign(f"{r['source']} {r['article']}", "zh"))
    )
    rules = pages.table(
        tr,
        [
            C("project_id", t("controls.col.project"), **ident),
            C("zone_type", t("controls.col.zone_type"), **plain),
            C("rule_id", t("controls.col.rule"), **plain),
            C("ruling", t("controls.col.ruling"), **plain),
            C("source", t("controls.col.source"), **plain),
            C("quote", t("controls.col.quote"), **plain),
        ],
        t,
        cells={
            "zone_type": lambda r: zone_label(r["zone_type"], lang),
            "ruling": lambda r: phrase(f"ruling.{r['ruling']}", lang),
            "quote": quote,
            "source": source,
        },
    )
    from ecoledger.report.i18n import Translator

    rt = Translator(lang)
    g = screening.gep
    gep_tables = []
    if len(g):
        for column, head in (("item", "controls.col.item"), ("ecosystem", "controls.col.ecosystem")):
            wide = g.groupby(["project_id", column])["value_yuan"].sum().reset_index()
            unit = pages.money_unit(wide["value_yuan"])
            name = rt.item if column == "item" else rt.ecosystem
            gep_tables.append(
                pages.table(
                    wide,
                    [
                        C("project_id", t("controls.col.project"), **ident),
                        C(column, t(head), **plain),
                        C("value_yuan", pages.money_head(t, t("controls.col.gep"), unit), pages.money(unit)),
                    ],
                    t,
                    totals=["value_yuan"],
                    cells={column: lambda r, name=name, column=column: _safe(name, r[column])},
                )
            )
    alt = None
    if alternatives is not None:
        unit = pages.money_unit(alternatives["gep_yuan"]) if alternatives["gep_yuan"].notna().any() else "wan"
        alt = pages.table(
            alternatives,
            [
                C("group", t("controls.col.group"), **ident),
                C("rank", t("controls.col.rank"), i18n.plain),
                C("project_id", t("controls.col.project"), **ident),
                C("prohibited_m2", pages.head(t, t("controls.col.prohibited"), ha), _ha),
                C("conditional_m2", pages.head(t, t("controls.col.conditional"), ha), _ha),
                C("gep_yuan", pages.money_head(t, t("controls.col.gep"), unit), pages.money(unit)),
                C("verdict", t("controls.col.verdict"), **plain),
            ],
            t,
            cells={"verdict": lambda r: t(f"controls.verdict.{r['verdict']}")},
        )
    problems = [(p.severity, *p.in_language(lang)) for p in zone_problems]
    facts = [
        (t("controls.page.count"), f"{len(p):,}"),
        (t("controls.page.status"), t(f"controls.status.{screening.status}")),
        (t("controls.page.area_crs"), Markup("<code>{}</code>").format(screening.area_crs)),
        (t("controls.page.accounts"), screening.accounts or i18n.DASH),
        (t("controls.page.vep"), t("controls.page.vep_value", rate=f"{screening.rate:g}",
                                   horizon=screening.horizon)),
        (t("controls.page.habitat"), screening.habitat_quality or t("controls.page.habitat_missing")),
    ]
    return {
        "facts": facts,
        "projects": projects,
        "overlaps": overlaps,
        "rules": rules,
        "gep_tables": gep_tables,
        "alternatives": alt,
        "problems": problems,
        "demonstration": screening.status == DEMONSTRATION,
        "map_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "crs": screening.area_crs,
        "method": _method(t, screening.area_crs),
        "colon": "：" if lang == "zh" else ": ",
        "files": ["projects", "overlaps", "rules_triggered", "gep"] + (["alternatives"] if alt else []),
    }


def _method(t, crs: str) -> Markup:
    """The method paragraph with the CRS's PROJ string and GEOS's index name as code (not words)."""
    marked = escape(t("controls.page.method_text", crs="\x00"))
    marked = marked.replace("\x00", Markup('<code translate="no">{}</code>').format(crs))
    return marked.replace("STRtree", Markup("<code>STRtree</code>"))


def _safe(name, code) -> str:
    try:
        return name(code)
    except KeyError:
        return str(code)


def write_screening(
    screening: Screening,
    out: str | Path,
    *,
    alternatives: bool = False,
    zone_problems: Iterable[Problem] = (),
    page: bool = True,
) -> dict[str, Path]:
    """The files and pages of a screening (module docstring), written atomically into ``out``."""
    from ecoledger.atomic import atomic_directory

    zone_problems = list(zone_problems)
    ranked = rank_alternatives(screening) if alternatives else None
    out = Path(out)
    with atomic_directory(out) as staging:
        tables = {
            "projects": screening.projects,
            "overlaps": screening.overlaps,
            "rules_triggered": screening.triggered,
            "gep": screening.gep,
        }
        if ranked is not None:
            tables["alternatives"] = ranked
        for name, frame in tables.items():
            _csv_safe(frame).to_csv(staging / f"{name}.csv", index=False, encoding="utf-8-sig")
        (staging / "screening.json").write_text(to_json(screening), encoding="utf-8")
        fp = screening.footprints
        fp.to_file(staging / "footprints.gpkg", layer="footprints", driver="GPKG")
        touched = screening.zones[screening.zones["zone_id"].isin(set(screening.overlaps["zone_id"]))]
        if len(touched):
            touched.to_file(staging / "footprints.gpkg", layer="zones_touched", driver="GPKG")
        if page:
            png = _map_png(screening, "zh")
            (staging / "map.png").write_bytes(png)
            env = pages.environment()
            template = env.get_template("controls/screening.html.j2")
            pages.write(
                staging,
                lambda t: template.render(
                    t=t,
                    page=True,
                    **_model(
                        screening,
                        t,
                        ranked,
                        zone_problems,
                        png if t.lang == "zh" else _map_png(screening, "en"),
                    ),
                ),
            )
    return {name: out / name for name in ("projects.csv", "overlaps.csv", "index.html", "screening.json")}


def page_body(screening: Screening, lang: str, zone_problems: Iterable[Problem] = ()) -> Markup:
    """The screening page's body alone (no frame, no links to files beside it), in ``lang``: what
    the platform embeds in its own page."""
    from ecoledger.platform import i18n as platform_i18n

    t = platform_i18n.translator(lang)
    model = _model(screening, t, None, zone_problems, _map_png(screening, lang))
    model["files"] = []  # the platform links the stored result instead
    template = pages.environment().get_template("controls/screening.html.j2")
    return Markup(template.render(t=t, page=False, **model))


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    rows = [
        {
            "file": p.file,
            "field": p.field,
            "severity": p.severity,
            "message": p.message,
            "fix": p.fix,
            "message_zh": p.message_zh,
            "fix_zh": p.fix_zh,
        }
        for p in problems
    ]
    return pd.DataFrame(rows, columns=["file", "field", "severity", "message", "fix", "message_zh", "fix_zh"])
