"""Number formats of the report: 亿元 with 2 decimals, thousands separators, shares in %."""

from __future__ import annotations

import math

# One 亿元 format (and dash for a missing value) for the report and the platform's ``yi`` filter.
from ecoledger.platform.i18n import DASH, YI
from ecoledger.platform.i18n import number_yi as yi

__all__ = ["DASH", "WAN", "YI", "quantity", "ratio", "share", "yi"]
WAN = 1e4  # 1 万元


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def share(value) -> str:
    return DASH if _blank(value) else f"{value:.2%}"


def quantity(value) -> str:
    """Any magnitude: whole numbers with separators from 100 up, else 4 significant digits."""
    if _blank(value):
        return DASH
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def ratio(value) -> str:
    return DASH if _blank(value) else f"{value:.2f}"
