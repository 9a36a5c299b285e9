"""The range of every uncertain input: parameter rows and derived layers.

``data/parameter_ranges.csv`` gives each row of ``data/parameters.csv`` (same ``parameter`` and
``key``) a distribution (``uniform``, ``triangular`` with its mode at the table value, or
``fixed``) and ``low``/``high`` in the parameter's own unit and price year, with where the range
comes from: the documents that disagree (``documents:``), a literature interval (``literature:``),
the rule of ``data/range_assumptions.csv`` by confidence class (``assumed:``), or a definitional
or conventional constant (``fixed:``). ``data/layer_ranges.csv`` gives each derived input layer a
multiplicative factor range around 1 (``measured:`` where the pack's data allow a comparison).
``range_source_zh`` renders the source in Chinese for the zh report; it is optional in a range
file (a user's rows without it have it empty, and the English source is shown).

``parameter_ranges`` returns them for a loaded ``Parameters``: values as ``Parameters.get``
returns them (price-indexed to the accounting year) and the ends scaled by the same factor.
Range files passed as ``extra`` (same columns) take precedence; a parameter value overridden
without a range row of its own keeps the bundled range's relative width around the new value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ecoledger.errors import ParameterError
from ecoledger.params import DEFAULT_TABLE, Parameters, _read_table
from ecoledger.tables import data_path

PARAMETER_RANGES = "parameter_ranges.csv"
LAYER_RANGES = "layer_ranges.csv"
ASSUMPTIONS = "range_assumptions.csv"
DISTRIBUTIONS = ("uniform", "triangular", "fixed")
PARAMETER_COLUMNS = ["parameter", "key", "distribution", "low", "high", "range_source",
                     "range_source_zh", "range_note", "range_note_zh"]
LAYER_COLUMNS = ["layer", "distribution", "low", "high", "range_source", "range_source_zh",
                 "range_note", "range_note_zh"]
OPTIONAL_COLUMNS = ("range_source_zh", "range_note", "range_note_zh")  # empty when a file lacks them
OUTPUT_COLUMNS = ["name", "parameter", "key", "value", "low", "high", "distribution",
                  "range_source", "range_source_zh"]
LAYER_OUTPUT_COLUMNS = ["name", "layer", "value", "low", "high", "distribution", "range_source",
                        "range_source_zh"]
FIX = "add a row to parameter_ranges.csv or pass --ranges FILE"
LAYER_FIX = "add a row to layer_ranges.csv or pass --ranges FILE"
_TOLERANCE = 1e-9  # relative: table values and range ends are printed to 6 significant digits


def parameter_ranges(params: Parameters, extra: Iterable[Path | str] = ()) -> pd.DataFrame:
    """One row per parameter row ``params`` holds: ``OUTPUT_COLUMNS``.

    ``value`` is the value ``params.get`` returns; ``low`` and ``high`` are scaled by the same
    price-index factor. Rows of ``extra`` range files win over the bundled ones. Raises
    ``ParameterError`` naming file, row, field and fix for a bad range row, and naming the
    parameter file, parameter and key for a parameter row without a range.
    """
    extra = list(extra)
    bundled_label = f"ecoledger/data/{PARAMETER_RANGES}"
    with data_path(PARAMETER_RANGES).open(encoding="utf-8") as f:
        bundled = _read_ranges(f, bundled_label, PARAMETER_COLUMNS, ("parameter", "key"), FIX)
    given = [_read_ranges(Path(p), str(p), PARAMETER_COLUMNS, ("parameter", "key"), FIX)
             for p in _existing(extra, FIX)]
    with data_path(DEFAULT_TABLE).open(encoding="utf-8") as f:
        defaults = _read_table(f, f"ecoledger/data/{DEFAULT_TABLE}")
    default_value = {(r.parameter, r.key): float(r.value) for r in defaults.itertuples()}

    table = params.table.drop_duplicates(["parameter", "key"], keep="last")
    held = set(zip(table["parameter"], table["key"], strict=True))
    chosen: dict[tuple[str, str], dict] = {}
    for ranges in given:  # later files win, as parameter overrides do
        for row in ranges.itertuples(index=False):
            if (row.parameter, row.key) not in held:
                raise ParameterError(
                    f"{row.origin}, row {row.line}, field 'parameter': "
                    f"{_name(row.parameter, row.key)} is not in the parameter table; correct "
                    "the parameter and key or remove the row")
            chosen[row.parameter, row.key] = row._asdict()
    bundled_rows = {(r.parameter, r.key): r._asdict() for r in bundled.itertuples(index=False)}

    rows, lacking, problems = [], [], []
    for row in table.itertuples(index=False):
        where = (row.parameter, row.key)
        base = float(row.value)
        factor = 1.0
        if row.index and row.index != "none":
            factor = params.index_factor(row.index, int(row.price_year), params.year)
        rng = chosen.get(where)
        if rng is not None:
            low, high = rng["low"], rng["high"]
            problems += _contains(rng, base, "the parameter value", row.origin)
        elif where in bundled_rows:
            rng = bundled_rows[where]
            reference = default_value.get(where)
            if reference is None:  # a row the bundled table lacks: the range is absolute
                reference = base
                problems += _contains(rng, base, "the parameter value", row.origin)
            else:
                problems += _contains(rng, reference, "the value", f"ecoledger/data/{DEFAULT_TABLE}")
            low, high, problem = _relative(rng, reference, base, row.origin)
            problems += problem
        else:
            lacking.append(f"{row.origin}: parameter {row.parameter!r}, key {row.key!r}")
            continue
        rows.append({"name": _name(row.parameter, row.key), "parameter": row.parameter,
                     "key": row.key, "value": base * factor, "low": low * factor,
                     "high": high * factor, "distribution": rng["distribution"],
                     "range_source": rng["range_source"],
                     "range_source_zh": rng["range_source_zh"]})
    if lacking:
        files = ", ".join([bundled_label, *map(str, extra)])
        raise ParameterError(
            f"{len(lacking)} parameter row(s) have no uncertainty range in {files}:\n  - "
            + "\n  - ".join(lacking) + f"\nfix: {FIX}")
    if problems:
        raise ParameterError("\n".join(problems))
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def layer_ranges(extra: Iterable[Path | str] = ()) -> pd.DataFrame:
    """One row per layer with a range: ``LAYER_OUTPUT_COLUMNS``; ``value`` is 1 and ``low``,
    ``high`` are multiplicative factors on the layer. Rows of ``extra`` files win."""
    from ecoledger.layers import LAYERS

    with data_path(LAYER_RANGES).open(encoding="utf-8") as f:
        tables = [_read_ranges(f, f"ecoledger/data/{LAYER_RANGES}", LAYER_COLUMNS, ("layer",),
                               LAYER_FIX)]
    tables += [_read_ranges(Path(p), str(p), LAYER_COLUMNS, ("layer",), LAYER_FIX)
               for p in _existing(extra, LAYER_FIX)]
    chosen: dict[str, dict] = {}
    problems: list[str] = []
    for table in tables:
        for row in table.itertuples(index=False):
            if row.layer not in LAYERS:
                problems.append(f"{row.origin}, row {row.line}, field 'layer': {row.layer!r} is "
                                f"not a layer of the catalogue ({', '.join(sorted(LAYERS))}); "
                                "correct the name")
                continue
            rng = row._asdict()
            problems += _contains(rng, 1.0, "the factor 1", row.origin)
            if rng["low"] < 0:
                problems.append(f"{row.origin}, row {row.line}, field 'low': a factor on a layer "
                                f"cannot be negative ({rng['low']:g}); write a factor ≥ 0")
            chosen[row.layer] = rng
    if problems:
        raise ParameterError("\n".join(problems))
    rows = [{"name": f"layer:{layer}", "layer": layer, "value": 1.0, "low": r["low"],
             "high": r["high"], "distribution": r["distribution"],
             "range_source": r["range_source"], "range_source_zh": r["range_source_zh"]}
            for layer, r in chosen.items()]
    return pd.DataFrame(rows, columns=LAYER_OUTPUT_COLUMNS)


def collapsed(ranges: pd.DataFrame) -> pd.DataFrame:
    """``ranges`` with every range shrunk to its value (layers: 1), distribution ``fixed``."""
    out = ranges.copy()
    point = out["value"] if "value" in out.columns else pd.Series(1.0, index=out.index)
    out["low"] = point.astype(float)
    out["high"] = point.astype(float)
    out["distribution"] = "fixed"
    return out


def assumptions() -> pd.DataFrame:
    """The rule for assumed ranges: confidence class → relative half-width (``half_width``)."""
    with data_path(ASSUMPTIONS).open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    table["half_width"] = pd.to_numeric(table["half_width"])
    return table.set_index("confidence")


# -- reading and checking ---------------------------------------------------------------------

def _name(parameter: str, key: str) -> str:
    return f"{parameter}[{key}]" if key else parameter


def _existing(paths: Iterable[Path | str], fix: str) -> list[Path]:
    out = []
    for path in map(Path, paths):
        if not path.is_file():
            raise ParameterError(f"{path}: range file not found; give an existing file ({fix})")
        out.append(path)
    return out


def _read_ranges(source, label: str, columns: list[str], keys: tuple[str, ...],
                 fix: str) -> pd.DataFrame:
    """A range table with ``low``/``high`` as floats, ``origin`` (the file) and ``line`` (its
    line in the file, header = 1). Every bad row is named at once."""
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several types for unreadable CSV
        raise ParameterError(f"{label}: cannot read the range table ({exc}); write a CSV with "
                             f"columns {', '.join(columns)}") from exc
    missing = [c for c in columns if c not in table.columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ParameterError(f"{label}, field(s) {missing}: missing; a range table has columns "
                             f"{', '.join(columns)}")
    table = table.reindex(columns=columns, fill_value="")
    for column in columns:
        table[column] = table[column].str.strip()
    table["origin"] = label
    table["line"] = range(2, len(table) + 2)
    problems = []
    for row in table.itertuples(index=False):
        where = f"{label}, row {row.line}"
        if row.distribution not in DISTRIBUTIONS:
            problems.append(f"{where}, field 'distribution': {row.distribution!r} is not one of "
                            f"{', '.join(DISTRIBUTIONS)}; write one of them")
        for end in ("low", "high"):
            text = getattr(row, end)
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                problems.append(f"{where}, field '{end}': {text!r} is not a number; write a number "
                                "in the parameter's own unit (layers: a factor)")
        if not row.range_source:
            problems.append(f"{where}, field 'range_source': empty; cite the documents or "
                            "literature, or write 'assumed: …' with the rule of "
                            f"{ASSUMPTIONS}")
    duplicated = table[table.duplicated(list(keys), keep=False)]
    for _, group in duplicated.groupby(list(keys)):
        lines = ", ".join(map(str, group["line"]))
        problems.append(f"{label}, rows {lines}, field '{keys[0]}': the same "
                        f"{' and '.join(keys)} twice; keep one row")
    if problems:
        raise ParameterError("\n".join(problems))
    table["low"] = table["low"].astype(float)
    table["high"] = table["high"].astype(float)
    bad = table[table["low"] > table["high"]]
    fixed = table[(table["distribution"] == "fixed") & (table["low"] != table["high"])]
    problems = [f"{r.origin}, row {r.line}, field 'low': low {r.low:g} > high {r.high:g}; swap "
                "them or correct the range" for r in bad.itertuples(index=False)]
    problems += [f"{r.origin}, row {r.line}, field 'high': distribution 'fixed' needs low = high "
                 f"(= the value), got {r.low:g} and {r.high:g}; set both to the value or choose "
                 "uniform or triangular" for r in fixed.itertuples(index=False)]
    if problems:
        raise ParameterError("\n".join(problems))
    return table


def _contains(rng: dict, value: float, what: str, value_file: str) -> list[str]:
    """Problems if ``value`` lies outside [low, high] of the range row ``rng``."""
    slack = _TOLERANCE * max(abs(value), abs(rng["low"]), abs(rng["high"]), 1e-300)
    where = f"{rng['origin']}, row {rng['line']}"
    if rng["low"] > value + slack:
        return [f"{where}, field 'low': low {rng['low']:g} is above {what} {value:g} "
                f"({value_file}); a range must contain its value: lower 'low' or correct the value"]
    if rng["high"] < value - slack:
        return [f"{where}, field 'high': high {rng['high']:g} is below {what} {value:g} "
                f"({value_file}); a range must contain its value: raise 'high' or correct the value"]
    return []


def _relative(rng: dict, reference: float, value: float, value_file: str
              ) -> tuple[float, float, list[str]]:
    """The range ``rng`` (around ``reference``) moved to ``value``, keeping its relative width."""
    if value == reference:
        return rng["low"], rng["high"], []
    if rng["distribution"] == "fixed":
        return value, value, []
    if reference == 0:
        return value, value, [
            f"{value_file}: {_name(rng['parameter'], rng['key'])} is overridden with {value:g}, "
            f"but its range ({rng['origin']}, row {rng['line']}) is around 0, so its relative "
            f"width cannot carry over; {FIX}"]
    ends = sorted((value * rng["low"] / reference, value * rng["high"] / reference))
    return ends[0], ends[1], []
