"""`ecoledger carbon …`: dual control, product footprints and labels, forest sinks, carbon inclusion."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from ecoledger.cli._errors import Group, require

app = typer.Typer(
    cls=Group,
    help="Carbon: dual control, product footprints and labels, sinks, carbon inclusion.",
    no_args_is_help=True,
)
EXAMPLES = "examples/carbon"  # in the source repository (cli._paths)
JIANGXI_STATISTICS = "data/jiangxi/statistics/jiangxi_statistics.csv"
JIANGXI_ACCOUNTS = "out/jiangxi-2019/accounts.csv"  # the main job's, in the source repository (cli._paths)


def _registry():
    from ecoledger.carbon.factors import default_registry

    return default_registry()


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output folder (replaced atomically)")] = Path("out/carbon"),
    statistics: Annotated[
        Path | None,
        typer.Option(help=f"statistics CSV (long format); default: the repository's {JIANGXI_STATISTICS}"),
    ] = None,
    accounts: Annotated[
        Path | None,
        typer.Option(help=f"GEP accounts.csv for the sink/GEP link; default: the repository's "
                          f"{JIANGXI_ACCOUNTS} if present"),
    ] = None,
    examples: Annotated[
        Path | None, typer.Option(help=f"folder of the example inputs; default: the repository's {EXAMPLES}")
    ] = None,
) -> None:
    """The Jiangxi demo: intensity path vs target, a label, a sink project, an inclusion ledger, claims."""
    from ecoledger.carbon.demo import run_demo
    from ecoledger.cli._paths import shipped

    statistics = statistics or shipped(JIANGXI_STATISTICS, "--statistics")
    examples = examples or shipped(EXAMPLES, "--examples")
    require(statistics, "the statistics CSV", "--statistics", folder=False)
    require(examples, "the example inputs", "--examples", folder=True)
    if accounts is None:
        from ecoledger.cli._paths import REPOSITORY

        found = REPOSITORY / JIANGXI_ACCOUNTS
        accounts = found if found.is_file() else None
    else:
        require(accounts, "the GEP accounts.csv", "--accounts", folder=False)
    for name in ("product_system.json", "sink_project.json", "inclusion_actions.csv"):
        require(examples / name, "an example input", "--examples", folder=False)
    summary = run_demo(
        out,
        statistics,
        examples / "product_system.json",
        examples / "sink_project.json",
        examples / "inclusion_actions.csv",
        _registry(),
        accounts,
    )
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    typer.echo(f"wrote {out}/index.html")


@app.command()
def footprint(
    system: Path,
    out: Annotated[Path, typer.Option(help="output folder")],
    label_id: Annotated[str, typer.Option(help="label id; empty: no label")] = "",
    verifier: Annotated[str, typer.Option(help="who verified the study")] = "",
    valid_years: int = 3,
) -> None:
    """Product carbon footprint of a product-system JSON with Brightway; optionally a label."""
    from ecoledger.atomic import atomic_directory
    from ecoledger.carbon import footprint as pcf
    from ecoledger.carbon import label

    require(system, "the product-system JSON", "SYSTEM", folder=False)
    result = pcf.compute(pcf.load_product_system(system), _registry())
    with atomic_directory(out) as folder:
        (folder / "footprint.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        if label_id:
            record = label.make_record(
                result, label_id, dt.date.today(), valid_years, verifier or "not verified"
            )
            label.write_label(record, folder / "label")
    typer.echo(f"{result['total_kg_co2e']:.6g} kg CO2e per {result['declared_unit']} → {out}")


@app.command("verify-label")
def verify_label(folder: Path) -> None:
    """Check a written label folder; exit code 1 if the record or a label file was changed."""
    from ecoledger.carbon import label

    require(folder, "the label folder", "FOLDER", folder=True)
    problems = label.verify_label_folder(folder)
    for problem in problems:
        typer.echo(f"✘ {problem}")
    if problems:
        raise typer.Exit(1)
    typer.echo("✔ label is as issued")


@app.command()
def inventory(
    statistics: Path,
    out: Annotated[Path, typer.Option(help="output folder")],
    code: Annotated[str, typer.Option(help="unit whose path against the target is drawn")] = "360000",
    first_year: int = 2019,
    last_year: int = 2024,
    series: Annotated[
        str, typer.Option(help="grid series: mee_nbs_consumption or mee_reporting")
    ] = "mee_nbs_consumption",
) -> None:
    """CO₂ totals and intensity of every unit and year (inventory.csv), and one unit's path against
    the 14th FYP target (dual_control.json); years without statistics are written as missing."""
    import csv

    from ecoledger.atomic import atomic_directory
    from ecoledger.carbon import inventory as inv

    require(statistics, "the statistics CSV", "STATISTICS", folder=False)
    table = inv.read_statistics(statistics)
    years = list(range(first_year, last_year + 1))
    rows = inv.inventory(table, _registry(), series=series, years=years)
    result = inv.dual_control(table, _registry(), code, years, series=series)
    columns = (
        "code",
        "year",
        "co2_t",
        "gdp_yuan",
        "gdp_basis",
        "intensity_t_per_10k_yuan",
        "status",
        "series",
    )
    with atomic_directory(out) as folder:
        with open(folder / "inventory.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, "not_reported", "conflicting"])
            for r in rows:
                writer.writerow(
                    [("" if r[c] is None else r[c]) for c in columns]
                    + [" ".join(r["not_reported"]), " ".join(r["conflicting"])]
                )
        (folder / "dual_control.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    typer.echo(f"{len(rows)} unit-years; {code} missing years: {result['missing_years'] or 'none'} → {out}")


@app.command()
def sink(project: Path) -> None:
    """Creditable removals of a forest sink project JSON (stock difference, CCER-14-001 structure)."""
    from ecoledger.carbon import forest

    require(project, "the sink project JSON", "PROJECT", folder=False)
    typer.echo(json.dumps(forest.load_project(project).result(_registry()), ensure_ascii=False, indent=1))


@app.command()
def factors() -> None:
    """The factor registry: id, value, unit, year, series, confidence."""
    registry = _registry()
    typer.echo(f"registry version {registry.version} ({registry.path})")
    for f in registry.factors.values():
        typer.echo(f"{f.id:40} {f.value:>10g} {f.unit:22} {f.year or '':5} {f.series:22} {f.confidence}")


@app.command("import-database")
def import_database(folder: Path, name: str) -> None:
    """Import a licensed ecospold2 database you hold (ecoinvent, CLCD as ecospold2) for footprints.

    Set BRIGHTWAY2_DIR to a lasting folder first; footprints then use it as ``activity: [name, code]``.
    """
    from ecoledger.carbon import footprint as pcf

    require(folder, "the ecospold2 folder", "FOLDER", folder=True)
    typer.echo(f"{pcf.import_ecospold2(folder, name)} activities imported into {name}")
