"""The office's electronic seal on signed products: PDF signatures (PAdES baseline B-B) made and checked
with pyHanko, a well-kept library that implements PDF signing and validation to the standards (ISO 32000,
ETSI EN 319 142) and is far beyond what could be written by hand here.

The key and certificate are the office's, configured with ``LAYANAN_TTE_KEY`` and ``LAYANAN_TTE_CERT``
(PEM files; in Indonesia a certificate issued by BSrE). Without them a self-signed certificate is made
once for the demo, in the folder the caller names, and says so in its own name: documents sealed with it
verify against this installation only. Checking a PDF trusts the configured certificate (and the chain
in ``LAYANAN_TTE_CHAIN``, when given) and nothing else.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

DEMO_NAME = "Segel Elektronik layanan (DEMO, tidak sah untuk dinas)"
log = logging.getLogger("layanan.signing")
# pyHanko logs each validation problem with the document's details; the verdict says what the user needs.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Seal:
    key_path: Path
    cert_path: Path
    chain_paths: tuple = ()
    demo: bool = False


@dataclass(frozen=True)
class Verdict:
    """What a PDF's signature says: ``authentic`` when it is intact, covers the whole file and was made
    with the office's trusted certificate."""
    signed: bool
    intact: bool = False
    trusted: bool = False
    whole: bool = False
    signer: str | None = None

    @property
    def authentic(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole


def load_seal(folder: Path) -> Seal:
    """The configured seal, or the demo one kept in ``folder`` (made on first use)."""
    key, cert = os.environ.get("LAYANAN_TTE_KEY"), os.environ.get("LAYANAN_TTE_CERT")
    if key and cert:
        chain = tuple(Path(p) for p in (os.environ.get("LAYANAN_TTE_CHAIN") or "").split(os.pathsep) if p)
        return Seal(Path(key), Path(cert), chain)
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "tte-demo.key.pem", folder / "tte-demo.crt.pem"
    if not (key_path.is_file() and cert_path.is_file()):
        _make_demo_certificate(key_path, cert_path)
    return Seal(key_path, cert_path, demo=True)


def _make_demo_certificate(key_path: Path, cert_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "layanan"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
    start = datetime.now(timezone.utc) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=True,
                                         crl_sign=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(key, hashes.SHA256()))
    partial = key_path.with_suffix(".tmp")
    partial.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(partial, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    partial.replace(key_path)
    log.warning("sertifikat TTE demo dibuat di %s (atur LAYANAN_TTE_KEY dan LAYANAN_TTE_CERT untuk dinas)",
                cert_path.parent)


def seal_pdf(pdf: bytes, seal: Seal, *, signer_name: str, reason: str, location: str) -> bytes:
    """``pdf`` with the office's signature (PAdES B-B, SHA-256) over all of it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(seal.key_path), str(seal.cert_path),
                                       ca_chain_files=tuple(str(p) for p in seal.chain_paths) or None)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="TTE", md_algorithm="sha256", reason=reason, location=location,
                                        name=signer_name, subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def check_pdf(pdf: bytes, seal: Seal) -> Verdict:
    """The verdict on a PDF's last signature, trusting only the office's certificate (and its chain)."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF, or a broken one: no signature to speak of
        return Verdict(signed=False)
    if not signatures:
        return Verdict(signed=False)
    roots = []
    for path in (seal.cert_path, *seal.chain_paths):
        data = Path(path).read_bytes()
        if pem.detect(data):
            data = pem.unarmor(data)[2]
        roots.append(x509.Certificate.load(data))
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    except Exception:
        return Verdict(signed=True)
    coverage = getattr(status.coverage, "name", "")
    return Verdict(signed=True, intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
                   whole=coverage == "ENTIRE_FILE",
                   signer=signature.sig_object.get("/Name") and str(signature.sig_object.get("/Name")))
