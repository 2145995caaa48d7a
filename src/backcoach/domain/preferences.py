"""A person's plan options, chosen once and used for every plan: one typed model, read and written whole.

Stored as JSON on the account. Older records read back with the defaults for what they lack: before
`sessions_per_day`, one session a day; before the reminder schedule (`days`, `times`, `time_zone`), every day of the
week, the old feed's times (08:00, then 6 hours apart) and the server's local time zone. See docs/reminders.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from backcoach.domain.model import Frozen
from backcoach.domain.planner import DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES, PlanRequest
from backcoach.domain.vocab import Equipment, PlanLevel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
"""In the order of `datetime.date.weekday()`: Monday is 0."""

MAX_SESSIONS_PER_DAY = 3
"""The articles ask for one to three sessions a day ("1 to 3 times a day", docs/content.md)."""

DEFAULT_TIMES = ("08:00", "14:00", "20:00")
"""The first one, two or three of these when no times were chosen: what the feed did before times could be chosen."""

MIN_GAP = dt.timedelta(hours=1)
"""Sessions on one day start at least this far apart, so that each is a bout of its own: the articles' "1 to 3
times a day" spreads them over the day, and at 60 minutes the longest session ends before the next begins."""

HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
# IANA names start with a capital ("UTC", "Europe/London", "Etc/GMT+5"); the files beside them that are not zones
# ("localtime", "posixrules") do not.
ZONE_NAME = re.compile(r"[A-Z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
ZONE_EXAMPLES = "an IANA time zone name such as Europe/London, America/New_York or UTC"

Time = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


def _error(message: str) -> PydanticCustomError:
    # A custom error keeps the message as written: a plain ValueError would be prefixed with "Value error, ".
    return PydanticCustomError("value_error", message)


def minutes_of(time: str) -> int:
    """Minutes after midnight of an "HH:MM" time."""
    return int(time[:2]) * 60 + int(time[3:])


def valid_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    if not ZONE_NAME.fullmatch(name):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        # ZoneInfoNotFoundError is a KeyError; a folder of zones ("Europe") is an OSError.
        return False
    return True


class Preferences(Frozen):
    minutes: int = Field(DEFAULT_MINUTES, ge=MIN_MINUTES, le=MAX_MINUTES, description="minutes per session")
    equipment: tuple[Equipment, ...] = Field((), description="what the person has: chair, wall, kettlebell")
    floor: bool = Field(True, description="whether they can get down on the floor (a mat is assumed)")
    level: PlanLevel = "beginner"
    sessions_per_day: int = Field(
        1,
        ge=1,
        le=MAX_SESSIONS_PER_DAY,
        description="how many sessions a day the calendar suggests: the articles ask for 1 to 3",
    )
    days: tuple[Weekday, ...] = Field(
        WEEKDAYS,
        min_length=1,
        description="the days of the week with sessions, at least one of mon, tue, wed, thu, fri, sat, sun "
        "(kept in that order, each once)",
    )
    times: tuple[Time, ...] = Field(
        DEFAULT_TIMES[:1],
        min_length=1,
        max_length=MAX_SESSIONS_PER_DAY,
        description="the local start time of each session, HH:MM (24-hour), one per session, in increasing order "
        "and at least an hour apart; left out, the first sessions_per_day of 08:00, 14:00 and 20:00",
    )
    time_zone: str | None = Field(
        None,
        description="an IANA time zone name (e.g. Europe/London) for the reminders and the person's own day; "
        "null for the server's local time zone",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_time_per_session(cls, data: Any) -> Any:
        """Fill in whichever of `sessions_per_day` and `times` is missing from the other, so that a record from
        before times could be chosen, or a client that sends only one of them, reads as it meant."""
        if not isinstance(data, dict):
            return data
        times = data.get("times")
        if times is None:
            data = {k: v for k, v in data.items() if k != "times"}
            count = data.get("sessions_per_day", 1)
            try:
                n = int(count)
            except (TypeError, ValueError):
                return data  # the field's own check names the problem
            if 1 <= n <= MAX_SESSIONS_PER_DAY:
                data["times"] = DEFAULT_TIMES[:n]
        elif (
            "sessions_per_day" not in data
            and isinstance(times, list | tuple)
            and 1 <= len(times) <= MAX_SESSIONS_PER_DAY
        ):
            data = {**data, "sessions_per_day": len(times)}
        return data

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        allowed = ", ".join(WEEKDAYS)
        if not isinstance(value, list | tuple):
            raise _error(f"must be a list of days of the week from {allowed}")
        chosen = set()
        for day in value:
            if day not in WEEKDAYS:
                raise _error(f"{day!r} is not a day of the week: use {allowed}")
            chosen.add(day)
        if not chosen:
            raise _error(f"choose at least one day: {allowed}")
        return tuple(d for d in WEEKDAYS if d in chosen)

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple):
            raise _error("must be a list of times, HH:MM, one per session")
        if not 1 <= len(value) <= MAX_SESSIONS_PER_DAY:
            raise _error(f"give 1 to {MAX_SESSIONS_PER_DAY} times, one per session (got {len(value)})")
        count = info.data.get("sessions_per_day")
        if count is not None and len(value) != count:
            raise _error(
                f"give one time per session: {count} session{'s' if count != 1 else ''} a day "
                f"need{'s' if count == 1 else ''} {count} time{'s' if count != 1 else ''}, got {len(value)}"
            )
        for number, time in enumerate(value, 1):
            if not isinstance(time, str) or not time.strip():
                raise _error(f"session {number} has no time: give each session's time as HH:MM, e.g. 07:30")
            if not HHMM.fullmatch(time):
                raise _error(f"{time!r} (session {number}) is not a time: use HH:MM, 24-hour, e.g. 07:30 or 18:45")
        gap = MIN_GAP.seconds // 60
        for earlier, later in itertools.pairwise(value):
            if minutes_of(later) <= minutes_of(earlier):
                raise _error(f"{later} comes after {earlier} in the list: give the times in increasing order")
            if minutes_of(later) - minutes_of(earlier) < gap:
                raise _error(
                    f"{later} is less than an hour after {earlier}: sessions start at least an hour apart, "
                    "so that each is a separate bout of exercise spread over the day"
                )
        if len(value) > 1 and minutes_of(value[0]) + 24 * 60 - minutes_of(value[-1]) < gap:
            raise _error(
                f"{value[0]} the next day is less than an hour after {value[-1]}: sessions start at least an hour "
                "apart, across midnight too"
            )
        return tuple(value)

    @field_validator("time_zone", mode="before")
    @classmethod
    def _time_zone(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not valid_zone(value):
            raise _error(f"{value!r} is not a time zone: use {ZONE_EXAMPLES}")
        return value

    def zone(self) -> zoneinfo.ZoneInfo | None:
        """The chosen time zone, or None for the server's local one."""
        return zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else None

    def request(
        self,
        *,
        minutes: int | None = None,
        equipment: frozenset[Equipment] | None = None,
        floor: bool | None = None,
        level: PlanLevel | None = None,
    ) -> PlanRequest:
        """The plan options given, falling back to these preferences for each one left out."""
        return PlanRequest(
            minutes=self.minutes if minutes is None else minutes,
            equipment=frozenset(self.equipment) if equipment is None else equipment,
            floor=self.floor if floor is None else floor,
            level=self.level if level is None else level,
        )


def session_starts(prefs: Preferences, first: dt.date, days: int, zone: dt.tzinfo | None) -> list[dt.datetime]:
    """When the sessions start over `days` days from `first`: on the chosen weekdays, at the chosen local times,
    in order. Aware in `zone`, or naive (floating local time) without one.

    A local time that a daylight-saving change skips or repeats keeps its wall-clock reading (fold 0), as RFC 5545
    reads a DTSTART with a TZID: 08:00 stays 08:00 on both sides of the change."""
    wanted = {WEEKDAYS.index(d) for d in prefs.days}
    starts = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if day.weekday() not in wanted:
            continue
        for time in prefs.times:
            starts.append(dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=zone))
    return starts
