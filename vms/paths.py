"""Where a site keeps its state. Everything lives under one data folder (`--data DIR`), except the
keys, which live in a folder of their own (`DIR/keys/` or `keys_dir`) so that a copy of the
database or of the footage (a backup, a disk handed to IT) never carries the keys that protect it.

Modes: every folder here is 0700 and every file the service writes is 0600 (the CLI runs with
umask 077; `secure()` also tightens a site made by an older version). Keys a site made before
they had their own folder (`DIR/state/secret.key`, `DIR/state/signing_key.pem`) move there once,
at start-up (`move_legacy_keys`): hard link then unlink where both are on one filesystem, else
copy + fsync + rename; a crash in between leaves two identical copies, and the next start removes
the old one. Two different keys for one site are never guessed between: start-up stops and says so.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
DATA_UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class KeyMigrationError(RuntimeError):
    """A key exists in its old and its new place with different contents: a person must choose."""


@dataclass(frozen=True)
class DataPaths:
    """DIR/recordings holds footage; DIR/state the database and caches; the keys folder the keys."""

    root: Path
    keys_dir: Path | None = None  # default DIR/keys

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def keys(self) -> Path:
        """The camera-credential key and the evidence signing key; backed up apart from the data."""
        return self.keys_dir if self.keys_dir is not None else self.root / "keys"

    @property
    def database(self) -> Path:
        return self.state / "vms.db"

    @property
    def secret_key(self) -> Path:
        return self.keys / "secret.key"

    @property
    def clip_cache(self) -> Path:
        return self.state / "cache" / "clips"

    @property
    def snapshots(self) -> Path:
        return self.state / "snapshots"

    @property
    def live_frames(self) -> Path:
        """The newest analysed frame of each camera (`<camera>.jpg`), for the camera wall."""
        return self.state / "live"

    @property
    def media(self) -> Path:
        """Video files that `file` cameras may play (vms.sources; more folders: sources.media_dirs)."""
        return self.root / "media"

    @property
    def exports(self) -> Path:
        return self.state / "exports"

    @property
    def records(self) -> Path:
        """Files of the programme's records: agreement scans and the site map image."""
        return self.state / "records"

    @property
    def signing_key(self) -> Path:
        return self.keys / "signing_key.pem"

    def legacy_keys(self) -> dict[Path, Path]:
        """Old place -> new place of each key (versions before the keys folder kept them in state/)."""
        return {self.state / "secret.key": self.secret_key, self.state / "signing_key.pem": self.signing_key}

    def create(self) -> "DataPaths":
        for folder in (self.recordings, self.state, self.clip_cache, self.exports, self.media, self.keys):
            folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        move_legacy_keys(self)
        secure(self)
        return self

    def default_database_url(self) -> str:
        return f"sqlite:///{self.database.resolve()}"


def secure(paths: DataPaths) -> None:
    """Folders 0700, keys and the SQLite files 0600 (a site made by an older version had 0755/0644)."""
    for folder in (paths.recordings, paths.state, paths.exports, paths.media, paths.keys):
        if folder.is_dir():
            folder.chmod(PRIVATE_DIR)
    for file in (paths.secret_key, paths.signing_key, *_database_files(paths)):
        if file.is_file():
            file.chmod(PRIVATE_FILE)


def _database_files(paths: DataPaths) -> list[Path]:
    return [paths.database.with_name(paths.database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def move_legacy_keys(paths: DataPaths) -> list[Path]:
    """Move keys from their old place in state/ to the keys folder (once); the keys moved."""
    moved = []
    for old, new in paths.legacy_keys().items():
        if old.exists() and _move_key(old, new):
            moved.append(new)
            log.warning("moved %s to %s (keys now live apart from the database; back them up separately)", old, new)
    return moved


def _move_key(old: Path, new: Path) -> bool:
    """True if `old` was moved to `new`; an identical leftover copy is just removed."""
    new.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if not new.exists():
        try:
            os.link(old, new)  # atomic; a concurrent start links the same bytes or finds it done
        except FileExistsError:
            pass
        except OSError:  # another filesystem (keys_dir elsewhere): copy beside the target, then rename
            _copy_into_place(old, new)
    if not _same_bytes(old, new):
        raise KeyMigrationError(
            f"{old} and {new} are different keys: move the one this site's data was not made with out of the "
            "way (a wrong secret.key cannot decrypt camera passwords; a wrong signing key signs with a new "
            "fingerprint), then start again")
    new.chmod(PRIVATE_FILE)
    _fsync_dir(new.parent)
    try:
        old.unlink()
    except FileNotFoundError:  # a concurrent start removed it
        return False
    _fsync_dir(old.parent)
    return True


def _copy_into_place(old: Path, new: Path) -> None:
    temporary = new.with_name(f".{new.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(old.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, new)  # never replaces a key another process put there meanwhile
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except FileNotFoundError:  # `a` was moved meanwhile by a concurrent start
        return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
