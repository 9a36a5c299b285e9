"""Uncertainty and sensitivity of the accounts (issue 21).

``ranges``: the cited (or explicitly assumed) range of every parameter row and of every derived
input layer (``data/parameter_ranges.csv``, ``data/layer_ranges.csv``, the assumption rule in
``data/range_assumptions.csv``); the Monte Carlo engine draws from them. Import the submodules
themselves: this package imports nothing on purpose.
"""
