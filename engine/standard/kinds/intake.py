from .base import StepKind

KIND = StepKind(
    name="intake",
    label="penerimaan & pemeriksaan persyaratan",
    receives_requirements=True,
    may_be_incomplete=True,
    starts_clock=True,
)
