"""One line per problem in the logs of layanan's Prefect side: a record a dependency logs with a traceback
(Prefect's websocket observer when its API server is killed, its events worker when the server is away)
is written as its message and the exception's first line. The operator learns what happened; nobody
reads a stack trace (the brief: none reaches a user, including one a dependency logs)."""

from __future__ import annotations

import logging


class OneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            first = str(exc).splitlines()[0][:160] if str(exc) else ""
            record.msg = f"{record.getMessage()} ({type(exc).__name__}{': ' + first if first else ''})"
            record.args = None
            record.exc_info = record.exc_text = None
        record.stack_info = None
        return True


def install() -> None:
    """On every handler configured now (Prefect's, set up when it is imported)."""
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, OneLine) for f in handler.filters):
                handler.addFilter(OneLine())
