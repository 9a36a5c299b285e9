"""User errors as the command line reports them: one plain message, exit code 2, no traceback.

``user_error_message`` decides whether an exception is the user's to fix (a bad input file or
path) and words it; ``None`` means a bug. Nothing here imports pandas, rasterio or the engine:
exceptions are recognised by class and module name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from typer._click.exceptions import ClickException  # typer ≥ 0.26 vendors click as typer._click
from typer.core import TyperCommand, TyperGroup

from ecoledger.cli._help import key_path, localise, typer_words, usage_error
from ecoledger.cli._lang import from_argv, language, problem_text, text

USER_ERROR = 2  # exit code of every user error (click uses 2 for usage errors too)
DEBUG_KEY = "ecoledger.debug"  # ctx.meta flag set by the root callback's --debug


class _Speaking:
    """Help, usage line and usage errors in the command's language (``cli._help``)."""

    def format_help(self, ctx, formatter):
        lang = language(ctx)
        localise(self, key_path(ctx), lang)
        with typer_words(lang):
            return super().format_help(ctx, formatter)

    def format_usage(self, ctx, formatter):
        from ecoledger.messages import text as lookup

        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=lookup("cli.typer.usage", language(ctx)))

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            from ecoledger.messages import text as lookup

            option.help = lookup("cli.typer.help_option", language(ctx))
        return option


def _show_usage_error(exc: ClickException, lang: str) -> None:
    """Print click's usage error ``exc`` in ``lang`` as typer would; raise typer.Exit with its
    exit code. English (and the no-arguments help, already printed) is left to typer."""
    if lang == "en" or type(exc).__name__ == "NoArgsIsHelpError":
        raise exc
    from typer import rich_utils

    with typer_words(lang):
        rich_utils.rich_format_error(usage_error(exc, lang))
    raise typer.Exit(exc.exit_code) from None


class Command(_Speaking, TyperCommand):
    """A command whose help is in the chosen language (every leaf command uses it)."""


class Group(_Speaking, TyperGroup):
    """A command group with the one error path (the root and every sub-group use it, so a
    sub-app invoked alone, as tests do, behaves the same)."""

    def main(self, args=None, *rest, **kwargs):
        self._argv = list(sys.argv[1:] if args is None else args)  # to name files in messages
        return super().main(args, *rest, **kwargs)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except ClickException as exc:
            if parent is not None:  # a sub-group: its parent's invoke words the error
                raise
            _show_usage_error(exc, from_argv(getattr(self, "_argv", [])) or language(None))

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, KeyboardInterrupt, BrokenPipeError):
            raise  # a closed pipe (ecoledger … | head) is typer's to end quietly
        except typer.Abort:  # e.g. a prompt answered with Ctrl-D: typer says "Aborted." in English
            lang = language(ctx)
            if lang == "en":
                raise
            from ecoledger.messages import text as lookup

            typer.echo(lookup("cli.typer.aborted", lang), err=True)
            raise typer.Exit(1) from None
        except ClickException as exc:
            _show_usage_error(exc, language(ctx))
        except Exception as exc:
            if ctx.meta.get(DEBUG_KEY) or os.environ.get("ECOLEDGER_DEBUG", "0") not in ("", "0"):
                raise
            message = user_error_message(exc, getattr(ctx.find_root().command, "_argv", []),
                                         language(ctx))
            if message is None:
                typer.echo(text("internal_error", ctx, kind=type(exc).__name__, exc=exc), err=True)
                raise typer.Exit(1) from None
            typer.echo(message, err=True)
            raise typer.Exit(USER_ERROR) from None


_TABLE_ERRORS = {
    "ParserError",
    "EmptyDataError",
    "UnicodeDecodeError",
    "Error",
    "DtypeWarning",
    "InvalidFileException",
    "BadZipFile",
    "TOMLDecodeError",
    "JSONDecodeError",
    "XLRDError",
    "ParseError",
}


