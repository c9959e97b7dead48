"""Plain-text rendering for the terminal: tables and readable summaries of standards."""

from __future__ import annotations

import textwrap

from ..standard import wording
from ..standard.kinds import kind_of
from ..textgrid import grid, table  # noqa: F401  (the CLI's tables)

time_limit = wording.time_limit_short
fee = wording.fee


def _numbered(items, indent="   ") -> list[str]:
    out = []
    for n, item in enumerate(items, 1):
        first, *rest = textwrap.wrap(str(item), 96 - len(indent)) or [""]
        out.append(f"{indent}{n}. {first}")
        out.extend(f"{indent}   {line}" for line in rest)
    return out


def standard_summary(std) -> str:
    d = std.data
    lines = [std.title.upper(), f"{std.office.name}", f"id: {std.id} · versi {std.version}"
             + (f" · berlaku {d['effective']}" if d.get("effective") else "")
             + (f" · status {d['status']}" if d.get("status") else "")]
    if d.get("decree"):
        lines.append(f"Ditetapkan dengan: {d['decree']['number']}")
    lines.append("")
    lines.append("a. Komponen penyampaian pelayanan")
    lines.append("1. Persyaratan")
    common = d.get("requirements") or []
    lines += _numbered([wording.requirement(r, with_form=False, standard=std) for r in common])
    for variant in std.variants:
        own = variant.get("requirements") or []
        if own:  # a variant with no requirements of its own adds no heading
            lines.append(f"   Varian {variant['name']} ({variant['id']}):")
            lines += _numbered([wording.requirement(r, with_form=False, standard=std) for r in own], "      ")
    lines.append("2. Sistem, mekanisme dan prosedur")
    if std.channels:
        lines.append("   Kanal: " + "; ".join(f"{c['name']} ({c['id']})" for c in std.channels))
    procedure = std.procedure_text()
    if isinstance(procedure, dict):
        for channel, steps in procedure.items():
            lines.append(f"   {channel}:")
            lines += _numbered(steps, "      ")
    else:
        lines += _numbered(procedure)
    for variant in std.variants:
        if variant.get("procedure"):
            lines.append(f"   Varian {variant['id']}:")
            text = variant["procedure"]
            for channel, steps in (text.items() if isinstance(text, dict) else [("", text)]):
                if channel:
                    lines.append(f"      {channel}:")
                lines += _numbered(steps, "         " if channel else "      ")
    lines.append(f"3. Jangka waktu: {wording.time_limit(std.time_limit(), standard=std)}")
    lines += [f"   Varian {v['name']}: {wording.time_limit(std.time_limit(v['id']))}" for v in std.variants
              if v.get("time_limit")]
    if d.get("extension"):
        lines.append(f"   {wording.extension(d['extension'], std.office)}")
    lines.append(f"4. Biaya/tarif: {wording.fee(std.fee(), std)}")
    lines += [f"   {label}: {text}" for label, text in wording.fee_details(std.fee())]
    lines += [f"   Varian {v['name']}: {wording.fee(std.fee(v['id']), std)}" for v in std.variants if v.get("fee")]
    lines.append("5. Produk pelayanan")
    lines += _numbered([p["name"] for p in std.products])
    lines.append("6. Pengaduan, saran dan masukan")
    lines += _numbered([wording.complaint(c) for c in std.complaints] if std.stated("complaints")
                       else [wording.NOT_STATED])
    handling = std.complaint_handling
    if handling.get("procedure"):
        lines.append("   Alur penanganan:")
        lines += _numbered(wording.as_lines(handling["procedure"]), "      ")
    for tier_id, tier in (handling.get("tiers") or {}).items():
        lines.append(f"   {tier.get('name') or tier_id}: {wording.time_limit_short(tier)}")
    if handling.get("standard"):
        lines.append(f"   Ditangani menurut standar pelayanan pengaduan: {handling['standard']}")
    lines.append("")
    lines.append("b. Komponen pengelolaan pelayanan")
    for n, (key, label) in enumerate(wording.MANAGEMENT_LABELS.items(), 7):
        value = std.management.get(key)
        lines.append(f"{n}. {label}" + ("" if value else ": (belum diisi)"))
        lines += _numbered(wording.as_lines(value)) if value else []
    lines.append("")
    lines.append("Prosedur internal")
    names = {step["id"]: step.get("name", step["id"]) for step in d["steps"]}
    for n, step in enumerate(d["steps"], 1):
        kind = kind_of(step)
        who = std.office.role_name(kind.role(step))
        cond = f" [{wording.condition(step.get('when'), std)}]" if step.get("when") else ""
        target = f"; target {wording.time_limit_short(step['target'])}" if step.get("target") else ""
        target += "; jam layanan berhenti selama langkah ini" if step.get("clock") == "stops" else ""
        lines.append(f"   {n}. {step['name']} — {who}; {kind.label}{cond}{target}")
        for tier_id, tier in (step.get("tiers") or {}).items():
            lines.append(f"      · tingkat {tier.get('name') or tier_id}: {wording.time_limit_short(tier)}")
        for name, outcome in kind.outcomes_of(step).items():
            action = outcome.get("action", "approve")
            label = outcome.get("label") or wording.OUTCOME_LABELS[action]
            lines.append(f"      · {name}: {label} → {_destination(outcome, action, names, kind)}")
    if d.get("notes"):
        lines += ["", "Catatan"] + _numbered(wording.as_lines(d["notes"]))
    return "\n".join(lines)


def _destination(outcome: dict, action: str, names: dict, kind) -> str:
    """Where an outcome leads, in words: a named step, the end, or where the standard leaves it implicit."""
    if outcome.get("next"):
        return "selesai" if outcome["next"] == "end" else names.get(outcome["next"], outcome["next"])
    if action == "reject":
        return "selesai (ditolak)"
    if action == "return_to_applicant":
        return "ke pemohon; kembali ke langkah ini setelah diperbaiki"
    if action == "return":
        return "langkah petugas sebelumnya" if kind.returns_to_previous else "langkah ini diulang"
    return "langkah berikutnya"


def bundle_summary(bundle, library) -> str:
    d = bundle.data
    lines = [bundle.title.upper(), bundle.office.name, f"id: {bundle.id} · paket layanan · versi {d['version']}", ""]
    if d.get("description"):
        lines += textwrap.wrap(d["description"], 100) + [""]
    lines.append("Bagian:")
    for n, part in enumerate(d["parts"], 1):
        std = library.standards.get(part["standard"])
        title = std.title if std else part["standard"]
        after = f" (setelah {', '.join(part['after'])})" if part.get("after") else ""
        variant = f", varian {part['variant']}" if part.get("variant") else ""
        lines.append(f"   {n}. {part.get('label') or title} — {part['standard']}{variant}{after}")
    return "\n".join(lines)
