from .base import SYSTEM, StepKind

KIND = StepKind(
    name="automated",
    label="otomatis oleh sistem",
    performer=SYSTEM,
    own_keys=frozenset({"action", "message", "retries", "timeout_seconds"}),
    required_keys={"action": "langkah automated memerlukan 'action'"},
    has_form=False,
    in_worklists=False,
)
