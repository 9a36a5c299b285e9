"""Hand-checked cases and invariants of the terrain kernels (ecoledger.terrain)."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from numba import njit

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


# --------------------------------------------------------------------------- fast paths vs the
# straightforward kernels
#
# The kernels in ecoledger.terrain take shortcuts: the fill bypasses the priority queue on
# slopes, D8/MFD decide cells with a lower neighbour in a parallel first pass and search only
# the plateaus (visiting equal-elevation neighbours only, skipping drains that border no
# undecided cell), accumulation walks down from sources instead of a global queue, LS uses
# tabulated numerators. Below is the straightforward, row-major version (ecoledger before these
# shortcuts, which matched pygeoprocessing 2.4.11 cell for cell): one heap-and-pit-queue
# Priority-Flood, one block-ordered scan doing steepest descent and plateau searches for every
# cell, Kahn's algorithm with a global queue. The fast paths must reproduce it exactly.

SQRT2 = 1.4142135623730951
SQRT2_INV = 1.0 / 1.4142135623730951


@njit
def _ref_fifo_push(buf, head, size, item):
    """Append ``item`` to the ring buffer ``buf`` (doubling it when full); return new state."""
    cap = buf.size
    if size == cap:
        grown = np.empty(cap * 2, dtype=buf.dtype)
        for k in range(size):
            grown[k] = buf[(head + k) % cap]
        buf, head, cap = grown, 0, cap * 2
    buf[(head + size) % cap] = item
    return buf, head, size + 1


@njit
def _ref_heap_push(keys, items, size, key, item):
    """Push onto a binary min-heap stored in ``keys``/``items``; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return size + 1


