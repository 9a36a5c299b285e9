"""`ecoledger carbon …`."""

import typer

app = typer.Typer(help="carbon", no_args_is_help=True)
