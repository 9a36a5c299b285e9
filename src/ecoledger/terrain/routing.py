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

Kernels are compiled with numba and release the GIL (``nogil``), so callers can overlap them
with I/O in threads. Local work runs in parallel (cells with a strictly lower neighbour get their
direction in a parallel first pass; in-degrees are counted in parallel); what is inherently
ordered stays sequential: the Priority-Flood fill (heap plus plain queues for pit and slope
cells), the plateau searches (in pygeoprocessing's block order, since it breaks D8 ties) and the
topological accumulation pass. Internally the grid is copied with a one-cell nodata border and
addressed by flat index, so neighbour access needs no bounds checks. Kernels accept ``np.memmap``
inputs and ``out=`` arrays, so inputs and results can live on disk; their working arrays stay in
memory: about 21 (fill), 23 (D8) and 30 (MFD) bytes per cell for a float32 DEM, partly touched
only on plateau cells, and 1–2 bytes per cell for accumulation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ecoledger.errors import TerrainError

D8_NODATA = np.uint8(255)
"""Flow direction of a nodata cell."""

_DR = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)  # row offset of neighbour k
_DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)  # column offset of neighbour k
_SQRT2 = 1.4142135623730951
_SQRT2_INV = 1.0 / 1.4142135623730951
_SCAN_BLOCK = 256  # pygeoprocessing scans its 256×256 GeoTIFF blocks; plateau ties depend on it
_NBITS = np.array([bin(m).count("1") for m in range(256)], dtype=np.int64)  # set bits of a mask
_BITS = np.array([[k for k in range(8) if m >> k & 1] + [0] * (8 - bin(m).count("1")) for m in range(256)])
"""``_BITS[m, :_NBITS[m]]``: the neighbour indices k set in the 8-bit mask m, ascending."""
# Bits of the per-cell plateau ``state`` (the low 3 bits hold a direction)
_HAS_NODATA_DIR = 8  # a nodata/edge neighbour: the direction in bits 0–2 drains off the grid
_UNDECIDED = 16  # no lower neighbour: the plateau search decides the direction
_VISITED = 32  # reached by a plateau search
_DRAINED = 64  # MFD: a plateau drain, or queued for its proportions


# --------------------------------------------------------------------------- padded flat grids
#
# The kernels work on a copy of the grid with a one-cell NaN (or "no direction") border, stored
# flat: neighbour k of flat index i is i + off[k], with no bounds checks and no divisions. The
# border is nodata, which is exactly how pygeoprocessing treats cells outside the raster.


@njit(cache=True, nogil=True)
def _offsets(cols):
    """Flat offsets of the 8 neighbours in a grid padded to ``cols + 2`` columns."""
    cp = cols + 2
    off = np.empty(8, dtype=np.int64)
    for k in range(8):
        off[k] = _DR[k] * cp + _DC[k]
    return off


@njit(cache=True, nogil=True, parallel=True)
def _pad(z, fill):
    """Flat copy of ``z`` with a one-cell border of ``fill``: shape ((rows+2)·(cols+2),)."""
    rows, cols = z.shape
    cp = cols + 2
    zp = np.empty((rows + 2) * cp, dtype=z.dtype)
    for c in range(cp):
        zp[c] = fill
        zp[(rows + 1) * cp + c] = fill
    for r in prange(rows):
        base = (r + 1) * cp
        zp[base] = fill
        zp[base + cp - 1] = fill
        for c in range(cols):
            zp[base + 1 + c] = z[r, c]
    return zp


@njit(cache=True, nogil=True, parallel=True)
def _unpad(zp, out):
    rows, cols = out.shape
    cp = cols + 2
    for r in prange(rows):
        base = (r + 1) * cp + 1
        for c in range(cols):
            out[r, c] = zp[base + c]


def _index_dtype(rows: int, cols: int):
    """int32 flat indices while the padded grid has fewer than 2³¹ cells (halves queue memory)."""
    return np.dtype(np.int32) if (rows + 2) * (cols + 2) < 2**31 else np.dtype(np.int64)


# --------------------------------------------------------------------------- small containers


@njit(cache=True, nogil=True)
def _ring_grow(buf, head, size):
    """Double a full ring buffer (power-of-two capacity); return (buffer, head)."""
    cap = buf.size
    grown = np.empty(cap * 2, dtype=buf.dtype)
    for k in range(size):
        grown[k] = buf[(head + k) & (cap - 1)]
    return grown, 0


