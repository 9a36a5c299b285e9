"""`ecoledger applications …`: transfers, compensation, assessment and VEP on plain account files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ecoledger.cli._errors import Group, require

app = typer.Typer(cls=Group, help="Use the accounts: fiscal transfers, ecological compensation, assessment, "
                       "ecological asset valuation (VEP).", no_args_is_help=True)

RATES = [0.03, 0.045, 0.08]
HORIZONS = [20, 40, 70]


def _fail(exc: Exception):
    from ecoledger.errors import InputError

    raise InputError(str(exc)) from exc


@app.command("apply")
def apply(
    rule: Path = typer.Argument(..., help="rule file (TOML): transfer, purchase, basin_fund, p_index, "
                                          "gep_compensation or assessment"),
    accounts_dir: Path = typer.Option(..., "--accounts", help="output folder of `ecoledger account`"),
    previous: Path | None = typer.Option(None, help="the previous year's output folder (GEP change)"),
    indicators: Path | None = typer.Option(None, help="CSV code,indicator,value,unit,source "
                                                      "(population, conditions, quality …)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
) -> None:
    """Apply one rule file to the accounts; writes <kind>.csv, .json and .html."""
    from ecoledger.applications import accounts, outputs, rules
    from ecoledger.atomic import atomic_directory

    require(rule, "the rule file", "RULE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    require(indicators, "the indicators CSV", "--indicators", folder=False)
    result = rules.apply(rule, accounts.load(accounts_dir, previous, indicators))
    with atomic_directory(out) as folder:
        outputs.write(result, folder)
    typer.echo(f"{result.kind}: {len(result.table)} rows → {out / (result.kind + '.csv')}")


@app.command("vep")
def vep_command(
    site: Path = typer.Argument(..., help="GeoJSON polygon of the site or project"),
    accounts_dir: Path = typer.Option(..., "--accounts",
                                      help="output folder of `ecoledger account` with maps/"),
    name: str = typer.Option("site", help="name printed on the certificate"),
    rate: float = typer.Option(0.03, help="discount rate per year"),
    horizon: int = typer.Option(20, help="horizon in years"),
    rates: list[float] = typer.Option(RATES, help="sensitivity rates (repeat)"),
    horizons: list[int] = typer.Option(HORIZONS, help="sensitivity horizons (repeat)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
) -> None:
    """Value a site: yearly flow inside it, present value, sensitivity; certificate JSON, HTML, PDF."""
    from ecoledger.applications import vep
    from ecoledger.atomic import atomic_directory

    require(site, "the site GeoJSON", "SITE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    cert = vep.certify(accounts_dir, vep.read_site(site, str(site)), name, rate, horizon, rates, horizons)
    with atomic_directory(out) as folder:
        written = vep.write(cert, folder)
    typer.echo(f"VEP {cert['annual_flow_yuan']:,.0f} yuan/yr; PV {cert['present_value_yuan']:,.0f} yuan "
               f"(r={rate}, T={horizon}); SHA-256 {cert['content_sha256']}")
    for w in cert["warnings"]:
        typer.echo(f"warning: {w}")
    if written["pdf_skipped"]:
        typer.echo(written["pdf_skipped"])


@app.command("damage")
def damage_command(
    site: Path = typer.Argument(..., help="GeoJSON polygon of the damaged area"),
    accounts_dir: Path = typer.Option(..., "--accounts",
                                      help="output folder of `ecoledger account` with maps/"),
    damaged_fraction: float = typer.Option(..., help="fraction of the service flow lost at the damage (0–1)"),
    recovery_years: int = typer.Option(..., help="years to full recovery (linear recovery)"),
    restoration_cost: float = typer.Option(..., help="restoration cost, yuan"),
    rate: float = typer.Option(0.03, help="discount rate per year"),
    other_costs: float = typer.Option(0.0, help="investigation, assessment and emergency costs, yuan"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
) -> None:
    """Damage compensation: discounted interim loss of service flows + restoration cost."""
    from ecoledger.applications import vep
    from ecoledger.atomic import atomic_directory

    require(site, "the site GeoJSON", "SITE", folder=False)
    require(accounts_dir, "an output folder of `ecoledger account`", "--accounts", folder=True)
    try:
        case = vep.damage_case(accounts_dir, vep.read_site(site, str(site)), damaged_fraction, recovery_years,
                               rate, restoration_cost, other_costs)
    except ValueError as exc:
        _fail(exc)
    with atomic_directory(out) as folder:
        (folder / "damage.json").write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"damage {case['total_yuan']:,.0f} yuan (interim loss "
               f"{case['interim_loss_discounted_yuan']:,.0f}, restoration {restoration_cost:,.0f}) "
               f"→ {out / 'damage.json'}")


@app.command("verify")
def verify(cert: Path = typer.Argument(..., help="certificate.json")) -> None:
    """Check a certificate's content against its SHA-256; exit 1 if it was altered."""
    from ecoledger.applications import certificate

    require(cert, "the certificate", "CERT", folder=False)
    try:
        data = json.loads(cert.read_text(encoding="utf-8"))
    except ValueError as exc:
        _fail(ValueError(f"{cert} is not a certificate JSON: {exc}; fix: give the certificate.json "
                         "`ecoledger applications vep` wrote"))
    valid, reason = certificate.verify(data)
    typer.echo(f"{'valid' if valid else 'INVALID'}: {reason}")
    if not valid:
        raise typer.Exit(1)


@app.command("demo")
def demo_command(
    accounts_dir: Path = typer.Option(..., "--accounts",
                                      help="the year's output folder (e.g. accounts-2019)"),
    previous: Path = typer.Option(..., help="the previous year's output folder"),
    maps_run: Path | None = typer.Option(None, help="an output folder of the same year with maps/ "
                                                    "(default: --accounts if it has maps, else computed "
                                                    "from --pack)"),
    pack: Path | None = typer.Option(None, help="region pack, to compute the maps when no folder has them"),
    examples: Path | None = typer.Option(None, help="folder of the example rule files "
                                                    "(default: the repository's examples/applications)"),
    out: Path = typer.Option(..., help="output folder (replaced atomically)"),
) -> None:
    """One worked example of each application on the Jiangxi accounts, with an index.html."""
    from ecoledger.applications import demo
    from ecoledger.atomic import atomic_directory
    from ecoledger.cli._paths import shipped

    examples = examples or shipped("examples/applications", "--examples")
    require(accounts_dir, "the year's output folder", "--accounts", folder=True)
    require(previous, "the previous year's output folder", "--previous", folder=True)
    require(maps_run, "an output folder with maps/", "--maps-run", folder=True)
    require(pack, "the region pack", "--pack", folder=True)
    require(examples, "the example rule files", "--examples", folder=True)
    with atomic_directory(out) as folder:
        summary = demo.run(accounts_dir, previous, maps_run, pack, examples, folder)
    for line in summary:
        typer.echo(line)
    typer.echo(f"→ {out / 'index.html'}")
