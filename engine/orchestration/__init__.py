"""Prefect side of the engine: one flow per standard, one flow run per case, catching up with the case store."""
