"""``ecoledger audit …``: departure audits and chiefs' duties (issue 20, items 5–6)."""

from __future__ import annotations

import typer

from ecoledger.cli._errors import Group
from ecoledger.cli._help import declare

app = typer.Typer(cls=Group, name="audit", no_args_is_help=True)

declare("audit", {
    "": ("领导干部自然资源资产离任审计和河湖长、林长责任区指标。",
         "Natural-resource-asset departure audits of leaders, and the indicators of river/lake "
         "and forest chiefs' areas."),
})
