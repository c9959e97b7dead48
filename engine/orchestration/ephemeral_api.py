"""Prefect's ephemeral API server, bound to the process that started it.

Without a configured server (``PREFECT_API_URL``), Prefect starts its API as a child process
(``SubprocessASGIServer``: uvicorn on 127.0.0.1, no authentication) and stops it at exit. A process killed
with SIGKILL runs no exit handler, and the server stayed up, orphaned, on its local port. Here the same
command runs through engine/orchestration/api_server.py, which watches its parent: once the parent is gone (the child is adopted
by another process) it stops the server, and exits for good five seconds later. The watch runs inside the
child, so it holds whichever thread of the parent started the server (Linux's parent-death signal follows
the thread, and Prefect may start its server from a worker thread that ends).

On SQLite, the server's transactions begin DEFERRED (as reads) and become writes when they first write.
When another connection of the same server (its event and task-run recorders run beside the API) commits
in between, SQLite refuses the upgrade at once, whatever the busy timeout: "database is locked" on
``INSERT INTO flow_run_state`` (a resume refused, "Encountered error during state validation", a traceback
on the user's terminal; PrefectHQ/prefect#17473, #10188, #15170). Here every transaction the server begins
is IMMEDIATE instead: it waits for the write lock up to the busy timeout (60 s) and is never refused
halfway (``tests/test_prefect_flows.py`` runs the demo and reads the server's log).

``bind_to_parent()`` installs this into Prefect's class; ``tests/test_kill.py`` kills a process with
SIGKILL and checks that its server went with it (should Prefect rename what is replaced here, that test
fails).
"""

from __future__ import annotations

import os
import subprocess
import sys

PARENT_ENV = "LAYANAN_API_PARENT"
SERVER_MODULE = "engine.orchestration.api_server"  # the child's entry point (its own module: run with -m)


def bind_to_parent() -> None:
    """Make Prefect start its ephemeral server through this module (idempotent)."""
    from prefect.server.api.server import SubprocessASGIServer

    if getattr(SubprocessASGIServer._run_uvicorn_command, "bound_to_parent", False):
        return
    SubprocessASGIServer._run_uvicorn_command = _run_bound
    _run_bound.bound_to_parent = True


def _run_bound(server) -> subprocess.Popen:
    """Prefect's own command for its ephemeral server (prefect/server/api/server.py, 3.x), run through
    engine/orchestration/api_server.py with the parent's pid."""
    import prefect
    from prefect.settings import get_current_settings

    return subprocess.Popen(
        args=[sys.executable, "-m", SERVER_MODULE, "--app-dir", str(prefect.__module_path__.parent), "--factory",
              "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(server.port),
              "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
             "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True),
             PARENT_ENV: str(os.getpid())},
    )
