"""Triage of a complaint (or any case whose time limit depends on a decision made while handling it): the
handler chooses the tier (``tiers`` of the step: each with its name and its own time limit), with the reason,
and the case's due date follows the tier; or postpones handling with a reason (the clock stops, the case
waits on this step); or finds it not the office's competence and re-routes it to the competent office
(where and why recorded); or archives it with a reason. Several triage steps may re-tier a case later.

SP4N-LAPOR! practice (Perpres 76/2013, PermenPAN-RB 62/2018): verify, dispose, postpone, not our
competence (re-route), archive."""

from __future__ import annotations

from dataclasses import dataclass

from engine.standard.durations import Duration, text_of

from .base import StepKind

TIER_FIELD = "tingkat"  # the case's answer holding its tier; the time limit follows it
OUTCOMES = {
    "proses": {"action": "approve", "label": "Diproses sesuai tingkat yang dipilih"},
    "tunda": {"action": "return_to_applicant", "label": "Ditunda (jam berhenti; alasan wajib)",
              "waits_for": "postponed", "reason_required": True, "public_reason": True},
    "alihkan": {"action": "reject", "label": "Bukan kewenangan kantor ini: dialihkan", "public_reason": True},
    "arsip": {"action": "reject", "label": "Diarsipkan (tidak dapat ditindaklanjuti)", "public_reason": True},
}


def _check(step, error) -> None:
    tiers = step.get("tiers")
    if not isinstance(tiers, dict) or not tiers:
        error(("tiers",), "langkah triage memerlukan tiers: {id: {name, working_days}}", "required")
        return
    for tier_id, tier in tiers.items():
        if not isinstance(tier, dict) or Duration.of(tier) is None:
            error(("tiers", tier_id), "setiap tingkat memerlukan jangka waktunya: working_days, calendar_days, "
                                      "hours, minutes, calendar_hours atau months", "required")
    if "outcomes" in step:
        error(("outcomes",), "langkah triage memakai hasilnya sendiri (proses, tunda, alihkan, arsip)", "misplaced")


@dataclass(frozen=True)
class TriageKind(StepKind):
    def form_fields(self, step: dict) -> list:
        """The tier to choose (from the step's tiers, with their time limits), the reason, and where a
        re-routed complaint goes; then the step's own fields."""
        choices = {tier_id: f"{tier.get('name') or tier_id} ({_limit_text(tier)})"
                   for tier_id, tier in (step.get("tiers") or {}).items()}
        built_in = [
            {"id": TIER_FIELD, "label": "Tingkat", "type": "choice", "choices": choices, "required": False},
            {"id": "alasan_tingkat", "label": "Alasan pemilihan tingkat", "type": "textarea", "required": False,
             "max_length": 2000},
            {"id": "dialihkan_ke", "label": "Dialihkan ke (instansi yang berwenang, bila dialihkan)", "type": "text",
             "required": False, "max_length": 300, "public": True},
        ]
        return built_in + list((step.get("form") or {}).get("fields") or [])


def _limit_text(tier: dict) -> str:
    return text_of(tier) or "-"


KIND = TriageKind(
    name="triage",
    label="penelaahan dan penetapan tingkat",
    own_keys=frozenset({"tiers"}),
    required_keys={"tiers": "langkah triage memerlukan tiers"},
    check=_check,
    outcomes=OUTCOMES,
    outcome_effects={"proses": ("set_tier",), "alihkan": ("reroute",)},
    events={"tier_set": "tingkat ditetapkan", "complaint_rerouted": "dialihkan ke instansi lain"},
    submit_label="Simpan penelaahan",
    page_note="Pilih tingkat dan tulis alasannya; batas waktu kasus mengikuti tingkat. Menunda, mengalihkan "
              "atau mengarsipkan memerlukan alasan.",
)
