"""The `layanan` command. Each subcommand imports only what it needs, so that commands that run no
flow (validate, list, show, deadline, calendar) start fast and never import Prefect or SQLAlchemy."""

from __future__ import annotations

import argparse
import sys

from engine.errors import CaseError

from .errors import CliError


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="periksa berkas standar (YAML, skema, rujukan, alur)",
                       description="Periksa berkas atau folder standar. Keluar 0 bila semua sah, 1 bila ada kesalahan.")
    p.add_argument("paths", nargs="*", help="berkas atau folder (bawaan: standards/)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-warnings", action="store_true", help="tampilkan hanya kesalahan")
    p.add_argument("--brief", action="store_true",
                   help="kesalahan dan peringatan saja; catatan reviu diringkas dalam satu baris")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_validate"))


def _add_schema(sub) -> None:
    p = sub.add_parser("schema", help="cetak JSON Schema standar (Draft 2020-12)")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_schema"))


def _add_list(sub) -> None:
    p = sub.add_parser("list", help="daftar standar: id, judul, kantor, jangka waktu, biaya")
    p.add_argument("--standards", help="folder standar (bawaan: standards/ atau $LAYANAN_STANDARDS)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_list"))


def _add_show(sub) -> None:
    p = sub.add_parser("show", help="ringkasan satu standar dalam bahasa Indonesia")
    p.add_argument("id", help="id standar atau paket")
    p.add_argument("--standards", help="folder standar (bawaan: standards/ atau $LAYANAN_STANDARDS)")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_show"))


def _add_deadline(sub) -> None:
    p = sub.add_parser("deadline", help="tanggal jatuh tempo: START + N hari kerja",
                       description="Cetak tanggal jatuh tempo (YYYY-MM-DD) di baris pertama. Hari START adalah hari "
                                   "ke-0; hari ke-1 adalah hari kerja berikutnya.")
    p.add_argument("start", help="tanggal persyaratan lengkap, YYYY-MM-DD")
    p.add_argument("days", type=int, help="jumlah hari kerja")
    p.add_argument("--office", help="id kantor (kalender dan zona waktunya)")
    p.add_argument("--start-day", choices=("day_0", "day_1"), default="day_0",
                   help="day_1: hari START dihitung hari ke-1 bila hari kerja")
    p.add_argument("--explain", action="store_true", help="jelaskan hari yang dilewati dan alasannya")
    p.add_argument("--standards", help="folder standar (untuk --office)")
    p.set_defaults(run=_lazy("engine.cli.calendar_commands", "cmd_deadline"))


