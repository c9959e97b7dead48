import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = ROOT / "standards"
TEST_LIBRARY = ROOT / "tests" / "data" / "library"


def run_cli(*args, cwd=ROOT, env=None, timeout=60):
    """Run `layanan` as a real process, as a user would."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "engine.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def library():
    from engine.spec.model import load_library

    return load_library(STANDARDS)


@pytest.fixture
def service(library, tmp_path):
    """A case service on a fresh SQLite file, with one simulated officer per office and role."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    store = Store(f"sqlite:///{tmp_path / 'cases.db'}")
    svc = CaseService(store, library)
    svc.sync_offices()
    users_for(svc)
    yield svc
    store.dispose()
