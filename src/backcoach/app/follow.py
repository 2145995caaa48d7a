"""Following patients: the clinician's dashboard, one patient's page, notes and clearances (docs/clinician.md,
"Following patients" and "Clearances").

The dashboard reads all of a clinician's patients in one transaction (`Runtime.care_all`: a row of counts per
patient, the sessions of only those who may flare, one access-log line per patient); everything about one patient
goes through `Runtime.care`, so it needs an active link and is logged for the patient ("read" for a page or chart,
"change" for a note or clearance).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backcoach.app import preferences
from backcoach.app.prescribing import Prescribed, active_programs, followed_on, is_clinician
from backcoach.app.runtime import Runtime
from backcoach.domain import dosing, follow, screening
from backcoach.domain.clinic import NotAClinician, Patient
from backcoach.domain.errors import InvalidInput
from backcoach.domain.follow import PatientFacts, Schedule, SessionPains, Signal, WeekAdherence
from backcoach.domain.history import SessionRecord, StoredSession
from backcoach.domain.outcome import OutcomeSummary, StoredOutcome, summarise
from backcoach.domain.prescribed import PrescribedProgram
from backcoach.domain.screening import CLEARANCES, Reason, ScreenResult, StoredScreen
from backcoach.render import charts
from backcoach.storage.repository import (
    ClearanceFacts,
    FollowRepository,
    ItemFacts,
    LinkedPatient,
    NoteRow,
    PatientFollow,
    ScreenFacts,
    SessionFacts,
    UserRepository,
    account_role,
)

Note = NoteRow
"""A clinician's note, as the adapters see it."""
Clearance = ClearanceFacts
"""A clearance a clinician recorded, as the adapters see it."""

WEEKS_SHOWN = 12
"""The patient page's adherence table: about a quarter, long enough to see a trend."""
NOTE_MAX = 2000
CHARTS = ("pain", "doses")

DASHBOARD_READ = "your latest safety check, sessions and program, for their dashboard"
PAGE_READ = "your sessions, pains, weekly checks, program, safety check and notes, for their page about you"


@dataclass(frozen=True)
class DashboardEntry:
    patient: Patient
    last_session: dt.date | None
    signals: list[Signal]


@dataclass(frozen=True)
class PatientSummary:
    patient: Patient
    today: dt.date
    signals: list[Signal]
    screen: StoredScreen | None
    clearances: list[ClearanceFacts]
    program: Prescribed | None
    weeks: list[WeekAdherence]
    pain: charts.PainData
    outcome: OutcomeSummary
    checks: list[StoredOutcome]
    doses: list[charts.ExerciseDoses]
    notes: list[NoteRow]
    sessions: list[StoredSession]
    """Newest first: what a note may be about."""


def _require_clinician(runtime: Runtime, clinician_id: int) -> None:
    if not is_clinician(runtime, clinician_id):
        raise NotAClinician()


def _schedule(program: PrescribedProgram) -> Schedule:
    return Schedule(program.weekdays, program.sessions_per_day, program.start_date)


def _done_once(days: Sequence[tuple[int, str, dt.date, int | None]]) -> set[int]:
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for patient_id, exercise, _, _ in days:
        counts[patient_id, exercise] += 1
    return {patient_id for (patient_id, _), n in counts.items() if n == 1}


def _current(programs: Sequence[tuple[int, Schedule]], today: dt.date) -> Schedule | None:
    """The program the patient follows now: of those started, the one that started last (then the newest), as a
    plan picks among programs due on one day."""
    started = [(p.start_date, i, p) for i, p in programs if p.start_date <= today]
    return max(started, key=lambda s: (s[0], s[1]))[2] if started else None


def _screen(row: ScreenFacts) -> StoredScreen | None:
    clearance = next((c for c in CLEARANCES if c == row.clearance), None)
    if clearance is None:
        return None
    reasons = [Reason(r["item"], r["message"]) for r in row.reasons]
    return StoredScreen(row.id, row.taken_at, ScreenResult(clearance, reasons, row.advice), {}, None)


# The dashboard


