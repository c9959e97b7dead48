"""The cluster under failures (issue 24): `layanan cluster` on PostgreSQL with two Prefect API servers
sharing Redis, two orchestrators and two web processes; officers work through HTTP (locust) while a web
process, an orchestrator, a Prefect API server and Prefect's background services are killed with SIGKILL
and PostgreSQL is restarted (with LAYANAN_TEST_PG_RESTART, e.g. "pg_ctlcluster 15 main restart"; .ci/run
sets it). Afterwards: no acknowledged completion lost, none applied twice, every case's flow run caught up
and in its case's state, the audit chain verifies. The same run by hand: bench/failures.py."""

import os
import shutil

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("LAYANAN_TEST_POSTGRES"), reason="needs PostgreSQL "
                                 "(LAYANAN_TEST_POSTGRES)"),
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    import subprocess
    import time

    import redis as client

    try:
        client.Redis(port=6379).ping()
        yield "redis://127.0.0.1:6379"  # one already runs here
        return
    except client.ConnectionError:
        pass
    proc = subprocess.Popen(["redis-server", "--port", "6379", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            client.Redis(port=6379).ping()
            break
        except client.ConnectionError:
            time.sleep(0.1)
    yield "redis://127.0.0.1:6379"
    proc.terminate()
    proc.wait(10)


def test_kills_and_a_database_restart_under_load_lose_nothing(redis, tmp_path):
    from sqlalchemy.engine import make_url

    from bench.failures import KILLS, run

    server = make_url(os.environ["LAYANAN_TEST_POSTGRES"])
    url = server.set(database=f"{server.database}_cluster").render_as_string(hide_password=False)
    _create_database(server, f"{server.database}_cluster")
    restart = os.environ.get("LAYANAN_TEST_PG_RESTART")
    found = run(url, cases=300, duration=40, officers=10, pg_restart=restart, port=8750, api=2,
                known_to_prefect=False)
    assert found["killed"] == list(KILLS) + (["postgresql"] if restart else [])
    assert found["acknowledged"] > 100  # the officers did work while parts were killed
    assert found["lost"] == [] and found["twice"] == []
    assert found["pending"] == [] and found["state_mismatch"] == [] and found["runs_per_case_unique"]
    assert found["flow_runs"] > 0
    assert found["audit_ok"], found["audit"]


def _create_database(server, name: str) -> None:
    import psycopg

    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
