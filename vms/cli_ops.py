"""`vms export`, `vms verify` and `vms users add`: evidence and accounts from scripts.

Kept apart from vms/cli.py (which only wires sub-commands) so each command group stays small.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path

from vms.config import SiteConfig, load_config

NEW_PASSWORD_ENV = "VMS_NEW_PASSWORD"


def _iso(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a time zone, e.g. 2026-11-23T14:00:00+07:00")
    return moment


def add_ops_commands(commands: argparse._SubParsersAction, add_data_arg) -> None:  # type: ignore[no-untyped-def]
    export = commands.add_parser("export", help="export a time range as a signed evidence package")
    add_data_arg(export)
    export.add_argument(
        "--config", type=Path, default=None, help="site config (for a PostgreSQL database_url)"
    )
    export.add_argument("--camera", action="append", required=True, help="camera id (repeat for several)")
    export.add_argument(
        "--from", dest="start", type=_iso, required=True, help="ISO 8601 start with time zone"
    )
    export.add_argument("--to", dest="end", type=_iso, required=True, help="ISO 8601 end with time zone")
    export.add_argument("--out", type=Path, required=True, help="new or empty folder for the package")
    export.add_argument("--case", default="", help="case number (số hồ sơ)")
    export.add_argument("--reason", default="", help="why the footage is exported")

    verify = commands.add_parser(
        "verify", help="check an evidence package against a pinned site key: OK (0), FAILED (1), UNPINNED (3)")
    verify.add_argument("folder", type=Path)
    verify.add_argument("--fingerprint", default=None,
                        help="the site key fingerprint printed on the handover form (64 hex digits)")
    verify.add_argument("--pubkey", type=Path, default=None, help="the site's public key (PEM) obtained out of band")
    verify.add_argument(
        "--data", type=Path, default=None, help="the site's data folder: pin its key and check its chain of exports"
    )
    verify.add_argument("--config", type=Path, default=None, help="site config (for a PostgreSQL database_url)")

    users = commands.add_parser("users", help="manage accounts without the web UI")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help=f"add a user (password from {NEW_PASSWORD_ENV} or a prompt)")
    add_data_arg(add)
    add.add_argument("--config", type=Path, default=None, help="site config (for a PostgreSQL database_url)")
    add.add_argument("--username", required=True)
    add.add_argument(
        "--role", required=True, choices=["admin", "installer", "operator", "investigator", "viewer"]
    )
    add.add_argument("--full-name", default="")
    add.add_argument(
        "--camera", action="append", default=[], help="restrict to this camera (repeat); default all"
    )


    unlock = user_commands.add_parser("unlock", help="lift the login locks of a user (from every address)")
    add_data_arg(unlock)
    unlock.add_argument("--config", type=Path, default=None, help="site config (for a PostgreSQL database_url)")
    unlock.add_argument("--username", required=True)

    imports = commands.add_parser("import-analysis", help="add the events of a `vms analyze` JSON to the index")
    add_data_arg(imports)
    imports.add_argument("file", type=Path, help="JSON written by `vms analyze`")
    imports.add_argument("--camera", required=True, help="camera id the footage belongs to")
    imports.add_argument("--config", type=Path, default=None, help="site config (for a PostgreSQL database_url)")
    imports.add_argument("--started-at", dest="started_at", type=_iso, default=None,
                         help="wall-clock start of the video (ISO 8601 with zone), if the analysis lacks it")


def _site(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from vms.db.migrate import upgrade
    from vms.service import Site, data_paths

    config = load_config(args.config) if args.config else SiteConfig()
    site = Site(config, data_paths(args.data, config))
    upgrade(site.database_url)
    return site


def run_export(args: argparse.Namespace) -> int:
    from vms.audit import audit
    from vms.evidence import ExportError
    from vms.exports import export_package

    if args.end <= args.start:
        print("error: --to must be after --from", file=sys.stderr)
        return 2
    site = _site(args)
    exporter = f"cli:{getpass.getuser()}"
    try:
        manifest = export_package(
            site.session_factory,
            site.paths,
            site.config,
            args.out,
            args.camera,
            args.start,
            args.end,
            args.case,
            args.reason,
            exporter,
        )
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    with site.session_factory.begin() as session:
        audit(
            session,
            exporter,
            "export_create",
            target=str(args.out.resolve()),
            cameras=args.camera,
            start=args.start.isoformat(),
            end=args.end.isoformat(),
            case_number=args.case,
            reason=args.reason,
        )
    site.engine.dispose()
    print(f"{args.out}: {len(manifest['files'])} video file(s), case {args.case or '-'}; segments on hold")
    return 0


UNPINNED_EXIT = 3


def _pinned_pem(args: argparse.Namespace) -> bytes | None:
    """The public key to pin from --pubkey or --data (raises SystemExit(2) if unreadable)."""
    from vms.evidence import load_or_create_signing_key, public_pem
    from vms.paths import DataPaths, move_legacy_keys

    if args.pubkey is not None:
        try:
            return args.pubkey.read_bytes()
        except OSError as error:
            print(f"{args.pubkey}: {error.strerror}", file=sys.stderr)
            raise SystemExit(2) from None
    if args.data is None:
        return None
    paths = DataPaths(args.data, load_config(args.config).keys_dir if args.config else None)
    move_legacy_keys(paths)  # a site not started since the keys got their own folder
    key_path = paths.signing_key
    if not key_path.is_file():
        print(f"{key_path}: this site has no signing key", file=sys.stderr)
        raise SystemExit(2)
    return public_pem(load_or_create_signing_key(key_path))


def _chain_problem(args: argparse.Namespace, manifest_sha256: str) -> str | None:
    """With --data: the package's manifest must be one this site recorded in its chain of exports."""
    from vms.exports import chain_entries

    site = _site(args)
    try:
        with site.session_factory() as session:
            known = {entry.details.get("manifest_sha256") for entry in chain_entries(session)}
    finally:
        site.engine.dispose()
    if manifest_sha256 in known:
        return None
    return "manifest.json: not in this site's chain of exports (replaced, or not exported here)"


