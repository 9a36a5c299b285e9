"""Pest control (病虫害控制), MEE 2020 / Ouyang profile only.

Area of natural forest and grassland that regulates pests itself, valued at the avoided control
cost per hectare — method notes §6.2.10; 白玛卓嘎 et al. 2017 (forest 375, grassland 112.5 元/hm²,
2010). Land cover does not separate natural from planted stands, so all forest and grassland
area is counted; a pack with a plantation map can exclude it by its crosswalk.
"""

from __future__ import annotations


def pest_control_area_ha(area_m2):
    """Area in hectares (m² → ha)."""
    return area_m2 * 1e-4
