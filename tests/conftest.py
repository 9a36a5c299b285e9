import os
from pathlib import Path

import pytest

from ecoledger.accounts import run_account
from ecoledger.testing import make_pack

INVEST_PYTHON = Path(__file__).resolve().parents[1] / "bench" / ".invest-venv" / "bin" / "python"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tests marked ``invest`` need the InVEST venv (``scripts/install-invest``, run by
    ``scripts/test`` as root): skipped without it, except in CI where parity must be checked."""
    if item.get_closest_marker("invest") and not INVEST_PYTHON.exists():
        message = f"InVEST venv missing ({INVEST_PYTHON}): run scripts/install-invest"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def jiangxi_main(tmp_path_factory):
    """What ``scripts/run-main`` computes, built here once so that no test depends on ``out/``:
    ``(accounts 2019 with maps and 1,000 uncertainty draws, accounts 2018, pack)`` from the real
    data (about 25 s)."""
    from ecoledger.outputs import write_outputs
    from ecoledger.packs import jiangxi
    from ecoledger.uncertainty.propagate import propagate, ranges_for

    folder = tmp_path_factory.mktemp("jiangxi-main")
    pack = jiangxi.build(folder / "pack", years=(2018, 2019))
    for year, maps in ((2019, True), (2018, False)):
        result = run_account(pack, year, keep_maps=maps, components=maps)
        if maps:
            result.uncertainty = propagate(result, ranges_for(result), draws=1000)
        write_outputs(result, folder / f"jiangxi-{year}", pack)
    return folder / "jiangxi-2019", folder / "jiangxi-2018", pack


@pytest.fixture(scope="session")
def synthetic_pack(tmp_path_factory):
    return make_pack(tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="session")
def synthetic_result(synthetic_pack):
    return run_account(synthetic_pack, 2020, profile="mee2020")


# --- the platform ------------------------------------------------------------------------------

PLATFORM_YEAR = 2020


@pytest.fixture(scope="session")
def platform_pack(tmp_path_factory):
    """The synthetic pack without county 990101's agricultural output (a submission supplies it)."""
    from ecoledger.testing import synthetic_statistics

    table = synthetic_statistics(PLATFORM_YEAR)
    table = table[~((table["code"] == "990101") & (table["indicator"] == "agriculture_output_value"))]
    return make_pack(tmp_path_factory.mktemp("platform-pack"), statistics=table)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """An empty store of each kind; PostgreSQL is required in CI and skipped elsewhere if absent."""
    from ecoledger.platform.testing import database_url

    try:
        return database_url(request.param, tmp_path)
    except LookupError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def platform_client(tmp_path, store_url, platform_pack):
    """A TestClient of a platform on ``platform_pack`` whose runs execute inside the request."""
    from ecoledger.platform.testing import make_client, make_settings

    with make_client(make_settings(tmp_path, store_url, platform_pack, run_in_background=False)) as client:
        yield client
    client.app.state.platform.db.dispose()
