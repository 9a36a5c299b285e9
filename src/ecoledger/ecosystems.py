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

# Map and chart colours of the level-1 types, by the conventions of land-cover maps (CLCD,
# MEE ecosystem maps): (hex colour, what the colour stands for). Every map, chart and page that
# colours ecosystem types reads this table.
ECOSYSTEM_COLOURS: dict[str, tuple[str, str]] = {
    "forest": ("#2e7d32", "dark green: closed tree cover"),
    "shrub": ("#7cb342", "olive green: woody but lower and sparser than forest"),
    "grassland": ("#c5e17a", "light yellow-green: herbaceous cover"),
    "wetland": ("#26a69a", "teal: marsh, lakes, rivers and reservoirs (open water included)"),
    "farmland": ("#f2d16b", "yellow: cropland, paddy and orchards"),
    "urban": ("#9e9e9e", "grey: built-up land"),
    "desert": ("#e8d8b0", "beige: sand and gobi"),
    "glacier": ("#e3f2fd", "pale ice blue: glaciers and permanent snow"),
    "bare": ("#d7ccc8", "light brown-grey: bare rock and soil"),
    "ocean": ("#1e63b5", "blue: sea"),
    UNATTRIBUTED: ("#b0bec5", "blue-grey: values no single ecosystem supplies"),
}


def ecosystem_colour(name: str) -> str:
    """The colour of ecosystem type ``name`` (a neutral grey for a name not in the table)."""
    return ECOSYSTEM_COLOURS.get(name, ("#bdbdbd", ""))[0]
