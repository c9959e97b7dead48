"""The applicant's payment (retribusi, PNBP, a fee set by a regional regulation): an officer assesses the
fee, the SLA clock stops while the applicant pays, the officer records the payment reference (a billing
code, an NTPN, a receipt number), and a receipt of payment is issued. A standard whose fee is 0 has no
reason for such a step; fee-free standards are unaffected by this kind."""

from .base import StepKind

FIELDS = [
    {"id": "jumlah", "label": "Jumlah biaya (Rp)", "type": "integer", "min": 0},
    {"id": "referensi", "label": "Nomor referensi pembayaran (kode billing / NTPN / nomor kuitansi)",
     "type": "text", "required": False, "max_length": 100},
]
OUTCOMES = {
    # The fee assessed: the case waits for the applicant to pay (the clock stops) on the same step.
    "ditetapkan": {"action": "return_to_applicant", "label": "Biaya ditetapkan; menunggu pembayaran",
                   "waits_for": "payment", "reason_required": False},
    # Paid: the clock runs on, the payment is recorded and its receipt issued.
    "lunas": {"action": "approve", "label": "Pembayaran diterima"},
}


def _check(step, error) -> None:
    if "outcomes" in step:
        error(("outcomes",), "langkah payment memakai hasilnya sendiri (ditetapkan, lunas)", "misplaced")


KIND = StepKind(
    name="payment",
    label="pembayaran biaya",
    fields=FIELDS,
    outcomes=OUTCOMES,
    outcome_effects={"ditetapkan": ("assess_fee",), "lunas": ("record_payment",)},
    assesses_fee=True,
    events={"fee_assessed": "biaya ditetapkan", "payment_received": "pembayaran diterima"},
    check=_check,
    submit_label="Simpan pembayaran",
    page_note="Pilih 'Biaya ditetapkan' setelah menetapkan jumlah (jam layanan berhenti selama pemohon membayar); "
              "pilih 'Pembayaran diterima' dengan nomor referensi pembayaran.",
)
