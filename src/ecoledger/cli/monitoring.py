"""`ecoledger monitoring …`."""

import typer

app = typer.Typer(help="monitoring", no_args_is_help=True)
