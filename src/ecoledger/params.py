"""Versioned parameter and price tables, price-index conversion and overrides.

A parameter table is a CSV with columns ``parameter, key, value, unit, price_year, index,
source, confidence, note``: one row per parameter (and key, e.g. an ecosystem subtype).
``source_zh`` and ``note_zh``, the source and note in Chinese for the zh report and pages, are
optional: where they are empty the English ``source`` and ``note`` are shown.
Prices carry a price year and the index that carries them to the accounting year:
``P_t = P_base × I_t / I_base`` (method notes §5). Users override any row with a table of the
same shape; the run records every value it used, with its source and the table version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger.errors import ParameterError
from ecoledger.messages import register
from ecoledger.tables import data_path

COLUMNS = ["parameter", "key", "value", "unit", "price_year", "index", "source", "source_zh",
           "confidence", "note", "note_zh"]
REQUIRED = ["parameter", "value", "unit", "source"]
DEFAULT_TABLE = "parameters.csv"
DEFAULT_INDEX = "price_index.csv"

register({
    "unreadable": ("{label}：无法读取参数表（{error}）；修改：提供 UTF-8 编码的 CSV 文件",
                   "{label}: cannot read the parameter table ({error})"),
    "columns": ("{label}：缺少列 {missing}；参数表的列为 {columns}（{optional} 可省略）",
                "{label}: columns {missing} are missing; a parameter table has columns "
                "{columns} ({optional} optional)"),
    "value": ("{label}：参数 {names} 的 `value` 字段不是数字；修改：填写数字",
              "{label}: field 'value' is not a number for {names}; write a number"),
    "source": ("{label}：参数 {names} 的 `source` 字段为空；修改：注明来源",
               "{label}: field 'source' is empty for {names}; cite a source"),
    "override_missing": ("{path}：找不到参数覆盖文件；修改：给出已有文件的路径",
                         "{path}: parameter override file not found"),
    "not_in_table": ("参数表中没有参数 `{where}`；修改：在覆盖表中添加一行"
                     "（parameter,key,value,unit,price_year,index,source）",
                     "parameter {where} is not in the parameter table; add a row "
                     "(parameter,key,value,unit,price_year,index,source) in an override table"),
    "unknown_index": ("价格指数 `{index}` 不在 ecoledger/data/{table} 中；修改：在该表中添加此指数",
                      "price index {index!r} is not in ecoledger/data/{table}"),
    "index_years": ("价格指数 `{index}` 缺少 {years} 年；修改：补充 ecoledger/data/{table}，"
                    "或在覆盖表中直接给出 {year} 年价格",
                    "price index {index!r} lacks years {years}: extend ecoledger/data/{table} "
                    "or give the price at {year} prices in an override table"),
}, prefix="params.")


def _read_table(source, label: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several types for unreadable CSV
        raise ParameterError(key="params.unreadable", label=label, error=exc) from exc
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ParameterError(key="params.columns", label=label, missing=missing,
                             columns=", ".join(COLUMNS),
                             optional=", ".join(c for c in COLUMNS if c not in REQUIRED))
    table = table.reindex(columns=COLUMNS, fill_value="")
    values = pd.to_numeric(table["value"], errors="coerce")
    bad = table.loc[values.isna(), "parameter"].tolist()
    if bad:
        raise ParameterError(key="params.value", label=label, names=bad)
    unsourced = table.loc[table["source"].str.strip() == "", "parameter"].tolist()
    if unsourced:
        raise ParameterError(key="params.source", label=label, names=unsourced)
    table["value"] = values
    table["origin"] = label
    return table


@dataclass
class UsedValue:
    parameter: str
    key: str
    value: float
    unit: str
    base_value: float
    price_year: str
    index: str
    source: str
    confidence: str
    origin: str
    note: str = ""
    note_zh: str = ""
    source_zh: str = ""  # the source in Chinese ("" where the table has none: show ``source``)


@dataclass
class Parameters:
    """A parameter table for one accounting year, with overrides applied and usage recorded."""

    table: pd.DataFrame
    price_index: pd.DataFrame
    year: int
    version: str
    used: dict[tuple[str, str], UsedValue] = field(default_factory=dict)

    @classmethod
    def load(cls, year: int, overrides: list[Path] | tuple[Path, ...] = ()) -> Parameters:
        digest = hashlib.sha256()
        with data_path(DEFAULT_TABLE).open("rb") as f:
            raw = f.read()
        digest.update(raw)
        with data_path(DEFAULT_TABLE).open(encoding="utf-8") as f:
            table = _read_table(f, f"ecoledger/data/{DEFAULT_TABLE}")
        for path in overrides:
            path = Path(path)
            if not path.exists():
                raise ParameterError(key="params.override_missing", path=path)
            digest.update(path.read_bytes())
            extra = _read_table(path, str(path))
            keyed = table.set_index(["parameter", "key"])
            extra_keyed = extra.set_index(["parameter", "key"])
            table = pd.concat([keyed.drop(extra_keyed.index, errors="ignore"), extra_keyed])
            table = table.reset_index()
        with data_path(DEFAULT_INDEX).open(encoding="utf-8") as f:
            index = pd.read_csv(f)
        return cls(table=table, price_index=index, year=year, version=digest.hexdigest()[:16])

    def has(self, parameter: str, key: str = "") -> bool:
        rows = self.table
        return bool(((rows["parameter"] == parameter) & (rows["key"] == key)).any())

    def keys(self, parameter: str) -> list[str]:
        return self.table.loc[self.table["parameter"] == parameter, "key"].tolist()

    def get(self, parameter: str, key: str = "") -> float:
        """Value of a parameter in its table unit, carried to the accounting year if a price."""
        rows = self.table[(self.table["parameter"] == parameter) & (self.table["key"] == key)]
        if rows.empty:
            where = f"{parameter}[{key}]" if key else parameter
            raise ParameterError(key="params.not_in_table", where=where)
        row = rows.iloc[-1]
        value = float(row["value"])
        if row["index"] and row["index"] != "none":
            value *= self.index_factor(row["index"], int(row["price_year"]), self.year)
        self.used[(parameter, key)] = UsedValue(
            parameter=parameter, key=key, value=value, unit=row["unit"],
            base_value=float(row["value"]), price_year=row["price_year"], index=row["index"],
            source=row["source"], confidence=row["confidence"], origin=row["origin"],
            note=row["note"], note_zh=row["note_zh"], source_zh=row["source_zh"],
        )
        return value

    def unit(self, parameter: str, key: str = "") -> str:
        rows = self.table[(self.table["parameter"] == parameter) & (self.table["key"] == key)]
        return rows.iloc[-1]["unit"] if not rows.empty else ""

    def by_key(self, parameter: str, keys: list[str]) -> dict[str, float]:
        """Values for the given keys; keys without a row are left out (callers decide)."""
        return {k: self.get(parameter, k) for k in keys if self.has(parameter, k)}

    def index_factor(self, index: str, base_year: int, year: int) -> float:
        """Chain a previous-year = 100 index from ``base_year`` to ``year``."""
        series = self.price_index[self.price_index["index"] == index].set_index("year")["value"]
        if series.empty:
            raise ParameterError(key="params.unknown_index", index=index, table=DEFAULT_INDEX)
        lo, hi = sorted((base_year, year))
        needed = range(lo + 1, hi + 1)
        missing = [y for y in needed if y not in series.index]
        if missing:
            raise ParameterError(key="params.index_years", index=index, years=missing,
                                 table=DEFAULT_INDEX, year=year)
        factor = float(np.prod([series[y] / 100.0 for y in needed])) if needed else 1.0
        return factor if year >= base_year else 1.0 / factor

    def used_table(self) -> pd.DataFrame:
        return pd.DataFrame([vars(v) for v in self.used.values()])
