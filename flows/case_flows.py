"""Prefect entry points of the case flows: one flow per standard and bundle of the library, as attributes
named after them (``kaltim_data_agregat`` for ``kaltim-data-agregat``). `layanan serve` and `layanan worker`
run these flows in process; a Prefect worker against a Prefect server loads them from here (the
deployments created by the orchestrator point at this file). Importing binds the flows to the case store
named by LAYANAN_DATABASE_URL and the standards folder LAYANAN_STANDARDS (default: standards/)."""

from __future__ import annotations

import os

from engine.orchestration import environment

environment.prepare()

from engine.cases.service import CaseService  # noqa: E402
from engine.orchestration import ledger  # noqa: E402
from engine.orchestration.flows import entrypoint_name, flow_for  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store.db import Store  # noqa: E402

_library = load_library(os.environ.get("LAYANAN_STANDARDS"))
ledger.bind(CaseService(Store(), _library))
for _ident in list(_library.standards) + list(_library.bundles):
    globals()[entrypoint_name(_ident)] = flow_for(_ident)
