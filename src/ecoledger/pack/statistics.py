"""Adding statistics rows to a region pack: the path of ``ecoledger pack add-statistics``.

``add_statistics`` checks the rows with the rules packs and platform uploads share
(``ecoledger.pack.validate.check_statistics_rows``) against the pack's units, refuses rows that
repeat a (code, year, indicator) the pack already has unless ``replace``, and writes the rows as
one new file ``statistics/added-<sha8>.csv`` registered in ``pack.toml``. Any error: every
problem is raised at once (PackError) and nothing is written.

Every file is written to a temporary sibling and renamed over its target. The order makes a
crash part-way safe: the new file first (an unregistered file is harmless), then ``pack.toml``,
then, with ``replace``, the older files without the replaced rows. A crash before the last step
leaves the old and the new value side by side, which validation reports as repeated rows;
a value is never lost.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ecoledger.errors import PackError, Problem
from ecoledger.pack.manifest import MANIFEST, Pack, code_text, load_pack
from ecoledger.pack.validate import (
    FIRST_YEAR,
    STATISTICS_COLUMNS,
    StatisticsRules,
    check_statistics_rows,
)
from ecoledger.statistics.template import completed_items, drop_unfilled, write_atomically

PROVENANCE_COLUMNS = ("status", "method", "quote")
WRITTEN_COLUMNS = (*STATISTICS_COLUMNS, *PROVENANCE_COLUMNS)
ADDED_FOLDER = "statistics"

Key = tuple[str, str, str]  # code, year, indicator


@dataclass
class AddedStatistics:
    """What ``add_statistics`` did: the file written (relative to the pack; None when no row
    was filled in), the rows added, the (code, year, indicator) replaced, the items the rows
    complete per unit and year (``completed_items``), and the warnings (empty sources …)."""

    file: str | None
    rows: int
    replaced: list[Key] = field(default_factory=list)
    completed: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[Problem] = field(default_factory=list)


def pack_units(pack: Pack) -> pd.DataFrame:
    """The pack's units as text columns code, name, level, parent (fields named by ``[units]``)."""
    section = pack.manifest.units
    frame = gpd.read_file(pack.path(section.file), layer=section.layer, engine="pyogrio",
                          ignore_geometry=True)
    out = pd.DataFrame({"code": code_text(frame[section.code]),
                        "name": frame[section.name].astype("string").fillna("").astype(str),
                        "level": frame[section.level].astype("string").fillna("").astype(str),
                        "parent": code_text(frame[section.parent])})
    return out.reset_index(drop=True)


def add_statistics(pack_root: str | Path, rows_frame: pd.DataFrame, replace: bool = False,
                   profile: str = "ndrc2022", label: str = "added rows") -> AddedStatistics:
    """Add statistics rows to the pack at ``pack_root``; raises PackError (nothing written).

    ``rows_frame`` has columns code, year, indicator, value, unit, source and optionally status,
    method, quote (any other column is ignored), as text or numbers; the value is in ``unit``
    (any unit of ``data/units.csv`` converting to the indicator's canonical unit) and is stored
    as given. A ``row`` column gives the row numbers problems name (default: 2, 3 … as in a
    file whose header is row 1); ``label`` names the rows' file in problems. Rows whose value
    and provenance are all empty (unfilled template rows) are dropped. ``profile`` is the
    accounting profile whose items ``completed`` reports.
    """
    pack = load_pack(pack_root)
    table = drop_unfilled(_as_text(rows_frame, label))
    if table.empty:
        return AddedStatistics(file=None, rows=0)
    existing, earlier = _existing_rows(pack)
    units_file = pack.manifest.units.file
    units = pack_units(pack)
    # each unit's level selects the magnitude bounds (a county's GDP is not a province's)
    rules = StatisticsRules(known_codes=set(units["code"]),
                            codes_from=(units_file, units_file), first_year=FIRST_YEAR,
                            last_year=datetime.date.today().year + 1,
                            levels=dict(zip(units["code"], units["level"], strict=True)))
    problems = check_statistics_rows(table, label, rules)
    keys = list(zip(table["code"], table["year"], table["indicator"], strict=True))
    repeated = [(row, key) for row, key in zip(table["row"], keys, strict=True) if key in earlier]
    if repeated and not replace:
        problems.append(_already_in_pack(label, repeated, earlier))
    if any(p.severity == "error" for p in problems):
        raise PackError(problems)
    content = _csv_bytes(table)
    relative = f"{ADDED_FOLDER}/added-{hashlib.sha256(content).hexdigest()[:8]}.csv"
    replaced = [key for _, key in repeated]
    # the same rows added twice land in the same file: it is rewritten whole, not trimmed
    _write(pack, relative, content, {earlier[k][0] for k in replaced} - {relative}, set(replaced))
    completed = completed_items(table, profile, existing=_without(existing, set(replaced)),
                                not_applicable=pack.region.not_applicable)
    return AddedStatistics(file=relative, rows=len(table), replaced=replaced, completed=completed,
                           warnings=[p for p in problems if p.severity != "error"])


