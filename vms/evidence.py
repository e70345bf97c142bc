"""Evidence packages: footage cut without re-encoding, a signed manifest, and their verification.

Layout of a package folder:
    manifest.json        cameras, requested and actual bounds (UTC and Asia/Ho_Chi_Minh), source
                         segments with their SHA-256, exporter, case number, reason, and the
                         SHA-256 of every video file and of the public key
    manifest.sig         Ed25519 signature over the exact bytes of manifest.json (base64)
    site_public_key.pem  the site's public key (the private key never leaves DATA/state)
    SHA256SUMS           `sha256sum -c` compatible list of every other file
    README.txt           how to check the package with sha256sum and openssl (Vietnamese, English)
    video/<camera>_<startUTC>.mp4

Because the signed manifest holds the hash of every video file, changing any byte of any file
either breaks the signature or a hash; `verify_package` names the file.

Trust: a package carries its own public key, so anybody can re-sign a forged package with a new
key. The signature proves something only when the key is *pinned*: its fingerprint (SHA-256 of
the DER public key, `key_fingerprint`) is published out of band, on the signed handover form and
the periodic report, and compared by whoever checks the package. `verify_package` reports whether
the key was pinned; `vms verify` says UNPINNED (non-zero exit) when it was not. Each manifest also
names the previous export's manifest hash (`chain`), kept in the audit log, so an export that was
deleted or replaced shows as a gap in the chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from camera_drivers.clip import ClipError, ClipInfo, SourceSegment, write_clip
from detectors.rules.config import DEFAULT_TIMEZONE

LOCAL_TZ = ZoneInfo(DEFAULT_TIMEZONE)
MANIFEST, SIGNATURE, PUBLIC_KEY, SUMS = "manifest.json", "manifest.sig", "site_public_key.pem", "SHA256SUMS"
META_FILES = (MANIFEST, SIGNATURE, PUBLIC_KEY)
FORMAT = "vms-evidence-1"
README = "README.txt"
# How anyone can check the package without this software (listed and hashed like the videos).
README_TEXT = """Gói chứng cứ video / Video evidence package

Kiểm tra bằng phần mềm VMS / Check with the VMS software:
    vms verify <thư mục / folder>

BƯỚC 1, BẮT BUỘC / STEP 1, REQUIRED: so dấu vân tay khoá với biên bản bàn giao giấy.
Compare the key fingerprint with the one printed on the paper handover form:
    openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum
hoặc / or:  vms verify <thư mục> --fingerprint "<dấu vân tay trên biên bản / fingerprint on the form>"
Nếu khác nhau, gói này KHÔNG do đơn vị đó ký, dù chữ ký "hợp lệ". / If they differ, the package
was NOT signed by that site, even when the signature "verifies": anyone can sign with a new key.

Kiểm tra bằng công cụ chuẩn / Check with standard tools (Linux, OpenSSL 3):
    sha256sum -c SHA256SUMS
    base64 -d manifest.sig > /tmp/manifest.sig.bin
    openssl pkeyutl -verify -pubin -inkey site_public_key.pem -rawin -in manifest.json -sigfile /tmp/manifest.sig.bin

manifest.json: camera, khoảng thời gian yêu cầu và thực tế (UTC và giờ Việt Nam), các đoạn ghi
gốc và SHA-256, người xuất, số hồ sơ, lý do. / cameras, requested and actual bounds (UTC and
Asia/Ho_Chi_Minh), source segments and their SHA-256, exporter, case number, reason.
Video là luồng gốc của camera, không mã hoá lại. / Video is the camera's original bitstream,
not re-encoded.
"""
CHUNK = 1 << 20


class ExportError(RuntimeError):
    """The export cannot be made (no footage in the range, unreadable segments)."""


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The site's Ed25519 key, created on first use with mode 0600 (O_EXCL against races)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        except FileExistsError:
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ExportError(f"{path} is not an Ed25519 private key")
    return key


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(pem: bytes) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, upper-case hex in groups of 4 (64 digits).

    The same digits as `openssl pkey -pubin -in KEY.pem -outform DER | sha256sum`, so a court
    expert can compute it without this software. Raises ValueError for a PEM that is not Ed25519."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed from paper (spaces, colons, lower case) in `key_fingerprint`'s form."""
    digits = "".join(c for c in text.upper() if c in "0123456789ABCDEF")
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def site_key_fingerprint(signing_key_path: Path) -> str:
    """The site's own key fingerprint (`key_fingerprint` of its public key), for reports and forms."""
    return key_fingerprint(public_pem(load_or_create_signing_key(signing_key_path)))


