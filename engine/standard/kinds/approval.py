from .base import StepKind

KIND = StepKind(
    name="approval",
    label="persetujuan",
    own_keys=frozenset({"outcomes"}),
    required_keys={"outcomes": "langkah approval memerlukan 'outcomes'"},
)