def _add_calendar(sub) -> None:
    p = sub.add_parser("calendar", help="hari libur nasional, cuti bersama dan hari tutup kantor dalam setahun")
    p.add_argument("year", type=int)
    p.add_argument("--office", help="id kantor")
    p.add_argument("--standards", help="folder standar (untuk --office)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_lazy("engine.cli.calendar_commands", "cmd_calendar"))


def _add_db(sub) -> None:
    p = sub.add_parser("db", help="basis data kasus (LAYANAN_DATABASE_URL; bawaan data/layanan.db)")
    dbsub = p.add_subparsers(dest="db_command", metavar="AKSI", required=True)
    up = dbsub.add_parser("upgrade", help="perbarui skema ke revisi terbaru (Alembic)")
    up.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_db_upgrade"))


def _add_user(sub) -> None:
    p = sub.add_parser("user", help="pengguna (petugas) dan perannya")
    usub = p.add_subparsers(dest="user_command", metavar="AKSI", required=True)
    add = usub.add_parser("add", help="tambah atau perbarui petugas")
    add.add_argument("username")
    add.add_argument("--office", required=True, help="id kantor")
    add.add_argument("--role", action="append", default=[], help="id peran (boleh berulang)")
    add.add_argument("--name", help="nama lengkap")
    add.add_argument("--admin", action="store_true", help="boleh mengelola pengguna di halaman admin")
    add.add_argument("--auditor", action="store_true", help="auditor: laporan dan riwayat, tanpa langkah")
    add.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin (untuk skrip)")
    add.add_argument("--standards", help="folder standar")
    add.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_user_add"))
    pw = usub.add_parser("password", help="atur kata sandi petugas (ditanyakan, atau dari stdin)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin")
    pw.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_user_password"))
    signer = usub.add_parser("signer", help="data penanda tangan (NIP, jabatan, pangkat) dan frasa sandi TTE")
    signer.add_argument("username")
    signer.add_argument("--nip", help="NIP (18 angka)")
    signer.add_argument("--jabatan", help="jabatan, seperti tercetak di bawah tanda tangan")
    signer.add_argument("--pangkat", help="pangkat/golongan, mis. 'Pembina Utama Muda, IV/c'")
    signer.add_argument("--passphrase", action="store_true", help="atur frasa sandi TTE (ditanyakan)")
    signer.add_argument("--passphrase-stdin", action="store_true", help="baca frasa sandi TTE dari stdin")
    signer.set_defaults(run=_lazy("engine.cli.tte_commands", "cmd_user_signer"))


def _add_case(sub) -> None:
    p = sub.add_parser("case", help="kasus (permohonan): buat dan lihat")
    csub = p.add_subparsers(dest="case_command", metavar="AKSI", required=True)
    new = csub.add_parser("new", help="catat permohonan baru",
                          description="FILE.json: {\"applicant\": {\"nik\", \"name\", \"address\", \"phone\", "
                                      "\"email\"}, \"requirements\": [id persyaratan diterima], \"answers\": {...}, "
                                      "\"unit\": id unit}")
    new.add_argument("standard", help="id standar atau paket")
    new.add_argument("--variant")
    new.add_argument("--channel")
    new.add_argument("--unit", help="unit layanan (kecamatan, MPP)")
    new.add_argument("--applicant", required=True, metavar="FILE.json", help="data pemohon dan persyaratan")
    new.add_argument("--as", dest="as_user", help="petugas loket: sekaligus menyelesaikan pemeriksaan berkas")
    new.add_argument("--incomplete", action="store_true",
                     help="catat walau persyaratan belum lengkap (jam SLA belum berjalan)")
    new.add_argument("--json", action="store_true")
    new.add_argument("--standards", help="folder standar")
    new.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_case_new"))
    show = csub.add_parser("show", help="riwayat, jatuh tempo dan status SLA satu kasus")
    show.add_argument("case", help="nomor kasus atau id")
    show.add_argument("--json", action="store_true")
    show.add_argument("--standards", help="folder standar")
    show.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_case_show"))
    extend = csub.add_parser("extend", help="perpanjang jangka waktu kasus yang berjalan, bila standarnya mengatur")
    extend.add_argument("case", help="nomor kasus atau id")
    extend.add_argument("--as", dest="as_user", required=True, help="petugas dengan peran pemberi perpanjangan")
    extend.add_argument("--reason", required=True, help="alasan perpanjangan (dibaca pemohon)")
    extend.add_argument("--standards", help="folder standar")
    extend.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_case_extend"))
    find = csub.add_parser("find", help="cari kasus: NIK, nama pemohon, nomor kasus, kode tanda terima, nomor produk",
                           description="Mencari kasus menurut awal kata: setiap kata yang diketik harus ada "
                                       "(NIK, kata nama pemohon, nomor kasus atau urutannya, kode tanda terima, "
                                       "nomor produk). Terbaru lebih dulu.")
    find.add_argument("text", nargs="?", default="", help="kata yang dicari (kosong: semua kasus)")
    find.add_argument("--office", action="append", help="id kantor (boleh berulang; bawaan: semua kantor)")
    find.add_argument("--standard", help="id standar")
    find.add_argument("--step", help="id langkah yang sedang terbuka")
    find.add_argument("--status", help="open, incomplete, waiting_applicant, done, rejected, cancelled")
    find.add_argument("--sla", help="late, at_risk, paused, on_time, not_started")
    find.add_argument("--from", dest="received_from", metavar="YYYY-MM-DD", help="diterima sejak")
    find.add_argument("--to", dest="received_to", metavar="YYYY-MM-DD", help="diterima sampai")
    find.add_argument("--page", type=int, default=1)
    find.add_argument("--limit", type=int, default=25, help="baris per halaman (paling banyak 500)")
    find.add_argument("--json", action="store_true")
    find.add_argument("--standards", help="folder standar")
    find.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_case_find"))


def _add_task(sub) -> None:
    p = sub.add_parser("task", help="tugas petugas: daftar, ambil, selesaikan")
    tsub = p.add_subparsers(dest="task_command", metavar="AKSI", required=True)
    lst = tsub.add_parser("list", help="daftar tugas terbuka")
    lst.add_argument("--role")
    lst.add_argument("--office")
    lst.add_argument("--as", dest="as_user", help="tugas untuk peran petugas ini")
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_task_list"))
    for name, helptext, fn in (("claim", "ambil tugas", "cmd_task_claim"),
                               ("release", "lepas tugas yang diambil", "cmd_task_release")):
        q = tsub.add_parser(name, help=helptext)
        q.add_argument("task", type=int)
        q.add_argument("--as", dest="as_user", required=True)
        q.add_argument("--standards", help="folder standar")
        q.set_defaults(run=_lazy("engine.cli.case_commands", fn))
    done = tsub.add_parser("complete", help="selesaikan tugas")
    done.add_argument("task", type=int)
    done.add_argument("--as", dest="as_user", required=True, help="username petugas, atau 'pemohon'")
    done.add_argument("--outcome", help="hasil langkah persetujuan (lihat `task list`)")
    done.add_argument("--data", metavar="FILE.json", help="isian formulir langkah; 'requirements' untuk "
                                                          "persyaratan yang diterima")
    done.add_argument("--reason", help="alasan pengembalian atau penolakan")
    done.add_argument("--passphrase-stdin", action="store_true",
                      help="tanda tangan elektronik: baca frasa sandi TTE dari stdin (tanpa ini: ditanyakan)")
    done.add_argument("--standards", help="folder standar")
    done.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_task_complete"))


def _add_worker(sub) -> None:
    p = sub.add_parser("worker", help="sisi Prefect: flow run per kasus dan langkah otomatis")
    p.add_argument("--once", action="store_true", help="berhenti bila tidak ada lagi yang dikerjakan")
    p.add_argument("--poll", type=float, help="jeda antar pemeriksaan bila tidak ada pekerjaan (detik; bawaan: "
                   "0,5 dengan server Prefect, 2 dengan API Prefect bawaan)")
    p.add_argument("--no-monitor", action="store_true",
                   help="tanpa pemantau SLA dan pengirim pemberitahuan (orkestrator lain menjalankannya)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_worker"))


