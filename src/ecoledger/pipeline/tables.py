"""Small tables without pandas: per-class CSV columns in, result tables out.

Importing pandas costs a fresh process about 0.17 s; the pipelines need only a few numeric
columns of a land-cover table and write tables of a few rows. ``read_numeric_columns`` reads the
plain case (every row as long as the header, numbers written as plain decimals) exactly as
``pandas.read_csv`` does and raises ``Unusual`` for anything else, so that the caller reads the
file with pandas instead; ``Table`` holds a result table, writes it as ``DataFrame.to_csv(index=
False)`` does and prints it like ``DataFrame.to_string(index=False)``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ecoledger.pipeline.vectors import Unusual

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


def read_numeric_columns(path: str | Path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """``{column: values}`` for ``columns`` of the CSV at ``path`` (headers stripped and lower-cased).

    A column of integers is int64, any other float64, as ``pandas.read_csv`` makes them.
    ``Unusual`` unless: UTF-8, one header row with distinct non-empty names, every non-blank row
    as long as the header, and every value of ``columns`` a plain decimal number (no blank, no
    NA marker, no thousands separator, at most 17 significant digits).
    """
    with open(path, encoding="utf-8-sig", newline="") as f:
        try:
            rows = [row for row in csv.reader(f, strict=True) if row]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise Unusual(f"{path}: {exc}") from exc
    if not rows:
        raise Unusual(f"{path}: empty")
    header = [h.strip().lower() for h in rows[0]]
    if any(h == "" for h in rows[0]) or len(set(header)) != len(header) or len(set(rows[0])) != len(header):
        raise Unusual(f"{path}: empty or repeated column names")
    if any(len(row) != len(header) for row in rows[1:]):
        raise Unusual(f"{path}: rows of unequal length")
    out = {}
    for name in columns:
        if name not in header:
            raise Unusual(f"{path}: no column {name!r}")
        j = header.index(name)
        texts = [row[j].strip() for row in rows[1:]]
        if not texts:
            raise Unusual(f"{path}: no rows")
        if all(_INTEGER.match(t) for t in texts):
            out[name] = np.array([int(t) for t in texts], dtype=np.int64)
            continue
        for t in texts:
            digits = len(re.sub(r"[eE].*|[^0-9]", "", t).lstrip("0"))
            if not _NUMBER.match(t) or digits > 17:
                raise Unusual(f"{path}: value {t!r} in column {name!r}")
        out[name] = np.array([float(t) for t in texts], dtype=np.float64)
    return out


class Table:
    """A result table: ``{column: list of values}`` (int, float, str, bool or None)."""

    def __init__(self, columns: Mapping[str, Sequence]):
        self.columns = {name: list(values) for name, values in columns.items()}
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def __getitem__(self, name: str) -> list:
        return self.columns[name]

    def to_csv(self, path: str | Path) -> Path:
        """Write as ``DataFrame.to_csv(path, index=False)``: shortest round-trip floats, blank
        for None/NaN, minimal quoting, ``\\n`` line ends."""
        path = Path(path)
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(self.columns)
            for i in range(len(self)):
                writer.writerow(_csv_value(values[i]) for values in self.columns.values())
        return path

    def to_pandas(self):
        """The table as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.columns)

    def to_string(self) -> str:
        """Right-aligned text columns, floats with 6 decimals (trailing zeros common to the whole
        column trimmed), as ``DataFrame.to_string(index=False)`` prints plain tables."""
        cells = {name: _text_column(values) for name, values in self.columns.items()}
        widths = {name: max([len(name), *map(len, texts)]) for name, texts in cells.items()}
        lines = [" ".join(name.rjust(widths[name]) for name in cells)]
        for i in range(len(self)):
            lines.append(" ".join(cells[name][i].rjust(widths[name]) for name in cells))
        return "\n".join(lines)


def _csv_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return value


def _text_column(values: Sequence) -> list[str]:
    floats = [v for v in values if isinstance(v, float | np.floating)]
    if not floats or len(floats) + sum(v is None for v in values) != len(values):
        return ["NaN" if v is None and floats else str(v) for v in values]
    finite = [abs(v) for v in floats if math.isfinite(v)]
    small = [v for v in finite if v != 0.0]
    scientific = bool(finite) and (max(finite) >= 1e16 or (bool(small) and min(small) < 1e-4))
    style = ".6e" if scientific else ".6f"
    texts = [None if v is None or math.isnan(v) else format(v, style) for v in values]
    if not scientific:
        fixed = [t for t in texts if t is not None and math.isfinite(float(t))]
        while fixed and all(t.endswith("0") and not t.endswith(".0") for t in fixed):
            fixed = [t[:-1] for t in fixed]
            texts = [t[:-1] if t is not None and math.isfinite(float(t)) else t for t in texts]
    return ["NaN" if t is None else t for t in texts]
