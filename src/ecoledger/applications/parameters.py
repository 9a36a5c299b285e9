"""The policy parameters of the applications (`data/applications/policy_parameters.csv`).

Every coefficient a rule uses (purchase rates, factor weights, k0, discount rates) is a row with
its unit, year, region, source and confidence (``memory`` marks values from the method notes
that are still to be checked against their originals). A rule file names a row as
``"param:<id>"`` instead of a number; results record the table's content hash.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import pandas as pd

from ecoledger.applications.errors import ApplicationError

TABLE = "policy_parameters.csv"
PREFIX = "param:"


def _path():
    return resources.files("ecoledger.data") / "applications" / TABLE


@cache
def table() -> pd.DataFrame:
    """The parameter rows, indexed by id."""
    with _path().open("rb") as handle:
        return pd.read_csv(handle, dtype={"id": str}).set_index("id")


@cache
def version() -> str:
    """SHA-256 (first 16 hex digits) of the table file: which table version produced a result."""
    return hashlib.sha256(_path().read_bytes()).hexdigest()[:16]


def value(ref, file: str = TABLE, field: str = "value") -> float:
    """A number from a rule file: a plain number, or ``"param:<id>"`` looked up in the table."""
    if isinstance(ref, bool):
        raise ApplicationError(file, field, f"{ref!r} is not a number", "give a number or \"param:<id>\"")
    if isinstance(ref, int | float):
        return float(ref)
    if isinstance(ref, str) and ref.startswith(PREFIX):
        key = ref[len(PREFIX):]
        if key not in table().index:
            raise ApplicationError(file, field, f"no parameter {key!r} in {TABLE}",
                                   f"use one of: {', '.join(table().index)}")
        return float(table().at[key, "value"])
    raise ApplicationError(file, field, f"{ref!r} is not a number", "give a number or \"param:<id>\"")


def cited(refs: list) -> list[dict]:
    """The table rows a rule used (id, value, unit, source, confidence), for the result's record."""
    keys = sorted({r[len(PREFIX):] for r in refs if isinstance(r, str) and r.startswith(PREFIX)})
    rows = table().loc[[k for k in keys if k in table().index]]
    return [{"id": k, **{c: (None if pd.isna(v) else v) for c, v in row.items()}}
            for k, row in rows.iterrows()]