def sha256_file(path: Path) -> str:
    """SHA-256 in one streaming pass of 1 MiB reads."""
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stamps(moment: datetime) -> dict[str, str]:
    """A moment in UTC and in Vietnam's local time, both ISO 8601."""
    utc = moment.astimezone(timezone.utc)
    return {"utc": utc.isoformat().replace("+00:00", "Z"), "local": utc.astimezone(LOCAL_TZ).isoformat()}


@dataclass(frozen=True)
class SourceFile:
    """A recorded segment: `relative` is its path under the recordings root."""

    path: Path
    relative: str
    start: datetime
    end: datetime
    bytes: int


@dataclass(frozen=True)
class CameraFootage:
    camera_id: str
    name: str
    location: str
    segments: list[SourceFile]


@dataclass(frozen=True)
class ExportRequest:
    cameras: list[CameraFootage]
    start: datetime
    end: datetime
    case_number: str
    reason: str
    exporter: str
    site_name: str = ""
    # The chain of exports: this export's number and the SHA-256 of the previous export's manifest.
    sequence: int = 1
    previous_manifest_sha256: str | None = None


def _camera_entry(camera: CameraFootage, request: ExportRequest, out_dir: Path) -> tuple[dict, str | None]:
    """Cut one camera's footage into out_dir/video; return its manifest entry and file name.

    The source segments are hashed on a second thread while the clip is cut: both mostly wait on
    I/O or run in C without the GIL, so on two cores this hides the hashing almost entirely."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as pool:
        hashes = pool.map(sha256_file, [s.path for s in camera.segments])
        name, info = _cut(camera, request, out_dir)
        sources = [
            {
                "path": s.relative,
                "start": stamps(s.start),
                "end": stamps(s.end),
                "bytes": s.bytes,
                "sha256": digest,
            }
            for s, digest in zip(camera.segments, hashes)
        ]
    entry: dict = {
        "camera_id": camera.camera_id,
        "name": camera.name,
        "location": camera.location,
        "file": name,
        "actual": None,
        "packets": 0,
        "source_segments": sources,
    }
    if info is not None:
        entry["packets"] = info.packets
        entry["actual"] = {
            "start": stamps(datetime.fromtimestamp(info.start, timezone.utc)),
            "end": stamps(datetime.fromtimestamp(info.end, timezone.utc)),
        }
    return entry, name


def _cut(camera: CameraFootage, request: ExportRequest, out_dir: Path) -> tuple[str | None, ClipInfo | None]:
    if not camera.segments:
        return None, None
    name = f"video/{camera.camera_id}_{request.start.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}.mp4"
    sources = [SourceSegment(s.path, s.start.timestamp()) for s in camera.segments]
    try:
        return name, write_clip(sources, request.start.timestamp(), request.end.timestamp(), out_dir / name)
    except ClipError:
        return None, None


def build_package(
    request: ExportRequest,
    out_dir: Path,
    key: Ed25519PrivateKey,
    progress: Callable[[float], None] = lambda _: None,
) -> dict:
    """Write the package into the empty folder `out_dir`; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise ExportError(f"{out_dir} is not empty")
    cameras, files = [], {}
    for index, camera in enumerate(request.cameras):
        entry, name = _camera_entry(camera, request, out_dir)
        cameras.append(entry)
        if name is not None:
            files[name] = {"sha256": sha256_file(out_dir / name), "bytes": (out_dir / name).stat().st_size}
        progress((index + 1) / len(request.cameras) * 0.95)
    if not files:
        raise ExportError("no recorded footage in the requested range")
    (out_dir / README).write_text(README_TEXT, encoding="utf-8")
    files[README] = {"sha256": sha256_file(out_dir / README), "bytes": (out_dir / README).stat().st_size}
    pem = public_pem(key)
    manifest = {
        "format": FORMAT,
        "site": request.site_name,
        "case_number": request.case_number,
        "reason": request.reason,
        "exporter": request.exporter,
        "created": stamps(datetime.now(timezone.utc)),
        "timezone": str(LOCAL_TZ),
        "requested": {"start": stamps(request.start), "end": stamps(request.end)},
        "cameras": cameras,
        "files": files,
        "signature": {
            "algorithm": "Ed25519",
            "file": SIGNATURE,
            "public_key": PUBLIC_KEY,
            "public_key_sha256": hashlib.sha256(pem).hexdigest(),
            "public_key_fingerprint": key_fingerprint(pem),
        },
        "chain": {"sequence": request.sequence, "previous_manifest_sha256": request.previous_manifest_sha256},
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    (out_dir / MANIFEST).write_bytes(manifest_bytes)
    (out_dir / SIGNATURE).write_bytes(base64.b64encode(key.sign(manifest_bytes)) + b"\n")
    (out_dir / PUBLIC_KEY).write_bytes(pem)
    (out_dir / SUMS).write_text(_sums_text(out_dir, files), encoding="utf-8")
    progress(1.0)
    return manifest


def _sums_text(folder: Path, files: dict[str, dict]) -> str:
    hashes = {name: sha256_file(folder / name) for name in META_FILES}
    hashes.update({name: meta["sha256"] for name, meta in files.items()})
    return "".join(f"{hashes[name]}  {name}\n" for name in sorted(hashes))


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)  # each starts with the file it is about
    fingerprint: str = ""  # of the key the package was signed with
    pinned: bool = False  # the key was compared with one the checker trusts (and matched)
    manifest_sha256: str = ""

    @property
    def intact(self) -> bool:
        """Every file matches the signed manifest (says nothing about who signed it)."""
        return not self.problems

    @property
    def ok(self) -> bool:
        """Intact AND signed by the pinned key: the only result worth "OK"."""
        return not self.problems and self.pinned


