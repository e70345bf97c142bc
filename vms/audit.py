"""Append-only audit log: who did what, when, from where. Nothing edits or deletes entries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vms.db.models import AuditEntry


def audit(session: Session, username: str, action: str, target: str = "", client_ip: str = "", **details: object) -> None:
    """Add an audit entry to the caller's transaction (it commits with the action it records)."""
    session.add(AuditEntry(username=username, action=action, target=target, client_ip=client_ip, details=details))
