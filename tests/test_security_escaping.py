"""Hostile values are shown as text, never as markup: on every officer and public page, in every template of
the web application and of forms/, in the HTML report and on the receipt (stored and reflected)."""

import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Case, Task, User

ROOT = Path(__file__).resolve().parents[1]
from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
SCRIPT = "<script>alert(1)</script>"
REFRESH = '<meta http-equiv="refresh" content="0;url=https://contoh.invalid/">'
ATTRIBUTE = '" onmouseover="alert(1)'


def raw_markup_in(page: str) -> list[str]:
    """The hostile markup found verbatim in a page (escaped text is fine)."""
    return [m for m in (SCRIPT, "<meta http-equiv=\"refresh\"", 'onmouseover="alert(1)') if m in page]


@pytest.fixture
def web(service, tmp_path, monkeypatch):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hashed = hash_password(PASSWORD)
    with service.store.read() as s:
        names = s.scalars(select(User.username)).all()
    for name in names:
        service.directory.set_password(name, hashed)
    return TestClient(web_app(service)), service


def _login(client, who):
    response = post_sign_in(client, who, PASSWORD, follow_redirects=False)
    assert response.status_code == 303, response.text
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/kerja").text).group(1)


def test_stored_markup_in_an_applicant_and_a_reason_is_escaped(web, library):
    client, service = web
    standard = "kaltim-konfirmasi-dokumen"
    requirements = [r["id"] for r in library.standard(standard).requirements(None, None, {})]
    applicant = dict(SAMPLE_APPLICANT, name=SCRIPT + REFRESH, address=ATTRIBUTE)
    case_id = service.open_case(standard, applicant, requirements=requirements,
                                actor=f"{OFFICE}.petugas_layanan", answers={})
    with service.store.read() as s:
        number = s.get(Case, case_id).number
    csrf = _login(client, f"{OFFICE}.operator")
    for path in (f"/kasus/{number}", f"/kasus/{number}/tanda-terima", "/kerja"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert raw_markup_in(page.text) == [], path
    assert SCRIPT in unescape(client.get(f"/kasus/{number}").text)  # shown, as text
    # The operator's form, then a return by the verifier whose reason holds markup.
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task.id, f"{OFFICE}.operator", data={
        "nomor_surat_permohonan": SCRIPT, "tanggal_surat_permohonan": "2026-03-02", "jenis_dokumen": "kk",
        "jumlah_dokumen": 1, "hasil_konfirmasi": "sesuai", "draf_jawaban": SCRIPT + REFRESH})
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task.id, f"{OFFICE}.subkoor_dafduk_capil", outcome="perbaiki", reason=REFRESH + SCRIPT)
    with service.store.read() as s:
        task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
    for path in (f"/kasus/{number}", f"/tugas/{task.id}"):
        page = client.get(path)
        assert page.status_code == 200 and raw_markup_in(page.text) == [], path
    assert csrf


@pytest.mark.parametrize("path", [
    "/status?kode=" + SCRIPT, "/standar?q=" + SCRIPT, "/masuk?lanjut=/" + ATTRIBUTE,
    "/masuk?lanjut=" + ATTRIBUTE,
])
def test_reflected_markup_is_escaped_without_a_sign_in(web, path):
    client, _ = web
    page = client.get(path)
    assert raw_markup_in(page.text) == [], path


def test_a_failed_sign_in_echoes_the_user_name_as_text(web):
    client, _ = web
    page = post_sign_in(client, '"><script>alert(1)</script>', "salah")
    assert page.status_code in (401, 429)
    assert SCRIPT not in page.text


def test_the_html_report_escapes_what_it_is_given():
    from engine.reports.render import as_html

    group = {"standard": SCRIPT, "variant": REFRESH, "channel": ATTRIBUTE, "received": 1, "completed": 1,
             "on_time": 1, "on_time_pct": 100.0, "median_working_days": 1.0, "p90_working_days": 1.0,
             "open_at_risk": 0, "open_late": 0, "breaches": 0, "rejected": 0, "products_issued": 0,
             "breach_steps": [{"step": SCRIPT, "role": SCRIPT, "cases": 1}],
             "returns": [{"reason": SCRIPT, "count": 1}], "rejections": [{"reason": REFRESH, "count": 1}]}
    report = {"office": SCRIPT, "from": "2026-01-01", "to": "2026-01-31", "groups": [group],
              "totals": {k: 1 for k in ("received", "completed", "on_time_pct", "open_at_risk", "open_late",
                                        "breaches", "rejected", "products_issued")}}
    for standalone in (True, False):
        assert raw_markup_in(as_html(report, standalone=standalone)) == []


