"""``ecoledger monitoring …``: water classes, AQI, early-warning alerts and the Jiangxi demo."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import typer

from ecoledger.cli._errors import Command, Group, require
from ecoledger.cli._help import declare
from ecoledger.cli._lang import language, problem_text, text
from ecoledger.messages import register

app = typer.Typer(cls=Group, name="monitoring", no_args_is_help=True)
OUT = ("输出文件夹（整体替换，不留半成品）", "output folder (replaced atomically)")
RECORDS = ("监测记录（CSV 或 XLSX，见 docs/monitoring.md）",
           "monitoring records (CSV or XLSX, see docs/monitoring.md)")

declare("monitoring", {
    "": ("生态环境监测：水质类别、空气质量指数、预警和江西示例。",
         "Monitoring: water quality classes, AQI, early-warning alerts and the Jiangxi demo."),
})
declare("monitoring.demo", {
    "": ("鄱阳湖总磷、南昌和九江 PM2.5 指标，基于真实数据的预警，以及 index.html。",
         "Poyang TP, Nanchang and Jiujiang PM2.5 indicators, alerts on real data, and index.html."),
    "out": OUT,
    "data": ("江西数据文件夹（默认：仓库中的 `data/jiangxi`）",
             "the Jiangxi data folder (default: the repository's data/jiangxi)"),
    "accounts": ("某核算年份的 `accounts.csv`（可多次给出），用于变化规则",
                 "accounts.csv of an account year (repeat) for change rules"),
    "rules": ("规则文件（TOML）；默认：随附的江西规则",
              "rule file (TOML); default: the shipped Jiangxi rules"),
    "target": ("鄱阳湖总磷目标，mg/L（默认：湖库 III 类限值）",
               "Poyang TP target, mg/L (default: lake class III limit)"),
    "target_year": ("目标路径达到目标的年份（示意）",
                    "year the target path reaches the target (illustrative)"),
})
declare("monitoring.water", {
    "": ("校验监测记录；写出 records.csv、classes.csv（水质类别、定类指标、TLI）、按城市、流域和"
         "全区的类别占比，以及各站点总磷年均值的趋势。",
         "Validate records; write records.csv, classes.csv (class, determining parameter, TLI), "
         "shares by city, basin and region, and each station's TP trend (annual means)."),
    "file": RECORDS,
    "out": OUT,
    "period": ("统计时段：`year`、`month` 或 `season`（鄱阳湖的水文季节）",
               "year | month | season (Poyang's hydrological seasons)"),
})
declare("monitoring.aqi", {
    "": ("按 HJ 633-2012 逐日（或逐时）计算空气质量分指数、空气质量指数、首要污染物和类别。",
         "IAQI, AQI, primary pollutant and category per HJ 633-2012, day by day (or hour by "
         "hour)."),
    "file": ("CSV：`city`、`date` 以及 `so2_24h`、`no2_24h`、`pm10_24h`、`co_24h`（mg/m³）、`o3_8h`、"
             "`o3_1h`、`pm25_24h`（µg/m³）中的任意列；逐时：`so2_1h`、`no2_1h`、`co_1h`、`o3_1h`、"
             "`pm10_24h`、`pm25_24h`",
             "CSV: city, date and any of so2_24h, no2_24h, pm10_24h, co_24h (mg/m³), o3_8h, "
             "o3_1h, pm25_24h (µg/m³); hourly: so2_1h, no2_1h, co_1h, o3_1h, pm10_24h, pm25_24h"),
    "out": ("输出 CSV", "output CSV"),
    "hourly": ("计算实时（逐时）空气质量指数，而不是日空气质量指数",
               "real-time (hourly) AQI instead of the daily AQI"),
})
declare("monitoring.alerts", {
    "": ("对指标序列执行预警规则，并导出预警。",
         "Evaluate early-warning rules on indicator series and export the alerts."),
    "series": ("CSV：`series`、`unit_code`、`unit_name`、`period`、`value`、`unit`",
               "CSV with series, unit_code, unit_name, period, value, unit"),
    "rules": ("规则文件（TOML）", "rule file (TOML)"),
    "out": ("预警 CSV", "alerts CSV"),
})
declare("monitoring.tp-load", {
    "": ("按来源核算鄱阳湖总磷负荷；负荷总量完整时，同时写出一行 `total_phosphorus_load` 统计数据"
         "（kg），供 GEP 水质净化的上限使用。",
         "Poyang TP load account by source; a complete total also as a total_phosphorus_load "
         "statistics row (kg) for the GEP water-purification cap."),
    "activity": ("CSV：`activity`、`value`（与系数表一致）",
                 "CSV: activity, value (as in the coefficient table)"),
    "out": OUT,
    "coefficients": ("系数表（默认：随附的系数表）", "coefficient table (default: the shipped one)"),
    "code": ("统计数据行的单位代码", "unit code for the statistics row"),
    "year": ("活动数据的年份", "year of the activity data"),
    "source": ("写入统计数据行的出处", "citation written into the statistics row"),
})
declare("monitoring.samples", {
    "": ("某断面某年的样品，按补偿规则样品表的格式写出。",
         "One section's samples of a year in the layout of the compensation rules' samples "
         "tables."),
    "file": ("监测记录（CSV 或 XLSX）", "monitoring records (CSV or XLSX)"),
    "station": ("交界断面", "the border section"),
    "year": ("年份", "the year"),
    "out": ("样品 CSV（`date`、`indicator`、`concentration`）",
            "samples CSV (date, indicator, concentration)"),
})
register({
    "not_utf8": ("{path}：不是 UTF-8 文本（{reason}）；修改：请另存为 CSV UTF-8",
                 "{path}: not UTF-8 text ({reason}); fix: save it as CSV UTF-8"),
    "not_csv": ("{path}：不是可读的 CSV 表（{exc}）；修改：请提供带表头行（{columns_zh}）的 UTF-8 CSV",
                "{path}: not a readable CSV table ({exc}); fix: a UTF-8 CSV with a header row "
                "({columns})"),
    "no_column": ("{path}：缺少列 {missing_zh}；修改：表头行应有 {columns_zh}（现有 {present_zh}）",
                  "{path}: no column {missing}; fix: a header row with {columns} (has {present})"),
    "not_numbers": ("{path} · value：{exc}；修改：value 列只填数字",
                    "{path} · value: {exc}; fix: numbers only in the value column"),
    "demo": ("{alerts} 条预警；鄱阳湖总磷有报告值的年份：{years} 年 → {path}",
             "{alerts} alerts; Poyang TP years reported: {years} → {path}"),
    "water": ("{records} 条记录，{evaluated} 个站点-{period} → {out}",
              "{records} records, {evaluated} station-{period}s → {out}"),
    "period.year": ("年", "year"),
    "period.month": ("月", "month"),
    "period.season": ("季", "season"),
    "rows": ("{rows} 行 → {out}", "{rows} rows → {out}"),
    "alerts": ("{alerts} 条预警 → {out}", "{alerts} alerts → {out}"),
    "tp_total": ("总磷负荷合计：{said} → {out}", "total TP load: {said} → {out}"),
    "tp_computed": ("{load:.1f} t/a", "{load:.1f} t/a"),
    "tp_missing": ("缺失（缺少来源：{sources}）", "missing ({why})"),
    "samples": ("{station} {year} 年的 {samples} 个样品 → {out}",
                "{samples} samples of {station} in {year} → {out}"),
    "separator": ("、", ", "),
}, prefix="cli.monitoring.")


PERIODS = ("year", "month", "season")


def _table(path: Path, columns: tuple[str, ...], what: str, **read_csv):
    """A CSV given on the command line, with the columns the command needs (``InputError``
    naming the file and the missing columns otherwise)."""
    import pandas as pd

    from ecoledger.errors import InputError

    require(path, what, "FILE", folder=False)
    try:
        frame = pd.read_csv(path, **read_csv)
    except UnicodeDecodeError as exc:
        raise InputError(text("monitoring.not_utf8", path=path, reason=exc.reason)) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(text("monitoring.not_csv", path=path, exc=exc, columns=", ".join(columns),
                              columns_zh=_codes(columns))) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = list(map(str, frame.columns))
        raise InputError(text("monitoring.no_column", path=path, missing=", ".join(missing),
                              columns=", ".join(columns), present=", ".join(present),
                              missing_zh=_codes(missing), columns_zh=_codes(columns),
                              present_zh=_codes(present)))
    return frame


def _codes(names) -> str:
    """Column names as a Chinese message quotes them: `city`、`date`."""
    return "、".join(f"`{name}`" for name in names)


def _write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all (a sibling temporary file, renamed)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


@app.command("demo", cls=Command)
def demo_command(
    out: Path = typer.Option(Path("out/monitoring")),
    data: Path | None = typer.Option(None),
    accounts: list[Path] = typer.Option([]),
    rules: Path | None = typer.Option(None),
    target: float = typer.Option(0.05),
    target_year: int = typer.Option(2025),
) -> None:
    """Poyang TP, Nanchang and Jiujiang PM2.5 indicators, alerts on real data, and index.html."""
    from ecoledger.cli._paths import shipped
    from ecoledger.monitoring import demo

    data = data or shipped("data/jiangxi", "--data")
    require(data, "the Jiangxi data folder", "--data", folder=True)
    for path in accounts:
        require(path, "an accounts.csv", "--accounts", folder=False)
    require(rules, "the rule file", "--rules", folder=False)
    result = demo.build(data, accounts, rules.read_text("utf-8") if rules else None, target, target_year)
    demo.write(result, out)
    typer.echo(text("monitoring.demo", alerts=len(result["alerts"]),
                    years=(result["poyang_tp"]["status"] == "reported").sum(),
                    path=out / "index.html"))


@app.command("water", cls=Command)
def water_command(
    file: Path = typer.Argument(...),
    out: Path = typer.Option(...),
    period: str = typer.Option("year"),
) -> None:
    """Validate records; write records.csv, classes.csv (class, determining parameter, TLI),
    shares by city, basin and region, and each station's TP trend (annual means)."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.monitoring import phosphorus, records, water
    from ecoledger.monitoring.tables import table_versions

    require(file, "the monitoring records", "FILE", folder=False)
    rows = records.load(file.name, file.read_bytes())
    for problem in rows.attrs.get("warnings", []):
        typer.echo(problem_text(problem, language()), err=True)
    evaluated = water.evaluate(rows, period)
    with atomic_directory(out) as folder:
        rows.to_csv(folder / "records.csv", index=False)
        evaluated.to_csv(folder / "classes.csv", index=False)
        for by in ("city", "basin", None):
            water.shares_by(evaluated, by).to_csv(folder / f"shares_{by or 'region'}.csv", index=False)
        if period == "year":
            phosphorus.station_trends(evaluated).to_csv(folder / "trends_tp.csv", index=False)
        (folder / "run.json").write_text(json.dumps({
            "input": file.name, "sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
            "period": period, "table_versions": table_versions(),
            "warnings": [str(p) for p in rows.attrs.get("warnings", [])]}, ensure_ascii=False, indent=2),
            encoding="utf-8")
    typer.echo(text("monitoring.water", records=len(rows), evaluated=len(evaluated), out=out,
                    period=text(f"monitoring.period.{period}") if period in PERIODS else period))


