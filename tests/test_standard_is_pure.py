"""Commands that run no flow never import Prefect or SQLAlchemy, and validation stays fast."""

import subprocess
import sys

from .conftest import ROOT

PROBE = """
import sys
from engine.cli.main import main
for argv in (["validate", "standards"], ["list"], ["show", "kaltim-akses-data"],
             ["deadline", "2026-03-17", "3"], ["calendar", "2026"]):
    main(argv)
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ("prefect", "sqlalchemy", "alembic"))
print("HEAVY", heavy, file=sys.stderr)
"""


def test_no_prefect_or_sqlalchemy_imported():
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
