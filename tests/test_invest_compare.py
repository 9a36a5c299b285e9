"""Agreement with InVEST 3.20.2 SDR (D8 and MFD) on a small synthetic DEM.

Needs the InVEST venv made by ``bash bench/install_invest.sh``; skipped without it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "compare_invest_routing.py"
INVEST_PYTHON = BENCH.parent / ".invest-venv" / "bin" / "python"

pytestmark = [
    pytest.mark.invest,
    pytest.mark.skipif(
        not INVEST_PYTHON.exists(), reason="InVEST venv missing: bash bench/install_invest.sh"
    ),
]


def _bench():
    spec = importlib.util.spec_from_file_location("compare_invest_routing", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_watershed_sums_agree_with_invest_within_0_1_percent(tmp_path):
    bench = _bench()
    inputs = bench.make_inputs(200)
    bench.run_invest(inputs, tmp_path)
    for algorithm in ("D8", "MFD"):
        rows, _ = bench.compare(inputs, tmp_path, algorithm)
        by_name = {name: (ws, ndiff) for name, ws, _, _, ndiff in rows}
        assert by_name["flow direction"][1] == 0, algorithm
        assert by_name["filled"] == (0.0, 0), algorithm
        for name in ("flow_accumulation", "ls", "rkls", "rkls_1_minus_cp"):
            ws_rel = by_name[name][0]
            assert np.isfinite(ws_rel) and ws_rel <= 1e-3, (algorithm, name, ws_rel)
