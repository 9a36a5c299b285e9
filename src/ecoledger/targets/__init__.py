"""The decision's indicator system (《关于全面推进美丽江西建设…》, issue 20): indicator values with
their sources (``values``), yearly scorecards against the recorded targets (``scorecard``), the
bilingual pages (``pages``) and the sheet users fill for the missing values (``template``).

The indicators, their units, directions and targets are data: ``data/targets/indicator_system.csv``
(one row per indicator, a target only where one was read, with its address and quote) and
``data/targets/unit_targets.csv`` (yearly and city targets, each cited).
"""
