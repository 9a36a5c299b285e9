"""The report's uncertainty section: intervals of GEP, groups and items, the top drivers and a
tornado chart per unit (the region and its cities), from ``<out>/uncertainty/``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ecoledger import messages
from ecoledger.report import numbers, words
from ecoledger.report.figures import Chart, png_uri, styled
from ecoledger.report.i18n import Translator
from ecoledger.report.inputs import RunOutputs
from ecoledger.report.sections import Table
from ecoledger.uncertainty.names import input_label
from ecoledger.uncertainty.propagate import Uncertainty

TOP = 10
TORNADO_LOW, TORNADO_HIGH = "#4C78A8", "#E45756"

messages.register({
    "uncertainty": ("不确定性与敏感性", "Uncertainty and sensitivity"),
    "uncertainty_intro": (
        "对核算所用的 {inputs} 个参数和图层在其取值范围内进行 {draws} 次拉丁超立方抽样（随机种子 "
        "{seed}），逐次重算全部单元的各科目价值；区间为第 5 至第 95 百分位（90% 区间）。"
        "驱动因素按一阶 Sobol 敏感性指数（RBD-FAST 方法，SALib）排序；龙卷风图给出单个输入取其"
        "范围下限和上限、其余输入取核算值时的 GEP。",
        "{draws} Latin-hypercube draws (seed {seed}) of the {inputs} parameters and layers the "
        "account uses, each within its range, recompute every unit's item values; intervals run "
        "from the 5th to the 95th percentile (90 % interval). Drivers are ranked by their "
        "first-order Sobol' index (RBD-FAST, SALib); the tornado shows GEP with one input at the "
        "low and then the high end of its range, the others at their account values."),
    "uncertainty_caveats": ("近似与未抽样的输入", "Approximations and inputs not sampled"),
    "interval_card": ("GEP 90% 区间", "GEP 90 % interval"),
    "interval_table": ("{region}GEP 及各类别、科目的 90% 区间（亿元）",
                       "90 % intervals of GEP, groups and items, {region} (10⁸ yuan)"),
    "unit_interval_table": ("各单元 GEP 的 90% 区间（亿元）",
                            "90 % intervals of GEP by unit (10⁸ yuan)"),
    "point": ("核算值", "Account value"),
    "median": ("中位数", "Median"),
    "p05": ("5% 分位", "5th percentile"),
    "p95": ("95% 分位", "95th percentile"),
    "relative_width": ("区间宽度/核算值", "Interval width / value"),
    "drivers_table": ("{region}GEP 的前 {n} 位驱动因素", "Top {n} drivers of GEP, {region}"),
    "rank": ("排序", "Rank"),
    "driver": ("输入", "Input"),
    "range": ("取值范围", "Range"),
    "s1": ("一阶指数 S1", "First-order index S1"),
    "gep_at_low": ("取下限时 GEP（亿元）", "GEP at low end (10⁸ yuan)"),
    "gep_at_high": ("取上限时 GEP（亿元）", "GEP at high end (10⁸ yuan)"),
    "range_source": ("范围来源", "Source of the range"),
    "tornado_chart": ("主要驱动因素：单个输入取范围两端时的 GEP 变化（亿元）",
                      "Top drivers: change of GEP with one input at each end of its range "
                      "(10⁸ yuan)"),
    "tornado_low": ("取下限", "low end"),
    "tornado_high": ("取上限", "high end"),
    "layer_factor": ("倍", "×"),
    "scope.gep": ("合计", "GEP"),
}, prefix="report.")


def read(data: RunOutputs) -> Uncertainty | None:
    return Uncertainty.read(data.folder / "uncertainty")


def interval_card(uncertainty: Uncertainty | None, data: RunOutputs, t: Translator
                  ) -> tuple[str, str, str] | None:
    """The headline card: the region's GEP from its 5th to its 95th percentile."""
    if uncertainty is None:
        return None
    row = _rows(uncertainty, data.roots[:1], "gep").iloc[0]
    return (t("interval_card"), f"{numbers.yi(row.p05_yuan)}–{numbers.yi(row.p95_yuan)}",
            t("yi_yuan"))