def _read_sums(path: Path) -> dict[str, str] | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        pairs = [line.split("  ", 1) for line in lines if line]
        return {name: digest for digest, name in pairs}
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _check_signature(folder: Path) -> dict | None:
    """The manifest if its signature holds, else None (after naming the altered file)."""
    manifest_bytes = (folder / MANIFEST).read_bytes()
    try:
        key = serialization.load_pem_public_key((folder / PUBLIC_KEY).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not Ed25519")
        encoded = (folder / SIGNATURE).read_bytes()
        signature = base64.b64decode(encoded.strip(), validate=True)
        if encoded != base64.b64encode(signature) + b"\n":
            raise ValueError("not the canonical encoding")  # base64 can hide changed bytes otherwise
        key.verify(signature, manifest_bytes)
        return json.loads(manifest_bytes)
    except (InvalidSignature, ValueError, TypeError):
        return None


def _name_altered_meta(folder: Path, sums: dict[str, str]) -> str:
    for name in META_FILES:
        if sums.get(name) != sha256_file(folder / name):
            return f"{name}: altered (signature check failed)"
    return f"{MANIFEST}: signature does not match (manifest or {SIGNATURE} altered)"


def verify_package(folder: Path, site_public_pem: bytes | None = None,
                   fingerprint: str | None = None) -> Verification:
    """Check every file against the signed manifest; list what is wrong, naming each file.

    `site_public_pem` or `fingerprint` pin the key: the result is `ok` only when the package was
    signed with that key. Without either the result can be `intact` but never `ok`."""
    result = Verification()
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    missing = [name for name in (*META_FILES, SUMS) if name not in on_disk]
    if missing:
        result.problems += [f"{name}: missing" for name in missing]
        return result
    sums = _read_sums(folder / SUMS) or {}
    manifest = _check_signature(folder)
    if manifest is None:
        result.problems.append(_name_altered_meta(folder, sums))
        return result
    pem_hash = manifest.get("signature", {}).get("public_key_sha256")
    if sha256_file(folder / PUBLIC_KEY) != pem_hash:  # a PEM can change yet load the same key
        result.problems.append(f"{PUBLIC_KEY}: altered (differs from the hash in the signed manifest)")
        return result
    files: dict[str, dict] = manifest.get("files", {})
    for name in sorted(on_disk - set(files) - {*META_FILES, SUMS}):
        result.problems.append(f"{name}: extra file not in the manifest")
    for name, meta in sorted(files.items()):
        if name not in on_disk:
            result.problems.append(f"{name}: missing")
        elif sha256_file(folder / name) != meta["sha256"]:
            result.problems.append(f"{name}: SHA-256 differs from the signed manifest")
    if not result.problems and (folder / SUMS).read_text(encoding="utf-8") != _sums_text(folder, files):
        result.problems.append(f"{SUMS}: does not match the signed manifest")
    result.fingerprint = key_fingerprint((folder / PUBLIC_KEY).read_bytes())
    result.manifest_sha256 = sha256_file(folder / MANIFEST)
    _check_pin(result, site_public_pem, fingerprint)
    return result


def _check_pin(result: Verification, site_public_pem: bytes | None, fingerprint: str | None) -> None:
    expected = [normalise_fingerprint(fingerprint)] if fingerprint else []
    if site_public_pem is not None:
        expected.append(key_fingerprint(site_public_pem))
    if not expected:
        return
    if any(value != result.fingerprint for value in expected):
        result.problems.append(f"{PUBLIC_KEY}: signed with key {result.fingerprint}, not the pinned key {expected[0]}")
        return
    result.pinned = True
