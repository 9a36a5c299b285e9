"""Indicator values of the decision's indicator system, each with its source or marked missing.

``indicator_values(statistics, accounts, biodiversity, years, levels) -> DataFrame`` gives one
row per unit × year × indicator (``VALUE_COLUMNS``):

* ``reported``: a published value from a statistics table (the ``statistics-2019/*.csv`` layout
  ``unit_name, adcode, level, year, indicator, …, source_title, source_url, quote, note``; the
  ``statistics/jiangxi_statistics.csv`` layout ``region, adcode, year, …, source_url, quote``;
  or a filled template / upload ``code, name, year, indicator, value, unit, source, …, quote``),
  converted to the system's unit (``UNITS``; e.g. 微克/立方米 → µg/m³, billion yuan → 亿元 × 10).
  Tables are read in the order given and the first value of a unit, year and indicator wins;
  a differing value from a later table is named in ``reason`` (never averaged).
* ``computed``: from the account folders (``accounts.csv``) and the statistics —
  GEP (亿元) = Σ ``value_yuan`` of the ``ecosystem = all`` rows / 10⁸;
  GEP/GDP (倍) = GEP (亿元) / GDP (亿元);
  GEP growth (%) = (GEP_y / GEP_(y−1) − 1) × 100, current prices of each year (not deflated);
  electricity per GDP (kWh/万元) = 全社会用电量 (亿千瓦时) × 10⁸ kWh / (GDP (亿元) × 10⁴ 万元);
  the protected share (%) of a county from the biodiversity module's ``county_indicators.csv``.
* ``missing``: no value; ``reason`` (English) and ``reason_zh`` name the statistic that is absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from ecoledger.errors import InputError
from ecoledger.messages import register, text

VALUE_COLUMNS = ("code", "unit_name", "level", "year", "indicator", "value", "unit", "status",
                 "source_title", "source_url", "quote", "reason")
EXTRA_COLUMNS = ("reason_zh",)
SYSTEM_COLUMNS = ("indicator", "goal", "name_zh", "name_en", "unit", "direction", "computed_from",
                  "target", "target_year", "target_source_title", "target_source_url", "target_quote",
                  "note")
UNIT_TARGET_COLUMNS = ("code", "unit_name", "indicator", "year", "target", "source_title", "source_url",
                       "quote", "note")
GOALS = ("environment", "green_transition", "value_realisation", "ecosystem", "institutions")
LEVELS = ("province", "city", "county")
YI = 1e8  # yuan per 亿元

# names other statistics tables give the system's indicators
ALIASES = {
    "air_good_days_share": "good_air_days_share",
    "forest_coverage": "forest_cover_rate",
    "national_assessed_sections_good_share": "surface_water_national_sections_class_1_3_share",
    "poyang_lake_good_share": "poyang_points_class_1_3_share",
    "poyang_lake_tp": "poyang_tp_mean",
    "surface_water_class_I_III_share": "surface_water_class_1_3_share",
    "protected_areas_share_of_land": "protected_area_share",
    "installed_capacity_new_energy_share": "new_energy_capacity_share",
}
# statistics that are not indicators but feed the computed ones, with their unit
INPUTS = {"gdp": "亿元", "electricity_consumption_total": "亿千瓦时"}
# unit as printed → (the system's unit, factor): value × factor is in the system's unit
UNITS = {
    "µg/m³": ("µg/m³", 1.0), "μg/m³": ("µg/m³", 1.0), "微克/立方米": ("µg/m³", 1.0), "ug/m3": ("µg/m³", 1.0),
    "mg/L": ("mg/L", 1.0), "mg/l": ("mg/L", 1.0), "毫克/升": ("mg/L", 1.0),
    "%": ("%", 1.0), "个": ("个", 1.0), "倍": ("倍", 1.0),
    "亿元": ("亿元", 1.0), "万元": ("亿元", 1e-4), "元": ("亿元", 1 / YI), "billion yuan": ("亿元", 10.0),
    "万公顷": ("万公顷", 1.0), "公顷": ("万公顷", 1e-4), "hm²": ("万公顷", 1e-4),
    "亿千瓦时": ("亿千瓦时", 1.0), "万千瓦时": ("亿千瓦时", 1e-4),
    "kWh/万元": ("kWh/万元", 1.0), "千瓦时/万元": ("kWh/万元", 1.0),
    "m³/万元": ("m³/万元", 1.0), "立方米/万元": ("m³/万元", 1.0),
    "万吨": ("万吨", 1.0), "亿吨": ("万吨", 1e4), "公顷/亿元": ("公顷/亿元", 1.0),
}

register({
    "no_file": ("找不到 {path}；修改：给出存在的文件", "{path} not found; fix: give an existing file"),
    "bad_table": ("{path}：缺少列 {missing}；修改：按 `statistics-2019/*.csv`（adcode、year、indicator、"
                  "value、unit、source_title、source_url、quote）或 `ecoledger targets template` 的表头填写",
                  "{path}: no column {missing}; fix: the header of statistics-2019/*.csv (adcode, year, "
                  "indicator, value, unit, source_title, source_url, quote) or of the sheet of "
                  "`ecoledger targets template`"),
    "bad_value": ("{path} 第 {row} 行 value：{value!r} 不是数字；修改：填写数字（缺失则留空）",
                  "{path} row {row}, value: {value!r} is not a number; fix: write a plain number "
                  "(leave it empty when missing)"),
    "bad_unit": ("{path} 第 {row} 行 unit：{unit!r} 不能换算为 {indicator} 的单位 {expected}；修改：用 "
                 "{expected}（或可换算的单位）填写",
                 "{path} row {row}, unit: {unit!r} does not convert to {expected}, the unit of "
                 "{indicator}; fix: give the value in {expected} (or a unit that converts)"),
    "reason.statistic": ("统计资料中没有 {unit_name} {year} 年的“{name_zh}”；"
                         "可用 `ecoledger targets template` 填报",
                         "the statistics give no {name_en} for {unit_name} {year}; fill it in with "
                         "`ecoledger targets template`"),
    "reason.carbon": ("碳排放清单未提供 {unit_name} {year} 年的“{name_zh}”（需分品种、分部门能源消费统计）",
                      "the carbon inventory gives no {name_en} for {unit_name} {year} (it needs energy "
                      "consumption by fuel and sector)"),
    "reason.biodiversity": ("生物多样性模块的 county_indicators.csv 未给出 {unit_name} 的“{name_zh}”",
                            "the biodiversity module's county_indicators.csv gives no {name_en} for "
                            "{unit_name}"),
    "reason.no_account": ("没有 {year} 年的核算结果文件夹（`--accounts`）", "no account folder for {year} "
                          "(`--accounts`)"),
    "reason.no_gep_unit": ("{year} 年核算结果中没有 {unit_name}", "the {year} accounts have no {unit_name}"),
    "reason.no_gdp": ("统计资料中没有 {unit_name} {year} 年的地区生产总值（GDP）",
                      "the statistics give no GDP for {unit_name} {year}"),
    "reason.no_previous_gep": ("没有 {unit_name} {previous} 年的 GEP（需上一年的核算结果）",
                               "no GEP for {unit_name} {previous} (the previous year's accounts are "
                               "needed)"),
    "reason.no_electricity": ("统计资料中没有 {unit_name} {year} 年的全社会用电量",
                              "the statistics give no total electricity use for {unit_name} {year}"),
    "reason.partial": ("部分合计：{missing} 项科目无数值", "partial sum: {missing} items have no value"),
    "reason.conflict": ("其他来源给出不同数值：{others}", "other sources give different values: {others}"),
    "reason.undated": ("保护地图层无年份：各年取同一数值", "the protected-area layer has no year: the same "
                       "value for every year"),
    "reason.demonstration": ("示范数据（`demonstration`）：保护地为示范图层，并非官方范围；"
                             "图层无年份，各年取同一数值",
                             "demonstration: the protected areas are demonstration data, not the official "
                             "ones; the layer has no year, so the same value stands for every year"),
    "reason.carbon_missing": ("碳排放清单无法计算总量，缺少统计：{statistics}",
                              "the carbon inventory could not compute the total; statistics missing: "
                              "{statistics}"),
    "source.accounts": ("ecoledger 核算结果（{folder}）", "ecoledger accounts ({folder})"),
}, prefix="targets.")


def data_file(name: str) -> Path:
    """A shipped table of ``data/targets/``."""
    return Path(str(resources.files("ecoledger.data") / "targets" / name))


def indicator_system(path: str | Path | None = None) -> pd.DataFrame:
    """The indicator system (``SYSTEM_COLUMNS``), ``target`` numeric (NaN: no target recorded)."""
    system = pd.read_csv(path or data_file("indicator_system.csv"), dtype=str, keep_default_na=False)
    system["target"] = pd.to_numeric(system["target"].replace("", None))
    system["target_year"] = pd.to_numeric(system["target_year"].replace("", None)).astype("Int64")
    return system


def unit_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Yearly and city targets (``UNIT_TARGET_COLUMNS``), each with its source and quote."""
    table = pd.read_csv(path or data_file("unit_targets.csv"), dtype=str, keep_default_na=False)
    return table.assign(year=table["year"].astype(int), target=pd.to_numeric(table["target"]))


