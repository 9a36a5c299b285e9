"""InVEST Habitat Quality (3.20.2) from GeoTIFFs: degradation, quality and rarity per cell.

What InVEST 3.20.2 computes (``natcap.invest.habitat_quality`` with pygeoprocessing 2.4.11),
and so what this module computes, for each land-cover scenario x (current ``c``; future ``f``;
baseline ``b`` if every threat has a baseline raster):

* **distance to a threat**: for each threat r, the Euclidean distance d (cells) from every
  cell to the nearest cell of the threat's raster that is neither 0 nor nodata
  (``pygeoprocessing.distance_transform_edt``, Meijster et al. 2002). The raster's values must
  lie in 0–1 but are not used otherwise: since InVEST 3.13 (natcap/invest ADR-0003, PR #1159)
  there is no intensity r_y and no sum over threat cells y (the user's guide's Σ_y r_y i_rxy,
  which InVEST 3.3–3.12 evaluated by convolving each threat raster with a decay kernel); the
  nearest threat cell alone counts.
* **decay**, with d_max = max_dist (m) / cell size (m): linear i = (d_max − d) / d_max,
  exponential i = exp(−2.99 d / d_max) (5 % left at d_max); i = 0 where d > d_max.
* **degradation** D_x = Σ_r (w_r / Σ w) · i_r · S_jr · β (threats in table order): S_jr the
  sensitivity of the cell's land-cover class j to threat r, β the access raster (each access
  polygon's value over the cells whose centres it contains, 1 elsewhere and without polygons).
* **quality** Q_x = H_j (1 − D^z / (D^z + k^z)), z = 2.5, k the half-saturation constant.
* **rarity**, with a baseline land cover, per class j: R_j = 1 − N_j,x / (N_j,x + N_j,b), the
  cells of class j in scenario x (counted only where the baseline is valid) and in the
  baseline; 0.5 = as common as in the baseline, towards 1 rarer, towards 0 more common, 0 for a
  class absent from the baseline. (The user's guide writes 1 − N_j,x / N_j,b; InVEST's code
  uses this bounded form, and so do we.)

The arithmetic is InVEST's, so the results are InVEST's bit for bit (``docs/invest-comparison.md``):
the distance transform is pygeoprocessing's algorithm in its float32 steps; decay, degradation
and quality are float32 in the order of InVEST's numpy operations on its float32 rasters, with
numpy's own ``exp`` and ``power`` (numba's differ from numpy's SIMD ones in the last bit on a
third of the cells); rarity is float64. Distance, linear decay, sensitivity, access and the
running sum are one compiled pass per threat (an exponential threat takes a second pass, after
numpy's ``exp``); no intermediate raster is written, and the working memory is about 20 bytes
per cell besides the inputs.

Differences from InVEST 3.20.2, on purpose (each reported in the run's ``notes`` when it
changes a result):

* NaN cells of a threat raster are not threat cells. InVEST counts them as threat cells
  (pygeoprocessing compares with its nodata by ``numpy.isclose``, never true for NaN), so a
  threat raster with NaN as nodata degrades everything near its nodata area.
* a threat raster without any threat cell adds no degradation. InVEST's distance transform
  then gives every cell rows + cols + its row (its finite "infinity"), which degrades cells
  when max_dist exceeds that. (Whenever a raster holds a threat cell, that "infinity" never
  decides a distance, and the distances are InVEST's.)
* baseline degradation and quality (``deg_sum_b``, ``quality_b``) are written when every threat
  has a ``base_path``; InVEST 3.20.2 stops then (``KeyError: 'Key not found: deg_sum_b'``).
* the inputs must share one grid (InVEST resamples threats and land covers to the current land
  cover's grid; here ``GridMismatchError`` names each raster's grid), and the access polygons
  must be in the rasters' CRS (InVEST reprojects them). Outputs have NaN as nodata (InVEST: the
  largest float32 for degradation and quality, the smallest for rarity). No intermediate
  rasters and no ``new_cover_*.tif`` are written.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit, prange

from ecoledger.errors import PipelineError
from ecoledger.pipeline.rasters import (
    check_grid,
    class_index,
    read_rasters,
    read_table,
    write_rasters,
)
from ecoledger.pipeline.tables import Table

SCALING = 2.5
"""z, the scaling parameter of InVEST's quality (user's guide eq. 4; ``_SCALING_PARAM``)."""
EXPONENTIAL_DECAY = 2.99
"""exp(−2.99) ≈ 0.05: the exponential decay leaves 5 % of a threat's effect at its max distance."""
SCENARIOS = {"c": "cur_path", "f": "fut_path", "b": "base_path"}
"""Scenario letter (InVEST's output suffix) → column of the threats table holding its rasters."""
DECAYS = ("linear", "exponential")


