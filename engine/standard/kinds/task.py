"""A piece of work an officer does and marks done, with nothing to fill in ("Petugas melakukan perekaman
data", "Petugas memeriksa aduan"): most steps of published procedures. A ``form`` step is the same with
fields to fill; a ``task`` may still have an optional ``form``."""

from .base import StepKind

KIND = StepKind(
    name="task",
    label="pelaksanaan tugas",
    submit_label="Tandai selesai",
)
