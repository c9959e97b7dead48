"""A standard's 14 components in the PermenPAN-RB 15/2014 order, as the published documents show them.

Part a (service delivery) has 6 components, part b (management inside the office) has 8. Each component
is a list of entries; an entry is a line of text or a (heading, lines) group (a variant's own requirements,
a channel's procedure). The HTML, Markdown and PDF renderings all read this one structure, so the printed
standard and the executed workflow come from the same YAML.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.standard import wording

PART_A = "Komponen standar pelayanan yang terkait dengan proses penyampaian pelayanan (service delivery)"
PART_B = "Komponen standar pelayanan yang terkait dengan proses pengelolaan pelayanan di internal organisasi " \
         "(manufacturing)"


@dataclass
class Component:
    number: int
    name: str
    entries: list  # str | tuple[str, list[str]]

    @property
    def empty(self) -> bool:
        return not self.entries


def _channel_name(std, channel_id) -> str:
    found = next((c for c in std.channels if c["id"] == channel_id), None)
    return found["name"] if found else wording.CHANNEL_LABELS.get(channel_id, channel_id)


def components(std) -> list[Component]:
    d = std.data
    requirements: list = [wording.requirement(r, standard=std) for r in d.get("requirements") or []]
    for variant in std.variants:
        own = [wording.requirement(r, standard=std) for r in variant.get("requirements") or []]
        if own:
            requirements.append((variant["name"], own))
    procedure: list = []
    text = std.procedure_text()
    if isinstance(text, dict):
        procedure += [(_channel_name(std, channel), list(lines)) for channel, lines in text.items()]
    else:
        procedure += list(text or [])
    for variant in std.variants:
        own = variant.get("procedure")
        if isinstance(own, dict):
            procedure += [(f"{variant['name']}, {_channel_name(std, c)}", list(lines)) for c, lines in own.items()]
        elif own:
            procedure.append((variant["name"], list(own)))
    if not procedure:  # no published wording: the steps themselves, in order, each with who does it
        procedure = [wording.step_line(step, std.office) for step in std.data.get("steps") or []
                     if isinstance(step, dict) and step.get("name")]
    time_limits = [wording.time_limit(std.time_limit(), standard=std)]
    time_limits += [f"{tier.get('name') or tier_id}: {wording.time_limit_short(tier)}"
                    for tier_id, tier in std.tiers.items() if tier_id not in std.branches]
    if std.data.get("extension"):
        time_limits.append(wording.extension(std.data["extension"], std.office))
    fees = [wording.fee(std.fee(), std)] + [f"{label}: {text}" for label, text in wording.fee_details(std.fee())]
    for variant in std.variants:
        if variant.get("time_limit"):
            time_limits.append(f"{variant['name']}: {wording.time_limit(std.time_limit(variant['id']))}")
        if variant.get("fee"):
            fees.append(f"{variant['name']}: {wording.fee(std.fee(variant['id']), std)}")
    part_a = [
        Component(1, "Persyaratan", requirements),
        Component(2, "Sistem, mekanisme dan prosedur", procedure),
        Component(3, "Jangka waktu pelayanan", time_limits),
        Component(4, "Biaya/tarif", fees),
        Component(5, "Produk pelayanan", [p["name"] for p in std.products] if std.stated("products")
                  else [wording.NOT_STATED]),
        Component(6, "Penanganan pengaduan, saran dan masukan", complaint_entries(std)),
    ]
    part_b = [Component(n, label, wording.as_lines(std.management.get(key)))
              for n, (key, label) in enumerate(wording.MANAGEMENT_LABELS.items(), 7)]
    return part_a + part_b


def complaint_entries(std) -> list:
    """Component 6: the channels, and where the standard gives them, the handling flow, the limits per tier and
    the complaint standard that handles them."""
    if not std.stated("complaints"):
        return [wording.NOT_STATED]
    entries: list = [wording.complaint(c) for c in std.complaints]
    handling = std.complaint_handling
    if handling.get("procedure"):
        entries.append(("Alur penanganan pengaduan", wording.as_lines(handling["procedure"])))
    if handling.get("tiers"):
        entries.append(("Jangka waktu penyelesaian pengaduan",
                        [f"{t.get('name') or k}: {wording.time_limit_short(t)}" for k, t in handling["tiers"].items()]))
    if handling.get("standard"):
        entries.append(f"Ditangani menurut standar pelayanan pengaduan '{handling['standard']}'")
    return entries


def context(std) -> dict:
    """What the templates in forms/ receive for a standard."""
    parts = components(std)
    return {"standard": std, "data": std.data, "office": std.office.data, "decree": std.data.get("decree"),
            "part_a": parts[:6], "part_b": parts[6:], "PART_A": PART_A, "PART_B": PART_B,
            "targets": targets(std), "notes": wording.as_lines(std.data.get("notes"))}


def targets(std) -> list[tuple[str, str, str]]:
    """(step, who, target) of the steps with a time target of their own, in the procedure's order."""
    found = []
    for step in std.data.get("steps") or []:
        if isinstance(step, dict) and step.get("target"):
            who = wording.step_line({"name": "", "role": step.get("role")}, std.office).strip(" ()")
            found.append((step.get("name", step["id"]), who, wording.time_limit_short(step["target"])))
    return found
