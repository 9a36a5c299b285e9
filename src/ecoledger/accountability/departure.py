"""Natural-resource-asset departure audit of a leader (领导干部自然资源资产离任审计), from the accounts.

``departure_audit(unit, start, end, accounts, extent=None, indicators=None)`` compares one unit
(county, city or province code) between the account folder of the term's start year and that of
its end year (``ecoledger account`` outputs: ``accounts.csv``, ``run.json``, ``tables/``), and
returns a ``DepartureAudit`` with these tables:

* ``assets``: extent by ecosystem type (km²), opening (start) and closing (end) and the change,
  from the SEEA extent account (``ecoledger seea extent``) when given, else from each run's
  ``tables/T1_extent.csv``;
* ``items``: each GEP item's physical quantity, unit price and value at start and end, the
  change, and its split into a quantity effect and a price effect (``decomposition``); an item
  missing in either year stays missing (no change is computed);
* ``declined``: the items whose value fell, with the larger effect and the inputs that changed;
* ``drivers``: the inputs that changed between the two runs (``drivers``): layers (land cover,
  climate), statistics, prices, and the parameter-table version;
* ``indicators``: the unit's indicator values at start and end from ``indicator_values.csv``
  (``ecoledger targets``), when given.

The GEP of the unit is the ``all`` row sum of the items present (as ``summary.json`` counts it);
``gep`` also gives the change and its quantity and price effects summed over the items present
in both years. Nothing is filled in: a missing item or indicator is reported missing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ecoledger.accountability.decomposition import relative_change, value_change_effects
from ecoledger.errors import EcoledgerError
from ecoledger.messages import register

ALL = "all"
REL_TOL = 1e-9  # below this relative difference two account numbers are the same number

register(
    {
        "no_run": (
            "没有 {year} 年的核算结果：给出的文件夹 {given} 中没有 `run.json` 的 `year` 为 {year} 的；"
            "请用 `--accounts` 加上该年的核算结果文件夹（`ecoledger account` 的输出）。",
            "no account folder for {year}: none of {given} has a run.json with year {year}; add that "
            "year's account folder (output of ecoledger account) with --accounts.",
        ),
        "not_account": (
            "{folder} 不是核算结果文件夹：缺少 {missing}；请给出 `ecoledger account` 的输出文件夹。",
            "{folder} is not an account folder: {missing} is missing; give an output folder of "
            "ecoledger account.",
        ),
        "unknown_unit": (
            "{file} 中没有行政区划代码 {unit}：请检查 `--unit`（县、市或省的 6 位代码，如 360881）。",
            "{file} has no unit with code {unit}: check --unit (the 6-digit code of a county, city or "
            "province, e.g. 360881).",
        ),
        "bad_term": (
            "任期起始年 {start} 必须早于结束年 {end}：请检查 `--start` 与 `--end`。",
            "the term's start year {start} must come before its end year {end}: check --start and --end.",
        ),
        "bad_indicators": (
            "{file} 缺少列 {missing}：指标值表需要 code, year, indicator, value 等列"
            "（`ecoledger targets` 的 `indicator_values.csv`）。",
            "{file} lacks the columns {missing}: the indicator table needs code, year, indicator, value "
            "(indicator_values.csv of ecoledger targets).",
        ),
    },
    prefix="audit.departure.",
)


class AuditError(EcoledgerError):
    """An input of a departure audit cannot be used (the message names the file and the fix)."""


@dataclass
class Run:
    """One account folder: its year, its ``run.json`` and its ``accounts.csv`` rows."""

    folder: Path
    year: int
    meta: dict
    accounts: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame | None:
        path = self.folder / "tables" / f"{name}.csv"
        return pd.read_csv(path, dtype={"code": str, "adcode": str}) if path.is_file() else None


@dataclass
class DepartureAudit:
    """A departure audit (module docstring): the unit, the term and the tables."""

    unit: str
    unit_name: str
    level: str
    start: int
    end: int
    assets: pd.DataFrame
    items: pd.DataFrame
    declined: pd.DataFrame
    drivers: pd.DataFrame
    indicators: pd.DataFrame
    gep: dict
    sources: dict = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict:
        """The numbers a report quotes: GEP at start and end, its change, extent change, declines."""
        return {
            "unit": self.unit,
            "unit_name": self.unit_name,
            "start": self.start,
            "end": self.end,
            **{f"gep_{k}": v for k, v in self.gep.items() if not isinstance(v, list)},
            "extent_change_km2": float(self.assets["change_km2"].abs().sum()) if len(self.assets) else None,
            "declined_items": list(self.declined["item"]),
            "missing_items": self.gep.get("missing_items", []),
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
        }


# --- reading ----------------------------------------------------------------------------------


def read_run(folder: str | Path) -> Run:
    """The account folder ``folder`` (``run.json`` and ``accounts.csv``)."""
    folder = Path(folder)
    for name in ("run.json", "accounts.csv"):
        if not (folder / name).is_file():
            raise AuditError(key="audit.departure.not_account", folder=str(folder), missing=name)
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    accounts = pd.read_csv(folder / "accounts.csv", dtype={"adcode": str})
    return Run(folder, int(meta["year"]), meta, accounts)


def runs_by_year(folders) -> dict[int, Run]:
    """The account folders by the year their ``run.json`` records (a later folder wins)."""
    return {run.year: run for run in (read_run(f) for f in folders)}


# --- the item table ---------------------------------------------------------------------------


def _unit_rows(run: Run, unit: str) -> pd.DataFrame:
    rows = run.accounts[(run.accounts["adcode"] == unit) & (run.accounts["ecosystem"] == ALL)]
    if rows.empty:
        raise AuditError(key="audit.departure.unknown_unit", file=str(run.folder / "accounts.csv"), unit=unit)
    return rows.set_index("item")


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def unit_price(quantity: float, price: float, value: float) -> float:
    """The price that makes quantity × price the recorded value (yuan per physical unit): the
    account's unit price when it does (within ``REL_TOL``), else value / quantity; the account's
    price when the quantity is 0 (nothing to check it against)."""
    if math.isnan(quantity) or math.isnan(value):
        return price
    if quantity == 0:
        return price
    if not math.isnan(price) and math.isclose(quantity * price, value, rel_tol=1e-6, abs_tol=1e-6):
        return price
    return value / quantity


def item_changes(start_rows: pd.DataFrame, end_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per item of either year (the ``all`` rows of one unit): quantity, price and value
    at start (``_0``) and end (``_1``), ``change_yuan``, ``change_share`` (fraction of the start
    value), ``quantity_effect_yuan`` and ``price_effect_yuan`` (summing to the change) and
    ``status`` (``compared`` or ``missing``: an item missing in either year gets no change)."""
    items = list(dict.fromkeys([*start_rows.index, *end_rows.index]))
    rows = []
    for item in items:
        a = start_rows.loc[item] if item in start_rows.index else None
        b = end_rows.loc[item] if item in end_rows.index else None
        ref = b if b is not None else a
        row = {
            "item": item,
            "item_zh": ref.get("item_zh", item),
            "group": ref.get("group", ""),
            "physical_unit": ref.get("physical_unit", ""),
            "price_unit": ref.get("price_unit", ""),
        }
        values = {}
        for suffix, r in (("0", a), ("1", b)):
            q = _number(r["physical_value"]) if r is not None else math.nan
            v = _number(r["value_yuan"]) if r is not None else math.nan
            p = unit_price(q, _number(r["unit_price"]) if r is not None else math.nan, v)
            status = str(r["data_status"]) if r is not None else "missing"
            values[suffix] = (q, p, v, status)
            row.update(
                {
                    f"quantity_{suffix}": q,
                    f"price_{suffix}": p,
                    f"value_{suffix}": v,
                    f"data_status_{suffix}": status,
                }
            )
        (q0, p0, v0, s0), (q1, p1, v1, s1) = values["0"], values["1"]
        present = not (math.isnan(v0) or math.isnan(v1) or s0 == "missing" or s1 == "missing")
        row["status"] = "compared" if present else "missing"
        if present:
            if math.isnan(p0):
                p0 = p1
            if math.isnan(p1):
                p1 = p0
            q_effect, p_effect = value_change_effects(q0, p0, q1, p1)
            if math.isnan(q_effect + p_effect):  # no quantity: the change cannot be split
                q_effect, p_effect = (0.0, 0.0) if v1 == v0 else (math.nan, math.nan)
            row.update(
                {
                    "change_yuan": v1 - v0,
                    "change_share": relative_change(v0, v1),
                    "quantity_change": q1 - q0,
                    "quantity_change_share": relative_change(q0, q1),
                    "price_change_share": relative_change(p0, p1),
                    "quantity_effect_yuan": q_effect,
                    "price_effect_yuan": p_effect,
                }
            )
        rows.append(row)
    columns = [
        "item",
        "item_zh",
        "group",
        "physical_unit",
        "price_unit",
        "quantity_0",
        "price_0",
        "value_0",
        "data_status_0",
        "quantity_1",
        "price_1",
        "value_1",
        "data_status_1",
        "status",
        "change_yuan",
        "change_share",
        "quantity_change",
        "quantity_change_share",
        "price_change_share",
        "quantity_effect_yuan",
        "price_effect_yuan",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def declined(items: pd.DataFrame) -> pd.DataFrame:
    """The compared items whose value fell (change below −``REL_TOL`` of the start value), largest
    fall first, with ``main_effect``: ``quantity`` or ``price``, whichever effect is more negative."""
    compared = items[items["status"] == "compared"]
    tolerance = REL_TOL * compared["value_0"].abs().clip(lower=1.0)
    fell = compared[compared["change_yuan"] < -tolerance].copy()
    fell["main_effect"] = [
        "quantity" if q <= p else "price"
        for q, p in zip(
            fell["quantity_effect_yuan"].fillna(0), fell["price_effect_yuan"].fillna(0), strict=True
        )
    ]
    return fell.sort_values("change_yuan").reset_index(drop=True)


def decline_reason(row: dict, drivers: pd.DataFrame, lang: str = "zh") -> str:
    """Why an item of ``declined`` fell, in words: the change, its two effects, the main one, and
    the changed inputs it depends on with their start and end (``drivers.describe_input``)."""
    from ecoledger.accountability.drivers import describe_input

    tokens = [t for t in str(row.get("changed_inputs") or "").split(";") if t]
    inputs = [describe_input(t, drivers, lang) for t in tokens]
    change, q, p = row["change_yuan"], row["quantity_effect_yuan"], row["price_effect_yuan"]
    if lang == "zh":
        main = "实物量减少" if row["main_effect"] == "quantity" else "单价下降"
        text = f"价值减少 {-change:,.0f} 元（实物量效应 {q:+,.0f} 元，价格效应 {p:+,.0f} 元），主要因{main}；"
        return text + (
            "变化了的输入：" + "；".join(inputs) if inputs else "两次核算记录的输入中未见与之相关的变化。"
        )
    main = "a smaller quantity" if row["main_effect"] == "quantity" else "a lower unit price"
    text = (
        f"value fell by {-change:,.0f} yuan (quantity effect {q:+,.0f}, price effect {p:+,.0f}), "
        f"mainly {main}; "
    )
    return text + (
        "inputs that changed: " + "; ".join(inputs) if inputs else "no related input of the two runs changed."
    )


def gep_change(items: pd.DataFrame) -> dict:
    """GEP at start and end (sum of the items present that year, yuan), its change, and the change
    and effects over the items present in both years (those two sums are comparable)."""
    compared = items[items["status"] == "compared"]
    start = float(items["value_0"].sum(min_count=1))
    end = float(items["value_1"].sum(min_count=1))
    return {
        "start_yuan": start,
        "end_yuan": end,
        "change_yuan": end - start,
        "change_share": relative_change(start, end),
        "compared_change_yuan": float(compared["change_yuan"].sum()),
        "quantity_effect_yuan": float(compared["quantity_effect_yuan"].sum()),
        "price_effect_yuan": float(compared["price_effect_yuan"].sum()),
        "missing_items": sorted(items.loc[items["status"] == "missing", "item"]),
    }


# --- assets (extent) --------------------------------------------------------------------------

EXTENT_ENTRIES = {
    "opening extent": "opening_km2",
    "additions to extent": "additions_km2",
    "reductions in extent": "reductions_km2",
    "net change in extent": "change_km2",
    "closing extent": "closing_km2",
}


def _long_extent(wide: pd.DataFrame) -> pd.DataFrame:
    """Columns ``forest (km²)`` or ``forest_km2`` → one row per ecosystem type."""
    out = {}
    for column in wide.columns:
        name = str(column)
        for suffix in (" (km²)", "_km2"):
            if name.endswith(suffix):
                out[name[: -len(suffix)]] = column
    return out


def assets_from_extent(folder: str | Path, unit: str) -> tuple[pd.DataFrame, dict]:
    """Extent by type of ``unit`` from a SEEA extent account folder (``extent_account.en.csv``,
    ``seea.json``): opening, additions, reductions, net change, closing (km²); and its metadata."""
    folder = Path(folder)
    path = folder / "extent_account.en.csv"
    if not path.is_file():
        raise AuditError(key="audit.departure.not_account", folder=str(folder), missing=path.name)
    meta = (
        json.loads((folder / "seea.json").read_text(encoding="utf-8"))
        if (folder / "seea.json").is_file()
        else {}
    )
    table = pd.read_csv(path, dtype={"adcode": str})
    rows = table[table["adcode"] == unit]
    if rows.empty:
        raise AuditError(key="audit.departure.unknown_unit", file=str(path), unit=unit)
    types = _long_extent(rows)
    out = []
    for ecosystem, column in types.items():
        record = {"ecosystem": ecosystem}
        for _, r in rows.iterrows():
            entry = str(r["account entry"])
            for prefix, key in EXTENT_ENTRIES.items():
                if entry.startswith(prefix):
                    record[key] = _number(r[column])
        out.append(record)
    frame = pd.DataFrame(out)
    frame["change_share"] = [
        relative_change(a, b) for a, b in zip(frame["opening_km2"], frame["closing_km2"], strict=True)
    ]
    frame["source"] = str(path)
    return frame, meta


def assets_from_runs(start: Run, end: Run, unit: str) -> pd.DataFrame:
    """Extent by type of ``unit`` from each run's ``tables/T1_extent.csv`` (km²): used without a
    SEEA extent account; additions and reductions are not known from two totals and stay missing."""
    frames = []
    for run in (start, end):
        table = run.table("T1_extent")
        if table is None:
            raise AuditError(
                key="audit.departure.not_account", folder=str(run.folder), missing="tables/T1_extent.csv"
            )
        rows = table[table["adcode"] == unit]
        if rows.empty:
            raise AuditError(
                key="audit.departure.unknown_unit", file=str(run.folder / "tables/T1_extent.csv"), unit=unit
            )
        frames.append({k: _number(rows.iloc[0][c]) for k, c in _long_extent(rows).items()})
    types = list(dict.fromkeys([*frames[0], *frames[1]]))
    frame = pd.DataFrame(
        {
            "ecosystem": types,
            "opening_km2": [frames[0].get(t, math.nan) for t in types],
            "closing_km2": [frames[1].get(t, math.nan) for t in types],
        }
    )
    frame["change_km2"] = frame["closing_km2"] - frame["opening_km2"]
    frame["change_share"] = [
        relative_change(a, b) for a, b in zip(frame["opening_km2"], frame["closing_km2"], strict=True)
    ]
    frame["source"] = f"{start.folder}/tables/T1_extent.csv; {end.folder}/tables/T1_extent.csv"
    return frame


# --- indicators -------------------------------------------------------------------------------

INDICATOR_COLUMNS = ("code", "year", "indicator", "value")


CHANGE_COLUMNS = [  # the indicator-change table
    "indicator", "unit", "value_0", "status_0", "source_0", "reason_0",
    "value_1", "status_1", "source_1", "reason_1", "change", "change_share",
]


def indicator_changes(path: str | Path, unit: str, start: int, end: int) -> pd.DataFrame:
    """The unit's indicators at the start and end years from ``indicator_values.csv`` (columns
    code, unit_name, level, year, indicator, value, unit, status, source_title, source_url, quote,
    reason): one row per indicator, value at start and end (missing stays missing), the change."""
    path = Path(path)
    table = pd.read_csv(path, dtype={"code": str})
    lacking = [c for c in INDICATOR_COLUMNS if c not in table.columns]
    if lacking:
        raise AuditError(key="audit.departure.bad_indicators", file=str(path), missing=", ".join(lacking))
    rows = table[table["code"] == unit].copy()
    rows["year"] = pd.to_numeric(rows["year"], errors="coerce")
    out = []
    for indicator, group in rows.groupby("indicator", sort=True):
        record = {"indicator": indicator, "unit": _first(group, "unit")}
        for suffix, year in (("0", start), ("1", end)):
            found = group[group["year"] == year]
            record[f"value_{suffix}"] = _number(found.iloc[0]["value"]) if len(found) else math.nan
            record[f"status_{suffix}"] = _first(found, "status") or ("missing" if found.empty else "")
            record[f"source_{suffix}"] = _first(found, "source_url") or _first(found, "source_title")
            record[f"reason_{suffix}"] = _first(found, "reason")
        record["change"] = record["value_1"] - record["value_0"]
        record["change_share"] = relative_change(record["value_0"], record["value_1"])
        out.append(record)
    return pd.DataFrame(out).reindex(columns=CHANGE_COLUMNS)


def _first(frame: pd.DataFrame, column: str) -> str:
    if column not in frame.columns or frame.empty:
        return ""
    value = frame.iloc[0][column]
    return "" if pd.isna(value) else str(value)


# --- the audit --------------------------------------------------------------------------------


def departure_audit(
    unit: str,
    start: int,
    end: int,
    accounts,
    extent: str | Path | None = None,
    indicators: str | Path | None = None,
) -> DepartureAudit:
    """The departure audit of ``unit`` over the term ``start``–``end`` (years) from the account
    folders ``accounts`` (one per year, at least the two ends), the SEEA extent account folder
    ``extent`` and the indicator table ``indicators`` (module docstring)."""
    from ecoledger.accountability.drivers import input_changes, item_drivers

    unit = str(unit)
    if start >= end:
        raise AuditError(key="audit.departure.bad_term", start=start, end=end)
    folders = [Path(f) for f in accounts]
    runs = runs_by_year(folders)
    for year in (start, end):
        if year not in runs:
            raise AuditError(
                key="audit.departure.no_run", year=year, given=", ".join(str(f) for f in folders) or "—"
            )
    run0, run1 = runs[start], runs[end]
    rows0, rows1 = _unit_rows(run0, unit), _unit_rows(run1, unit)
    items = item_changes(rows0, rows1)
    drivers = input_changes(run0, run1, unit)
    items["changed_inputs"] = [item_drivers(item, drivers) for item in items["item"]]
    fell = declined(items)
    for lang in ("zh", "en"):
        fell[f"reason_{lang}"] = [decline_reason(r, drivers, lang) for r in fell.to_dict("records")]
    notes: list[tuple[str, str]] = []
    if extent is not None:
        assets, extent_meta = assets_from_extent(extent, unit)
        years = extent_meta.get("years") or []
        if years and (min(years) != start or max(years) != end):
            notes.append(
                (
                    f"面积账户的年份为 {min(years)}–{max(years)}，"
                    f"与任期 {start}–{end} 不一致：面积取自该账户。",
                    f"the extent account covers {min(years)}–{max(years)}, not the term {start}–{end}: "
                    "the extent shown is that account's.",
                )
            )
        if extent_meta.get("same_landcover_file"):
            notes.append(
                (
                    "两年的核算使用同一张土地覆被图（数据包中仅有一个年份的开放数据）："
                    "各类面积的变化必然为 0，"
                    "这不是“面积未变”的证据，而是没有第二年的土地覆被数据。",
                    "both years' accounts use one land-cover map (the pack's open data has one year only): "
                    "the extent change is zero by construction — not evidence that extent did not change, "
                    "but the absence of a second land-cover year.",
                )
            )
    else:
        assets = assets_from_runs(run0, run1, unit)
        extent_meta = {}
    landcover = drivers[(drivers["kind"] == "layer") & (drivers["name"] == "landcover")]
    if (
        (extent is None or not extent_meta.get("same_landcover_file"))
        and len(landcover)
        and not bool(landcover["changed"].iloc[0])
    ):
        notes.append(
            (
                "两年的核算使用同一个土地覆被文件：各类面积的变化必然为 0（不是面积未变的证据）。",
                "both runs use the same land-cover file: the extent change is zero by construction "
                "(not evidence that extent did not change).",
            )
        )
    gep = gep_change(items)
    if gep["missing_items"]:
        notes.append(
            (
                f"{len(gep['missing_items'])} 个核算项目在任期起始或结束年缺失，保持缺失，不计变化"
                "（见项目表的数据状态与核算说明）。",
                f"{len(gep['missing_items'])} items are missing at "
                f"the start or end of the term and stay missing, "
                "with no change computed (see the data status and notes of the account).",
            )
        )
    table = (
        indicator_changes(indicators, unit, start, end)
        if indicators is not None
        else pd.DataFrame(columns=CHANGE_COLUMNS)
    )
    first = rows1.iloc[0]
    return DepartureAudit(
        unit=unit,
        unit_name=str(first.get("name", unit)),
        level=str(first.get("level", "")),
        start=start,
        end=end,
        assets=assets,
        items=items,
        declined=fell,
        drivers=drivers,
        indicators=table,
        gep=gep,
        sources={
            "accounts_start": str(run0.folder),
            "accounts_end": str(run1.folder),
            "extent": str(extent) if extent is not None else "",
            "indicators": str(indicators) if indicators is not None else "",
        },
        notes=notes,
    )
