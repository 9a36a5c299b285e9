"""The ``ecoledger`` command."""

from __future__ import annotations

import typer

from ecoledger.cli import (
    account,
    applications,
    carbon,
    distributed,
    monitoring,
    pack,
    platform,
    report,
    series,
    serve,
    validate,
)

app = typer.Typer(
    name="ecoledger",
    help="GEP (生态产品总值) accounting for provinces, cities and counties.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("validate")(validate.validate)
app.command("account")(account.account)
app.command("series")(series.series)
app.command("report")(report.report)
app.command("distributed")(distributed.distributed)
app.command("serve")(serve.serve)
app.add_typer(pack.app, name="pack")
app.add_typer(platform.app, name="platform")
app.add_typer(applications.app, name="applications")
app.add_typer(carbon.app, name="carbon")
app.add_typer(monitoring.app, name="monitoring")

if __name__ == "__main__":
    app()
