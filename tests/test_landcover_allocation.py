"""Sub-pixel disaggregation of the MODIS land cover (landcover_allocation), hand-computed small
cases, and the Jiangxi pack's land cover against the official 2019 figures."""

import json

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from ecoledger.packs import jiangxi
from ecoledger.packs import landcover_allocation as la

MCD12C1_TRANSFORM = Affine(0.05, 0.0, 113.5, 0.0, -0.05, 30.1)


def test_source_cell_index_is_the_cell_containing_the_point():
    lon = np.array([113.52, 113.57, 113.40])
    lat = np.array([30.08, 30.03, 30.00])
    # (row 0, col 0) → 0; (row 1, col 1) → 1·101 + 1; west of the raster → −1
    assert la.source_cell_index(lon, lat, MCD12C1_TRANSFORM, (113, 101)).tolist() == [0, 102, -1]


def test_forest_land_fraction_is_tree_cover_over_stand_closure():
    fraction = la.forest_land_fraction(np.array([2, 8, 9, 12, 0]), closure=0.54)
    assert fraction == pytest.approx([1.0, 0.45 / 0.54, 0.20 / 0.54, 0.0, 0.0])
    # capped at 1 when the stands are sparser than the class's tree cover
    assert la.forest_land_fraction(np.array([8]), closure=0.40).tolist() == [1.0]


def test_cultivated_fraction_is_the_midpoint_of_the_igbp_range():
    assert la.cultivated_fraction(np.array([12, 14, 8])).tolist() == [0.8, 0.5, 0.0]


def test_lowland_score_averages_percentile_ranks_of_slope_and_elevation():
    score = la.lowland_score(np.array([0.0, 1.0, 2.0, 3.0, np.nan]),
                             np.array([10.0, 30.0, 20.0, 40.0, 5.0]))
    # slope ranks 1/4 2/4 3/4 4/4; elevation ranks 1/4 3/4 2/4 4/4
    assert score[:4] == pytest.approx([0.25, 0.625, 0.625, 1.0])
    assert np.isnan(score[4])


def test_top_fraction_within_cells_takes_the_highest_scores_of_each_cell():
    cells = np.array([0, 0, 0, 0, 1, 1, -1])
    fraction = np.array([0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0])
    score = np.array([4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 9.0])
    chosen = la.top_fraction_within_cells(fraction, score, cells)
    assert chosen.tolist() == [True, False, True, False, True, True, False]


def test_lowest_until_counts_inside_the_region_and_applies_the_cutoff_outside():
    score = np.array([0.1, 0.2, 0.3, 0.4])
    chosen, cutoff = la.lowest_until(score, np.ones(4, bool), np.array([False, True, True, True]), 1)
    assert cutoff == 0.2
    assert chosen.tolist() == [True, True, False, False]  # 0.1 is outside but below the cut-off
    nothing, cutoff = la.lowest_until(score, np.ones(4, bool), np.ones(4, bool), 0)
    assert not nothing.any() and cutoff == -np.inf


def test_disaggregate_small_case():
    # two 0.05° cells: woody savanna (6 fine cells) and cropland (4 fine cells)
    classes = np.array([[8, 8, 8, 12, 12], [8, 8, 8, 12, 12]], dtype=np.uint8)
    cells = np.array([[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]])
    terrain = np.array([[6.0, 7, 8, 1, 2], [9, 10, 11, 3, 12]])  # slope = elevation: one ranking
    out, summary = la.disaggregate(classes, cells, terrain, terrain, np.ones_like(cells, bool),
                                   farmland_target_cells=4, paddy_share=0.5, closure=0.54)
    # woody savanna: round(0.45/0.54 · 6) = 5 forest cells on 7…11, 6 left over;
    # cropland: round(0.8 · 4) = 3 cultivated on 1, 2, 3, 12 left over;
    # one more farmland cell to reach 4: the lower leftover (6); 12 → grassland;
    # paddy = the lowest half of farmland (1, 2) → 12, the rest (3, 6) → 14
    assert out.tolist() == [[14, 8, 8, 12, 12], [8, 8, 8, 14, 10]]
    assert summary["cultivated_by_definition_cells"] == 3
    assert summary["farmland_added_by_constraint_cells"] == 1


