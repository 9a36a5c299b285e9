"""Watershed delineation: label every cell with the outlet its D8 flow path reaches.

A single pass with path compression: each cell follows its D8 directions downstream until it
meets a cell whose label is known (an outlet, or a cell resolved earlier), then every cell on
the path takes that label. Cells whose path leaves the grid or ends in a nodata cell get 0.
Cost is linear in the number of cells.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ecoledger.errors import TerrainError
from ecoledger.terrain.routing import _DC, _DR, D8_NODATA


@njit(cache=True)
def _label_kernel(directions, labels, nodata):
    rows, cols = directions.shape
    unresolved = -1
    state = np.full((rows, cols), unresolved, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            if labels[r, c] > 0:
                state[r, c] = labels[r, c]
    path_r = np.empty(rows * cols, dtype=np.int64)
    path_c = np.empty(rows * cols, dtype=np.int64)
    for r0 in range(rows):
        for c0 in range(cols):
            if state[r0, c0] != unresolved:
                continue
            n, r, c, found = 0, r0, c0, 0
            while True:
                if state[r, c] != unresolved:
                    found = state[r, c]
                    break
                path_r[n], path_c[n] = r, c
                n += 1
                state[r, c] = 0  # provisional: breaks cycles on flats
                k = directions[r, c]
                if k == nodata:
                    break
                rn, cn = r + _DR[k], c + _DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    break
                r, c = rn, cn
            for i in range(n):
                state[path_r[i], path_c[i]] = found
    return state


def watersheds(directions: np.ndarray, outlets: np.ndarray) -> np.ndarray:
    """Label cells by the outlet they drain to.

    Args:
        directions: uint8 D8 directions as ``flow_direction_d8`` returns (255 = none).
        outlets: integer array of the same shape, > 0 at outlet cells (their label), 0 elsewhere.

    Returns:
        int64 labels: the outlet label for every cell draining to it, 0 for the rest.
    """
    directions = np.asarray(directions)
    outlets = np.asarray(outlets)
    if directions.shape != outlets.shape or directions.ndim != 2:
        raise TerrainError(
            f"directions {directions.shape} and outlets {outlets.shape} must be 2-D arrays of one shape"
        )
    return _label_kernel(directions.astype(np.uint8), outlets.astype(np.int64), int(D8_NODATA))