@app.command("aqi", cls=Command)
def aqi_command(
    file: Path = typer.Argument(...),
    out: Path = typer.Option(...),
    hourly: bool = typer.Option(False),
) -> None:
    """IAQI, AQI, primary pollutant and category per HJ 633-2012, day by day (or hour by hour)."""
    import pandas as pd

    from ecoledger.monitoring import air

    frame = _table(file, ("city", "date"), "the AQI concentrations CSV")
    compute = air.hourly_aqi if hourly else air.daily_aqi
    scored = pd.DataFrame([compute({k: v for k, v in row.items() if isinstance(v, int | float)})
                           for row in frame.to_dict("records")])
    result = pd.concat([frame.reset_index(drop=True), scored], axis=1)
    _write_file(out, result.to_csv(index=False).encode("utf-8"))
    typer.echo(text("monitoring.rows", rows=len(result), out=out))


@app.command("alerts", cls=Command)
def alerts_command(
    series: Path = typer.Argument(...),
    rules: Path = typer.Option(...),
    out: Path = typer.Option(...),
) -> None:
    """Evaluate early-warning rules on indicator series and export the alerts."""
    from ecoledger.monitoring import warning

    require(rules, "the rule file", "--rules", folder=False)
    parsed = warning.parse_rules(rules.read_text("utf-8"), rules.name)
    frame = _table(series, ("series", "unit_code", "unit_name", "period", "value", "unit"),
                   "the indicator series CSV", dtype={"unit_code": str})
    alerts = warning.evaluate(parsed, frame)
    _write_file(out, warning.alerts_csv(alerts))
    typer.echo(text("monitoring.alerts", alerts=len(alerts), out=out))


