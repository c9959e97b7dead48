"""Cases: applications running through a standard, recorded in the case store (no Prefect here)."""
