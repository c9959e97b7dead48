"""Officers and citizens working through layanan's HTTP interface (locust; bench/load.py starts it).

Officers of disdukcapil-kaltim (made by bench/load.py: ``beban.<role>.<n>``, one password) sign in through
the JSON API and, in a loop: read their worklist, take one of the first tasks, complete it with its form
data (the data entry's text, the verification's outcome, the hand-over), now and then open the worklist
page and search for a case by NIK. Citizens (``beban.warga.<n>``, verified accounts) sign in, apply online
once each with their two scans (kaltim-pemadanan-data; LOAD_APPLY=0 leaves it out), then read their
applications. A claim lost to another officer at the same instant is the
expected race: counted apart ("claim lost"), not as an error.

LOAD_PACE=S paces each officer to one action per S seconds at most (a load below the machine's capacity,
for Prefect's catch-up lag at a rate it can follow); by default officers work without pause.

Every web process is used: each simulated person picks one of LOAD_HOSTS (comma-separated) by its number.
Each completion acknowledged (HTTP 200) is appended to LOAD_ACKS (task id, time), which the failure tests
check against the case store: none lost, none applied twice.
"""

from __future__ import annotations

import itertools
import os
import random
import time

from locust import HttpUser, between, constant_pacing, task

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
PASSWORD = os.environ.get("LOAD_PASSWORD", "beban-uji-2026")
ACKS = os.environ.get("LOAD_ACKS")
THINK = float(os.environ.get("LOAD_THINK", "0"))
PACE = float(os.environ.get("LOAD_PACE", "0"))  # seconds per officer's action at least (a paced load)
SEEDED = int(os.environ.get("LOAD_SEEDED", "100000"))
COUNTERS = {role: itertools.count(1) for role in ("operator", "subkoor_piak", "petugas_layanan", "warga")}
ANSWERS = {"pengolahan": {"data": {"uraian": "Data diolah sesuai berkas"}},
           "verifikasi": {"outcome": "setuju"},
           "penyerahan": {}}
_acks = open(ACKS, "a", buffering=1) if ACKS else None  # noqa: SIM115 - kept for the process's life


def _scans() -> tuple[bytes, bytes]:
    import io

    from PIL import Image

    pdf, png = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (60, 40), (200, 200, 200)).save(pdf, "PDF")
    Image.new("RGB", (60, 40), (30, 90, 120)).save(png, "PNG")
    return pdf.getvalue(), png.getvalue()


_PDF, _PNG = _scans()


class Officer(HttpUser):
    abstract = True
    role = ""
    wait_time = constant_pacing(PACE) if PACE else between(0, THINK) if THINK else (lambda self: 0)

    def on_start(self):
        number = next(COUNTERS[self.role])
        if HOSTS:
            self.client.base_url = HOSTS[number % len(HOSTS)]
        answer = self.client.post("/api/v1/masuk", json={"username": f"beban.{self.role}.{number}",
                                                          "password": PASSWORD}, name="sign in")
        answer.raise_for_status()
        self.csrf = {"X-CSRF-Token": answer.json()["csrf_token"]}

    @task(10)
    def work(self):
        tasks = self.client.get("/api/v1/tugas", name="worklist (API)").json()
        mine = [t for t in tasks if t.get("step") in ANSWERS or t.get("step_id") in ANSWERS]
        if not mine:
            return
        chosen = random.choice(mine[:40])
        ident = chosen["task"]
        with self.client.post(f"/api/v1/tugas/{ident}/ambil", headers=self.csrf, name="claim",
                              catch_response=True) as claimed:
            if claimed.status_code in (409, 404):
                claimed.success()  # another officer took it first: the race the claim exists for
                self.environment.events.request.fire(request_type="RACE", name="claim lost", response_time=0,
                                                     response_length=0, exception=None, context={})
                return
        step = chosen.get("step_id") or chosen.get("step")
        with self.client.post(f"/api/v1/tugas/{ident}/selesai", json=ANSWERS.get(step, {}), headers=self.csrf,
                              name="complete", catch_response=True) as done:
            if done.status_code == 200 and _acks is not None:
                _acks.write(f"{ident}\t{time.time():.3f}\n")

    @task(1)
    def worklist_page(self):
        self.client.get("/kerja", name="worklist page")

    @task(1)
    def search(self):
        """An applicant at the counter: found by NIK (bench/load.py's seeded NIKs)."""
        k, seq = divmod(random.randint(1, SEEDED), 9999)
        nik = f"647201{1 + k % 28:02d}{1 + (k // 28) % 12:02d}{(90 + k // 336) % 100:02d}{seq + 1:04d}"
        self.client.get("/cari", params={"q": nik}, name="search")


class DataEntry(Officer):
    role = "operator"
    fixed_count = int(os.environ.get("LOAD_OPERATORS", "20"))


class Verifier(Officer):
    role = "subkoor_piak"
    fixed_count = int(os.environ.get("LOAD_VERIFIERS", "15"))


class HandOver(Officer):
    role = "petugas_layanan"
    fixed_count = int(os.environ.get("LOAD_HANDOVER", "15"))


class Citizen(HttpUser):
    fixed_count = int(os.environ.get("LOAD_CITIZENS", "5"))
    wait_time = between(0.5, 2.0)

    def on_start(self):
        number = next(COUNTERS["warga"])
        if HOSTS:
            self.client.base_url = HOSTS[number % len(HOSTS)]
        answer = self.client.post("/api/v1/warga/masuk", json={"identifier": f"beban.warga.{number}@contoh.test",
                                                               "password": PASSWORD}, name="citizen sign in")
        self.token = answer.json().get("token") if answer.status_code == 200 else None
        if self.token and os.environ.get("LOAD_APPLY", "1") == "1":
            self.apply_online()

    def apply_online(self):
        """One online application each (the per-address limit allows 30 an hour from 127.0.0.1): the
        standard's two requirements uploaded as a small PDF and a PNG, checked by content on the server."""
        files = {"berkas.surat_permohonan": ("surat.pdf", _PDF, "application/pdf"),
                 "berkas.data_dipadankan": ("data.png", _PNG, "image/png")}
        self.client.post("/api/v1/warga/permohonan", data={"standard": "kaltim-pemadanan-data"}, files=files,
                         headers={"Authorization": f"Bearer {self.token}"}, name="citizen: apply online")

    @task
    def follow(self):
        if self.token:
            self.client.get("/api/v1/warga/permohonan", headers={"Authorization": f"Bearer {self.token}"},
                            name="citizen: my applications")