@app.command("tp-load", cls=Command)
def tp_load_command(
    activity: Path = typer.Argument(...),
    out: Path = typer.Option(...),
    coefficients: Path | None = typer.Option(None),
    code: str = typer.Option("360000"),
    year: int = typer.Option(...),
    source: str = typer.Option(...),
) -> None:
    """Poyang TP load account by source; a complete total also as a total_phosphorus_load
    statistics row (kg) for the GEP water-purification cap."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.errors import InputError
    from ecoledger.monitoring import links, phosphorus

    values = _table(activity, ("activity", "value"), "the activity CSV")
    table = (_table(coefficients, (), "the coefficient table", dtype=str, keep_default_na=False)
             if coefficients else None)
    try:
        numbers = values["value"].astype(float)
    except ValueError as exc:
        raise InputError(text("monitoring.not_numbers", path=activity, exc=exc)) from exc
    account = phosphorus.load_account(dict(zip(values["activity"], numbers, strict=True)), table)
    with atomic_directory(out) as folder:
        account.to_csv(folder / "tp_load_account.csv", index=False)
        links.load_statistics_rows(account, code, year, source).to_csv(folder / "statistics_rows.csv",
                                                                       index=False)
    total = account.set_index("source").loc["total"]
    computed = total["status"] == "computed"
    missing = account.loc[(account["source"] != "total") & (account["status"] == "missing"), "source"]
    said = (text("monitoring.tp_computed", load=total["load_t"]) if computed else
            text("monitoring.tp_missing", why=total["why_missing"],
                 sources=text("monitoring.separator").join(missing)))
    typer.echo(text("monitoring.tp_total", said=said, out=out))


@app.command("samples", cls=Command)
def samples_command(
    file: Path = typer.Argument(...),
    station: str = typer.Option(...),
    year: int = typer.Option(...),
    out: Path = typer.Option(...),
) -> None:
    """One section's samples of a year in the layout of the compensation rules' samples tables."""
    from ecoledger.monitoring import links, records

    require(file, "the monitoring records", "FILE", folder=False)
    rows = records.load(file.name, file.read_bytes())
    samples = links.compensation_samples(rows, station, year)
    _write_file(out, samples.to_csv(index=False).encode("utf-8"))
    typer.echo(text("monitoring.samples", samples=len(samples), station=station, year=year, out=out))