def dashboard(runtime: Runtime, clinician_id: int) -> list[DashboardEntry]:
    """The clinician's patients now, who needs attention first, each with every reason in words.

    Every patient costs one row of counts (`FollowRepository.overview`); sessions are read only for those with a
    session in the window over the lowest limits (`follow.LEAST`), the only ones who can flare or have an exercise
    stepped down. `tests/test_follow_fast.py` holds the result equal to the rules over every row."""
    with runtime.care_all(clinician_id, DASHBOARD_READ) as repo:
        if repo.name() is None:
            raise NotAClinician()
        linked = repo.linked()
        zones: dict[str, dt.tzinfo | None] = {}
        todays = {p.id: runtime.today(_zone(runtime, p.preferences, zones)) for p in linked}
        first = min(todays.values(), default=runtime.today())
        window = (first - dt.timedelta(days=follow.WINDOW_DAYS), max(todays.values(), default=first))
        overview = repo.overview(list(todays.values()), window, follow.LEAST)
        screens = {s.patient_id: s for s in repo.stopping_screens(screening.BLOCKING)}
        programs = _programs(runtime, repo, linked)
        hurt = [p.patient_id for p in overview.values() if p.maybe_over]
        first_hurt = min((todays[p] for p in hurt), default=first)
        sessions, items, days = _details(repo, hurt, first_hurt, window[1])
    by_session: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for item in items:
        by_session[item.session_id].append((item.exercise, item.pain_during))
    by_patient: dict[int, list[SessionPains]] = defaultdict(list)
    for s in sessions:
        by_patient[s.patient_id].append(
            SessionPains(s.date, s.pain_before, s.pain_after, s.pain_next_morning, tuple(by_session.get(s.id, ())))
        )
    exercise_days: dict[int, dict[str, list[tuple[dt.date, int | None]]]] = defaultdict(dict)
    for patient_id, exercise, on, during in days:
        exercise_days[patient_id].setdefault(exercise, []).append((on, during))
    entries = []
    for p in linked:
        today, seen = todays[p.id], overview[p.id]
        screen = screens.get(p.id)
        facts = PatientFacts(
            today=today,
            linked_on=p.since.date(),
            screen=_screen(screen) if screen else None,
            sessions=by_patient.get(p.id, []),
            last_session=seen.last_session,
            schedule=_current(programs.get(p.id, []), today),
            names=runtime.names,
            exercise_days=exercise_days.get(p.id, {}),
            week_sessions=seen.weeks[today],
        )
        entries.append(DashboardEntry(Patient(p.id, p.email, p.since), seen.last_session, follow.attention(facts)))
    return sorted(entries, key=lambda e: follow.priority(e.signals, e.patient.name))


SCHEDULES = "follow-schedules"
"""The key of a patient's programs' schedules in the runtime's cache."""


def _programs(
    runtime: Runtime, repo: FollowRepository, linked: Sequence[LinkedPatient]
) -> dict[int, list[tuple[int, Schedule]]]:
    """Each patient's programs that have not ended, with their current versions' schedules. A program's body holds
    every item, and decoding 200 of them (PostgreSQL parses a json value again for each field read) cost more than
    the rest of the dashboard, so what was read at a patient's revision is kept in the runtime's cache and read
    again only after they (or a clinician, through `Runtime.care`) wrote something: the revision comes from the
    same transaction, so what is used is never older than it."""
    found: dict[int, list[tuple[int, Schedule]]] = {}
    missing = []
    for p in linked:
        kept = runtime.cache.get(p.id, SCHEDULES, p.revision, runtime.now())
        if kept is None:
            missing.append(p.id)
        else:
            found[p.id] = [(i, _unpack(s)) for i, s in json.loads(kept)]
    read: dict[int, list[tuple[int, Schedule]]] = {p: [] for p in missing}
    for v in repo.current_versions(missing):
        read[v.patient_id].append((v.program_id, follow.schedule_of(v.body)))
    for p in linked:
        if p.id in read:
            packed = json.dumps([(i, _pack(s)) for i, s in read[p.id]]).encode()
            runtime.cache.put(p.id, SCHEDULES, p.revision, FOREVER, packed)
    return found | read


FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)
"""A schedule read at a revision holds until the next: nothing about it changes with the day."""


def _pack(s: Schedule) -> list[object]:
    return [list(s.weekdays), s.sessions_per_day, s.start_date.isoformat()]


