"""Stream URIs and credentials: keep them apart, join them only when opening a stream.

The service stores credentials separately (encrypted) and URIs without them; the recorder
joins them with ``with_credentials`` just before opening the stream.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port is not None else host


def split_credentials(uri: str) -> tuple[str, str | None, str | None]:
    """(uri without user info, user or None, password or None), user info URL-decoded.

    For cameras added by a plain ``rtsp://user:pass@host/...`` URL and for cameras whose
    GetStreamUri embeds the credentials.
    """
    parts = urlsplit(uri.strip())
    if parts.username is None and parts.password is None:
        return uri.strip(), None, None
    clean = urlunsplit(parts._replace(netloc=_netloc(parts.hostname or "", parts.port)))
    user = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return clean, user, password


def strip_credentials(uri: str) -> str:
    """The URI without any ``user:password@``."""
    return split_credentials(uri)[0]


def with_credentials(uri: str, username: str | None, password: str | None) -> str:
    """The URI with ``user:password@`` inserted (percent-encoded), e.g. for PyAV/FFmpeg.

    Never log or store the result: it carries the password.
    """
    clean = strip_credentials(uri)
    if not username:
        return clean
    parts = urlsplit(clean)
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{_netloc(parts.hostname or '', parts.port)}"))
