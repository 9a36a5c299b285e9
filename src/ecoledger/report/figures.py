"""Maps and charts of the report, drawn with matplotlib and returned as PNG data URIs."""

from __future__ import annotations

import base64
import functools
import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager, patheffects, ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle
from pyproj import CRS, Transformer

from ecoledger.ecosystems import ECOSYSTEM_CODES, ecosystem_colour
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
    notes: list[str] = field(default_factory=list)  # lines below the caption


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


def styled(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    """Draw with the CJK font (when there is one) and without the Unicode minus it lacks."""
    @functools.wraps(draw)
    def wrapped(*args, **kwargs):
        family = cjk_family()
        rc = {"axes.unicode_minus": False, "font.size": 9,
              "axes.spines.top": False, "axes.spines.right": False}
        if family:
            rc["font.family"] = [family, "DejaVu Sans"]  # per-glyph fallback for e.g. ⁸
        with matplotlib.rc_context(rc):
            return draw(*args, **kwargs)
    return wrapped


def png_uri(figure: Figure) -> str:
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


def _projected(units):
    """The units in a projected CRS with metre axes (an equal-area one if they come in degrees)."""
    crs = CRS.from_user_input(units.crs) if units.crs is not None else None
    if crs is None or not crs.is_projected:
        units = units.to_crs(units.estimate_utm_crs() if crs is not None else None)
    return units


def _nice(value: float) -> float:
    """The largest of 1, 2, 5 × 10ⁿ not above ``value``."""
    power = 10 ** math.floor(math.log10(value))
    return max(step * power for step in (1, 2, 5) if step * power <= value)


def scale_bar_km(width_m: float) -> float:
    """Length of the scale bar in km: a round length of about a fifth of the map's width."""
    return _nice(width_m / 5 / 1000)


def _graticule(ax: Axes, crs) -> None:
    """Light meridians and parallels, labelled as the axis ticks (°E along x, °N along y)."""
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    corners = to_lonlat.transform([x0, x0, x1, x1, (x0 + x1) / 2, (x0 + x1) / 2],
                                  [y0, y1, y0, y1, y0, y1])
    lon0, lon1, lat0, lat1 = min(corners[0]), max(corners[0]), min(corners[1]), max(corners[1])
    step = _nice(max(lon1 - lon0, lat1 - lat0) / 4)
    style = dict(color="#9aa5ad", linewidth=0.4, linestyle=(0, (4, 3)), zorder=3)
    xticks, yticks = [], []
    lat_line = np.linspace(lat0 - step, lat1 + step, 100)
    for lon in np.arange(math.ceil(lon0 / step) * step, lon1 + 1e-9, step):
        xs, ys = to_map.transform(np.full_like(lat_line, lon), lat_line)
        ax.plot(xs, ys, **style)
        bottom = np.interp(y0, ys, xs)  # where the meridian meets the lower edge
        if x0 <= bottom <= x1:
            xticks.append((bottom, f"{lon:g}°E"))
    lon_line = np.linspace(lon0 - step, lon1 + step, 100)
    for lat in np.arange(math.ceil(lat0 / step) * step, lat1 + 1e-9, step):
        xs, ys = to_map.transform(lon_line, np.full_like(lon_line, lat))
        ax.plot(xs, ys, **style)
        left = np.interp(x0, xs, ys)
        if y0 <= left <= y1:
            yticks.append((left, f"{lat:g}°N"))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([x for x, _ in xticks], [label for _, label in xticks], fontsize=7, color="#555555")
    ax.set_yticks([y for y, _ in yticks], [label for _, label in yticks], fontsize=7, color="#555555")
    ax.tick_params(length=2, color="#9aa5ad")
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#9aa5ad")
        spine.set_linewidth(0.6)


def _scale_bar(ax: Axes, t: Translator) -> None:
    """A two-segment bar in km at the lower left (the axes are metres of a projected CRS)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = scale_bar_km(x1 - x0)
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    half = km * 500  # metres of one segment
    for i, colour in enumerate(("#333333", "white")):
        ax.add_patch(Rectangle((left + i * half, bottom), half, height, facecolor=colour,
                               edgecolor="#333333", linewidth=0.6, zorder=5))
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for offset, value in ((0, 0), (half, km / 2), (2 * half, km)):
        ax.text(left + offset, bottom + 1.8 * height, f"{value:g}", ha="center", va="bottom",
                fontsize=7, zorder=5, path_effects=halo)
    ax.text(left + 2 * half + 0.015 * (x1 - x0), bottom + height / 2, t("km"), ha="left",
            va="center", fontsize=7, zorder=5, path_effects=halo)


def _north_arrow(ax: Axes, crs) -> None:
    """An arrow pointing to true north at the map's centre (grid north differs off the central
    meridian of a conic projection), labelled N / 北 at the upper right."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_lonlat.transform((x0 + x1) / 2, (y0 + y1) / 2)
    north = to_map.transform([lon, lon], [lat, lat + 0.1])
    angle = math.atan2(north[0][1] - north[0][0], north[1][1] - north[1][0])  # from grid north
    length = 0.07 * (y1 - y0)
    base_x, base_y = x1 - 0.07 * (x1 - x0), y1 - 0.16 * (y1 - y0)
    dx, dy = length * math.sin(angle), length * math.cos(angle)
    ax.add_patch(FancyArrow(base_x, base_y, dx, dy, width=0.012 * (x1 - x0), length_includes_head=True,
                            head_width=0.035 * (x1 - x0), head_length=0.03 * (y1 - y0),
                            color="#333333", zorder=5))
    ax.text(base_x + dx * 1.15, base_y + dy * 1.15, "N", ha="center", va="bottom", fontsize=10,
            fontweight="bold", zorder=5,
            path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])


