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
from typer.core import TyperGroup

USER_ERROR = 2  # exit code of every user error (click uses 2 for usage errors too)
DEBUG_KEY = "ecoledger.debug"  # ctx.meta flag set by the root callback's --debug


class Group(TyperGroup):
    """A command group with the one error path (the root and every sub-group use it, so a
    sub-app invoked alone, as tests do, behaves the same)."""

    def main(self, args=None, *rest, **kwargs):
        self._argv = list(sys.argv[1:] if args is None else args)  # to name files in messages
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.meta.get(DEBUG_KEY) or os.environ.get("ECOLEDGER_DEBUG", "0") not in ("", "0"):
                raise
            message = user_error_message(exc, getattr(ctx.find_root().command, "_argv", []))
            if message is None:
                typer.echo(
                    f"internal error: {type(exc).__name__}: {exc}\n"
                    "this is a bug in ecoledger: run the command again with --debug "
                    "(ecoledger --debug …) for the traceback and report it",
                    err=True,
                )
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


def _problems(exc: Exception) -> str:
    lines = []
    for p in getattr(exc, "problems", []):
        if p.severity != "error":
            continue
        lines.append(f"  - {p.file} · {p.field}: {p.message} → fix: {p.fix}")
        if getattr(p, "message_zh", ""):
            lines.append(f"    {p.message_zh} → {p.fix_zh}")
    return "\n".join(lines)


def user_error_message(exc: BaseException, argv: Sequence[str] = ()) -> str | None:
    """The message for a user error, or ``None`` if ``exc`` is not one (a bug)."""
    from ecoledger.errors import EcoledgerError, PackError, SubmissionError

    name = type(exc).__name__
    module = type(exc).__module__ or ""
    files = _paths(argv)
    on_line = f" (input files on the command line: {', '.join(files)})" if files else ""
    if isinstance(exc, PackError):
        errors = sum(p.severity == "error" for p in exc.problems)
        return (
            f"error: the region pack has {errors} problem(s); nothing was computed or written:\n"
            f"{_problems(exc)}\nrun `ecoledger validate PACK` for the full list with warnings"
        )
    if isinstance(exc, SubmissionError):
        return f"error: the file is refused; nothing was written:\n{_problems(exc)}"
    if isinstance(exc, EcoledgerError):
        return f"error: {exc}"
    if module.startswith(("rasterio", "pyogrio", "fiona", "osgeo")):
        return (
            f"error: a raster or vector file could not be read: {exc}{on_line}\n"
            "fix: check that the file exists and is complete and valid (a truncated or "
            "corrupt GeoTIFF must be exported or downloaded again)"
        )
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"error: a text file is not UTF-8 ({exc.reason} at byte {exc.start}){on_line}\n"
            "fix: save the file as UTF-8 (in Excel: CSV UTF-8)"
        )
    if isinstance(exc, FileNotFoundError | NotADirectoryError | IsADirectoryError | PermissionError):
        what = {
            "FileNotFoundError": "no such file or folder",
            "NotADirectoryError": "not a folder",
            "IsADirectoryError": "a folder, not a file",
            "PermissionError": "permission denied",
        }.get(name, exc.strerror or name)
        path = exc.filename if exc.filename is not None else "?"
        return f"error: {what}: {path}\nfix: check the path given on the command line"
    if name in _TABLE_ERRORS or module.startswith(
        ("pandas", "csv", "tomllib", "json", "openpyxl", "zipfile")
    ):
        return (
            f"error: an input file could not be parsed: {name}: {exc}{on_line}\n"
            "fix: give the file in the documented format (UTF-8 CSV with a header row, "
            "valid TOML/JSON, an unmodified archive)"
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"error: {exc.strerror or exc}: {exc.filename}\nfix: check the path and the disk"
    return None


def require(path: Path | None, what: str, option: str, folder: bool | None = None) -> None:
    """Refuse a path given on the command line that does not exist (or is of the wrong kind)."""
    from ecoledger.errors import InputPathError

    if path is None:
        return
    kind = "folder" if folder else "file"
    if not path.exists():
        raise InputPathError(f"{option} {path}: no such {kind} ({what}); fix: give an existing {kind}")
    if folder is True and not path.is_dir():
        raise InputPathError(f"{option} {path}: not a folder ({what}); fix: give the folder, not a file")
    if folder is False and not path.is_file():
        raise InputPathError(f"{option} {path}: not a file ({what}); fix: give the file, not a folder")