@dataclass(frozen=True)
class Threat:
    """One row of InVEST's threats table.

    ``max_dist`` in metres; ``weight`` relative (0–1; divided by the sum of all weights);
    ``decay`` ``"linear"`` or ``"exponential"``; ``paths`` the threat raster per scenario letter
    (``c``, ``f``, ``b``), each cell 0 (no threat) or in (0, 1] (threat present).
    """

    name: str
    max_dist: float
    weight: float
    decay: str
    paths: Mapping[str, Path] = field(default_factory=dict)


# --------------------------------------------------------------------------- tables


def _csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV (UTF-8 with or without BOM), its delimiter sniffed if not a comma, as
    InVEST reads its tables (``pandas.read_csv(sep=None, engine="python")``); blank rows dropped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(f"{path}: not UTF-8 ({exc}) → fix: save the table as UTF-8 CSV") from exc
    lines = text.splitlines()
    header = lines[0] if lines else ""
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    if "," not in header:
        try:
            dialect = csv.Sniffer().sniff(header, delimiters=",;\t|")
        except csv.Error:
            pass
    rows = [[v.strip() for v in row] for row in csv.reader(lines, dialect)]
    return [row for row in rows if any(row)]


def read_threats(path: str | Path) -> list[Threat]:
    """InVEST's threats table: ``threat, max_dist, weight, decay, cur_path`` and optional
    ``fut_path, base_path`` (headers and threat names case-insensitive, as InVEST lower-cases
    them; raster paths relative to the table's folder). Other columns are ignored.

    Raises ``PipelineError`` naming the row and column for a missing column, a missing or
    repeated threat, a max distance ≤ 0, a weight outside 0–1, or an unknown decay.
    """
    path = Path(path)
    rows = _csv_rows(path)
    if not rows:
        raise PipelineError(f"{path}: empty threats table → fix: one row per threat")
    header = [h.lower() for h in rows[0]]
    required = ("threat", "max_dist", "weight", "decay", "cur_path")
    missing = [c for c in required if c not in header]
    if missing:
        raise PipelineError(
            f"{path}: threats table lacks column(s) {missing}; it has {header} → fix: add them"
            " (InVEST's threats table: threat, max_dist, weight, decay, cur_path[, fut_path, base_path])"
        )
    col = {name: header.index(name) for name in header}
    threats, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        name = row[col["threat"]].lower()
        where = f"{path}, row {line}"
        if not name:
            raise PipelineError(f"{where}: empty threat name → fix: name the threat")
        if name in seen:
            raise PipelineError(f"{where}: threat {name!r} appears twice → fix: one row per threat")
        seen.add(name)
        numbers = {}
        for key in ("max_dist", "weight"):
            try:
                numbers[key] = float(row[col[key]])
            except ValueError:
                raise PipelineError(
                    f"{where}: {key} {row[col[key]]!r} is not a number → fix: give a number"
                ) from None
        if not (numbers["max_dist"] > 0 and math.isfinite(numbers["max_dist"])):
            raise PipelineError(f"{where}: max_dist must be > 0 (m), got {numbers['max_dist']}")
        if not 0 <= numbers["weight"] <= 1:
            raise PipelineError(f"{where}: weight must lie in 0–1, got {numbers['weight']}")
        decay = row[col["decay"]].lower()
        if decay not in DECAYS:
            raise PipelineError(f"{where}: decay {row[col['decay']]!r} → fix: linear or exponential")
        paths = {}
        for letter, column in SCENARIOS.items():
            value = row[col[column]] if column in col else ""
            if value:
                p = Path(value).expanduser()
                paths[letter] = p if p.is_absolute() else path.resolve().parent / p
        if "c" not in paths:
            raise PipelineError(f"{where}: cur_path is empty → fix: give the threat's current raster")
        threats.append(Threat(name, numbers["max_dist"], numbers["weight"], decay, paths))
    if not threats:
        raise PipelineError(f"{path}: no threats → fix: one row per threat")
    if sum(t.weight for t in threats) <= 0:
        raise PipelineError(f"{path}: the threats' weights sum to 0 → fix: give a weight > 0")
    return threats