class Hostile(str):
    """A value that answers every question a template asks with hostile markup: as text, as an attribute,
    an item, a mapping or a list of itself. Rendering a template with it for every name shows whether any
    output reaches the page unescaped."""

    def __new__(cls, depth=0):
        made = super().__new__(cls, SCRIPT + ATTRIBUTE)
        made.depth = depth
        return made

    def _child(self):
        return Hostile(self.depth + 1)

    def _deep(self):
        return self.depth >= 3  # collections of collections end here

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._child()

    def __getitem__(self, key):
        return self._child()

    def get(self, key, default=None):
        return self._child()

    def items(self):
        return [] if self._deep() else [(SCRIPT, self._child())]

    def values(self):
        return [] if self._deep() else [self._child()]

    def keys(self):
        return [] if self._deep() else [SCRIPT]

    def __iter__(self):
        return iter([] if self._deep() else [self._child(), self._child()])

    def __call__(self, *args, **kwargs):
        return self._child()

    def __len__(self):
        return 0 if self._deep() else 2


def _template_environments():
    """Every Jinja environment of layanan: the pages, the HTML report, and forms/ (products, publishing)."""
    from engine.cases.documents import _environment, forms_dirs
    from engine.reports.render import _ENV
    from engine.web.views import template_environment

    return {"web": template_environment(), "report": _ENV,
            "forms": _environment(tuple(str(d) for d in forms_dirs()))}


def test_every_html_template_is_autoescaped():
    for label, env in _template_environments().items():
        for name in env.list_templates():
            if name.endswith((".md.j2", ".yaml.j2")):
                assert env.autoescape(name) is False, (label, name)  # not HTML: escaping would garble it
            else:
                assert env.autoescape(name) is True, (label, name)


def _names_read(env, name, seen=None) -> set[str]:
    """The names a template reads, with those of the templates it extends, includes and imports."""
    from jinja2 import meta

    seen = set() if seen is None else seen
    seen.add(name)
    tree = env.parse(env.loader.get_source(env, name)[0])
    names = set(meta.find_undeclared_variables(tree))
    for other in meta.find_referenced_templates(tree):
        if other and other not in seen:
            names |= _names_read(env, other, seen)
    return names


def test_every_template_renders_hostile_values_escaped():
    """Every HTML template, rendered with a hostile value for every name it reads, holds no raw markup.
    Filters are replaced by ones that keep the hostile text (the real ones would refuse a non-date)."""
    rendered = 0
    for label, env in _template_environments().items():
        # An overlay shares its parent's filters dict and template cache: both are its own here, or the
        # hostile filters would stay in the real environment for every later test in this process.
        hostile = env.overlay(cache_size=0)
        hostile.filters = dict(hostile.filters)
        for name in list(hostile.filters):
            if name not in ("e", "escape", "forceescape", "safe", "default", "d", "join", "length", "count",
                            "first", "last", "list", "string", "upper", "lower", "title", "trim", "replace",
                            "truncate", "wordcount", "urlencode", "dictsort", "sort", "selectattr", "map",
                            "attr", "batch", "groupby", "reject", "rejectattr", "select", "sum", "unique",
                            "indent", "center", "capitalize", "striptags", "int", "float", "round", "abs"):
                hostile.filters[name] = lambda value, *a, **k: Hostile()
        names_here = ["report.html.j2"] if label == "report" else env.list_templates()
        for name in names_here:
            if not env.autoescape(name) or name.startswith("_"):
                continue
            names = _names_read(env, name)
            context = {n: Hostile() for n in names if n not in env.globals}
            context.update({n: Hostile() for n in ("wording",) if n in names})
            try:
                page = hostile.get_template(name).render(**context)
            except Exception as exc:  # noqa: BLE001
                pytest.fail(f"{label}/{name} cannot be rendered with hostile values: {type(exc).__name__}: {exc}")
            assert raw_markup_in(page) == [], f"{label}/{name}"
            rendered += 1
    assert rendered >= 20
