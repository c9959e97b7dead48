"""Officers' throughput while someone floods the sign-in with wrong passwords (issue 17).

    .venv/bin/python bench/signin_flood.py [--officers 20] [--flooders 4] [--seconds 20]

The app runs under uvicorn in a child process (one worker, as `layanan serve`; SQLite file). In this
process, --officers threads each hold a signed-in API session and repeat one action (open a case through
POST /api/v1/kasus, then read their worklist); the number of actions in --seconds is the throughput. The
same load then runs again beside --flooders threads posting wrong passwords as fast as the server answers,
half to the page sign-in and half to the API's, for random officers' accounts, from the same address as
the officers (the worst case: an attacker inside the office's network). The officers signed in before
the flood, as at the start of a working day. The figure to hold:
throughput under the flood at least 80 % of throughput without it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402

PASSWORD = "bench-password-2026"
OFFICE = "disdukcapil-kaltim"
APPLICANT = {"nik": "6472011203850001", "name": "Pemohon Uji", "address": "Jl. Uji 1, Samarinda"}

SERVER = """
import sys, uvicorn
sys.path.insert(0, {root!r})
from engine.cases.service import CaseService
from engine.standard.model import load_library
from engine.store.db import Store
from engine.web.app import create_app
service = CaseService(Store({url!r}), load_library({library!r}))
service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
uvicorn.run(create_app(service, public_url="http://127.0.0.1:{port}"), host="127.0.0.1", port={port},
            log_level="warning")
