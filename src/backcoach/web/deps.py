"""Request dependencies: the wired application, and who is asking (bearer token, or a browser's sign-in + CSRF)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from backcoach.app import accounts
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import Unauthenticated

# The name predates the word "sign-in"; kept so that an upgrade signs nobody out.
SIGNIN_COOKIE = "backcoach_session"
MAX_ID = 2**63 - 1

# A row id as it arrives in a URL: bounded, so an absurd number is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


# The dependencies are `async def` although they call the database: FastAPI runs a plain `def` dependency in its
# thread pool, one hop per dependency per request, and those hops cost more than the one indexed row read here.
# Reads of one row never wait for a lock (SQLite's WAL, PostgreSQL's MVCC), so the event loop is not held up.


async def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Caller:
    user_id: int
    email: str | None
    csrf: str | None
    via: str
    revision: int = 0
    """The person's revision when this request began: what their cached plan and pages are matched against."""
    role: str = "patient"
    """What the token carries: "patient" or "clinician" (docs/clinician.md)."""
    verified: bool = False


async def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, or None for any other or no header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


BearerToken = Annotated[str | None, Depends(bearer_token)]


async def api_caller(request: Request, runtime: RuntimeDep, token: BearerToken) -> Caller:
    """A bearer token; or, for the app's own pages, the sign-in cookie with the CSRF header on every change."""
    if token:
        signed = accounts.resolve_token(runtime, token, "api")
        if signed is None:
            raise Unauthenticated("invalid or expired token")
        return Caller(signed.user_id, signed.email, None, "bearer", signed.revision, signed.role, signed.verified)
    cookie = request.cookies.get(SIGNIN_COOKIE)
    signed = accounts.resolve_token(runtime, cookie, "browser") if cookie else None
    if signed is None:
        raise Unauthenticated("sign in, or send a bearer token")
    if request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        if not signed.csrf or not secrets.compare_digest(sent, signed.csrf):
            raise HTTPException(403, "missing or wrong CSRF token")
    return Caller(signed.user_id, signed.email, signed.csrf, "browser", signed.revision, signed.role, signed.verified)


ApiCaller = Annotated[Caller, Depends(api_caller)]


def cookie_caller(request: Request, runtime: Runtime) -> Caller | None:
    """Who the sign-in cookie signs in, if anyone."""
    cookie = request.cookies.get(SIGNIN_COOKIE)
    signed = accounts.resolve_token(runtime, cookie, "browser") if cookie else None
    if signed is None:
        return None
    return Caller(signed.user_id, signed.email, signed.csrf, "browser", signed.revision, signed.role, signed.verified)


async def page_caller(request: Request, runtime: RuntimeDep) -> Caller | None:
    return cookie_caller(request, runtime)


PageCaller = Annotated[Caller | None, Depends(page_caller)]
