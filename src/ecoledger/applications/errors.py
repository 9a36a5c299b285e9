"""The error every application raises on bad input: the file, the row or field, and the fix."""

from __future__ import annotations

from ecoledger.errors import EcoledgerError


class ApplicationError(EcoledgerError):
    """A rule file, a data table or an input of an application cannot be used."""

    def __init__(self, file: str, field: str, message: str, fix: str):
        self.file, self.field, self.message, self.fix = str(file), field, message, fix
        super().__init__(f"{self.file} · {field}: {message} → fix: {fix}")
