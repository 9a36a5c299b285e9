import pytest

from ecoledger.accounts import run_account
from ecoledger.testing import make_pack


@pytest.fixture(scope="session")
def synthetic_pack(tmp_path_factory):
    return make_pack(tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="session")
def synthetic_result(synthetic_pack):
    return run_account(synthetic_pack, 2020, profile="mee2020")
