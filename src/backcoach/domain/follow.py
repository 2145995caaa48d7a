"""Following patients: which of a clinician's patients need attention, and why, in words (docs/clinician.md,
"Following patients"); what a clinician's clearance may clear ("Clearances").

Each rule reads plain facts about one patient (`PatientFacts`) and returns a `Signal` with its words, or None. The
thresholds are the dose rules' own (`domain/dosing.py`): a flare is what the dose rules call an unacceptable
attempt, and a step down is what they do after one. The only numbers of our own are the week the dashboard looks
back over, and "under half" of the prescribed sessions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from backcoach.domain import dosing
from backcoach.domain.catalogue import Prescription
from backcoach.domain.errors import Conflict
from backcoach.domain.preferences import WEEKDAYS, Weekday
from backcoach.domain.prescribed import DEFAULT_DAYS
from backcoach.domain.screening import LABELS, Clearance, StoredScreen

Kind = Literal["red-flag", "flare", "stepped-down", "no-session", "adherence"]
KINDS: tuple[Kind, ...] = get_args(Kind)
"""Most urgent first: a kind's index is its rank on the dashboard."""

WINDOW_DAYS = 7
"""A flare or a step down counts when it happened in the last week: the dashboard is a clinician's weekly look."""
NO_SESSION_DAYS = 7
"""The issue's number: no session for 7 days (nor since the link, for a patient linked that long)."""
ADHERENCE_SHARE = 0.5
"""Under half the sessions prescribed so far this week."""
LOOKBACK_DAYS = dosing.BASELINE_DAYS + WINDOW_DAYS
"""How far back the rules look for an exercise's last two days: the window, and the dose rules' baseline before
its first day."""
READ_DAYS = LOOKBACK_DAYS + dosing.BASELINE_DAYS
"""How far back the sessions' pains matter: the baseline of the earliest day a step down can look at."""
LEAST = (dosing.DURING_LIMIT, dosing.AFTER_RISE, dosing.MORNING_RISE)
"""The lowest limits anyone has (pain during, rise after, rise the next morning): a patient with no session within
the window over them can neither flare nor have an exercise stepped down, whatever their baseline (which can only
raise the limit for pain during). The dashboard reads the sessions of only the others."""


@dataclass(frozen=True)
class Signal:
    kind: Kind
    words: str

    @property
    def rank(self) -> int:
        return KINDS.index(self.kind)


@dataclass(frozen=True)
class SessionPains:
    """One session as the rules read it: its date, its three pains and each exercise's pain during it."""

    date: dt.date
    pain_before: int
    pain_after: int | None
    pain_next_morning: int | None
    items: tuple[tuple[str, int | None], ...] = ()
    """(exercise, pain during): every exercise, or (for the dashboard) at least those whose pain during went over
    the lowest limit there is, which are all a flare can name."""


@dataclass(frozen=True)
class Schedule:
    """What a program version prescribes each week: its weekdays, sessions per day, and from when."""

    weekdays: tuple[Weekday, ...]
    sessions_per_day: int
    start_date: dt.date

    @property
    def per_week(self) -> int:
        return len(self.weekdays) * self.sessions_per_day

    def due(self, first: dt.date, end: dt.date) -> int:
        """Sessions due on the days from `first` up to, not including, `end`."""
        day, count = max(first, self.start_date), 0
        while day < end:
            count += WEEKDAYS[day.weekday()] in self.weekdays
            day += dt.timedelta(days=1)
        return count * self.sessions_per_day


