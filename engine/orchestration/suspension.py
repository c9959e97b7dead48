"""Prefect's watch for suspensions asked from outside, skipped for the runs the orchestrator executes.

Prefect 3 starts, for every execution of a flow run that came from a deployment, a thread with its own
event loop and its own API client that subscribes to the server's events (and polls the run's state) in
case someone suspends the run from outside, e.g. from Prefect's UI. Measured against Prefect's server
(bench/prefect_drain.py under py-spy, 2026-12-07): 45 % of an orchestrator's CPU, a quarter of it in
loading the CA bundle for that thread's client, plus a websocket subscription and a poll on the API
server per execution (docs/performance.md).

layanan's runs never need it: a run lives for the moment it takes to mirror a case's new steps, then
suspends itself until the orchestrator resumes it; a suspension asked from outside would find the run
suspended a moment later anyway. So the orchestrator executes its runs inside ``unwatched()``, and only
there is the watch skipped; any other flow run in the process keeps Prefect's behaviour.

Prefect offers no setting for this, so the engine's name for the watch is wrapped (``install``). The
wrapping is checked by tests/test_orchestration_tuning.py: if a Prefect release moves the name, that
test fails and the watch simply runs again (slower, never wrong).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_SKIP = contextvars.ContextVar("layanan_skip_outside_suspension_watch", default=False)
_PATCH_POINT = "observe_flow_run_suspension"


def install() -> bool:
    """Wrap Prefect's watch once; False when this Prefect has no such watch (nothing to skip)."""
    import prefect.flow_engine as engine

    original = getattr(engine, _PATCH_POINT, None)
    if original is None:
        return False
    if not getattr(original, "_layanan_wrapped", False):
        setattr(engine, _PATCH_POINT, wrap(original))
    return True


def wrap(original):
    """The watch ``original``, skipped inside ``unwatched()``."""

    @contextmanager
    def observe(flow_run_id, suspension_request, *args, **kwargs):
        if _SKIP.get():
            yield
            return
        with original(flow_run_id, suspension_request, *args, **kwargs):
            yield

    observe._layanan_wrapped = True  # type: ignore[attr-defined]
    observe.__wrapped__ = original  # type: ignore[attr-defined]
    return observe


@contextmanager
def unwatched() -> Iterator[None]:
    """Flow runs executed in this block (in this task's context) start no outside-suspension watch."""
    token = _SKIP.set(True)
    try:
        yield
    finally:
        _SKIP.reset(token)
