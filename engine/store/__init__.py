"""The case store: the single source of truth for cases (SQLAlchemy 2; SQLite by default, PostgreSQL by URL)."""
