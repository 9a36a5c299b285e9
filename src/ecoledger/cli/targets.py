"""``ecoledger targets …``: the decision's indicator system and scorecards (issue 20, items 1–3)."""

from __future__ import annotations

import typer

from ecoledger.cli._errors import Group
from ecoledger.cli._help import declare

app = typer.Typer(cls=Group, name="targets", no_args_is_help=True)

declare("targets", {
    "": ("决定的目标指标体系：指标值（附出处或注明缺失）、年度记分卡（目标、趋势、红黄绿、排名）。",
         "The decision's indicator system: indicator values (each with its source or marked "
         "missing) and yearly scorecards (target, trend, traffic light, rank)."),
})
