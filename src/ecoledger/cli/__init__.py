"""Command-line interface: one module per command, registered in ``ecoledger.cli.main``."""
