"""The Jiangxi pack's statistics: every published figure of ``data/jiangxi/statistics*/`` the
engine can use, with its source and quote, and the figures derived or allocated from them by a
stated rule.

Statuses (``ecoledger.statistics``): ``reported`` rows are numbers read in a bulletin or its
repost for that unit and year; ``derived`` rows are computed from published figures by the rule
in ``method``; ``allocated`` rows share a higher unit's figure out by the proxy in ``method``.
The engine allocates the accounts' statistics (output values, tourism) by ecosystem extent at
run time; only county population is allocated here, since its proxy (the 2010 census) is a
statistic of another year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoledger.plausibility import KNOWN_TOTALS
from ecoledger.statistics import allocate
from ecoledger.zonal import Units

COLUMNS = ["code", "year", "indicator", "value", "unit", "source", "status", "method", "quote"]
REPOST = " (repost of the official bulletin: to be confirmed against the bulletin)"
CENSUS_YEAR = 2020

# statistics/jiangxi_statistics.csv: source indicator → pack indicator
GENERAL = {"gdp": "gdp", "resident_population": "population", "hydropower_generation":
           "hydropower_generation"}
# statistics-2019/*.csv rows taken as reported: (file, source indicator) → pack indicator
REPORTED_2019 = {
    ("output_values_2019.csv", "grain_output"): "output_grain",
    ("output_values_2019.csv", "oil_crops_output"): "output_oil_crops",
    ("output_values_2019.csv", "vegetable_output"): "output_vegetables",
    ("output_values_2019.csv", "meat_output"): "output_meat",
    ("output_values_2019.csv", "egg_output"): "output_eggs",
    ("output_values_2019.csv", "agriculture_output"): "agriculture_output_value",
    ("output_values_2019.csv", "forestry_output"): "forestry_output_value",
    ("output_values_2019.csv", "animal_husbandry_output"): "animal_husbandry_output_value",
    ("output_values_2019.csv", "fishery_output"): "fishery_output_value",
    ("output_values_2019.csv", "gdp"): "gdp",
    ("county_bulletins_2019.csv", "gdp"): "gdp",
    ("county_bulletins_2019.csv", "resident_population"): "population",
    ("city_bulletins_2019.csv", "resident_population"): "population",
    ("tourism_2019.csv", "tourism_visitors_total"): "tourist_visits",
    ("tourism_2019.csv", "tourism_revenue_total"): "tourism_revenue",
}
# 南昌县 2019: the bulletin lists value added (net output) by sector after its 农业总产值.
NANCHANG_COUNTY_NET = {"agriculture_net_output_value": 33.0, "forestry_net_output_value": 0.3,
                       "animal_husbandry_net_output_value": 19.0,
                       "fishery_net_output_value": 11.6}
NANCHANG_COUNTY_QUOTE = ("其中,种植业实现增加值33亿元,增长4.6%;林业实现增加值0.3亿元,增长5.6%;"
                         "牧业实现增加值19亿元,增长1.8%;渔业实现增加值11.6亿元")
SECTOR_SPLIT_SOURCE = {  # 赣州市 2018 gross output by sector, the only published split stored
    "agriculture": "agriculture_output", "forestry": "forestry_output",
    "animal_husbandry": "animal_husbandry_output", "fishery": "fishery_output"}
# 2021 bulletin: "分别恢复到2019年的93.7%和70.1%" (visitors, revenue) → 2019 = 2021 / ratio
TOURISM_2021_RATIO = {"tourist_visits": ("tourism_visitors", 0.937),
                      "tourism_revenue": ("tourism_revenue", 0.701)}


def build(source: Path, folder: Path, units: pd.DataFrame, years: tuple[int, ...],
          metadata: dict) -> pd.DataFrame:
    """The pack's statistics rows (to add with ``ecoledger.pack.statistics.add_statistics``);
    writes an empty ``statistics.csv`` and ``known_totals.csv`` into the pack ``folder``."""
    general = pd.read_csv(source / "statistics/jiangxi_statistics.csv", dtype={"adcode": str})
    recent = _read_2019_folder(source / "statistics-2019")
    rows = pd.concat([_general_rows(general, metadata), _reported_2019(recent),
                      _nanchang_county_net_output(recent), _province_net_output_2019(recent),
                      _tourism_2019(general)], ignore_index=True)
    rows = pd.concat([rows, _population(general, rows, units, years, source)], ignore_index=True)
    rows = rows.drop_duplicates(["code", "year", "indicator"]).sort_values(
        ["indicator", "code", "year"])
    # the rows reach the pack through `add_statistics` (the path users' statistics take) once the
    # manifest exists; the pack's own file starts empty
    pd.DataFrame(columns=COLUMNS).to_csv(folder / "statistics.csv", index=False)
    _known_totals(general, recent).to_csv(folder / KNOWN_TOTALS, index=False)
    metadata["statistics"] = rows.groupby(["year", "status"]).size().unstack(fill_value=0) \
        .astype(int).to_dict("index")
    return rows


def _row(code, year, indicator, value, unit, source, quote, status="reported", method=""):
    return {"code": str(code), "year": int(year), "indicator": indicator, "value": value,
            "unit": unit, "source": source, "status": status, "method": method, "quote": quote}


def _general_rows(general: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """GDP, population and hydropower; where reposts disagree the source covering the most
    units of that indicator and year wins (consistency across units), alternatives in metadata."""
    rows = general[general["indicator"].isin(GENERAL)].copy()
    rows["coverage"] = rows.groupby(["indicator", "year", "source_url"])["adcode"].transform("nunique")
    rows = rows.sort_values(["coverage"], ascending=False, kind="stable")
    chosen = rows.drop_duplicates(["adcode", "year", "indicator"])
    conflicts = rows.merge(chosen[["adcode", "year", "indicator", "value"]],
                           on=["adcode", "year", "indicator"], suffixes=("", "_chosen"))
    conflicts = conflicts[conflicts["value"] != conflicts["value_chosen"]]
    metadata.setdefault("checks", {})["statistics_conflicts"] = conflicts[
        ["region", "year", "indicator", "value", "value_chosen", "source_url"]].to_dict("records")
    return pd.DataFrame([_row(r.adcode, r.year, GENERAL[r.indicator], r.value, r.unit,
                              r.source_url + REPOST, r.quote) for r in chosen.itertuples()])


def _read_2019_folder(folder: Path) -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"adcode": str}).assign(file=path.name)
              for path in sorted(folder.glob("*.csv"))]
    table = pd.concat(frames, ignore_index=True)
    table["source"] = table["source_title"] + " " + table["source_url"] + REPOST
    return table


def _reported_2019(recent: pd.DataFrame) -> pd.DataFrame:
    out = []
    for r in recent.itertuples():
        indicator = REPORTED_2019.get((r.file, r.indicator))
        if indicator:
            out.append(_row(r.adcode, r.year, indicator, r.value, r.unit, r.source, r.quote))
    return pd.DataFrame(out)


def _nanchang_county_net_output(recent: pd.DataFrame) -> pd.DataFrame:
    total = recent[(recent["adcode"] == "360121")
                   & (recent["indicator"] == "agri_forestry_animal_fishery_value_added")].iloc[0]
    return pd.DataFrame([_row("360121", 2019, indicator, value, "亿元", total["source"],
                              NANCHANG_COUNTY_QUOTE)
                         for indicator, value in NANCHANG_COUNTY_NET.items()])


def _province_net_output_2019(recent: pd.DataFrame) -> pd.DataFrame:
    """2019 net output (value added) of the four sectors for the province: the published
    primary-industry value added split by the only published sector structure stored."""
    value_added = recent[(recent["adcode"] == "360000") & (recent["year"] == 2019)
                         & (recent["indicator"] == "primary_industry_value_added")].iloc[0]
    ganzhou = recent[(recent["adcode"] == "360700") & (recent["year"] == 2018)].set_index("indicator")
    gross = {sector: float(ganzhou.at[name, "value"]) for sector, name in SECTOR_SPLIT_SOURCE.items()}
    total = sum(gross.values())
    shares = ", ".join(f"{sector} {value / total:.1%}" for sector, value in gross.items())
    method = (f"derived: 2019 primary-industry value added {value_added['value']} 亿元 "
              f"(preliminary, 第一产业增加值 = net output of the four sectors) split by the sector "
              f"shares of 赣州市 2018 农林牧渔业总产值 ({shares}; services excluded), the only "
              "published sector split in the stored sources / 2019 年第一产业增加值按赣州市 2018 年"
              "农林牧渔业总产值的行业结构拆分")
    return pd.DataFrame([
        _row("360000", 2019, f"{sector}_net_output_value", float(value_added["value"]) * value / total,
             "亿元", value_added["source"], value_added["quote"], "derived", method)
        for sector, value in gross.items()])


def _tourism_2019(general: pd.DataFrame) -> pd.DataFrame:
    """Province 2019 tourism from the 2021 figures and the 2021 bulletin's ratios to 2019."""
    out = []
    for indicator, (name, ratio) in TOURISM_2021_RATIO.items():
        row = general[(general["adcode"] == "360000") & (general["year"] == 2021)
                      & (general["indicator"] == name)].iloc[0]
        method = (f"derived: 2021 {name} {row['value']} {row['unit']} ÷ {ratio} (the 2021 figures "
                  f"are {ratio:.1%} of 2019's, same source) / 由 2021 年数值 ÷ {ratio:.1%} 推算")
        out.append(_row("360000", 2019, indicator, float(row["value"]) / ratio, row["unit"],
                        row["source_url"] + REPOST, row["quote"], "derived", method))
    return pd.DataFrame(out)


