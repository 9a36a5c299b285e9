"""ecoledger: gross ecosystem product (GEP, 生态产品总值) accounting.

The chain: a region pack (``ecoledger.pack``) → aligned layers on one accounting grid
(``ecoledger.grid``) → per-pixel item formulas (``ecoledger.items``) → zonal sums per
administrative unit and ecosystem type (``ecoledger.zonal``) → priced accounts
(``ecoledger.accounts``) → written outputs (``ecoledger.outputs``).
"""

from ecoledger.accounts import AccountResult, run_account
from ecoledger.errors import EcoledgerError, PackError, ParameterError, Problem
from ecoledger.pack import Pack, load_pack, validate_pack

__version__ = "0.1.0"

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
