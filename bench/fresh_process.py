"""Fresh-process times: what a user waits for, interpreter start and imports included.

    .venv/bin/python bench/fresh_process.py [--n 600] [--repeats 5] [--models carbon sdr_d8 sdr_mfd awy
                                            habitat_quality]
                                            [--cold]

Each figure is the median wall time of ``--repeats`` fresh processes, from ``fork`` to exit
(ecoledger's and InVEST's runs of a model alternate, so that both meet the same machine load):

* ``ecoledger --help`` (the console script);
* each model on the synthetic ``n × n`` stack of ``bench/stacks.py`` (600 × 600 = 0.36 Mpx by
  default, 30 m, four watersheds): ecoledger through ``ecoledger invest ARGS.json`` (the InVEST
  args the comparison gives InVEST, unchanged) when that command exists, else through
  ``bench/ecoledger_runner.py`` (the pipeline function in a fresh ``python``); InVEST 3.20 through
  ``bench/invest_runner.py`` with ``bench/.invest-venv``'s python when that venv exists;
* with ``--cold``, also one run of each ecoledger model with an empty numba cache
  (``NUMBA_CACHE_DIR`` = a new folder: the first run after an installation that did not warm the
  cache), then ``python -m ecoledger.warmup`` into that folder and one run after it.

Before timing a model, one untimed ecoledger run with ``NUMBA_DEBUG_CACHE=1`` counts the numba
kernels it had to compile (``compiled``; 0 when the cache is warm, as after ``scripts/setup-env``)
and those it loaded from the cache (``loaded``).

Results: a Markdown table on stdout and ``bench/work/fresh-<date>-<HHMM>.json`` (every run's
seconds, the load average before and after).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
ECOLEDGER = ROOT / ".venv" / "bin" / "ecoledger"
INVEST_PYTHON = BENCH / ".invest-venv" / "bin" / "python"
MODEL_IDS = {
    "carbon": "carbon",
    "sdr_d8": "sdr",
    "sdr_mfd": "sdr",
    "awy": "annual_water_yield",
    "habitat_quality": "habitat_quality",
}

sys.path.insert(0, str(BENCH))
import run as bench_run  # noqa: E402  (bench/run.py: the InVEST and ecoledger configurations)
import stacks  # noqa: E402


def _wall(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def _has_invest_command() -> bool:
    done = subprocess.run([str(ECOLEDGER), "invest", "--help"], capture_output=True, text=True)
    return done.returncode == 0


def ecoledger_argv(model: str, paths: dict, work: Path, via_cli: bool) -> list[str]:
    """The fresh process that runs ``model`` with ecoledger (outputs under ``work``)."""
    if via_cli:
        args = bench_run.invest_config(model, paths, work / "workspace")["args"]
        datastack = work / "args.json"
        datastack.write_text(json.dumps({"model_id": MODEL_IDS[model], "args": args}), encoding="utf-8")
        return [str(ECOLEDGER), "invest", str(datastack), "--workspace", str(work / "workspace")]
    cfg = bench_run.ecoledger_config(model, paths, work / "out")
    return [str(PYTHON), str(BENCH / "ecoledger_runner.py"), json.dumps(cfg)]


def invest_argv(model: str, paths: dict, work: Path) -> list[str]:
    cfg = bench_run.invest_config(model, paths, work / "workspace")
    return [str(INVEST_PYTHON), str(BENCH / "invest_runner.py"), json.dumps(cfg)]


def _runs(make_argv, repeats: int, work_root: Path, env: dict | None = None) -> list[float]:
    times = []
    for i in range(repeats):
        work = work_root / f"r{i}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        times.append(_wall(make_argv(work), env=env))
        shutil.rmtree(work, ignore_errors=True)
    return times


def _alternating(argvs: dict, repeats: int, work_root: Path) -> dict[str, list[float]]:
    """``repeats`` runs of each ``{name: make_argv}``, one of each in turn."""
    times = {name: [] for name in argvs}
    for i in range(repeats):
        for name, make_argv in argvs.items():
            times[name] += _runs(make_argv, 1, work_root / f"{name}-{i}")
    return times


def _kernels(argv: list[str]) -> dict[str, int]:
    """Numba kernels one run compiles (and saves) and loads from the cache (NUMBA_DEBUG_CACHE)."""
    done = subprocess.run(argv, capture_output=True, text=True, env=os.environ | {"NUMBA_DEBUG_CACHE": "1"})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = (done.stdout + done.stderr).splitlines()
    return {
        "compiled": sum("[cache] data saved" in line for line in lines),
        "loaded": sum("[cache] data loaded" in line for line in lines),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="stack edge in cells (600: 0.36 Mpx)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--models", nargs="+", default=["carbon", "sdr_d8", "sdr_mfd"], choices=list(MODEL_IDS)
    )
    parser.add_argument("--cold", action="store_true", help="also time a run on an empty numba cache")
    options = parser.parse_args(argv)

    results: dict = {"n": options.n, "repeats": options.repeats, "load_1min": os.getloadavg()[0], "rows": []}
    help_times = [_wall([str(ECOLEDGER), "--help"]) for _ in range(options.repeats)]
    results["help_s"] = help_times
    stack = stacks.build_stack(options.n)
    paths = stack["paths"]
    if "habitat_quality" in options.models:
        paths = paths | {"habitat_quality": stacks.build_habitat_quality(options.n)["args"]}
    via_cli = _has_invest_command()
    results["ecoledger_via"] = "ecoledger invest" if via_cli else "bench/ecoledger_runner.py"
    with tempfile.TemporaryDirectory(prefix="fresh-", dir=BENCH / "work") as scratch:
        scratch = Path(scratch)
        for model in options.models:
            row: dict = {"model": model}
            check = scratch / f"check-{model}"
            check.mkdir()
            row["kernels"] = _kernels(ecoledger_argv(model, paths, check, via_cli))
            shutil.rmtree(check)
            argvs = {"ecoledger_s": lambda w, m=model: ecoledger_argv(m, paths, w, via_cli)}
            if INVEST_PYTHON.exists():
                argvs["invest_s"] = lambda w, m=model: invest_argv(m, paths, w)
            row |= _alternating(argvs, options.repeats, scratch / model)
            if options.cold:
                cache = scratch / f"numba-cache-{model}"
                cache.mkdir()
                env = os.environ | {"NUMBA_CACHE_DIR": str(cache)}
                row["cold_s"] = _runs(
                    lambda w, m=model: ecoledger_argv(m, paths, w, via_cli),
                    1,
                    scratch / f"cold-{model}",
                    env=env,
                )[0]
                shutil.rmtree(cache)
                cache.mkdir()
                t = time.perf_counter()
                subprocess.run(
                    [str(PYTHON), "-m", "ecoledger.warmup"], env=env, check=True, capture_output=True
                )
                row["warmup_s"] = time.perf_counter() - t
                row["after_warmup_s"] = _runs(
                    lambda w, m=model: ecoledger_argv(m, paths, w, via_cli),
                    1,
                    scratch / f"warm-{model}",
                    env=env,
                )[0]
            results["rows"].append(row)
    results["load_1min_end"] = os.getloadavg()[0]
    print(markdown(results))
    out = BENCH / "work" / f"fresh-{datetime.datetime.now():%Y%m%d-%H%M}.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\n→ {out}")
    return 0


def markdown(results: dict) -> str:
    med = statistics.median
    lines = [
        f"fresh processes, median of {results['repeats']}, {results['n']}×{results['n']} stack "
        f"({results['n'] ** 2 / 1e6:.2f} Mpx); ecoledger via {results['ecoledger_via']}; "
        f"load average at start {results['load_1min']:.1f}",
        "",
        f"`ecoledger --help`: {med(results['help_s']):.2f} s",
        "",
        "| model | ecoledger s | InVEST s | InVEST / ecoledger | kernels compiled / loaded "
        "| empty cache s | warm-up s | after warm-up s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        ours = med(row["ecoledger_s"])
        theirs = med(row["invest_s"]) if "invest_s" in row else None
        cells = [
            row["model"],
            f"{ours:.2f}",
            f"{theirs:.2f}" if theirs else "–",
            f"{theirs / ours:.1f}×" if theirs else "–",
            f"{row['kernels']['compiled']} / {row['kernels']['loaded']}" if "kernels" in row else "–",
            f"{row['cold_s']:.2f}" if "cold_s" in row else "–",
            f"{row['warmup_s']:.1f}" if "warmup_s" in row else "–",
            f"{row['after_warmup_s']:.2f}" if "after_warmup_s" in row else "–",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
