"""One hierarchy for every error a person can cause or meet, so each adapter maps it once.

Each class says what kind of problem it is, not where it happened: the web maps `InvalidInput` to 422, `Refused` to
403, `NotFound` to 404 and so on (`backcoach.web.errors`); the command line maps the same classes to exit codes
(`backcoach.cli.errors`). A new error only has to choose its parent to be answered correctly everywhere.

Every error carries `loc`, the path of the field it is about (empty when it is about no one field), and `message`,
the words for a person without the field's name in front.
"""

from __future__ import annotations

from collections.abc import Sequence

Loc = tuple[str | int, ...]


class BackcoachError(Exception):
    """The base of the hierarchy. `str(error)` is the full message, with the field in front when there is one."""

    def __init__(self, message: str, loc: Sequence[str | int] = ()) -> None:
        self.loc: Loc = tuple(loc)
        self.message = message
        where = ".".join(str(p) for p in self.loc)
        super().__init__(f"{where}: {message}" if where else message)


class InvalidInput(BackcoachError, ValueError):
    """A value outside what is allowed, or a combination that cannot work: the person can fix it (422, exit 2)."""


class NotFound(BackcoachError, LookupError):
    """No such thing for this person; someone else's counts as none (404, exit 1)."""


class Refused(BackcoachError):
    """The request is understood and refused for the person's safety: a blocking or missing safety screen
    (403, exit 3)."""


class Conflict(BackcoachError):
    """The request clashes with what is stored, such as an email already registered (409, exit 1)."""


class Unauthenticated(BackcoachError):
    """Wrong or missing credentials (401)."""


class Throttled(BackcoachError):
    """Too many attempts: try again after `retry_after` seconds (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
