"""Prefect's ephemeral API server, bound to the process that started it.

Without a configured server (``PREFECT_API_URL``), Prefect starts its API as a child process
(``SubprocessASGIServer``: uvicorn on 127.0.0.1, no authentication) and stops it at exit. A process killed
with SIGKILL runs no exit handler, and the server stayed up, orphaned, on its local port. Here the same
command runs through this module, which watches its parent: once the parent is gone (the child is adopted
by another process) it stops the server, and exits for good five seconds later. The watch runs inside the
child, so it holds whichever thread of the parent started the server (Linux's parent-death signal follows
the thread, and Prefect may start its server from a worker thread that ends).

On SQLite, the server's transactions begin DEFERRED (as reads) and become writes when they first write.
When another connection of the same server (its event and task-run recorders run beside the API) commits
in between, SQLite refuses the upgrade at once, whatever the busy timeout: "database is locked" on
``INSERT INTO flow_run_state`` (a resume refused, "Encountered error during state validation", a traceback
on the user's terminal; PrefectHQ/prefect#17473, #10188, #15170). Here every transaction the server begins
is IMMEDIATE instead: it waits for the write lock up to the busy timeout (60 s) and is never refused
halfway (``tests/test_prefect_flows.py`` resumes many runs at once and counts every state change).

``bind_to_parent()`` installs this into Prefect's class; ``tests/test_kill.py`` kills a process with
SIGKILL and checks that its server went with it (should Prefect rename what is replaced here, that test
fails).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

PARENT_ENV = "LAYANAN_API_PARENT"
WATCH_EVERY = 0.5  # seconds


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down cleanly on SIGTERM
    time.sleep(5)
    os._exit(1)


def bind_to_parent() -> None:
    """Make Prefect start its ephemeral server through this module (idempotent)."""
    from prefect.server.api.server import SubprocessASGIServer

    if getattr(SubprocessASGIServer._run_uvicorn_command, "bound_to_parent", False):
        return
    SubprocessASGIServer._run_uvicorn_command = _run_bound
    _run_bound.bound_to_parent = True


def _run_bound(server) -> subprocess.Popen:
    """Prefect's own command for its ephemeral server (prefect/server/api/server.py, 3.x), run through
    this module's ``main`` with the parent's pid."""
    import prefect
    from prefect.settings import get_current_settings

    return subprocess.Popen(
        args=[sys.executable, "-m", __name__, "--app-dir", str(prefect.__module_path__.parent), "--factory",
              "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(server.port),
              "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
             "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True),
             PARENT_ENV: str(os.getpid())},
    )


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


def main() -> None:
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    threading.Thread(target=_watch, args=(parent,), name="layanan-parent-watch", daemon=True).start()
    _immediate_transactions()
    import uvicorn

    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn.main()


if __name__ == "__main__":
    main()
