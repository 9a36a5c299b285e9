"""The platform tables of `ecoledger.monitoring` (SQLAlchemy models on the platform's `Base`)."""
