"""Statistics of a region: loading with provenance, allocation to lower units, the template."""

from ecoledger.statistics.allocation import allocate, allocation_rules, weakest
from ecoledger.statistics.load import (
    STATUSES,
    load_statistic_rows,
    load_statistics,
    lookup,
    pivot,
)
from ecoledger.statistics.template import completed_items, needed_statistics, template_rows

__all__ = ["STATUSES", "allocate", "allocation_rules", "completed_items", "load_statistic_rows",
           "load_statistics", "lookup", "needed_statistics", "pivot", "template_rows", "weakest"]
