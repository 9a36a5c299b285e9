"""The biodiversity outputs and their bilingual page (``index.html`` zh, ``index.en.html`` en).

``write_outputs(out, *, units, areas, records=None, register=None, area_crs, demonstration=False,
species=None) -> dict`` writes atomically into ``out``:

* ``county_indicators.csv`` — every unit (province, cities, counties): ``indicators.county_indicators``;
* ``protected_by_type.csv``, ``protected_by_level.csv`` — ``indicators.by_designation``;
* ``protected_areas.csv`` — the register: published area (``area_ha``) beside the boundary's
  (``boundary_ha``); for the demonstration also the rows that got no boundary and why;
* ``species_records.csv`` — each record with its county and the protected areas holding it;
* ``species.csv`` — the species table with its sources; ``problems.csv`` — the layers' checks;
* ``biodiversity.gpkg`` — layers ``protected_areas`` and ``species_records``;
* ``summary.json``, ``map.png`` and the two pages, on ``ecoledger.pages``.

Text cells a spreadsheet would run as a formula get a leading apostrophe (``_csv_safe``).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ecoledger import pages
from ecoledger.biodiversity.indicators import by_designation, county_indicators, records_in_units
from ecoledger.biodiversity.register import DEMONSTRATION, ProtectedAreas, level_label, read_codes, type_label
from ecoledger.biodiversity.species import SpeciesRecords, read_species
from ecoledger.platform import i18n
from ecoledger.registry.parcels import _csv_safe

TYPE_COLOURS = {
    "national_park": "#1b5e20",
    "nature_reserve": "#43a047",
    "scenic_area": "#8d6e63",
    "forest_park": "#9ccc65",
    "wetland_park": "#4fc3f7",
    "geopark": "#bcaaa4",
    "other": "#9e9e9e",
}
SPECIES_MARKERS = ("o", "^", "s", "D", "v", "P", "X", "*")
_m = i18n._m

i18n.register(
    {
        "biodiversity.page.title": _m("保护地与物种指标", "Protected areas and species indicators"),
        "biodiversity.page.lede": _m(
            "自然保护地名录（类型、级别、边界）与珍稀物种记录（点图层），按区县计算保护地面积（各保护地边界取并集，"
            "重叠部分只计一次）、保护地占比、区县内及保护地内的物种记录数和物种数；市、省由所辖区县汇总。",
            "The register of protected areas (type, level, boundary) and records of species of concern "
            "(a point layer); per county the protected area (the union of the boundaries, so an overlap "
            "counts once), the protected share, the species records in the county and inside protected "
            "areas, and the number of species; cities and the province sum their counties.",
        ),
        "biodiversity.page.demonstration": _m(
            "示范数据：江西自然保护地的官方边界不是公开数据。本页的保护地边界是按公布面积、以来源所述区县的代表点"
            "为圆心画出的圆，物种记录是已发表的分布地点描述、置于所述区县的代表点；二者都不是官方边界或观测坐标，"
            "各区县数值仅用于演示计算方法，不能作为统计数据引用。",
            "Demonstration: the official boundaries of Jiangxi's protected areas are not open data. The "
            "boundaries on this page are circles of the published area centred on the representative "
            "point of the county the source names, and the species records are published locality "
            "statements placed at the named county's representative point; neither is an official "
            "boundary or an observed position, and the county figures only demonstrate the method: "
            "they cannot be quoted as statistics.",
        ),
        "biodiversity.page.map": _m("保护地与物种记录", "Protected areas and species records"),
        "biodiversity.page.units": _m("省、市指标", "Province and cities"),
        "biodiversity.page.counties": _m(
            "区县指标（有保护地或物种记录的区县）", "Counties (those with a protected area or a record)"
        ),
        "biodiversity.page.by_type": _m("按类型的保护地面积", "Protected area by type"),
        "biodiversity.page.by_type_note": _m(
            "每种类型取其自身边界的并集；不同类型可相互重叠，各类型之和可能大于保护地总面积。",
            "Each type is the union of its own boundaries; types may overlap one another, so their sum "
            "may exceed the total protected area.",
        ),
        "biodiversity.page.by_level": _m("按级别的保护地面积", "Protected area by level"),
        "biodiversity.page.register": _m("保护地名录", "Register of protected areas"),
        "biodiversity.page.species": _m("物种表", "Species of concern"),
        "biodiversity.page.records": _m("物种记录", "Species records"),
        "biodiversity.page.problems": _m("图层检查", "Checks of the layers"),
        "biodiversity.page.no_problems": _m("未发现问题。", "No problems found."),
        "biodiversity.page.method": _m("方法与出处", "Method and sources"),
        "biodiversity.page.method_text": _m(
            "面积在等积坐标系 {crs} 中用 GEOS 精确叠加计算：先对全部保护地边界取并集，再与每个区县求交，"
            "保护地占比 = 区县内保护地面积 ÷ 区县面积。"
            "物种记录按所在区县（跨界点归入代码最小的区县）与是否落在"
            "任一保护地内统计；物种数为不重复物种数，市、省按所辖记录重新计数（物种数不可相加）。"
            "每个保护地与物种的数值均注明出处网址与原文（`protected_areas.csv`、`species.csv`）。",
            "Areas are exact GEOS overlays in the equal-area CRS {crs}: the union of all protected areas "
            "first, then its intersection with each county; protected share = protected area in the "
            "county ÷ county area. Records are counted by the county holding them (a point on a border "
            "goes to the county with the smallest code) and by whether a protected area holds them; "
            "species are distinct species, counted again from the records for cities and the province "
            "(species counts do not add up). Every figure of a protected area or species cites its "
            "address and quote (protected_areas.csv, species.csv).",
        ),
        "biodiversity.fact.counties": _m("区县数", "Counties"),
        "biodiversity.fact.protected": _m("保护地面积（并集）", "Protected area (union)"),
        "biodiversity.fact.share": _m("全省保护地占比", "Protected share of the region"),
        "biodiversity.fact.areas": _m("有边界的保护地", "Protected areas with a boundary"),
        "biodiversity.fact.records": _m("物种记录（保护地内）", "Species records (inside protected areas)"),
        "biodiversity.fact.status": _m("数据状态", "Data status"),
        "biodiversity.fact.area_crs": _m("面积坐标系", "Area CRS"),
        "biodiversity.status.demonstration": _m("示范", "demonstration"),
        "biodiversity.status.provided": _m("用户提供", "provided"),
        "biodiversity.boundary.circle": _m("示范圆", "demonstration circle"),
        "biodiversity.boundary.none": _m("无边界", "no boundary"),
        "biodiversity.boundary.provided": _m("用户边界", "provided boundary"),
        "biodiversity.why.county missing": _m("来源未注明区县", "the source names no county"),
        "biodiversity.why.area missing": _m("未读到公布面积", "no published area was read"),
        "biodiversity.yes": _m("是", "yes"),
        "biodiversity.no": _m("否", "no"),
        "biodiversity.col.unit": _m("单位", "Unit"),
        "biodiversity.col.level": _m("层级", "Level"),
        "biodiversity.col.area": _m("面积", "Area"),
        "biodiversity.col.protected": _m("保护地面积", "Protected area"),
        "biodiversity.col.share": _m("保护地占比", "Protected share"),
        "biodiversity.col.records": _m("物种记录", "Records"),
        "biodiversity.col.records_inside": _m("保护地内记录", "Records inside"),
        "biodiversity.col.species": _m("物种数", "Species"),
        "biodiversity.col.taxon": _m("物种", "Species"),
        "biodiversity.col.type": _m("类型", "Type"),
        "biodiversity.col.pa_level": _m("级别", "Level"),
        "biodiversity.col.name": _m("名称", "Name"),
        "biodiversity.col.counties": _m("所在区县", "Counties"),
        "biodiversity.col.established": _m("建立年份", "Established"),
        "biodiversity.col.published": _m("公布面积", "Published area"),
        "biodiversity.col.boundary_ha": _m("边界面积", "Boundary area"),
        "biodiversity.col.boundary": _m("边界", "Boundary"),
        "biodiversity.col.source": _m("出处", "Source"),
        "biodiversity.col.scientific": _m("学名", "Scientific name"),
        "biodiversity.col.class": _m("国家重点保护级别", "National protection class"),
        "biodiversity.col.iucn": _m("IUCN 红色名录", "IUCN Red List"),
        "biodiversity.col.record": _m("记录", "Record"),
        "biodiversity.col.date": _m("日期", "Date"),
        "biodiversity.col.county": _m("区县", "County"),
        "biodiversity.col.inside": _m("在保护地内", "Inside a protected area"),
        "biodiversity.col.observer": _m("记录人或来源", "Observer or source"),
        "biodiversity.unit_level.province": _m("省", "province"),
        "biodiversity.unit_level.city": _m("市", "city"),
        "biodiversity.unit_level.county": _m("区县", "county"),
        "biodiversity.km2": _m("km²", "km²"),
        "biodiversity.ha": _m("公顷", "ha"),
        "biodiversity.legend.county": _m("区县界", "County boundary"),
    }
)


def _km2(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None else f"{v:,.1f}"


def _ha(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None else f"{v:,.1f}"


def _count(value) -> str:
    v = i18n._as_float(value)
    return i18n.DASH if v is None else f"{int(v):,}"


def _map_png(
    units: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    records: gpd.GeoDataFrame,
    species: pd.DataFrame,
    lang: str,
) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ecoledger.report.figures import decorate_map, styled
    from ecoledger.report.i18n import Translator

    t = i18n.translator(lang)

    @styled
    def draw():
        figure = Figure(figsize=(7.5, 8.5))
        ax = figure.add_subplot()
        counties = units[units["level"] == "county"]
        counties.boundary.plot(ax=ax, color="#b0b7bd", linewidth=0.35)
        units[units["level"] == "city"].boundary.plot(ax=ax, color="#6b7780", linewidth=0.7)
        handles = [Line2D([], [], color="#b0b7bd", linewidth=0.8, label=t("biodiversity.legend.county"))]
        for code, part in areas.groupby("type") if len(areas) else []:
            colour = TYPE_COLOURS.get(code, "#9e9e9e")
            part.plot(ax=ax, color=colour, alpha=0.55, edgecolor=colour, linewidth=0.6)
            handles.append(Patch(facecolor=colour, alpha=0.55, label=type_label(code, lang)))
        names = dict(
            zip(species["species_id"], species["name_zh" if lang == "zh" else "name_en"], strict=True)
        )
        for k, (code, part) in enumerate(records.groupby("species_id") if len(records) else []):
            marker = SPECIES_MARKERS[k % len(SPECIES_MARKERS)]
            ax.scatter(
                part.geometry.x,
                part.geometry.y,
                marker=marker,
                s=36,
                color="#c62828",
                edgecolor="white",
                linewidth=0.6,
                zorder=4,
            )
            handles.append(
                Line2D([], [], marker=marker, linestyle="", color="#c62828", label=names.get(code, code))
            )
        minx, miny, maxx, maxy = units.total_bounds
        pad = 0.03 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        decorate_map(ax, units.crs, Translator(lang))
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()

    return draw()


def _latin(value: str) -> Markup:
    return Markup('<i lang="la">{}</i>').format(value)


def _model(
    t, *, indicators, by_type, by_level, register, species, records, problems, area_crs, status, png
) -> dict:
    lang = t.lang
    C = pages.Column
    plain = {"format": pages.text, "numeric": False}
    km2, ha = t("biodiversity.km2"), t("biodiversity.ha")

    def unit_name(row):
        # Chinese place names stay Chinese on the English page, marked as such
        return pages.text(row["unit_name"]) if lang == "zh" else pages.foreign(row["unit_name"], "zh")

    unit_cells = {"level": lambda r: t(f"biodiversity.unit_level.{r['level']}"), "unit_name": unit_name}
    indicator_columns = [
        C("unit_name", t("biodiversity.col.unit"), **plain),
        C("level", t("biodiversity.col.level"), **plain),
        C("area_km2", pages.head(t, t("biodiversity.col.area"), km2), _km2),
        C("protected_km2", pages.head(t, t("biodiversity.col.protected"), km2), _km2),
        C("protected_share", t("biodiversity.col.share"), pages.fraction),
        C("records", t("biodiversity.col.records"), _count),
        C("records_inside", t("biodiversity.col.records_inside"), _count),
        C("species", t("biodiversity.col.species"), _count),
    ]
    upper = indicators[indicators["level"] != "county"]
    counties = indicators[
        (indicators["level"] == "county") & ((indicators["protected_km2"] > 0) | (indicators["records"] > 0))
    ]
    counties = counties.sort_values("protected_share", ascending=False)

    def designation(frame, by, label):
        return pages.table(
            frame,
            [
                C("unit_name", t("biodiversity.col.unit"), **plain),
                C(by, t(f"biodiversity.col.{'type' if by == 'type' else 'pa_level'}"), **plain),
                C("protected_km2", pages.head(t, t("biodiversity.col.protected"), km2), _km2),
            ],
            t,
            cells={by: lambda r: label(r[by], lang), "unit_name": unit_name},
        )

    top = indicators[indicators["level"] == "province"]["code"].tolist()
    source = (
        (lambda r: pages.foreign(r["source_title"], "zh"))
        if lang == "en"
        else (lambda r: Markup('<span translate="no">{}</span>').format(r["source_title"]))
    )
    reg = pages.table(
        register,
        [
            C("name", t("biodiversity.col.name"), **plain),
            C("type", t("biodiversity.col.type"), **plain),
            C("level", t("biodiversity.col.pa_level"), **plain),
            C("counties", t("biodiversity.col.counties"), **plain),
            C("established", t("biodiversity.col.established"), **plain),
            C("area_ha", pages.head(t, t("biodiversity.col.published"), ha), _ha),
            C("boundary_ha", pages.head(t, t("biodiversity.col.boundary_ha"), ha), _ha),
            C("boundary", t("biodiversity.col.boundary"), **plain),
            C("source_title", t("biodiversity.col.source"), **plain),
        ],
        t,
        cells={
            "name": (lambda r: r["name"]) if lang == "zh" else (lambda r: r["name_en"] or r["name"]),
            "type": lambda r: type_label(r["type"], lang),
            "level": lambda r: level_label(r["level"], lang),
            "counties": lambda r: (
                pages.text(r["counties"])
                if lang == "zh"
                else pages.foreign(r["counties"], "zh")
                if r["counties"]
                else i18n.DASH
            ),
            "boundary": lambda r: _boundary(t, r),
            "source_title": source,
        },
    )
    sp = pages.table(
        species,
        [
            C("name_zh", t("biodiversity.col.name"), **plain),
            C("scientific_name", t("biodiversity.col.scientific"), **plain),
            C("national_class", t("biodiversity.col.class"), **plain),
            C("iucn_category", t("biodiversity.col.iucn"), **plain),
        ],
        t,
        cells={
            "name_zh": (lambda r: r["name_zh"]) if lang == "zh" else (lambda r: r["name_en"]),
            "scientific_name": lambda r: _latin(r["scientific_name"]),
            "national_class": lambda r: (
                t("pages.missing") if r["national_class"] == "missing" else r["national_class"]
            ),
        },
    )
    rec = pages.table(
        records,
        [
            C("record_id", t("biodiversity.col.record"), **plain),
            C("name_zh", t("biodiversity.col.taxon"), **plain),
            C("county_name", t("biodiversity.col.county"), **plain),
            C("date", t("biodiversity.col.date"), **plain),
            C("inside_protected", t("biodiversity.col.inside"), **plain),
            C("observer", t("biodiversity.col.observer"), **plain),
        ],
        t,
        cells={
            "name_zh": (lambda r: r["name_zh"]) if lang == "zh" else (lambda r: _latin(r["scientific_name"])),
            "county_name": (lambda r: pages.text(r["county_name"]))
            if lang == "zh"
            else (lambda r: pages.foreign(r["county_name"], "zh") if r["county_name"] else i18n.DASH),
            "inside_protected": lambda r: t(
                "biodiversity.yes" if r["inside_protected"] else "biodiversity.no"
            ),
            "observer": (lambda r: Markup('<span translate="no">{}</span>').format(r["observer"]))
            if lang == "zh"
            else (lambda r: pages.foreign(r["observer"], "zh")),
        },
    )
    province = indicators[indicators["code"].isin(top)]
    first = province.iloc[0] if len(province) else None
    facts = [
        (t("biodiversity.fact.counties"), f"{(indicators['level'] == 'county').sum():,}"),
        (t("biodiversity.fact.areas"), f"{(register['boundary'] != 'none').sum():,} / {len(register):,}"),
        (
            t("biodiversity.fact.protected"),
            f"{_km2(first['protected_km2'])} {km2}" if first is not None else i18n.DASH,
        ),
        (
            t("biodiversity.fact.share"),
            pages.fraction(first["protected_share"]) if first is not None else i18n.DASH,
        ),
        (
            t("biodiversity.fact.records"),
            f"{int(records['county'].notna().sum()):,}（{int(records['inside_protected'].sum()):,}）"
            if lang == "zh"
            else f"{int(records['county'].notna().sum()):,} ({int(records['inside_protected'].sum()):,})",
        ),
        (t("biodiversity.fact.status"), t(f"biodiversity.status.{status}")),
        (t("biodiversity.fact.area_crs"), Markup("<code>{}</code>").format(area_crs)),
    ]
    return {
        "facts": facts,
        "upper": pages.table(upper, indicator_columns, t, cells=unit_cells),
        "counties": pages.table(counties, indicator_columns, t, cells=unit_cells),
        "by_type": designation(by_type[by_type["code"].isin(top)], "type", type_label),
        "by_level": designation(by_level[by_level["code"].isin(top)], "level", level_label),
        "register": reg,
        "species": sp,
        "records": rec,
        "problems": [(p.severity, *(_code_marks(x) for x in p.in_language(lang))) for p in problems],
        "demonstration": status == DEMONSTRATION,
        "map_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "method": Markup(
            str(_code_marks(t("biodiversity.page.method_text", crs="\x00"))).replace(
                "\x00", str(Markup("<code>{}</code>").format(area_crs))
            )
        ),
        "colon": "：" if lang == "zh" else ": ",
        "files": [
            "county_indicators",
            "protected_by_type",
            "protected_by_level",
            "protected_areas",
            "species_records",
            "species",
            "problems",
        ],
    }


def _code_marks(value: str) -> Markup:
    """A problem's text with its `quoted` names (columns, values) shown as code."""
    import re

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(value))))