# --- reading -------------------------------------------------------------------------------------


def _as_text(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """The statistics columns as stripped text (numbers as typed: 2019, not 2019.0) and ``row``."""
    missing = [c for c in STATISTICS_COLUMNS if c not in frame.columns]
    if missing:
        raise PackError([Problem(label, "columns", f"the rows lack the column(s) {', '.join(missing)}",
                                 f"give columns {', '.join(WRITTEN_COLUMNS)}", "error",
                                 f"缺少列：{'、'.join(missing)}",
                                 f"请提供列 {', '.join(WRITTEN_COLUMNS)}")])
    out = pd.DataFrame({c: _text(frame[c]) if c in frame.columns else ""
                        for c in WRITTEN_COLUMNS}, index=frame.index)
    rows = frame["row"].astype(int) if "row" in frame.columns else range(2, len(frame) + 2)
    return out.assign(row=list(rows)).reset_index(drop=True)


def _text(series: pd.Series) -> pd.Series:
    def shown(value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value).strip()
    return series.astype(object).map(shown).astype(str)


def _existing_rows(pack: Pack) -> tuple[pd.DataFrame, dict[Key, tuple[str, int]]]:
    """The pack's statistics rows (code, year, indicator, value as text) and, per key, the file
    and row it is in (the first, if validation has let a repeat through)."""
    frames, earlier = [], {}
    for relative in pack.manifest.statistics.files:
        path = pack.path(relative)
        if not path.is_file():
            continue  # validation reports it; adding rows does not depend on it
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if not set(STATISTICS_COLUMNS) <= set(frame.columns):
            continue
        frame = frame.assign(file=relative, row=range(2, len(frame) + 2))
        for code, year, indicator, row in zip(frame["code"].str.strip(), frame["year"].str.strip(),
                                              frame["indicator"].str.strip(), frame["row"],
                                              strict=True):
            earlier.setdefault((code, year, indicator), (relative, row))
        frames.append(frame[["code", "year", "indicator", "value", "file"]])
    existing = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["code", "year", "indicator", "value", "file"])
    return existing, earlier


def _without(rows: pd.DataFrame, keys: set[Key]) -> pd.DataFrame:
    if not keys or rows.empty:
        return rows
    own = pd.Series(list(zip(rows["code"].str.strip(), rows["year"].str.strip(),
                             rows["indicator"].str.strip(), strict=True)), index=rows.index)
    return rows[~own.isin(keys)]


