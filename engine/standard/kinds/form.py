from .base import StepKind

KIND = StepKind(
    name="form",
    label="pengisian formulir",
    required_keys={"form": "langkah form memerlukan 'form' dengan daftar isian"},
)
