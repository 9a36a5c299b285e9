"""ecoledger: gross ecosystem product (GEP, 生态产品总值) accounting.

The chain: a region pack (``ecoledger.pack``) → aligned layers on one accounting grid
(``ecoledger.grid``) → per-pixel item formulas (``ecoledger.items``) → zonal sums per
administrative unit and ecosystem type (``ecoledger.zonal``) → priced accounts
(``ecoledger.accounts``) → written outputs (``ecoledger.outputs``).
"""

from ecoledger.errors import EcoledgerError, PackError, ParameterError, Problem

__version__ = "0.1.0"

# The accounting chain pulls in geopandas and GDAL: import it on first use, so light commands
# (terrain, pipeline) start fast.
_LAZY = {"AccountResult": "ecoledger.accounts", "run_account": "ecoledger.accounts",
         "Pack": "ecoledger.pack", "load_pack": "ecoledger.pack",
         "validate_pack": "ecoledger.pack"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ecoledger' has no attribute {name!r}")

__all__ = [
    "AccountResult",
    "EcoledgerError",
    "Pack",
    "PackError",
    "ParameterError",
    "Problem",
    "__version__",
    "load_pack",
    "run_account",
    "validate_pack",
]
