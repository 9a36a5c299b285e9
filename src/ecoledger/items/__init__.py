"""GEP item formulas: one module per service, pure functions with units in the docstrings.

Raster formulas take arrays in the units stated and return the physical quantity per cell;
statistics formulas take per-unit numbers. Prices are applied later, in ``ecoledger.accounts``.
"""
