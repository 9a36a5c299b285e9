"""Maps and charts of the report, drawn with matplotlib and returned as PNG data URIs."""

from __future__ import annotations

import base64
import functools
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import font_manager, patheffects
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ecoledger.report import numbers
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import RunOutputs
from ecoledger.report.sections import region_by_ecosystem

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei")
CJK_FILES = ("notosanscjk", "sourcehansans", "notosanssc", "wqy-zenhei", "wqy-microhei")
GROUP_COLOURS = {"provisioning": "#d9a441", "regulating": "#3f8f5b", "cultural": "#4a78b5"}


class ReportWarning(UserWarning):
    """Something the report could not do (no CJK font, no PDF renderer); the report is still written."""


@dataclass
class Chart:
    title: str
    uri: str  # data:image/png;base64,…
    caption: str = ""
    wide: bool = False  # a map with many units, drawn across the page


@functools.cache
def cjk_family() -> str | None:
    """An installed font family with Chinese glyphs, registering font files a stale cache misses."""
    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    if family := known():
        return family
    for path in font_manager.findSystemFonts():
        if any(pattern in Path(path).name.lower() for pattern in CJK_FILES):
            font_manager.fontManager.addfont(path)
    if family := known():
        return family
    warnings.warn("no CJK font found (install fonts-noto-cjk, see scripts/setup-system): Chinese "
                  "text in the charts will not render", ReportWarning, stacklevel=3)
    return None


def _styled(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    """Draw with the CJK font (when there is one) and without the Unicode minus it lacks."""
    @functools.wraps(draw)
    def styled(*args, **kwargs):
        family = cjk_family()
        rc = {"axes.unicode_minus": False, "font.size": 9,
              "axes.spines.top": False, "axes.spines.right": False}
        if family:
            rc["font.family"] = [family, "DejaVu Sans"]  # per-glyph fallback for e.g. ⁸
        with matplotlib.rc_context(rc):
            return draw(*args, **kwargs)
    return styled


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def map_levels(data: RunOutputs) -> list[str]:
    """The unit levels to map: the lowest (counties) and, if it is not the top, their parents'."""
    units = data.units
    leaves = units[~units["adcode"].isin(units["parent"])]
    levels = [leaves["level"].mode().iloc[0]]
    parents = units[units["adcode"].isin(leaves["parent"])]
    if len(parents) > 1 and not parents["adcode"].isin(data.roots).any():
        levels.append(parents["level"].mode().iloc[0])
    return levels


@_styled
def density_map(data: RunOutputs, level: str, t: Translator) -> Chart:
    """Choropleth of GEP per km² (万元/km²) of the units of ``level``, labelled with their names."""
    units = data.units[data.units["level"] == level].copy()
    units["density"] = units["adcode"].map(data.units_summary["gep_per_km2"]) / numbers.WAN
    title = t("map_title", level=t.level(level))
    wide = len(units) > 30
    figure = Figure(figsize=(10, 10) if wide else (7, 6))
    ax = figure.add_subplot()
    units.plot(column="density", ax=ax, cmap="YlGn", edgecolor="#555555", linewidth=0.6, legend=True,
               legend_kwds={"label": t("wan_yuan_per_km2"), "shrink": 0.7},
               missing_kwds={"color": "#dddddd"})
    for unit in units.itertuples():
        point = unit.geometry.representative_point()
        ax.annotate(unit.name, (point.x, point.y), ha="center", va="center", fontsize=6 if wide else 8,
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
    ax.set_title(title)
    ax.set_axis_off()
    return Chart(title, _png(figure), wide=wide)


def _bar_chart(labels: list[str], values_yuan: list[float], colours: list[str], title: str,
               t: Translator) -> Figure:
    """Horizontal bars in 亿元, largest on top, each labelled with its value."""
    figure = Figure(figsize=(7, 0.3 * len(labels) + 1.2))
    ax = figure.add_subplot()
    values_yi = [v / numbers.YI for v in values_yuan]
    bars = ax.barh(labels, values_yi, color=colours)
    ax.bar_label(bars, labels=[numbers.yi(v) for v in values_yuan], padding=3, fontsize=7)
    ax.set_xlim(0, max(values_yi, default=1) * 1.15)
    ax.set_xlabel(t("yi_yuan"))
    ax.set_title(title)
    return figure


@_styled
def item_chart(data: RunOutputs, t: Translator) -> Chart:
    """Horizontal bars of the region's items in 亿元, coloured by group."""
    rows = data.region_rows
    drawn = rows[rows["value_yuan"] > 0].sort_values("value_yuan")
    title = t("items_chart")
    figure = _bar_chart([t.item(i) for i in drawn["item"]], drawn["value_yuan"].tolist(),
                        [GROUP_COLOURS[g] for g in drawn["group"]], title, t)
    figure.axes[0].legend(handles=[Patch(color=colour, label=t.group(group))
                                   for group, colour in GROUP_COLOURS.items()],
                          loc="lower right", frameon=False)
    missing = rows.loc[rows["data_status"] == "missing", "item"]
    caption = t("not_drawn", items=t.join(map(t.item, missing))) if not missing.empty else ""
    return Chart(title, _png(figure), caption)


@_styled
def ecosystem_chart(data: RunOutputs, t: Translator) -> Chart:
    """Horizontal bars of the region's value by ecosystem type in 亿元."""
    totals = region_by_ecosystem(data).sum()
    totals = totals[totals > 0].sort_values()
    title = t("ecosystem_chart")
    colours = matplotlib.colormaps["tab10"].colors
    figure = _bar_chart([t.ecosystem(e) for e in totals.index], totals.tolist(),
                        [colours[i % len(colours)] for i in range(len(totals))], title, t)
    return Chart(title, _png(figure))
