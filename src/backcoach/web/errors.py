"""The one mapping from the error hierarchy (`backcoach.domain.errors`) to HTTP: a status for each kind of error.

The API answers with JSON (`{"detail": ...}`, a 422's detail naming the field as FastAPI's own validation does);
pages answer with the error page. Routes raise; they never choose a status for an application error themselves.
"""

from __future__ import annotations

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


def status_for(exc: BackcoachError) -> int:
    """The status for this error's kind; an error that chose no kind is the server's fault (500)."""
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def headers_for(exc: BackcoachError) -> dict[str, str]:
    if isinstance(exc, Throttled):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": "Bearer"}
    return {}
