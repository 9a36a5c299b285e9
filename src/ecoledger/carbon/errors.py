"""The errors of `ecoledger.carbon`: each names the file (or record), the field and the fix."""

from ecoledger.errors import EcoledgerError


class CarbonError(EcoledgerError):
    """Bad carbon input: the message names the file, the row or field, and the fix."""


class LedgerRefused(CarbonError):
    """A carbon-inclusion ledger entry is refused (cap, duplicate evidence, overdraft, unknown action)."""


class ClaimConflict(CarbonError):
    """A claim on tonnes that another claim already holds for an overlapping period."""
