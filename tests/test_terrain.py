"""Hand-checked cases and invariants of the terrain kernels (ecoledger.terrain)."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from ecoledger.errors import TerrainError
from ecoledger.terrain import (
    D8_NODATA,
    fill_depressions,
    flow_accumulation_d8,
    flow_accumulation_mfd,
    flow_direction_d8,
    flow_direction_mfd,
    ls_factor_desmet_govers,
    ls_factor_rusle_china,
    map_tiles,
    slope_percent,
)

DR = np.array([0, -1, -1, -1, 0, 1, 1, 1])
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1])


def random_dem(n: int = 60, seed: int = 1) -> np.ndarray:
    """Rough terrain with pits, 1 m terraces (flats) and two nodata holes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n]
    dem = np.round(0.3 * x + 0.2 * y + 4 * rng.random((n, n)))
    dem[10:14, 20:25] = np.nan
    dem[n - 5, 5] = np.nan
    return dem


# --------------------------------------------------------------------------- hand cases


def test_tilted_plane_flows_east_and_counts_cells():
    dem = np.tile(np.array([13.0, 12.0, 11.0, 10.0]), (4, 1))  # falls 1 m per cell eastwards
    directions = flow_direction_d8(fill_depressions(dem))
    assert (directions == 0).all()  # 0 = E, including the edge column (straight way out)
    acc = flow_accumulation_d8(directions)
    np.testing.assert_array_equal(acc, np.tile([1.0, 2.0, 3.0, 4.0], (4, 1)))


def test_pit_is_filled_to_its_spill_level():
    dem = np.array(
        [
            [9, 9, 9, 9, 9],
            [9, 6, 7, 6, 9],
            [9, 7, 1, 4, 3],
            [9, 6, 7, 6, 9],
            [9, 9, 9, 9, 9],
        ],
        dtype=np.float64,
    )
    filled = fill_depressions(dem)
    expected = dem.copy()
    expected[2, 2] = 4.0  # spills over (2, 3) at 4 m to the edge outlet (2, 4)
    np.testing.assert_array_equal(filled, expected)
    directions = flow_direction_d8(filled)
    assert directions[2, 2] == 0 and directions[2, 3] == 0  # the filled flat drains east
    acc = flow_accumulation_d8(directions)
    assert acc[2, 4] == 25  # every 9 m border cell has a lower inner neighbour: all drain here


def test_nodata_hole_is_an_outlet():
    r, c = np.mgrid[0:5, 0:5]
    dem = np.maximum(abs(r - 2), abs(c - 2)).astype(np.float64)  # bowl around the centre
    dem[2, 2] = np.nan
    filled = fill_depressions(dem)
    np.testing.assert_array_equal(filled, dem)  # nothing to fill: the hole drains the bowl
    directions = flow_direction_d8(filled)
    assert directions[2, 2] == D8_NODATA
    for rr, cc in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2), (3, 3)]:
        k = directions[rr, cc]
        assert (rr + DR[k], cc + DC[k]) == (2, 2)  # ring cells point into the hole
    acc = flow_accumulation_d8(directions)
    assert np.isnan(acc[2, 2])
    ring = acc[1:4, 1:4].copy()
    ring[1, 1] = 0
    assert np.nansum(ring) == 24  # 24 valid cells reach the hole


def test_flat_drains_to_its_single_outlet():
    dem = np.full((3, 5), 5.0)
    dem[1, 0] = 4.0  # the only lower cell, on the west edge
    filled = fill_depressions(dem)
    np.testing.assert_array_equal(filled, dem)  # edge cells are outlets: a flat is not a pit
    directions = flow_direction_d8(filled)
    assert directions[1, 0] == 4  # leaves the grid westwards (straight preferred to diagonal)
    np.testing.assert_array_equal(directions[1, 1:], [4, 4, 4, 4])  # shortest path to (1, 0)
    acc = flow_accumulation_d8(directions)
    assert acc[1, 0] == 15
    acc_mfd = flow_accumulation_mfd(flow_direction_mfd(filled))
    assert acc_mfd[1, 0] == pytest.approx(15.0)


def test_mfd_proportions_on_a_cone():
    r, c = np.mgrid[0:7, 0:7]
    dem = 10 - np.hypot(r - 3, c - 3)  # a cone: peak in the centre
    prop = flow_direction_mfd(dem)
    assert prop.shape == (8, 7, 7) and prop.dtype == np.float32
    np.testing.assert_allclose(prop.sum(axis=0), 1.0, rtol=1e-6)
    # Slopes to all 8 neighbours of the peak are 1 m/cell: equal 4-bit shares 2/16.
    np.testing.assert_allclose(prop[:, 3, 3], 0.125)
    k = prop[:, 3, 5].argmax()  # east of the peak flows mostly further east
    assert k == 0


