"""The Jiangxi monitoring demo: Poyang TP 2016–2022 (missing years marked), Nanchang and
Jiujiang PM2.5 indicators 2014–2016, early-warning alerts on real data, and an HTML page.

Inputs (``data/jiangxi/``): ``statistics/jiangxi_statistics.csv`` (Poyang TP and other
provincial indicators, reposts of the official bulletins), ``air/pm25_daily_nanchang_jiujiang_2014_2016.csv``
(daily PM2.5, SpTe2M 1.0.3), ``literature/poyang_station_trophic_grade_2006_2014.csv``, and
optionally published ``accounts.csv`` files of several years for the account-change rules.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from ecoledger.atomic import atomic_directory
from ecoledger.monitoring import air, indicators, links, phosphorus, warning
from ecoledger.monitoring.tables import table_versions

CITY_CODES = {"Nanchang": ("360100", "南昌市"), "Jiujiang": ("360400", "九江市")}
TP_YEARS = range(2016, 2023)
STATISTICS = Path("statistics/jiangxi_statistics.csv")
AIR = Path("air/pm25_daily_nanchang_jiujiang_2014_2016.csv")
STATION_GRADES = Path("literature/poyang_station_trophic_grade_2006_2014.csv")


def default_rules() -> str:
    return resources.files("ecoledger.data").joinpath("monitoring/jiangxi_rules.toml").read_text("utf-8")


def read_daily_pm25(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    return pd.DataFrame({"city": frame["City"], "date": pd.to_datetime(frame["date"]).dt.date.astype(str),
                         "pm25_24h": frame["PM2.5"].astype(float)})


def read_accounts(files: list[Path]) -> pd.DataFrame | None:
    if not files:
        return None
    return pd.concat([pd.read_csv(f, dtype={"adcode": str}) for f in files], ignore_index=True)


def build(data: Path, accounts_files: list[Path] = (), rules_text: str | None = None,
          target: float = 0.05, target_year: int = 2025) -> dict:
    """Every table of the demo, in memory: {"poyang_tp", "tp_load_account",
    "assessment_indicators" (the last year's air indicators for the assessment rules),
    "station_grades", "air_daily", "air_annual", "alerts", "summary"}."""
    statistics = pd.read_csv(data / STATISTICS, dtype={"adcode": str})
    tp = phosphorus.tp_readings(phosphorus.statistic_series(statistics, "poyang_lake_tp", "360000", TP_YEARS))
    first = tp[tp["status"] == "reported"].iloc[0]
    path = phosphorus.target_path(int(first["year"]), float(first["value"]), target_year, target, TP_YEARS)
    def cuts(relation: str) -> list[float]:
        return [phosphorus.required_load_cut(v, target, relation) if v == v else float("nan")
                for v in tp["value"]]

    tp = tp.assign(target_path=path.values, above_path=tp["value"].values > path.values,
                   load_cut_linear=cuts("vollenweider_linear"), load_cut_oecd=cuts("oecd_1982"))
    daily = read_daily_pm25(data / AIR)
    scored = daily.assign(
        iaqi_pm25_exact=[air.iaqi_exact("pm25", "24h", c) for c in daily["pm25_24h"]],
        iaqi_pm25=[air.iaqi("pm25", "24h", c) for c in daily["pm25_24h"]])
    scored["category"] = [air.category(v)[0] for v in scored["iaqi_pm25"]]
    annual = air.annual_indicators(daily)
    monthly = daily.assign(period=daily["date"].str[:7]).groupby(["city", "period"])["pm25_24h"].mean()
    monthly = monthly.reset_index()
    series = [indicators.from_statistics(statistics), indicators.from_air_daily(daily, CITY_CODES),
              indicators.from_air_annual(annual, CITY_CODES),
              pd.DataFrame({"series": "pm25_monthly_mean",
                            "unit_code": monthly["city"].map(lambda c: CITY_CODES[c][0]),
                            "unit_name": monthly["city"].map(lambda c: CITY_CODES[c][1]),
                            "period": monthly["period"], "value": monthly["pm25_24h"], "unit": "µg/m³"})]
    accounts = read_accounts(list(accounts_files))
    if accounts is not None:
        series.append(indicators.from_accounts(accounts))
    rules = warning.parse_rules(rules_text or default_rules())
    series = pd.concat(series, ignore_index=True)
    alerts = warning.evaluate(rules, series)
    inputs = [data / STATISTICS, data / AIR, data / STATION_GRADES, *accounts_files]
    summary = {
        "table_versions": table_versions(),
        "inputs": {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs},
        "rules": [r.id for r in rules],
        "alerts_by_rule": {r.id: sum(a.rule_id == r.id for a in alerts) for r in rules},
        "rules_without_data": warning.rules_without_data(rules, series),
        "target": {"tp_mg_l": target, "year": target_year,
                   "note": "illustrative: the GB 3838 lake class III limit reached on a straight path "
                           "from the first reported year; not an official campaign target"},
        "notes": ["The AQI columns of the air tables are PM2.5 IAQIs: HJ 633's AQI needs all six "
                  "pollutants, and the shipped data hold PM2.5 only.",
                  "The TP load account is missing: no open load coefficients or activity data are "
                  "shipped (tp_load_coefficients.csv says what would fill each source)."],
    }
    assessment = links.assessment_rows(
        int(annual["year"].max()), "ecoledger monitoring demo: HJ 663 indicators of the daily PM2.5 "
        "of data/jiangxi/air (SpTe2M 1.0.3)",
        annual.assign(code=annual["city"].map(lambda c: CITY_CODES[c][0])))
    return {"poyang_tp": tp, "tp_load_account": phosphorus.load_account({}),
            "assessment_indicators": assessment,
            "station_grades": pd.read_csv(data / STATION_GRADES), "air_daily": scored,
            "air_annual": annual, "alerts": warning.alerts_frame(alerts), "summary": summary}


def write(result: dict, out: Path) -> None:
    """The demo's CSV tables, summary.json and index.html, written atomically to ``out``."""
    with atomic_directory(out) as staging:
        for name, frame in result.items():
            if isinstance(frame, pd.DataFrame):
                frame.to_csv(staging / f"{name}.csv", index=False)
        (staging / "summary.json").write_text(json.dumps(result["summary"], ensure_ascii=False, indent=2),
                                              encoding="utf-8")
        (staging / "index.html").write_text(render_html(result), encoding="utf-8")


COLOURS = ("#1f6fb2", "#d9622b", "#2e8540", "#8e44ad")


def svg_chart(lines: dict[str, list[tuple[float, float]]], references: dict[str, float],
              x_ticks: list[tuple[float, str]], unit: str, dashed: tuple[str, ...] = ()) -> Markup:
    """A small inline SVG line chart: ``lines`` label → (x, y) points (NaN y: a gap, nothing
    drawn), ``references`` label → a horizontal line, ``x_ticks`` (x, label)."""
    width, height, left, right, top, bottom = 660, 240, 56, 150, 12, 28
    xs = [x for points in lines.values() for x, _ in points] + [x for x, _ in x_ticks]
    ys = [y for points in lines.values() for _, y in points if y == y] + list(references.values())
    x0, x1, y1 = min(xs), max(xs), max(ys) * 1.1

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - y / y1) * (height - top - bottom)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">',
             f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="#444"/>',
             f'<text x="4" y="{top + 10}" font-size="11">{html.escape(unit)}</text>']
    for value in (y1 / 1.1 * f for f in (0.25, 0.5, 0.75, 1.0)):
        parts.append(f'<text x="{left - 4}" y="{py(value) + 4:.1f}" font-size="10" text-anchor="end">'
                     f"{value:.3g}</text>")
    for x, label in x_ticks:
        parts.append(f'<text x="{px(x):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
                     f"{html.escape(label)}</text>")
    for label, value in references.items():
        parts.append(f'<line x1="{left}" y1="{py(value):.1f}" x2="{width - right}" y2="{py(value):.1f}" '
                     f'stroke="#b00" stroke-dasharray="2 3"/><text x="{width - right + 4}" '
                     f'y="{py(value) + 4:.1f}" font-size="10" fill="#b00">{html.escape(label)}</text>')
    for index, ((label, points), colour) in enumerate(zip(lines.items(), COLOURS, strict=False)):
        style = ' stroke-dasharray="6 4"' if label in dashed else ""
        markers = not style and len(points) <= 12  # dots on short solid series; a lone point always
        segment: list[tuple[float, float]] = []
        for x, y in [*points, (math.nan, math.nan)]:
            if y == y:
                segment.append((px(x), py(y)))
                continue
            if segment:
                coordinates = " ".join(f"{a:.1f},{b:.1f}" for a, b in segment)
                parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"{style}/>')
            if segment and (markers or len(segment) == 1):
                parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>' for a, b in segment]
            segment = []
        legend_y = height - bottom - 14 * (len(lines) - 1 - index)
        parts.append(f'<text x="{width - right + 4}" y="{legend_y}" font-size="11" '
                     f'fill="{colour}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def charts(result: dict) -> dict[str, Markup]:
    """The demo's two charts: Poyang TP against its target path, and monthly PM2.5 by city."""
    tp = result["poyang_tp"]
    years = tp["year"].tolist()
    tp_chart = svg_chart(
        {"TP reported": list(zip(years, tp["value"], strict=True)),
         "target path": list(zip(years, tp["target_path"], strict=True))},
        {"lake class III 0.05": 0.05, "lake class IV 0.1": 0.1},
        [(y, str(y) if status == "reported" else f"{y} missing")
         for y, status in zip(years, tp["status"], strict=True)],
        "mg/L", dashed=("target path",))
    daily = result["air_daily"]
    monthly = daily.assign(month=daily["date"].str[:7]).groupby(["city", "month"])["pm25_24h"].mean()
    first_year = int(daily["date"].str[:4].min())

    def x_of(month: str) -> float:
        return int(month[:4]) - first_year + (int(month[5:7]) - 1) / 12

    lines = {city: [(x_of(m), v) for (c, m), v in monthly.items() if c == city]
             for city in sorted(daily["city"].unique())}
    last_year = int(daily["date"].str[:4].max())
    pm_chart = svg_chart(lines, {"annual limit 35": 35, "24-h limit 75": 75},
                         [(y - first_year, str(y)) for y in range(first_year, last_year + 1)], "µg/m³")
    return {"tp": tp_chart, "pm25": pm_chart}


def render_html(result: dict) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["num"] = lambda v, d=1: "—" if v is None or v != v else f"{v:,.{d}f}"
    template = environment.from_string(
        resources.files("ecoledger.data").joinpath("monitoring/demo.html").read_text("utf-8"))
    return template.render(tp=result["poyang_tp"].to_dict("records"),
                           load=result["tp_load_account"].to_dict("records"),
                           grades=result["station_grades"].to_dict("records"),
                           annual=result["air_annual"].to_dict("records"),
                           alerts=result["alerts"].to_dict("records"), summary=result["summary"],
                           charts=charts(result))