def _add_audit(sub) -> None:
    p = sub.add_parser("audit", help="jejak audit: periksa rantai hash, ekspor riwayat")
    asub = p.add_subparsers(dest="audit_command", metavar="AKSI", required=True)
    check = asub.add_parser("verify", help="hitung ulang rantai, ujung, titik periksa dan baris kasus; keluar 1 dan "
                                           "sebut yang pertama rusak")
    check.add_argument("--anchors", help="berkas jangkar titik periksa (bawaan: LAYANAN_AUDIT_ANCHORS atau "
                                         "data/jangkar-audit.jsonl)")
    check.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_audit_verify"))
    point = asub.add_parser("checkpoint", help="segel ujung setiap rantai yang berubah dan tulis barisnya ke berkas "
                                               "jangkar (serve melakukannya tiap putaran pemantauan SLA)")
    point.add_argument("--anchors", help="berkas jangkar (bawaan: LAYANAN_AUDIT_ANCHORS atau data/jangkar-audit.jsonl)")
    point.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_audit_checkpoint"))
    out = asub.add_parser("export", help="riwayat sebuah kasus atau sebuah periode sebagai CSV atau JSON Lines")
    out.add_argument("--case", help="nomor kasus (termasuk bagian-bagian paket)")
    out.add_argument("--from", dest="date_from", help="tanggal awal YYYY-MM-DD (UTC)")
    out.add_argument("--to", dest="date_to", help="tanggal akhir YYYY-MM-DD (UTC)")
    out.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    out.add_argument("--out", help="berkas tujuan (bawaan: layar)")
    out.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_audit_export"))