@njit(cache=True, nogil=True)
def _heap_push(keys, items, size, key, item):
    """Push onto a 4-ary min-heap stored in ``keys``/``items``; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(keys, items, size):
    """Remove the smallest key of the 4-ary min-heap; return (item, new size)."""
    top = items[0]
    size -= 1
    key, item = keys[size], items[size]
    i = 0
    while True:
        child = 4 * i + 1
        if child >= size:
            break
        best = child
        best_key = keys[child]
        for j in range(child + 1, min(child + 4, size)):
            if keys[j] < best_key:
                best = j
                best_key = keys[j]
        if best_key >= key:
            break
        keys[i] = best_key
        items[i] = items[best]
        i = best
    if size > 0:
        keys[i] = key
        items[i] = item
    return top, size


# --------------------------------------------------------------------------- depression filling


@njit(cache=True, nogil=True, parallel=True)
def _fill_closed(z, cols):
    """1 on nodata (NaN) cells, 2 on outlets (valid cells next to nodata), 0 elsewhere."""
    n = z.size
    cp = cols + 2
    rows_p = n // cp
    off = _offsets(cols)
    closed = np.empty(n, dtype=np.uint8)
    for r in prange(rows_p):
        for i in range(r * cp, (r + 1) * cp):
            if np.isnan(z[i]):
                closed[i] = 1
                continue
            closed[i] = 0  # not on the border: all 8 neighbours exist
            for k in range(8):
                if np.isnan(z[i + off[k]]):
                    closed[i] = 2
                    break
    return closed


@njit(cache=True, nogil=True)
def _fill_kernel(z, cols, itype):
    """Priority-Flood on the padded flat grid ``z`` (in place), with two plain FIFO queues.

    * pit queue (Barnes et al. 2014, Algorithm 2): cells at or below the current flood level F
      are raised to F and expanded without the heap;
    * slope queue (Zhou, Sun & Fu 2016): a cell reached from below keeps its own elevation (it
      is final); it is expanded without the heap if all its open neighbours are higher (their
      elevations are then final too), otherwise it goes on the heap to wait for its level.
    Both queues are emptied before the next heap pop, so every cell on the heap, the queues or
    the closed boundary is at level ≥ F when a cell is raised to F: the surface is exactly the
    one of Algorithm 1 (each cell at the lowest level at which it can spill to an outlet).
    """
    n = z.size
    off = _offsets(cols)
    closed = _fill_closed(z, cols)
    keys = np.empty(n, dtype=z.dtype)
    items = np.empty(n, dtype=itype)
    pit = np.empty(n, dtype=itype)  # each cell enters each queue at most once: no wrap-around
    slope = np.empty(n, dtype=itype)
    nheap = 0
    for i in range(n):
        if closed[i] == 2:  # an outlet
            closed[i] = 1
            nheap = _heap_push(keys, items, nheap, z[i], i)
    ph, pt, sh, st = 0, 0, 0, 0
    while True:
        if ph < pt:
            c = pit[ph]
            ph += 1
        elif sh < st:
            s = slope[sh]
            sh += 1
            h = z[s]
            low = False
            for k in range(8):
                m = s + off[k]
                if closed[m] == 0 and z[m] <= h:
                    low = True
                    break
            if low:
                nheap = _heap_push(keys, items, nheap, h, s)
                continue
            for k in range(8):
                m = s + off[k]
                if closed[m] == 0:
                    closed[m] = 1
                    slope[st] = m
                    st += 1
            continue
        elif nheap > 0:
            c, nheap = _heap_pop(keys, items, nheap)
        else:
            break
        level = z[c]
        for k in range(8):
            m = c + off[k]
            if closed[m]:
                continue
            closed[m] = 1
            if z[m] <= level:
                z[m] = level
                pit[pt] = m
                pt += 1
            else:
                slope[st] = m
                st += 1


def fill_depressions(dem: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Fill every depression of ``dem`` to its spill elevation.

    Priority-Flood (Barnes, Lehman & Mulla 2014, "Priority-Flood: an optimal depression-filling
    and watershed-labeling algorithm", Computers & Geosciences 62, Algorithm 2), O(n log n) for
    the cells on the priority queue and O(1) per cell inside pits; cells on slopes whose open
    neighbours are all higher also bypass the priority queue (Zhou, Sun & Fu 2016, "An
    efficient variant of the Priority-Flood algorithm for filling depressions in raster digital
    elevation models", Computers & Geosciences 90). Cells on the grid edge and cells next to a
    NaN cell are outlets. Each cell is raised to the lowest elevation at which water could
    leave it along a path of 8-connected cells, without any epsilon gradient — which is what
    ``pygeoprocessing.routing.fill_pits`` produces (verified equal, see
    docs/invest-comparison.md). Flats left by filling are resolved by the flow-direction
    kernels. Releases the GIL.

    Args:
        dem: 2-D float array of elevations (m), NaN = nodata.
        out: optional array (e.g. an ``np.memmap``) of the same shape and dtype to write into.

    Returns:
        The filled DEM (m), same dtype as ``dem``; NaN cells stay NaN.
    """
    dem = _float_grid(dem, "dem")
    if out is None:
        out = np.empty(dem.shape, dtype=dem.dtype)
    else:
        _check_out(out, dem.shape, dem.dtype)
    _fill_depressions(dem, np.asarray(out), _index_dtype(*dem.shape))
    return out


