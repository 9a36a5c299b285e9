"""Mann–Kendall trend test and Sen's slope (Mann 1945, Kendall 1975, Sen 1968).

S = Σ_{i<j} sign(x_j − x_i); Var S = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)]/18 over groups of t
tied values; Z = (S − 1)/√Var S if S > 0, (S + 1)/√Var S if S < 0, else 0; two-sided
p = 2 (1 − Φ(|Z|)). Sen's slope is the median of the pairwise slopes (x_j − x_i)/(t_j − t_i)
(scipy.stats.theilslopes). The normal approximation wants n ≥ 4 or so: shorter series get
p = NaN and "too short".
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from scipy import stats

MIN_POINTS = 4


def mann_kendall(values, times=None) -> dict:
    """{"n", "s", "var_s", "z", "p", "sen_slope" (per time unit), "trend"} of a series.

    ``trend`` is "increasing", "decreasing" or "no trend" at the 5 % level, or "too short".
    NaN values are dropped with their times.
    """
    x = np.asarray(values, dtype=float)
    t = np.arange(len(x), dtype=float) if times is None else np.asarray(times, dtype=float)
    keep = ~np.isnan(x)
    x, t = x[keep], t[keep]
    n = len(x)
    s = float(sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n)))
    ties = sum(c * (c - 1) * (2 * c + 5) for c in Counter(x.tolist()).values() if c > 1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18
    slope = float(stats.theilslopes(x, t).slope) if n >= 2 else float("nan")
    if n < MIN_POINTS or var_s <= 0:
        return {"n": n, "s": s, "var_s": var_s, "z": float("nan"), "p": float("nan"),
                "sen_slope": slope, "trend": "too short"}
    z = (s - 1) / math.sqrt(var_s) if s > 0 else (s + 1) / math.sqrt(var_s) if s < 0 else 0.0
    p = float(2 * (1 - stats.norm.cdf(abs(z))))
    trend = "no trend" if p >= 0.05 else ("increasing" if z > 0 else "decreasing")
    return {"n": n, "s": s, "var_s": var_s, "z": z, "p": p, "sen_slope": slope, "trend": trend}