def decorate_map(ax: Axes, crs, t: Translator) -> None:
    """Graticule with coordinate ticks, scale bar and north arrow on a map in a projected CRS."""
    ax.set_xlabel("")
    ax.set_ylabel("")
    _graticule(ax, crs)
    _scale_bar(ax, t)
    _north_arrow(ax, crs)


def quantile_breaks(values: np.ndarray, classes: int = 5) -> list[float]:
    """Class bounds holding about equal numbers of units (as the platform's map classes them), so
    that one dense urban district does not wash out the rest."""
    if values.size == 0:
        return []
    return sorted(set(np.quantile(values, np.linspace(0, 1, classes + 1)).tolist()))


def _label_units(ax: Axes, units, wide: bool) -> None:
    for unit in units.itertuples():
        point = unit.geometry.representative_point()
        ax.annotate(unit.name, (point.x, point.y), ha="center", va="center", fontsize=5.5 if wide else 8,
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")], zorder=4)


def _map_axes(units, wide: bool) -> tuple[Figure, Axes]:
    x0, y0, x1, y1 = units.total_bounds
    pad_x, pad_y = 0.04 * (x1 - x0), 0.04 * (y1 - y0)
    figure = Figure(figsize=(8.5, 9.5) if wide else (6.5, 6.5))
    ax = figure.add_subplot()
    ax.set_xlim(x0 - pad_x, x1 + pad_x)
    ax.set_ylim(y0 - 3 * pad_y, y1 + pad_y)  # room for the scale bar
    ax.set_aspect("equal")
    return figure, ax


@styled
def density_map(data: RunOutputs, level: str, t: Translator) -> Chart:
    """Choropleth of GEP per km² (万元/km²) of the units of ``level``, labelled with their names,
    with legend, scale bar, north arrow and graticule."""
    units = _projected(data.units[data.units["level"] == level].copy())
    units["density"] = units["adcode"].map(data.units_summary["gep_per_km2"]) / numbers.WAN
    title = t("map_title", level=t.level(level))
    wide = len(units) > 30
    figure, ax = _map_axes(units, wide)
    breaks = quantile_breaks(units["density"].dropna().to_numpy())
    colours = matplotlib.colormaps["YlGn"](np.linspace(0.12, 0.95, max(len(breaks) - 1, 1)))
    norm = matplotlib.colors.BoundaryNorm(breaks, len(colours)) if len(breaks) > 1 else None
    units.plot(column="density", ax=ax, cmap=matplotlib.colors.ListedColormap(colours), norm=norm,
               edgecolor="#555555", linewidth=0.5, missing_kwds={"color": "#dddddd"}, aspect=None)
    if norm is not None:
        bar = figure.colorbar(matplotlib.cm.ScalarMappable(norm, matplotlib.colors.ListedColormap(colours)),
                              ax=ax, shrink=0.6, pad=0.02, spacing="uniform", ticks=breaks)
        bar.set_label(t("wan_yuan_per_km2"))
        bar.ax.set_yticklabels([numbers.quantity(b) for b in breaks], fontsize=7)
    _label_units(ax, units, wide)
    decorate_map(ax, units.crs, t)
    ax.set_title(title)
    return Chart(title, png_uri(figure), wide=wide)


@styled
def ecosystem_map(data: RunOutputs, level: str, t: Translator) -> Chart | None:
    """The dominant ecosystem type (largest area in T1) of each unit of ``level``, in the
    conventional ecosystem colours, with legend, scale bar, north arrow and graticule."""
    extent = data.extent.set_index("adcode")
    types = [c.removesuffix("_km2") for c in extent.columns if c.endswith("_km2") and c != "total_km2"]
    if not types:
        return None
    units = _projected(data.units[data.units["level"] == level].copy())
    dominant = extent[[f"{e}_km2" for e in types]].idxmax(axis=1).str.removesuffix("_km2")
    units["dominant"] = units["adcode"].map(dominant)
    title = t("ecosystem_map_title", level=t.level(level))
    wide = len(units) > 30
    figure, ax = _map_axes(units, wide)
    units.plot(ax=ax, color=[ecosystem_colour(e) if isinstance(e, str) else "#dddddd"
                             for e in units["dominant"]],
               edgecolor="#555555", linewidth=0.5, aspect=None)
    _label_units(ax, units, wide)
    decorate_map(ax, units.crs, t)
    shown = [e for e in types if (units["dominant"] == e).any()]
    ax.legend(handles=[Patch(facecolor=ecosystem_colour(e), edgecolor="#555555", label=t.ecosystem(e))
                       for e in shown], title=t("dominant_ecosystem"), loc="upper left",
              bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8, title_fontsize=8)
    ax.set_title(title)
    return Chart(title, png_uri(figure), wide=wide)


LANDCOVER_MAP = Path("maps") / "ecosystem.tif"  # written by outputs.write_ecosystem_map
LANDCOVER_PIXELS = 1600  # the longer side of the drawn raster at most (a decimated read above)


def landcover_legend(codes, t: Translator) -> list[tuple[str, str]]:
    """(colour, name in the page language) of each ecosystem code in ``codes``, in the order of
    ``ECOSYSTEM_CODES``."""
    present = {int(c) for c in codes}
    return [(ecosystem_colour(name), t.ecosystem(name)) for name, code in ECOSYSTEM_CODES.items()
            if code in present]


@styled
def landcover_map(data: RunOutputs, t: Translator) -> Chart | None:
    """The ecosystem type of every cell of the accounting grid inside the region
    (``maps/ecosystem.tif``) in the conventional colours, under the unit boundaries, with legend,
    scale bar, north arrow and graticule; None when the run wrote no maps or its grid is not
    projected."""
    import rasterio
    from rasterio.features import geometry_mask

    path = Path(data.folder) / LANDCOVER_MAP
    if not path.is_file() or data.units is None:
        return None
    with rasterio.open(path) as src:
        crs = CRS.from_user_input(src.crs) if src.crs else None
        if crs is None or not crs.is_projected:
            return None
        step = max(1, math.ceil(max(src.width, src.height) / LANDCOVER_PIXELS))
        shape = (math.ceil(src.height / step), math.ceil(src.width / step))
        codes = src.read(1, out_shape=shape)
        drawn = src.transform * src.transform.scale(src.width / shape[1], src.height / shape[0])
        left, bottom, right, top = src.bounds
        resolution = abs(src.transform.a)
    units = data.units.to_crs(crs)
    region = units[units["adcode"].isin(data.roots)].geometry
    codes = np.where(geometry_mask(region, shape, drawn), 0, codes)  # cells outside the region
    palette = np.zeros((256, 4))
    for name, code in ECOSYSTEM_CODES.items():
        palette[code] = matplotlib.colors.to_rgba(ecosystem_colour(name))
    levels = map_levels(data)
    size = f"{resolution / 1000:g} {t('km')}" if resolution >= 1000 else f"{resolution:g} {t('metre')}"
    title = t("landcover_map_title", size=size)
    figure, ax = _map_axes(units, wide=True)
    ax.imshow(palette[codes], extent=(left, right, bottom, top), interpolation="nearest", zorder=1)
    leaves = units[units["level"] == levels[0]]
    leaves.boundary.plot(ax=ax, color="#ffffff", linewidth=0.25, alpha=0.8, zorder=2)
    outer = (units[units["level"] == levels[-1]] if len(levels) > 1
             else units[units["adcode"].isin(data.roots)])  # the parents, or the region's outline
    outer.boundary.plot(ax=ax, color="#37474f", linewidth=0.6, zorder=2)
    decorate_map(ax, crs, t)
    legend = landcover_legend(np.unique(codes[codes > 0]), t)
    ax.legend(handles=[Patch(facecolor=colour, edgecolor="#555555", label=name) for colour, name in legend],
              title=t("ecosystem_type"), loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              fontsize=8, title_fontsize=8)
    ax.set_title(title)
    caption = t("landcover_map_caption", file=LANDCOVER_MAP.as_posix())
    return Chart(title, png_uri(figure), caption, wide=True)


def bar_chart(labels: list[str], values_yuan: list[float], colours: list[str], title: str,
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


@styled
def item_chart(data: RunOutputs, t: Translator) -> Chart:
    """Horizontal bars of the region's items in 亿元, coloured by group."""
    rows = data.region_rows
    drawn = rows[rows["value_yuan"] > 0].sort_values("value_yuan")
    title = t("items_chart")
    figure = bar_chart([t.item(i) for i in drawn["item"]], drawn["value_yuan"].tolist(),
                        [GROUP_COLOURS[g] for g in drawn["group"]], title, t)
    figure.axes[0].legend(handles=[Patch(color=colour, label=t.group(group))
                                   for group, colour in GROUP_COLOURS.items()],
                          loc="lower right", frameon=False)
    missing = rows.loc[rows["data_status"] == "missing", "item"]
    caption = t("not_drawn", items=t.join(map(t.item, missing))) if not missing.empty else ""
    return Chart(title, png_uri(figure), caption)


@styled
def ecosystem_chart(data: RunOutputs, t: Translator) -> Chart:
    """Horizontal bars of the region's value by ecosystem type in 亿元, in the ecosystem colours."""
    totals = region_by_ecosystem(data).sum()
    totals = totals[totals > 0].sort_values()
    title = t("ecosystem_chart")
    figure = bar_chart([t.ecosystem(e) for e in totals.index], totals.tolist(),
                        [ecosystem_colour(e) for e in totals.index], title, t)
    return Chart(title, png_uri(figure))


@styled
def group_chart(data: RunOutputs, t: Translator) -> Chart:
    """The composition of GEP by group: one stacked bar with each group's share and 亿元."""
    groups = {g: v["value_yuan"] or 0.0 for g, v in data.summary["groups"].items()}
    total = sum(v for v in groups.values() if v > 0)
    title = t("group_chart")
    figure = Figure(figsize=(7, 1.6))
    ax = figure.add_subplot()
    left = 0.0
    for group, value in groups.items():
        if value <= 0:
            continue
        share = value / total
        ax.barh([0], [share], left=left, color=GROUP_COLOURS.get(group, "#999999"),
                edgecolor="white", label=t.group(group))
        if share > 0.08:
            ax.text(left + share / 2, 0, f"{numbers.yi(value)}\n{share:.1%}", ha="center",
                    va="center", fontsize=8, color="white", fontweight="bold")
        left += share
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    ax.spines["left"].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=len(groups), frameon=False)
    ax.set_title(title)
    return Chart(title, png_uri(figure))


def _leaves(data: RunOutputs) -> pd.DataFrame:
    """T6 rows of the lowest level (the counties)."""
    summary = data.units_summary
    lowest = data.accounts.drop_duplicates("level")["level"].iloc[-1]
    return summary[summary["level"] == lowest]


@styled
def top_units_chart(data: RunOutputs, t: Translator, count: int = 15) -> Chart | None:
    """The ``count`` lowest-level units (counties) with the highest GEP, stacked by group."""
    leaves = _leaves(data)
    if len(leaves) < 2:
        return None
    top = leaves.sort_values("gep", ascending=False).head(count).iloc[::-1]
    level = t.level(top["level"].iloc[0])
    title = t("top_units_chart", count=len(top), level=level)
    figure = Figure(figsize=(7, 0.28 * len(top) + 1.3))
    ax = figure.add_subplot()
    left = np.zeros(len(top))
    for group, colour in GROUP_COLOURS.items():
        values = top[group].fillna(0).clip(lower=0).to_numpy() / numbers.YI
        ax.barh(top["name"], values, left=left, color=colour, label=t.group(group))
        left += values
    for y, value in enumerate(top["gep"]):
        ax.text(left[y], y, " " + numbers.yi(value), va="center", fontsize=7)
    ax.set_xlim(0, left.max() * 1.18)
    ax.set_xlabel(t("yi_yuan"))
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title)
    return Chart(title, png_uri(figure))


