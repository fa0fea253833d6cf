"""Alembic environment: the connection comes from robots.store.db.migrate (or a URL for the alembic CLI)."""

from alembic import context
from sqlalchemy import create_engine

from robots.store.db import database_url
from robots.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # the alembic command line
    with create_engine(database_url()).begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
