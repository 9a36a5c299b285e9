"""What a 1,000-draw uncertainty run costs against a single account run (issue 21's budget: 3×).

    .venv/bin/python bench/uncertainty.py [--pack out/jiangxi-pack] [--year 2019] [--draws 1000]
                                          [--repeats 3]

Each figure is the median wall time of ``--repeats`` fresh ``ecoledger account`` processes on the
same pack and year, interpreter start and writing the outputs included, with ``--no-report`` (the
report is the same work either way) and ``--no-maps``: once as the account alone, once with
``--draws N`` (components kept during the raster pass, the draws evaluated, the sensitivity indices
estimated, the uncertainty tables written). The pack defaults to the one ``scripts/run-main``
builds. Results: a Markdown table on stdout and ``bench/work/uncertainty-<date>-<HHMM>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ECOLEDGER = ROOT / ".venv" / "bin" / "ecoledger"


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=ROOT / "out" / "jiangxi-pack")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not (args.pack / "pack.toml").is_file():
        sys.exit(f"{args.pack}: no pack.toml; run scripts/run-main first or give --pack")
    base = [str(ECOLEDGER), "account", str(args.pack), "--year", str(args.year), "--no-report",
            "--no-maps"]
    times: dict[str, list[float]] = {"account": [], f"account --draws {args.draws}": []}
    with tempfile.TemporaryDirectory(prefix="ecoledger-bench-") as work:
        for i in range(args.repeats):  # interleaved, so that machine load hits both alike
            times["account"].append(_wall([*base, "--out", f"{work}/a{i}"]))
            times[f"account --draws {args.draws}"].append(
                _wall([*base, "--out", f"{work}/u{i}", "--draws", str(args.draws)]))
        meta = json.loads(Path(f"{work}/u0/uncertainty/meta.json").read_text(encoding="utf-8"))
        run = json.loads(Path(f"{work}/u0/run.json").read_text(encoding="utf-8"))
        meta["elapsed_s"] = run["timings_s"]["uncertainty"]
    medians = {name: statistics.median(t) for name, t in times.items()}
    ratio = medians[f"account --draws {args.draws}"] / medians["account"]
    print(f"{args.pack.name} {args.year}, {meta['sampled_inputs']} sampled inputs, "
          f"median of {args.repeats} fresh processes\n")
    print("| run | median s | runs s |\n|---|---|---|")
    for name, t in times.items():
        print(f"| `ecoledger {name}` | {medians[name]:.2f} | {', '.join(f'{x:.2f}' for x in t)} |")
    print(f"\nratio {ratio:.2f}× (budget 3×); propagation inside the run: {meta['elapsed_s']} s")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M")
    out = BENCH / "work" / f"uncertainty-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"pack": str(args.pack), "year": args.year, "draws": args.draws,
                               "times_s": times, "medians_s": medians, "ratio": ratio,
                               "propagation_s": meta["elapsed_s"],
                               "sampled_inputs": meta["sampled_inputs"]}, indent=2),
                   encoding="utf-8")


if __name__ == "__main__":
    main()
