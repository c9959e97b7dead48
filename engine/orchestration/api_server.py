"""The entry point of Prefect's ephemeral API server as layanan starts it (engine/orchestration/
ephemeral_api.py says why): uvicorn with Prefect's app, a thread that stops the server once its parent is
gone, every SQLite transaction of the server begun IMMEDIATE, and its output in ``$PREFECT_HOME/api-server.log``
(for whoever runs layanan; an officer at a terminal reads layanan's own messages only)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from .ephemeral_api import PARENT_ENV

WATCH_EVERY = 0.5  # seconds


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down cleanly on SIGTERM
    time.sleep(5)
    os._exit(1)


def _immediate_transactions() -> None:
    """Every transaction of Prefect's server on SQLite begins IMMEDIATE (see the module's docstring)."""
    from contextlib import asynccontextmanager

    from prefect.server.database import configurations

    @asynccontextmanager
    async def begin_transaction(self, session, with_for_update: bool = False):
        token = configurations.SQLITE_BEGIN_MODE.set("IMMEDIATE")
        try:
            async with session.begin() as transaction:
                yield transaction
        finally:
            configurations.SQLITE_BEGIN_MODE.reset(token)

    configurations.AioSqliteConfiguration.begin_transaction = begin_transaction


def log_path() -> str:
    """Where the server's own messages go: a file in Prefect's home, not the user's terminal."""
    return os.path.join(os.environ.get("PREFECT_HOME") or ".", "api-server.log")


def _to_log() -> None:
    log = os.open(log_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def main() -> None:
    _to_log()
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    threading.Thread(target=_watch, args=(parent,), name="layanan-parent-watch", daemon=True).start()
    _immediate_transactions()
    import uvicorn

    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn.main()


if __name__ == "__main__":
    main()
