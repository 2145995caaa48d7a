"""The storage adapter: SQLAlchemy models, migrations and repositories scoped to one user."""
