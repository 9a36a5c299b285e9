"""Alembic environment: runs the platform's migrations on the URL set by ``db.alembic_config``."""

from alembic import context
from sqlalchemy import create_engine

from ecoledger.platform.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
