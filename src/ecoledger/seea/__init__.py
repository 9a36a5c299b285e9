"""SEEA EA (UN System of Environmental-Economic Accounting — Ecosystem Accounting, 2021) accounts
beside GEP: ecosystem extent and condition, for the province, its cities and counties.

| module | holds |
|---|---|
| ``scan`` | one pass over the grid for two years, per unit: change matrix, edges, NDVI |
| ``extent`` | the extent account (SEEA EA Table 4.1 layout) and the change matrix |
| ``condition`` | variables, indicators against cited reference levels, condition index |
| ``tables`` | the tables as CSV in Chinese and English, written atomically with ``seea.json`` |
| ``run`` | the SEEA-shaped tables of one account run (closing extent, supply by ecosystem type) |

Light on import: the submodules load the engine when used.
"""