@njit(cache=True, nogil=True)
def _fill_depressions(dem, out, itype):
    """Pad, fill and unpad in one compiled call (one cached kernel to load, not three)."""
    zp = _pad(dem, np.nan)
    _fill_kernel(zp, dem.shape[1], itype)
    _unpad(zp, out)


# --------------------------------------------------------------------------- D8 direction


@njit(cache=True, nogil=True, parallel=True)
def _d8_steepest(z, rows, cols, dirs, eq, state):
    """Direction of every cell with a strictly lower neighbour (padded flat grids), in parallel.

    Such a cell gets the same direction in pygeoprocessing whether its scan or a plateau search
    reaches it first: steepest drop (drop/1, drop/√2), first ``k`` on ties, nodata skipped.
    Also records, per cell, the neighbours of equal elevation (bit k of ``eq``) and ``state``:
    ``_UNDECIDED`` for a cell without a lower neighbour, with ``_HAS_NODATA_DIR | k`` if it has
    nodata neighbours, ``k`` being the direction it takes if its plateau drains only off the
    grid (the first straight nodata neighbour, else the last diagonal one).
    """
    off = _offsets(cols)
    cp = cols + 2
    for r in prange(1, rows + 1):
        for i in range(r * cp + 1, r * cp + cols + 1):
            h = np.float64(z[i])
            if np.isnan(h):
                continue
            best = -1
            best_slope = 0.0
            mask = 0
            for k in range(8):
                s = h - np.float64(z[i + off[k]])  # NaN (nodata) never compares greater
                if s == 0.0:
                    mask |= 1 << k
                if k & 1:
                    s *= _SQRT2_INV
                if s > best_slope:
                    best, best_slope = k, s
            eq[i] = mask
            if best >= 0:
                dirs[i] = best
                state[i] = 0
                continue
            diagonal_nodata = 1
            for k in range(8):
                if np.isnan(z[i + off[k]]) and diagonal_nodata:
                    best = k
                    diagonal_nodata = k & 1
            state[i] = _UNDECIDED | (_HAS_NODATA_DIR | best if best >= 0 else 0)


