"""The platform tables of `ecoledger.carbon` (SQLAlchemy models on the platform's `Base`)."""
