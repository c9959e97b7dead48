"""Nomor Induk Kependudukan (NIK) checks: 16 digits = region (6) + birth date (6, day +40 for women) + serial (4)."""

from __future__ import annotations

from datetime import date

# Province codes of Kemendagri (Permendagri 72/2019 and the 2022 Papua provinces).
PROVINCES = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51", "52",
    "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "92", "93", "94",
    "95", "96", "97",
}


def nik_problem(value) -> str | None:
    """Why a NIK is malformed, in Indonesian, or None when it is well formed."""
    if not isinstance(value, str):
        return "NIK harus berupa teks 16 angka"
    if len(value) != 16 or not value.isdigit():
        return f"NIK harus 16 angka (diberikan {len(value)} karakter)"
    if value[:2] not in PROVINCES:
        return f"kode provinsi '{value[:2]}' pada NIK tidak dikenal"
    if value[2:4] == "00" or value[4:6] == "00":
        return "kode kabupaten/kota dan kecamatan pada NIK tidak boleh 00"
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if day > 40:
        day -= 40  # women
    try:
        # The two-digit year is ambiguous; 2000 is a leap year, so 29 February stays valid.
        date(2000 + year, month, day)
    except ValueError:
        return f"tanggal lahir pada NIK ({value[6:12]}) tidak sah"
    if value[12:] == "0000":
        return "nomor urut pada NIK tidak boleh 0000"
    return None


def mask_nik(value: str) -> str:
    return value[:6] + "******" + value[12:] if isinstance(value, str) and len(value) == 16 else "****"
