"""Publishing: every seed standard's official document holds its 14 components with the seed's content;
its PDF's text (pdftotext) holds the requirements and the time limit; poster, maklumat and Markdown."""

import html
import re
import shutil
import subprocess

import pytest

from engine.publish.document import components
from engine.publish.render import render_maklumat, render_standard
from engine.standard import wording

from .conftest import run_cli

COMPONENTS = ["Persyaratan", "Sistem, mekanisme dan prosedur", "Jangka waktu pelayanan", "Biaya/tarif",
              "Produk pelayanan", "Penanganan pengaduan, saran dan masukan", *wording.MANAGEMENT_LABELS.values()]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def _seed_lines(std) -> list[str]:
    """Text from the YAML that the document must show."""
    d = std.data
    lines = [r["name"] for r in d.get("requirements") or []]
    lines += [r["name"] for v in std.variants for r in v.get("requirements") or []]
    lines += [p["name"] for p in std.products] + [wording.complaint(c) for c in std.complaints]
    lines += [wording.time_limit(std.time_limit()), wording.fee(std.fee())]
    for value in std.management.values():
        lines += wording.as_lines(value)
    text = std.procedure_text()
    lines += [line for lines_ in (text.values() if isinstance(text, dict) else [text]) for line in lines_ or []]
    return lines


def test_every_seed_document_holds_all_14_components_with_the_seed_content(library):
    for std in library.standards.values():
        page = _flat(render_standard(std))
        assert [c.name for c in components(std)] == COMPONENTS
        for name in COMPONENTS:
            assert name in page, (std.id, name)
        for line in _seed_lines(std):
            assert _flat(line) in page, (std.id, line)
        if std.data.get("decree"):
            assert std.data["decree"]["number"] in page


@pytest.mark.slow
def test_every_seed_pdf_text_holds_requirements_and_time_limit(library, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed; ./run.sh installs it")
    for std in library.standards.values():
        target = tmp_path / f"{std.id}.pdf"
        target.write_bytes(render_standard(std, fmt="pdf"))
        text = _flat(subprocess.run(["pdftotext", str(target), "-"], capture_output=True,
                                    text=True, check=True).stdout)
        # Table cells wrap: compare word sequences without the layout's spacing.
        words = text.replace(" ", "")
        for req in [r["name"] for r in std.data.get("requirements") or []] + \
                   [r["name"] for v in std.variants for r in v.get("requirements") or []]:
            assert _flat(req).replace(" ", "") in words, (std.id, req)
        assert _flat(wording.time_limit(std.time_limit())).replace(" ", "") in words, std.id


def test_poster_maklumat_and_markdown(library):
    std = library.standard("kaltim-data-agregat")
    poster = _flat(render_standard(std, "poster"))
    assert "Persyaratan" in poster and "3 hari kerja" in poster and "Tidak dipungut biaya" in poster
    markdown = render_standard(std, fmt="md")
    assert markdown.startswith("# Standar Pelayanan") and "### 16. " not in markdown and "### 14. " in markdown
    maklumat = _flat(render_maklumat(library.offices["disdukcapil-kaltim"]))
    assert "MAKLUMAT PELAYANAN" in maklumat and "KASMAWATI" in maklumat
    assert render_maklumat(library.offices["disdukcapil-kaltim"], "pdf").startswith(b"%PDF")


def test_a_standard_without_published_procedure_text_shows_its_steps(library):
    """The poster's "Prosedur" box was empty for a standard that gives its steps but no procedure text."""
    std = library.standard("bontang-kartu-keluarga")
    assert not std.data.get("procedure")
    box = re.search(r"<h2>Prosedur</h2>(.*?)</div>", render_standard(std, "poster"), re.S).group(1)
    lines = re.findall(r"<li>(.*?)</li>", box)
    assert len(lines) == len(std.data["steps"]) and lines[0].startswith("Pengajuan berkas")
    assert "(Operator)" in lines[1] and "otomatis oleh sistem" in box
    for kind in ("document", "poster"):
        assert 'name="viewport"' in render_standard(std, kind)  # the public site's pages fit a phone
    assert 'name="viewport"' in render_maklumat(library.offices["disdukcapil-bontang"])


def test_render_command(tmp_path):
    out = tmp_path / "sp.pdf"
    done = run_cli("render", "kaltim-akses-data", "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert run_cli("render", "kaltim-akses-data", "--format", "pdf").returncode != 0
    missing = run_cli("render", "kaltim-akses-dat")
    assert missing.returncode != 0 and "kaltim-akses-data" in missing.stderr


def test_new_standard_is_valid_as_is_for_every_office(library, tmp_path):
    import shutil as sh

    from .conftest import STANDARDS

    folder = tmp_path / "lib"
    sh.copytree(STANDARDS / "offices", folder / "offices")
    for office in library.offices:
        done = run_cli("new", "--office", office, "--out", str(folder / f"{office}.yaml"))
        assert done.returncode == 0, done.stderr
        text = (folder / f"{office}.yaml").read_text()
        assert text.count("# ") > 10  # commented in Indonesian, component by component
    check = run_cli("validate", str(folder))
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_cli("new", "--office", "disdukcapil-kaltim", "--out", str(folder / "disdukcapil-kaltim.yaml"))
    assert again.returncode != 0 and "tidak ditimpa" in again.stderr


def test_the_field_guide_is_generated_from_the_schema_and_up_to_date():
    from engine.publish.guide import generate
    from engine.standard.schema import schema

    from .conftest import ROOT, STANDARDS

    text = generate(STANDARDS)
    committed = (ROOT / "docs" / "panduan-isian.md").read_text(encoding="utf-8")
    assert text == committed, "docs/panduan-isian.md is stale: run `layanan guide --out docs/panduan-isian.md`"
    for key in schema()["$defs"]["standard"]["properties"]:
        assert f"| `{key}` |" in text
