"""Monte Carlo over the account chain, intervals per unit and item, and what drives them.

``propagate(result, ranges)`` draws the inputs (Latin hypercube, scipy's ``qmc``), evaluates
the account for all draws at once (``AccountModel``), rolls leaf units up to every unit as the
accounts do (a parent is the sum of the children that have a value), and reports for every unit
the median and 5–95 % interval of its GEP, of each group and of each item. Drivers: first-order
Sobol' indices of each unit's GEP estimated from the same sample by RBD-FAST (SALib; Tarantola
et al. 2006, Plischke 2010), and a tornado (GEP with one input at its low, then its high end,
the others at their point values).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ecoledger import tables
from ecoledger.uncertainty.model import APPROXIMATIONS, NOT_SAMPLED, AccountModel, Draws

DRAWS = 1000
SEED = 20190101
QUANTILES = (0.05, 0.5, 0.95)
# bootstrap resamples behind each index's confidence interval: SALib's default (100) costs 1.3 s
# per unit on 1,000 draws and ~40 inputs; 10 keep a whole-province run within budget and still
# separate the leading drivers from noise (the interval is wider, not biased)
RESAMPLES = 10
MIN_DRAWS_FOR_INDICES = 100  # RBD-FAST needs draws ≫ 2 × its 10 harmonics
RANGE_COLUMNS = ["name", "value", "low", "high", "distribution", "range_source", "range_source_zh"]


@dataclass
class Uncertainty:
    intervals: pd.DataFrame  # adcode, name, level, scope, key, point/median/p05/p95 (元)
    drivers: pd.DataFrame  # per unit (province, cities): rank, input, S1, tornado low/high
    inputs: pd.DataFrame  # the sampled inputs: name, value, low, high, distribution, source
    meta: dict = field(default_factory=dict)
    # per draw (rows): every unit's GEP (columns: adcodes), for amounts computed from GEP
    # (transfers, compensation), kept so that they get intervals from the same draws
    gep_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    # per draw: each item's value over the whole region ÷ its point value (columns: items), for
    # valuations of areas the accounts do not hold as units (VEP of a site)
    item_ratios: pd.DataFrame = field(default_factory=pd.DataFrame)

    def write(self, folder: Path) -> None:
        """``intervals.csv``, ``drivers.csv``, ``inputs.csv``, ``meta.json`` and the draws
        (``gep_draws.parquet``, ``item_ratios.parquet``) in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in (("intervals", self.intervals), ("drivers", self.drivers),
                            ("inputs", self.inputs)):
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
        for name in ("gep_draws", "item_ratios"):
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2),
                                          encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Uncertainty | None:
        """What ``write`` wrote, or None when ``folder`` holds no uncertainty."""
        if not (folder / "meta.json").exists():
            return None
        frames = {name: pd.read_csv(folder / f"{name}.csv", dtype={"adcode": str})
                  for name in ("intervals", "drivers", "inputs")}
        frames |= {name: pd.read_parquet(folder / f"{name}.parquet")
                   for name in ("gep_draws", "item_ratios")}
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return cls(**frames, meta=meta)


def ranges_for(result, extra: list[Path] | tuple[Path, ...] = ()) -> pd.DataFrame:
    """The ranges of every parameter the run read and of the layers (``RANGE_COLUMNS``): the
    bundled range tables, then the rows of ``extra`` range files (users' own ranges)."""
    from ecoledger.uncertainty.ranges import layer_ranges, parameter_ranges

    # a range file is a layer table when its header names layers, else a parameter table
    layer_files = [Path(f) for f in extra
                   if "layer" in Path(f).read_text(encoding="utf-8").partition("\n")[0].split(",")]
    parameter_files = [Path(f) for f in extra if Path(f) not in layer_files]
    parameters = parameter_ranges(result.parameters, parameter_files)
    layers = layer_ranges(layer_files).assign(value=1.0)
    return pd.concat([parameters[RANGE_COLUMNS], layers[RANGE_COLUMNS]], ignore_index=True)


def sample(inputs: pd.DataFrame, draws: int, seed: int = SEED) -> pd.DataFrame:
    """A Latin-hypercube sample (draws × inputs) of ``inputs`` (columns of ``RANGE_COLUMNS``):
    ``uniform`` on [low, high], ``triangular`` on [low, high] with its mode at the value."""
    from scipy.stats import qmc, triang

    if inputs.empty:
        return pd.DataFrame(index=range(draws))
    unit = qmc.LatinHypercube(d=len(inputs), seed=seed).random(draws)
    out = {}
    for j, row in enumerate(inputs.itertuples(index=False)):
        width = row.high - row.low
        if row.distribution == "triangular":
            out[row.name] = triang.ppf(unit[:, j], (row.value - row.low) / width, loc=row.low,
                                       scale=width)
        elif row.distribution == "uniform":
            out[row.name] = row.low + unit[:, j] * width
        else:
            raise ValueError(f"input {row.name}: distribution {row.distribution!r} is not "
                             "sampled (uniform, triangular)")
    return pd.DataFrame(out)


