"""Hydrological routing kernels: depression filling, D8/MFD flow direction, flow accumulation.

All kernels reproduce pygeoprocessing 2.4.11 (``pygeoprocessing.routing``), which InVEST 3.20
SDR uses, cell for cell: ``fill_pits`` → ``flow_dir_d8`` / ``flow_dir_mfd`` →
``flow_accumulation_d8`` / ``flow_accumulation_mfd``.

Conventions
-----------
* Elevations are a 2-D float32/float64 array in metres; **NaN marks nodata**. Cells outside the
  array and NaN cells are both "nodata" to the algorithms: water may leave the grid there.
* Neighbour index ``k`` (pygeoprocessing/TauDEM order), with rows growing southwards::

      3 2 1
      4 x 0
      5 6 7

  i.e. 0=E, 1=NE, 2=N, 3=NW, 4=W, 5=SW, 6=S, 7=SE. ``D8_NODATA`` (255) means "no direction"
  (nodata cell); pygeoprocessing writes 128 for that, which is the only difference.
* Flow accumulation counts the cell itself (a ridge cell has 1), unit: cells, or the unit of
  ``weights`` × cells when weights are given.

Kernels are single linear passes compiled with numba (priority queue for the fill, breadth-first
searches on flats, a topological order for accumulation); they accept ``np.memmap`` inputs and
``out=`` arrays, so inputs and results can live on disk. Their working arrays stay in memory: up
to 25 bytes per cell (fill: heap and pit queue; direction: plateau distances; accumulation:
topological order).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ecoledger.errors import TerrainError

D8_NODATA = np.uint8(255)
"""Flow direction of a nodata cell."""

_DR = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)  # row offset of neighbour k
_DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)  # column offset of neighbour k
_SQRT2 = 1.4142135623730951
_SQRT2_INV = 1.0 / 1.4142135623730951
_SCAN_BLOCK = 256  # pygeoprocessing scans its 256×256 GeoTIFF blocks; plateau ties depend on it


# --------------------------------------------------------------------------- small containers


@njit(cache=True)
def _fifo_push(buf, head, size, item):
    """Append ``item`` to the ring buffer ``buf`` (doubling it when full); return new state."""
    cap = buf.size
    if size == cap:
        grown = np.empty(cap * 2, dtype=buf.dtype)
        for k in range(size):
            grown[k] = buf[(head + k) % cap]
        buf, head, cap = grown, 0, cap * 2
    buf[(head + size) % cap] = item
    return buf, head, size + 1


@njit(cache=True)
def _heap_push(keys, items, size, key, item):
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


@njit(cache=True)
def _heap_pop(keys, items, size):
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


# --------------------------------------------------------------------------- depression filling


@njit(cache=True)
def _fill_kernel(z):
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
                rn, cn = r + _DR[k], c + _DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                    outlet = True
                    break
            if outlet:
                closed[r, c] = True
                nheap = _heap_push(keys, items, nheap, z[r, c], r * cols + c)
    while nheap > 0 or phead < ptail:
        if phead < ptail:
            cell = pit[phead]
            phead += 1
        else:
            cell, nheap = _heap_pop(keys, items, nheap)
        r, c = cell // cols, cell % cols
        level = z[r, c]
        for k in range(8):
            rn, cn = r + _DR[k], c + _DC[k]
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
                nheap = _heap_push(keys, items, nheap, z[rn, cn], rn * cols + cn)


def fill_depressions(dem: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Fill every depression of ``dem`` to its spill elevation.

    Priority-Flood (Barnes, Lehman & Mulla 2014, "Priority-Flood: an optimal depression-filling
    and watershed-labeling algorithm", Computers & Geosciences 62, Algorithm 2), O(n log n) for
    the cells on the priority queue and O(1) per cell inside pits. Cells on the grid edge and
    cells next to a NaN cell are outlets. Each cell is raised to the lowest elevation at which
    water could leave it along a path of 8-connected cells, without any epsilon gradient — which
    is what ``pygeoprocessing.routing.fill_pits`` produces (verified equal, see
    docs/invest-comparison.md). Flats left by filling are resolved by the flow-direction kernels.

    Args:
        dem: 2-D float array of elevations (m), NaN = nodata.
        out: optional array (e.g. an ``np.memmap``) of the same shape and dtype to write into.

    Returns:
        The filled DEM (m), same dtype as ``dem``; NaN cells stay NaN.
    """
    dem = _float_grid(dem, "dem")
    if out is None:
        out = dem.copy()
    else:
        _check_out(out, dem.shape, dem.dtype)
        out[...] = dem
    _fill_kernel(np.asarray(out))
    return out


