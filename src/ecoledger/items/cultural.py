"""Cultural services (文化服务): recreation and tourism, landscape premium — method notes §6.3.

Recreation by travel cost: visits × travel cost per visit (``TC = time cost + direct costs``),
or by revenue share: tourism revenue × the share attributable to ecosystems (the profile picks).
Landscape premium by hedonic pricing: benefiting floor area × annualised premium per m².
"""

from __future__ import annotations

import math


def recreation_travel_cost(visits: float, travel_cost_per_visit: float) -> tuple[float, float]:
    """(physical person-times, 元 per person-time)."""
    return visits, travel_cost_per_visit


def recreation_revenue_share(visits: float, revenue: float, share: float) -> tuple[float, float]:
    """(physical person-times, 元 per person-time) with the ecosystem share of revenue."""
    if math.isnan(visits) or visits <= 0:
        return math.nan, math.nan
    return visits, revenue * share / visits


def landscape_premium(floor_area_m2: float, premium_per_m2: float) -> tuple[float, float]:
    """(physical m², 元 per m² per year)."""
    return floor_area_m2, premium_per_m2
