"""Number formats of the report: 亿元 with 2 decimals, thousands separators, shares in %."""

from __future__ import annotations

import math

YI = 1e8  # 1 亿元
WAN = 1e4  # 1 万元
DASH = "—"


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def yi(value_yuan) -> str:
    """Yuan as 亿元 with two decimals and thousands separators; tiny non-zero values as <0.01."""
    if _blank(value_yuan):
        return DASH
    value = value_yuan / YI
    if value != 0 and abs(value) < 0.005:
        return "<0.01" if value > 0 else ">-0.01"
    return f"{value:,.2f}"


def share(value) -> str:
    return DASH if _blank(value) else f"{value:.2%}"


def quantity(value) -> str:
    """Any magnitude: whole numbers with separators from 100 up, else 4 significant digits."""
    if _blank(value):
        return DASH
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def ratio(value) -> str:
    return DASH if _blank(value) else f"{value:.2f}"
