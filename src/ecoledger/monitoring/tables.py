"""The monitoring module's reference tables (``ecoledger/data/monitoring/*.csv``) and their versions.

Every limit, breakpoint, coefficient and setting used by this module is a row of one of these
tables, with its source and a confidence flag (V verified, M from memory: confirm against the
official text before relying on it, missing: no value available). Results record
``table_versions()``: the first 12 hex digits of the SHA-256 of each table's bytes.
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from importlib import resources

import pandas as pd

PACKAGE = "ecoledger.data"
FOLDER = "monitoring"
TABLES = ("gb3838_limits", "hj633_breakpoints", "tli_coefficients", "tli_grades", "parameters",
          "evaluation_settings", "hj663_statistics", "gb3095_annual_limits", "tp_load_coefficients",
          "load_concentration", "seasons", "poyang_inflow_tp", "poyang_inflow_rivers")


@cache
def table_bytes(name: str) -> bytes:
    return resources.files(PACKAGE).joinpath(f"{FOLDER}/{name}.csv").read_bytes()


@cache
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(table_bytes(name)), dtype=str, keep_default_na=False)


def table(name: str) -> pd.DataFrame:
    """A copy of table ``name`` as text (empty cells are "")."""
    return _table(name).copy()


def table_version(name: str) -> str:
    return hashlib.sha256(table_bytes(name)).hexdigest()[:12]


def table_versions() -> dict[str, str]:
    return {name: table_version(name) for name in TABLES}


@cache
def setting(key: str) -> float:
    """A numeric value of ``evaluation_settings.csv``."""
    rows = _table("evaluation_settings").set_index("key")
    return float(rows.loc[key, "value"])
