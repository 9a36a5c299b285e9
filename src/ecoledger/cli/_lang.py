"""The language the command line speaks: ``--lang zh|en``, else ``ECOLEDGER_LANG``, else the locale.

The locale counts when ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (the first one set, as POSIX reads
them) starts with ``zh``; anything else is English. The root callback stores the ``--lang`` choice
in the root context's ``meta``; ``language()`` reads it there, so a sub-app invoked alone (as tests
do) follows the environment. Light: imports only typer's click.
"""

from __future__ import annotations

import os

LANG_KEY = "ecoledger.lang"  # ctx.meta entry set by the root callback's --lang
LANGUAGES = ("zh", "en")


def from_environment(environ=None) -> str:
    """``ECOLEDGER_LANG`` if it names a language, else the locale's (zh or en)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("ECOLEDGER_LANG", "").strip().lower()
    if chosen[:2] in LANGUAGES:
        return chosen[:2]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def from_argv(argv) -> str | None:
    """The root ``--lang`` of a command line (``--lang zh``, ``--lang=en``) if it names a language.

    Read before click parses the line, so that help and click's own messages are built in that
    language: ``--lang`` is a root option, so only the words before the command are read."""
    words = list(argv)
    for i, word in enumerate(words):
        if word == "--lang" and i + 1 < len(words):
            value = words[i + 1]
        elif word.startswith("--lang="):
            value = word.split("=", 1)[1]
        elif word.startswith("-"):
            continue
        else:
            return None
        return value if value in LANGUAGES else None
    return None


def language(ctx=None) -> str:
    """The language of the running command: its root's ``--lang``, else the environment's."""
    if ctx is None:
        from typer._click.globals import get_current_context

        ctx = get_current_context(silent=True)
    if ctx is not None:
        chosen = ctx.find_root().meta.get(LANG_KEY)
        if chosen in LANGUAGES:
            return chosen
    return from_environment()


def text(key: str, ctx=None, **fields) -> str:
    """The CLI phrase ``key`` (``cli.`` prefix implied) in the command's language."""
    from ecoledger.cli import _messages  # noqa: F401  (registers the phrases)
    from ecoledger.messages import text as lookup

    return lookup(f"cli.{key}", language(ctx), **fields)


def problem_text(problem, lang: str, key: str = "problem_line") -> str:
    """``problem`` as the command line prints it in ``lang`` (``key``: ``problem_line`` for
    ``validate``, ``problem_item`` for an error's list); English where it has no Chinese."""
    from ecoledger.cli import _messages  # noqa: F401  (registers the phrases)
    from ecoledger.messages import CATALOGUE
    from ecoledger.messages import text as lookup

    field, message, fix = problem.in_language(lang)
    severity = (lookup(f"cli.severity.{problem.severity}", lang)
                if f"cli.severity.{problem.severity}" in CATALOGUE else problem.severity)
    return lookup(f"cli.{key}", lang, severity=severity, file=problem.file,
                  at=f" · {field}" if field else "", message=message, fix=fix)
