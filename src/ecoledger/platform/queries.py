"""Reading the store: units, accounts, map values and a unit's breakdown.

Published results are public. A provisional run's rows are readable by reviewers and
administrators, and by a submitter for the units bound to it; nobody else learns they exist.
GEP of a unit is the sum of its groups over the ``ecosystem = all`` rows; missing items are
NULL in the store and stay missing (never 0) in every answer.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ecoledger import tables
from ecoledger.ecosystems import ALL
from ecoledger.platform import runs
from ecoledger.platform.db import Database
from ecoledger.platform.models import AccountRow, Run, Unit, User
from ecoledger.platform.policy import NotFound, PlatformError, readable_provisional_units
from ecoledger.platform.runs import published_current

LEVELS = ("province", "city", "county")


def units(db: Database, level: str | None = None, parent: str | None = None) -> list[Unit]:
    with db.transaction(write=False) as s:
        query = select(Unit).order_by(Unit.code)
        if level:
            query = query.where(Unit.level == level)
        if parent:
            query = query.where(Unit.parent_code == parent)
        return list(s.scalars(query))


def unit(db: Database, code: str) -> Unit:
    with db.transaction(write=False) as s:
        found = s.get(Unit, code)
    if found is None:
        raise NotFound(f"no unit with code {code!r}", f"没有代码为 {code!r} 的行政区划")
    return found


def unit_json(u: Unit, geometry: bool = False) -> dict:
    out = {"code": u.code, "name_zh": u.name_zh, "name_en": u.name_en, "level": u.level,
           "parent_code": u.parent_code, "area_km2": u.area_km2}
    if geometry:
        out["geometry"] = json.loads(u.geometry) if u.geometry else None
    return out


def readable_run(db: Database, user: User | None, year: int | None, run_id: int | None
                 ) -> tuple[Run, set[str] | None]:
    """The run to read and the unit codes the user may see of it (None: all).

    Without ``run_id``: the year's current published run.
    """
    with db.transaction(write=False) as s:
        if run_id is None:
            if year is None:
                raise PlatformError("give a year or a run", "请指定年份或运行编号")
            run = published_current(s, year)
            if run is None:
                raise NotFound(f"no published accounts for {year}", f"{year} 年尚无已发布的核算结果")
            return run, None
        run = s.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run {run_id}", f"没有编号为 {run_id} 的核算运行")
    if run.status == "published":
        return run, None
    allowed = readable_provisional_units(user)
    if run.status != "provisional" or allowed == set():
        raise NotFound(f"no readable accounts for run {run_id}", f"运行 {run_id} 没有可读取的核算结果")
    return run, allowed


def current_and_previous(db: Database, year: int) -> tuple[Run, Run | None]:
    """The year's current published run and the previous year's (None if none), in one read
    transaction (a unit's breakdown reads both: its cache key names both)."""
    with db.transaction(write=False) as s:
        run, previous = published_current(s, year), published_current(s, year - 1)
    if run is None:
        raise NotFound(f"no published accounts for {year}", f"{year} 年尚无已发布的核算结果")
    return run, previous


def account_rows(db: Database, user: User | None, *, year: int | None = None,
                 run_id: int | None = None, unit_code: str | None = None, item: str | None = None,
                 level: str | None = None, group: str | None = None, ecosystem: str | None = None,
                 limit: int = 100_000) -> tuple[Run, list[dict]]:
    run, allowed = readable_run(db, user, year, run_id)
    return run, _rows_of(db, run, allowed, unit_code, item, level, group, ecosystem, limit)


def account_page(db: Database, run: Run, allowed: set[str] | None, *, unit_code: str | None = None,
                 item: str | None = None, level: str | None = None, group: str | None = None,
                 ecosystem: str | None = None, limit: int | None = None, offset: int = 0
                 ) -> tuple[list[dict], int]:
    """One page of the rows of a run already checked readable, and how many rows match in all."""
    with db.transaction(write=False) as s:
        query = _rows_query(run, allowed, unit_code, item, level, group, ecosystem)
        total = s.scalar(select(func.count()).select_from(query.subquery()))
        query = query.order_by(AccountRow.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_row_json(r, name, lvl, run) for r, name, lvl in s.execute(query)], total


def _rows_query(run: Run, allowed: set[str] | None, unit_code: str | None, item: str | None,
                level: str | None, group: str | None, ecosystem: str | None):
    query = (select(AccountRow, Unit.name_zh, Unit.level)
             .join(Unit, Unit.code == AccountRow.unit_code).where(AccountRow.run_id == run.id))
    if allowed is not None:
        query = query.where(AccountRow.unit_code.in_(sorted(allowed)))
    for column, value in ((AccountRow.unit_code, unit_code), (AccountRow.item, item),
                          (Unit.level, level), (AccountRow.group, group),
                          (AccountRow.ecosystem, ecosystem)):
        if value:
            query = query.where(column == value)
    return query


def _rows_of(db: Database, run: Run, allowed: set[str] | None, unit_code: str | None = None,
             item: str | None = None, level: str | None = None, group: str | None = None,
             ecosystem: str | None = None, limit: int = 100_000) -> list[dict]:
    """The rows of a run already checked readable, ``allowed`` limiting the units (None: all)."""
    with db.transaction(write=False) as s:
        query = (_rows_query(run, allowed, unit_code, item, level, group, ecosystem)
                 .order_by(AccountRow.id).limit(limit))
        return [_row_json(r, name, lvl, run) for r, name, lvl in s.execute(query)]


def _row_json(r: AccountRow, name: str, level: str, run: Run) -> dict:
    return {"run": run.id, "run_status": run.status, "code": r.unit_code, "name": name, "level": level,
            "year": r.year, "group": r.group, "service": r.service, "item": r.item, "item_zh": r.item_zh,
            "ecosystem": r.ecosystem, "physical_value": r.physical_value, "physical_unit": r.physical_unit,
            "unit_price": r.unit_price, "price_unit": r.price_unit, "value_yuan": r.value_yuan,
            "data_status": r.data_status, "note": r.note, "note_zh": r.note_zh}


def _sums(s, run_id: int, by, *where) -> dict:
    query = (select(*by, func.sum(AccountRow.value_yuan))
             .where(AccountRow.run_id == run_id, AccountRow.ecosystem == ALL, *where).group_by(*by))
    return {tuple(row[:-1]) if len(by) > 1 else row[0]: row[-1] for row in s.execute(query)}


def unit_gep(s, run_id: int) -> dict[str, float | None]:
    """GEP per unit code: the sum of the groups that have values (None if all are missing)."""
    return _sums(s, run_id, [AccountRow.unit_code])


def measures() -> list[dict]:
    """What the map can show: GEP, GEP per km², GEP/GDP, each group and each item."""
    items = tables.items()
    found = [{"key": "gep", "label_zh": "生态产品总值（GEP）", "label_en": "GEP"},
             {"key": "gep_per_km2", "label_zh": "单位面积 GEP", "label_en": "GEP per km²"},
             {"key": "gep_per_gdp", "label_zh": "GEP/GDP", "label_en": "GEP / GDP"}]
    found += [{"key": f"group:{g}", "label_zh": zh, "label_en": g} for g, zh in tables.GROUPS.items()]
    found += [{"key": f"item:{i}", "label_zh": items.at[i, "name_zh"], "label_en": items.at[i, "name_en"]}
              for i in items.index]
    return found


def map_values(db: Database, user: User | None, year: int, level: str, measure: str,
               run_id: int | None = None) -> tuple[Run, list[dict]]:
    """One value per unit of ``level``: GEP, GEP/km², GEP/GDP, a group's or an item's value."""
    if level not in LEVELS:
        raise PlatformError(f"level must be one of {', '.join(LEVELS)}", f"层级须为 {', '.join(LEVELS)} 之一")
    run, allowed = readable_run(db, user, year, run_id)
    statistics = run.summary.get("unit_statistics", {})
    with db.transaction(write=False) as s:
        chosen = [u for u in s.scalars(select(Unit).where(Unit.level == level).order_by(Unit.code))
                  if allowed is None or u.code in allowed]
        if measure in ("gep", "gep_per_km2", "gep_per_gdp"):
            values, unit_label = unit_gep(s, run.id), "元"
        elif measure.startswith("group:") and measure[6:] in tables.GROUPS:
            values = _sums(s, run.id, [AccountRow.unit_code], AccountRow.group == measure[6:])
            unit_label = "元"
        elif measure.startswith("item:") and measure[5:] in tables.items().index:
            values = _sums(s, run.id, [AccountRow.unit_code], AccountRow.item == measure[5:])
            unit_label = "元"
        else:
            raise PlatformError(f"unknown measure {measure!r}; use gep, gep_per_km2, gep_per_gdp, "
                                "group:<group> or item:<item>", f"未知的指标 {measure!r}")
        statuses = dict(s.execute(
            select(AccountRow.unit_code, func.min(AccountRow.data_status))
            .where(AccountRow.run_id == run.id, AccountRow.ecosystem == ALL,
                   AccountRow.value_yuan.is_not(None)).group_by(AccountRow.unit_code)).all())
    out = []
    for u in chosen:
        value = values.get(u.code)
        if value is not None and measure == "gep_per_km2":
            value, unit_label = (value / u.area_km2 if u.area_km2 else None), "元/km²"
        elif value is not None and measure == "gep_per_gdp":
            gdp = statistics.get(u.code, {}).get("gdp")
            value, unit_label = (value / gdp if gdp else None), "元/元"
        out.append({"unit": u, "value": value, "unit_label": unit_label,
                    "data_status": statuses.get(u.code, "missing") if value is not None else "missing"})
    return run, out


def breakdown(db: Database, user: User | None, code: str, year: int | None,
              run_id: int | None = None) -> dict:
    """A unit's page: totals, groups, items, ecosystems, change on the previous year, quality."""
    u = unit(db, code)
    run, allowed = readable_run(db, user, year, run_id)
    if allowed is not None and code not in allowed:
        raise NotFound(f"no readable accounts for {code} in run {run.id}", "没有可读取的核算结果")
    rows = _rows_of(db, run, allowed, unit_code=code)
    previous_run = runs.current_run(db, run.year - 1)  # published: readable by everyone
    previous = None if previous_run is None else _rows_of(db, previous_run, None, unit_code=code,
                                                          ecosystem=ALL)
    return {"unit": u, "run": run, "rows": rows, "previous_rows": previous,
            "statistics": run.summary.get("unit_statistics", {}).get(code, {})}