@njit(cache=True, nogil=True)
def _d8_plateaus(z, rows, cols, dirs, eq, state, itype):
    """pygeoprocessing ``flow_dir_d8`` for the cells ``_d8_steepest`` left undecided (plateaus).

    Scans in pygeoprocessing's 256×256 block order; each undecided cell starts a breadth-first
    search of its plateau (visiting neighbours in index order), whose drains start a
    label-correcting search for shortest paths; queue orders are pygeoprocessing's, so equal
    paths are broken the same way. Only equal-elevation neighbours (``eq``) are visited.
    """
    n = z.size
    off = _offsets(cols)
    cp = cols + 2
    far = float(rows * cols)
    dist = np.empty(n)  # set to ``far`` when the plateau search reaches a cell
    search = np.empty(n, dtype=itype)  # a cell enters the search once: no wrap-around
    nodata_drain = np.empty(n, dtype=itype)
    drain = np.empty(1 << 16, dtype=itype)  # label-correcting: a cell may re-enter
    for br in range(0, rows, _SCAN_BLOCK):
        for bc in range(0, cols, _SCAN_BLOCK):
            for r0 in range(br, min(br + _SCAN_BLOCK, rows)):
                base = (r0 + 1) * cp + 1
                for c0 in range(bc, min(bc + _SCAN_BLOCK, cols)):
                    i0 = base + c0
                    if dirs[i0] != 255 or np.isnan(z[i0]):
                        continue
                    # A plateau: find its drains (downhill first, else nodata/edge) by BFS.
                    sh, se = 0, 1
                    search[0] = i0
                    state[i0] |= _VISITED
                    dh, ds = 0, 0
                    ns = 0
                    while sh < se:
                        q = search[sh]
                        sh += 1
                        e = eq[q]
                        undecided_neighbour = False
                        for j in range(_NBITS[e]):
                            m = q + off[_BITS[e, j]]
                            sm = state[m]
                            if not sm & _VISITED:
                                search[se] = m
                                se += 1
                                state[m] = sm | _VISITED
                            if sm & _UNDECIDED:
                                undecided_neighbour = True
                        sq = state[q]
                        if not sq & _UNDECIDED:  # a lower neighbour: a drain, direction known
                            dist[q] = 0.0
                            # A drain next to drains only changes nothing when popped below:
                            # leaving it out keeps the order of every effective step.
                            if not undecided_neighbour:
                                continue
                            if ds == drain.size:
                                drain, dh = _ring_grow(drain, dh, ds)
                            drain[(dh + ds) & (drain.size - 1)] = q
                            ds += 1
                        else:
                            dist[q] = far
                            if sq & _HAS_NODATA_DIR:
                                nodata_drain[ns] = q
                                ns += 1
                    if ds == 0:  # only nodata/edge drains: use them
                        for j in range(ns):
                            q = nodata_drain[j]
                            dirs[q] = state[q] & 7
                            dist[q] = 0.0
                            if ds == drain.size:
                                drain, dh = _ring_grow(drain, dh, ds)
                            drain[(dh + ds) & (drain.size - 1)] = q
                            ds += 1
                    # Label-correcting BFS from the drains; each cell points to the neighbour
                    # that first offered it its shortest distance (1 or √2 per step).
                    while ds > 0:
                        q = drain[dh]
                        dh = (dh + 1) & (drain.size - 1)
                        ds -= 1
                        d = dist[q]
                        e = eq[q]
                        for j in range(_NBITS[e]):
                            k = _BITS[e, j]
                            m = q + off[k]
                            nd = d + (_SQRT2 if k & 1 else 1.0)
                            if dist[m] > nd:
                                dirs[m] = (k + 4) & 7
                                dist[m] = nd
                                if ds == drain.size:
                                    drain, dh = _ring_grow(drain, dh, ds)
                                drain[(dh + ds) & (drain.size - 1)] = m
                                ds += 1


