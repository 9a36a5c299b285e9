"""One timed ecoledger run; executed by bench/run.py as a child process of this venv's python.

``ecoledger_runner.py CONFIG_JSON`` where the config is either
``{"function": "soil_retention"|"water_yield"|"carbon_stock"|"habitat_quality.habitat_quality",
"kwargs": {...}}`` (calls ``ecoledger.pipeline.<function>(**kwargs)``, a dotted name from its
module, imported before the clock starts) or ``{"routing": "d8"|"mfd", "dem": PATH}``
(``ecoledger.terrain`` fill, direction and accumulation on the DEM, each timed after compiling
the kernels on a small grid) or ``{"invest": [DATASTACK, "--workspace", DIR]}`` (the command
``ecoledger invest`` with these arguments, its modules imported before the clock starts).
Prints ``{"seconds", "steps", "outputs"}`` as JSON.
"""

import importlib
import json
import sys
import time

import numpy as np
import rasterio

from ecoledger import pipeline, terrain


def _routing(algorithm: str, dem_path: str) -> dict[str, float]:
    flow_dir = terrain.flow_direction_d8 if algorithm == "d8" else terrain.flow_direction_mfd
    flow_acc = terrain.flow_accumulation_d8 if algorithm == "d8" else terrain.flow_accumulation_mfd
    flow_acc(flow_dir(terrain.fill_depressions(np.ones((64, 64), dtype=np.float32))))  # compile
    t = time.perf_counter()
    with rasterio.open(dem_path) as src:
        dem = src.read(1, masked=True).astype(np.float32).filled(np.nan)
    steps = {"read": time.perf_counter() - t}
    t = time.perf_counter()
    filled = terrain.fill_depressions(dem)
    steps["fill"] = time.perf_counter() - t
    t = time.perf_counter()
    directions = flow_dir(filled)
    steps["flow_direction"] = time.perf_counter() - t
    t = time.perf_counter()
    flow_acc(directions)
    steps["flow_accumulation"] = time.perf_counter() - t
    return steps


def main() -> None:
    cfg = json.loads(sys.argv[1])
    if "invest" in cfg:  # import the command and the module it imports before the clock starts
        import ecoledger.pipeline.invest  # noqa: F401
        from ecoledger.cli.main import app
    function = None
    if "function" in cfg:
        module, _, name = cfg["function"].rpartition(".")
        owner = importlib.import_module(f"ecoledger.pipeline.{module}") if module else pipeline
        function = getattr(owner, name)
    t = time.perf_counter()
    if "routing" in cfg:
        steps, outputs = _routing(cfg["routing"], cfg["dem"]), {}
    elif "invest" in cfg:
        app(["invest", *cfg["invest"]], standalone_mode=False)
        steps, outputs = {}, {}
    else:
        result = function(**cfg["kwargs"])
        steps, outputs = result["timings_s"], result["outputs"]
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "steps": steps, "outputs": outputs}, default=str))


if __name__ == "__main__":
    main()
