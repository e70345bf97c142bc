"""The running site: prepares the database and disk, starts workers, janitor and web server.

Start-up order matters after a crash: migrate, sync cameras, reconcile the index with the disk,
and only then start workers (so recovery never races a writer).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from vms.api.app import create_app
from vms.api.gc_policy import steady_gc
from vms.api.context import AppContext
from vms.auth import ensure_admin
from vms.cameras import sync_cameras, worker_specs
from vms.config import ServerConfig, SiteConfig
from vms.db.engine import POOL_RESERVE, make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.exports import ExportRunner
from vms.paths import DataPaths
from vms.recordings import reconcile
from vms.runtime.detector_scheduler import SchedulerConfig
from vms.runtime.detector_service import DetectorServiceSpec
from vms.runtime.metrics import node_snapshot
from vms.runtime.remote_detector import service_stats
from vms.runtime.supervisor import Supervisor
from vms.runtime.worker import WorkerSpec
from vms.records.watcher import MaintenanceWatcher
from vms.secrets import CredentialVault
from vms.sources import check_config_sources, site_policy
from vms.storage import GB, Janitor, StoragePolicy
from vms import web_processes

log = logging.getLogger(__name__)
ADMIN_PASSWORD_ENV = "VMS_ADMIN_PASSWORD"


def camera_processes(worker_pids: dict[str, int | None]) -> dict[str, int | None]:
    """camera -> pid as process name -> pid: `camera:ID`, or `camera:ID1,ID2` for a process serving
    several cameras (`workers.cameras_per_process`), so each process is counted once."""
    by_pid: dict[int | None, list[str]] = {}
    for cid, pid in worker_pids.items():
        if pid is None:
            by_pid.setdefault(None, []).append(cid)  # not running: one entry per camera
            continue
        by_pid.setdefault(pid, []).append(cid)
    out: dict[str, int | None] = {}
    for pid, cids in by_pid.items():
        if pid is None:
            out.update({f"camera:{cid}": None for cid in cids})
        else:
            out["camera:" + ",".join(cids)] = pid
    return out


@dataclass
class Site:
    """One deployment: its config, data folder and the parts that run."""

    config: SiteConfig
    paths: DataPaths
    database_url: str = ""
    vault: CredentialVault = field(init=False)

    def __post_init__(self) -> None:
        self.paths.create()
        self.database_url = self.database_url or self.config.database_url or self.paths.default_database_url()
        self.vault = CredentialVault(self.paths.secret_key)
        server = self.config.server
        self.engine = make_engine(self.database_url, pool_size=server.max_active_requests + POOL_RESERVE,
                                  pool_timeout_s=max(5.0, 2 * server.queue_timeout_s))
        self.session_factory = make_session_factory(self.engine)
        self.supervisor: Supervisor | None = None
        self.web_helpers: list = []  # helper web processes (server.workers > 1), see vms.web_processes
        self.janitor: Janitor | None = None
        self.maintenance: MaintenanceWatcher | None = None
        self.exporter = ExportRunner(self.session_factory, self.paths, self.config)
        self.detector_service = detector_service_spec(self.config)
        self.source_policy = site_policy(self.config, self.paths)

    def prepare(self) -> None:
        """Migrate, sync configured cameras, create the first admin, repair the index."""
        check_config_sources(self.config, self.paths)  # a refused camera source stops start-up, naming its key
        upgrade(self.database_url)
        with self.session_factory.begin() as session:
            sync_cameras(session, self.config.cameras, self.vault)
            generated = ensure_admin(session, os.environ.get(ADMIN_PASSWORD_ENV))
        if generated:
            # Printed once, on the console of whoever started the service; stored only as a hash.
            print(f"Created user 'admin' with password: {generated}  (change it after logging in)", flush=True)
        self.exporter.recover()
        report = reconcile(self.session_factory, self.paths.recordings.resolve())
        log.info("index reconciled: %s", report)

    def current_specs(self) -> list[WorkerSpec]:
        with self.session_factory() as session:
            specs = worker_specs(session, self.vault, self.paths, self.database_url, self.config.recording,
                                 self.config.cameras, self.config.timezone)
        metrics = self.paths.state / "metrics"
        specs = [dataclasses.replace(s, source_policy=self.source_policy) for s in specs]
        return [dataclasses.replace(s, analysis=dataclasses.replace(
                    s.analysis, detector_service=self.detector_service, metrics_root=metrics.resolve()))
                if s.analysis is not None else s for s in specs]

    def cameras_changed(self) -> None:
        """Cameras changed through the API: start, restart or stop their workers to match."""
        if self.supervisor is not None:
            self.supervisor.sync(self.current_specs())

    def start_background(self) -> None:
        self.supervisor = Supervisor(self.current_specs(), detector=self.detector_service,
                                     cameras_per_process=self.config.workers.cameras_per_process)
        self.supervisor.start()
        storage = self.config.storage
        policy = StoragePolicy(
            quota_bytes=int(storage.quota_gb * GB) if storage.quota_gb else None,
            min_free_bytes=int(storage.min_free_gb * GB),
            min_retention_days=storage.min_retention_days,
        )
        self.janitor = Janitor(self.session_factory, self.paths.recordings.resolve(), policy, self.paths.clip_cache)
        self.janitor.start(storage.check_interval_s)
        self.maintenance = MaintenanceWatcher(self.session_factory, self.config.programme)
        self.maintenance.start()

    def stop_background(self) -> None:
        if self.maintenance is not None:
            self.maintenance.stop()
        if self.janitor is not None:
            self.janitor.stop()
        if self.supervisor is not None:
            self.supervisor.stop()
        self.exporter.shutdown()

    def app_context(self) -> AppContext:
        supervisor = self.supervisor

        def worker_info() -> dict[str, dict[str, int | None]]:
            if supervisor is None:
                return {}
            restarts = supervisor.restarts()
            return {cid: {"pid": pid, "restarts": restarts[cid]} for cid, pid in supervisor.worker_pids().items()}

        return AppContext(self.config, self.paths, self.session_factory, self.vault, worker_info,
                          cameras_changed=self.cameras_changed, exporter=self.exporter,
                          node_metrics=self.node_metrics)

    def node_metrics(self) -> dict:
        """Figures of every process of this node (for /metrics and the health page)."""
        detector = None
        if self.detector_service is not None:
            detector = service_stats(self.detector_service.address, self.detector_service.authkey, timeout_s=1.0)
        return node_snapshot(self.paths.state / "metrics", self.node_processes(), detector)

    def node_processes(self) -> dict[str, int | None]:
        """Process name -> pid of this node: web (and web:N helpers), camera workers, detector."""
        processes: dict[str, int | None] = {"web": os.getpid()}
        processes.update({f"web:{n}": helper.pid for n, helper in enumerate(self.web_helpers, start=2)})
        if self.supervisor is not None:
            processes.update(camera_processes(self.supervisor.worker_pids()))
            processes["detector"] = self.supervisor.detector_pid()
        return processes

    def helper_args(self) -> dict:
        """What a helper web process needs to serve this site's API (vms.web_processes)."""
        return {"config": self.config, "paths": self.paths, "database_url": self.database_url,
                "detector": self.detector_service}

    def run(self, duration_s: float | None = None) -> None:
        """Prepare, start everything, serve HTTP until interrupted or `duration_s` elapses."""
        self.prepare()
        self.start_background()
        server_config = self.config.server
        config = uvicorn_config(create_app(self.app_context()), server_config)
        sockets, map_writer = None, None
        if server_config.workers > 1:
            # One listening socket, accepted on by this process and `workers - 1` helpers.
            sockets = [config.bind_socket()]
            web_processes.on_cameras_changed(self.cameras_changed)
            self.web_helpers = web_processes.start_helpers(server_config.workers - 1, self.helper_args(), sockets[0])
            map_writer = web_processes.ProcessMapWriter(self.paths.state, self.node_processes)
            map_writer.start()
        server = uvicorn.Server(config)
        timer = None
        if duration_s is not None:
            timer = threading.Timer(duration_s, lambda: setattr(server, "should_exit", True))
            timer.daemon = True
            timer.start()
        print(f"VMS serving on http://{server_config.host}:{server_config.port}  (data: {self.paths.root.resolve()})",
              flush=True)
        steady_gc()  # no full collections of the startup heap while serving (vms.api.gc_policy)
        try:
            server.run(sockets=sockets)
        finally:
            if timer is not None:
                timer.cancel()
            web_processes.stop_helpers(self.web_helpers)
            if map_writer is not None:
                map_writer.stop()
            self.stop_background()
            self.engine.dispose()


