"""Statistics of a region: loading with provenance, allocation to lower units, the template."""

from ecoledger.statistics.allocation import allocate, allocation_rules, weakest
from ecoledger.statistics.load import (
    STATUSES,
    load_statistic_rows,
    load_statistics,
    lookup,
    pivot,
)

__all__ = ["STATUSES", "allocate", "allocation_rules", "load_statistic_rows", "load_statistics",
           "lookup", "pivot", "weakest"]