def _population(general: pd.DataFrame, rows: pd.DataFrame, units: pd.DataFrame,
                years: tuple[int, ...], source: Path) -> pd.DataFrame:
    """Population for every unit and pack year: reported where a figure of the year exists;
    else the 2020 census count (derived: the nearest complete count) for the province and cities;
    counties share their city's figure by their 2010 census population (allocated)."""
    census = general[general["indicator"] == "resident_population_census"].drop_duplicates("adcode")
    reported = rows[rows["indicator"] == "population"]
    table = Units(units.set_index("code", drop=False))
    county_2010 = pd.read_csv(source / "population/jiangxi_county_population_2000_2010_mapchina.csv",
                              dtype={"Code_County": str})
    # 龙南县 360727 became 龙南市 360783 in 2020: same territory
    county_2010["Code_County"] = county_2010["Code_County"].replace({"360727": "360783"})
    proxy = county_2010.set_index("Code_County")["Pop_2010"].reindex(table.codes)
    rules = pd.DataFrame({"proxy": ["census_2010"], "label_en": ["2010 census population"],
                          "label_zh": ["2010 年人口普查人口"]}, index=["population"])
    out = []
    for year in years:
        have = reported[reported["year"] == year]
        year_rows = [_row(r.code, year, "population", r.value, r.unit, r.source, r.quote)
                     for r in have.itertuples()]
        for r in census.itertuples():
            if r.adcode not in set(have["code"]):
                year_rows.append(_row(
                    r.adcode, year, "population", r.value, r.unit, r.source_url + REPOST, r.quote,
                    "derived", f"derived: the 2020 census count (2020-11-01) used for {year}, the "
                               f"nearest complete count / 以 2020 年第七次人口普查数代 {year} 年"))
        frame = pd.DataFrame(year_rows).drop_duplicates("code")
        canonical = frame.assign(value=frame["value"] * frame["unit"].map({"万人": 1e4, "人": 1.0}))
        allocated = allocate(canonical, table, {"census_2010": proxy}, rules)
        allocated = allocated.iloc[len(canonical):].assign(year=year, unit="人")
        out.append(pd.concat([frame, allocated], ignore_index=True))
    return pd.concat(out, ignore_index=True)