def test_slope_of_a_plane():
    cell = 30.0
    r, c = np.mgrid[0:6, 0:8]
    dem = 0.05 * c * cell - 0.12 * r * cell  # dz/dx = 0.05, dz/dy = 0.12 per metre
    slope = slope_percent(dem, cell)
    assert slope.dtype == np.float32
    np.testing.assert_allclose(slope, 100 * math.hypot(0.05, 0.12), rtol=1e-6)  # edges too


def _l_hand(fa, m, theta, cell):
    a = math.sqrt((fa - 1) * cell * cell)
    x = math.sin(theta) + math.cos(theta)
    return ((a + cell * cell) ** (m + 1) - a ** (m + 1)) / (cell ** (m + 2) * x**m * 22.13**m)


def test_ls_desmet_govers_hand_computed():
    cell = 30.0
    slope = np.array([[4.0, 20.0]], dtype=np.float32)  # float32 like slope_percent's output
    fa = np.array([[10.0, 10.0]])
    ls = ls_factor_desmet_govers(slope, fa, cell)
    t4, t20 = math.atan(0.04), math.atan(0.20)
    s20 = math.sin(t20)
    beta = (s20 / 0.0896) / (3 * s20**0.8 + 0.56)
    expected = [
        _l_hand(10, 0.4, t4, cell) * (10.8 * math.sin(t4) + 0.03),  # 3.5 % < 4 % ≤ 5 %
        _l_hand(10, beta / (1 + beta), t20, cell) * (16.8 * s20 - 0.5),  # > 9 %
    ]
    np.testing.assert_allclose(ls[0], expected, rtol=1e-12)
    capped = ls_factor_desmet_govers(slope[:, :1], np.array([[1e9]]), cell, l_max=5.0)
    assert capped[0, 0] == pytest.approx(5.0 * (10.8 * math.sin(t4) + 0.03))


def test_ls_rusle_china_uses_liu_above_10_degrees():
    cell = 30.0
    slope = np.array([[100 * math.tan(math.radians(15))]], dtype=np.float32)
    ls = ls_factor_rusle_china(slope, np.array([[10.0]]), cell)
    theta = math.atan(float(slope[0, 0]) / 100)  # 15° up to float32 rounding
    s = math.sin(theta)
    beta = (s / 0.0896) / (3 * s**0.8 + 0.56)
    l_value = _l_hand(10, beta / (1 + beta), theta, cell)
    assert ls[0, 0] == pytest.approx(l_value * (21.91 * s - 0.96), rel=1e-9)


# --------------------------------------------------------------------------- invariants


def test_fill_matches_the_definition():
    """Filled = max(z, min over neighbours of filled), outlets at edges and nodata."""
    dem = random_dem(30)
    filled = fill_depressions(dem)
    valid = ~np.isnan(dem)
    pad = np.pad(dem, 1, constant_values=np.nan)
    outlet = np.zeros(dem.shape, dtype=bool)
    for k in range(8):
        outlet |= np.isnan(pad[1 + DR[k] : 31 + DR[k], 1 + DC[k] : 31 + DC[k]])
    ref = np.where(outlet & valid, dem, np.inf)
    ref[~valid] = np.nan
    for _ in range(2000):  # Jacobi iteration of the fixed point; converges on this size
        pad = np.pad(ref, 1, constant_values=np.inf)
        low = np.full(dem.shape, np.inf)
        for k in range(8):
            low = np.fmin(low, pad[1 + DR[k] : 31 + DR[k], 1 + DC[k] : 31 + DC[k]])
        new = np.where(outlet | ~valid, ref, np.maximum(dem, low))
        if np.array_equal(new, ref, equal_nan=True):
            break
        ref = new
    np.testing.assert_array_equal(filled, ref)
    assert (filled[valid] >= dem[valid]).all()


def test_d8_mass_conservation():
    dem = random_dem()
    directions = flow_direction_d8(fill_depressions(dem))
    acc = flow_accumulation_d8(directions)
    rows, cols = dem.shape
    total = 0.0
    for r, c in zip(*np.nonzero(directions != D8_NODATA), strict=True):
        rn, cn = r + DR[directions[r, c]], c + DC[directions[r, c]]
        if not (0 <= rn < rows and 0 <= cn < cols) or np.isnan(dem[rn, cn]):
            total += acc[r, c]
    assert total == (~np.isnan(dem)).sum()
    assert (np.isnan(acc) == np.isnan(dem)).all()


