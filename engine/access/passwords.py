"""Officers' passwords: Argon2id hashes (argon2-cffi) and the password policy.

The policy refuses passwords that are short or easy to guess. Guessability is zxcvbn's estimate (the
well-known Dropbox algorithm: dictionaries of common passwords, names and words, keyboard patterns,
repeats, sequences and dates), given layanan's own words and the officer's name, username and office as
extra dictionary entries, plus common Indonesian passwords its English dictionaries do not hold.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256  # a longer one only makes hashing slow
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable" against online attacks with throttling
COMMON_WORDS = (
    "layanan", "petugas", "pelayanan", "disdukcapil", "dukcapil", "kependudukan", "pencatatan", "sipil",
    "admin", "operator", "kepala", "dinas", "kantor", "kecamatan", "kelurahan", "desa", "pemerintah",
    "indonesia", "merdeka", "garuda", "pancasila", "nusantara", "jakarta", "bandung", "surabaya", "samarinda",
    "balikpapan", "bontang", "kalimantan", "kaltim", "sayang", "sayangku", "cinta", "bismillah",
    "alhamdulillah", "rahasia", "katasandi", "sandi", "masuk", "selamat", "bersama", "keluarga", "anakku",
    "indah", "sukses", "semangat", "tahun", "januari", "februari", "maret", "april", "mei", "juni", "juli",
    "agustus", "september", "oktober", "november", "desember", "senin", "selasa", "rabu", "kamis", "jumat",
    "sabtu", "minggu", "asdfghjkl", "qwertyuiop",
)

# Argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane): argon2-cffi's default (64 MiB,
# 3 passes, 4 lanes) took 121 ms of both cores of a 2-core office server per attempt, so that a few guesses
# a second halved the officers' throughput (bench/signin_flood.py, docs/performance.md). Hashes made with
# other parameters are rehashed at the next successful sign-in (needs_rehash).
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this keeps a wrong username as slow as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("layanan-dummy-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such user; it takes as long as a real check)."""
    try:
        _HASHER.verify(stored or _DUMMY_HASH, (password or "")[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


def password_problem(password: str, *, username: str = "", full_name: str = "", office: str = "") -> str | None:
    """Why a new password is refused, in Indonesian, or None."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"kata sandi minimal {MIN_LENGTH} karakter"
    if len(password) > MAX_LENGTH:
        return f"kata sandi maksimal {MAX_LENGTH} karakter"
    from zxcvbn import zxcvbn

    personal = [w for text in (username, full_name, office) for w in _words(text)]
    estimate = zxcvbn(password, user_inputs=[*COMMON_WORDS, *personal])
    if estimate["score"] < MIN_SCORE:
        return ("kata sandi terlalu mudah ditebak (kata umum, nama, urutan papan ketik, pengulangan atau tanggal); "
                "gunakan gabungan tiga atau empat kata yang tidak berhubungan, misalnya 'kopi-hujan-sepeda-78'")
    return None


def _words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalnum() else " " for c in (text or "").lower())
    return [w for w in cleaned.split() if len(w) >= 3] + ([text.lower()] if text else [])
