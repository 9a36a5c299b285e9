"""One timed InVEST / pygeoprocessing run; executed by bench/run.py with bench/.invest-venv's python.

``invest_runner.py CONFIG_JSON`` where the config is either
``{"module": "natcap.invest.sdr.sdr", "args": {...}}`` (runs ``module.execute(args)``) or
``{"routing": "d8"|"mfd", "dem": PATH, "workspace": DIR}`` (pygeoprocessing's ``fill_pits``,
``flow_dir_*`` and ``flow_accumulation_*``, each timed) or ``{"datastack": PATH, "workspace": DIR}``
(an InVEST datastack / args.json read by InVEST itself, ``datastack.extract_parameter_set``, which
resolves relative paths against the file, then its model's ``execute``; optional ``"zonal":
{name: [raster, vector]}`` adds ``pygeoprocessing.zonal_statistics`` sums per feature, e.g. for
Carbon, which has no watersheds). Prints ``{"seconds", "steps"[, "zonal"]}`` as JSON.
"""

import importlib
import json
import logging
import os
import sys
import time


def _routing(algorithm: str, dem: str, workspace: str) -> dict[str, float]:
    import pygeoprocessing.routing as routing

    filled, directions, accumulation = (os.path.join(workspace, f) for f in ("f.tif", "d.tif", "a.tif"))
    flow_dir = routing.flow_dir_d8 if algorithm == "d8" else routing.flow_dir_mfd
    flow_acc = routing.flow_accumulation_d8 if algorithm == "d8" else routing.flow_accumulation_mfd
    steps = {}
    t = time.perf_counter()
    routing.fill_pits((dem, 1), filled, working_dir=workspace)
    steps["fill"] = time.perf_counter() - t
    t = time.perf_counter()
    flow_dir((filled, 1), directions, working_dir=workspace)
    steps["flow_direction"] = time.perf_counter() - t
    t = time.perf_counter()
    flow_acc((directions, 1), accumulation)
    steps["flow_accumulation"] = time.perf_counter() - t
    return steps


def main() -> None:
    cfg = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING)
    t = time.perf_counter()
    out = {}
    if "routing" in cfg:
        os.makedirs(cfg["workspace"], exist_ok=True)
        steps = _routing(cfg["routing"], cfg["dem"], cfg["workspace"])
    elif "datastack" in cfg:
        from natcap.invest import datastack, models

        params = datastack.extract_parameter_set(cfg["datastack"])
        args = dict(params.args, workspace_dir=cfg["workspace"])
        importlib.import_module(models.model_id_to_pyname[params.model_id]).execute(args)
        steps = {}
        if cfg.get("zonal"):
            import pygeoprocessing

            out["zonal"] = {}
            for name, (raster, vector) in cfg["zonal"].items():
                stats = pygeoprocessing.zonal_statistics((os.path.join(cfg["workspace"], raster), 1), vector)
                out["zonal"][name] = {str(fid): float(v["sum"]) for fid, v in stats.items()}
    else:
        importlib.import_module(cfg["module"]).execute(cfg["args"])
        steps = {}
    print(json.dumps({"seconds": time.perf_counter() - t, "steps": steps} | out))


if __name__ == "__main__":
    main()
