"""The case engine's core: pure decisions over a case's state, and the state a history of events makes
(no database, no clock, no Prefect)."""