def level_of(code: str) -> str:
    """GB/T 2260: ``xx0000`` a province, ``xxxx00`` a city, otherwise a county."""
    code = str(code)
    return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"


def default_statistics(data_dir: str | Path = "data/jiangxi") -> list[Path]:
    """The real statistics in the order they win: ``statistics/jiangxi_statistics.csv`` (revised
    GDP), ``statistics-2019/*.csv``, then the bulletin numbers shipped in ``statistics_extra.csv``."""
    data_dir = Path(data_dir)
    files = [data_dir / "statistics" / "jiangxi_statistics.csv"]
    files += sorted((data_dir / "statistics-2019").glob("*.csv"))
    return [f for f in files if f.is_file()] + [data_file("statistics_extra.csv")]


# --- reading statistics -------------------------------------------------------------------------

def read_statistics(path: str | Path) -> pd.DataFrame:
    """A statistics table in any of the three layouts (module docstring) as rows ``code, unit_name,
    level, year, indicator, value, unit, source_title, source_url, quote, file, row`` (value as
    printed, numeric; rows without a value dropped)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(key="targets.no_file", path=str(path))
    if path.suffix.lower() == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        raw["row"] = range(2, len(raw) + 2)
    else:
        raw = None
    if raw is None or "adcode" not in raw:
        raw = _upload(path)
    else:
        raw = raw.rename(columns={"adcode": "code", "region": "unit_name"})
    for column in ("code", "year", "indicator", "value"):
        if column not in raw:
            raise InputError(key="targets.bad_table", path=str(path), missing=column)
    rows = pd.DataFrame({
        "code": raw["code"].str.strip(),
        "unit_name": raw.get("unit_name", pd.Series("", index=raw.index)),
        "year": pd.to_numeric(raw["year"], errors="coerce"),
        "indicator": raw["indicator"].str.strip(),
        "value_text": raw["value"].str.strip(),
        "unit": raw.get("unit", pd.Series("", index=raw.index)).str.strip(),
        "source_title": raw.get("source_title", pd.Series("", index=raw.index)),
        "source_url": raw.get("source_url", pd.Series("", index=raw.index)),
        "quote": raw.get("quote", pd.Series("", index=raw.index)),
        "file": path.name,
        "row": raw["row"],
    })
    rows = rows[rows["value_text"] != ""]
    values = pd.to_numeric(rows["value_text"], errors="coerce")
    bad = rows[values.isna()]
    if len(bad):
        first = bad.iloc[0]
        raise InputError(key="targets.bad_value", path=str(path), row=int(first["row"]),
                         value=first["value_text"])
    rows = rows.assign(value=values, year=rows["year"].astype(int)).drop(columns="value_text")
    rows["level"] = rows["code"].map(level_of)
    return rows


def _upload(path: Path) -> pd.DataFrame:
    """A filled template (CSV or XLSX) through the platform's upload parser: ``source`` is the
    source's title, or its address when it is one."""
    from ecoledger.platform.submissions import parse_upload
    from ecoledger.statistics.template import drop_unfilled

    table = drop_unfilled(parse_upload(path.name, path.read_bytes()))
    source = table.get("source", pd.Series("", index=table.index)).fillna("")
    is_url = source.str.match(r"https?://")
    return table.assign(unit_name=table.get("name", ""), source_title=source.where(~is_url, ""),
                        source_url=source.where(is_url, ""),
                        quote=table.get("quote", pd.Series("", index=table.index)).fillna(""))


