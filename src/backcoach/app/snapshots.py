"""The last plan printed as JSON, kept on disk with everything it was made from, so that the same request can be
answered again without the application layer when nothing has changed (`backcoach plan --json`, docs/cli.md).

A plan depends on the person's record (sessions, screens, clearances, preferences, checks), on the day, on how
long their safety screen holds, on the options asked for, and on the content and code. A snapshot is served only
when every one of them is the same as when it was made:

- the person's revision, read from the database now: it is bumped in the same transaction as every write to their
  data (`Runtime.unit`), so a new screen that rules out exercise, or a session recorded in another process, makes
  it differ, and the full path then plans (or refuses) as before;
- the same local user (its id, and its creation time, which tells a database started afresh from the one the plan
  was read from) in the same database file;
- the same options and --date, and, for today's plan, the same local date;
- the present moment before the plan's `valid_until` (the next local midnight, or the latest screen expiring);
- the same package (`content.fingerprint`: version, content and code).

Standard library only (and the two light modules below it), so that `backcoach plan --json` can read it before
click, pydantic or SQLAlchemy are imported. SQLite only: with PostgreSQL there is no file to look at cheaply.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

from backcoach import content
from backcoach.settings import Settings

FILE = "plan.json"
FORMAT = 1
USER_QUERY = "SELECT id, revision, created_at FROM users WHERE is_local = 1 ORDER BY id LIMIT 1"


def database_file(settings: Settings) -> Path | None:
    """The SQLite database the application uses (as `storage.engine.database_url` names it), or None for a
    database server."""
    # Absolute, so that a relative BACKCOACH_HOME in another working folder names another database.
    return None if settings.database_url else (settings.home / "backcoach.db").absolute()


def local_user(database: Path) -> list[Any] | None:
    """The local user's [id, revision, created_at], read without writing anything; None when there is no database
    or no local user yet, or the database predates revisions (an old schema is upgraded by the full path)."""
    if not database.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute(USER_QUERY).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return list(row) if row is not None else None


def request_key(
    minutes: int, equipment: frozenset[str], floor: bool, level: str, day: dt.date | None
) -> dict[str, Any]:
    """The options of a plan, in one spelling whichever way they were typed."""
    return {
        "minutes": minutes,
        "equipment": sorted(equipment),
        "floor": floor,
        "level": level,
        "date": day.isoformat() if day is not None else None,
    }


def save(
    settings: Settings,
    cache: Path,
    *,
    user_id: int,
    revision: int,
    valid_until: dt.datetime,
    request: dict[str, Any],
    today: dt.date,
    output: str,
) -> bool:
    """Keep `output`, the plan printed for `request`, built for the local user at `revision`. Kept only when the
    database still holds that revision: a write since the plan was read means it may already be stale. Written
    atomically; a cache folder that cannot be written is no error. True when kept."""
    database = database_file(settings)
    if database is None:
        return False
    user = local_user(database)
    if user is None or user[0] != user_id or user[1] != revision:
        return False
    snapshot = {
        "format": FORMAT,
        "package": content.package_key(),
        "database": str(database),
        "user": user,
        "request": request,
        "today": today.isoformat(),
        "valid_until": valid_until.astimezone(dt.UTC).isoformat(),
        "output": output,
    }
    try:
        content.write_atomically(cache / FILE, json.dumps(snapshot, ensure_ascii=False))
    except (OSError, TypeError, ValueError):
        return False
    return True


def _read(cache: Path) -> dict[str, Any] | None:
    """The kept snapshot as stored, or None when there is none, or it cannot be read, or it is of another format."""
    try:
        snapshot = json.loads((cache / FILE).read_bytes())
    except (OSError, ValueError):
        return None
    return snapshot if isinstance(snapshot, dict) and snapshot.get("format") == FORMAT else None


def kept_request(cache: Path) -> dict[str, Any] | None:
    """The options the kept plan was made for (`request_key`'s spelling), or None when none is kept or it cannot be
    read."""
    snapshot = _read(cache)
    request = snapshot.get("request") if snapshot is not None else None
    return request if isinstance(request, dict) else None


def load(settings: Settings, cache: Path, *, request: dict[str, Any], now: dt.datetime) -> str | None:
    """The output kept for `request` if nothing it was made from has changed since; None otherwise, and for any
    problem reading it (the caller then plans in full)."""
    database = database_file(settings)
    if database is None:
        return None
    snapshot = _read(cache)
    if snapshot is None:
        return None
    output = snapshot.get("output")
    if not isinstance(output, str) or snapshot.get("request") != request:
        return None
    if snapshot.get("database") != str(database):
        return None
    try:
        valid_until = dt.datetime.fromisoformat(snapshot["valid_until"])
        if not now < valid_until:
            return None
    except (KeyError, TypeError, ValueError):
        # Not a date, or a naive one that cannot be compared with an aware `now`.
        return None
    if request.get("date") is None and snapshot.get("today") != now.astimezone().date().isoformat():
        return None
    if snapshot.get("package") != content.package_key():
        return None
    # Last, and read now: whatever changed in the database a moment ago must be seen.
    user = local_user(database)
    if user is None or snapshot.get("user") != user:
        return None
    return output