def test_disaggregate_keeps_water_urban_forest_and_nodata():
    classes = np.array([[0, 13, 2, 255]], dtype=np.uint8)
    cells = np.array([[0, 1, 2, -1]])
    flat = np.zeros((1, 4))
    out, _ = la.disaggregate(classes, cells, flat, flat, np.ones((1, 4), bool), 0, 0.5)
    assert out.tolist() == classes.tolist()


def test_ecosystem_shares_go_through_the_crosswalk():
    classes = np.array([[8, 8, 12], [0, 255, 10]])
    shares = la.ecosystem_shares(classes, jiangxi.jiangxi_crosswalk(), np.ones((2, 3), bool))
    got = shares.set_index("ecosystem")["cells"].to_dict()
    assert got == {"forest": 2, "farmland": 1, "wetland": 1, "grassland": 1, "unclassified": 1}
    assert shares["share_pct"].sum() == pytest.approx(100.0)


def test_compare_with_official_turns_areas_into_shares_of_the_mapped_unit():
    official = (("甲", "360000", "forest", "forest land", 600.0, None, "s1"),
                ("乙", "360800", "forest", "forest cover", None, 67.67, "s2"))
    table = la.compare_with_official({"360000": {"forest": 58.0}}, {"360000": 1000.0}, official)
    assert len(table) == 1  # 360800 is not mapped: skipped
    row = table.iloc[0]
    assert (row["official_share_pct"], row["difference_pts"], row["within_tolerance"]) == (60.0, -2.0, True)


def test_method_text_names_the_constraint_and_its_numbers():
    en, zh = la.method_text(la.FARMLAND_TARGET_KM2, la.PADDY_SHARE_OF_FARMLAND)
    assert "CONSTRAINT" in en and "约束" in zh
    assert "32,940 km²" in en and "83%" in en and "{" not in en + zh


# ---- the real Jiangxi pack ---------------------------------------------------------------
@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return jiangxi.build(tmp_path_factory.mktemp("landcover") / "pack", years=(2019,))


@pytest.fixture(scope="module")
def check(pack):
    return pd.read_csv(pack / "landcover_check.csv", dtype={"adcode": str})


def _row(check, adcode, indicator_start):
    rows = check[(check["adcode"] == adcode) & check["official_indicator_zh"].str.startswith(indicator_start)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_province_forest_is_within_five_points_of_the_land_survey(check):
    forest = _row(check, "360000", "林地")
    assert forest["official_share_pct"] == pytest.approx(62.4, abs=0.2)
    assert abs(forest["our_share_pct"] - forest["official_share_pct"]) <= 5.0
    assert not forest["constrained"]


def test_province_farmland_is_the_constrained_survey_area_and_cropland_is_close(check):
    farmland = _row(check, "360000", "耕地 + 园地")
    assert farmland["constrained"] and abs(farmland["difference_pts"]) < 0.01
    cropland = _row(check, "360000", "耕地（不含园地")
    assert abs(cropland["difference_pts"]) <= 5.0


def test_unconstrained_checks_are_recorded_honestly(pack, check):
    jian = _row(check, "360800", "森林覆盖率")
    assert jian["official_share_pct"] == 67.67 and abs(jian["difference_pts"]) <= 5.0
    wetland = _row(check, "360000", "湿地")
    assert abs(wetland["difference_pts"]) <= 5.0
    metadata = json.loads((pack / "metadata.json").read_text())
    recorded = metadata["checks"]["landcover_vs_official"]
    assert len(recorded["rows"]) == len(check)
    assert recorded["shares_pct_before_plain_crosswalk"]["360000"]["forest"] > 80  # the old map
    layer = metadata["layers"]["layers/landcover.tif"]
    assert "CONSTRAINT" in layer["method"] and layer["status"] == "derived"