def reported_values(tables: Sequence[pd.DataFrame], system: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``tables`` (``read_statistics``) that are indicators of ``system`` or inputs of
    the computed ones, in the system's unit; the first table's value wins, later differing
    values are named in ``reason``. Raises InputError for a unit that does not convert."""
    units = dict(zip(system["indicator"], system["unit"], strict=True)) | INPUTS
    kept = []
    for order, rows in enumerate(tables):
        rows = rows.assign(indicator=rows["indicator"].replace(ALIASES), order=order)
        rows = rows[rows["indicator"].isin(units)]
        for index, row in rows.iterrows():
            expected = units[row["indicator"]]
            canonical, factor = UNITS.get(row["unit"], (row["unit"], 1.0)) if row["unit"] else (expected, 1.0)
            if canonical != expected:
                raise InputError(key="targets.bad_unit", path=row["file"], row=int(row["row"]),
                                 unit=row["unit"], indicator=row["indicator"], expected=expected)
            rows.at[index, "value"] = row["value"] * factor
            rows.at[index, "unit"] = expected
        kept.append(rows)
    if not kept:
        return pd.DataFrame(columns=[*VALUE_COLUMNS, *EXTRA_COLUMNS])
    every = pd.concat(kept, ignore_index=True).sort_values(["order", "row"], kind="stable")
    out = []
    for _, group in every.groupby(["code", "year", "indicator"], sort=False):
        first = group.iloc[0]
        others = group[(group["value"] - first["value"]).abs() > 1e-9 * max(1.0, abs(first["value"]))]
        others = others.drop_duplicates(["value", "source_url"])
        reason = reason_zh = ""
        if len(others):
            listed = "; ".join(f"{v:g} ({u or f})" for v, u, f in
                               zip(others["value"], others["source_url"], others["file"], strict=True))
            reason = text("targets.reason.conflict", "en", others=listed)
            reason_zh = text("targets.reason.conflict", "zh", others=listed)
        out.append({**{c: first[c] for c in ("code", "unit_name", "level", "year", "indicator", "value",
                                            "unit", "source_title", "source_url", "quote")},
                    "status": "reported", "reason": reason, "reason_zh": reason_zh})
    return pd.DataFrame(out, columns=[*VALUE_COLUMNS, *EXTRA_COLUMNS])


# --- accounts -----------------------------------------------------------------------------------

def account_gep(folder: str | Path) -> pd.DataFrame:
    """GEP per unit of one account folder: ``code, unit_name, level, year, gep`` (亿元) and
    ``missing_items`` (items of the unit with no value), from ``accounts.csv``."""
    folder = Path(folder)
    path = folder / "accounts.csv" if folder.is_dir() else folder
    if not path.is_file():
        raise InputError(key="targets.no_file", path=str(path))
    accounts = pd.read_csv(path, dtype={"adcode": str})
    whole = accounts[accounts["ecosystem"] == "all"]
    grouped = whole.groupby(["adcode", "name", "level", "year"], sort=False)
    out = grouped["value_yuan"].sum(min_count=1).div(YI).rename("gep").reset_index()
    out["missing_items"] = grouped["value_yuan"].apply(lambda v: int(v.isna().sum())).to_numpy()
    out["source"] = str(path)
    return out.rename(columns={"adcode": "code", "name": "unit_name"})


def _row(code, name, level, year, indicator, unit, /, value=None, status="missing", title="", url="",
         quote="", reason_key=None, **fields) -> dict:
    reason = text(reason_key, "en", **fields) if reason_key else ""
    reason_zh = text(reason_key, "zh", **fields) if reason_key else ""
    return {"code": code, "unit_name": name, "level": level, "year": int(year), "indicator": indicator,
            "value": value, "unit": unit, "status": status, "source_title": title, "source_url": url,
            "quote": quote, "reason": reason, "reason_zh": reason_zh}


def gep_values(gep: pd.DataFrame) -> list[dict]:
    """GEP rows (computed) from ``account_gep`` frames."""
    rows = []
    for r in gep.itertuples():
        partial = {"reason_key": "targets.reason.partial", "missing": r.missing_items} \
            if r.missing_items else {}
        rows.append(_row(r.code, r.unit_name, r.level, r.year, "gep", "亿元", r.gep, "computed",
                         text("targets.source.accounts", "zh", folder=Path(r.source).parent.name),
                         r.source, f"Σ value_yuan (ecosystem = all) / 10⁸ = {r.gep:,.2f} 亿元", **partial))
    return rows


def ratio_values(gep: pd.DataFrame, reported: pd.DataFrame) -> list[dict]:
    """GEP/GDP, GEP growth and electricity per GDP where their inputs exist (module docstring)."""
    look = reported.set_index(["code", "year", "indicator"])
    gep_of = {(r.code, r.year): r.gep for r in gep.itertuples()}
    rows = []

    def get(code, year, indicator):
        key = (code, year, indicator)
        return look.loc[key] if key in look.index else None

    for r in gep.itertuples():
        gdp = get(r.code, r.year, "gdp")
        if gdp is not None and gdp["value"] > 0:
            rows.append(_row(r.code, r.unit_name, r.level, r.year, "gep_to_gdp", "倍", r.gep / gdp["value"],
                             "computed", f"GEP: {Path(r.source).parent.name}; GDP: {gdp['source_title']}",
                             gdp["source_url"], f"GEP {r.gep:,.2f} 亿元 ÷ GDP {gdp['value']:,.2f} 亿元"
                             f" (GDP: {gdp['quote']})"))
        before = gep_of.get((r.code, r.year - 1))
        if before is not None and before > 0:
            rows.append(_row(r.code, r.unit_name, r.level, r.year, "gep_growth", "%",
                             (r.gep / before - 1) * 100, "computed",
                             text("targets.source.accounts", "zh", folder=Path(r.source).parent.name),
                             r.source, f"({r.gep:,.2f} ÷ {before:,.2f} − 1) × 100 (亿元, current prices)"))
    for (code, year), group in reported.groupby(["code", "year"]):
        electricity, gdp = get(code, year, "electricity_consumption_total"), get(code, year, "gdp")
        if electricity is None or gdp is None or not gdp["value"] > 0:
            continue
        first = group.iloc[0]
        rows.append(_row(code, first["unit_name"], first["level"], year, "electricity_consumption_per_gdp",
                         "kWh/万元", electricity["value"] * 1e4 / gdp["value"], "computed",
                         f"{electricity['source_title']}; {gdp['source_title']}", electricity["source_url"],
                         f"{electricity['value']:,.2f} 亿千瓦时 × 10⁴ ÷ {gdp['value']:,.2f} 亿元 "
                         f"({electricity['quote']}; {gdp['quote']})"))
    return rows


def biodiversity_values(path: str | Path, years: Iterable[int]) -> list[dict]:
    """Protected share (%) per unit from ``county_indicators.csv`` (``code, protected_share,
    status``; a share ≤ 1 everywhere is a fraction and × 100). Without a ``year`` column the value
    is given to every year of ``years`` with that said in ``reason``."""
    path = Path(path)
    table = pd.read_csv(path, dtype={"code": str})
    table = table[pd.to_numeric(table["protected_share"], errors="coerce").notna()]
    share = pd.to_numeric(table["protected_share"])
    scale = 100.0 if len(share) and share.max() <= 1.0 else 1.0
    rows = []
    for r, value in zip(table.itertuples(), share * scale, strict=True):
        name = getattr(r, "name", "") or getattr(r, "unit_name", "") or ""
        dated = [int(r.year)] if hasattr(r, "year") else list(years)
        demonstration = str(getattr(r, "status", "")) == "demonstration"
        for year in dated:
            extra = {"reason_key": "targets.reason.demonstration"} if demonstration else \
                {} if hasattr(r, "year") else {"reason_key": "targets.reason.undated"}
            rows.append(_row(r.code, name, level_of(r.code), year, "protected_area_share", "%", value,
                             "computed", "ecoledger biodiversity (county_indicators.csv)", str(path),
                             f"protected_share = {r.protected_share} "
                             f"({getattr(r, 'status', '')})", **extra))
    return rows


def carbon_values(path: str | Path) -> list[dict]:
    """Total CO₂ (万吨 = t / 10⁴) and its intensity change from the carbon module's
    ``inventory.csv`` (``code, year, scope, co2_t, status, missing_statistics, factor_ids, note,
    …, intensity_t_per_10k_yuan``): the ``territorial_total`` rows only (electricity-related
    emissions are a consumption view, not the total). A total the inventory could not compute is
    a missing row naming the statistics it lacks. Intensity change (%) =
    (I_y / I_(y−1) − 1) × 100 where both years have an intensity."""
    path = Path(path)
    if not path.is_file():
        raise InputError(key="targets.no_file", path=str(path))
    table = pd.read_csv(path, dtype={"code": str}, keep_default_na=False)
    table = table[table["scope"] == "territorial_total"]
    co2 = pd.to_numeric(table["co2_t"], errors="coerce")
    per_gdp = pd.to_numeric(table.get("intensity_t_per_10k_yuan", pd.Series(index=table.index)),
                            errors="coerce")
    rows, intensities = [], {}
    for r, tonnes, intensity in zip(table.itertuples(), co2, per_gdp, strict=True):
        code, year = str(r.code), int(r.year)
        title = "ecoledger carbon inventory (inventory.csv)"
        if pd.isna(tonnes):
            rows.append(_row(code, "", level_of(code), year, "carbon_emissions_total", "万吨",
                             reason_key="targets.reason.carbon_missing",
                             statistics=r.missing_statistics or "?"))
            continue
        rows.append(_row(code, "", level_of(code), year, "carbon_emissions_total", "万吨", tonnes / 1e4,
                         "computed", title, str(path), f"co2_t = {tonnes:,.0f} ({r.status}; {r.factor_ids})"))
        if not pd.isna(intensity):
            intensities[(code, year)] = intensity
    for (code, year), intensity in intensities.items():
        before = intensities.get((code, year - 1))
        if before:
            rows.append(_row(code, "", level_of(code), year, "carbon_intensity_change", "%",
                             (intensity / before - 1) * 100, "computed",
                             "ecoledger carbon inventory (inventory.csv)", str(path),
                             f"({intensity:g} ÷ {before:g} − 1) × 100 (t CO₂ / 10⁴ yuan)"))
    return rows


# --- the whole table ----------------------------------------------------------------------------

def indicator_values(statistics: Sequence[str | Path] = (), accounts: Sequence[str | Path] = (),
                     biodiversity: str | Path | None = None, years: Iterable[int] | None = None,
                     levels: Sequence[str] = ("province", "city"),
                     system: pd.DataFrame | None = None, carbon: str | Path | None = None) -> pd.DataFrame:
    """Every indicator of ``system`` for every unit of ``levels`` and year (module docstring).

    Units are those of the accounts and the statistics; years default to the account years and
    every year with a reported indicator value.
    """
    system = indicator_system() if system is None else system
    reported = reported_values([read_statistics(p) for p in statistics], system)
    gep = pd.concat([account_gep(a) for a in accounts], ignore_index=True) if accounts else \
        pd.DataFrame(columns=["code", "unit_name", "level", "year", "gep", "missing_items", "source"])
    gep_years = set(gep["year"].astype(int))
    indicator_rows = reported[reported["indicator"].isin(system["indicator"])]
    years = sorted(set(years) if years is not None else gep_years | set(indicator_rows["year"].astype(int)))
    rows = indicator_rows.to_dict("records") + gep_values(gep) + ratio_values(gep, reported)
    if biodiversity is not None and Path(biodiversity).is_file():
        rows += biodiversity_values(biodiversity, years)
    if carbon is not None:
        rows += carbon_values(carbon)
    values = pd.DataFrame(rows, columns=[*VALUE_COLUMNS, *EXTRA_COLUMNS])
    # a reported value wins over a computed one, a computed one over a missing row with a reason
    rank = {"reported": 0, "computed": 1, "missing": 2}
    values = values.sort_values("status", key=lambda s: s.map(rank), kind="stable").drop_duplicates(
        ["code", "year", "indicator"])
    units = _units(gep, reported, values, levels)
    values = values[values["code"].isin(units) & values["year"].isin(years)]
    missing = _missing_rows(units, years, system, values, gep, reported)
    out = pd.concat([values, pd.DataFrame(missing, columns=values.columns)], ignore_index=True)
    order = {name: i for i, name in enumerate(system["indicator"])}
    out = out.assign(_l=out["level"].map(LEVELS.index), _i=out["indicator"].map(order))
    return out.sort_values(["year", "_l", "code", "_i"]).drop(columns=["_l", "_i"]).reset_index(drop=True)


def _units(gep, reported, values, levels) -> dict[str, tuple[str, str]]:
    """code → (name, level) of the units of ``levels``: the accounts' names first."""
    units: dict[str, tuple[str, str]] = {}
    for frame in (gep, reported, values):
        for code, name, level in zip(frame["code"], frame["unit_name"], frame["level"], strict=True):
            if level in levels and (code not in units or not units[code][0]):
                units[code] = (name if isinstance(name, str) else "", level)
    return units


def _missing_rows(units, years, system, values, gep, reported) -> list[dict]:
    have = set(zip(values["code"], values["year"], values["indicator"], strict=True))
    gep_keys = {(c, int(y)) for c, y in zip(gep["code"], gep["year"], strict=True)}
    gep_years = {int(y) for y in gep["year"]}
    stat_keys = set(zip(reported["code"], reported["year"], reported["indicator"], strict=True))
    rows = []
    for year in years:
        for code, (name, level) in units.items():
            for ind in system.itertuples():
                if (code, year, ind.indicator) in have:
                    continue
                fields = {"unit_name": name, "year": year, "name_zh": ind.name_zh, "name_en": ind.name_en}
                key = _missing_reason(ind, code, year, gep_keys, gep_years, stat_keys)
                if key == "targets.reason.no_previous_gep":
                    fields["previous"] = year - 1
                rows.append(_row(code, name, level, year, ind.indicator, ind.unit, reason_key=key, **fields))
    return rows


def _missing_reason(ind, code, year, gep_keys, gep_years, stat_keys) -> str:
    """The catalogue key saying which input is absent."""
    if ind.computed_from == "carbon":
        return "targets.reason.carbon"
    if ind.computed_from == "biodiversity" and level_of(code) == "county":
        return "targets.reason.biodiversity"
    if ind.indicator == "electricity_consumption_per_gdp":
        return "targets.reason.no_electricity" if (code, year, "electricity_consumption_total") \
            not in stat_keys else "targets.reason.no_gdp"
    if ind.computed_from != "accounts":
        return "targets.reason.statistic"
    if year not in gep_years:
        return "targets.reason.no_account"
    if (code, year) not in gep_keys:
        return "targets.reason.no_gep_unit"
    if ind.indicator == "gep_to_gdp":
        return "targets.reason.no_gdp"
    return "targets.reason.no_previous_gep"
