from .base import StepKind

KIND = StepKind(
    typical_minutes=5.0,
    name="handover",
    label="penyerahan produk",
    own_keys=frozenset({"products"}),
    on_approve=("hand_over_products",),
    submit_label="Serahkan produk",
)
