"""The platform tables of `ecoledger.applications` (SQLAlchemy models on the platform's `Base`)."""