def run_verify(args: argparse.Namespace) -> int:
    from vms.evidence import verify_package

    if not args.folder.is_dir():
        print(f"{args.folder}: not a folder", file=sys.stderr)
        return 2
    try:
        result = verify_package(args.folder, _pinned_pem(args), args.fingerprint)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if result.intact and args.data is not None:
        problem = _chain_problem(args, result.manifest_sha256)
        if problem:
            result.problems.append(problem)
    if result.ok:
        print("OK")
        return 0
    if result.intact:
        print(f"UNPINNED signed with key {result.fingerprint}: the files match their signature, but anyone can "
              "sign with a new key. Compare this fingerprint with the handover form, then run again with "
              "--fingerprint (or --pubkey / --data).")
        return UNPINNED_EXIT
    for problem in result.problems:
        print(f"FAILED {problem}")
    return 1


def run_unlock(args: argparse.Namespace) -> int:
    from vms.audit import audit
    from vms.auth import unlock

    site = _site(args)
    try:
        with site.session_factory.begin() as session:
            lifted = unlock(session, args.username)
            audit(session, f"cli:{getpass.getuser()}", "user_unlock", target=args.username, locks=lifted)
    finally:
        site.engine.dispose()
    print(f"user {args.username}: {lifted} lock(s) lifted")
    return 0


def run_users(args: argparse.Namespace) -> int:
    if args.users_command == "unlock":
        return run_unlock(args)
    from vms.access import set_user_cameras
    from vms.audit import audit
    from vms.auth import PasswordPolicyError, create_user

    password = os.environ.get(NEW_PASSWORD_ENV) or getpass.getpass(f"password for {args.username}: ")
    site = _site(args)
    try:
        with site.session_factory.begin() as session:
            user = create_user(session, args.username, password, args.role, args.full_name)
            set_user_cameras(session, user.id, args.camera)
            audit(
                session,
                f"cli:{getpass.getuser()}",
                "user_create",
                target=args.username,
                role=args.role,
                cameras=sorted(args.camera),
            )
    except (PasswordPolicyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # e.g. the user name is taken (an IntegrityError from either engine)
        print(f"error: cannot add {args.username}: {type(error).__name__}", file=sys.stderr)
        return 1
    finally:
        site.engine.dispose()
    print(f"user {args.username} ({args.role}) added")
    return 0


def dispatch(args: argparse.Namespace) -> int | None:
    """Run an ops command, or None when `args.command` is not one of them."""
    handlers = {"export": run_export, "verify": run_verify, "users": run_users, "import-analysis": run_import}
    handler = handlers.get(args.command)
    return handler(args) if handler else None


def run_import(args: argparse.Namespace) -> int:
    import json

    from pydantic import ValidationError

    from vms.audit import audit
    from vms.db.models import Camera
    from vms.event_import import Analysis, ImportError_, import_analysis

    try:
        analysis = Analysis.model_validate(json.loads(args.file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as error:
        print(f"error: {args.file}: not a readable analysis ({error})", file=sys.stderr)
        return 2
    site = _site(args)
    with site.session_factory.begin() as session:
        if session.get(Camera, args.camera) is None:
            print(f"error: no camera {args.camera!r} in this site", file=sys.stderr)
            return 2
        try:
            rows = import_analysis(session, args.camera, analysis, args.started_at)
        except ImportError_ as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        audit(session, f"cli:{getpass.getuser()}", "events_import", target=args.camera, file=str(args.file),
              events=len(rows))
    print(f"imported {len(rows)} events for camera {args.camera}")
    return 0
