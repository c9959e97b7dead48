from .base import StepKind

KIND = StepKind(
    name="handover",
    label="penyerahan produk",
    own_keys=frozenset({"products"}),
    on_approve=("hand_over_products",),
    submit_label="Serahkan produk",
)