def intervals(uncertainty: Uncertainty, data: RunOutputs, t: Translator) -> list[Table]:
    """The region's GEP, groups and items; then GEP per unit above the lowest level."""
    region = data.region_name(t.lang)
    headers = [t("item"), t("point"), t("median"), t("p05"), t("p95"), t("relative_width")]
    numeric = frozenset(range(1, 6))
    table = Table(t("interval_table", region=region), headers, numeric=numeric)
    rows = uncertainty.intervals[uncertainty.intervals["adcode"].isin(data.roots[:1])]
    for scope in ("gep", "group", "item"):
        for row in rows[rows["scope"] == scope].itertuples():
            label = (t("gep") if scope == "gep" else
                     t.group(row.key) if scope == "group" else t.item(row.key))
            table.rows.append([label, *_figures(row)])
            table.row_classes.append("total" if scope == "gep" else "")
    by_unit = Table(t("unit_interval_table"), [t("name"), t("level"), *headers[1:]],
                    numeric=frozenset(range(2, 7)))
    lowest = data.units_summary["level"].iloc[-1]
    for row in _rows(uncertainty, None, "gep").itertuples():
        if row.level != lowest or len(data.units_summary) <= 20:
            by_unit.rows.append([row.name, t.level(row.level), *_figures(row)])
            by_unit.row_classes.append("")
    return [table, by_unit]


def drivers(uncertainty: Uncertainty, data: RunOutputs, t: Translator) -> Table | None:
    """The region's top drivers with their ranges and sources."""
    frame = uncertainty.drivers
    frame = frame[frame["adcode"].isin(data.roots[:1])]
    if frame.empty:
        return None
    inputs = uncertainty.inputs.set_index("name")
    table = Table(t("drivers_table", region=data.region_name(t.lang), n=len(frame)),
                  [t("rank"), t("driver"), t("range"), t("s1"), t("gep_at_low"),
                   t("gep_at_high"), t("range_source")], numeric=frozenset({0, 3, 4, 5}))
    for row in frame.itertuples():
        spec = inputs.loc[row.input]
        table.rows.append([str(row.rank), input_label(row.input, t.lang), _range(spec, t),
                           f"{row.s1:.2f}", numbers.yi(row.gep_low_yuan),
                           numbers.yi(row.gep_high_yuan),
                           words.source(spec["range_source"], spec.get("range_source_zh"),
                                        t.lang)])
        table.row_classes.append("")
    return table


@styled
def tornado(uncertainty: Uncertainty, data: RunOutputs, t: Translator) -> Chart | None:
    """Small multiples, one per unit with drivers (the region first, then its cities): each
    driver's bar spans GEP with the input at its low and at its high end, around the account
    value."""
    frame = uncertainty.drivers
    if frame.empty:
        return None
    points = _rows(uncertainty, None, "gep").set_index("adcode")["point_yuan"]
    units = list(dict.fromkeys(frame["adcode"]))
    columns = 1 if len(units) == 1 else 2
    rows = math.ceil(len(units) / columns)
    figure = Figure(figsize=(7.2, 2.6 * rows))
    for n, code in enumerate(units):
        ax = figure.add_subplot(rows, columns, n + 1)
        part = frame[frame["adcode"] == code].sort_values("rank").head(TOP).iloc[::-1]
        point = points[code]
        low = (part["gep_low_yuan"] - point).to_numpy() / numbers.YI
        high = (part["gep_high_yuan"] - point).to_numpy() / numbers.YI
        y = np.arange(len(part))
        ax.barh(y, low, color=TORNADO_LOW, label=t("tornado_low"))
        ax.barh(y, high, color=TORNADO_HIGH, label=t("tornado_high"))
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(y, [input_label(name, t.lang) for name in part["input"]], fontsize=6)
        ax.tick_params(axis="x", labelsize=6)
        ax.set_title(part["name"].iloc[0], fontsize=8)
        if n == 0:
            ax.legend(fontsize=6, frameon=False, loc="lower right")
    figure.tight_layout()
    return Chart(t("tornado_chart"), png_uri(figure), wide=True)


def caveats(uncertainty: Uncertainty, t: Translator) -> list[str]:
    """What the intervals leave out or approximate, in the report's language."""
    meta = uncertainty.meta
    keys = [f"uncertainty.approx.{k}" for k in meta.get("approximations", {})]
    keys += [f"uncertainty.not_sampled.{k}" for k in meta.get("not_sampled", {})]
    return [messages.text(k, t.lang) for k in keys if k in messages.CATALOGUE]


def _rows(uncertainty: Uncertainty, codes, scope: str) -> pd.DataFrame:
    rows = uncertainty.intervals[uncertainty.intervals["scope"] == scope]
    return rows if codes is None else rows[rows["adcode"].isin(codes)]


def _figures(row) -> list[str]:
    width = (row.p95_yuan - row.p05_yuan) / abs(row.point_yuan) if row.point_yuan else math.nan
    return [numbers.yi(row.point_yuan), numbers.yi(row.median_yuan), numbers.yi(row.p05_yuan),
            numbers.yi(row.p95_yuan), numbers.share(width)]


def _range(spec: pd.Series, t: Translator) -> str:
    if str(spec.name).startswith("layer:"):
        return f"{spec['low']:.2f}–{spec['high']:.2f} {t('layer_factor')}"
    return f"{numbers.quantity(spec['low'])}–{numbers.quantity(spec['high'])}"
