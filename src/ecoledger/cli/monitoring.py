"""``ecoledger monitoring …``: water classes, AQI, early-warning alerts and the Jiangxi demo."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import typer

from ecoledger.atomic import atomic_directory
from ecoledger.errors import EcoledgerError, SubmissionError

app = typer.Typer(help="monitoring", no_args_is_help=True)


def _fail(exc: EcoledgerError) -> typer.Exit:
    if isinstance(exc, SubmissionError):
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
    else:
        typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


def _write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all (a sibling temporary file, renamed)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("out/monitoring"), help="output folder (replaced atomically)"),
    data: Path = typer.Option(Path("data/jiangxi"), help="the Jiangxi data folder"),
    accounts: list[Path] = typer.Option([], help="accounts.csv of an account year (repeat) for change rules"),
    rules: Path | None = typer.Option(None, help="rule file (TOML); default: the shipped Jiangxi rules"),
    target: float = typer.Option(0.05, help="Poyang TP target, mg/L (default: lake class III limit)"),
    target_year: int = typer.Option(2025, help="year the target path reaches the target (illustrative)"),
) -> None:
    """Poyang TP, Nanchang and Jiujiang PM2.5 indicators, alerts on real data, and index.html."""
    from ecoledger.monitoring import demo

    try:
        result = demo.build(data, accounts, rules.read_text("utf-8") if rules else None, target, target_year)
    except EcoledgerError as exc:
        raise _fail(exc) from exc
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
    from ecoledger.monitoring import phosphorus, records, water
    from ecoledger.monitoring.tables import table_versions

    try:
        rows = records.load(file.name, file.read_bytes())
    except EcoledgerError as exc:
        raise _fail(exc) from exc
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
    from ecoledger.monitoring import air

    frame = pd.read_csv(file)
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

    try:
        parsed = warning.parse_rules(rules.read_text("utf-8"), rules.name)
    except EcoledgerError as exc:
        raise _fail(exc) from exc
    frame = pd.read_csv(series, dtype={"unit_code": str})
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
    from ecoledger.monitoring import links, phosphorus

    values = pd.read_csv(activity)
    table = pd.read_csv(coefficients, dtype=str, keep_default_na=False) if coefficients else None
    try:
        account = phosphorus.load_account(dict(zip(values["activity"], values["value"].astype(float),
                                                   strict=True)), table)
    except EcoledgerError as exc:
        raise _fail(exc) from exc
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

    try:
        rows = records.load(file.name, file.read_bytes())
    except EcoledgerError as exc:
        raise _fail(exc) from exc
    samples = links.compensation_samples(rows, station, year)
    _write_file(out, samples.to_csv(index=False).encode("utf-8"))
    typer.echo(f"{len(samples)} samples of {station} in {year} → {out}")
