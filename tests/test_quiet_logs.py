"""A dependency's traceback becomes one line in layanan's Prefect-side logs (issue 24: Prefect's websocket
observer logged one when its API server was killed under load)."""

import io
import logging


def test_a_logged_traceback_is_one_line():
    from engine.orchestration.quiet import OneLine

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(OneLine())
    log = logging.getLogger("layanan.test.quiet")
    log.addHandler(handler)
    try:
        try:
            raise ConnectionError("no close frame received or sent\nsecond line")
        except ConnectionError:
            log.warning("observer failed for %s", "run 1", exc_info=True)
        log.warning("plain %s", "message")
    finally:
        log.removeHandler(handler)
    assert buffer.getvalue().splitlines() == [
        "observer failed for run 1 (ConnectionError: no close frame received or sent)", "plain message"]
