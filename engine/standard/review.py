"""Reviewer notes: things a policy officer should look at before publishing, distinct from errors (a
standard with notes is valid and runs). Three kinds:

- a component left empty (after the office's shared components are merged in);
- text copied from another office's template: a region (Kabupaten/Kota/Provinsi X) that the office's own
  file never names, as the seeds' "Kabupaten Jember" in the Kaltim office;
- internal step targets that add up to more than the time limit.
"""

from __future__ import annotations

import re

from .wording import MANAGEMENT_LABELS

REGION = re.compile(r"\b(Kabupaten|Kota|Provinsi)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")
NOT_A_PLACE = {"No", "Nomor", "Tahun", "Dan"}
HOURS_PER_DAY = 8


def check_document(doc, catalog) -> None:
    data = doc.data
    if not isinstance(data, dict):
        return
    if doc.kind == "office":
        _foreign_regions(doc, data, data)
    elif doc.kind == "standard":
        office_id = data.get("office")  # anything, in a file that is not valid yet
        office = catalog.by_kind.get("office", {}).get(office_id) if isinstance(office_id, str) else None
        office_data = office.data if office is not None else {}
        _foreign_regions(doc, data, office_data)
        _empty_components(doc, data, office_data)
        _step_targets(doc, data)


def _own_words(office: dict) -> str:
    parts = [office.get(k) or "" for k in ("name", "short_name", "government", "city", "address", "region")]
    units = office.get("units") if isinstance(office.get("units"), list) else []
    parts += [u.get("name", "") for u in units if isinstance(u, dict)]
    return " ".join(str(p) for p in parts)


def _strings(value, path=()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, path + (n,))


def _foreign_regions(doc, data: dict, office: dict) -> None:
    own = _own_words(office)
    for path, text in _strings(data):
        for match in REGION.finditer(text):
            place = match.group(2)
            first = place.split()[0]
            if first in NOT_A_PLACE or first in own:
                continue
            doc.reporter.review(path, f"'{match.group(0)}' tidak disebut di berkas kantor "
                                      f"{office.get('id', '')}: tersalin dari templat kantor lain?",
                                code="foreign-region")


NOT_STATED_NAMES = {"time_limit": "Jangka waktu pelayanan", "fee": "Biaya/tarif", "products": "Produk pelayanan",
                    "complaints": "Penanganan pengaduan, saran dan masukan"}


def _not_stated(doc, data: dict, variants: list) -> None:
    """A component marked ``not_stated: true``: valid and runnable, printed "Tidak tercantum", and a note
    here (``layanan publish`` refuses it until the office states it)."""
    places = [((key,), NOT_STATED_NAMES[key], data.get(key)) for key in NOT_STATED_NAMES]
    places += [(("variants", n, key), f"{NOT_STATED_NAMES[key]} varian {v.get('id')}", v.get(key))
               for n, v in enumerate(variants) if isinstance(v, dict) for key in ("time_limit", "fee")]
    for path, name, value in places:
        if isinstance(value, dict) and value.get("not_stated"):
            doc.reporter.review(path, f"komponen '{name}' tidak tercantum di standar sumber: lengkapi sebelum "
                                      "diterbitkan", code="not-stated")


def _empty_components(doc, data: dict, office: dict) -> None:
    variants = data.get("variants") if isinstance(data.get("variants"), list) else []
    anonymous = isinstance(data.get("applicant"), dict) and data["applicant"].get("anonymous")
    checks = {
        # A complaint that may be filed without an identity asks for no document.
        "requirements": bool(data.get("requirements")) or bool(anonymous) or any(
            v.get("requirements") for v in variants if isinstance(v, dict)),
        "procedure": bool(data.get("procedure")) or any(v.get("procedure") for v in variants if isinstance(v, dict)),
        "products": bool(data.get("products")),
        "complaints": bool(data.get("complaints") or office.get("complaints")),
    }
    _not_stated(doc, data, variants)
    names = {"requirements": "Persyaratan", "procedure": "Sistem, mekanisme dan prosedur",
             "products": "Produk pelayanan", "complaints": "Penanganan pengaduan, saran dan masukan"}
    for key, filled in checks.items():
        if not filled:
            doc.reporter.review((key,), f"komponen '{names[key]}' kosong", code="empty-component")
    mine = data.get("management") if isinstance(data.get("management"), dict) else {}
    shared = office.get("management") if isinstance(office.get("management"), dict) else {}
    for key, label in MANAGEMENT_LABELS.items():
        if not (mine.get(key) or shared.get(key)):
            doc.reporter.review(("management", key) if "management" in data else (),
                                f"komponen '{label}' kosong (di standar ini maupun di berkas kantor)",
                                code="empty-component")


def _number(value) -> float:
    """A numeric target value; anything else (the schema reports it) counts as nothing here."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _days(target) -> float:
    if not isinstance(target, dict):
        return 0.0
    return (_number(target.get("working_days")) + _number(target.get("hours")) / HOURS_PER_DAY
            + _number(target.get("minutes")) / (HOURS_PER_DAY * 60))


def _step_targets(doc, data: dict) -> None:
    limit = data.get("time_limit") if isinstance(data.get("time_limit"), dict) else {}
    days = limit.get("working_days")
    steps = [s for s in data.get("steps") or [] if isinstance(s, dict)] if isinstance(data.get("steps"), list) \
        else []
    total = sum(_days(s.get("target")) for s in steps)
    tiers = [t.get("working_days") for s in steps if isinstance(s.get("tiers"), dict)
             for t in s["tiers"].values() if isinstance(t, dict)]
    days = max([d for d in tiers + [days] if isinstance(d, int)], default=days)  # the longest tier a case may get
    if isinstance(days, int) and total > days:
        doc.reporter.review(("steps",), f"target langkah berjumlah {total:g} hari kerja, melebihi jangka "
                                        f"waktu {days} hari kerja", code="targets-exceed-limit")
