"""The signed product's costs, by hand (docs/performance.md):

    .venv/bin/python bench/signing.py [--rounds 20]

- the office's seal on a rendered letter: HTML -> PDF (WeasyPrint) and the PAdES signature (pyHanko),
  each apart, the first call (imports, fonts) apart from the rest;
- checking a sealed PDF (what the verification page does with an upload);
- drawing the QR code of a verification link (segno), with the best of eight masks and with one fixed;
- checking a TTE passphrase (Argon2id, OWASP's parameters).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from engine.cases import documents  # noqa: E402
from engine.cases.signature import qr_svg, with_qr  # noqa: E402
from engine.pdf import html_to_pdf  # noqa: E402
from engine.signing import check_pdf, load_seal, seal_pdf  # noqa: E402


def _ms(samples) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def _timed(call, rounds: int):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - start)
    return result, samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    from datetime import date

    url = "https://layanan.kantor.go.id/verifikasi/ABCDEFGHJKLM"
    html, _digest = documents.render("surat_jawaban", {
        "office": {"name": "Dinas Kependudukan dan Pencatatan Sipil Provinsi Kalimantan Timur"},
        "standard": {"title": "Pemanfaatan Data Agregat"}, "product": {"id": "surat_jawaban", "name": "Surat Jawaban"},
        "number": "400.12/0001/DISDUKCAPIL-KALTIM/2026", "case": {"number": "X-2026-000001", "received_at": date(2026, 12, 7)},
        "applicant": {"name": "Siti Rahmawati", "address": "Jl. Mulawarman No. 7"}, "answers": {},
        "steps": {"pengolahan": {"uraian": "Data diolah"}}, "date": date(2026, 12, 7),
        "signature": {"name": "Dr. Budi", "nip": "197001011995031001", "position": "Kepala Dinas", "rank": "IV/c",
                      "date": date(2026, 12, 7), "time": "10.00", "code": "ABCDEFGHJKLM", "url": url}})
    seal = load_seal(Path(tempfile.mkdtemp(prefix="layanan-tte-")))
    start = time.perf_counter()
    first = seal_pdf(html_to_pdf(with_qr(html)), seal, signer_name="Dr. Budi", reason="bench", location="Samarinda")
    print(f"first seal (imports, fonts): {(time.perf_counter() - start) * 1000:.0f} ms, {len(first):,} bytes")
    pdf, render = _timed(lambda: html_to_pdf(with_qr(html)), rounds)
    _signed, sign = _timed(lambda: seal_pdf(pdf, seal, signer_name="Dr. Budi", reason="bench", location="Samarinda"),
                           rounds)
    print(f"HTML -> PDF: {_ms(render)}; PAdES signature: {_ms(sign)}; "
          f"together median {(statistics.median(render) + statistics.median(sign)) * 1000:.0f} ms (goal: under 300 ms)")
    _verdict, check = _timed(lambda: check_pdf(first, seal), rounds)
    print(f"checking a sealed PDF: {_ms(check)}")
    import segno

    _qr, best = _timed(lambda: segno.make_qr(url, error="m").svg_inline(scale=3), rounds * 5)
    _qr, fixed = _timed(lambda: qr_svg(url), rounds * 5)
    print(f"QR code, best of eight masks: {_ms(best)}; one fixed mask (layanan): {_ms(fixed)}")
    from engine.access.passwords import hash_password, verify

    hashed = hash_password("tte-demo-2026")
    _ok, argon = _timed(lambda: verify(hashed, "tte-demo-2026"), rounds)
    print(f"TTE passphrase check (Argon2id 19 MiB, t=2): {_ms(argon)}")


if __name__ == "__main__":
    main()