def _add_sla(sub) -> None:
    p = sub.add_parser("sla", help="pemantauan batas waktu (yang juga dijalankan Prefect secara terjadwal)")
    ssub = p.add_subparsers(dest="sla_command", metavar="AKSI", required=True)
    check = ssub.add_parser("check", help="satu putaran: tandai kasus berisiko/terlambat dan eskalasi")
    check.add_argument("--at", help="waktu pemeriksaan ISO 8601 dengan zona (bawaan: sekarang)")
    check.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_sla_check"))
    again = ssub.add_parser("recompute", help="hitung ulang batas waktu kasus berjalan dengan kalender kerja terkini")
    again.add_argument("--office", help="id kantor (bawaan: semua)")
    again.add_argument("--check", action="store_true", help="hanya tampilkan yang berbeda, tanpa mengubah")
    again.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_sla_recompute"))


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="laporan pelayanan sebuah kantor untuk sebuah periode")
    p.add_argument("--office", required=True, help="id kantor")
    p.add_argument("--from", dest="date_from", required=True, help="tanggal awal YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="tanggal akhir YYYY-MM-DD")
    p.add_argument("--format", choices=["text", "csv", "json", "html"], default="text")
    p.add_argument("--out", help="berkas tujuan (bawaan: layar)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.audit_commands", "cmd_report"))


def _add_render(sub) -> None:
    p = sub.add_parser("render", help="dokumen resmi standar, poster, atau maklumat pelayanan kantor")
    p.add_argument("id", help="id standar (atau id kantor untuk --kind maklumat)")
    p.add_argument("--kind", choices=["document", "poster", "maklumat"], default="document")
    p.add_argument("--format", choices=["html", "pdf", "md"], default="html")
    p.add_argument("--out", help="berkas tujuan (wajib untuk pdf; bawaan: layar)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_render"))


def _add_diff(sub) -> None:
    p = sub.add_parser("diff", help="perubahan antara dua versi standar (berkas, atau REVISI:BERKAS di git)")
    p.add_argument("old", help="versi lama: berkas, atau mis. HEAD~1:standards/kaltim/06-data-agregat.yaml")
    p.add_argument("new", help="versi baru")
    p.add_argument("--format", choices=["text", "html", "pdf"], default="text",
                   help="html/pdf: dokumen untuk Forum Konsultasi Publik")
    p.add_argument("--out", help="berkas tujuan (wajib untuk pdf)")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_diff"))


def _add_new(sub) -> None:
    p = sub.add_parser("new", help="standar baru berisi semua komponen, berkomentar, langsung sah")
    p.add_argument("--office", required=True, help="id kantor")
    p.add_argument("--id", dest="ident", help="id standar baru (bawaan: OFFICE-layanan-baru)")
    p.add_argument("--out", help="berkas tujuan (bawaan: layar)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_new"))


def _add_site(sub) -> None:
    p = sub.add_parser("site", help="situs statis standar yang berlaku: dapat dicari, berjalan tanpa internet")
    p.add_argument("out", help="folder tujuan")
    p.add_argument("--office", help="hanya standar kantor ini")
    p.add_argument("--drafts", action="store_true", help="ikutkan standar berstatus draf")
    p.add_argument("--no-pdf", action="store_true", help="tanpa berkas PDF (lebih cepat)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_site"))


def _add_guide(sub) -> None:
    p = sub.add_parser("guide", help="panduan isian untuk penyusun standar, dibuat dari skema dan standar contoh")
    p.add_argument("--out", help="berkas tujuan (bawaan: layar), mis. docs/panduan-isian.md")
    p.add_argument("--standards", help="folder standar contoh")
    p.set_defaults(run=_lazy("engine.cli.standard_commands", "cmd_guide"))


def _add_publish(sub) -> None:
    p = sub.add_parser("publish", help="catat versi standar yang diterbitkan (isi berubah wajib naik versi)")
    p.add_argument("ids", nargs="*", help="id standar (bawaan: semua yang berstatus published)")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_publish"))


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="aplikasi web petugas dan halaman publik (dengan sisi Prefect)")
    p.add_argument("--host", default="127.0.0.1", help="alamat (0.0.0.0 agar terjangkau dari jaringan kantor)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true",
                   help="basis data demo baru: kantor contoh, petugas untuk setiap peran, kasus di setiap keadaan")
    p.add_argument("--no-worker", action="store_true", help="tanpa sisi Prefect (jalankan `layanan worker` terpisah)")
    p.add_argument("--standards", help="folder standar")
    p.add_argument("--public-url", help="alamat publik yang dipakai pemohon dan petugas, dicetak pada tanda terima "
                                        "(default: LAYANAN_PUBLIC_URL, atau http://HOST:PORT)")
    p.add_argument("--secure-cookies", action="store_true", default=None,
                   help="cookie hanya lewat HTTPS (otomatis bila alamat publik https://)")
    p.add_argument("--allowed-host", action="append", default=[],
                   help="nama host lain yang boleh dipakai untuk mengakses aplikasi (boleh diulang)")
    p.set_defaults(run=_lazy("engine.cli.serve_command", "cmd_serve"))


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="jalankan semua standar contoh dengan petugas simulasi dan Prefect")
    p.add_argument("--keep", action="store_true", help="pakai basis data biasa, bukan basis data sementara")
    p.add_argument("--standards", help="folder standar")
    p.set_defaults(run=_lazy("engine.cli.case_commands", "cmd_demo"))