"""


def prepare(work: Path, officers: int) -> tuple[str, Path, list[str]]:
    from engine.cases.service import CaseService
    from engine.standard.model import load_library
    from engine.store.db import Store
    from engine.web.auth import hash_password

    folder = work / "library"
    shutil.copytree(ROOT / "standards" / "offices", folder / "offices")
    shutil.copy(ROOT / "bench" / "data" / "bench-surat.yaml", folder)
    url = f"sqlite:///{work / 'flood.db'}"
    service = CaseService(Store(url), load_library(folder))
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    service.directory.sync_offices()
    hashed = hash_password(PASSWORD)
    names = []
    for n in range(officers):
        name = f"{OFFICE}.loket{n + 1:02d}"
        service.directory.add_user(name, f"Petugas Loket {n + 1}", OFFICE, ["petugas_layanan"])
        service.directory.set_password(name, hashed)
        names.append(name)
    # Enough open cases that the worklist the officers read is at its full length (200) from the start:
    # the load is the same in every round.
    for _ in range(250):
        service.open_case("bench-surat", dict(APPLICANT), requirements=["surat_permohonan", "ktp"],
                          actor=names[0])
    service.store.dispose()
    return url, folder, names


def _run_for(seconds: float, stop: threading.Event, threads: list[threading.Thread]) -> None:
    """Start the threads, let them work for ``seconds``, then stop them and wait for them."""
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(120)


def signed_in_clients(base: str, names: list[str]) -> list[httpx.Client]:
    """The officers at work: each signed in once, before any flood (as at the start of the day), holding
    their session and their device cookie."""
    clients = []
    for name in names:
        client = httpx.Client(base_url=base, timeout=60)
        signed = client.post("/api/v1/masuk", json={"username": name, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        client.headers["Origin"] = base
        clients.append(client)
    return clients


def run_load(base: str, clients: list[httpx.Client], names: list[str], seconds: float, flooders: int,
             addresses: int = 1) -> dict:
    stop = threading.Event()
    done, latencies, errors, refused = Counter(), [], Counter(), Counter()
    lock = threading.Lock()

    def officer(client):
        while not stop.is_set():
            start = time.perf_counter()
            opened = client.post("/api/v1/kasus", json={"standard": "bench-surat", "applicant": APPLICANT,
                                                        "requirements": ["surat_permohonan", "ktp"]})
            listed = client.get("/api/v1/tugas")
            with lock:
                if opened.status_code == 201 and listed.status_code == 200:
                    done["actions"] += 2
                    latencies.append(time.perf_counter() - start)
                else:
                    errors[(opened.status_code, listed.status_code)] += 1

    flood, answers = None, multiprocessing.get_context("fork").Queue()
    if flooders:  # in a process of its own: its client work must not take the officers' threads' GIL
        flood = multiprocessing.get_context("fork").Process(
            target=flood_process, args=(base, names, flooders, addresses, seconds, answers))
        flood.start()
    _run_for(seconds, stop, [threading.Thread(target=officer, args=(c,)) for c in clients])
    if flood is not None:
        refused.update(answers.get(timeout=120))
        flood.join(60)
    return {"actions": done["actions"], "per_second": done["actions"] / seconds, "errors": dict(errors),
            "p50": statistics.median(latencies) if latencies else None,
            "p95": sorted(latencies)[int(0.95 * (len(latencies) - 1))] if latencies else None,
            "flood": dict(refused)}


def flood_process(base: str, names: list[str], flooders: int, addresses: int, seconds: float, answers) -> None:
    """--flooders threads posting wrong passwords for ``seconds``; their answers' statuses go to ``answers``."""
    stop, lock, refused = threading.Event(), threading.Lock(), Counter()

    def flooder(index):
        # With --addresses N, each flooder sends from its own share of N loopback addresses (127.0.1.x),
        # as a flood from many machines would: each address is locked only after its own failures.
        own = [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(index, addresses, flooders)] or [None]
        pool = [httpx.Client(base_url=base, timeout=60, transport=httpx.HTTPTransport(local_address=a))
                if a else httpx.Client(base_url=base, timeout=60) for a in own]
        token = None
        turn = 0
        while not stop.is_set():
            client = pool[turn % len(pool)]
            turn += 1
            if len(pool) > 1:
                token = None
            victim = random.choice(names)
            if index % 2:
                answer = client.post("/api/v1/masuk", json={"username": victim, "password": "salah-sekali-123"},
                                     headers={"Origin": base})
            else:
                if token is None:
                    page = client.get("/masuk")
                    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                answer = client.post("/masuk", data={"username": victim, "password": "salah-sekali-123",
                                                     "csrf": token}, headers={"Origin": base})
            with lock:
                refused[answer.status_code] += 1

    _run_for(seconds, stop, [threading.Thread(target=flooder, args=(i,)) for i in range(flooders)])
    answers.put(dict(refused))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--addresses", type=int, default=1, help="loopback addresses the flood comes from")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="layanan-bench-flood-"))
    env = dict(os.environ, LAYANAN_DATA_DIR=str(work / "data"))
    os.environ.update(LAYANAN_DATA_DIR=env["LAYANAN_DATA_DIR"])
    try:
        url, library, names = prepare(work, args.officers)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-c", SERVER.format(root=str(ROOT), url=url,
                                                                        library=str(library), port=port)], env=env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/masuk", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        try:
            # Alternating rounds (quiet, flood, quiet, flood), so that a store growing with the cases opened
            # weighs on both the same.
            results = {"quiet": [], "flood": []}
            clients = signed_in_clients(base, names)
            for label in ("quiet", "flood", "quiet", "flood"):
                result = run_load(base, clients, names, args.seconds / 2, args.flooders if label == "flood" else 0,
                                  args.addresses)
                results[label].append(result)
                print(f"{label:5}: {result['actions']:5d} actions, {result['per_second']:6.1f}/s, "
                      f"p50 {1000 * (result['p50'] or 0):.0f} ms, p95 {1000 * (result['p95'] or 0):.0f} ms, "
                      f"errors {result['errors']}, sign-in answers {result['flood']}", flush=True)
                time.sleep(1)
            # After the flood: an officer whose session ended signs in again from their own device (the
            # address is locked by the flood; the device cookie lets them through).
            again = clients[0].post("/api/v1/masuk", json={"username": names[0], "password": PASSWORD})
            fresh = httpx.post(f"{base}/api/v1/masuk", json={"username": names[1], "password": PASSWORD},
                               headers={"Origin": base})
            print(f"after the flood: sign-in from the officer's own device {again.status_code}, "
                  f"from a new device at the flooded address {fresh.status_code}")
        finally:
            server.terminate()
            server.wait(30)
        quiet = sum(r["actions"] for r in results["quiet"])
        flood = sum(r["actions"] for r in results["flood"])
        print(f"{args.officers} officers, {args.flooders} flooding threads from {args.addresses} address(es), "
              f"{args.seconds:.0f} s each: "
              f"{quiet / args.seconds:.1f} actions/s quiet, {flood / args.seconds:.1f} actions/s under the flood "
              f"= {100 * flood / quiet:.0f} % (goal: at least 80 %)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