def _known_totals(general: pd.DataFrame, recent: pd.DataFrame) -> pd.DataFrame:
    """Totals that bound physical results (``ecoledger.plausibility``): electricity use and
    water resources, reported where published, the province's water resources derived from its
    published per-capita figure."""
    out = []
    for r in recent[recent["indicator"] == "electricity_consumption_total"].itertuples():
        out.append(_row(r.adcode, r.year, "electricity_consumption_total", r.value, r.unit,
                        r.source, r.quote))
    for r in general[general["indicator"] == "water_resources_total"].itertuples():
        out.append(_row(r.adcode, r.year, "water_resources_total", r.value, r.unit,
                        r.source_url + REPOST, r.quote))
    per_capita = general[(general["adcode"] == "360000")
                         & (general["indicator"] == "water_resources_per_capita")].iloc[0]
    population = general[(general["adcode"] == "360000") & (general["year"] == per_capita["year"])
                         & (general["indicator"] == "resident_population")].iloc[0]
    value = float(per_capita["value"]) * float(population["value"]) * 1e4 / 1e8
    out.append(_row("360000", per_capita["year"], "water_resources_total", value, "亿立方米",
                    per_capita["source_url"] + REPOST, per_capita["quote"], "derived",
                    f"derived: per-capita water resources {per_capita['value']} m³ × resident "
                    f"population {population['value']} 万 ({per_capita['year']}) / 人均水资源量 × 常住人口"))
    return pd.DataFrame(out).rename(columns={"indicator": "quantity"})
