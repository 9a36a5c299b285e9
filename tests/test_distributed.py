"""The distributed pipeline equals the single-machine one, on a real local Dask cluster."""

import sys

import cloudpickle
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

from ecoledger import terrain
from ecoledger.accounts import run_account
from ecoledger.distributed import (
    _basin_windows,
    drainage_basins,
    from_account,
    ls_factor,
    route_basins,
    run_distributed,
)
from ecoledger.testing import make_pack, synthetic_dem

SHAPE = (48, 64)
CHUNK = 16  # 3 × 4 chunks
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster) as connected:
        yield connected


def _rough_dem() -> np.ndarray:
    """Whole metres (many ties and flats), a flat ridge between two slopes, a nodata hole."""
    dem = np.round(synthetic_dem(SHAPE))
    dem[20:23, 8:40] = np.nanmax(dem[17:26, 8:40]) + 5.0
    dem[30:34, 44:50] = np.nan
    return dem


def _read(dem, window):
    return dem[window.toslices()]


def _whole_grid(dem, routing):
    filled = terrain.fill_depressions(dem)
    if routing == "d8":
        accumulation = terrain.flow_accumulation_d8(terrain.flow_direction_d8(filled))
    else:
        accumulation = terrain.flow_accumulation_mfd(terrain.flow_direction_mfd(filled))
    ls = terrain.ls_factor_desmet_govers(terrain.slope_percent(filled, 30.0), accumulation, 30.0)
    return filled, accumulation, ls


@pytest.mark.parametrize("routing", ["mfd", "d8"])
def test_routing_by_basins_equals_the_whole_grid(client, routing):
    dem = _rough_dem()
    labels = drainage_basins(dem, routing)
    assert ((labels == 0) == np.isnan(dem)).all()
    if routing == "d8":  # MFD flow crosses every ridge: one basin (see drainage_basins)
        assert labels.max() >= 5 and len(_basin_windows(labels, CHUNK, routing)) >= 4
    filled, accumulation = route_basins(lambda window: _read(dem, window), labels, routing, CHUNK)
    ls = ls_factor(filled, accumulation, 30.0)
    assert filled.numblocks == (3, 4)
    got = client.compute([filled, accumulation, ls], sync=True)
    for name, expected, actual in zip(["filled", "accumulation", "ls"], _whole_grid(dem, routing),
                                      got, strict=True):
        np.testing.assert_array_equal(actual, expected, err_msg=name)  # exact, NaN where NaN
        assert actual.dtype == expected.dtype, name


def test_distributed_run_equals_run_account(cluster, tmp_path):
    """D8 routing, so that the pack's DEM splits into several basins (MFD: see above)."""
    pack = make_pack(tmp_path, shape=SHAPE)
    timings = {}
    table = run_distributed(pack, 2020, scheduler=cluster.scheduler_address, chunk=CHUNK,
                            routing="d8", timings=timings)
    assert {"setup", "basins", "compute", "total"} <= set(timings)
    assert {"water_conservation", "soil_retention_sediment", "soil_retention_nitrogen",
            "soil_retention_phosphorus", "carbon_sequestration", "climate_regulation_transpiration",
            "climate_regulation_evaporation"} <= set(table["item"])
    expected = from_account(run_account(pack, 2020, routing="d8"), table["item"].unique().tolist())
    keys = ["item", "adcode", "ecosystem"]
    got = table.sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    assert got[keys].equals(expected[keys])
    assert (expected["physical_value"] != 0).sum() > len(expected) // 2
    np.testing.assert_allclose(got["physical_value"], expected["physical_value"].astype(float),
                               rtol=1e-9, atol=0)