def _sensitivity(path: str | Path, threats: Sequence[Threat]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(codes, {"habitat": …, threat: …})`` of InVEST's sensitivity table, values checked 0–1."""
    columns = ["habitat", *(t.name for t in threats)]
    try:
        codes, table = read_table(path, columns)
    except PipelineError as exc:
        raise PipelineError(
            f"{exc} → fix: the sensitivity table needs lucode, habitat and one column per threat"
            f" named as in the threats table: {columns[1:]}"
        ) from exc
    for name, values in table.items():
        bad = values[~((values >= 0) & (values <= 1))]
        if bad.size:
            raise PipelineError(
                f"{path}: column {name!r} has values outside 0–1: {sorted(set(bad.tolist()))} → fix:"
                " habitat and sensitivities lie in 0–1"
            )
    return codes, table


# --------------------------------------------------------------------------- kernels

_STRIP = 64  # columns per task of the column pass


@njit(cache=True, inline="always")
def _is_threat(v, nodata, has_nodata):
    """A threat cell: not 0, not nodata (``numpy.isclose``'s tolerance, as pygeoprocessing), not NaN."""
    if v != v or v == 0:
        return False
    if has_nodata and abs(np.float64(v) - nodata) <= 1e-8 + 1e-5 * abs(nodata):
        return False
    return True


@njit(cache=True, nogil=True)
def _column_strip(threat, nodata, has_nodata, g, inf, c0, c1):
    """``_column_pass`` on columns ``c0``–``c1``; returns (threat cells, cells outside 0–1, NaN cells)."""
    rows = threat.shape[0]
    one = np.float32(1.0)
    zero = np.float32(0.0)
    n_threat = 0
    n_bad = 0
    n_nan = 0
    for r in range(rows):
        for c in range(c0, c1):
            v = threat[r, c]
            if v != v:
                n_nan += 1
            elif (v < 0 or v > 1) and not (has_nodata and np.float64(v) == nodata):
                n_bad += 1
            if _is_threat(v, nodata, has_nodata):
                g[r, c] = zero
                n_threat += 1
            elif r == 0:
                g[r, c] = inf
            else:
                g[r, c] = g[r - 1, c] + one
    for r in range(rows - 2, -1, -1):
        for c in range(c0, c1):
            if g[r + 1, c] < g[r, c]:
                g[r, c] = one + g[r + 1, c]
    return n_threat, n_bad, n_nan


@njit(cache=True, parallel=True, nogil=True)
def _column_pass(threat, nodata, has_nodata, g, inf):
    """Phase 1 of pygeoprocessing's distance transform: per column, the distance (cells) to the
    nearest threat cell in that column, ``inf`` + row above the first one (float32 steps as
    pygeoprocessing's), in strips of columns. Returns the counts of threat cells, of cells
    outside 0–1 (nodata aside, as InVEST's check) and of NaN cells (InVEST's threat cells, not
    ours)."""
    cols = threat.shape[1]
    strips = (cols + _STRIP - 1) // _STRIP
    counts = np.zeros((strips, 3), dtype=np.int64)
    for s in prange(strips):
        c0 = s * _STRIP
        found, bad, nans = _column_strip(threat, nodata, has_nodata, g, inf, c0, min(cols, c0 + _STRIP))
        counts[s, 0] = found
        counts[s, 1] = bad
        counts[s, 2] = nans
    return counts[:, 0].sum(), counts[:, 1].sum(), counts[:, 2].sum()


@njit(cache=True, parallel=True, nogil=True)
def _row_pass(g, threat, nodata, has_nodata, klass, sens, weight, access, has_access, max_px, exponential,
              deg):  # fmt: skip
    """Phase 2 of the distance transform (each row's lower envelope, pygeoprocessing's float32
    arithmetic), fused with the decay.

    Linear decay: ``deg += ((decay(d) · S[class]) · weight) · access``, float32 as InVEST's numpy,
    NaN where the class is −1 (land-cover nodata). Exponential decay: ``g`` is overwritten with
    the exponent (−2.99 d) / d_max, −inf where d > d_max, for numpy's ``exp`` (InVEST's: numba's
    ``exp`` differs from numpy's SIMD one in the last bit on about 40 % of the cells) and then
    ``_accumulate``; ``deg`` is left alone."""
    rows, cols = g.shape
    m = np.float32(max_px)
    w32 = np.float32(weight)
    k = np.float32(EXPONENTIAL_DECAY)
    zero = np.float32(0.0)
    ncols = np.float32(cols)
    for r in prange(rows):
        s = np.empty(cols, dtype=np.int64)
        t = np.empty(cols, dtype=np.int64)
        exponent = np.empty(cols if exponential else 0, dtype=np.float32)
        q = 0
        s[0] = 0
        t[0] = 0
        sq = 0
        gsq = zero
        for u in range(1, cols):
            gv = g[r, u]
            gu = gv * gv
            while q >= 0:
                tq = t[q]
                sq = s[q]
                gs = g[r, sq]
                gsq = gs * gs
                a = np.float32(tq - sq)
                b = np.float32(tq - u)
                if a * a + gsq <= b * b + gu:
                    break
                q -= 1
            if q < 0:
                q = 0
                s[0] = u
                sq = u
                gs = g[r, u]
                gsq = gs * gs
            else:
                fu = np.float32(u)
                fs = np.float32(sq)
                num = ((fu * fu - fs * fs) + gu) - gsq
                w = np.float32(1.0 + np.float64(num) / (2.0 * (u - sq)))
                if w < ncols:
                    q += 1
                    s[q] = u
                    t[q] = np.int64(w)  # C's truncation toward zero
        sq = s[q]
        gs = g[r, sq]
        gsq = gs * gs
        tq = t[q]
        for u in range(cols - 1, -1, -1):
            if _is_threat(threat[r, u], nodata, has_nodata):
                dt = zero
            else:
                a = np.float32(u - sq)
                dt = a * a + gsq
            if u <= tq:
                q -= 1
                if q >= 0:
                    sq = s[q]
                    gs = g[r, sq]
                    gsq = gs * gs
                    tq = t[q]
            d = np.sqrt(dt)
            if exponential:
                exponent[u] = -np.inf if d > m else (-d * k) / m
                continue
            j = klass[r, u]
            if j < 0:
                deg[r, u] = np.nan
                continue
            decayed = zero if d > m else (m - d) / m
            value = (decayed * sens[j]) * w32
            if has_access:
                value = value * access[r, u]
            deg[r, u] += value
        if exponential:  # row r of g is read by row r only: overwritten once the row is done
            for u in range(cols):
                g[r, u] = exponent[u]


@njit(cache=True, parallel=True, nogil=True)
def _accumulate(decayed, klass, sens, weight, access, has_access, deg):
    """``deg += ((decayed · S[class]) · weight) · access`` (float32), NaN where the class is −1."""
    rows, cols = deg.shape
    w32 = np.float32(weight)
    for r in prange(rows):
        for c in range(cols):
            j = klass[r, c]
            if j < 0:
                deg[r, c] = np.nan
                continue
            value = (decayed[r, c] * sens[j]) * w32
            if has_access:
                value = value * access[r, c]
            deg[r, c] += value


@njit(cache=True, parallel=True, nogil=True)
def _quality_kernel(dz, klass, habitat, ksq):
    """Q = H (1 − D^z / (D^z + k^z)) in place of ``dz`` = D^z (numpy's float32 power, as
    InVEST's), float32 as InVEST's numpy; NaN where the class is −1."""
    rows, cols = dz.shape
    k32 = np.float32(ksq)
    one = np.float32(1.0)
    for r in prange(rows):
        for c in range(cols):
            j = klass[r, c]
            d = dz[r, c]
            if j < 0 or d != d:
                dz[r, c] = np.nan
                continue
            dz[r, c] = habitat[j] * (one - d / (d + k32))


_CHUNKS = 64  # row chunks of the class counts


@njit(cache=True, parallel=True, nogil=True)
def _class_counts(base, klass, n_classes):
    """Cells of each class in ``base`` and in ``klass`` where ``base`` is valid (InVEST's
    ``new_cover``), as two int64 arrays; −1 is nodata in both."""
    rows, cols = base.shape
    chunks = min(rows, _CHUNKS)
    counts = np.zeros((chunks, 2, n_classes), dtype=np.int64)
    for k in prange(chunks):
        for r in range(k * rows // chunks, (k + 1) * rows // chunks):
            for c in range(cols):
                b = base[r, c]
                if b < 0:
                    continue
                counts[k, 0, b] += 1
                x = klass[r, c]
                if x >= 0:
                    counts[k, 1, x] += 1
    return counts[:, 0, :].sum(axis=0), counts[:, 1, :].sum(axis=0)


@njit(cache=True, parallel=True, nogil=True)
def _rarity_kernel(base, klass, values, out):
    """Rarity of each cell's class where the baseline and the scenario are valid, NaN elsewhere."""
    rows, cols = base.shape
    for r in prange(rows):
        for c in range(cols):
            x = klass[r, c]
            out[r, c] = values[x] if base[r, c] >= 0 and x >= 0 else np.nan


# --------------------------------------------------------------------------- the model


def _access(access_path: str | Path, grid) -> np.ndarray:
    """InVEST's access raster: 1 everywhere, each polygon's ``access`` burnt over the cells whose
    centres it contains, later polygons over earlier ones (GDAL rasterisation, as InVEST)."""
    from rasterio.features import rasterize

    from ecoledger.pipeline.rasters import read_watersheds

    polygons = read_watersheds(access_path, grid)
    field_name = next((f for f in polygons.fields if f.lower() == "access"), None)
    if field_name is None:
        raise PipelineError(
            f"{access_path}: no field 'access'; fields are {list(polygons.fields)} → fix: add the"
            " field ACCESS (0 = inaccessible … 1 = fully accessible)"
        )
    shapes = []
    for geom, value in zip(polygons.geometry, polygons.fields[field_name], strict=True):
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = math.nan
        if not 0 <= value <= 1:
            raise PipelineError(f"{access_path}: access {value!r} outside 0–1 → fix: give each polygon 0–1")
        if geom is not None and not geom.is_empty:
            shapes.append((geom, value))
    out = np.ones(grid.shape, dtype=np.float32)
    if shapes:
        rasterize(shapes, out=out, transform=grid.transform, all_touched=False)
    return out


def _read_threat(path: str | Path) -> tuple[np.ndarray, float | None]:
    """A threat raster as float32 as stored (nodata not replaced) and its nodata value."""
    import rasterio

    from ecoledger import limits

    limits.require_whole_reads({"threat": path})
    with rasterio.open(path) as src:
        return src.read(1, out_dtype=np.float32), src.nodata


def _stats(a: np.ndarray) -> tuple[int, float, float, float]:
    valid = a[~np.isnan(a)]
    if not valid.size:
        return 0, math.nan, math.nan, math.nan
    return int(valid.size), float(valid.mean(dtype=np.float64)), float(valid.min()), float(valid.max())


def habitat_quality(
    lulc_path: str | Path,
    threats: str | Path | Sequence[Threat],
    sensitivity_table: str | Path,
    out_dir: str | Path,
    half_saturation: float,
    *,
    lulc_future_path: str | Path | None = None,
    lulc_baseline_path: str | Path | None = None,
    access_path: str | Path | None = None,
    suffix: str = "",
    scaling: float = SCALING,
) -> dict:
    """InVEST 3.20.2 Habitat Quality on one grid (see the module docstring for the method).

    Args:
        lulc_path: current land cover (integer classes, projected CRS in metres).
        threats: InVEST's threats table (``read_threats``) or its ``Threat`` rows.
        sensitivity_table: CSV with ``lucode, habitat`` (0–1) and one column per threat (0–1).
        out_dir: folder for InVEST's outputs, ``<name><suffix>.tif`` (float32, NaN = nodata):
            ``deg_sum_c``, ``quality_c``; ``deg_sum_f``, ``quality_f`` with a future land cover;
            with a baseline land cover ``rarity_c`` (``rarity_f``) and ``rarity_c.csv``
            (``lucode, rarity_value``), and ``deg_sum_b``, ``quality_b`` if every threat has a
            baseline raster.
        half_saturation: k (> 0), the degradation at which quality is halved (H/2).
        lulc_future_path, lulc_baseline_path: optional land covers on the same grid; a future
            one needs each threat's ``fut_path``.
        access_path: optional polygons (the rasters' CRS) with field ``access`` (0–1); cells
            outside them have access 1.
        suffix: appended to every file name (InVEST's ``results_suffix``, e.g. ``"_run1"``).
        scaling: z (InVEST: 2.5).

    Returns:
        ``{"outputs": {name: path}, "timings_s", "summary": {raster: (cells, mean, min, max)},
        "rarity": {scenario: {lucode: value}}, "notes": [str]}`` (a note for each threat raster
        whose NaN cells InVEST would count as threat).
    """
    start = time.perf_counter()
    if not (half_saturation > 0 and math.isfinite(half_saturation)):
        raise PipelineError(f"half_saturation_constant must be > 0, got {half_saturation}")
    if not isinstance(threats, str | Path):
        threats = list(threats)
    else:
        threats = read_threats(threats)
    codes, table = _sensitivity(sensitivity_table, threats)
    lulcs = {"c": lulc_path}
    if lulc_future_path not in (None, ""):
        lulcs["f"] = lulc_future_path
    if lulc_baseline_path not in (None, ""):
        lulcs["b"] = lulc_baseline_path
    scenarios = []  # scenarios whose degradation and quality are computed
    for letter in lulcs:
        have = [letter in t.paths for t in threats]
        if all(have):
            scenarios.append(letter)
        elif letter != "b":
            lacking = [t.name for t, h in zip(threats, have, strict=True) if not h]
            raise PipelineError(
                f"threat(s) {lacking} have no {SCENARIOS[letter]} → fix: give each threat's raster"
                f" for the {'future' if letter == 'f' else 'current'} land cover in the threats table"
            )
    rasters = {f"lulc_{k}": v for k, v in lulcs.items()}
    seen: dict[Path, str] = {}
    for letter in scenarios:
        for t in threats:
            p = Path(t.paths[letter])
            if not p.exists():
                raise PipelineError(
                    f"threat {t.name!r}, {SCENARIOS[letter]}: no such file {p} → fix: correct the path"
                    " (relative paths are read from the threats table's folder)"
                )
            if p.resolve() in seen:
                raise PipelineError(
                    f"threat {t.name!r}, {SCENARIOS[letter]}: {p} is also {seen[p.resolve()]} → fix: each"
                    " threat and scenario needs its own raster file (InVEST refuses repeated paths too)"
                )
            seen[p.resolve()] = f"{t.name}'s {SCENARIOS[letter]}"
            rasters[f"{t.name} ({SCENARIOS[letter]})"] = p
    grid = check_grid(rasters)
    cell = grid.cell_size
    weight_sum = sum(t.weight for t in threats)  # InVEST: threat_df['weight'].sum(), in table order
    habitat = table["habitat"].astype(np.float32)
    access = _access(access_path, grid) if access_path not in (None, "") else np.ones((1, 1), np.float32)
    has_access = access_path not in (None, "")
    classes = {}
    for letter, path in lulcs.items():
        lulc, nodata = read_rasters({"lulc": path}, classes=("lulc",))["lulc"]
        classes[letter] = class_index(lulc, nodata, codes, sensitivity_table)
        del lulc
    timings = {"read": time.perf_counter() - start}
    arrays: dict[str, np.ndarray] = {}
    notes: list[str] = []
    g = np.empty(grid.shape, dtype=np.float32)
    inf = np.float32(grid.shape[0] + grid.shape[1])  # pygeoprocessing's "numerical_inf"
    ksq = float(half_saturation) ** scaling
    for letter in scenarios:
        t0 = time.perf_counter()
        klass = classes[letter]
        deg = np.zeros(grid.shape, dtype=np.float32)
        deg[klass < 0] = np.nan
        for threat in threats:
            path = threat.paths[letter]
            values, nodata = _read_threat(path)
            has_nodata = nodata is not None and not math.isnan(nodata)
            nodata = float(nodata) if has_nodata else 0.0
            n_threat, n_bad, n_nan = _column_pass(values, nodata, has_nodata, g, inf)
            if n_nan:
                notes.append(
                    f"threat {threat.name!r} ({SCENARIOS[letter]}): {n_nan} NaN cells are not threat cells"
                    " here; InVEST 3.20.2 counts NaN cells as threat (pygeoprocessing's nodata test never"
                    " matches NaN) → for the same result as InVEST elsewhere, give the raster a nodata"
                    " value that is not NaN"
                )
            if n_bad:
                raise PipelineError(
                    f"threat {threat.name!r}, {SCENARIOS[letter]} {path}: values outside 0–1 → fix: threat"
                    " rasters hold 0 (no threat) to 1 (InVEST refuses them too)"
                )
            if not n_threat:
                if threat.max_dist / cell >= inf:
                    notes.append(
                        f"threat {threat.name!r} ({SCENARIOS[letter]}): no threat cell, no degradation;"
                        " InVEST 3.20.2 would degrade cells anyway, its distance transform giving"
                        f" {int(inf)} + row cells, less than max_dist ({threat.max_dist / cell:.0f} cells)"
                    )
                continue
            sens = table[threat.name].astype(np.float32)
            weight = threat.weight / weight_sum
            exponential = threat.decay == "exponential"
            _row_pass(g, values, nodata, has_nodata, klass, sens, weight, access, has_access,
                      threat.max_dist / cell, exponential, deg)  # fmt: skip
            if exponential:
                np.exp(g, out=g)  # numpy's float32 exp, as InVEST's
                _accumulate(g, klass, sens, weight, access, has_access, deg)
            del values
        quality = np.power(deg, np.float32(scaling))  # numpy's float32 power, as InVEST's D ** 2.5
        _quality_kernel(quality, klass, habitat, ksq)
        arrays[f"deg_sum_{letter}{suffix}"] = deg
        arrays[f"quality_{letter}{suffix}"] = quality
        timings[f"quality_{letter}"] = time.perf_counter() - t0
    del g
    rarity_tables: dict[str, dict[int, float]] = {}
    if "b" in classes:
        t0 = time.perf_counter()
        base = classes["b"]
        for letter in ("c", "f"):
            if letter not in classes:
                continue
            n_base, n_x = _class_counts(base, classes[letter], codes.size)
            values = np.zeros(codes.size)
            rarity = {}
            for j in np.flatnonzero(n_x):
                if n_base[j]:
                    numerator = n_x[j] * grid.cell_area_m2
                    denominator = n_base[j] * grid.cell_area_m2
                    values[j] = 1.0 - numerator / (denominator + numerator)
                rarity[int(codes[j])] = float(values[j])
            out = np.empty(grid.shape, dtype=np.float32)
            _rarity_kernel(base, classes[letter], values, out)
            arrays[f"rarity_{letter}{suffix}"] = out
            rarity_tables[letter] = dict(sorted(rarity.items()))
        timings["rarity"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    outputs = write_rasters(out_dir, grid, arrays)
    for letter, rarity in rarity_tables.items():
        csv_path = Path(out_dir) / f"rarity_{letter}{suffix}.csv"
        with open(csv_path, "w", newline="", encoding="utf-8") as f:  # as InVEST: csv.writer, \r\n
            writer = csv.writer(f)
            writer.writerow(["lucode", "rarity_value"])
            writer.writerows([code, repr(value)] for code, value in rarity.items())
        outputs[f"rarity_{letter}{suffix}_csv"] = csv_path
    timings["write"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - start
    return {
        "outputs": outputs,
        "timings_s": timings,
        "summary": {name: _stats(a) for name, a in arrays.items()},
        "rarity": rarity_tables,
        "notes": notes,
    }


# --------------------------------------------------------------------------- ecoledger invest


def run_invest(args: Mapping, workspace: Path) -> dict:
    """InVEST Habitat Quality args (``pipeline.invest.read_datastack``) → ``habitat_quality`` →
    InVEST's rasters and rarity tables in ``workspace``; the table printed is a summary of each
    raster written (valid cells, mean, min, max)."""
    from ecoledger.pipeline.invest import _number, _suffix

    result = habitat_quality(
        args["lulc_cur_path"],
        args["threats_table_path"],
        args["sensitivity_table_path"],
        workspace,
        _number(args, "half_saturation_constant"),
        lulc_future_path=args.get("lulc_fut_path") or None,
        lulc_baseline_path=args.get("lulc_bas_path") or None,
        access_path=args.get("access_vector_path") or None,
        suffix=_suffix(args),
    )
    names = list(result["summary"])
    stats = list(result["summary"].values())
    table = Table(
        {
            "Raster": names,
            "Filename": [Path(result["outputs"][n]).name for n in names],
            "Cells": [s[0] for s in stats],
            "Mean": [s[1] for s in stats],
            "Min": [s[2] for s in stats],
            "Max": [s[3] for s in stats],
        }
    )
    return {
        "model": "habitat_quality",
        "outputs": result["outputs"],
        "table": table,
        "timings_s": result["timings_s"],
        "notes": result["notes"],
    }
