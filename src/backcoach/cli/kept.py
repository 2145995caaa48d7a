"""The plan `backcoach plan --json` keeps on disk (`backcoach.app.snapshots`), printed and kept here, and made
again by any command that changed the person's record, while it has the application loaded anyway.

Why the refresh: a kept plan is printed by the standard library alone, in a tenth of the time the full path takes
(importing SQLAlchemy and pydantic and building the plan). Every write makes it stale, so without a refresh the
plan right after `backcoach log` always took the full path. The command that wrote has all of that loaded and the
database open: building the plan there costs it about a tenth of a second, not the next command's second. A change
made elsewhere (the web app, another process) still makes the next `plan --json` plan in full, as before.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backcoach.app.plans import PlanSnapshot
    from backcoach.app.runtime import Runtime
    from backcoach.domain.planner import PlanRequest


def plan_json(runtime: Runtime, user: int, request: PlanRequest, on: dt.date | None) -> tuple[PlanSnapshot, str]:
    """The plan for `request` (on `on`, or today) and the text `plan --json` prints for it."""
    from backcoach.app import plans

    snapshot = plans.plan_snapshot(runtime, user, request, on)
    return snapshot, json.dumps(snapshot.plan.to_dict(), indent=2, ensure_ascii=False) + "\n"


def keep(runtime: Runtime, user: int, snapshot: PlanSnapshot, request: dict[str, Any], output: str) -> None:
    """Keep what was printed, for `backcoach plan --json` to print again while nothing changes."""
    from backcoach import content
    from backcoach.app import snapshots

    snapshots.save(
        runtime.settings,
        content.cache_dir(),
        user_id=user,
        revision=snapshot.revision,
        valid_until=snapshot.valid_until,
        request=request,
        today=runtime.today(),
        output=output,
    )


def revision(runtime: Runtime) -> int | None:
    """The local user's revision as the database holds it now; None with a database server (nothing is kept)."""
    from backcoach.app import snapshots

    database = snapshots.database_file(runtime.settings)
    user = snapshots.local_user(database) if database is not None else None
    return user[1] if user is not None else None


def refresh(runtime: Runtime, user: int) -> None:
    """Make the kept plan again for the request it was made for, after this command changed the record. Anything
    that stops it (no plan kept, a screen that now refuses a plan, a bad file) leaves the full path to the next
    `plan --json`, which then plans, or refuses, as it would have."""
    from backcoach import content
    from backcoach.app import snapshots
    from backcoach.cli.base import plan_request
    from backcoach.domain.errors import BackcoachError

    request = snapshots.kept_request(content.cache_dir())
    if request is None:
        return
    try:
        on = dt.date.fromisoformat(request["date"]) if request["date"] is not None else None
        options = (request["minutes"], frozenset(request["equipment"]), not request["floor"], request["level"])
        snapshot, output = plan_json(runtime, user, plan_request(*options), on)
        keep(runtime, user, snapshot, request, output)
    except (BackcoachError, KeyError, TypeError, ValueError):
        return
