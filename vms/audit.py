"""Append-only audit log: who did what, when, from where. Nothing edits or deletes entries.

Entries are kept forever, so nothing big goes into them: strings are cut at MAX_TEXT characters,
lists at MAX_ITEMS, nesting at MAX_DEPTH, and a user name at the column's 64 characters.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vms.db.models import AuditEntry


MAX_TEXT, MAX_ITEMS, MAX_DEPTH = 500, 100, 4


def bounded(value: object, depth: int = 0) -> object:
    """`value` with long strings cut, long lists shortened and deep nesting replaced by a marker."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + f"…(+{len(value) - MAX_TEXT} chars)"
    if depth >= MAX_DEPTH and isinstance(value, (dict, list, tuple)):
        return "…(nested)"
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {str(key)[:MAX_TEXT]: bounded(item, depth + 1) for key, item in items}
    if isinstance(value, (list, tuple)):
        return [bounded(item, depth + 1) for item in value[:MAX_ITEMS]]
    return value


def audit(session: Session, username: str, action: str, target: str = "", client_ip: str = "", **details: object) -> None:
    """Add an audit entry to the caller's transaction (it commits with the action it records)."""
    session.add(AuditEntry(username=username[:64], action=action, target=str(bounded(target)),
                           client_ip=client_ip[:64], details=bounded(details)))
