"""validate, schema, list, show: commands over the standards library (no Prefect, no database)."""

from __future__ import annotations

import json
import sys

from ..standard import model
from ..standard.validate import validate_paths
from . import text as fmt
from .errors import CliError


def cmd_validate(args) -> int:
    paths = args.paths or [str(model.standards_dir())]
    result = validate_paths(paths)
    shown = result.errors if args.no_warnings else result.diagnostics
    if getattr(args, "brief", False):
        shown = [d for d in shown if d not in result.reviews]
    if args.format == "json":
        json.dump({"ok": result.ok, "files": result.files, "errors": len(result.errors),
                   "warnings": len(result.warnings), "reviews": len(result.reviews),
                   "diagnostics": [d.as_dict() for d in shown]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for diagnostic in shown:
            print(diagnostic.format())
        summary = (f"{result.files} berkas diperiksa: {len(result.errors)} kesalahan, {len(result.warnings)} "
                   f"peringatan, {len(result.reviews)} catatan reviu")
        if getattr(args, "brief", False) and result.reviews:
            summary += " (lihat: layanan validate)"
        print(summary, file=sys.stderr)
    if result.files == 0:
        print("layanan: tidak ada berkas .yaml di " + ", ".join(paths), file=sys.stderr)
        return 1
    return 0 if result.ok else 1


def cmd_schema(args) -> int:
    from ..standard.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def load(args) -> model.Library:
    try:
        return model.load_library(getattr(args, "standards", None))
    except model.LibraryError as exc:
        for diagnostic in exc.diagnostics[:20]:
            print(diagnostic.format(), file=sys.stderr)
        raise CliError(f"standar tidak sah ({len(exc.diagnostics)} kesalahan); perbaiki dulu: layanan validate",
                       code=1) from None


def cmd_list(args) -> int:
    library = load(args)
    rows = []
    for std in sorted(library.standards.values(), key=lambda s: (s.office.id, s.id)):
        rows.append({"id": std.id, "title": std.title, "office": std.office.id, "version": std.version,
                     "time_limit": fmt.time_limit(std.time_limit()), "fee": fmt.fee(std.fee()), "kind": "standard"})
    for bundle in sorted(library.bundles.values(), key=lambda b: b.id):
        rows.append({"id": bundle.id, "title": bundle.title, "office": bundle.office.id,
                     "version": str(bundle.data["version"]), "time_limit": "-", "fee": "-", "kind": "bundle"})
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(fmt.table(rows, [("id", "ID"), ("title", "LAYANAN"), ("office", "KANTOR"), ("time_limit", "WAKTU"),
                           ("fee", "BIAYA")], wrap={"title": 60}))
    return 0


def cmd_show(args) -> int:
    library = load(args)
    if args.id in library.bundles:
        print(fmt.bundle_summary(library.bundles[args.id], library))
        return 0
    try:
        std = library.standard(args.id)
    except model.UnknownStandard as exc:
        raise CliError(str(exc)) from None
    print(fmt.standard_summary(std))
    return 0


def cmd_render(args) -> int:
    from engine.publish.render import render_maklumat, render_standard

    library = load(args)
    if args.format == "pdf" and not args.out:
        raise CliError("PDF perlu --out BERKAS.pdf")
    if args.kind == "maklumat":
        if args.id not in library.offices:
            raise CliError(f"kantor '{args.id}' tidak dikenal; kantor: {', '.join(library.offices)}")
        if args.format == "md":
            raise CliError("maklumat tersedia sebagai html atau pdf")
        result = render_maklumat(library.offices[args.id], args.format)
    else:
        try:
            std = library.standard(args.id)
        except model.UnknownStandard as exc:
            raise CliError(str(exc)) from None
        if args.format == "md" and args.kind != "document":
            raise CliError("markdown tersedia untuk --kind document")
        result = render_standard(std, args.kind, args.format)
    _emit(result, args.out, f"ditulis ke {args.out}")
    return 0


def _emit(result: str | bytes, out: str | None, done: str) -> None:
    """Write a rendering to --out (text or PDF bytes), or text to the screen."""
    if out:
        if isinstance(result, bytes):
            with open(out, "wb") as target:
                target.write(result)
        else:
            with open(out, "w", encoding="utf-8") as target:
                target.write(result)
        print(done)
    else:
        sys.stdout.write(result)


def cmd_diff(args) -> int:
    from engine.publish import diff as publish_diff

    try:
        old, new = publish_diff.read(args.old), publish_diff.read(args.new)
    except publish_diff.DiffError as exc:
        raise CliError(str(exc)) from None
    changes = publish_diff.diff(old, new)
    if args.format == "text":
        result = publish_diff.as_text(old, new, changes) + "\n"
    else:
        from engine.cases.documents import render_named

        result = render_named("forum_konsultasi.html.j2", {"old": old, "new": new, "changes": changes})
        if args.format == "pdf":
            if not args.out:
                raise CliError("PDF perlu --out BERKAS.pdf")
            from engine.publish.render import to_pdf

            result = to_pdf(result)
    _emit(result, args.out, f"{len(changes)} perubahan; ditulis ke {args.out}")
    return 0


def cmd_new(args) -> int:
    from datetime import date
    from pathlib import Path

    from engine.cases.documents import render_named

    library = load(args)
    office = library.offices.get(args.office)
    if office is None:
        raise CliError(f"kantor '{args.office}' tidak dikenal; kantor: {', '.join(library.offices)}")
    ident = args.ident or f"{office.id}-layanan-baru"
    if ident in library.standards or ident in library.bundles:
        raise CliError(f"id '{ident}' sudah dipakai; pilih --id lain")
    staff = [r for r, spec in office.roles.items() if not spec.get("external")]
    head = (office.data.get("head") or {}).get("role")
    # A front-line role (nobody reports to it) for the counter's steps; the head approves.
    leaves = [r for r in staff if r != head and not any(spec.get("reports_to") == r for spec in office.roles.values())]
    role = (leaves or [r for r in staff if r != head] or staff)[0]
    text = render_named("standar_baru.yaml.j2", {"office": office.data, "ident": ident, "today": date.today(),
                                                  "roles": staff, "role": role, "approver": head or role})
    if args.out:
        target = Path(args.out)
        if target.exists():
            raise CliError(f"{target} sudah ada; tidak ditimpa")
        target.write_text(text, encoding="utf-8")
        print(f"ditulis ke {target}; periksa dengan `layanan validate {target.parent}`")
    else:
        sys.stdout.write(text)
    return 0


def cmd_site(args) -> int:
    from pathlib import Path

    from engine.publish.site import build

    library = load(args)
    if args.office and args.office not in library.offices:
        raise CliError(f"kantor '{args.office}' tidak dikenal; kantor: {', '.join(library.offices)}")
    def progress(n, total, std):
        print(f"  [{n}/{total}] {std.title}", file=sys.stderr, flush=True)

    made = build(library, Path(args.out), office=args.office, drafts=args.drafts, pdf=not args.no_pdf,
                 progress=progress)
    print(f"{made['standards']} standar dari {made['offices']} kantor di {made['path']}/index.html")
    return 0


def cmd_guide(args) -> int:
    from pathlib import Path

    from engine.publish.guide import generate

    text = generate(Path(args.standards) if args.standards else model.standards_dir())
    _emit(text, args.out, f"ditulis ke {args.out}")
    return 0
