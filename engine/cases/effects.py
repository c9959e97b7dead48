"""The effects a step kind may name (engine/standard/kinds/base.py: ``on_approve``, ``outcome_effects``),
by name, each called as ``effect(txn, case, task, step, user, actor, at)`` inside the step's transaction."""

from __future__ import annotations

from .clock import hold, release
from .issued import assess_fee, hand_over, issue_refusal, record_payment
from .signature import sign
from .tiering import reroute, set_tier

EFFECTS = {"sign_document": sign, "hand_over_products": hand_over, "assess_fee": assess_fee,
           "record_payment": record_payment, "set_tier": set_tier, "reroute": reroute,
           "hold_clock": hold, "release_clock": release, "issue_refusal": issue_refusal}