@njit
def _ref_heap_pop(keys, items, size):
    """Remove the smallest key; return (item, new size)."""
    top = items[0]
    size -= 1
    key, item = keys[size], items[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        items[i] = items[child]
        i = child
    if size > 0:
        keys[i] = key
        items[i] = item
    return top, size


@njit
def _ref_fill_kernel(z):
    """Priority-Flood with a plain queue for pit cells (Barnes et al. 2014, Algorithm 2)."""
    rows, cols = z.shape
    closed = np.zeros((rows, cols), dtype=np.bool_)
    # Every cell enters the heap or the pit queue at most once: size both for all cells.
    keys = np.empty(rows * cols, dtype=np.float64)
    items = np.empty(rows * cols, dtype=np.int64)
    nheap = 0
    pit = np.empty(rows * cols, dtype=np.int64)
    phead = 0
    ptail = 0
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                continue
            outlet = False
            for k in range(8):
                rn, cn = r + DR[k], c + DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                    outlet = True
                    break
            if outlet:
                closed[r, c] = True
                nheap = _ref_heap_push(keys, items, nheap, z[r, c], r * cols + c)
    while nheap > 0 or phead < ptail:
        if phead < ptail:
            cell = pit[phead]
            phead += 1
        else:
            cell, nheap = _ref_heap_pop(keys, items, nheap)
        r, c = cell // cols, cell % cols
        level = z[r, c]
        for k in range(8):
            rn, cn = r + DR[k], c + DC[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                continue
            if closed[rn, cn] or np.isnan(z[rn, cn]):
                continue
            closed[rn, cn] = True
            if z[rn, cn] <= level:
                z[rn, cn] = level
                pit[ptail] = rn * cols + cn
                ptail += 1
            else:
                nheap = _ref_heap_push(keys, items, nheap, z[rn, cn], rn * cols + cn)


@njit
def _ref_d8_kernel(z, dirs):
    """pygeoprocessing ``flow_dir_d8``: steepest descent, plateaus drained by shortest path."""
    rows, cols = z.shape
    flat = np.zeros((rows, cols), dtype=np.bool_)
    dist = np.full((rows, cols), float(rows * cols))
    search = np.empty(1024, dtype=np.int64)
    drain = np.empty(1024, dtype=np.int64)
    nodata_drain = np.empty(1024, dtype=np.int64)
    nodata_dir = np.empty(1024, dtype=np.int64)
    for br in range(0, rows, 256):
        for bc in range(0, cols, 256):
            for r0 in range(br, min(br + 256, rows)):
                for c0 in range(bc, min(bc + 256, cols)):
                    h = z[r0, c0]
                    if np.isnan(h) or dirs[r0, c0] != 255:
                        continue
                    best = -1
                    best_slope = 0.0
                    for k in range(8):
                        rn, cn = r0 + DR[k], c0 + DC[k]
                        if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                            continue
                        s = h - z[rn, cn]
                        if k & 1:
                            s *= SQRT2_INV
                        if s > best_slope:
                            best, best_slope = k, s
                    if best >= 0:
                        dirs[r0, c0] = best
                        continue
                    # A plateau: find its drains (downhill first, else nodata/edge) by BFS.
                    sh, ss = 0, 0
                    dh, ds = 0, 0
                    nh, ns = 0, 0
                    mh, ms = 0, 0
                    search, sh, ss = _ref_fifo_push(search, sh, ss, r0 * cols + c0)
                    flat[r0, c0] = True
                    while ss > 0:
                        q = search[sh]
                        sh = (sh + 1) % search.size
                        ss -= 1
                        rq, cq = q // cols, q % cols
                        best = -1
                        best_slope = 0.0
                        diagonal_nodata = 1
                        for k in range(8):
                            rn, cn = rq + DR[k], cq + DC[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                                if diagonal_nodata and best_slope == 0.0:
                                    best = k
                                    diagonal_nodata = k & 1
                                continue
                            s = h - z[rn, cn]
                            if s < 0:
                                continue
                            if s == 0.0:
                                if not flat[rn, cn]:
                                    search, sh, ss = _ref_fifo_push(search, sh, ss, rn * cols + cn)
                                    flat[rn, cn] = True
                                continue
                            if k & 1:
                                s *= SQRT2_INV
                            if s > best_slope:
                                best, best_slope = k, s
                        if best >= 0:
                            if best_slope > 0.0:
                                dirs[rq, cq] = best
                                dist[rq, cq] = 0.0
                                drain, dh, ds = _ref_fifo_push(drain, dh, ds, q)
                            else:
                                nodata_drain, nh, ns = _ref_fifo_push(nodata_drain, nh, ns, q)
                                nodata_dir, mh, ms = _ref_fifo_push(nodata_dir, mh, ms, best)
                    if ds == 0:  # only nodata/edge drains: use them
                        while ns > 0:
                            q = nodata_drain[nh]
                            nh = (nh + 1) % nodata_drain.size
                            ns -= 1
                            dirs[q // cols, q % cols] = nodata_dir[mh]
                            mh = (mh + 1) % nodata_dir.size
                            dist[q // cols, q % cols] = 0.0
                            drain, dh, ds = _ref_fifo_push(drain, dh, ds, q)
                    # Label-correcting BFS from the drains; each cell points to the neighbour
                    # that first offered it its shortest distance (1 or √2 per step).
                    while ds > 0:
                        q = drain[dh]
                        dh = (dh + 1) % drain.size
                        ds -= 1
                        rq, cq = q // cols, q % cols
                        d = dist[rq, cq]
                        for k in range(8):
                            rn, cn = rq + DR[k], cq + DC[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                                continue
                            nd = d + (SQRT2 if k & 1 else 1.0)
                            if z[rn, cn] == h and dist[rn, cn] > nd:
                                dirs[rn, cn] = (k + 4) % 8
                                dist[rn, cn] = nd
                                drain, dh, ds = _ref_fifo_push(drain, dh, ds, rn * cols + cn)


@njit
def _ref_pack(weights, total):
    """Quantise 8 weights to 4-bit shares of 15 packed in an int (pygeoprocessing encoding)."""
    code = 0
    for k in range(8):
        code |= int(0.5 + weights[k] / total * 15.0) << (4 * k)
    return code


@njit
def _ref_mfd_kernel(z, code):
    """pygeoprocessing ``flow_dir_mfd`` into packed 4-bit codes (0 = no direction/nodata)."""
    rows, cols = z.shape
    flat = np.zeros((rows, cols), dtype=np.bool_)
    drained = np.zeros((rows, cols), dtype=np.bool_)  # plateau drain mask
    far = float(rows * cols)
    dist = np.full((rows, cols), far)
    w = np.zeros(8)
    wn = np.zeros(8)
    search = np.empty(1024, dtype=np.int64)
    drain = np.empty(1024, dtype=np.int64)
    direction = np.empty(1024, dtype=np.int64)
    nodata_drain = np.empty(1024, dtype=np.int64)
    nodata_code = np.empty(1024, dtype=np.int64)
    for r0 in range(rows):
        for c0 in range(cols):
            h = z[r0, c0]
            if np.isnan(h) or code[r0, c0] != 0:
                continue
            total = 0.0
            for k in range(8):
                w[k] = 0.0
                rn, cn = r0 + DR[k], c0 + DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                    continue
                s = h - z[rn, cn]
                if s > 0.0:
                    if k & 1:
                        s *= SQRT2_INV
                    w[k] = s
                    total += s
            if total > 0.0:
                code[r0, c0] = _ref_pack(w, total)
                continue
            # Plateau: drains are cells with a lower neighbour, else cells next to nodata.
            sh, ss = 0, 0
            dh, ds = 0, 0
            nh, ns = 0, 0
            mh, ms = 0, 0
            search, sh, ss = _ref_fifo_push(search, sh, ss, r0 * cols + c0)
            flat[r0, c0] = True
            while ss > 0:
                q = search[sh]
                sh = (sh + 1) % search.size
                ss -= 1
                rq, cq = q // cols, q % cols
                total = 0.0
                total_nodata = 0.0
                for k in range(8):
                    w[k] = 0.0
                    wn[k] = 0.0
                    rn, cn = rq + DR[k], cq + DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                        wn[k] = SQRT2_INV if k & 1 else 1.0
                        total_nodata += wn[k]
                        continue
                    s = h - z[rn, cn]
                    if s < 0:
                        continue
                    if s == 0.0:
                        if not flat[rn, cn]:
                            search, sh, ss = _ref_fifo_push(search, sh, ss, rn * cols + cn)
                            flat[rn, cn] = True
                        continue
                    if k & 1:
                        s *= SQRT2_INV
                    w[k] = s
                    total += s
                if total > 0.0:
                    code[rq, cq] = _ref_pack(w, total)
                    dist[rq, cq] = 0.0
                    drained[rq, cq] = True
                    drain, dh, ds = _ref_fifo_push(drain, dh, ds, q)
                elif total_nodata > 0.0:
                    nodata_drain, nh, ns = _ref_fifo_push(nodata_drain, nh, ns, q)
                    nodata_code, mh, ms = _ref_fifo_push(nodata_code, mh, ms, _ref_pack(wn, total_nodata))
            if ds == 0:
                while ns > 0:
                    q = nodata_drain[nh]
                    nh = (nh + 1) % nodata_drain.size
                    ns -= 1
                    code[q // cols, q % cols] = nodata_code[mh]
                    mh = (mh + 1) % nodata_code.size
                    dist[q // cols, q % cols] = 0.0
                    drained[q // cols, q % cols] = True
                    drain, dh, ds = _ref_fifo_push(drain, dh, ds, q)
            th, ts = 0, 0
            for i in range(ds):
                direction, th, ts = _ref_fifo_push(direction, th, ts, drain[(dh + i) % drain.size])
            # Shortest distance (steps 1 and √2) of every plateau cell to a drain.
            while ds > 0:
                q = drain[dh]
                dh = (dh + 1) % drain.size
                ds -= 1
                rq, cq = q // cols, q % cols
                d = dist[rq, cq]
                for k in range(8):
                    rn, cn = rq + DR[k], cq + DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                        continue
                    nd = d + (SQRT2 if k & 1 else 1.0)
                    if z[rn, cn] == h and dist[rn, cn] > nd:
                        dist[rn, cn] = nd
                        drain, dh, ds = _ref_fifo_push(drain, dh, ds, rn * cols + cn)
            # Each plateau cell drains to all nearer neighbours, weight 1 (edge) or 1/√2.
            while ts > 0:
                q = direction[th]
                th = (th + 1) % direction.size
                ts -= 1
                rq, cq = q // cols, q % cols
                d = dist[rq, cq]
                total = 0.0
                for k in range(8):
                    w[k] = 0.0
                    rn, cn = rq + DR[k], cq + DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or z[rn, cn] != h:
                        continue
                    if dist[rn, cn] == far:
                        continue
                    if dist[rn, cn] < d:
                        w[k] = SQRT2_INV if k & 1 else 1.0
                        total += w[k]
                    elif not drained[rn, cn]:
                        direction, th, ts = _ref_fifo_push(direction, th, ts, rn * cols + cn)
                        drained[rn, cn] = True
                if total > 0:
                    code[rq, cq] = _ref_pack(w, total)


@njit
def _ref_accumulate_d8(dirs, weights, use_weights, acc):
    rows, cols = dirs.shape
    indeg = np.zeros((rows, cols), dtype=np.uint8)
    for r in range(rows):
        for c in range(cols):
            k = dirs[r, c]
            if k > 7:
                acc[r, c] = np.nan
                continue
            w = 1.0
            if use_weights:
                w = weights[r, c]
                if np.isnan(w):
                    w = 0.0
            acc[r, c] = w
            rn, cn = r + DR[k], c + DC[k]
            if 0 <= rn < rows and 0 <= cn < cols and dirs[rn, cn] <= 7:
                indeg[rn, cn] += 1
    order = np.empty(rows * cols, dtype=np.int64)  # Kahn's topological order, sources first
    n = 0
    for r in range(rows):
        for c in range(cols):
            if dirs[r, c] <= 7 and indeg[r, c] == 0:
                order[n] = r * cols + c
                n += 1
    i = 0
    while i < n:
        cell = order[i]
        i += 1
        r, c = cell // cols, cell % cols
        k = dirs[r, c]
        rn, cn = r + DR[k], c + DC[k]
        if 0 <= rn < rows and 0 <= cn < cols and dirs[rn, cn] <= 7:
            acc[rn, cn] += acc[r, c]
            indeg[rn, cn] -= 1
            if indeg[rn, cn] == 0:
                order[n] = rn * cols + cn
                n += 1


@njit
def _ref_accumulate_mfd(prop, weights, use_weights, acc):
    _, rows, cols = prop.shape
    indeg = np.zeros((rows, cols), dtype=np.uint8)
    valid = np.zeros((rows, cols), dtype=np.bool_)
    for r in range(rows):
        for c in range(cols):
            for k in range(8):
                if prop[k, r, c] > 0:
                    valid[r, c] = True
                    break
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                acc[r, c] = np.nan
                continue
            w = 1.0
            if use_weights:
                w = weights[r, c]
                if np.isnan(w):
                    w = 0.0
            acc[r, c] = w
            for k in range(8):
                rn, cn = r + DR[k], c + DC[k]
                if prop[k, r, c] > 0 and 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                    indeg[rn, cn] += 1
    order = np.empty(rows * cols, dtype=np.int64)
    n = 0
    for r in range(rows):
        for c in range(cols):
            if valid[r, c] and indeg[r, c] == 0:
                order[n] = r * cols + c
                n += 1
    i = 0
    while i < n:
        cell = order[i]
        i += 1
        r, c = cell // cols, cell % cols
        total = 0.0  # renormalise: float32 shares need not sum to exactly 1
        for k in range(8):
            total += prop[k, r, c]
        for k in range(8):
            p = prop[k, r, c]
            rn, cn = r + DR[k], c + DC[k]
            if p > 0 and 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                acc[rn, cn] += acc[r, c] * (p / total)
                indeg[rn, cn] -= 1
                if indeg[rn, cn] == 0:
                    order[n] = rn * cols + cn
                    n += 1


def reference_routing(dem: np.ndarray) -> dict[str, np.ndarray]:
    """Filled DEM, D8, MFD proportions and both accumulations by the straightforward kernels."""
    z = dem.astype(np.float64)  # pygeoprocessing works in float64
    _ref_fill_kernel(z)
    dirs = np.full(z.shape, 255, dtype=np.uint8)
    _ref_d8_kernel(z, dirs)
    code = np.zeros(z.shape, dtype=np.int64)
    _ref_mfd_kernel(z, code)
    nibbles = np.stack([(code >> (4 * k)) & 0xF for k in range(8)])
    prop = (nibbles / np.maximum(nibbles.sum(axis=0), 1)).astype(np.float32)
    acc_d8 = np.empty(z.shape)
    _ref_accumulate_d8(dirs, np.zeros((1, 1)), False, acc_d8)
    acc_mfd = np.empty(z.shape)
    _ref_accumulate_mfd(prop, np.zeros((1, 1)), False, acc_mfd)
    return {"filled": z, "d8": dirs, "mfd": prop, "acc_d8": acc_d8, "acc_mfd": acc_mfd}


def plateau_dem(rows: int, cols: int, levels: int, seed: int) -> np.ndarray:
    """Few elevation levels (huge plateaus, many ties), pits, nodata holes and a nodata rim."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    dem = np.floor(
        levels * (0.5 + 0.25 * np.sin(x / 37.0) * np.cos(y / 23.0)) + 0.8 * rng.random((rows, cols))
    )
    dem[rng.random((rows, cols)) < 0.002] = np.nan  # scattered nodata cells: off-grid drains
    dem[rows // 3 : rows // 3 + 9, cols // 2 : cols // 2 + 15] = np.nan
    dem[:, :2] = np.nan  # a plateau may touch only nodata/the edge
    dem[5:40, 30:90] = dem[20, 60]  # a large flat block crossing nothing but itself
    dem[rows - 25 :, 2:50] = -1.0  # the lowest plateau: drains only off the grid/into nodata
    return dem


@pytest.mark.parametrize(
    ("rows", "cols", "levels", "seed", "dtype"),
    [
        (300, 530, 3, 0, np.float32),  # crosses 256×256 scan blocks in both directions
        (257, 261, 6, 1, np.float64),
        (64, 90, 2, 2, np.float32),
    ],
)
def test_fast_routing_equals_straightforward_on_plateaus(rows, cols, levels, seed, dtype):
    dem = plateau_dem(rows, cols, levels, seed).astype(dtype)
    ref = reference_routing(dem)
    filled = fill_depressions(dem)
    np.testing.assert_array_equal(filled, ref["filled"].astype(dtype))
    directions = flow_direction_d8(filled)
    assert (np.isnan(filled) == (directions == D8_NODATA)).all()
    np.testing.assert_array_equal(directions, ref["d8"])
    np.testing.assert_array_equal(flow_direction_mfd(filled), ref["mfd"])
    np.testing.assert_array_equal(flow_accumulation_d8(directions), ref["acc_d8"])
    np.testing.assert_allclose(flow_accumulation_mfd(ref["mfd"]), ref["acc_mfd"], rtol=1e-12)


def test_fast_directions_equal_straightforward_on_an_unfilled_dem():
    """Flat-bottomed pits have no drain: their cells keep no direction / zero proportions."""
    dem = plateau_dem(120, 140, 3, 3)
    ref = reference_routing(dem)  # reference_routing fills; rebuild its directions unfilled
    z = dem.astype(np.float64)
    dirs = np.full(z.shape, 255, dtype=np.uint8)
    _ref_d8_kernel(z, dirs)
    code = np.zeros(z.shape, dtype=np.int64)
    _ref_mfd_kernel(z, code)
    nibbles = np.stack([(code >> (4 * k)) & 0xF for k in range(8)])
    prop = (nibbles / np.maximum(nibbles.sum(axis=0), 1)).astype(np.float32)
    directions = flow_direction_d8(dem)
    assert ((directions == D8_NODATA) & ~np.isnan(dem)).any()  # undrained plateaus exist
    np.testing.assert_array_equal(directions, dirs)
    np.testing.assert_array_equal(flow_direction_mfd(dem), prop)
    assert not np.array_equal(ref["d8"], dirs)


def test_weighted_accumulation_equals_kahn_order():
    dem = plateau_dem(150, 170, 4, 4)
    filled = fill_depressions(dem)
    weights = np.random.default_rng(5).random(dem.shape)
    weights[::7, ::5] = np.nan
    directions = flow_direction_d8(filled)
    expected = np.empty(dem.shape)
    _ref_accumulate_d8(directions, weights, True, expected)
    np.testing.assert_allclose(flow_accumulation_d8(directions, weights), expected, rtol=1e-12)
    prop = flow_direction_mfd(filled)
    _ref_accumulate_mfd(prop, weights, True, expected)
    np.testing.assert_allclose(flow_accumulation_mfd(prop, weights), expected, rtol=1e-12)


def _ls_straightforward(p: float, fa: float, cell: float, l_max: float) -> float:
    """InVEST 3.20's LS for one cell, term by term (arctan, sin, cos and five powers)."""
    theta = math.atan(p / 100)
    s = math.sin(theta)
    if p <= 1:
        m = 0.2
    elif p <= 3.5:
        m = 0.3
    elif p <= 5:
        m = 0.4
    elif p <= 9:
        m = 0.5
    else:
        beta = (s / 0.0896) / (3 * s**0.8 + 0.56)
        m = beta / (1 + beta)
    x = abs(s) + abs(math.cos(theta))
    a = math.sqrt((fa - 1) * cell * cell)
    l_value = ((a + cell * cell) ** (m + 1) - a ** (m + 1)) / (cell ** (m + 2) * x**m * 22.13**m)
    return min(l_value, l_max) * (10.8 * s + 0.03 if p < 9 else 16.8 * s - 0.5)


def test_ls_fast_path_equals_formula():
    """Tabulated numerators (integer FA below 4096) and the general path, all slope classes."""
    rng = np.random.default_rng(6)
    slope = np.concatenate([[0.0, 1.0, 3.5, 5.0, 9.0, 9.0001, 150.0], rng.uniform(0, 60, 400)])
    fa = np.concatenate([[1.0, 2.0, 4095.0, 4096.0, 1e6, 7.5, 1.0], rng.integers(1, 6000, 400)])
    fa[::3] += rng.random(fa[::3].size)  # MFD-like fractional accumulation
    slope = slope.astype(np.float32)[None, :]
    fa = fa[None, :]
    for cell, l_max in ((30.0, 122.0), (10.0, 333.0)):
        ls = ls_factor_desmet_govers(slope, fa, cell, l_max)
        expected = [
            _ls_straightforward(float(p), float(a), cell, l_max) for p, a in zip(slope[0], fa[0], strict=True)
        ]
        np.testing.assert_allclose(ls[0], expected, rtol=1e-12)


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
