"""The standard format: loading, schema, semantic validation and the resolved model.

Pure and fast: imports neither Prefect nor SQLAlchemy (checked by tests)."""
