"""Login, logout and who-am-I. Failed and successful logins are audit-logged."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from vms.api.deps import SESSION_COOKIE, ContextDep, CurrentUser, SessionDep, client_ip, request_token
from vms.api.errors import ApiError, register
from vms.audit import audit
from vms.auth import LoginError, authenticate, end_session, issue_session

router = APIRouter(prefix="/api/auth", tags=["auth"])
LOGIN_FAILED = register("auth.login_failed", "wrong user name or password")
ACCOUNT_LOCKED = register("auth.locked", "account locked after repeated failures until {locked_until}")


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    username: str
    role: str
    full_name: str


class LoginResponse(BaseModel):
    token: str
    user: UserOut


@router.post("/login", response_model=LoginResponse)
def login(body: LoginRequest, request: Request, response: Response, db: SessionDep, ctx: ContextDep) -> LoginResponse:
    ip = client_ip(request)
    try:
        user = authenticate(db, body.username, body.password, client_ip=ip)
    except LoginError as error:
        audit(db, body.username, "login_failed", client_ip=ip, reason=str(error))
        db.commit()
        if error.locked_until is None:
            raise ApiError(status.HTTP_401_UNAUTHORIZED, LOGIN_FAILED, str(error)) from None
        wait = max(1, int((error.locked_until - datetime.now(timezone.utc)).total_seconds()) + 1)
        raise ApiError(status.HTTP_423_LOCKED, ACCOUNT_LOCKED, str(error), headers={"Retry-After": str(wait)},
                       locked_until=error.locked_until.isoformat()) from None
    issued = issue_session(db, user, ctx.config.server.session_hours, ip)
    audit(db, user.username, "login", client_ip=ip)
    db.commit()
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=int(ctx.config.server.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",  # over TLS (directly or via a trusted proxy): never sent in clear
    )
    return LoginResponse(token=issued.token, user=UserOut(username=user.username, role=user.role, full_name=user.full_name))


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, user: CurrentUser, db: SessionDep) -> None:
    token = request_token(request)
    if token:
        end_session(db, token)
    audit(db, user.username, "logout", client_ip=client_ip(request))
    db.commit()
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut(username=user.username, role=user.role, full_name=user.full_name)