def _unpack(raw: list[Any]) -> Schedule:
    return Schedule(tuple(raw[0]), raw[1], dt.date.fromisoformat(raw[2]))


def _zone(runtime: Runtime, raw: dict[str, object] | None, known: dict[str, dt.tzinfo | None]) -> dt.tzinfo | None:
    """A patient's zone, validated once per distinct set of preferences: most patients share a few."""
    key = repr(sorted(raw.items())) if raw else ""
    if key not in known:
        known[key] = preferences.zone_of(runtime, preferences.restore(raw))
    return known[key]


def _details(
    repo: FollowRepository, hurt: list[int], first: dt.date, until: dt.date
) -> tuple[list[SessionFacts], list[ItemFacts], list[tuple[int, str, dt.date, int | None]]]:
    """What the flare and step-down rules read of the patients who may flare (`hurt`; `first` and `until` the
    earliest and latest of the patients' days).

    The baseline only ever raises the limit for pain during, so a patient's earlier sessions are read only when a
    pain during could be compared with it: for those with an exercise over the lowest limit in the window (back to
    the window's baseline), and for those with two days over the lowest limits, the only ones who can have an
    exercise stepped down (back to the baseline of the look-back's first day, with each exercise's last two days).
    Everyone else needs only the window's sessions."""
    if not hurt:
        return [], [], []
    window = first - dt.timedelta(days=follow.WINDOW_DAYS)
    since = first - dt.timedelta(days=follow.LOOKBACK_DAYS)
    over = Counter(p for p, _ in repo.over_days(since, until, follow.LEAST, hurt))
    items = repo.items_over(window, dosing.DURING_LIMIT, hurt)
    twice = {p for p in hurt if over[p] >= 2}
    during = {i.patient_id for i in items} - twice
    rest = [p for p in hurt if p not in twice and p not in during]
    sessions = [
        *repo.sessions_since(window, rest),
        *repo.sessions_since(since, during),
        *repo.sessions_since(first - dt.timedelta(days=follow.READ_DAYS), twice),
    ]
    # Each exercise's last two days: within the week for most people, who exercise more than once a week;
    # further back (the whole look-back) only for those with an exercise done once in it.
    days = repo.last_two_days(window, twice)
    single = _done_once(days)
    if single:
        days = [d for d in days if d[0] not in single] + repo.last_two_days(since, single)
    return sessions, items, days


# One patient


def _items(record: SessionRecord) -> tuple[tuple[str, int | None], ...]:
    return tuple((i.exercise, i.pain_during) for i in record.items)


def _facts(
    runtime: Runtime,
    records: Sequence[SessionRecord],
    since: dt.datetime,
    today: dt.date,
    screen: StoredScreen | None,
    program: Prescribed | None,
) -> PatientFacts:
    sessions = [SessionPains(r.date, r.pain_before, r.pain_after, r.pain_next_morning, _items(r)) for r in records]
    return PatientFacts(
        today=today,
        linked_on=since.date(),
        screen=screen,
        sessions=sessions,
        exercise_days=follow.last_days(sessions),
        last_session=max((r.date for r in records), default=None),
        schedule=_schedule(program.program) if program and program.program.start_date <= today else None,
        names=runtime.names,
    )


def _schedules(program: Prescribed | None) -> list[tuple[dt.date, Schedule]]:
    if program is None:
        return []
    return [(v.created_at.date(), _schedule(PrescribedProgram.model_validate(v.body))) for v in program.stored.versions]


def _link_since(repo: UserRepository, clinician_id: int) -> dt.datetime:
    from backcoach.storage.repository import ClinicRepository

    since = ClinicRepository(repo.db, clinician_id).link_since(repo.user_id)
    assert since is not None  # `Runtime.care` let us in, so the link is active in this transaction
    return since


