"""Threat: stolen sessions and login abuse. Whoever learnt a password must lose access when it is
changed or reset; nobody on the network may keep an account locked, learn which user names exist,
or write another client address into the audit log.

Different loopback source addresses (127.0.0.2-5) stand for different machines: the attacker's,
the control room's. All requests are real HTTP to the real service.
"""

from __future__ import annotations

import httpx
import pytest

from tests.security import service as svc
from vms.cli import main


def _from(service: svc.Service, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=service.url, transport=transport, timeout=30, trust_env=False)


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def _new_user(service: svc.Service, username: str, password: str = "Bat-Dau-2026") -> int:
    created = service.client("admin").post("/api/users", json={"username": username, "password": password,
                                                                "role": "operator"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_password_change_ends_the_other_sessions(service: svc.Service) -> None:
    _new_user(service, "doi-mat-khau")
    stolen, own = service.client(), service.client()
    assert _login(stolen, "doi-mat-khau", "Bat-Dau-2026").status_code == 200
    assert _login(own, "doi-mat-khau", "Bat-Dau-2026").status_code == 200
    changed = own.post("/api/auth/password", json={"old_password": "Bat-Dau-2026", "new_password": "Moi-Hon-2026x"})
    assert changed.status_code == 204
    assert stolen.get("/api/auth/me").status_code == 401  # before the fix: 200
    assert own.get("/api/auth/me").status_code == 200  # the device that changed it stays logged in


def test_admin_reset_ends_every_session_of_that_user(service: svc.Service) -> None:
    user_id = _new_user(service, "bi-lo-mat-khau")
    stolen = service.client()
    assert _login(stolen, "bi-lo-mat-khau", "Bat-Dau-2026").status_code == 200
    reset = service.client("admin").patch(f"/api/users/{user_id}", json={"password": "Cap-Lai-2026x"})
    assert reset.status_code == 200
    assert stolen.get("/api/auth/me").status_code == 401


def test_nobody_can_lock_the_admin_out_of_the_control_room(service: svc.Service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    attacker, control_room = _from(service, "127.0.0.2"), _from(service, "127.0.0.3")
    codes = [_login(attacker, "admin", "doan-bua").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 423]
    assert _login(attacker, "admin", svc.ADMIN_PASSWORD).status_code == 423  # locked, for that address
    assert _login(control_room, "admin", svc.ADMIN_PASSWORD).status_code == 200  # before the fix: 423
    # An administrator lifts the lock from the console.
    assert main(["users", "unlock", "--data", str(service.data), "--username", "admin"]) == 0
    assert _login(attacker, "admin", svc.ADMIN_PASSWORD).status_code == 200


def test_locked_and_unknown_user_names_get_the_same_answers(service: svc.Service) -> None:
    attacker = _from(service, "127.0.0.4")
    answers = {}
    for username in ("viewer", "khong-co-ai"):
        replies = [_login(attacker, username, "doan-bua") for _ in range(6)]
        answers[username] = [(r.status_code, r.json()["detail"]["code"], r.json()["detail"]["message"], "retry-after" in r.headers)
                             for r in replies]
    assert answers["viewer"] == answers["khong-co-ai"]  # before the fix: 423 only for the real account
    assert [code for code, _, _, _ in answers["viewer"]] == [401, 401, 401, 401, 423, 423]


def test_password_spraying_from_one_address_is_throttled(service: svc.Service) -> None:
    sprayer = _from(service, "127.0.0.5")
    codes = [_login(sprayer, f"nguoi-{i}", "Mat-Khau-1").status_code for i in range(20)]
    assert codes[:19] == [401] * 19 and codes[19] == 423
    assert _login(sprayer, "operator", svc.ROLE_PASSWORD).status_code == 423  # the whole address waits


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP"])
def test_client_address_in_the_audit_log_cannot_be_forged(service: svc.Service, header: str) -> None:
    client = service.client()
    client.post("/api/auth/login", json={"username": "gia-mao", "password": "x"}, headers={header: "203.0.113.9"})
    items = service.client("admin").get("/api/audit", params={"limit": 50}).json()["items"]
    entry = next(i for i in items if i["action"] == "login_failed" and i["username"] == "gia-mao")
    assert entry["client_ip"] == "127.0.0.1"  # before the fix: 203.0.113.9 (uvicorn trusted loopback)


@pytest.mark.parametrize(("role", "password"), [("viewer", "Password1"), ("viewer", "Aaaaaaa1"),
                                                ("viewer", "Matkhau2026"), ("admin", "Short-Pass1")])
def test_guessable_passwords_are_refused(service: svc.Service, role: str, password: str) -> None:
    answer = service.client("admin").post("/api/users", json={"username": f"yeu-{len(password)}-{role}",
                                                              "password": password, "role": role})
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "password.too_weak"


def test_browser_headers_forbid_framing_sniffing_and_foreign_code(service: svc.Service) -> None:
    page = service.client().get("/")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert f"ws://127.0.0.1:{service.port}" in policy and "media-src 'self' blob:" in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_session_cookie_is_secure_behind_a_tls_proxy() -> None:
    """Over TLS (here: a trusted proxy saying X-Forwarded-Proto: https) the cookie carries Secure."""
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="vms-security-tls-"))
    proxied = svc.start(base, {"server": {"trusted_proxies": ["127.0.0.1"]}})
    try:
        client = proxied.client()
        plain = _login(client, "admin", svc.ADMIN_PASSWORD)
        assert "secure" not in plain.headers["set-cookie"].lower()
        tls = client.post("/api/auth/login", json={"username": "admin", "password": svc.ADMIN_PASSWORD},
                          headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
        assert "secure" in tls.headers["set-cookie"].lower()
        items = proxied.client("admin").get("/api/audit", params={"action": "login", "limit": 5}).json()["items"]
        assert "198.51.100.7" in {i["client_ip"] for i in items}  # from the configured proxy: believed
    finally:
        svc.stop(proxied)
        shutil.rmtree(base, ignore_errors=True)