class Rollup:
    """Leaf values (draws × leaves) to every unit (draws × units): sum of leaves with a value."""

    def __init__(self, units: pd.DataFrame, leaves: list[str]):
        self.codes = units["code"].tolist()
        parent = dict(zip(units["code"], units["parent"], strict=True))
        column = {code: j for j, code in enumerate(leaves)}
        self.membership = np.zeros((len(self.codes), len(leaves)))
        row = {code: i for i, code in enumerate(self.codes)}
        for leaf in leaves:
            code = leaf
            while code in row:
                self.membership[row[code], column[leaf]] = 1.0
                code = parent.get(code)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        has = (~np.isnan(values[:1])).astype(float) @ self.membership.T > 0
        rolled = np.nan_to_num(values) @ self.membership.T
        rolled[:, ~has[0]] = np.nan
        return rolled


def propagate(result, ranges: pd.DataFrame, draws: int = DRAWS, seed: int = SEED,
              top: int = 10) -> Uncertainty:
    """Intervals and drivers of an account run with ``components=True``.

    ``ranges``: one row per input (``RANGE_COLUMNS``; ``name`` as ``ecoledger.uncertainty.
    model.input_name``, layers as ``layer:<layer>`` with factors around 1). Inputs the account
    uses and ``ranges`` gives with low < high are sampled; the rest keep their point values.
    """
    started = time.perf_counter()
    model = AccountModel(result)
    used = model.used_inputs()
    # the Chinese source is optional (ranges written before it, users' own tables)
    ranges = ranges.reindex(columns=RANGE_COLUMNS).fillna({"range_source_zh": ""})
    ranges = ranges.set_index("name", drop=False)
    lacking = sorted(n for n in used if n not in ranges.index and not n.startswith("layer:"))
    if lacking:
        raise ValueError(f"no range for the inputs {lacking}: add rows to the range table")
    chosen = ranges.loc[sorted(used & set(ranges.index))]
    varied = chosen[chosen["high"] > chosen["low"]][RANGE_COLUMNS].reset_index(drop=True)
    point = {**model.point, **dict(zip(chosen["name"], chosen["value"], strict=True))}

    drawn = sample(varied, draws, seed)
    values = model.evaluate(Draws({c: drawn[c].to_numpy() for c in drawn}, point, draws))
    base = model.evaluate(Draws({}, point, 1))
    rollup = Rollup(result.units, model.leaves)
    scopes = _scopes(values, rollup)
    point_scopes = _scopes(base, rollup)
    intervals = _intervals(scopes, point_scopes, result.units)
    drivers = _drivers(model, varied, drawn, scopes["gep", "GEP"], point, rollup,
                       result.units, top, seed)
    meta = {
        "draws": draws, "seed": seed, "sampler": "Latin hypercube (scipy.stats.qmc)",
        "sensitivity": "first-order Sobol' indices by RBD-FAST (SALib) on the same sample, "
                       f"confidence from {RESAMPLES} bootstrap resamples; tornado: one input at "
                       "its low and high end, the others at their values",
        "sampled_inputs": len(varied),
        "drivers_computed": draws >= MIN_DRAWS_FOR_INDICES,
        "fixed_inputs": sorted(set(used) - set(varied["name"])),
        "approximations": {key: en for key, (_, en) in APPROXIMATIONS.items()},
        "not_sampled": {key: en for key, (_, en) in NOT_SAMPLED.items()},
        "parameter_table_version": result.provenance.get("parameter_table_version"),
    }
    # the time goes to the run's timings (run.json), so that meta.json is the same on a re-run
    timings = result.provenance.setdefault("timings_s", {})
    timings["uncertainty"] = round(time.perf_counter() - started, 3)
    gep_draws = pd.DataFrame(scopes["gep", "GEP"], columns=rollup.codes)
    region = rollup.codes.index(_top(result.units))
    item_ratios = pd.DataFrame({
        item: scopes["item", item][:, region] / point_scopes["item", item][0, region]
        for scope, item in scopes if scope == "item" and point_scopes["item", item][0, region]})
    return Uncertainty(intervals=intervals, drivers=drivers, inputs=varied, meta=meta,
                       gep_draws=gep_draws, item_ratios=item_ratios)


