from .base import StepKind

KIND = StepKind(
    name="signature",
    label="tanda tangan elektronik (TTE)",
    own_keys=frozenset({"document"}),
    required_keys={"document": "langkah signature memerlukan 'document' (id produk yang ditandatangani)"},
    on_approve=("sign_document",),
    asks_passphrase=True,
    events={"tte_locked": "penandatanganan dikunci (frasa sandi TTE salah berulang kali)"},
    submit_label="Tandatangani",
    page_note="Dengan memasukkan frasa sandi TTE dan menekan tombol, Anda menandatangani dokumen “{document}” "
              "secara elektronik; sidik dokumen (SHA-256) dicatat.",
)
