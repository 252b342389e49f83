"""The migrations build exactly the models' schema, on each database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aid.extensions import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