# --------------------------------------------------------------------------- D8 direction


@njit(cache=True)
def _d8_kernel(z, dirs):
    """pygeoprocessing ``flow_dir_d8``: steepest descent, plateaus drained by shortest path."""
    rows, cols = z.shape
    flat = np.zeros((rows, cols), dtype=np.bool_)
    dist = np.full((rows, cols), float(rows * cols))
    search = np.empty(1024, dtype=np.int64)
    drain = np.empty(1024, dtype=np.int64)
    nodata_drain = np.empty(1024, dtype=np.int64)
    nodata_dir = np.empty(1024, dtype=np.int64)
    for br in range(0, rows, _SCAN_BLOCK):
        for bc in range(0, cols, _SCAN_BLOCK):
            for r0 in range(br, min(br + _SCAN_BLOCK, rows)):
                for c0 in range(bc, min(bc + _SCAN_BLOCK, cols)):
                    h = z[r0, c0]
                    if np.isnan(h) or dirs[r0, c0] != 255:
                        continue
                    best = -1
                    best_slope = 0.0
                    for k in range(8):
                        rn, cn = r0 + _DR[k], c0 + _DC[k]
                        if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                            continue
                        s = h - z[rn, cn]
                        if k & 1:
                            s *= _SQRT2_INV
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
                    search, sh, ss = _fifo_push(search, sh, ss, r0 * cols + c0)
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
                            rn, cn = rq + _DR[k], cq + _DC[k]
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
                                    search, sh, ss = _fifo_push(search, sh, ss, rn * cols + cn)
                                    flat[rn, cn] = True
                                continue
                            if k & 1:
                                s *= _SQRT2_INV
                            if s > best_slope:
                                best, best_slope = k, s
                        if best >= 0:
                            if best_slope > 0.0:
                                dirs[rq, cq] = best
                                dist[rq, cq] = 0.0
                                drain, dh, ds = _fifo_push(drain, dh, ds, q)
                            else:
                                nodata_drain, nh, ns = _fifo_push(nodata_drain, nh, ns, q)
                                nodata_dir, mh, ms = _fifo_push(nodata_dir, mh, ms, best)
                    if ds == 0:  # only nodata/edge drains: use them
                        while ns > 0:
                            q = nodata_drain[nh]
                            nh = (nh + 1) % nodata_drain.size
                            ns -= 1
                            dirs[q // cols, q % cols] = nodata_dir[mh]
                            mh = (mh + 1) % nodata_dir.size
                            dist[q // cols, q % cols] = 0.0
                            drain, dh, ds = _fifo_push(drain, dh, ds, q)
                    # Label-correcting BFS from the drains; each cell points to the neighbour
                    # that first offered it its shortest distance (1 or √2 per step).
                    while ds > 0:
                        q = drain[dh]
                        dh = (dh + 1) % drain.size
                        ds -= 1
                        rq, cq = q // cols, q % cols
                        d = dist[rq, cq]
                        for k in range(8):
                            rn, cn = rq + _DR[k], cq + _DC[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                                continue
                            nd = d + (_SQRT2 if k & 1 else 1.0)
                            if z[rn, cn] == h and dist[rn, cn] > nd:
                                dirs[rn, cn] = (k + 4) % 8
                                dist[rn, cn] = nd
                                drain, dh, ds = _fifo_push(drain, dh, ds, rn * cols + cn)


def flow_direction_d8(filled: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """D8 flow direction of a depression-filled DEM, exactly as ``pygeoprocessing.flow_dir_d8``.

    Each cell drains to the neighbour with the steepest drop (drop/1 for edge neighbours,
    drop/√2 for diagonals; ties go to the lowest index ``k``; O'Callaghan & Mark 1984). A cell
    without a lower neighbour belongs to a plateau: the connected cells of equal elevation are
    found by breadth-first search, the plateau cells with a lower neighbour are its drains (or,
    if it has none, the cells next to nodata/the edge, pointing off the grid — a straight
    neighbour preferred over a diagonal), and every other plateau cell points along its shortest
    path (steps 1 and √2) to the nearest drain. Cells are scanned in 256×256 blocks like
    pygeoprocessing so that equal-length paths are broken the same way.

    Args:
        filled: 2-D float array, a DEM without pits (m), NaN = nodata (see ``fill_depressions``).
        out: optional uint8 array (e.g. ``np.memmap``) of the same shape to write into.

    Returns:
        uint8 array of neighbour indices: 0=E, 1=NE, 2=N, 3=NW, 4=W, 5=SW, 6=S, 7=SE,
        255 = nodata. A direction may point off the grid or into a NaN cell (an outlet).
    """
    filled = _float_grid(filled, "filled")
    if out is None:
        out = np.full(filled.shape, D8_NODATA, dtype=np.uint8)
    else:
        _check_out(out, filled.shape, np.uint8)
        out[...] = D8_NODATA
    _d8_kernel(filled, np.asarray(out))
    return out


# --------------------------------------------------------------------------- MFD direction


@njit(cache=True)
def _pack(weights, total):
    """Quantise 8 weights to 4-bit shares of 15 packed in an int (pygeoprocessing encoding)."""
    code = 0
    for k in range(8):
        code |= int(0.5 + weights[k] / total * 15.0) << (4 * k)
    return code


@njit(cache=True)
def _mfd_kernel(z, code):
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
                rn, cn = r0 + _DR[k], c0 + _DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                    continue
                s = h - z[rn, cn]
                if s > 0.0:
                    if k & 1:
                        s *= _SQRT2_INV
                    w[k] = s
                    total += s
            if total > 0.0:
                code[r0, c0] = _pack(w, total)
                continue
            # Plateau: drains are cells with a lower neighbour, else cells next to nodata.
            sh, ss = 0, 0
            dh, ds = 0, 0
            nh, ns = 0, 0
            mh, ms = 0, 0
            search, sh, ss = _fifo_push(search, sh, ss, r0 * cols + c0)
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
                    rn, cn = rq + _DR[k], cq + _DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                        wn[k] = _SQRT2_INV if k & 1 else 1.0
                        total_nodata += wn[k]
                        continue
                    s = h - z[rn, cn]
                    if s < 0:
                        continue
                    if s == 0.0:
                        if not flat[rn, cn]:
                            search, sh, ss = _fifo_push(search, sh, ss, rn * cols + cn)
                            flat[rn, cn] = True
                        continue
                    if k & 1:
                        s *= _SQRT2_INV
                    w[k] = s
                    total += s
                if total > 0.0:
                    code[rq, cq] = _pack(w, total)
                    dist[rq, cq] = 0.0
                    drained[rq, cq] = True
                    drain, dh, ds = _fifo_push(drain, dh, ds, q)
                elif total_nodata > 0.0:
                    nodata_drain, nh, ns = _fifo_push(nodata_drain, nh, ns, q)
                    nodata_code, mh, ms = _fifo_push(nodata_code, mh, ms, _pack(wn, total_nodata))
            if ds == 0:
                while ns > 0:
                    q = nodata_drain[nh]
                    nh = (nh + 1) % nodata_drain.size
                    ns -= 1
                    code[q // cols, q % cols] = nodata_code[mh]
                    mh = (mh + 1) % nodata_code.size
                    dist[q // cols, q % cols] = 0.0
                    drained[q // cols, q % cols] = True
                    drain, dh, ds = _fifo_push(drain, dh, ds, q)
            th, ts = 0, 0
            for i in range(ds):
                direction, th, ts = _fifo_push(direction, th, ts, drain[(dh + i) % drain.size])
            # Shortest distance (steps 1 and √2) of every plateau cell to a drain.
            while ds > 0:
                q = drain[dh]
                dh = (dh + 1) % drain.size
                ds -= 1
                rq, cq = q // cols, q % cols
                d = dist[rq, cq]
                for k in range(8):
                    rn, cn = rq + _DR[k], cq + _DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                        continue
                    nd = d + (_SQRT2 if k & 1 else 1.0)
                    if z[rn, cn] == h and dist[rn, cn] > nd:
                        dist[rn, cn] = nd
                        drain, dh, ds = _fifo_push(drain, dh, ds, rn * cols + cn)
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
                    rn, cn = rq + _DR[k], cq + _DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or z[rn, cn] != h:
                        continue
                    if dist[rn, cn] == far:
                        continue
                    if dist[rn, cn] < d:
                        w[k] = _SQRT2_INV if k & 1 else 1.0
                        total += w[k]
                    elif not drained[rn, cn]:
                        direction, th, ts = _fifo_push(direction, th, ts, rn * cols + cn)
                        drained[rn, cn] = True
                if total > 0:
                    code[rq, cq] = _pack(w, total)


def flow_direction_mfd(filled: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Multiple-flow-direction proportions, exactly as ``pygeoprocessing.flow_dir_mfd``.

    The share of neighbour ``k`` is proportional to the slope towards it, drop/1 for edge and
    drop/√2 for diagonal neighbours (Freeman 1991 with exponent 1; Quinn et al. 1991 without the
    contour-length weights), over the strictly lower neighbours only. As in pygeoprocessing each
    share is quantised to ``round(15 · share)`` and the proportion is that integer over the sum of
    the integers, so proportions are multiples of 1/Σ. Plateau cells drain to all neighbours on
    the plateau that are nearer (steps 1 and √2) to the plateau's drains, weighted 1 (edge) or
    1/√2 (diagonal); a plateau with no lower neighbour drains off the grid/into nodata with the
    same weights.

    Freeman, T.G. 1991, Computers & Geosciences 17(3); Quinn, P. et al. 1991, Hydrological
    Processes 5(1).

    Args:
        filled: 2-D float array, a DEM without pits (m), NaN = nodata.
        out: optional float32 array of shape ``(8, rows, cols)`` (e.g. ``np.memmap``).

    Returns:
        float32 array ``(8, rows, cols)``: ``out[k, r, c]`` is the fraction (0–1) of the flow of
        cell (r, c) going to neighbour ``k`` (order as in ``flow_direction_d8``). Fractions sum to
        1 on valid cells and are all 0 on nodata cells; flow towards a NaN cell or off the grid
        leaves the grid.
    """
    filled = _float_grid(filled, "filled")
    shape = (8, *filled.shape)
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    else:
        _check_out(out, shape, np.float32)
    code = np.zeros(filled.shape, dtype=np.int64)
    _mfd_kernel(filled, code)
    nibbles = [(code >> (4 * k)) & 0xF for k in range(8)]
    total = np.maximum(sum(nibbles), 1)  # 0 only on nodata cells, whose nibbles are all 0
    for k in range(8):
        out[k] = nibbles[k] / total
    return out


# --------------------------------------------------------------------------- accumulation


@njit(cache=True)
def _accumulate_d8(dirs, weights, use_weights, acc):
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
            rn, cn = r + _DR[k], c + _DC[k]
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
        rn, cn = r + _DR[k], c + _DC[k]
        if 0 <= rn < rows and 0 <= cn < cols and dirs[rn, cn] <= 7:
            acc[rn, cn] += acc[r, c]
            indeg[rn, cn] -= 1
            if indeg[rn, cn] == 0:
                order[n] = rn * cols + cn
                n += 1


def flow_accumulation_d8(
    directions: np.ndarray, weights: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Upstream cell count (or weight sum) along D8 directions, like ``flow_accumulation_d8``.

    ``acc[c] = w[c] + Σ acc[u]`` over the cells ``u`` draining into ``c``, evaluated in one pass
    over a topological order (Kahn 1962). Flow leaving the grid or entering a nodata cell is
    dropped.

    Args:
        directions: uint8 D8 directions from ``flow_direction_d8`` (255 = nodata).
        weights: optional float array, per-cell weight (any unit, e.g. t/cell); NaN counts as 0.
            ``None`` weighs every cell 1.
        out: optional float64 array (e.g. ``np.memmap``) of the same shape.

    Returns:
        float64 accumulation (cells, or weight units), including the cell itself; NaN on nodata.
    """
    directions = _grid(directions, "directions")
    if directions.dtype != np.uint8:
        raise TerrainError(f"directions must be uint8 D8 codes, got {directions.dtype}")
    w = _weights(weights, directions.shape)
    if out is None:
        out = np.empty(directions.shape, dtype=np.float64)
    else:
        _check_out(out, directions.shape, np.float64)
    _accumulate_d8(directions, w, weights is not None, np.asarray(out))
    return out


@njit(cache=True)
def _accumulate_mfd(prop, weights, use_weights, acc):
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
                rn, cn = r + _DR[k], c + _DC[k]
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
            rn, cn = r + _DR[k], c + _DC[k]
            if p > 0 and 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                acc[rn, cn] += acc[r, c] * (p / total)
                indeg[rn, cn] -= 1
                if indeg[rn, cn] == 0:
                    order[n] = rn * cols + cn
                    n += 1


def flow_accumulation_mfd(
    proportions: np.ndarray, weights: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Upstream cell count (or weight sum) along MFD proportions, like ``flow_accumulation_mfd``.

    ``acc[c] = w[c] + Σ p(u→c) · acc[u]``, evaluated in one pass over a topological order, with
    each cell's proportions divided by their sum (in float64) so that no mass is created or lost
    by float32 rounding. The share of flow sent off the grid or into nodata cells leaves the
    grid.

    Args:
        proportions: float array ``(8, rows, cols)`` from ``flow_direction_mfd``; a cell whose
            proportions are all 0 is nodata.
        weights: optional float array ``(rows, cols)``; NaN counts as 0. ``None`` weighs cells 1.
        out: optional float64 array (e.g. ``np.memmap``) of shape ``(rows, cols)``.

    Returns:
        float64 accumulation (cells, or weight units), including the cell itself; NaN on nodata.
    """
    proportions = np.asarray(proportions)
    if proportions.ndim != 3 or proportions.shape[0] != 8:
        raise TerrainError(f"proportions must have shape (8, rows, cols), got {proportions.shape}")
    if proportions.dtype not in (np.float32, np.float64):
        raise TerrainError(f"proportions must be float32/float64, got {proportions.dtype}")
    shape = proportions.shape[1:]
    w = _weights(weights, shape)
    if out is None:
        out = np.empty(shape, dtype=np.float64)
    else:
        _check_out(out, shape, np.float64)
    _accumulate_mfd(proportions, w, weights is not None, np.asarray(out))
    return out


# --------------------------------------------------------------------------- validation


def _grid(a: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 2 or a.size == 0:
        raise TerrainError(f"{name} must be a non-empty 2-D array, got shape {a.shape}")
    return a


def _float_grid(a: np.ndarray, name: str) -> np.ndarray:
    a = _grid(a, name)
    if a.dtype not in (np.float32, np.float64):
        raise TerrainError(f"{name} must be float32 or float64 with NaN as nodata, got {a.dtype}")
    return a


def _weights(weights: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if weights is None:
        return np.zeros((1, 1))
    w = _float_grid(weights, "weights")
    if w.shape != shape:
        raise TerrainError(f"weights shape {w.shape} differs from the grid shape {shape}")
    return w


def _check_out(out: np.ndarray, shape: tuple[int, ...], dtype) -> None:
    if out.shape != tuple(shape) or out.dtype != dtype:
        raise TerrainError(
            f"out must have shape {tuple(shape)} and dtype {np.dtype(dtype)}, got {out.shape} {out.dtype}"
        )
