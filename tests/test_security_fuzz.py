"""Property-based fuzzing of the JSON API from its own OpenAPI schema (schemathesis): every operation is
called with generated bodies, paths and query strings, signed in as an officer who may open cases, and
must never answer 500, never answer anything but JSON, and never echo markup where a browser would
render it. Bodies are also given hostile strings (markup, NUL, huge, path and SQL tricks)."""

import re
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from starlette.testclient import TestClient

from .conftest import post_sign_in, web_app

pytestmark = pytest.mark.slow

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
ENGLISH = re.compile(r"Input should|Field required|parsing the body|Not Found|Method Not Allowed|"
                     r"Unprocessable|Internal Server Error|value is not a valid")
HOSTILE = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "../../../../etc/passwd",
           "' OR 1=1 --", "\x00", "x" * 5000, "{{7*7}}", "%2e%2e%2f", "𝕏" * 50, ""]


@pytest.fixture
def fuzzed(service, tmp_path, monkeypatch):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    username = f"{OFFICE}.petugas_layanan"
    service.directory.set_password(username, hash_password(PASSWORD))
    app = web_app(service)
    client = TestClient(app)
    signed = client.post("/api/v1/masuk", json={"username": username, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    app.state.fuzz_auth = {"cookies": dict(client.cookies), "headers": {
        "X-CSRF-Token": signed.json()["csrf_token"], "Origin": "http://testserver"}}
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_api_never_fails_and_never_echoes_markup(fuzzed):
    """Every operation, with data that fits its schema and data that does not (schemathesis's positive
    and negative modes)."""
    from schemathesis import GenerationMode

    auth = fuzzed.app.state.fuzz_auth
    operations = [result.ok() for result in fuzzed.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/v1/kasus", "POST /api/v1/tugas/{task_id}/selesai"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(mode))
            @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def call(case):
                _check(case, case.call(headers=auth["headers"], cookies=auth["cookies"]))

            try:
                call()
            except Unsatisfiable:  # nothing to get wrong (no parameters, no body): negative mode has no case
                assert mode is GenerationMode.NEGATIVE, operation.label


def _header(response, name: str) -> str:
    value = response.headers.get(name, "")
    return value[0] if isinstance(value, list) else value


def _check(case, response):
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    assert _header(response, "content-type").startswith("application/json"), response.headers
    assert _header(response, "x-content-type-options") == "nosniff"
    assert "Traceback" not in response.text
    # Messages are Indonesian: no framework's English detail reaches the user.
    assert not ENGLISH.search(response.text), response.text[:300]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_in_every_field_of_every_write(fuzzed, hostile):
    """Each write operation with the hostile string in every string field: refused or accepted, with a
    JSON answer and no server error."""
    client = TestClient(fuzzed.app)
    auth = fuzzed.app.state.fuzz_auth
    client.cookies.update(auth["cookies"])
    bodies = {
        "/api/v1/kasus": {"standard": hostile, "applicant": {"nik": hostile, "name": hostile, "address": hostile},
                          "variant": hostile, "channel": hostile, "unit": hostile, "answers": {hostile: hostile},
                          "requirements": [hostile], "incomplete": True},
        "/api/v1/masuk": {"username": hostile, "password": hostile},
    }
    for path, body in bodies.items():
        response = client.post(path, json=body, headers=auth["headers"])
        assert response.status_code < 500, (path, response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/json")
    quoted = quote(hostile, safe="")
    for path in (f"/api/v1/kasus/{quoted}", f"/api/v1/tugas/{quoted}/selesai"):
        response = client.get(path) if "kasus" in path else client.post(path, json={"reason": hostile},
                                                                           headers=auth["headers"])
        assert response.status_code < 500, (path, response.status_code)
        assert "<script" not in response.text or response.headers["content-type"].startswith("application/json")



def test_nul_characters_are_refused_before_any_query(fuzzed, service):
    """PostgreSQL cannot store NUL and answered with a server error (found by the fuzzer): a NUL anywhere in
    the path, the query, a form or a JSON body is refused at the door, and inside multipart text fields by
    the form's own check."""
    client = TestClient(fuzzed.app)
    auth = fuzzed.app.state.fuzz_auth
    client.cookies.update(auth["cookies"])
    refused = [client.get("/api/v1/kasus/a%00b"), client.get("/status?kode=%00"),
               client.post("/api/v1/masuk", json={"username": "a\x00", "password": "x"}, headers=auth["headers"]),
               client.post("/masuk", data={"username": "a\x00", "password": "x"}, headers=auth["headers"])]
    for response in refused:
        assert response.status_code == 400 and "NUL" in response.text, response.text
    from engine.cases.fields import clean
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput, match="karakter kendali"):
        clean([{"id": "nama", "type": "text"}], {"nama": "a\x00b"})
    assert clean([{"id": "nama", "type": "text"}], {"nama": "baris\nkedua\tdan tab"})["nama"]