def _boundary(t, row) -> str:
    kind = row.get("boundary") or "provided"
    label = t(f"biodiversity.boundary.{kind}")
    why = row.get("why_none") or ""
    if kind == "none" and why:
        key = f"biodiversity.why.{why}"
        reason = (
            t(key)
            if t(key) != key
            else (why if t.lang == "en" else why.replace("county not found: ", "未找到区县："))
        )
        return f"{label}（{reason}）" if t.lang == "zh" else f"{label} ({reason})"
    return label


def _problems_frame(problems) -> pd.DataFrame:
    columns = ["file", "field", "severity", "message", "fix", "message_zh", "fix_zh"]
    return pd.DataFrame([{c: getattr(p, c) for c in columns} for p in problems], columns=columns)


def write_outputs(
    out: str | Path,
    *,
    units: gpd.GeoDataFrame,
    areas: ProtectedAreas,
    records: SpeciesRecords | None = None,
    register: pd.DataFrame | None = None,
    area_crs,
    demonstration: bool = False,
    species: pd.DataFrame | None = None,
    page: bool = True,
) -> dict:
    """The files and pages (module docstring), written atomically into ``out``; returns the summary."""
    from ecoledger.atomic import atomic_directory

    read_codes()
    species = read_species() if species is None else species
    layer = areas.areas
    points = records.records if records is not None else None
    units = units.to_crs(area_crs)
    indicators = county_indicators(units, layer, points, area_crs=area_crs)
    by_type = by_designation(units, layer, area_crs=area_crs, by="type")
    by_level = by_designation(units, layer, area_crs=area_crs, by="level")
    located = records_in_units(units, points, layer, area_crs=area_crs)
    names = dict(zip(units["code"].astype(str), units["name"], strict=True))
    located["county_name"] = [names.get(c) if c else None for c in located["county"]]
    status = DEMONSTRATION if demonstration else indicators["status"].iloc[0]
    table = pd.DataFrame(layer.drop(columns="geometry")) if len(layer) else pd.DataFrame()
    if register is not None:
        boundary_ha = dict(zip(table.get("pa_id", []), table.get("boundary_ha", []), strict=True))
        reg = register.copy()
        reg["boundary_ha"] = [boundary_ha.get(p, np.nan) for p in reg["pa_id"]]
    else:
        reg = table.assign(boundary="provided", counties="", source_title=table.get("source", ""))
    for column in ("name_en", "counties", "established", "source_title", "why_none"):
        if column not in reg:
            reg[column] = ""
    problems = list(areas.problems) + (list(records.problems) if records is not None else [])
    province = indicators[indicators["level"] == "province"]
    summary = {
        "status": status,
        "area_crs": area_crs,
        "counties": int((indicators["level"] == "county").sum()),
        "protected_areas": len(layer),
        "register_rows": len(reg),
        "protected_km2": float(province["protected_km2"].sum()),
        "protected_share": float(province["protected_share"].iloc[0]) if len(province) else None,
        "records": int(located["county"].notna().sum()) if len(located) else 0,
        "records_inside": int(located["inside_protected"].sum()) if len(located) else 0,
        "species": int(province["species"].iloc[0]) if len(province) else 0,
        "warnings": sum(p.severity == "warning" for p in problems),
    }
    if demonstration:
        summary["note"] = (
            "demonstration: boundaries are circles of the published area at the named county's "
            "representative point and records are published locality statements; not official "
            "boundaries or observed positions"
        )
    out = Path(out)
    with atomic_directory(out) as staging:
        frames = {
            "county_indicators": indicators,
            "protected_by_type": by_type.assign(status=status),
            "protected_by_level": by_level.assign(status=status),
            "protected_areas": reg.assign(status=status) if demonstration else reg,
            "species_records": pd.DataFrame(located.drop(columns="geometry")).assign(
                x=located.geometry.x, y=located.geometry.y
            ),
            "species": species,
            "problems": _problems_frame(problems),
        }
        for name, frame in frames.items():
            _csv_safe(frame).to_csv(staging / f"{name}.csv", index=False, encoding="utf-8-sig")
        if len(layer):
            layer.to_file(staging / "biodiversity.gpkg", layer="protected_areas", driver="GPKG")
        if len(located):
            located.to_file(staging / "biodiversity.gpkg", layer="species_records", driver="GPKG")
        (staging / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if page:
            env = pages.environment()
            template = env.get_template("biodiversity/biodiversity.html.j2")
            pngs = {lang: _map_png(units, layer, located, species, lang) for lang in ("zh", "en")}
            (staging / "map.png").write_bytes(pngs["zh"])
            pages.write(
                staging,
                lambda t: template.render(
                    t=t,
                    **_model(
                        t,
                        indicators=indicators,
                        by_type=by_type,
                        by_level=by_level,
                        register=reg,
                        species=species,
                        records=located,
                        problems=problems,
                        area_crs=area_crs,
                        status=status,
                        png=pngs[t.lang],
                    ),
                ),
            )
    return summary
