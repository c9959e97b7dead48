"""Prefect settings for layanan, applied before Prefect is imported.

Defaults keep Prefect quiet and offline and put its home (the ephemeral API's SQLite database and task
results) next to the case store, so suspended flow runs survive restarts. Anything the user sets wins.
"""

from __future__ import annotations

import os

from engine.store.db import data_dir

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # A first start on an empty home takes 10-17 s on 2 cores; Prefect's default allows 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
}


def prepare() -> None:
    if "PREFECT_HOME" not in os.environ:
        home = data_dir() / "prefect"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home.resolve())
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not os.environ.get("PREFECT_API_URL"):
        # The ephemeral API runs without CSRF protection (Prefect's server default), so the client need not
        # fetch a token for every new connection: one request less per flow run. Against a configured
        # server, Prefect's own default (token handling on) stays.
        os.environ.setdefault("PREFECT_CLIENT_CSRF_SUPPORT_ENABLED", "false")
