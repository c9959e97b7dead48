from .base import StepKind

KIND = StepKind(
    typical_minutes=5.0,
    name="signature",
    label="tanda tangan elektronik (TTE)",
    own_keys=frozenset({"document"}),
    required_keys={"document": "langkah signature memerlukan 'document' (id produk yang ditandatangani)"},
    # The signer may refuse, with a reason, sending the file back to the officers' step before it.
    outcomes={"tandatangani": {"action": "approve", "label": "Tandatangani"},
              "tolak": {"action": "return", "label": "Tolak menandatangani dan kembalikan ke langkah sebelumnya"}},
    default_outcome="tandatangani",
    returns_to_previous=True,
    on_approve=("sign_document",),
    asks_passphrase=True,
    events={"tte_locked": "penandatanganan dikunci (frasa sandi TTE salah berulang kali)"},
    submit_label="Tandatangani",
    page_note="Dengan memasukkan frasa sandi TTE dan menekan tombol, Anda menandatangani dokumen “{document}” "
              "secara elektronik; sidik dokumen (SHA-256) dicatat.",
)
