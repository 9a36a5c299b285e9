#!/usr/bin/env bash
# Install InVEST 3.20.2 (pygeoprocessing 2.4.11) into bench/.invest-venv for the routing
# comparison (bench/compare_invest_routing.py, tests/test_invest_compare.py).
# Known to work on Debian 12 (GDAL 3.6.2); takes about 4 minutes. Run from the repository root.
# The normal test suite never needs this venv.
set -euo pipefail
cd "$(dirname "$0")/.."

apt-get update && apt-get install -y libgdal-dev gdal-bin g++
python3 -m venv bench/.invest-venv && bench/.invest-venv/bin/pip install -U pip wheel setuptools numpy
bench/.invest-venv/bin/pip install --no-build-isolation GDAL=="$(gdal-config --version)"
bench/.invest-venv/bin/pip install "cython<3.3" "setuptools>=64" "setuptools_scm>=8" wheel babel
bench/.invest-venv/bin/pip install --no-build-isolation pygeoprocessing==2.4.11
PATH=$PWD/bench/.invest-venv/bin:$PATH \
    bench/.invest-venv/bin/pip install --no-build-isolation natcap-invest==3.20.2