@styled
def change_chart(data: RunOutputs, previous: pd.DataFrame, previous_year: int,
                 t: Translator, shown: int = 12) -> Chart | None:
    """GEP change (%) of the lowest-level units against ``previous`` (that year's accounts), like
    with like and raw (``series.change``): for each unit the change over the items comparable in
    both years (coloured) beside the change over all items (grey); all units, or the ``shown``
    largest rises and falls of the comparable change when there are more. The caption gives the
    region's raw and comparable change; the notes list the items left out and why."""
    from ecoledger.series import change as year_change

    units, items = year_change(data.accounts, previous)
    leaves = units.loc[units.index.isin(_leaves(data).index)]
    leaves = leaves[leaves["change"].notna() | leaves["comparable_change"].notna()]
    leaves = leaves.replace([np.inf, -np.inf], np.nan)
    if leaves.empty:
        return None
    order = leaves["comparable_change"].fillna(leaves["change"]).sort_values()
    if len(order) > 2 * shown:  # the largest rises and falls
        order = pd.concat([order.head(shown), order.tail(shown)])
    drawn = leaves.loc[order.index]
    title = t("change_chart", previous=previous_year, year=data.summary["year"])
    figure = Figure(figsize=(7, max(2.5, 0.32 * len(drawn) + 1.4)))
    ax = figure.add_subplot()
    y = np.arange(len(drawn))
    raw, alike = drawn["change"].to_numpy() * 100, drawn["comparable_change"].to_numpy() * 100
    ax.barh(y + 0.2, raw, height=0.38, color="#c8c8c8", label=t("change_raw"))
    ax.barh(y - 0.2, alike, height=0.38, label=t("change_comparable"),
            color=["#3f8f5b" if c >= 0 else "#c0504d" for c in np.nan_to_num(alike)])
    ax.set_yticks(y, drawn["name"])
    ax.axvline(0, color="#333333", linewidth=0.6)
    ax.set_xlabel("%")
    for row, value in enumerate(alike):
        if not np.isnan(value):
            ax.text(value, row - 0.2, f" {value / 100:+.1%} ", va="center", fontsize=6.5,
                    ha="left" if value >= 0 else "right")
    values = np.concatenate([raw[~np.isnan(raw)], alike[~np.isnan(alike)], [0.0]])
    low, high = values.min(), values.max()
    span = (high - low) or 1.0  # no change anywhere: a symmetric axis around 0
    ax.set_xlim(low - 0.15 * span, high + 0.15 * span)
    ax.legend(handles=[Patch(color="#c8c8c8", label=t("change_raw")),
                       Patch(color="#3f8f5b", label=t("change_comparable"))],
              loc="lower right", frameon=False, fontsize=7)
    ax.set_title(title)
    region = [r for r in data.roots if r in units.index]
    caption = ""
    if region:
        totals = units.loc[region, ["gep_before_yuan", "gep_after_yuan", "comparable_before_yuan",
                                    "comparable_after_yuan"]].sum(min_count=1)
        if totals["gep_before_yuan"]:
            caption = t("change_caption", region=data.region_name(t.lang), previous=previous_year,
                        change=f"{totals['gep_after_yuan'] / totals['gep_before_yuan'] - 1:+.1%}",
                        before=numbers.yi(totals["gep_before_yuan"]),
                        after=numbers.yi(totals["gep_after_yuan"]))
        if totals["comparable_before_yuan"]:
            alike = totals["comparable_after_yuan"] / totals["comparable_before_yuan"] - 1
            caption += t("change_comparable_caption", change=f"{alike:+.1%}",
                         before=numbers.yi(totals["comparable_before_yuan"]),
                         after=numbers.yi(totals["comparable_after_yuan"]))
    return Chart(title, png_uri(figure), caption,
                 notes=excluded_notes(items, previous_year, data.summary["year"], t))


def excluded_notes(items: pd.DataFrame, previous_year: int, year: int, t: Translator,
                   named: int = 6) -> list[str]:
    """One line per item, reason and pair of statuses left out of the comparable change: the units
    (the first ``named`` by name, then their number) and each year's status."""
    left_out = items[~items["comparable"] & (items["before_yuan"].notna() | items["after_yuan"].notna())]
    if left_out.empty:
        return []
    keys = ["reason", "status_before", "status_after"]
    by_item = left_out.groupby(["item", *keys], sort=False)["name"].agg(tuple).reset_index()
    lines = [t("change_excluded_heading")]
    for (reason, before, after, names), rows in by_item.groupby([*keys, "name"], sort=False):
        units = t.join(names[:named]) + (t("change_units_more", n=len(names)) if len(names) > named else "")
        why = t(f"change_reason_{reason}") if reason in ("basis", "coverage") else ""
        lines.append(t("change_excluded", item=t.join(map(t.item, rows["item"])), units=units,
                       previous=previous_year, year=year, before=t.status(before), after=t.status(after),
                       why=why))
    return lines
