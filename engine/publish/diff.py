"""What changed between two versions of a standard, as the public sees it: requirements added, removed or
changed (per variant), time limit, fee, products, the published procedure, complaint channels and the
internal steps. For `layanan diff` and the Forum Konsultasi Publik document."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from engine.standard import wording
from engine.standard.yamlpos import YamlLoadError, load


class DiffError(Exception):
    pass


@dataclass(frozen=True)
class Change:
    topic: str  # Persyaratan, Jangka waktu, Biaya/tarif, Produk, Prosedur, Pengaduan, Langkah internal, Versi
    kind: str  # ditambah | dihapus | diubah
    what: str
    old: str | None = None
    new: str | None = None

    def line(self) -> str:
        if self.kind == "diubah":
            return f"{self.topic}: {self.what} diubah: {self.old} → {self.new}"
        return f"{self.topic}: {self.what} {self.kind}" + (f": {self.new or self.old}" if (self.new or self.old)
                                                           and (self.new or self.old) != self.what else "")


def read(spec: str, cwd: Path | None = None) -> dict:
    """A standard from a file, or from a file at a git revision written REV:PATH (e.g. HEAD~1:standards/x.yaml)."""
    path = Path(spec)
    if not path.exists() and ":" in spec:
        revision, name = spec.split(":", 1)
        done = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=cwd, capture_output=True, text=True)
        if done.returncode != 0:
            raise DiffError(f"{spec}: tidak ada di git ({done.stderr.strip() or 'revisi atau berkas salah'})")
        text, label = done.stdout, spec
    elif path.exists():
        text, label = path.read_text(encoding="utf-8"), str(path)
    else:
        raise DiffError(f"{spec}: berkas tidak ada (untuk versi di git tulis REVISI:BERKAS)")
    try:
        data = load(text).data
    except YamlLoadError as exc:
        raise DiffError(f"{label}:{exc.pos.line}:{exc.pos.col}: {exc.message}") from None
    if not isinstance(data, dict) or data.get("kind") != "standard":
        raise DiffError(f"{label}: bukan berkas standar (kind: standard)")
    return data


def _requirements(data: dict) -> dict[tuple, dict]:
    found = {("", r["id"]): r for r in data.get("requirements") or [] if isinstance(r, dict) and "id" in r}
    for variant in data.get("variants") or []:
        for r in variant.get("requirements") or []:
            if isinstance(r, dict) and "id" in r:
                found[(variant.get("name") or variant.get("id"), r["id"])] = r
    return found


def _limits(data: dict) -> dict[str, str]:
    base = data.get("time_limit") or {}
    found = {"": wording.time_limit(_full(base))} if base else {}
    for v in data.get("variants") or []:
        if v.get("time_limit"):
            found[v.get("name") or v["id"]] = wording.time_limit(_full({**base, **v["time_limit"]}))
    if isinstance(data.get("extension"), dict):
        found["perpanjangan"] = wording.extension(data["extension"])
    for step in data.get("steps") or []:
        for tier_id, tier in (step.get("tiers") or {}).items() if isinstance(step, dict) else ():
            found[f"tingkat {tier.get('name') or tier_id}"] = wording.time_limit_short(tier)
    return found


def _full(limit: dict) -> dict:
    return {"clock_starts": "requirements_complete", "start_day": "day_0", **limit}


def _fees(data: dict) -> dict[str, str]:
    found = {"": wording.fee(data["fee"], data)} if data.get("fee") is not None else {}
    for v in data.get("variants") or []:
        if v.get("fee") is not None:
            found[v.get("name") or v["id"]] = wording.fee(v["fee"], data)
    return found


def _by_id(items) -> dict[str, dict]:
    return {i["id"]: i for i in items or [] if isinstance(i, dict) and "id" in i}


def _compare(topic: str, old: dict, new: dict, text, label=lambda key: key) -> list[Change]:
    changes = []
    for key in old.keys() - new.keys():
        changes.append(Change(topic, "dihapus", label(key), old=text(old[key])))
    for key in new.keys() - old.keys():
        changes.append(Change(topic, "ditambah", label(key), new=text(new[key])))
    for key in old.keys() & new.keys():
        if text(old[key]) != text(new[key]):
            changes.append(Change(topic, "diubah", label(key), text(old[key]), text(new[key])))
    return sorted(changes, key=lambda c: (c.kind, c.what))


def diff(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    if old.get("version") != new.get("version") or old.get("effective") != new.get("effective"):
        changes.append(Change("Versi", "diubah", "versi dan tanggal berlaku",
                              f"{old.get('version')} ({old.get('effective') or '-'})",
                              f"{new.get('version')} ({new.get('effective') or '-'})"))
    changes += _compare("Persyaratan", _requirements(old), _requirements(new), wording.requirement,
                        lambda key: (f"[{key[0]}] " if key[0] else "") + key[1])
    changes += _compare("Jangka waktu", _limits(old), _limits(new), str, lambda key: key or "semua permohonan")
    changes += _compare("Biaya/tarif", _fees(old), _fees(new), str, lambda key: key or "semua permohonan")
    changes += _compare("Produk", _by_id(old.get("products")), _by_id(new.get("products")),
                        lambda p: p.get("name", p["id"]))
    if old.get("procedure") != new.get("procedure"):
        changes.append(Change("Prosedur", "diubah", "alur yang diumumkan", _procedure(old), _procedure(new)))
    changes += _compare("Pengaduan", _by_id(old.get("complaints")), _by_id(new.get("complaints")),
                        wording.complaint)
    changes += _compare("Langkah internal", _by_id(old.get("steps")), _by_id(new.get("steps")),
                        lambda s: f"{s.get('name', s['id'])} ({s.get('role', '-')}"
                        + (f"; target {wording.time_limit_short(s['target'])}" if s.get("target") else "") + ")")
    return changes


def _procedure(data: dict) -> str:
    text = data.get("procedure") or []
    if isinstance(text, dict):
        return " | ".join(f"{k}: " + "; ".join(v or []) for k, v in text.items())
    return "; ".join(text)


def as_text(old: dict, new: dict, changes: list[Change]) -> str:
    head = f"{new.get('title', new.get('id'))}: versi {old.get('version')} → {new.get('version')}"
    if not changes:
        return head + "\nTidak ada perubahan yang berarti bagi masyarakat."
    return "\n".join([head] + [f"- {c.line()}" for c in changes])