def flow_direction_d8(filled: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """D8 flow direction of a depression-filled DEM, exactly as ``pygeoprocessing.flow_dir_d8``.

    Each cell drains to the neighbour with the steepest drop (drop/1 for edge neighbours,
    drop/√2 for diagonals; ties go to the lowest index ``k``; O'Callaghan & Mark 1984). A cell
    without a lower neighbour belongs to a plateau: the connected cells of equal elevation are
    found by breadth-first search, the plateau cells with a lower neighbour are its drains (or,
    if it has none, the cells next to nodata/the edge, pointing off the grid — a straight
    neighbour preferred over a diagonal), and every other plateau cell points along its shortest
    path (steps 1 and √2) to the nearest drain. Cells are scanned in 256×256 blocks like
    pygeoprocessing so that equal-length paths are broken the same way. Cells with a lower
    neighbour are decided first, in parallel (their direction does not depend on the scan
    order); only the plateaus are searched sequentially. Releases the GIL.

    Args:
        filled: 2-D float array, a DEM without pits (m), NaN = nodata (see ``fill_depressions``).
        out: optional uint8 array (e.g. ``np.memmap``) of the same shape to write into.

    Returns:
        uint8 array of neighbour indices: 0=E, 1=NE, 2=N, 3=NW, 4=W, 5=SW, 6=S, 7=SE,
        255 = nodata. A direction may point off the grid or into a NaN cell (an outlet).
    """
    filled = _float_grid(filled, "filled")
    if out is None:
        out = np.empty(filled.shape, dtype=np.uint8)
    else:
        _check_out(out, filled.shape, np.uint8)
    _flow_direction_d8(filled, np.asarray(out), _index_dtype(*filled.shape))
    return out


@njit(cache=True, nogil=True)
def _flow_direction_d8(filled, out, itype):
    """Pad, steepest descent, plateaus and unpad in one compiled call (one kernel to load)."""
    rows, cols = filled.shape
    zp = _pad(filled, np.nan)
    dirs = np.full(zp.size, D8_NODATA, dtype=np.uint8)
    eq = np.zeros(zp.size, dtype=np.uint8)
    state = np.zeros(zp.size, dtype=np.uint8)
    _d8_steepest(zp, rows, cols, dirs, eq, state)
    _d8_plateaus(zp, rows, cols, dirs, eq, state, itype)
    _unpad(dirs, out)


# --------------------------------------------------------------------------- MFD direction


@njit(cache=True, nogil=True)
def _pack(weights, total):
    """Quantise 8 weights to 4-bit shares of 15 packed in an int (pygeoprocessing encoding)."""
    code = 0
    for k in range(8):
        code |= int(0.5 + weights[k] / total * 15.0) << (4 * k)
    return code


@njit(cache=True, nogil=True, parallel=True)
def _mfd_steepest(z, rows, cols, code, eq, state):
    """Packed MFD code of every cell with a strictly lower neighbour, in parallel.

    Also records the neighbours of equal elevation of every cell (bit k of ``eq``) and marks the
    cells without a lower neighbour ``_UNDECIDED`` in ``state``.
    """
    off = _offsets(cols)
    cp = cols + 2
    for r in prange(1, rows + 1):
        for i in range(r * cp + 1, r * cp + cols + 1):
            h = np.float64(z[i])
            if np.isnan(h):
                continue
            total = 0.0
            mask = 0
            for k in range(8):
                s = h - np.float64(z[i + off[k]])
                if s > 0.0:  # False for NaN (nodata)
                    if k & 1:
                        s *= _SQRT2_INV
                    total += s
                elif s == 0.0:
                    mask |= 1 << k
            eq[i] = mask
            if total <= 0.0:
                state[i] = _UNDECIDED
            else:
                packed = 0
                for k in range(8):
                    s = h - np.float64(z[i + off[k]])
                    if s > 0.0:
                        if k & 1:
                            s *= _SQRT2_INV
                        packed |= int(0.5 + s / total * 15.0) << (4 * k)
                code[i] = packed


@njit(cache=True, nogil=True)
def _mfd_plateaus(z, rows, cols, code, eq, state, itype):
    """pygeoprocessing ``flow_dir_mfd`` for the cells ``_mfd_steepest`` left at 0 (plateaus).

    Only equal-elevation neighbours (``eq``) are visited by the plateau searches.
    """
    n = z.size
    off = _offsets(cols)
    cp = cols + 2
    far = float(rows * cols)
    dist = np.empty(n)  # set to ``far`` when the plateau search reaches a cell
    w = np.zeros(8)
    wn = np.zeros(8)
    search = np.empty(n, dtype=itype)
    nodata_drain = np.empty(n, dtype=itype)
    nodata_code = np.empty(n, dtype=np.uint32)
    drain = np.empty(1 << 16, dtype=itype)
    direction = np.empty(1 << 16, dtype=itype)
    for r0 in range(rows):
        base = (r0 + 1) * cp + 1
        for c0 in range(cols):
            i0 = base + c0
            if code[i0] != 0 or np.isnan(z[i0]):
                continue
            # Plateau: drains are cells with a lower neighbour, else cells next to nodata.
            sh, se = 0, 1
            search[0] = i0
            state[i0] |= _VISITED
            dh, ds = 0, 0
            ns = 0
            while sh < se:
                q = search[sh]
                sh += 1
                e = eq[q]
                undecided_neighbour = False
                for j in range(_NBITS[e]):
                    m = q + off[_BITS[e, j]]
                    sm = state[m]
                    if not sm & _VISITED:
                        search[se] = m
                        se += 1
                        state[m] = sm | _VISITED
                    if sm & _UNDECIDED:
                        undecided_neighbour = True
                if not state[q] & _UNDECIDED:  # a lower neighbour: a drain, proportions known
                    dist[q] = 0.0
                    state[q] |= _DRAINED
                    if not undecided_neighbour:  # would change nothing below
                        continue
                    if ds == drain.size:
                        drain, dh = _ring_grow(drain, dh, ds)
                    drain[(dh + ds) & (drain.size - 1)] = q
                    ds += 1
                    continue
                dist[q] = far
                total_nodata = 0.0
                for k in range(8):
                    wn[k] = 0.0
                    if np.isnan(z[q + off[k]]):
                        wn[k] = _SQRT2_INV if k & 1 else 1.0
                        total_nodata += wn[k]
                if total_nodata > 0.0:
                    nodata_drain[ns] = q
                    nodata_code[ns] = _pack(wn, total_nodata)
                    ns += 1
            if ds == 0:
                for j in range(ns):
                    q = nodata_drain[j]
                    code[q] = nodata_code[j]
                    dist[q] = 0.0
                    state[q] |= _DRAINED
                    if ds == drain.size:
                        drain, dh = _ring_grow(drain, dh, ds)
                    drain[(dh + ds) & (drain.size - 1)] = q
                    ds += 1
            th, ts = 0, 0
            for j in range(ds):
                if ts == direction.size:
                    direction, th = _ring_grow(direction, th, ts)
                direction[(th + ts) & (direction.size - 1)] = drain[(dh + j) & (drain.size - 1)]
                ts += 1
            # Shortest distance (steps 1 and √2) of every plateau cell to a drain.
            while ds > 0:
                q = drain[dh]
                dh = (dh + 1) & (drain.size - 1)
                ds -= 1
                d = dist[q]
                e = eq[q]
                for j in range(_NBITS[e]):
                    k = _BITS[e, j]
                    m = q + off[k]
                    nd = d + (_SQRT2 if k & 1 else 1.0)
                    if dist[m] > nd:
                        dist[m] = nd
                        if ds == drain.size:
                            drain, dh = _ring_grow(drain, dh, ds)
                        drain[(dh + ds) & (drain.size - 1)] = m
                        ds += 1
            # Each plateau cell drains to all nearer neighbours, weight 1 (edge) or 1/√2.
            while ts > 0:
                q = direction[th]
                th = (th + 1) & (direction.size - 1)
                ts -= 1
                d = dist[q]
                total = 0.0
                for k in range(8):
                    w[k] = 0.0
                e = eq[q]
                for j in range(_NBITS[e]):
                    k = _BITS[e, j]
                    m = q + off[k]
                    if dist[m] == far:
                        continue
                    if dist[m] < d:
                        w[k] = _SQRT2_INV if k & 1 else 1.0
                        total += w[k]
                    elif not state[m] & _DRAINED:
                        if ts == direction.size:
                            direction, th = _ring_grow(direction, th, ts)
                        direction[(th + ts) & (direction.size - 1)] = m
                        ts += 1
                        state[m] |= _DRAINED
                if total > 0:
                    code[q] = _pack(w, total)


@njit(cache=True, nogil=True, parallel=True)
def _mfd_unpack(code, out):
    """Proportions ``nibble_k / Σ nibbles`` (float64 division, stored as float32)."""
    _, rows, cols = out.shape
    cp = cols + 2
    share = np.zeros((121, 16), dtype=np.float32)  # [Σ nibbles, nibble]; Σ ≤ 8 · 15
    for t in range(1, 121):
        for v in range(16):
            share[t, v] = np.float64(v) / np.float64(t)
    for r in prange(rows):
        base = (r + 1) * cp + 1
        for c in range(cols):
            v = np.int64(code[base + c])
            total = 0
            for k in range(8):
                total += (v >> (4 * k)) & 0xF
            for k in range(8):  # total 0 (nodata): row 0 of ``share`` is all 0
                out[k, r, c] = share[total, (v >> (4 * k)) & 0xF]


def flow_direction_mfd(filled: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Multiple-flow-direction proportions, exactly as ``pygeoprocessing.flow_dir_mfd``.

    The share of neighbour ``k`` is proportional to the slope towards it, drop/1 for edge and
    drop/√2 for diagonal neighbours (Freeman 1991 with exponent 1; Quinn et al. 1991 without the
    contour-length weights), over the strictly lower neighbours only. As in pygeoprocessing each
    share is quantised to ``round(15 · share)`` and the proportion is that integer over the sum of
    the integers, so proportions are multiples of 1/Σ. Plateau cells drain to all neighbours on
    the plateau that are nearer (steps 1 and √2) to the plateau's drains, weighted 1 (edge) or
    1/√2 (diagonal); a plateau with no lower neighbour drains off the grid/into nodata with the
    same weights. Cells with a lower neighbour are computed in parallel, plateaus sequentially;
    the 4-bit codes live in a uint32 grid (4 bytes per cell). Releases the GIL.

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
    _flow_direction_mfd(filled, np.asarray(out), _index_dtype(*filled.shape))
    return out


@njit(cache=True, nogil=True)
def _flow_direction_mfd(filled, out, itype):
    """Pad, steepest descent, plateaus and proportions in one compiled call (one kernel to
    load); the padded grids are freed after their last use, before the proportions are made."""
    rows, cols = filled.shape
    zp = _pad(filled, np.nan)
    code = np.zeros(zp.size, dtype=np.uint32)
    eq = np.zeros(zp.size, dtype=np.uint8)
    state = np.zeros(zp.size, dtype=np.uint8)
    _mfd_steepest(zp, rows, cols, code, eq, state)
    _mfd_plateaus(zp, rows, cols, code, eq, state, itype)
    _mfd_unpack(code, out)


# --------------------------------------------------------------------------- accumulation


@njit(cache=True, nogil=True, parallel=True)
def _d8_indegree(dirs, weights, use_weights, acc, indeg):
    """Initial accumulation (own weight) and in-degree of every cell, pulled from neighbours."""
    rows, cols = dirs.shape
    for r in prange(rows):
        for c in range(cols):
            if dirs[r, c] > 7:
                acc[r, c] = np.nan
                indeg[r, c] = 0
                continue
            w = 1.0
            if use_weights:
                w = weights[r, c]
                if np.isnan(w):
                    w = 0.0
            acc[r, c] = w
            n = 0
            for k in range(8):
                rn, cn = r + _DR[k], c + _DC[k]
                if 0 <= rn < rows and 0 <= cn < cols and dirs[rn, cn] == ((k + 4) & 7):
                    n += 1
            indeg[r, c] = n


@njit(cache=True, nogil=True)
def _accumulate_d8(dirs, acc, indeg):
    """Push each complete cell's total down its flow path, in raster order.

    A walk stops at a cell that still waits for an inflow, or that is complete but not yet
    reached by the scan (the scan starts a walk there), so the work mostly streams row by row.
    """
    rows, cols = dirs.shape
    done = np.uint8(255)
    for r0 in range(rows):
        for c0 in range(cols):
            if indeg[r0, c0] != 0 or dirs[r0, c0] > 7:
                continue
            r, c = r0, c0
            while True:
                k = dirs[r, c]
                rn, cn = r + _DR[k], c + _DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or dirs[rn, cn] > 7:
                    break
                acc[rn, cn] += acc[r, c]
                left = indeg[rn, cn] - 1
                if left != 0 or rn > r0 or (rn == r0 and cn > c0):
                    indeg[rn, cn] = left  # waiting, or complete and ahead: the scan starts there
                    break
                indeg[rn, cn] = done  # complete behind the scan: continue downstream from it
                r, c = rn, cn


def flow_accumulation_d8(
    directions: np.ndarray, weights: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Upstream cell count (or weight sum) along D8 directions, like ``flow_accumulation_d8``.

    ``acc[c] = w[c] + Σ acc[u]`` over the cells ``u`` draining into ``c``, evaluated in
    topological order (Kahn 1962): in-degrees are counted in parallel, then each source cell
    pushes its total downstream until it reaches a cell that still waits for another inflow.
    Flow leaving the grid or entering a nodata cell is dropped. Releases the GIL.

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
    acc = np.asarray(out)
    _flow_accumulation_d8(directions, w, weights is not None, acc)
    return out


@njit(cache=True, nogil=True)
def _flow_accumulation_d8(dirs, weights, use_weights, acc):
    """In-degrees and accumulation in one compiled call (one kernel to load, not two)."""
    indeg = np.empty(dirs.shape, dtype=np.uint8)
    _d8_indegree(dirs, weights, use_weights, acc, indeg)
    _accumulate_d8(dirs, acc, indeg)


@njit(cache=True, nogil=True, parallel=True)
def _mfd_indegree(prop, weights, use_weights, valid, acc, indeg):
    """Validity (some positive share), own weight and in-degree of every cell, in parallel."""
    _, rows, cols = prop.shape
    for r in prange(rows):
        for c in range(cols):
            v = False
            for k in range(8):
                if prop[k, r, c] > 0:
                    v = True
                    break
            valid[r, c] = v
            if not v:
                acc[r, c] = np.nan
                indeg[r, c] = 0
                continue
            w = 1.0
            if use_weights:
                w = weights[r, c]
                if np.isnan(w):
                    w = 0.0
            acc[r, c] = w
            n = 0
            for k in range(8):
                rn, cn = r + _DR[k], c + _DC[k]
                if 0 <= rn < rows and 0 <= cn < cols and prop[(k + 4) & 7, rn, cn] > 0:
                    n += 1  # a valid neighbour: nodata cells have no positive share
            indeg[r, c] = n


@njit(cache=True, nogil=True)
def _accumulate_mfd(prop, valid, acc, indeg):
    """Topological pass in raster order: a cell is processed when the scan reaches it with all
    inflows in, or at once (depth-first) when its last inflow arrives after the scan passed it.
    Most work thus streams through the eight proportion planes row by row.
    """
    _, rows, cols = prop.shape
    stack_r = np.empty(64, dtype=np.int64)
    stack_c = np.empty(64, dtype=np.int64)
    done = np.uint8(255)
    for r0 in range(rows):
        for c0 in range(cols):
            if indeg[r0, c0] != 0 or not valid[r0, c0]:
                continue
            indeg[r0, c0] = done
            stack_r[0], stack_c[0] = r0, c0
            top = 1
            while top > 0:
                top -= 1
                r, c = stack_r[top], stack_c[top]
                total = 0.0  # renormalise: float32 shares need not sum to exactly 1
                for k in range(8):
                    total += prop[k, r, c]
                a = acc[r, c]
                for k in range(8):
                    p = prop[k, r, c]
                    if p <= 0:
                        continue
                    rn, cn = r + _DR[k], c + _DC[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or not valid[rn, cn]:
                        continue
                    acc[rn, cn] += a * (p / total)
                    left = indeg[rn, cn] - 1
                    if left != 0 or rn > r0 or (rn == r0 and cn > c0):
                        indeg[rn, cn] = left  # waiting, or ready and ahead of the scan
                        continue
                    indeg[rn, cn] = done  # ready behind the scan: process now
                    if top == stack_r.size:
                        stack_r = np.concatenate((stack_r, np.empty_like(stack_r)))
                        stack_c = np.concatenate((stack_c, np.empty_like(stack_c)))
                    stack_r[top], stack_c[top] = rn, cn
                    top += 1


def flow_accumulation_mfd(
    proportions: np.ndarray, weights: np.ndarray | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Upstream cell count (or weight sum) along MFD proportions, like ``flow_accumulation_mfd``.

    ``acc[c] = w[c] + Σ p(u→c) · acc[u]``, evaluated in topological order (in-degrees counted
    in parallel, then depth-first from each source), with each cell's proportions divided by
    their sum (in float64) so that no mass is created or lost by float32 rounding. The share of
    flow sent off the grid or into nodata cells leaves the grid. Releases the GIL.

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
    acc = np.asarray(out)
    _flow_accumulation_mfd(proportions, w, weights is not None, acc)
    return out


@njit(cache=True, nogil=True)
def _flow_accumulation_mfd(prop, weights, use_weights, acc):
    """Validity, in-degrees and accumulation in one compiled call (one kernel to load)."""
    _, rows, cols = prop.shape
    valid = np.empty((rows, cols), dtype=np.bool_)
    indeg = np.empty((rows, cols), dtype=np.uint8)
    _mfd_indegree(prop, weights, use_weights, valid, acc, indeg)
    _accumulate_mfd(prop, valid, acc, indeg)


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
