"""Prefect entry points of the case flows: one flow per standard and bundle of the library, as attributes
named after them (``kaltim_data_agregat`` for ``kaltim-data-agregat``). `layanan serve` and `layanan worker`
run these flows in process; a Prefect worker against a Prefect server loads them from here (the
deployments created by the orchestrator point at this file).

Importing does nothing else: the first flow asked for builds the flows over a ledger of the case store
named by LAYANAN_DATABASE_URL and the standards folder LAYANAN_STANDARDS (default: standards/)."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _flows():
    from engine.cases.service import CaseService
    from engine.orchestration.flows import CaseFlows, entrypoint_name
    from engine.orchestration.ledger import Ledger
    from engine.standard.model import load_library
    from engine.store.db import Store

    library = load_library(os.environ.get("LAYANAN_STANDARDS"))
    flows = CaseFlows(Ledger(CaseService(Store(), library)))
    return {entrypoint_name(ident): flows.flow_for(ident) for ident in list(library.standards) + list(library.bundles)}


def __getattr__(name: str):
    found = _flows().get(name)
    if found is None:
        raise AttributeError(f"no flow named {name} in this library")
    return found