def summary(runtime: Runtime, clinician_id: int, patient_id: int) -> PatientSummary:
    """Everything the clinician's page about one patient shows; `NotFound` for anyone not linked to them now."""
    _require_clinician(runtime, clinician_id)
    with runtime.care(clinician_id, patient_id, "read", PAGE_READ) as repo:
        today = runtime.today(preferences.zone_in(runtime, repo))
        since = _link_since(repo, clinician_id)
        stored = sorted(repo.sessions(), key=lambda s: (s.record.date, s.id))
        checks = repo.outcomes()
        latest = repo.latest_screening()
        programs = active_programs(repo)
        notes = PatientFollow(repo.db, patient_id, clinician_id).notes()
        clearances = PatientFollow(repo.db, patient_id, clinician_id).clearances()
        email = repo.email()
    records = [s.record for s in stored]
    program = followed_on(programs, today) or (programs[-1] if programs else None)
    facts = _facts(runtime, records, since, today, latest, program)
    return PatientSummary(
        patient=Patient(patient_id, email, since),
        today=today,
        signals=follow.attention(facts),
        screen=latest,
        clearances=clearances,
        program=program,
        weeks=follow.weekly_adherence([r.date for r in records], _schedules(program), today, WEEKS_SHOWN),
        pain=charts.pain_data(records),
        outcome=summarise([c.record for c in checks], today),
        checks=checks,
        doses=charts.dose_data(records, runtime.names, runtime.ladders),
        notes=notes,
        sessions=list(reversed(stored)),
    )


def chart(runtime: Runtime, clinician_id: int, patient_id: int, which: str) -> str:
    """The patient's pain or doses chart (the same drawing as their Progress page), as SVG."""
    _require_clinician(runtime, clinician_id)
    what = "pain around sessions" if which == "pain" else "each exercise's dose and rung"
    with runtime.care(clinician_id, patient_id, "read", f"your sessions, for a chart of {what}") as repo:
        stored = repo.sessions()
    records = [s.record for s in sorted(stored, key=lambda s: (s.record.date, s.id))]
    if which == "pain":
        return charts.pain_svg(charts.pain_data(records))
    return charts.doses_svg(charts.dose_data(records, runtime.names, runtime.ladders))


# Notes and clearances


def _clinician_name(repo: UserRepository, clinician_id: int) -> str:
    found = account_role(repo.db, clinician_id)
    return (found[1] if found else None) or "your clinician"


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty (1 to {NOTE_MAX} characters)", (field,))
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"{field} is {len(text)} characters long; at most {NOTE_MAX}", (field,))
    return text


def add_note(runtime: Runtime, clinician_id: int, patient_id: int, body: str, session_id: int | None) -> NoteRow:
    """A note about the patient, or one of their sessions, under the clinician's name as it is now."""
    _require_clinician(runtime, clinician_id)
    text = _text(body, "body")
    with runtime.care(clinician_id, patient_id, "change", "a note about you") as repo:
        notes = PatientFollow(repo.db, patient_id, clinician_id)
        if session_id is not None and not notes.has_session(session_id):
            raise InvalidInput(f"this patient has no session {session_id}", ("session_id",))
        return notes.add_note(_clinician_name(repo, clinician_id), text, session_id, runtime.now())


def record_clearance(runtime: Runtime, clinician_id: int, patient_id: int, screen_id: int, note: str) -> ClearanceFacts:
    """Clear the patient's latest screen, which must be `screen_id`, must stop sessions and must not be an
    emergency (`follow.check_clearable`). It is stored exactly as the patient's own record of a clinician's
    clearance is (`safety.record_clinician_clearance`): a new screen at "check-first" that keeps the earlier
    answers, so the safety gate lets sessions go ahead, plans start gently and what the answers ruled out stays
    out; the clearance row says who cleared which screen, and when."""
    _require_clinician(runtime, clinician_id)
    text = _text(note, "note")
    now = runtime.now()
    with runtime.care(clinician_id, patient_id, "change", "a clearance after your safety check") as repo:
        latest = follow.check_clearable(repo.latest_screening(), screen_id)
        name = _clinician_name(repo, clinician_id)
        answers = screening.stored_answers(latest.answers)
        shown = f"{text} ({name}, {follow.day(now)})"
        result = screening.clinician_clearance(shown, answers, runtime.catalogue)
        kept = {k: v for k, v in answers.to_dict().items() if v}
        repo.add_screening(result, kept, now, clinician_note=shown)
        return PatientFollow(repo.db, patient_id, clinician_id).add_clearance(latest.id, name, text, now)
