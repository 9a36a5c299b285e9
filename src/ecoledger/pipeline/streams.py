"""Stream cells as InVEST 3.20 SDR extracts them (to blank RKLS there, as InVEST does).

* D8: ``pygeoprocessing.routing.extract_streams_d8`` — flow accumulation > threshold.
* MFD: ``pygeoprocessing.routing.extract_streams_mfd`` with SDR's
  ``trace_threshold_proportion = 0.7`` — streams start at outlets (cells with accumulation ≥
  threshold whose flow leaves the grid or enters nodata) and are traced upstream through cells
  with accumulation ≥ threshold; cells between 0.7 × threshold and threshold join only when the
  trace reaches a full-threshold cell upstream of them. Reproduced step for step, including the
  256×256 block scan order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_DR = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
_DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
_BLOCK = 256
_UNSEEN, _NO, _YES, _MAYBE = 255, 0, 1, 2


@njit(cache=True)
def _streams_mfd_kernel(acc, prop, threshold, trace_threshold, stream):
    rows, cols = acc.shape
    queue = np.empty(rows * cols, dtype=np.int64)  # each cell enters each queue at most once
    back = np.empty(rows * cols, dtype=np.int64)
    for br in range(0, rows, _BLOCK):
        for bc in range(0, cols, _BLOCK):
            for r in range(br, min(br + _BLOCK, rows)):
                for c in range(bc, min(bc + _BLOCK, cols)):
                    if np.isnan(acc[r, c]) or stream[r, c] != _UNSEEN:
                        continue
                    stream[r, c] = _NO
                    if acc[r, c] < threshold:
                        continue
                    outlet = False
                    for k in range(8):
                        if prop[k, r, c] == 0:
                            continue
                        rn, cn = r + _DR[k], c + _DC[k]
                        if not (0 <= rn < rows and 0 <= cn < cols) or np.isnan(acc[rn, cn]):
                            outlet = True
                            break
                    if not outlet:
                        continue
                    stream[r, c] = _YES
                    head, tail = 0, 1
                    queue[0] = r * cols + c
                    while head < tail:
                        cell = queue[head]
                        head += 1
                        rq, cq = cell // cols, cell % cols
                        for k in range(8):
                            rs, cs = rq + _DR[k], cq + _DC[k]
                            if not (0 <= rs < rows and 0 <= cs < cols) or prop[(k + 4) % 8, rs, cs] == 0:
                                continue  # off the grid, or (rs, cs) does not drain into (rq, cq)
                            if stream[rs, cs] == _YES or stream[rs, cs] == _MAYBE:
                                continue
                            if acc[rs, cs] >= threshold:
                                stream[rs, cs] = _YES
                                queue[tail] = rs * cols + cs
                                tail += 1
                                # confirm the tentative cells downstream of this one
                                bhead, btail = 0, 1
                                back[0] = rs * cols + cs
                                while bhead < btail:
                                    b = back[bhead]
                                    bhead += 1
                                    rb, cb = b // cols, b % cols
                                    for kk in range(8):
                                        rn, cn = rb + _DR[kk], cb + _DC[kk]
                                        if (
                                            prop[kk, rb, cb] > 0
                                            and 0 <= rn < rows
                                            and 0 <= cn < cols
                                            and stream[rn, cn] == _MAYBE
                                        ):
                                            stream[rn, cn] = _YES
                                            back[btail] = rn * cols + cn
                                            btail += 1
                            elif acc[rs, cs] >= trace_threshold:
                                stream[rs, cs] = _MAYBE
                                queue[tail] = rs * cols + cs
                                tail += 1


def streams_d8(flow_accumulation: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean stream mask: D8 accumulation (cells) strictly above ``threshold`` (cells)."""
    return flow_accumulation > threshold


def streams_mfd(
    flow_accumulation: np.ndarray, proportions: np.ndarray, threshold: float, trace_proportion: float = 0.7
) -> np.ndarray:
    """Boolean stream mask from MFD accumulation (cells) and proportions ``(8, rows, cols)``.

    ``threshold`` in cells; ``trace_proportion`` × threshold is the accumulation at which a
    traced cell may join a stream (InVEST SDR: 0.7).
    """
    stream = np.full(flow_accumulation.shape, _UNSEEN, dtype=np.uint8)
    _streams_mfd_kernel(
        flow_accumulation, proportions, float(threshold), float(trace_proportion * threshold), stream
    )
    return stream == _YES
