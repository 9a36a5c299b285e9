"""The ``ecoledger`` command.

Every command runs through ``cli._errors.Group.invoke``: a user error (an ``EcoledgerError``, a missing or
unreadable file, a raster GDAL cannot open, a table pandas cannot parse) is printed as one plain
message naming the file and the fix, with exit code 2 and no traceback; anything else is a bug,
reported in one line with exit code 1. ``--debug`` (or ``ECOLEDGER_DEBUG=1``) lets the exception
through with its traceback. ``--lang zh|en`` (else ``ECOLEDGER_LANG``, else the locale) chooses the
language of the messages (``cli._lang``). The command modules import only typer at module level, so
``ecoledger --help`` does not load the accounting engine.
"""

from __future__ import annotations

import typer

from ecoledger.cli import (
    account,
    applications,
    carbon,
    distributed,
    invest,
    monitoring,
    pack,
    platform,
    report,
    series,
    serve,
    validate,
)
from ecoledger.cli._errors import DEBUG_KEY, Group
from ecoledger.cli._lang import LANG_KEY, LANGUAGES


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ecoledger {version('ecoledger')}")
        except PackageNotFoundError:
            typer.echo("ecoledger (not installed)")
        raise typer.Exit(0)


app = typer.Typer(
    name="ecoledger",
    cls=Group,
    help="GEP (生态产品总值) accounting for provinces, cities and counties.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="show the Python traceback of an error"),
    lang: str | None = typer.Option(
        None, "--lang", metavar="zh|en",
        help="language of messages (default: ECOLEDGER_LANG, else the locale: zh if LC_ALL, "
             "LC_MESSAGES or LANG starts with zh, else en)"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """GEP (生态产品总值) accounting for provinces, cities and counties."""
    ctx.meta[DEBUG_KEY] = debug
    if lang is not None:
        if lang not in LANGUAGES:
            raise typer.BadParameter(f"{lang!r} is not one of {', '.join(LANGUAGES)}",
                                     param_hint="--lang")
        ctx.meta[LANG_KEY] = lang


app.command("validate")(validate.validate)
app.command("account")(account.account)
app.command("series")(series.series)
app.command("report")(report.report)
app.command("distributed")(distributed.distributed)
app.command("serve")(serve.serve)
app.command("invest")(invest.invest)
app.add_typer(pack.app, name="pack")
app.add_typer(platform.app, name="platform")
app.add_typer(applications.app, name="applications")
app.add_typer(carbon.app, name="carbon")
app.add_typer(monitoring.app, name="monitoring")


def main() -> None:
    """The console-script entry point (``ecoledger``): ``app`` with its error path."""
    app()


if __name__ == "__main__":
    main()
