"""GEP ecosystem types (level 1) and the level-2 subtypes the parameter tables use.

Level 1 follows the RCEES national classification carried into the MEE 2020 guideline and
NDRC 2022 norm (method notes §3). Level-2 keys are the ones runoff coefficients and purification
capacities are tabulated for; a land-cover crosswalk maps each class to one level-1 type and
optionally one subtype.
"""

from __future__ import annotations

ECOSYSTEMS: dict[str, str] = {
    "forest": "森林",
    "shrub": "灌丛",
    "grassland": "草地",
    "wetland": "湿地",
    "farmland": "农田",
    "urban": "城镇",
    "desert": "荒漠",
    "glacier": "冰川/永久积雪",
    "bare": "裸地",
    "ocean": "海洋",
}

# Rows of statistics-based items that no single ecosystem supplies (e.g. tourism revenue).
UNATTRIBUTED = "unattributed"
ALL = "all"

SUBTYPES: dict[str, str] = {
    "evergreen_broadleaf_forest": "forest",
    "evergreen_needleleaf_forest": "forest",
    "mixed_forest": "forest",
    "deciduous_broadleaf_forest": "forest",
    "deciduous_needleleaf_forest": "forest",
    "sparse_forest": "forest",
    "bamboo_forest": "forest",
    "evergreen_broadleaf_shrub": "shrub",
    "deciduous_broadleaf_shrub": "shrub",
    "needleleaf_shrub": "shrub",
    "sparse_shrub": "shrub",
    "meadow": "grassland",
    "steppe": "grassland",
    "tussock_grassland": "grassland",
    "sparse_grassland": "grassland",
    "marsh": "wetland",
    "lake": "wetland",
    "river": "wetland",
    "reservoir": "wetland",
    "paddy": "farmland",
    "dryland": "farmland",
    "orchard": "farmland",
    "residential": "urban",
    "urban_green": "urban",
    "industrial_transport": "urban",
}

# Integer codes used in the per-pixel ecosystem raster (0 = outside / nodata).
ECOSYSTEM_CODES: dict[str, int] = {name: i + 1 for i, name in enumerate(ECOSYSTEMS)}
SUBTYPE_CODES: dict[str, int] = {name: i + 1 for i, name in enumerate(SUBTYPES)}