def uvicorn_config(app: object, server_config: ServerConfig) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=server_config.host, port=server_config.port, log_level="warning", access_log=False,
        # Open pages hold streams (pushed events, live video) that never end by themselves: on
        # stop, give requests 3 s, then close them (pages reconnect).
        timeout_graceful_shutdown=3,
        # Live video frames are H.264 already: compressing each WebSocket message
        # (permessage-deflate, on by default) costs CPU per viewer and saves nothing.
        ws_per_message_deflate=False,
        # X-Forwarded-* only from a configured proxy: otherwise any client (even one on
        # loopback) could write another address into the audit log.
        proxy_headers=bool(server_config.trusted_proxies),
        forwarded_allow_ips=",".join(server_config.trusted_proxies) or "")


@dataclass
class HelperSite:
    """A helper web process of a site (server.workers > 1): its API only, on the site's socket."""

    site: Site
    site_pid: int

    def node_metrics(self) -> dict:
        state, detector = self.site.paths.state, self.site.detector_service
        processes = web_processes.read_process_map(state) or {"web": os.getpid()}
        stats = service_stats(detector.address, detector.authkey, timeout_s=1.0) if detector is not None else None
        return node_snapshot(state / "metrics", processes, stats)

    def serve(self, sock: socket.socket) -> None:
        site = self.site
        context = dataclasses.replace(
            site.app_context(), node_metrics=self.node_metrics,
            cameras_changed=lambda: os.kill(self.site_pid, web_processes.CAMERAS_CHANGED))
        server = uvicorn.Server(uvicorn_config(create_app(context), site.config.server))
        steady_gc()
        try:
            server.run(sockets=[sock])
        finally:
            site.exporter.shutdown()
            site.engine.dispose()


def helper_site(args: dict, site_pid: int) -> HelperSite:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    site = Site(args["config"], args["paths"], args["database_url"])
    site.detector_service = args["detector"]  # the site's own detector service, not a fresh address
    return HelperSite(site, site_pid)


def detector_service_spec(config: SiteConfig) -> DetectorServiceSpec | None:
    """Where this run's detector service listens (a fresh abstract socket and key per run)."""
    settings = config.detector_service
    if not settings.enabled:
        return None
    scheduler = SchedulerConfig(settings.max_pending, settings.max_wait_s, settings.budget_runs_per_s)
    return DetectorServiceSpec(f"\0vms-detector-{os.getpid()}-{secrets.token_hex(4)}", secrets.token_bytes(32),
                               scheduler)


def data_paths(data_dir: Path | None, config: SiteConfig) -> DataPaths:
    return DataPaths(Path(data_dir or config.data_dir or "."), config.keys_dir)
