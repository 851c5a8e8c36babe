"""Alembic environment: migrations run on the connection of the Database handed in by `migrate`."""

from alembic import context

from gateway.storage.tables import metadata

database = context.config.attributes["database"]
with database.write() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=database.is_sqlite)
    context.run_migrations()
