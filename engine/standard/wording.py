"""Indonesian wording of standard components, shared by the CLI, forms and published documents."""

from __future__ import annotations

from .durations import text_of
from .kinds import KINDS

CHANNEL_LABELS = {
    "phone": "Telepon",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "email": "E-mail",
    "website": "Website",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "x": "X (Twitter)",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "suggestion_box": "Kotak saran",
    "sp4n_lapor": "SP4N-LAPOR!",
    "in_person": "Datang langsung",
    "other": "Lainnya",
}

STEP_KIND_LABELS = {name: kind.label for name, kind in KINDS.items()}  # engine/standard/kinds/

OUTCOME_LABELS = {
    "approve": "disetujui",
    "return": "dikembalikan untuk perbaikan",
    "return_to_applicant": "dikembalikan kepada pemohon",
    "reject": "ditolak",
}

EVENT_LABELS = {
    "case_opened": "permohonan dicatat",
    "task_created": "langkah dibuka",
    "task_claimed": "langkah diambil",
    "task_released": "langkah dilepas",
    "task_reassigned": "langkah dialihkan ke petugas lain",
    "identity_viewed": "identitas pemohon yang dirahasiakan dilihat",
    "case_rated": "pemohon menilai penanganan",
    "time_extended": "jangka waktu diperpanjang",
    "calendar_followed": "kalender kerja kantor yang baru dipakai",
    "case_reopened": "dibuka kembali oleh pemohon",
    "due_recomputed": "batas waktu dihitung ulang (kalender kerja berubah)",
    "task_completed": "langkah selesai",
    "requirements_received": "persyaratan diterima",
    "requirements_returned": "persyaratan dikembalikan kepada pemohon untuk diunggah ulang",
    "filed_online": "diajukan daring melalui akun pemohon",
    "download_refused": "PIN unduh dokumen salah",
    "task_cancelled": "langkah dibatalkan",
    "stock_low": "persediaan di titik layanan di bawah batas peringatan",
    "correction_expired": "batas waktu perbaikan oleh pemohon lewat",
    "product_downloaded": "dokumen diunduh pemohon",
    "clock_started": "jam layanan mulai",
    "clock_paused": "jam layanan berhenti",
    "clock_resumed": "jam layanan berjalan lagi",
    "product_issued": "nomor produk diterbitkan",
    "document_rendered": "dokumen dibuat",
    "document_signed": "dokumen ditandatangani",
    "document_sealed": "PDF bertanda tangan elektronik dibuat",
    "products_handed_over": "produk diserahkan",
    "applicant_notified": "pemohon diberi tahu",
    "case_closed": "kasus ditutup",
    "action_refused": "tindakan ditolak",
    "sla_at_risk": "hampir melewati batas waktu",
    "sla_breached": "melewati batas waktu",
    "sla_escalated": "dilaporkan ke atasan",
    "standard_published": "standar diterbitkan",
}

MANAGEMENT_LABELS = {
    "legal_basis": "Dasar Hukum",
    "facilities": "Sarana dan Prasarana, dan/atau Fasilitas",
    "competence": "Kompetensi Pelaksana",
    "supervision": "Pengawasan Internal",
    "staffing": "Jumlah Pelaksana",
    "service_guarantee": "Jaminan Pelayanan",
    "security_guarantee": "Jaminan Keamanan dan Keselamatan Pelayanan",
    "evaluation": "Evaluasi Kinerja Pelaksana",
}

CLOCK_LABELS = {
    "requirements_complete": "sejak tanggal diterimanya berkas persyaratan secara lengkap",
    "submission": "sejak permohonan diajukan",
    "not_stated": "titik mulai penghitungan tidak dinyatakan",
}
NOT_STATED = "Tidak tercantum"  # a component the source standard does not give (``not_stated: true``)


def rupiah(amount) -> str:
    whole = int(round(amount))
    return "Rp " + f"{whole:,}".replace(",", ".")


def fee(fee: dict, standard=None) -> str:
    if fee.get("not_stated"):
        return NOT_STATED
    if fee.get("text"):
        return fee["text"]
    if fee.get("items"):
        return "; ".join(f"{i['name']}: {rupiah(i['amount'])}" + (f" per {i['unit']}" if i.get("unit") else "")
                         + (f" ({condition(i['when'], standard)})" if i.get("when") else "") for i in fee["items"])
    if fee.get("assessed"):
        return "Ditetapkan pada saat pelayanan"
    return "Tidak dipungut biaya (Gratis)" if not fee.get("amount") else rupiah(fee["amount"])


def fee_details(fee: dict) -> list[tuple[str, str]]:
    """The fee's legal basis and how it is paid, as (label, text), for the published document and pages."""
    return [(label, fee[key]) for key, label in (("legal_basis", "Dasar penetapan"), ("payment", "Cara pembayaran"))
            if fee.get(key)]


def time_limit(limit: dict, with_clock: bool = True, standard=None) -> str:
    if limit.get("not_stated"):
        return NOT_STATED
    if limit.get("text"):
        return limit["text"]
    text = text_of(limit)
    if text is None:
        return "-"
    clock = CLOCK_LABELS.get(limit.get("clock_starts", "requirements_complete"))
    text = f"{text} ({clock})" if with_clock and clock else text
    for branch in (limit.get("branches") or {}).values():  # "10 hari kerja bila Perlu kunjungan lapangan"
        text += f"; {text_of(branch)} {condition(branch.get('when'), standard)}"
    return text


