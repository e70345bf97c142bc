"""The `vms` command line. Every command takes `--data DIR` (all state under DIR)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from detectors.rules.config import DEFAULT_TIMEZONE
from vms.cli_ops import add_ops_commands, dispatch
from vms.config import ConfigError, SiteConfig, load_config
from vms.paths import DATA_UMASK, KeyMigrationError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEMO_CONFIG = CONFIG_DIR / "demo.yaml"


def _add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, help="data folder (recordings/ and state/); default: .")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vms", description="Camera giám sát ANTT: video management service")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="simulated cameras, recording and web UI on http://127.0.0.1:8000")
    _add_data_arg(demo)
    demo.add_argument("--duration", type=float, default=None, help="stop cleanly after this many seconds")
    demo.add_argument("--port", type=int, default=None, help="web port (default 8000)")
    demo.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")

    serve = commands.add_parser("serve", help="run the service for the cameras in a config file")
    serve.add_argument("--config", type=Path, required=True, help="YAML site configuration")
    _add_data_arg(serve)
    serve.add_argument("--duration", type=float, default=None, help="stop cleanly after this many seconds")
    serve.add_argument("--port", type=int, default=None, help="override server.port")
    serve.add_argument("--host", default=None, help="override server.host")

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("config", type=Path)
    add_ops_commands(commands, _add_data_arg)
    _add_analyze(commands)
    return parser


def _add_analyze(commands: argparse._SubParsersAction) -> None:
    analyze = commands.add_parser("analyze", help="find events and tracks in a video file (handed-in footage, exports)")
    analyze.add_argument("file", type=Path, help="video file readable by FFmpeg")
    analyze.add_argument("--json", type=Path, required=True, dest="json_out", help="write the events and tracks here")
    analyze.add_argument("--rules", type=Path, default=None,
                         help="YAML file with a 'rules:' list (default: hit_and_run + tamper)")
    analyze.add_argument("--detector", default=None,
                         help="detector config as YAML, e.g. '{type: ssd_tflite}' (default: NanoDet-g, type nanodet)")
    analyze.add_argument("--every", type=int, default=1, help="analyse every n-th frame (default 1)")
    analyze.add_argument("--detect-fps", type=float, default=5.0,
                         help="frames per second analysed, as on a live camera (default 5; 0: every frame)")
    analyze.add_argument("--start", default=None,
                         help="wall time of the first frame, ISO 8601 (e.g. 2024-05-01T21:30:00+07:00)")
    analyze.add_argument("--timezone", default=DEFAULT_TIMEZONE, help="time zone for rule schedules")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_analyze(args: argparse.Namespace) -> int:
    from datetime import datetime

    from vms.analyze import load_rules, parse_detector, run  # heavy imports only for this command

    try:
        started = datetime.fromisoformat(args.start) if args.start else None
    except ValueError:
        raise ConfigError(f"--start: not an ISO 8601 time: {args.start!r}") from None
    if started is not None and started.tzinfo is None:
        raise ConfigError("--start: give a UTC offset, e.g. 2024-05-01T21:30:00+07:00")
    if args.every < 1:
        raise ConfigError("--every: must be at least 1")
    if not 0 <= args.detect_fps <= 120:
        raise ConfigError("--detect-fps: must be between 0 (every frame) and 120")
    report = run(args.file, args.json_out, rules=load_rules(args.rules, args.timezone),
                 detector=parse_detector(args.detector), every=args.every,
                 detect_fps=args.detect_fps or None, started_at=started,
                 progress=not args.no_progress)
    kinds: dict[str, int] = {}
    for event in report["events"]:
        kinds[event["type"]] = kinds.get(event["type"], 0) + 1
    print(f"{args.file}: {report['frames']} frames, {len(report['tracks'])} tracks, events {kinds or 'none'} "
          f"(detector {report['detector']}) -> {args.json_out}")
    return 0


def _with_server(config: SiteConfig, args: argparse.Namespace) -> SiteConfig:
    """Apply --host/--port over the config file's server section."""
    update = {key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None}
    if not update:
        return config
    return config.model_copy(update={"server": config.server.model_copy(update=update)})


def _run_site(config: SiteConfig, data: Path | None, duration: float | None) -> int:
    from vms.service import Site, data_paths  # heavy imports only for commands that run the site

    Site(config, data_paths(data, config)).run(duration_s=duration)
    return 0


def main(argv: list[str] | None = None) -> int:
    # Everything the service writes (database, footage, exports, keys) is for its own user only; the
    # workers it spawns inherit this.
    os.umask(DATA_UMASK)
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        if args.command == "check-config":
            config = load_config(args.config)
            from vms.service import data_paths
            from vms.sources import check_config_sources

            check_config_sources(config, data_paths(None, config))
            print(f"{args.config}: OK ({len(config.cameras)} cameras)")
            return 0
        if args.command == "demo":
            return _run_site(_with_server(load_config(DEMO_CONFIG), args), args.data, args.duration)
        if args.command == "serve":
            return _run_site(_with_server(load_config(args.config), args), args.data, args.duration)
        if args.command == "analyze":
            return _run_analyze(args)
        ops = dispatch(args)
        if ops is not None:
            return ops
    except (ConfigError, KeyMigrationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