def _paths(argv: Sequence[str]) -> list[str]:
    """Arguments of the command line that name existing files (for messages without a file)."""
    found = []
    for arg in argv:
        if arg.startswith("-"):
            arg = arg.split("=", 1)[1] if "=" in arg else ""
        if arg and os.path.isfile(arg) and arg not in found:
            found.append(arg)
    return found


def _problems(exc: Exception, lang: str = "en") -> str:
    lines = []
    for p in getattr(exc, "problems", []):
        if p.severity != "error":
            continue
        lines.append(problem_text(p, lang, "problem_item"))
        if lang == "en" and getattr(p, "message_zh", ""):
            lines.append(f"    {p.message_zh} → {p.fix_zh}")
    return "\n".join(lines)


def user_error_message(exc: BaseException, argv: Sequence[str] = (), lang: str = "en") -> str | None:
    """The message for a user error in ``lang`` (zh or en), or ``None`` if ``exc`` is not one (a bug)."""
    from ecoledger.cli._messages import WHAT_ZH  # noqa: F401  (registers the phrases)
    from ecoledger.errors import EcoledgerError, PackError, SubmissionError
    from ecoledger.messages import text as lookup

    def say(key: str, **fields) -> str:
        return lookup(f"cli.{key}", lang, **fields)

    name = type(exc).__name__
    module = type(exc).__module__ or ""
    files = _paths(argv)
    on_line = say("on_line", files=", ".join(files)) if files else ""
    if isinstance(exc, PackError):
        errors = sum(p.severity == "error" for p in exc.problems)
        return say("pack_error", errors=errors, problems=_problems(exc, lang))
    if isinstance(exc, SubmissionError):
        return say("submission_error", problems=_problems(exc, lang))
    if isinstance(exc, EcoledgerError):
        errors = sum(p.severity == "error" for p in exc.problems)
        if errors:  # e.g. rasters too large to read, each a problem with its fix
            return say("problems_error", errors=errors, problems=_problems(exc, lang))
        return say("user_error", message=exc.in_language(lang))
    if module.startswith(("rasterio", "pyogrio", "fiona", "osgeo")):
        return say("unreadable_geodata", exc=exc, on_line=on_line)
    if isinstance(exc, UnicodeDecodeError):
        return say("not_utf8", reason=exc.reason, start=exc.start, on_line=on_line)
    if isinstance(exc, FileNotFoundError | NotADirectoryError | IsADirectoryError | PermissionError):
        what = say(f"path.{name}") if f"cli.path.{name}" in _catalogue() else (exc.strerror or name)
        path = exc.filename if exc.filename is not None else "?"
        return say("path_error", what=what, path=path)
    if name in _TABLE_ERRORS or module.startswith(
        ("pandas", "csv", "tomllib", "json", "openpyxl", "zipfile")
    ):
        return say("unparsable", name=name, exc=exc, on_line=on_line)
    if isinstance(exc, OSError) and exc.filename is not None:
        return say("os_error", reason=exc.strerror or exc, path=exc.filename)
    return None


def _catalogue():
    from ecoledger.messages import CATALOGUE

    return CATALOGUE


def require(path: Path | None, what: str, option: str, folder: bool | None = None) -> None:
    """Refuse a path given on the command line that does not exist (or is of the wrong kind)."""
    from ecoledger.errors import InputPathError

    if path is None:
        return
    lang = language()
    kind = text("kind.folder" if folder else "kind.file")
    if lang == "zh" and f"cli.what.{what}" in _catalogue():
        what = text(f"what.{what}")
    fields = {"option": option, "path": path, "what": what, "kind": kind}
    if not path.exists():
        raise InputPathError(text("require.missing", **fields))
    if folder is True and not path.is_dir():
        raise InputPathError(text("require.not_folder", **fields))
    if folder is False and not path.is_file():
        raise InputPathError(text("require.not_file", **fields))
