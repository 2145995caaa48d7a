"""What the command line answers before click is imported: `backcoach plan --json` when nothing has changed since
the last plan it printed (`backcoach.app.snapshots` says when that is). Also the command line's clock, so that
both paths read the same time.

Standard library only, with the light modules below it: importing click, pydantic and SQLAlchemy costs many times
what printing a kept plan does. Anything this module does not recognise is left to click, the one parser that
reports mistakes.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

DEFAULT_MINUTES = 15
DEFAULT_LEVEL = "beginner"
VALUED = ("--minutes", "--equipment", "--level", "--date")
FLAGS = ("--json", "--no-floor")


def now() -> dt.datetime:
    """The command line's clock (aware, UTC), read by the full path's runtime and by the snapshot's check alike."""
    return dt.datetime.now(dt.UTC)


def plan_request(args: list[str]) -> dict[str, Any] | None:
    """The options of `plan ... --json` as click would read them (`snapshots.request_key`), for the spellings
    people and scripts use: each option at most once, `--option VALUE` or `--option=VALUE`. None for anything
    else, including every mistake: click reads those and says what is wrong."""
    if not args or args[0] != "plan":
        return None
    from backcoach.app.snapshots import request_key
    from backcoach.domain.errors import InvalidInput
    from backcoach.domain.vocab import PLAN_LEVELS, parse_equipment

    flags: set[str] = set()
    values: dict[str, str] = {}
    rest = iter(args[1:])
    for token in rest:
        name, equals, value = token.partition("=")
        if name in flags or name in values:
            return None
        if name in FLAGS and not equals:
            flags.add(name)
        elif name in VALUED:
            following = value if equals else next(rest, None)
            if following is None:
                return None
            values[name] = following
        else:
            return None
    if "--json" not in flags:
        return None
    minutes = values.get("--minutes", str(DEFAULT_MINUTES))
    level = values.get("--level", DEFAULT_LEVEL)
    if not (minutes.isascii() and minutes.isdigit() and 5 <= int(minutes) <= 60) or level not in PLAN_LEVELS:
        return None
    try:
        equipment = parse_equipment(values.get("--equipment", ""))
        day = _iso_date(values["--date"]) if "--date" in values else None
    except (InvalidInput, ValueError):
        return None
    return request_key(int(minutes), equipment, "--no-floor" not in flags, level, day)


def _iso_date(text: str) -> dt.date:
    # click reads --date with strptime("%Y-%m-%d"), which also takes "2026-1-5"; only the full form is taken here.
    digits = text[:4] + text[5:7] + text[8:]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (digits.isascii() and digits.isdigit()):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def plan_from_snapshot(args: list[str]) -> str | None:
    """The JSON `backcoach plan` would print for `args`, when it is kept and still holds; else None."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding != "utf8":
        # click would write through its own UTF-8 wrapper: leave such a terminal to it.
        return None
    try:
        request = plan_request(args)
        if request is None:
            return None
        from backcoach import content
        from backcoach.app import snapshots
        from backcoach.settings import load_settings

        return snapshots.load(load_settings(), content.cache_dir(), request=request, now=now())
    except Exception:
        # This path only ever saves time: whatever goes wrong here, the full path answers.
        return None
