"""``ecoledger congress …``: the annual report to the People's Congress (issue 20, item 4)."""

from __future__ import annotations

import typer

from ecoledger.cli._errors import Group
from ecoledger.cli._help import declare

app = typer.Typer(cls=Group, name="congress", no_args_is_help=True)

declare("congress", {
    "": ("向人民代表大会报告生态文明建设情况的年度报告（中文为主，附英文；HTML 和 PDF）。",
         "The annual report to the People's Congress on the decision (zh first, en; HTML and "
         "PDF)."),
})