def test_mfd_mass_conservation():
    dem = random_dem()
    prop = flow_direction_mfd(fill_depressions(dem))
    acc = flow_accumulation_mfd(prop)
    rows, cols = dem.shape
    total_share = prop.sum(axis=0, dtype=np.float64)
    out = 0.0
    for k in range(8):
        rn, cn = np.mgrid[0:rows, 0:cols]
        rn, cn = rn + DR[k], cn + DC[k]
        inside = (rn >= 0) & (rn < rows) & (cn >= 0) & (cn < cols)
        leaves = ~inside
        leaves[inside] = np.isnan(dem[rn[inside], cn[inside]])
        share = np.divide(prop[k], total_share, out=np.zeros(dem.shape), where=total_share > 0)
        out += np.nansum(np.where(leaves, acc * share, 0.0))
    assert out == pytest.approx((~np.isnan(dem)).sum(), rel=1e-9)
    np.testing.assert_allclose(prop.sum(axis=0)[~np.isnan(dem)], 1.0, rtol=1e-6)


def test_weighted_accumulation_treats_nan_weight_as_zero():
    dem = np.tile(np.array([13.0, 12.0, 11.0, 10.0]), (2, 1))
    weights = np.array([[2.0, np.nan, 1.0, 0.5], [1.0, 1.0, 1.0, 1.0]])
    acc = flow_accumulation_d8(flow_direction_d8(dem), weights)
    np.testing.assert_array_equal(acc, [[2.0, 2.0, 3.0, 3.5], [1.0, 2.0, 3.0, 4.0]])


def test_tiled_slope_equals_untiled_exactly(tmp_path):
    dem = random_dem(70)
    whole = slope_percent(dem, 30.0)
    out = np.memmap(tmp_path / "slope.f32", dtype=np.float32, mode="w+", shape=dem.shape)
    tiled = map_tiles(partial(slope_percent, cell_size=30.0), [dem], out=out, tile=16)
    np.testing.assert_array_equal(np.asarray(tiled), whole)
    fa = flow_accumulation_d8(flow_direction_d8(fill_depressions(dem)))
    ls_tiled = map_tiles(partial(ls_factor_desmet_govers, cell_size=30.0), [whole, fa], halo=0, tile=25)
    np.testing.assert_array_equal(ls_tiled, ls_factor_desmet_govers(whole, fa, 30.0))


def test_routing_accepts_memmaps(tmp_path):
    dem = random_dem(40)
    src = np.memmap(tmp_path / "dem.f64", dtype=np.float64, mode="w+", shape=dem.shape)
    src[:] = dem
    filled = np.memmap(tmp_path / "filled.f64", dtype=np.float64, mode="w+", shape=dem.shape)
    fill_depressions(src, out=filled)
    np.testing.assert_array_equal(filled, fill_depressions(dem))
    dirs = np.memmap(tmp_path / "d8.u8", dtype=np.uint8, mode="w+", shape=dem.shape)
    flow_direction_d8(filled, out=dirs)
    acc = np.memmap(tmp_path / "acc.f64", dtype=np.float64, mode="w+", shape=dem.shape)
    flow_accumulation_d8(dirs, out=acc)
    np.testing.assert_array_equal(acc, flow_accumulation_d8(flow_direction_d8(filled)))


@pytest.mark.parametrize(
    "call",
    [
        lambda: fill_depressions(np.zeros(5)),
        lambda: fill_depressions(np.zeros((3, 3), dtype=np.int32)),
        lambda: flow_accumulation_d8(np.zeros((3, 3), dtype=np.int64)),
        lambda: flow_accumulation_mfd(np.zeros((4, 3, 3), dtype=np.float32)),
        lambda: flow_accumulation_d8(np.zeros((3, 3), np.uint8), np.zeros((2, 2))),
        lambda: slope_percent(np.zeros((3, 3)), -30.0),
        lambda: ls_factor_desmet_govers(np.zeros((3, 3)), np.zeros((2, 3)), 30.0),
        lambda: flow_direction_d8(np.zeros((3, 3)), out=np.zeros((3, 3))),
    ],
)
def test_bad_input_raises_terrain_error(call):
    with pytest.raises(TerrainError):
        call()
