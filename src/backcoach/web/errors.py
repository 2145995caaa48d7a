"""The one mapping from the error hierarchy (`backcoach.domain.errors`) to HTTP: a status for each kind of error,
the headers some kinds need, and the API's JSON body.

The API answers with JSON (`{"detail": ...}`, a 422's detail naming the field as FastAPI's own validation does);
pages answer with the error page. Routes raise; they never choose a status for an application error themselves.
"""

from __future__ import annotations

from typing import Any

from backcoach.app.safety import Blocked, ScreenNeeded
from backcoach.domain.errors import (
    BackcoachError,
    Conflict,
    InvalidInput,
    NotFound,
    Refused,
    Throttled,
    Unauthenticated,
)

STATUS: tuple[tuple[type[BackcoachError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Refused, 403),
    (Conflict, 409),
    (Unauthenticated, 401),
    (Throttled, 429),
)

# A refusal says what to do in no adapter's words; the API adds how to do it through the API.
CLEARANCE_HINT = (
    "When a clinician has cleared you to exercise, record it with POST /api/v1/clearance; if things have changed, "
    "take the screen again with POST /api/v1/screening."
)
SCREEN_HINT = "Take the screen with POST /api/v1/screening."


def status_for(exc: BackcoachError) -> int:
    """The status for this error's kind; an error that chose no kind is the server's fault (500)."""
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def headers_for(exc: BackcoachError) -> dict[str, str]:
    if isinstance(exc, Throttled):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": "Bearer"}
    return {}


def source_of(method: str) -> str:
    """Where a request's input is: the query for a GET or a DELETE, the body otherwise."""
    return "query" if method.upper() in ("GET", "HEAD", "DELETE") else "body"


def api_detail(exc: BackcoachError, method: str) -> Any:
    """The API's `detail` for this error. Invalid input reads like FastAPI's own validation errors, so a client
    handles every 422 the same way whichever layer found the problem."""
    if isinstance(exc, InvalidInput):
        return [{"loc": [source_of(method), *exc.loc], "msg": exc.message, "type": "value_error"}]
    if isinstance(exc, Blocked):
        return f"{exc.message} {CLEARANCE_HINT}"
    if isinstance(exc, ScreenNeeded):
        return f"{exc.message} {SCREEN_HINT}"
    return exc.message
