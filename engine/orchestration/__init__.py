"""Prefect side of the engine: one flow per standard, one flow run per case, catching up with the case store.

Importing the package puts layanan's Prefect settings in place before Prefect itself is imported, and
binds Prefect's ephemeral API server (when no server is configured) to the process that starts it.
"""

import os

from . import environment

environment.prepare()

if not os.environ.get("PREFECT_API_URL"):
    from .ephemeral_api import bind_to_parent

    bind_to_parent()
