"""Prefect's outside-suspension watch is skipped only for the orchestrator's own runs
(engine/orchestration/suspension.py); the end-to-end count is in tests/test_prefect_flows.py."""

from contextlib import contextmanager


def test_the_watch_is_wrapped_on_this_prefect():
    """If a Prefect release moves the engine's name for the watch, this fails: the watch would run again
    for every execution (slower, never wrong) and the wrapping must be looked at."""
    from engine.orchestration import suspension  # first: layanan's Prefect settings before Prefect's import

    import prefect.flow_engine as engine

    assert suspension.install() is True
    assert getattr(engine.observe_flow_run_suspension, "_layanan_wrapped", False)
    assert suspension.install() is True  # once: not wrapped twice
    assert not getattr(engine.observe_flow_run_suspension.__wrapped__, "_layanan_wrapped", False)


def test_skipped_inside_unwatched_and_kept_outside():
    from engine.orchestration import suspension

    started = []

    @contextmanager
    def watch(flow_run_id, request, *args, **kwargs):
        started.append(flow_run_id)
        yield

    observe = suspension.wrap(watch)  # as install() wraps Prefect's watch
    with suspension.unwatched():
        with observe("run-a", object()):
            pass
    with observe("run-b", object()):
        pass
    assert started == ["run-b"]
