"""``ecoledger monitoring …``: water classes, AQI, early-warning alerts and the Jiangxi demo."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import typer

from ecoledger.cli._errors import Group, require

app = typer.Typer(cls=Group, help="monitoring", no_args_is_help=True)


def _table(path: Path, columns: tuple[str, ...], what: str, **read_csv):
    """A CSV given on the command line, with the columns the command needs (``InputError``
    naming the file and the missing columns otherwise)."""
    import pandas as pd

    from ecoledger.errors import InputError

    require(path, what, "FILE", folder=False)
    try:
        frame = pd.read_csv(path, **read_csv)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason}); fix: save it as CSV UTF-8") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: not a readable CSV table ({exc}); fix: a UTF-8 CSV with a header row "
                         f"({', '.join(columns)})") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(missing)}; fix: a header row with "
                         f"{', '.join(columns)} (has {', '.join(map(str, frame.columns))})")
    return frame


def _write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all (a sibling temporary file, renamed)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("out/monitoring"), help="output folder (replaced atomically)"),
    data: Path | None = typer.Option(None, help="the Jiangxi data folder (default: the repository's "
                                                "data/jiangxi)"),
    accounts: list[Path] = typer.Option([], help="accounts.csv of an account year (repeat) for change rules"),
    rules: Path | None = typer.Option(None, help="rule file (TOML); default: the shipped Jiangxi rules"),
    target: float = typer.Option(0.05, help="Poyang TP target, mg/L (default: lake class III limit)"),
    target_year: int = typer.Option(2025, help="year the target path reaches the target (illustrative)"),
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
    typer.echo(f"{len(result['alerts'])} alerts; Poyang TP years reported: "
               f"{(result['poyang_tp']['status'] == 'reported').sum()} → {out / 'index.html'}")


@app.command("water")
def water_command(
    file: Path = typer.Argument(..., help="monitoring records (CSV or XLSX, see docs/monitoring.md)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
    period: str = typer.Option("year", help="year | month | season (Poyang's hydrological seasons)"),
) -> None:
    """Validate records; write records.csv, classes.csv (class, determining parameter, TLI),
    shares by city, basin and region, and each station's TP trend (annual means)."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.monitoring import phosphorus, records, water
    from ecoledger.monitoring.tables import table_versions

    require(file, "the monitoring records", "FILE", folder=False)
    rows = records.load(file.name, file.read_bytes())
    for problem in rows.attrs.get("warnings", []):
        typer.echo(f"warning: {problem}", err=True)
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
    typer.echo(f"{len(rows)} records, {len(evaluated)} station-{period}s → {out}")


@app.command("aqi")
def aqi_command(
    file: Path = typer.Argument(..., help="CSV: city, date and any of so2_24h, no2_24h, pm10_24h, "
                                          "co_24h (mg/m³), o3_8h, o3_1h, pm25_24h (µg/m³); hourly: "
                                          "so2_1h, no2_1h, co_1h, o3_1h, pm10_24h, pm25_24h"),
    out: Path = typer.Option(..., help="output CSV"),
    hourly: bool = typer.Option(False, help="real-time (hourly) AQI instead of the daily AQI"),
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
    typer.echo(f"{len(result)} rows → {out}")


@app.command("alerts")
def alerts_command(
    series: Path = typer.Argument(..., help="CSV with series, unit_code, unit_name, period, value, unit"),
    rules: Path = typer.Option(..., help="rule file (TOML)"),
    out: Path = typer.Option(..., help="alerts CSV"),
) -> None:
    """Evaluate early-warning rules on indicator series and export the alerts."""
    from ecoledger.monitoring import warning

    require(rules, "the rule file", "--rules", folder=False)
    parsed = warning.parse_rules(rules.read_text("utf-8"), rules.name)
    frame = _table(series, ("series", "unit_code", "unit_name", "period", "value", "unit"),
                   "the indicator series CSV", dtype={"unit_code": str})
    alerts = warning.evaluate(parsed, frame)
    _write_file(out, warning.alerts_csv(alerts))
    typer.echo(f"{len(alerts)} alerts → {out}")


@app.command("tp-load")
def tp_load_command(
    activity: Path = typer.Argument(..., help="CSV: activity, value (as in the coefficient table)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
    coefficients: Path | None = typer.Option(None, help="coefficient table (default: the shipped one)"),
    code: str = typer.Option("360000", help="unit code for the statistics row"),
    year: int = typer.Option(..., help="year of the activity data"),
    source: str = typer.Option(..., help="citation written into the statistics row"),
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
        raise InputError(f"{activity} · value: {exc}; fix: numbers only in the value column") from exc
    account = phosphorus.load_account(dict(zip(values["activity"], numbers, strict=True)), table)
    with atomic_directory(out) as folder:
        account.to_csv(folder / "tp_load_account.csv", index=False)
        links.load_statistics_rows(account, code, year, source).to_csv(folder / "statistics_rows.csv",
                                                                       index=False)
    total = account.set_index("source").loc["total"]
    computed = total["status"] == "computed"
    said = f"{total['load_t']:.1f} t/a" if computed else f"missing ({total['why_missing']})"
    typer.echo(f"total TP load: {said} → {out}")


@app.command("samples")
def samples_command(
    file: Path = typer.Argument(..., help="monitoring records (CSV or XLSX)"),
    station: str = typer.Option(..., help="the border section"),
    year: int = typer.Option(..., help="the year"),
    out: Path = typer.Option(..., help="samples CSV (date, indicator, concentration)"),
) -> None:
    """One section's samples of a year in the layout of the compensation rules' samples tables."""
    from ecoledger.monitoring import links, records

    require(file, "the monitoring records", "FILE", folder=False)
    rows = records.load(file.name, file.read_bytes())
    samples = links.compensation_samples(rows, station, year)
    _write_file(out, samples.to_csv(index=False).encode("utf-8"))
    typer.echo(f"{len(samples)} samples of {station} in {year} → {out}")
