"""Sub-pixel disaggregation of MODIS MCD12C1 IGBP classes (0.05°) onto a 1 km grid.

MCD12C1 gives one majority IGBP class per 0.05° cell (≈ 5 km, ≈ 25 cells of the 1 km grid). In
Jiangxi 57 % of those cells are woody savanna (8) or savanna (9): a hill-and-valley landscape of
forest with paddies, villages and shrub-grass in the valleys, which a plain crosswalk counts as
100 % forest (≈ 87 % of the province against 62.4 % forest land in the Third National Land Survey).
The functions here split each coarse cell into the components its IGBP definition implies and put
each component on the 1 km cells whose terrain suits it (forest on the steepest, highest ground;
farmland on the flattest, lowest). All functions are pure numpy; classes are IGBP codes (MCD12C1
codes water 0), so the pack's crosswalk keeps mapping codes to GEP ecosystems.

Sources: IGBP class definitions as in the MCD12Q1/MCD12C1 v006 user guide (Sulla-Menashe &
Friedl 2018, Table 3: forests tree cover > 60 %; woody savannas 30–60 %; savannas 10–30 %;
croplands ≥ 60 % cultivated; cropland/natural mosaics 40–60 % small-scale cultivation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NODATA_CLASS = 255
FOREST_CLASSES = (1, 2, 3, 4, 5)
WOODY_SAVANNA, SAVANNA, GRASSLAND, CROPLAND, MOSAIC = 8, 9, 10, 12, 14

# Tree canopy cover (fraction of area) of each class: the midpoint of its IGBP definition range
# (user guide Table 3). Forest classes: > 60 %, any value ≥ the stand closure below gives 100 %.
TREE_COVER = {WOODY_SAVANNA: 0.45,  # IGBP woody savanna: tree cover 30–60 % → midpoint
              SAVANNA: 0.20}        # IGBP savanna: tree cover 10–30 % → midpoint
# Cultivated fraction: croplands "at least 60 %" → midpoint of 60–100 %; mosaics "40–60 %" → 50 %.
CULTIVATED = {CROPLAND: 0.80, MOSAIC: 0.50}
# Mean canopy closure (郁闭度) of China's forest stands, 0.54 (State Forestry Administration,
# national forest inventory, as quoted at http://www.gzjgpet.cn/ecology/show.php?itemid=929:
# "林分…平均郁闭度0.54"). National, not Jiangxi: the forest-share sensitivity to it is reported.
STAND_CANOPY_CLOSURE = 0.54

# Official land figures of Jiangxi to check against (/work/shared/data/jiangxi/statistics-2019/
# env_water_energy.csv, each row's URL and quote there). Areas in km² (1 万公顷 = 100 km²), covers in %.
SURVEY_2019 = ("江西省第三次全国国土调查主要数据公报（标准时点 2019-12-31），http://steelnails.cn/p/79400",
               "江西省第三次全国国土调查主要数据公报 (census date 2019-12-31), http://steelnails.cn/p/79400")
SURVEY_CROPLAND_KM2 = 272.16 * 100  # 耕地 272.16 万公顷 (三调)
SURVEY_GARDEN_KM2 = 57.24 * 100     # 园地 57.24 万公顷 (orchards 36.28, tea 3.25, other 17.71; 三调)
SURVEY_PADDY_KM2 = 227.05 * 100     # 水田 227.05 万公顷 (三调)
# GEP farmland ecosystem = cropland + garden land: the national ecosystem classification used in
# Chinese GEP accounting puts 园地 (orchards, tea) under 农田 (farmland) at level 1.
FARMLAND_TARGET_KM2 = SURVEY_CROPLAND_KM2 + SURVEY_GARDEN_KM2
PADDY_SHARE_OF_FARMLAND = SURVEY_PADDY_KM2 / FARMLAND_TARGET_KM2
# (unit name, adcode, ecosystem, indicator (zh, en), official area km² or None, official % or None,
#  source (zh, en) or one text for both)
OFFICIAL = (
    ("江西省", "360000", "forest", ("林地（三调）", "forest land (林地; third land survey)"),
     1041.37 * 100, None, SURVEY_2019),
    ("江西省", "360000", "forest", ("乔木林地（三调；单位据上下文为万公顷）",
                                   "arbor forest land (乔木林地; third land survey; unit 万公顷 by context)"),
     803.41 * 100, None, SURVEY_2019),
    ("江西省", "360000", "forest", ("森林覆盖率 2020", "forest cover (森林覆盖率) 2020"), None, 63.1,
     "新华社 2021-01-28, http://glxcb.cn/yaowen/2021/0129/22055.html"),
    ("江西省", "360000", "farmland", ("耕地 + 园地（三调）— 受约束",
                                     "cropland + garden (耕地 + 园地; third land survey) — CONSTRAINED"),
     FARMLAND_TARGET_KM2, None, SURVEY_2019),
    ("江西省", "360000", "farmland", ("耕地（不含园地；三调）", "cropland only (耕地; third land survey)"),
     SURVEY_CROPLAND_KM2, None, SURVEY_2019),
    ("江西省", "360000", "wetland", ("湿地 2017（湖泊 37.41、河流 31.08 万公顷）",
                                    "wetland (湿地) 2017 (lakes 37.41, rivers 31.08 万公顷)"),
     91.01 * 100, None, "市场信息报 2017-11-18, http://hszxscxxb.com/article/3224.html"),
    ("吉安市", "360800", "forest", ("森林覆盖率 2020-09", "forest cover (森林覆盖率) 2020-09"), None, 67.67,
     "井冈山报 2020-09-02, http://www.jgsdaily.com/2020/0902/138941.shtml"),
)
CHECK_TOLERANCE_PTS = 5.0  # acceptance band of the pack's land-cover check (± percentage points)

METHOD = (
    "Sub-pixel disaggregation of MODIS MCD12C1 2019 IGBP majority classes (0.05°) onto the 1 km "
    "grid. Each 0.05° cell is split into components by its IGBP definition (user guide, "
    "Sulla-Menashe & Friedl 2018): forest classes 1–5 stay forest; woody savanna (tree cover "
    "30–60 %, midpoint 45 %) and savanna (10–30 %, midpoint 20 %) are forest land over the area "
    "fraction tree cover / {closure} (the mean canopy closure of China's forest stands, national "
    "forest inventory), i.e. {f8:.0%} and {f9:.0%}; croplands (≥ 60 % cultivated) {c12:.0%} and "
    "cropland/natural mosaics (40–60 %) {c14:.0%} farmland. Within each 0.05° cell the forest "
    "part takes the 1 km cells of highest terrain score and the farmland part the lowest (score: "
    "mean of the province-wide percentile ranks of 1 km slope and elevation, because paddies and "
    "dry land sit on flat, low ground and forest on hills). Forest parts are coded 8 (stand closure "
    "{closure} lies in the woody-savanna range → mixed forest in the crosswalk). CONSTRAINT: the "
    "non-forest, non-farmland vegetated remainder (savanna understorey, non-cultivated parts of "
    "croplands and mosaics, grassland) is then turned into farmland, flattest and lowest first, "
    "until farmland in the province equals the Third National Land Survey's cropland + garden land "
    "({target:,.0f} km², census date 2019-12-31: MODIS at 0.05° misses most valley paddies); the "
    "rest becomes grassland (10, the herbaceous layer of the savanna definitions). Farmland cells "
    "are coded 12 (paddy, P 0.15) on the flattest, lowest {paddy:.0%} (paddy share of survey "
    "cropland + garden) and 14 (dry land, orchards, tea) elsewhere. Forest share, wetland, urban and "
    "city shares are not constrained and are checked against official figures in "
    "landcover_check.csv. Water, wetland, urban, shrub classes are kept as mapped.")
METHOD_ZH = (
    "将 MODIS MCD12C1 2019 年 IGBP 主导类型（0.05°）按亚像元分解到 1 km 网格。每个 0.05° 像元按 IGBP "
    "类型定义（MCD12 用户指南，Sulla-Menashe & Friedl 2018）分解：森林类 1–5 全为森林；木本稀树草原"
    "（乔木覆盖 30–60 %，取中值 45 %）与稀树草原（10–30 %，取中值 20 %）的林地面积比例为 乔木覆盖度 ÷ "
    "{closure}（全国森林资源清查林分平均郁闭度），即 {f8:.0%} 与 {f9:.0%}；农田类（耕作 ≥ 60 %）取 "
    "{c12:.0%}、农田/自然植被镶嵌（40–60 %）取 {c14:.0%} 为农田。像元内森林部分占地形得分最高的 1 km 格，"
    "农田部分占最低的格（得分为 1 km 坡度与高程在全省百分位秩的平均："
    "水田旱地位于平缓低地，森林位于丘陵山地）。"
    "森林部分编码为 8（郁闭度 {closure} 属木本稀树草原范围，对照表中为针阔混交林）。约束条件：其余有植被、"
    "非林非农的部分（稀树草原下层、农田与镶嵌类的非耕作部分、草地）按由平到陡、由低到高的顺序转为农田，"
    "直至全省农田面积等于第三次全国国土调查耕地 + 园地面积（{target:,.0f} km²，标准时点 2019-12-31；"
    "0.05° 的 MODIS 漏分了大部分谷地水田）；余下为草地（10，稀树草原定义中的草本层）。农田中最平、最低的 "
    "{paddy:.0%}（三调水田占耕地 + 园地之比）编码为 12（水田，P 0.15），其余为 14（旱地、果园、茶园）。"
    "森林比例、湿地、建设用地与各市比例均未受约束，在 landcover_check.csv 中与官方数据对照。"
    "水体、湿地、建设用地、灌丛类保持原值。")


def source_cell_index(lon, lat, transform, shape) -> np.ndarray:
    """Index (row · cols + col) of the source-raster cell containing each point, −1 outside.

    ``lon``, ``lat`` in degrees (arrays of one shape); ``transform`` the affine of a north-up
    geographic raster (degrees per cell); ``shape`` its (rows, cols). A nearest-neighbour warp
    takes each target cell's value from exactly this cell.
    """
    rows, cols = shape
    col = np.floor((np.asarray(lon, dtype=float) - transform.c) / transform.a).astype(np.int64)
    row = np.floor((np.asarray(lat, dtype=float) - transform.f) / transform.e).astype(np.int64)
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    return np.where(inside, row * cols + col, -1)


def forest_land_fraction(classes, closure: float = STAND_CANOPY_CLOSURE) -> np.ndarray:
    """Fraction (0–1) of each cell's area that is forest land, from its IGBP class.

    Forest classes 1–5: 1. Woody savanna, savanna: tree cover (midpoint of the IGBP range) spread
    over stands of canopy closure ``closure`` (fraction), capped at 1. Other classes: 0.
    """
    classes = np.asarray(classes)
    fraction = np.where(np.isin(classes, FOREST_CLASSES), 1.0, 0.0)
    for code, cover in TREE_COVER.items():
        fraction = np.where(classes == code, min(cover / closure, 1.0), fraction)
    return fraction


def cultivated_fraction(classes) -> np.ndarray:
    """Fraction (0–1) of each cell's area cultivated by its IGBP definition: croplands 0.8,
    cropland/natural mosaics 0.5, other classes 0."""
    classes = np.asarray(classes)
    fraction = np.zeros(classes.shape)
    for code, value in CULTIVATED.items():
        fraction = np.where(classes == code, value, fraction)
    return fraction


def lowland_score(slope_percent, elevation_m, mask=None) -> np.ndarray:
    """Terrain score in (0, 1]: mean of the percentile ranks of slope (%) and elevation (m) among
    the cells of ``mask`` (all finite cells if None). Low = flat and low ground (paddies, dry
    land); high = steep and high ground (forest). NaN where either input is NaN."""
    slope = np.asarray(slope_percent, dtype=float)
    elevation = np.asarray(elevation_m, dtype=float)
    finite = np.isfinite(slope) & np.isfinite(elevation)
    reference = finite if mask is None else finite & np.asarray(mask, dtype=bool)
    score = np.full(slope.shape, np.nan)
    ranks = []
    for values in (slope, elevation):
        ordered = np.sort(values[reference])
        # percentile rank against the reference cells (ties share the upper rank)
        ranks.append(np.searchsorted(ordered, values[finite], side="right") / max(len(ordered), 1))
    score[finite] = (ranks[0] + ranks[1]) / 2.0
    return score


def top_fraction_within_cells(fraction, score, cell_index) -> np.ndarray:
    """Boolean map: in each source cell (same ``cell_index``, −1 ignored) the round(f · n) fine
    cells of highest ``score``, where f is the cell's ``fraction`` (0–1, the same for all its fine
    cells) and n its number of fine cells. Ties keep the raster order; NaN scores come last."""
    fraction = np.asarray(fraction, dtype=float).ravel()
    score = np.nan_to_num(np.asarray(score, dtype=float).ravel(), nan=-np.inf)
    cells = np.asarray(cell_index).ravel()
    chosen = np.zeros(cells.size, dtype=bool)
    index = np.flatnonzero(cells >= 0)
    if index.size == 0:
        return chosen.reshape(np.shape(cell_index))
    order = index[np.lexsort((-score[index], cells[index]))]
    sorted_cells = cells[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_cells)) + 1]
    counts = np.diff(np.r_[starts, sorted_cells.size])
    position = np.arange(sorted_cells.size) - np.repeat(starts, counts)
    wanted = np.round(fraction[order] * np.repeat(counts, counts))
    chosen[order] = position < wanted
    return chosen.reshape(np.shape(cell_index))


def lowest_until(score, candidates, counted, target_cells: float) -> tuple[np.ndarray, float]:
    """The ``candidates`` of lowest ``score`` such that those inside ``counted`` number
    ``target_cells`` (rounded; all of them if fewer), and the score cut-off used.

    The cut-off found inside ``counted`` is applied to the candidates outside it too, so a region
    mask only decides how many are taken, not where the rule stops. Returns (bool map, cut-off);
    the cut-off is −inf when nothing is taken.
    """
    score = np.asarray(score, dtype=float)
    candidates = np.asarray(candidates, dtype=bool) & np.isfinite(score)
    inside = np.sort(score[candidates & np.asarray(counted, dtype=bool)])
    take = int(min(max(round(target_cells), 0), inside.size))
    if take == 0:
        return np.zeros(score.shape, dtype=bool), -np.inf
    cutoff = float(inside[take - 1])
    return candidates & (score <= cutoff), cutoff


def disaggregate(classes, cell_index, slope_percent, elevation_m, region,
                 farmland_target_cells: float, paddy_share: float,
                 closure: float = STAND_CANOPY_CLOSURE) -> tuple[np.ndarray, dict]:
    """Fine-grid IGBP classes (uint8, 255 = nodata) from coarse classes warped by nearest cell.

    ``classes``: IGBP codes on the fine grid; ``cell_index``: source cell of each fine cell
    (``source_cell_index``); ``slope_percent`` (%), ``elevation_m`` (m) on the fine grid;
    ``region``: bool mask of the accounting region; ``farmland_target_cells``: farmland wanted in
    the region, in fine cells (the official area ÷ cell area); ``paddy_share`` (0–1): share of
    farmland coded 12 (paddy) rather than 14. Returns the classes and a summary (cells per step).
    """
    classes = np.asarray(classes)
    region = np.asarray(region, dtype=bool)
    score = lowland_score(slope_percent, elevation_m, region)
    forest = top_fraction_within_cells(forest_land_fraction(classes, closure), score, cell_index)
    # cultivated cells take the lowest ground of their 0.05° cell: rank by the negated score
    cultivated = top_fraction_within_cells(cultivated_fraction(classes), -score, cell_index)
    mixed = np.isin(classes, (WOODY_SAVANNA, SAVANNA, GRASSLAND, CROPLAND, MOSAIC))
    remainder = mixed & ~forest & ~cultivated
    missing = farmland_target_cells - float((cultivated & region).sum())
    added, cutoff = lowest_until(score, remainder, region, missing)
    farmland = cultivated | added
    paddy, paddy_cutoff = lowest_until(score, farmland, region,
                                       paddy_share * float((farmland & region).sum()))
    out = classes.astype(np.uint8).copy()
    out[mixed & forest & ~np.isin(classes, FOREST_CLASSES)] = WOODY_SAVANNA
    out[remainder & ~added] = GRASSLAND
    out[farmland] = MOSAIC
    out[paddy] = CROPLAND
    summary = {
        "forest_fraction_woody_savanna": min(TREE_COVER[WOODY_SAVANNA] / closure, 1.0),
        "forest_fraction_savanna": min(TREE_COVER[SAVANNA] / closure, 1.0),
        "stand_canopy_closure": closure,
        "cultivated_by_definition_cells": int((cultivated & region).sum()),
        "farmland_added_by_constraint_cells": int((added & region).sum()),
        "farmland_target_cells": float(farmland_target_cells),
        "farmland_score_cutoff": cutoff,
        "paddy_score_cutoff": paddy_cutoff,
    }
    return out, summary


def ecosystem_shares(classes, crosswalk: pd.DataFrame, mask) -> pd.DataFrame:
    """Cells and share (% of all the mask's cells) per ecosystem, via the crosswalk
    (columns ``class``, ``ecosystem``). Cells of nodata or of classes not in the crosswalk count
    as ecosystem "unclassified"."""
    classes = np.asarray(classes)[np.asarray(mask, dtype=bool)]
    lookup = dict(zip(crosswalk["class"].astype(int), crosswalk["ecosystem"], strict=True))
    codes, counts = np.unique(classes, return_counts=True)
    frame = pd.DataFrame({"ecosystem": [lookup.get(int(c), "unclassified") for c in codes],
                          "cells": counts})
    frame = frame.groupby("ecosystem", as_index=False)["cells"].sum()
    frame["share_pct"] = 100.0 * frame["cells"] / max(int(frame["cells"].sum()), 1)
    return frame.sort_values("cells", ascending=False, ignore_index=True)


def method_text(farmland_target_km2: float, paddy_share: float,
                closure: float = STAND_CANOPY_CLOSURE) -> tuple[str, str]:
    """The layer's method statement (English, Chinese) with the parameters filled in."""
    values = {"closure": closure, "f8": min(TREE_COVER[WOODY_SAVANNA] / closure, 1.0),
              "f9": min(TREE_COVER[SAVANNA] / closure, 1.0), "c12": CULTIVATED[CROPLAND],
              "c14": CULTIVATED[MOSAIC], "target": farmland_target_km2, "paddy": paddy_share}
    return METHOD.format(**values), METHOD_ZH.format(**values)


def compare_with_official(our_shares: dict, unit_area_km2: dict, official=OFFICIAL,
                          tolerance_pts: float = CHECK_TOLERANCE_PTS) -> pd.DataFrame:
    """One row per official figure: our share (%) of its ecosystem in its unit, the official share
    (%), difference (points), whether within ± ``tolerance_pts``. ``our_shares``: {adcode:
    {ecosystem: %}}; ``unit_area_km2``: {adcode: mapped area, km²}, the denominator that turns
    an official area into a share. ``official``: rows as in OFFICIAL. Units missing from
    ``our_shares`` are skipped."""
    rows = []
    for name, adcode, ecosystem, indicator, area_km2, pct, source in official:
        if adcode not in our_shares:
            continue
        indicator_zh, indicator_en = _both(indicator)
        source_zh, source_en = _both(source)
        official_pct = pct if pct is not None else 100.0 * area_km2 / unit_area_km2[adcode]
        ours = float(our_shares[adcode].get(ecosystem, 0.0))
        rows.append({"unit": name, "adcode": adcode, "ecosystem": ecosystem,
                     "official_indicator_zh": indicator_zh, "official_indicator_en": indicator_en,
                     "our_share_pct": round(ours, 2), "official_share_pct": round(official_pct, 2),
                     "difference_pts": round(ours - official_pct, 2),
                     "within_tolerance": abs(ours - official_pct) <= tolerance_pts,
                     "constrained": "CONSTRAINED" in indicator_en,
                     "source_zh": source_zh, "source_en": source_en})
    return pd.DataFrame(rows)


def _both(text: str | tuple[str, str]) -> tuple[str, str]:
    """(zh, en) of a text given in both languages or as one text for both."""
    return (text, text) if isinstance(text, str) else text

