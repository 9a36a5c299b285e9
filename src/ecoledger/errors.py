"""One exception hierarchy for ecoledger.

Every error a user can cause carries enough to act on: the file, the field and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass


class EcoledgerError(Exception):
    """Base class of every error ecoledger raises on purpose.

    The errors users meet most are raised with a catalogue ``key`` and the ``fields`` that fill
    it, e.g. ``ParameterError(key="tables.unknown_profile", name=name, known=…)``: ``str(exc)``
    is the catalogue's English (for logs and tests), ``exc.in_language(lang)`` the message in
    the user's language, which the command line prints. The others carry a plain English message,
    which ``in_language`` gives as it is. An error may also carry ``problems`` (each naming file,
    field and fix in both languages), which the command line lists in the user's language.
    """

    key: str | None = None
    fields: dict = {}  # noqa: RUF012  (read only: an error with a key sets its own)
    problems: list = []  # noqa: RUF012

    def __init__(self, *args, key: str | None = None, problems: list | None = None, **fields):
        if key is not None:
            from ecoledger.messages import text

            args = args or (text(key, "en", **fields),)
            self.key, self.fields = key, fields
        elif fields:
            raise TypeError(f"fields {sorted(fields)} are given without a message key")
        if problems is not None:
            self.problems = list(problems)
        super().__init__(*args)

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` (zh or en): the catalogue's phrase if the error has a key, its
        ``message_zh`` in Chinese if it has one (the platform's errors do), else ``str(self)``."""
        from ecoledger.messages import CATALOGUE, text

        if self.key is not None and self.key in CATALOGUE:
            return text(self.key, lang, **self.fields)
        chinese = getattr(self, "message_zh", "")
        return chinese if lang == "zh" and chinese else str(self)


@dataclass(frozen=True)
class Problem:
    """One problem found in a region pack or an upload: where it is and how to fix it.

    ``message_zh`` and ``fix_zh`` say the same in Chinese where the check provides it (uploads
    always do); a row problem's ``message_zh`` names the rows itself, since ``field`` is English.
    """

    file: str
    field: str
    message: str
    fix: str
    severity: str = "error"  # "error" stops a run; "warning" is reported only
    message_zh: str = ""
    fix_zh: str = ""

    def __str__(self) -> str:
        return f"[{self.severity}] {self.file} · {self.field}: {self.message} → fix: {self.fix}"

    @classmethod
    def keyed(cls, file: str, field: str, key: str, severity: str = "error", where_zh: str | None = None,
              **fields) -> Problem:
        """A problem worded in both languages by the message catalogue's ``key`` and ``key.fix``,
        ``fields`` filling both; ``where_zh`` leads the Chinese message (a row problem names its
        rows in Chinese, the English ``field`` then giving way to it)."""
        from ecoledger.messages import text

        message_zh = text(key, "zh", **fields)
        if where_zh:
            message_zh = f"{where_zh}：{message_zh}"
        return cls(file, field, text(key, "en", **fields), text(f"{key}.fix", "en", **fields), severity,
                   message_zh, text(f"{key}.fix", "zh", **fields))

    def as_dict(self, lang: str) -> dict:
        """The problem as an API answers it: message and fix in ``lang``, both languages beside."""
        zh = lang == "zh"
        return {
            "file": self.file,
            "field": self.field,
            "message": (self.message_zh or self.message) if zh else self.message,
            "fix": (self.fix_zh or self.fix) if zh else self.fix,
            "severity": self.severity,
            "message_en": self.message,
            "fix_en": self.fix,
            "message_zh": self.message_zh or self.message,
            "fix_zh": self.fix_zh or self.fix,
        }

    def in_language(self, lang: str) -> tuple[str, str, str]:
        """(field, message, fix) in ``lang``: the Chinese where the check gave it, else English.

        A Chinese message that names its rows itself (``第 3、5 行 · unit：…``) takes the place of
        the English field, which is then ``""``.
        """
        if lang == "zh" and self.message_zh:
            field = "" if self.message_zh.startswith("第") else self.field
            return field, self.message_zh, self.fix_zh or self.fix
        return self.field, self.message, self.fix


class PackError(EcoledgerError):
    """A region pack is invalid; ``problems`` lists every problem found at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = "\n".join(f"  - {p}" for p in errors)
        super().__init__(f"the region pack has {len(errors)} problem(s):\n{lines}")


class SubmissionError(EcoledgerError):
    """An uploaded statistics file is refused; ``problems`` lists every problem found at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = "\n".join(f"  - {p}" for p in errors)
        super().__init__(f"the upload has {len(errors)} problem(s):\n{lines}")


class ParameterError(EcoledgerError):
    """A parameter table is malformed or lacks a value an item needs."""


class PackBuildError(EcoledgerError):
    """A region pack cannot be built from the given source data."""


class PipelineError(EcoledgerError):
    """A raster pipeline input cannot be used: file, table column or land-cover code named."""


class GridMismatchError(PipelineError):
    """The input rasters of a pipeline are not on one grid (size, transform or CRS differ)."""


class TerrainError(EcoledgerError):
    """A terrain kernel got an input it cannot process (shape, dtype, cell size)."""


class OutputError(EcoledgerError):
    """Results could not be written; nothing partial was left behind."""


class InputError(EcoledgerError):
    """An option or input given on the command line cannot be used (the message says the fix)."""


class InputPathError(InputError):
    """A path given on the command line does not exist or is of the wrong kind."""
