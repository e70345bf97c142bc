"""Many keep-alive HTTP/1.1 clients on loopback, raw asyncio (cheap enough to run hundreds in one process).

Used by tests/security/test_overload.py (bounded: a fixed number of requests per client) and by
bench/api_load.py (bounded by time). Each client cycles through `kinds` on its own connection,
reconnects after an error, and honours `Retry-After` after a 503 like a well-behaved client would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    kind: str
    status: int | None  # None: no answer within the timeout (or the connection broke)
    seconds: float
    retry_after: str | None = None
    body: bytes = b""


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
                   cookie: str) -> tuple[int, str | None, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers.get("retry-after"), body


async def client(port: int, cookie: str, kinds: list[tuple[str, str]], offset: int, timeout_s: float,
                 out: list[Answer], deadline: float | None = None, count: int | None = None,
                 keep_bodies: bool = False) -> None:
    """One client: requests until `deadline` (monotonic) or `count` requests, whichever comes first."""
    reader = writer = None
    done = 0
    while (deadline is None or time.monotonic() < deadline) and (count is None or done < count):
        kind, path = kinds[(offset + done) % len(kinds)]
        done += 1
        started = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout_s)
            status, retry_after, body = await asyncio.wait_for(_request(reader, writer, path, cookie), timeout_s)
        except (asyncio.TimeoutError, TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            out.append(Answer(kind, None, time.monotonic() - started))
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        out.append(Answer(kind, status, time.monotonic() - started, retry_after, body if keep_bodies else b""))
        if status == 503:
            await asyncio.sleep(float(retry_after or 1))  # honour Retry-After
    if writer is not None:
        writer.close()


async def flood(port: int, cookie: str, kinds: list[tuple[str, str]], clients: int, timeout_s: float,
                deadline: float | None = None, count: int | None = None, keep_bodies: bool = False) -> list[Answer]:
    out: list[Answer] = []
    await asyncio.gather(*(client(port, cookie, kinds, n, timeout_s, out, deadline, count, keep_bodies)
                           for n in range(clients)))
    return out
