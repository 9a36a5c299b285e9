"""The ``ecoledger`` command.

Every command runs through ``cli._errors.Group.invoke``: a user error (an ``EcoledgerError``, a missing or
unreadable file, a raster GDAL cannot open, a table pandas cannot parse) is printed as one plain
message naming the file and the fix, with exit code 2 and no traceback; anything else is a bug,
reported in one line with exit code 1. ``--debug`` (or ``ECOLEDGER_DEBUG=1``) lets the exception
through with its traceback. ``--lang zh|en`` (else ``ECOLEDGER_LANG``, else the locale) chooses the
language of the messages and of the help (``cli._lang``, ``cli._help``). The command modules import
only typer and the catalogue at module level, so ``ecoledger --help`` does not load the engine.
"""

from __future__ import annotations

import typer

from ecoledger.cli import (
    account,
    applications,
    audit,
    biodiversity,
    carbon,
    congress,
    controls,
    distributed,
    invest,
    monitoring,
    pack,
    platform,
    registry,
    report,
    seea,
    series,
    serve,
    targets,
    validate,
)
from ecoledger.cli._errors import DEBUG_KEY, Command, Group
from ecoledger.cli._help import declare
from ecoledger.cli._lang import LANG_KEY, LANGUAGES
from ecoledger.messages import register

declare("ecoledger", {
    "": ("省、市、县各级生态产品总值（GEP）核算。",
         "GEP (生态产品总值) accounting for provinces, cities and counties."),
    "debug": ("出错时显示 Python 回溯信息", "show the Python traceback of an error"),
    "lang": ("提示和帮助的语言（默认：ECOLEDGER_LANG，否则按区域设置：LC_ALL、LC_MESSAGES 或 LANG "
              "以 `zh` 开头时为 `zh`，否则为 `en`）；须写在命令之前",
              "language of messages and help (default: ECOLEDGER_LANG, else the locale: zh if "
              "LC_ALL, LC_MESSAGES or LANG starts with zh, else en); give it before the command"),
    "version": ("显示版本号并退出", "print the version and exit"),
})
register({"lang_invalid": ("{given!r} 不是 {languages} 之一", "{given!r} is not one of {languages}")},
         prefix="cli.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ecoledger {version('ecoledger')}")
        except PackageNotFoundError:
            typer.echo("ecoledger (not installed)")
        raise typer.Exit(0)


def _language(ctx: typer.Context, value: str | None) -> str | None:
    """Keep --lang in the root context's meta (eager, so that ``--lang zh --help`` is in zh)."""
    if value is not None:
        if value not in LANGUAGES:
            from ecoledger.cli._lang import text

            raise typer.BadParameter(text("lang_invalid", ctx, given=value,
                                          languages=", ".join(LANGUAGES)), param_hint="--lang")
        ctx.meta[LANG_KEY] = value
    return value


app = typer.Typer(
    name="ecoledger",
    cls=Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug"),
    lang: str | None = typer.Option(None, "--lang", metavar="zh|en", is_eager=True,
                                    callback=_language),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    """GEP (生态产品总值) accounting for provinces, cities and counties (help: cli.help.ecoledger)."""
    ctx.meta[DEBUG_KEY] = debug


for _name, _function in (("validate", validate.validate), ("account", account.account),
                         ("series", series.series), ("report", report.report),
                         ("distributed", distributed.distributed), ("serve", serve.serve),
                         ("invest", invest.invest)):
    app.command(_name, cls=Command)(_function)
app.add_typer(pack.app, name="pack")
app.add_typer(platform.app, name="platform")
app.add_typer(applications.app, name="applications")
app.add_typer(carbon.app, name="carbon")
app.add_typer(monitoring.app, name="monitoring")
app.add_typer(seea.app, name="seea")
app.add_typer(registry.app, name="registry")
app.add_typer(controls.app, name="controls")
app.add_typer(biodiversity.app, name="biodiversity")
app.add_typer(targets.app, name="targets")
app.add_typer(audit.app, name="audit")
app.add_typer(congress.app, name="congress")


def main() -> None:
    """The console-script entry point (``ecoledger``): ``app`` with its error path."""
    app()


if __name__ == "__main__":
    main()
