"""The congress report's own charts: GEP by city and the scorecard's traffic lights. Drawn with the
report's machinery (``report.figures``: CJK font, PNG data URIs, bar chart in 亿元)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ecoledger.congress.words import Words
from ecoledger.report import figures
from ecoledger.report.figures import Chart
from ecoledger.report.i18n import Translator

LIGHTS = {
    "green": "#2e9d4f",
    "amber": "#f0b323",
    "red": "#d64541",
    "missing": "#ffffff",  # hollow: no value
    "no_target": "#9e9e9e",
}
CITY_COLOUR = "#3f8f5b"


@figures.styled
def gep_by_city_chart(cities: pd.DataFrame, year: int, t: Words) -> Chart | None:
    """Horizontal bars of each city's GEP (``cities``: columns name, gep in yuan), largest on top."""
    drawn = cities.dropna(subset=["gep"]).sort_values("gep")
    if drawn.empty:
        return None
    title = t("gep_by_city_chart", year=year)
    figure = figures.bar_chart(
        drawn["name"].astype(str).tolist(),
        drawn["gep"].astype(float).tolist(),
        [CITY_COLOUR] * len(drawn),
        title,
        Translator(t.lang),
    )
    return Chart(title, figures.png_uri(figure))


@figures.styled
def lights_chart(
    scorecard: pd.DataFrame, year: int, t: Words, indicator_names: dict[str, str]
) -> Chart | None:
    """A grid of traffic lights: one row per unit (``unit_name``), one column per indicator, the
    colour of each cell its ``status`` (green, amber, red, missing, no_target)."""
    if scorecard.empty:
        return None
    units = list(dict.fromkeys(scorecard["unit_name"].astype(str)))
    indicators = list(dict.fromkeys(scorecard["indicator"].astype(str)))
    status = {(str(r.unit_name), str(r.indicator)): str(r.status) for r in scorecard.itertuples()}
    figure = Figure(figsize=(max(5.0, 0.34 * len(indicators) + 2.2), 0.3 * len(units) + 2.6))
    ax = figure.add_subplot()
    for y, unit in enumerate(units):
        for x, indicator in enumerate(indicators):
            colour = LIGHTS.get(status.get((unit, indicator), "missing"), LIGHTS["missing"])
            ax.scatter([x], [y], s=90, color=colour, edgecolors="#555555", linewidths=0.4)
    ax.set_xticks(range(len(indicators)))
    ax.set_xticklabels([indicator_names.get(i, i) for i in indicators], rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(units)))
    ax.set_yticklabels(units, fontsize=8)
    ax.set_xlim(-0.6, len(indicators) - 0.4)
    ax.set_ylim(len(units) - 0.4, -0.6)
    ax.legend(
        handles=[Patch(facecolor=c, edgecolor="#555555", label=t("status." + s)) for s, c in LIGHTS.items()],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35 if len(indicators) > 6 else -0.2),
        ncol=len(LIGHTS),
        frameon=False,
        fontsize=7,
    )
    title = t("lights_chart", year=year)
    ax.set_title(title)
    return Chart(title, figures.png_uri(figure))