def extension(settings: dict | None, office=None) -> str | None:
    """The extension a standard allows, as published ("Dapat diperpanjang 7 hari kerja, satu kali, oleh ...")."""
    if not isinstance(settings, dict):
        return None
    if settings.get("text"):
        return settings["text"]
    times = int(settings.get("times", 1))
    who = f", oleh {office.role_name(settings['role'])}" if settings.get("role") and office is not None else ""
    return f"Dapat diperpanjang {text_of(settings)}, {'satu kali' if times == 1 else f'paling banyak {times} kali'}" \
           f"{who}, dengan alasan yang disampaikan kepada pemohon"


def time_limit_short(limit: dict) -> str:
    if limit.get("not_stated"):
        return NOT_STATED
    return text_of(limit) or (limit.get("text") if limit.get("open_ended") else None) or "-"


def complaint(channel: dict) -> str:
    label = channel.get("label") or CHANNEL_LABELS.get(channel["type"], channel["type"])
    return f"{label}: {channel['value']}" if channel.get("value") else label


def _document(standard) -> dict:
    data = getattr(standard, "data", standard)
    return data if isinstance(data, dict) else {}


def _labels(document: dict, key: str) -> tuple[str, dict, str | None]:
    """What a condition's key reads as: its label, its values' labels, and its field type."""
    if key == "variant":
        return "varian", {v.get("id"): v.get("name") for v in document.get("variants") or [] if isinstance(v, dict)}, None
    if key == "channel":
        names = {c.get("id"): c.get("name") for c in document.get("channels") or [] if isinstance(c, dict)}
        return "kanal", names, None
    fields = list((document.get("application") or {}).get("fields") or [])
    if "." in key:  # a step's recorded value or outcome
        step_id, _, name = key.partition(".")
        step = next((s for s in document.get("steps") or [] if isinstance(s, dict) and s.get("id") == step_id), {})
        if name == "outcome":
            return f"hasil {step.get('name', step_id)}", {k: (v or {}).get("label") or k for k, v in
                                                        (step.get("outcomes") or {}).items()}, None
        fields = [dict(f, id=key) for f in (step.get("form") or {}).get("fields") or [] if f.get("id") == name]
    for found in fields if isinstance(fields, list) else []:
        if isinstance(found, dict) and found.get("id") == key:
            return found.get("label") or key, dict(found.get("choices") or {}), found.get("type")
    return key.replace("_", " "), {}, None


def condition(cond: dict | None, standard=None) -> str:
    """A condition as the public reads it: the fields' and choices' labels (``standard``: the standard or
    its data), "bila varian Pindah datang", "bila Alasan permohonan: KTP-el hilang", "bila Pemohon WNA"
    for a yes/no field, "bila tidak: ..." for its no."""
    if not cond:
        return ""
    document, parts = _document(standard), []
    for key, value in cond.items():
        label, names, kind = _labels(document, key)
        values = value if isinstance(value, list) else [value]
        if kind == "boolean" or all(isinstance(v, bool) for v in values):
            parts.append(label if values[0] is True else f"tidak: {label}")
            continue
        shown = " atau ".join(str(names.get(v) or v) for v in values)
        parts.append(f"{label} {shown}" if key in ("variant", "channel") else f"{label}: {shown}")
    return "bila " + " dan ".join(parts)


def alternatives(req: dict) -> str:
    """The documents of an "A atau B" requirement: "Akta kelahiran, Ijazah atau Buku nikah"."""
    names = [m.get("name", m.get("id", "")) for m in req.get("one_of") or [] if isinstance(m, dict)]
    return ", ".join(names[:-1]) + " atau " + names[-1] if len(names) > 1 else "".join(names)


def requirement(req: dict, with_form: bool = True, standard=None) -> str:
    """A requirement as published: name, form (asli, fotokopi...), when it applies, optional."""
    text = req.get("name", req.get("id", ""))
    if req.get("one_of"):
        text += " (salah satu: " + alternatives(req) + ")"
    if with_form and req.get("form"):
        text += f" ({req['form']})"
    if req.get("when"):
        text += f", {condition(req['when'], standard)}"
    if req.get("optional"):
        text += " (tidak wajib)"
    return text


def as_lines(value) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

CASE_STATUS_LABELS = {
    "open": "dalam proses",
    "incomplete": "persyaratan belum lengkap",
    "waiting_applicant": "menunggu perbaikan dari pemohon",
    "done": "selesai",
    "rejected": "ditolak",
}


def step_line(step: dict, office) -> str:
    """A step as a line of the published procedure: its name and who does it."""
    role = step.get("role")
    who = {"sistem": "otomatis oleh sistem", "pemohon": "oleh pemohon"}.get(role) or (
        office.role_name(role) if office is not None and role else role)
    text = f"{step['name']} ({who})" if who else step["name"]
    return text + (" — tidak dihitung dalam jangka waktu" if step.get("clock") == "stops" else "")


def long_date(value, with_day: bool = False) -> str:
    """26 November 2026 (or Kamis, 26 November 2026); accepts dates, datetimes and ISO strings."""
    import datetime

    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]}, {text}" if with_day else text

# The events step kinds write of their own (engine/standard/kinds/: events).
for _kind in KINDS.values():
    EVENT_LABELS.update(_kind.events)
