"""The weekly check: the Patient-Specific Functional Scale (PSFS).

The person names three activities that are hard because of their back and scores each from 0 (unable to do it) to
10 (able to do it as well as before the problem), once a week. The same three activities are kept from week to week,
because a score only means something next to earlier scores of the same activity; the person may change one, and
then its comparisons start again.

A change is reported as more than measurement noise only when it reaches the minimal detectable change at 90%
confidence (MDC90) given by Stratford et al. (Physiotherapy Canada, 1995): 2 points for the average of the
activities, 3 points for a single activity. The PSFS is free to use; why the licensed questionnaires are left out is
in docs/outcome.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from backcoach.domain.errors import InvalidInput
from backcoach.domain.history import IsoDate
from backcoach.domain.model import Frozen

ACTIVITIES = 3
NAME_MIN = 3
NAME_MAX = 80
SCORE_MIN = 0
SCORE_MAX = 10
DUE_EVERY_DAYS = 7
MDC_AVERAGE = 2
"""Points on the average of the three activities (MDC90, Stratford et al. 1995)."""
MDC_ACTIVITY = 3
"""Points on one activity (MDC90, Stratford et al. 1995)."""

EXAMPLES = ("bending to put on socks", "sitting for an hour", "lifting a bag of groceries")
SCALE = "0 means you are unable to do it; 10 means you can do it as well as before your back problem"
INTRODUCTION = (
    "Your weekly check: three activities that are hard for you now because of your back, each scored from 0 to 10. "
    f"Choose activities you do or want to do, for example {EXAMPLES[0]}, {EXAMPLES[1]}, or {EXAMPLES[2]}. "
    f"Score each: {SCALE}. You keep the same three activities week after week, so that the scores show how each "
    "one changes."
)

Score = Annotated[StrictInt, Field(ge=SCORE_MIN, le=SCORE_MAX)]


def normalize_activity(name: str) -> str:
    """One spelling per activity: surrounding and repeated spaces would otherwise make two of the same one."""
    return " ".join(name.split())


def activity_key(name: str) -> str:
    """What makes two activity names the same activity: case and spacing do not count."""
    return normalize_activity(name).casefold()


def check_activity(name: str) -> str:
    """The activity's name, tidied, or ValueError saying what is allowed."""
    tidy = normalize_activity(name)
    if not NAME_MIN <= len(tidy) <= NAME_MAX:
        raise ValueError(f"must be {NAME_MIN} to {NAME_MAX} characters, not {len(tidy)}: {tidy!r}")
    return tidy


class ActivityScore(Frozen):
    activity: StrictStr
    """An activity the person chose, in their words."""
    score: Score
    """0 = unable to do it, 10 = able to do it as well as before the problem."""

    @field_validator("activity")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return check_activity(value)


class OutcomeRecord(Frozen):
    date: IsoDate
    activities: Annotated[list[ActivityScore], Field(min_length=ACTIVITIES, max_length=ACTIVITIES)]

    @field_validator("activities")
    @classmethod
    def _three_different_activities(cls, value: list[ActivityScore]) -> list[ActivityScore]:
        keys = [activity_key(a.activity) for a in value]
        if len(set(keys)) != len(keys):
            raise ValueError("the three activities must be different")
        return value

    @property
    def total(self) -> int:
        return sum(a.score for a in self.activities)

    @property
    def average(self) -> float:
        return self.total / ACTIVITIES

    def keys(self) -> frozenset[str]:
        return frozenset(activity_key(a.activity) for a in self.activities)

    def score_of(self, name: str) -> int | None:
        key = activity_key(name)
        return next((a.score for a in self.activities if activity_key(a.activity) == key), None)

    def to_dict(self) -> dict[str, Any]:
        """The stored and exported form: exactly what is needed to read it back."""
        return {"date": self.date.isoformat(), "activities": [a.model_dump() for a in self.activities]}


class OutcomeError(InvalidInput):
    """A weekly check failed validation; `loc` names the field, as the API's 422 responses do."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message, loc)


def parse_outcome(raw: object) -> OutcomeRecord:
    """Validate one weekly check (`{date, activities: [{activity, score}] * 3}`), or raise OutcomeError naming the
    first field that is wrong."""
    if not isinstance(raw, Mapping):
        raise OutcomeError((), 'must be an object: {"date": ..., "activities": [{"activity": ..., "score": ...}]}')
    try:
        return OutcomeRecord.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] in ("too_short", "too_long") and first["loc"] == ("activities",):
            message = f"must list exactly {ACTIVITIES} activities"
        raise OutcomeError(tuple(first["loc"]), message) from None


def ordered(records: Sequence[OutcomeRecord]) -> list[OutcomeRecord]:
    """Oldest first; records of one day keep the order they were given in (the order they were stored)."""
    return sorted(records, key=lambda r: r.date)


def next_due(records: Sequence[OutcomeRecord]) -> dt.date | None:
    """The day the next check is due: a week after the latest. None before the first, which is due at once."""
    if not records:
        return None
    latest = ordered(records)[-1].date
    if latest > dt.date.max - dt.timedelta(days=DUE_EVERY_DAYS):
        return dt.date.max
    return latest + dt.timedelta(days=DUE_EVERY_DAYS)


def is_due(records: Sequence[OutcomeRecord], today: dt.date) -> bool:
    """Due when there is none yet, or the latest is 7 or more of the person's own days old."""
    due = next_due(records)
    return due is None or today >= due