class _ScheduleBody(BaseModel):
    """The part of a stored program version a schedule needs, read through validation without the rest of it
    (the dashboard reads one per patient)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start_date: dt.date
    days_per_week: int = Field(ge=1, le=7)
    days: tuple[Weekday, ...] = ()
    sessions_per_day: int = Field(default=1, ge=1)


def schedule_of(body: Mapping[str, object]) -> Schedule:
    """The weekly schedule of a stored program version (`domain/prescribed.py`'s days and sessions per day)."""
    read = _ScheduleBody.model_validate(body)
    chosen = set(read.days or DEFAULT_DAYS[read.days_per_week])
    return Schedule(tuple(d for d in WEEKDAYS if d in chosen), read.sessions_per_day, read.start_date)


@dataclass(frozen=True)
class PatientFacts:
    """What the rules need of one patient, read for all of a clinician's patients at once."""

    today: dt.date
    """The patient's own day (in their time zone)."""
    linked_on: dt.date
    screen: StoredScreen | None
    """The latest safety screen."""
    sessions: Sequence[SessionPains]
    """Every session of the last `READ_DAYS` or more, oldest first; none is needed for a patient with no session in
    the window over the `LEAST` limits (then `week_sessions` must be given)."""
    last_session: dt.date | None
    schedule: Schedule | None
    """The current version of the program the patient follows; None without one."""
    exercise_days: Mapping[str, Sequence[tuple[dt.date, int | None]]] = field(default_factory=dict)
    """Each exercise's last two days in the last `LOOKBACK_DAYS`, oldest first, with its worst pain during it
    (`last_days`)."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Exercise names by id, for the words."""
    week_sessions: int | None = None
    """The sessions from Monday to today, when the store counted them; None: counted in `sessions`."""


def day(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def week_start(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


# The rules, most urgent first


def red_flag(facts: PatientFacts) -> Signal | None:
    """The latest safety screen stops sessions: a warning sign at the pre-session question, or a new screen that
    blocks. Only the latest counts, as for the safety gate: a newer clear screen or a clearance ends it."""
    screen = facts.screen
    if screen is None or not screen.result.blocks:
        return None
    if "pre_session_red_flag" in {r.item for r in screen.result.reasons}:
        return Signal("red-flag", f"reported a new warning sign at the pre-session question on {day(screen.taken_at)}")
    label = LABELS[screen.result.clearance].lower()
    return Signal("red-flag", f"safety check on {day(screen.taken_at)} says: {label}")


def _limits(facts: PatientFacts, on: dt.date) -> dosing.Limits:
    pains = [(s.date, s.pain_before) for s in facts.sessions]
    return dosing.Limits.for_baseline(dosing.baseline(pains, on))


def _attempt(session: SessionPains, during: int | None) -> dosing.Attempt:
    """An attempt as the dose rules see it; only its pains are read here."""
    return dosing.Attempt(
        date=session.date,
        prescription=_no_dose(),
        completed=True,
        difficulty="right",
        pain_during=during,
        pain_before=session.pain_before,
        pain_next_morning=session.pain_next_morning,
        pain_after=session.pain_after,
    )


_LEAST = dosing.Limits(dosing.DURING_LIMIT)
"""The lowest limits anyone has: whatever is within them is within everyone's, so the baseline (which can only
raise the limit for pain during) is worked out only for what is not."""


def _over(facts: PatientFacts, session: SessionPains, during: int | None) -> int:
    """How far over the dose rules' limits the session went (0 or less: within them), with `during` the worst pain
    during an exercise."""
    attempt = _attempt(session, during)
    if _LEAST.excess(attempt) <= 0:
        return 0
    return _limits(facts, session.date).excess(attempt)


def _why(session: SessionPains, limits: dosing.Limits, names: Mapping[str, str]) -> str:
    for exercise, during in session.items:
        if during is not None and during > limits.during:
            return f"pain {during} during {names.get(exercise, exercise)} (limit {limits.during})"
    if session.pain_after is not None and session.pain_after - session.pain_before > dosing.AFTER_RISE:
        return f"pain {session.pain_before} before, {session.pain_after} after"
    return f"pain {session.pain_before} before, {session.pain_next_morning} the next morning"


def _worst(session: SessionPains) -> int | None:
    return max((d for _, d in session.items if d is not None), default=None)


def flare(facts: PatientFacts) -> Signal | None:
    """A session in the last week that the dose rules call unacceptable: pain during an exercise over the limit,
    pain after more than 2 above pain before, or the next morning more than 1 above (`dosing.Limits.excess`).
    The latest such session is named."""
    since = facts.today - dt.timedelta(days=WINDOW_DAYS)
    for session in reversed(facts.sessions):
        if session.date <= since or session.date > facts.today:
            continue
        if _over(facts, session, _worst(session)) > 0:
            why = _why(session, _limits(facts, session.date), facts.names)
            return Signal("flare", f"flare on {day(session.date)}: {why}")
    return None


def last_days(sessions: Sequence[SessionPains]) -> dict[str, list[tuple[dt.date, int | None]]]:
    """Each exercise's last two days, oldest first, with the worst pain during it that day: what `stepped_down`
    reads (the store works this out in one statement for all of a clinician's patients)."""
    found: dict[str, dict[dt.date, int | None]] = {}
    for session in sessions:
        for exercise, during in session.items:
            days = found.setdefault(exercise, {})
            known = [d for d in (days.get(session.date), during) if d is not None]
            days[session.date] = max(known) if known else None
    return {e: sorted(days.items())[-2:] for e, days in found.items()}


def stepped_down(facts: PatientFacts) -> list[Signal]:
    """Each exercise the dose rules stepped down twice in a row: its last two days were both over a limit (each
    such day makes the rules lower the next dose), the latest in the last week. Time away, which also lowers a
    dose, is not a step down here: "no session" says it."""
    since = facts.today - dt.timedelta(days=WINDOW_DAYS)
    by_date: dict[dt.date, list[SessionPains]] = {}
    for session in facts.sessions:
        by_date.setdefault(session.date, []).append(session)

    def over(on: dt.date, during: int | None) -> bool:
        # A day is over when any session that day was: the exercise's own pain during it, or the session's pains.
        return any(_over(facts, s, during) > 0 for s in by_date.get(on, []))

    found = []
    for exercise, days in facts.exercise_days.items():
        first = facts.today - dt.timedelta(days=LOOKBACK_DAYS)
        last_two = [d for d in days if first <= d[0] <= facts.today][-2:]
        if len(last_two) == 2 and last_two[-1][0] > since and all(over(on, during) for on, during in last_two):
            name = facts.names.get(exercise, exercise)
            found.append(
                Signal(
                    "stepped-down",
                    f"{name} stepped down twice in a row (over the pain limit on {day(last_two[0][0])} and "
                    f"{day(last_two[1][0])})",
                )
            )
    return sorted(found, key=lambda s: s.words)


def no_session(facts: PatientFacts) -> Signal | None:
    """No session for 7 days or more; a patient linked for less than 7 days is given that long to start."""
    linked = (facts.today - facts.linked_on).days
    if facts.last_session is None:
        if linked < NO_SESSION_DAYS:
            return None
        return Signal("no-session", f"no session yet, linked {linked} days ago")
    away = (facts.today - facts.last_session).days
    if away < NO_SESSION_DAYS or linked < NO_SESSION_DAYS:
        return None
    return Signal("no-session", f"no session for {away} days (last on {day(facts.last_session)})")


def sessions_this_week(facts: PatientFacts) -> int:
    if facts.week_sessions is not None:
        return facts.week_sessions
    monday = week_start(facts.today)
    return sum(1 for s in facts.sessions if monday <= s.date <= facts.today)


def adherence(facts: PatientFacts) -> Signal | None:
    """Under half the sessions prescribed so far this week: the program's days from Monday up to yesterday times
    its sessions per day (today is not over), against every session done from Monday to today. Nothing is due
    on a Monday, so nobody is flagged then."""
    schedule = facts.schedule
    if schedule is None:
        return None
    due = schedule.due(week_start(facts.today), facts.today)
    done = sessions_this_week(facts)
    if due == 0 or done >= due * ADHERENCE_SHARE:
        return None
    return Signal(
        "adherence",
        f"{done} of the {due} sessions due so far this week ({len(schedule.weekdays)} days a week, "
        f"{schedule.sessions_per_day} a day)",
    )


def attention(facts: PatientFacts) -> list[Signal]:
    """Every reason this patient needs attention, most urgent first."""
    found = [red_flag(facts), flare(facts), *stepped_down(facts), no_session(facts), adherence(facts)]
    return sorted((s for s in found if s is not None), key=lambda s: s.rank)


def priority(signals: Sequence[Signal], name: str) -> tuple[int, int, str]:
    """The dashboard's order: the most urgent reason first, then more reasons before fewer, then by name; a patient
    with none comes after everyone with one."""
    top = min((s.rank for s in signals), default=len(KINDS))
    return top, -len(signals), name.casefold()


# Per week, for the patient's page


@dataclass(frozen=True)
class WeekAdherence:
    start: dt.date
    done: int
    prescribed: int | None
    """None for a week with no program."""


def weekly_adherence(
    dates: Sequence[dt.date], schedules: Sequence[tuple[dt.date, Schedule]], today: dt.date, weeks: int
) -> list[WeekAdherence]:
    """The last `weeks` weeks, oldest first: sessions done against those prescribed by the version in force that
    week (the latest made before the week ended, from `schedules` as (made on, schedule)); this week counts the
    days up to today."""
    this = week_start(today)
    found = []
    for back in range(weeks - 1, -1, -1):
        start = this - dt.timedelta(days=7 * back)
        end = min(start + dt.timedelta(days=7), today + dt.timedelta(days=1))
        done = sum(1 for d in dates if start <= d < end)
        in_force = [s for made, s in schedules if made < end]
        prescribed = in_force[-1].due(start, end) if in_force else None
        found.append(WeekAdherence(start, done, prescribed))
    return found


# Clearances


class NotClearable(Conflict):
    """What a clinician's clearance may clear, checked before it is stored (409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ("screen_id",))


CLEARABLE: frozenset[Clearance] = frozenset({"see-doctor", "urgent"})
"""A clinician may clear a screen that says to see a doctor (soon or today). An emergency (a red flag such as the
pre-session warning sign) is not cleared from the dashboard: the patient needs care now, and then takes the check
again or records themselves the clearance of whoever examined them."""


def check_clearable(latest: StoredScreen | None, screen_id: int) -> StoredScreen:
    """The screen a clearance clears: it must be the patient's latest, it must stop sessions, and it must not be an
    emergency. A clearance names the screen the clinician read, so one that arrived since is never cleared unread."""
    if latest is None:
        raise NotClearable("this patient has not taken the safety check: there is nothing to clear")
    if latest.id != screen_id:
        raise NotClearable(
            f"safety check {screen_id} is not this patient's latest (that one was taken on {day(latest.taken_at)}, "
            f"id {latest.id}): read it before you clear it"
        )
    if not latest.result.blocks:
        raise NotClearable(
            f"the latest safety check ({day(latest.taken_at)}) does not stop sessions: there is nothing to clear"
        )
    if latest.result.clearance not in CLEARABLE:
        raise NotClearable(
            f"the latest safety check ({day(latest.taken_at)}) says to get emergency care now, which a clearance "
            "cannot lift from here: once the patient has been seen, they take the safety check again or record "
            "the clearance of whoever examined them"
        )
    return latest


@cache
def _no_dose() -> Prescription:
    """The rules read only pains here: an attempt needs some dose, and this one is never looked at."""
    return Prescription(reps=1)
