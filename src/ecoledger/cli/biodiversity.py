"""``ecoledger biodiversity …``: protected areas and species registers (issue 19, item 5)."""

from __future__ import annotations

import typer

from ecoledger.cli._errors import Group
from ecoledger.cli._help import declare

app = typer.Typer(cls=Group, name="biodiversity", no_args_is_help=True)

declare("biodiversity", {
    "": ("保护地与物种名录：登记保护地（类型、级别、边界）和物种记录，按区县计算保护地占比和区内记录数。",
         "Protected areas and species: register protected areas (type, level, boundary) and "
         "species records; per-county protected share and records inside."),
})