def _add_skm(sub) -> None:
    p = sub.add_parser("skm", help="survei kepuasan masyarakat: hitung IKM, sampel minimal")
    ssub = p.add_subparsers(dest="skm_command", metavar="AKSI", required=True)
    count = ssub.add_parser("hitung", help="IKM dan mutu pelayanan dari berkas jawaban (CSV atau XLSX, kolom U1-U9)",
                            description="Menghitung jumlah, NRR dan NRR tertimbang tiap unsur, IKM, IKM konversi "
                                        "dan mutu pelayanan (PermenPAN-RB 14/2017) dari berkas jawaban.")
    count.add_argument("file", help="berkas CSV atau XLSX: satu baris per responden, kolom U1 sampai U9 bernilai 1-4")
    count.add_argument("--bobot", choices=["1/9", "0.111", "0.11"], default="1/9",
                       help="bobot tiap unsur (bawaan 1/9; sebagian kantor memakai 0.111 atau 0.11)")
    count.add_argument("--bulatkan", type=int, choices=[1, 2, 3, 4], default=None,
                       help="bulatkan NRR tiap unsur ke sekian desimal sebelum dibobot")
    count.add_argument("--format", choices=["text", "json"], default="text")
    count.set_defaults(run=_lazy("engine.cli.skm_commands", "cmd_hitung"))
    sample = ssub.add_parser("sampel", help="sampel minimal untuk populasi N (tabel Krejcie dan Morgan)")
    sample.add_argument("population", metavar="N", help="jumlah penerima layanan dalam periode survei")
    sample.set_defaults(run=_lazy("engine.cli.skm_commands", "cmd_sampel"))
    imp = ssub.add_parser("impor", help="simpan jawaban dari berkas CSV/XLSX ke basis data kantor")
    imp.add_argument("file")
    imp.add_argument("--office", required=True)
    imp.add_argument("--standard", help="id standar layanan (kosong: layanan kantor umum)")
    imp.add_argument("--as", dest="as_user", help="petugas yang mengimpor (tercatat)")
    imp.set_defaults(run=_lazy("engine.cli.skm_commands", "cmd_impor"))
    rep = ssub.add_parser("laporan", help="laporan SKM kantor untuk satu periode")
    rep.add_argument("--office", required=True)
    rep.add_argument("--periode", required=True, help="2026-Q3 (triwulan), 2026-S2 (semester) atau 2026")
    rep.add_argument("--standard", help="satu layanan saja")
    rep.add_argument("--format", choices=["text", "json", "html", "pdf"], default="text")
    rep.add_argument("--out")
    rep.set_defaults(run=_lazy("engine.cli.skm_commands", "cmd_laporan"))


def _lazy(module: str, name: str):
    def run(args):
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layanan",
        description="layanan: standar pelayanan publik sebagai YAML yang dapat dijalankan.",
    )
    parser.add_argument("--version", action="version", version="layanan 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    for add in (_add_validate, _add_schema, _add_list, _add_show, _add_deadline, _add_calendar, _add_db,
                _add_user, _add_case, _add_task, _add_worker, _add_demo, _add_serve, _add_audit, _add_sla, _add_report, _add_render, _add_diff, _add_new, _add_site, _add_guide, _add_publish, _add_skm):
        add(sub)
    from . import capacity_commands, cluster_command, notify_commands, stock_commands
    notify_commands.add_parser(sub, _lazy)
    cluster_command.add_parser(sub, _lazy)
    capacity_commands.add_parser(sub, _lazy)
    stock_commands.add_parser(sub, _lazy)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args) or 0
    except CliError as exc:
        print(f"layanan: {exc}", file=sys.stderr)
        return exc.code
    except CaseError as exc:  # a command that forgot its guard still answers in words, never a traceback
        print(f"layanan: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `layanan list | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
