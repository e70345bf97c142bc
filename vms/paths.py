"""Where a site keeps its state. Everything lives under one data folder (`--data DIR`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataPaths:
    """DIR/recordings holds footage; DIR/state holds the database, keys and caches."""

    root: Path

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def database(self) -> Path:
        return self.state / "vms.db"

    @property
    def secret_key(self) -> Path:
        return self.state / "secret.key"

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
        return self.state / "signing_key.pem"

    def create(self) -> "DataPaths":
        for folder in (self.recordings, self.state, self.clip_cache, self.exports, self.media):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def default_database_url(self) -> str:
        return f"sqlite:///{self.database.resolve()}"