@dataclass(frozen=True)
class Change:
    """How a score moved over the checks that can be compared: since the activity was chosen (for one activity),
    or since the three activities were last changed (for the average)."""

    activity: str | None
    """The activity's name as last written, or None for the average."""
    since: dt.date
    first: float
    latest: float
    checks: int
    """How many checks the comparison spans; 1 means this is its starting point and nothing is compared yet."""
    mdc: int
    beyond_noise: bool
    """The change reaches the minimal detectable change: measurement noise alone is unlikely to explain it."""
    restarted: bool
    """Comparisons started again here because the person changed an activity after their first check."""

    @property
    def change(self) -> float:
        return round(self.latest - self.first, 1)

    def words(self) -> str:
        """The change in plain words, with whether it is more than measurement noise."""
        what = "Average" if self.activity is None else self.activity[0].upper() + self.activity[1:]
        now = f"{what}: {format_points(self.latest)} out of 10"
        day = self.since.isoformat()
        if self.checks == 1:
            if not self.restarted:
                return f"{now}, your starting point on {day}."
            if self.activity is None:
                return f"{now} on {day}. An activity changed, so comparisons of the average start again from here."
            return f"{now}, new on {day}: its comparisons start again from here."
        since = f"since {day}"
        if self.restarted:
            since += ", when you last changed an activity" if self.activity is None else ", when you chose it"
        if self.change == 0:
            return f"{now}, no change {since}."
        trend = f"{'up' if self.change > 0 else 'down'} {format_points(abs(self.change))} {since}"
        if not self.beyond_noise:
            return (
                f"{now}, {trend}: within the {self.mdc} points that measurement noise alone can explain, so not a "
                "clear change yet."
            )
        if self.change > 0:
            return f"{now}, {trend}: more than the {self.mdc} points of measurement noise, so a real improvement."
        return (
            f"{now}, {trend}: more than the {self.mdc} points of measurement noise, so it has become harder. If it "
            "keeps getting harder, talk to a doctor or physical therapist."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "since": self.since.isoformat(),
            "first": round(self.first, 1),
            "latest": round(self.latest, 1),
            "change": self.change,
            "checks": self.checks,
            "mdc": self.mdc,
            "beyond_noise": self.beyond_noise,
            "restarted": self.restarted,
            "words": self.words(),
        }


def format_points(value: float) -> str:
    """A score or an average as a person writes it: 5, 5.3 (never 5.0 or 5.333)."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class OutcomeSummary:
    count: int
    due: bool
    next_due: dt.date | None
    average_change: Change | None
    """None before the first check."""
    activity_changes: tuple[Change, ...]
    """One per activity of the latest check, in its order."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "due": self.due,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "average_change": self.average_change.to_dict() if self.average_change else None,
            "activity_changes": [c.to_dict() for c in self.activity_changes],
        }


def _run_start(records: list[OutcomeRecord], still_comparable: Callable[[OutcomeRecord], bool]) -> int:
    """The index of the earliest check from which every later one, up to the latest, is comparable."""
    start = len(records) - 1
    while start > 0 and still_comparable(records[start - 1]):
        start -= 1
    return start


def summarise(records: Sequence[OutcomeRecord], today: dt.date) -> OutcomeSummary:
    """Every check's change that can be told apart from noise, oldest first, and whether the next is due."""
    checks = ordered(records)
    due, upcoming = is_due(checks, today), next_due(checks)
    if not checks:
        return OutcomeSummary(0, due, upcoming, None, ())
    latest = checks[-1]
    same_three = _run_start(checks, lambda r: r.keys() == latest.keys())
    base = checks[same_three]
    average = Change(
        activity=None,
        since=base.date,
        first=base.average,
        latest=latest.average,
        checks=len(checks) - same_three,
        mdc=MDC_AVERAGE,
        # Compared on the totals, in whole points, so that no rounding of the averages can tip the verdict.
        beyond_noise=abs(latest.total - base.total) >= MDC_AVERAGE * ACTIVITIES,
        restarted=same_three > 0,
    )
    changes = []
    for item in latest.activities:
        # Back from the latest check through the unbroken run of earlier ones that also score this activity.
        start, first = len(checks) - 1, item.score
        while start > 0 and (earlier := checks[start - 1].score_of(item.activity)) is not None:
            start, first = start - 1, earlier
        changes.append(
            Change(
                activity=item.activity,
                since=checks[start].date,
                first=first,
                latest=item.score,
                checks=len(checks) - start,
                mdc=MDC_ACTIVITY,
                beyond_noise=abs(item.score - first) >= MDC_ACTIVITY,
                restarted=start > 0,
            )
        )
    return OutcomeSummary(len(checks), due, upcoming, average, tuple(changes))


def changed_activities(previous: OutcomeRecord | None, new: OutcomeRecord) -> list[str]:
    """The activities of `new` that `previous` did not have: their comparisons start again."""
    if previous is None:
        return []
    return [a.activity for a in new.activities if previous.score_of(a.activity) is None]


@dataclass(frozen=True)
class StoredOutcome:
    """A weekly check with the id it was stored under."""

    id: int
    record: OutcomeRecord

    def to_dict(self) -> dict[str, Any]:
        """The API's and `backcoach outcome --json`'s form: the record with its id and its average."""
        return {"id": self.id, **self.record.to_dict(), "average": round(self.record.average, 1)}
