from .base import StepKind

KIND = StepKind(
    name="signature",
    label="tanda tangan elektronik (TTE)",
    own_keys=frozenset({"document"}),
    required_keys={"document": "langkah signature memerlukan 'document' (id produk yang ditandatangani)"},
    on_approve=("sign_document",),
    submit_label="Tandatangani",
    page_note="Dengan menekan tombol, Anda menandatangani dokumen {document}; sidik dokumen (SHA-256) dicatat.",
)