def relative_ranges(result, low: float = 0.9, high: float = 1.1,
                    distribution: str = "uniform") -> pd.DataFrame:
    """Ranges of the same relative width around every input the run uses (``RANGE_COLUMNS``):
    a what-if ("every input ±10 %"), and what tests use; not a substitute for cited ranges."""
    model = AccountModel(result)
    rows = []
    for name in sorted(model.used_inputs()):
        value = 1.0 if name.startswith("layer:") else model.point[name]
        rows.append({"name": name, "value": value, "low": value * low, "high": value * high,
                     "distribution": distribution, "range_source": f"what-if: ×{low}–×{high}",
                     "range_source_zh": f"假设：×{low}–×{high}"})
    return pd.DataFrame(rows, columns=RANGE_COLUMNS)


def _top(units: pd.DataFrame) -> str:
    """The unit every other one belongs to (the region)."""
    codes = set(units["code"])
    return next(code for code, parent in zip(units["code"], units["parent"], strict=True)
                if parent not in codes)


def _scopes(values: dict[str, np.ndarray], rollup: Rollup) -> dict[tuple[str, str], np.ndarray]:
    """(scope, key) → draws × units: each item, each group, and GEP."""
    catalogue = tables.items()
    out = {("item", item): rollup(v) for item, v in values.items()}
    groups: dict[str, list[np.ndarray]] = {}
    for item, rolled in list(out.items()):
        groups.setdefault(catalogue.at[item[1], "group"], []).append(rolled)
    for group, parts in groups.items():
        out["group", group] = _nansum(parts)
    out["gep", "GEP"] = _nansum([out[k] for k in out if k[0] == "group"])
    return out


def _nansum(parts: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(parts)
    total = np.nansum(stacked, axis=0)
    total[np.isnan(stacked).all(axis=0)] = np.nan
    return total


def _intervals(scopes, point_scopes, units: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for (scope, key), draws in scopes.items():
        with np.errstate(all="ignore"):
            low, median, high = np.percentile(draws, [q * 100 for q in QUANTILES], axis=0)
        frames.append(pd.DataFrame({
            "adcode": units["code"].to_numpy(), "name": units["name"].to_numpy(),
            "level": units["level"].to_numpy(), "scope": scope, "key": key,
            "point_yuan": point_scopes[scope, key][0], "median_yuan": median,
            "p05_yuan": low, "p95_yuan": high}))
    return pd.concat(frames, ignore_index=True).dropna(subset=["point_yuan"])


def _drivers(model, varied: pd.DataFrame, drawn: pd.DataFrame, gep: np.ndarray, point: dict,
             rollup: Rollup, units: pd.DataFrame, top: int, seed: int) -> pd.DataFrame:
    """Per unit above the counties: inputs ranked by their first-order index on the unit's GEP,
    with the tornado swing; the ``top`` first."""
    if varied.empty or len(drawn) < MIN_DRAWS_FOR_INDICES:
        return pd.DataFrame(columns=["adcode", "name", "level", "rank", "input", "s1",
                                     "s1_conf", "gep_low_yuan", "gep_high_yuan", "range_source"])
    from SALib.analyze import rbd_fast

    names = varied["name"].tolist()
    problem = {"num_vars": len(names), "names": names,
               "bounds": varied[["low", "high"]].to_numpy().tolist()}
    # tornado: 2 draws per input, one at its low end and one at its high end
    k = len(names)
    ends = {n: np.full(2 * k, point[n]) for n in names}
    for j, n in enumerate(names):
        ends[n][2 * j], ends[n][2 * j + 1] = varied.at[j, "low"], varied.at[j, "high"]
    tornado_values = model.evaluate(Draws(ends, point, 2 * k))
    tornado = _scopes(tornado_values, rollup)["gep", "GEP"]  # (2k × units)
    x = drawn[names].to_numpy()
    rows = []
    wanted = units["level"].isin(["province", "city"]).to_numpy()
    for u in np.flatnonzero(wanted):
        y = gep[:, u]
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        indices = rbd_fast.analyze(problem, x, y, num_resamples=RESAMPLES, seed=seed)
        # an index within its own confidence half-width is noise (RBD-FAST's floor is about
        # 2M/N): such inputs rank after the others, by their tornado swing
        s1 = np.nan_to_num(np.asarray(indices["S1"], dtype=float))
        significant = s1 > np.nan_to_num(np.asarray(indices["S1_conf"], dtype=float))
        swing = np.abs(tornado[2 * np.arange(k) + 1, u] - tornado[2 * np.arange(k), u])
        order = np.lexsort((-swing, -np.where(significant, s1, -1.0)))[:top]
        for rank, j in enumerate(order, start=1):
            rows.append({
                "adcode": units["code"].iat[u], "name": units["name"].iat[u],
                "level": units["level"].iat[u], "rank": rank, "input": names[j],
                "s1": float(indices["S1"][j]), "s1_conf": float(indices["S1_conf"][j]),
                "gep_low_yuan": float(tornado[2 * j, u]),
                "gep_high_yuan": float(tornado[2 * j + 1, u]),
                "range_source": varied.at[j, "range_source"]})
    return pd.DataFrame(rows)