def _already_in_pack(label: str, repeated: list[tuple[int, Key]],
                     earlier: dict[Key, tuple[str, int]]) -> Problem:
    rows = [row for row, _ in repeated]
    pairs = [f"row {row} = {earlier[key][0]} row {earlier[key][1]}" for row, key in repeated]
    pairs_zh = [f"第 {row} 行 = {earlier[key][0]} 第 {earlier[key][1]} 行" for row, key in repeated]
    shown = ", ".join(pairs[:10]) + (f" and {len(pairs) - 10} more" if len(pairs) > 10 else "")
    shown_zh = "；".join(pairs_zh[:10]) + (f"等 {len(pairs)} 处" if len(pairs) > 10 else "")
    listed = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
    return Problem(label, f"row{'s' if len(rows) > 1 else ''} {listed} · indicator",
                   f"the pack already has a value for this code, year and indicator: {shown}",
                   "leave these rows out, or add them with --replace (replace=True) to replace "
                   "the pack's values", "error",
                   f"第 {'、'.join(map(str, rows[:10]))} 行 · indicator：数据包中已有相同代码、年份和"
                   f"指标的数值（{shown_zh}）",
                   "请删除这些行；如需替换数据包中的数值，请加 --replace（replace=True）")


# --- writing -------------------------------------------------------------------------------------


def _csv_bytes(table: pd.DataFrame) -> bytes:
    """The rows in the pack's statistics format; an empty status is written as reported."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WRITTEN_COLUMNS)
    status = table["status"].where(table["status"] != "", "reported")
    for record in table.assign(status=status)[list(WRITTEN_COLUMNS)].itertuples(index=False):
        writer.writerow(record)
    return out.getvalue().encode("utf-8")


def _write(pack: Pack, relative: str, content: bytes, rewritten: set[str],
           replaced: set[Key]) -> None:
    """New file, then the manifest, then the older files without the replaced rows."""
    manifest_path = pack.root / MANIFEST
    manifest = _registered(manifest_path.read_text(encoding="utf-8"), relative)
    # prepare every file before the first rename, so a refusal leaves the pack untouched
    trimmed = {name: _trimmed(pack.path(name), replaced) for name in sorted(rewritten)}
    write_atomically(pack.path(relative), content)
    if manifest is not None:
        write_atomically(manifest_path, manifest.encode("utf-8"))
    for name, text in trimmed.items():
        write_atomically(pack.path(name), text)


def _trimmed(path: Path, replaced: set[Key]) -> bytes:
    """The statistics file at ``path`` without the rows of ``replaced``, otherwise as it was."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    keys = zip(frame["code"].str.strip(), frame["year"].str.strip(),
               frame["indicator"].str.strip(), strict=True)
    kept = frame[[key not in replaced for key in keys]]
    return kept.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _registered(text: str, relative: str) -> str | None:
    """``pack.toml`` text with ``relative`` appended to ``[statistics] files`` (None: listed
    already). The rest of the text, comments included, is kept; the result is checked by parsing
    it again."""
    before = tomllib.loads(text)
    files = list(before.get("statistics", {}).get("files", []))
    if relative in files:
        return None
    literal = "files = [" + ", ".join(json.dumps(f, ensure_ascii=False)
                                      for f in [*files, relative]) + "]"
    header = re.search(r"(?m)^[ \t]*\[statistics\][ \t]*(#.*)?$", text)
    if header is None:
        updated = text.rstrip("\n") + f"\n\n[statistics]\n{literal}\n"
    else:
        following = re.search(r"(?m)^[ \t]*\[", text[header.end():])
        end = header.end() + following.start() if following else len(text)
        body = text[header.end():end]
        entry = re.search(r"(?ms)^[ \t]*files[ \t]*=[ \t]*\[.*?\]", body)
        body = (body[:entry.start()] + literal + body[entry.end():] if entry
                else "\n" + literal + body)
        updated = text[:header.end()] + body + text[end:]
    expected = {**before, "statistics": {**before.get("statistics", {}),
                                         "files": [*files, relative]}}
    if _parsed(updated) != expected:
        raise PackError([Problem(MANIFEST, "statistics.files",
                                 "the manifest's [statistics] section cannot be updated safely",
                                 f'add "{relative}" to [statistics] files by hand', "error",
                                 "无法安全地更新 pack.toml 的 [statistics] 部分",
                                 f'请手动将 "{relative}" 加入 [statistics] files')])
    return updated


def _parsed(text: str) -> dict | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
