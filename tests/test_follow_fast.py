"""The fast dashboard is the rules over every row: for random small histories of several patients (sessions with
any pains, including unknown ones, exercises hurting or not, days in the future of a patient's own day, blocking and
clear safety checks, programs started or not, three time zones, links old and new, ended or another clinician's),
`follow.dashboard` equals the straightforward computation from the domain functions over each patient's full rows,
on SQLite and PostgreSQL (docs/clinician.md "Following patients")."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from backcoach import content
from backcoach.app import follow, preferences
from backcoach.app.runtime import Runtime
from backcoach.domain import follow as rules
from backcoach.domain.clinic import Patient
from backcoach.domain.follow import PatientFacts, Schedule, SessionPains, Signal
from backcoach.domain.preferences import Preferences
from backcoach.domain.prescribed import PrescribedProgram, from_article
from backcoach.domain.screening import CLEARANCES
from backcoach.storage.models import (
    Base,
    CareLink,
    Program,
    ProgramVersion,
    Screening,
    SessionItemRow,
    SessionRow,
    User,
)
from tests.strategies import examples

pytestmark = pytest.mark.databases

ZONES = (None, "Pacific/Kiritimati", "Pacific/Pago_Pago")
"""The server's own, and the two furthest apart: at the test clock's 08:00 UTC, a day ahead and a day behind."""
EXERCISES = ("bridge", "bird-dog", "cat-stretch")
COUNTER = itertools.count()


@dataclass(frozen=True)
class Seeded:
    days_ago: int
    before: int
    after: int | None
    morning: int | None
    items: list[tuple[str, int | None]]


pain = st.integers(0, 10)
unknown_or_pain = st.none() | pain
sessions = st.lists(
    st.builds(
        Seeded,
        # Mostly the last weeks, where the rules look; some further back (the baselines), and tomorrow.
        days_ago=st.integers(-1, 24) | st.integers(25, 50),
        before=pain,
        after=unknown_or_pain,
        morning=unknown_or_pain,
        items=st.lists(st.tuples(st.sampled_from(EXERCISES), unknown_or_pain), min_size=1, max_size=3),
    ),
    max_size=14,
)
patients = st.lists(
    st.fixed_dictionaries(
        {
            "sessions": sessions,
            "linked_days_ago": st.integers(0, 40),
            "zone": st.sampled_from(ZONES),
            "screen": st.none()
            | st.tuples(st.sampled_from(CLEARANCES), st.booleans(), st.integers(0, 30)),  # level, pre-session?, age
            "program": st.none() | st.tuples(st.integers(-3, 40), st.integers(1, 7), st.integers(1, 2)),
            "link": st.sampled_from(["active", "active", "active", "ended", "another clinician's"]),
        }
    ),
    min_size=1,
    max_size=5,
)


def _table(model: type[Base]) -> Any:
    return Base.metadata.tables[model.__tablename__]


def seed(runtime: Runtime, people: list[dict[str, Any]]) -> int:
    """A clinician and their patients, written straight to the tables (the dashboard reads only rows)."""
    now, today = runtime.now(), runtime.today()
    n = next(COUNTER)
    with runtime.transactions.begin() as db:
        conn = db.connection()

        def account(email: str, **more: Any) -> int:
            row = {"email": email, "password_hash": "x", "is_local": False, "created_at": now} | more
            return int(conn.execute(insert(_table(User)).returning(_table(User).c.id), row).scalar_one())

        clinician = account(f"clinician{n}@example.org", role="clinician", display_name=f"Dr {n}")
        other = account(f"other{n}@example.org", role="clinician", display_name=f"Dr Other {n}")
        for k, person in enumerate(people):
            prefs = Preferences(time_zone=person["zone"]).model_dump(mode="json") if person["zone"] else None
            patient = account(f"patient{n}-{k}@example.org", preferences=prefs)
            linked = now - dt.timedelta(days=person["linked_days_ago"])
            conn.execute(
                insert(_table(CareLink)),
                {
                    "clinician_id": other if person["link"] == "another clinician's" else clinician,
                    "patient_id": patient,
                    "accepted_at": linked,
                    "ended_at": now if person["link"] == "ended" else None,
                },
            )
            for s in person["sessions"]:
                session = conn.execute(
                    insert(_table(SessionRow)).returning(_table(SessionRow).c.id),
                    {
                        "user_id": patient,
                        "date": today - dt.timedelta(days=s.days_ago),
                        "pain_before": s.before,
                        "pain_after": s.after,
                        "pain_next_morning": s.morning,
                        # A record without pain after is one the person stopped part way.
                        "status": "complete" if s.after is not None else "partial",
                        "created_at": now,
                    },
                ).scalar_one()
                conn.execute(
                    insert(_table(SessionItemRow)),
                    [
                        {
                            "session_id": session,
                            "user_id": patient,
                            "position": i,
                            "exercise": exercise,
                            "rung": None,
                            "prescription": {"reps": 5},
                            "completed_reps": 5,
                            "completed_sets": 1,
                            "difficulty": "right",
                            "pain_during": during,
                        }
                        for i, (exercise, during) in enumerate(s.items)
                    ],
                )
            if person["screen"]:
                level, pre_session, age = person["screen"]
                item = "pre_session_red_flag" if pre_session else "cancer_history"
                conn.execute(
                    insert(_table(Screening)),
                    {
                        "user_id": patient,
                        "taken_at": now - dt.timedelta(days=age),
                        "answers": {},
                        "clearance": level,
                        "reasons": [{"item": item, "message": "why"}],
                        "advice": "",
                    },
                )
            if person["program"]:
                start, per_week, per_day = person["program"]
                article = content.programs()["staged-low-back"]
                body = from_article(article, today - dt.timedelta(days=start), runtime.ladders).model_copy(
                    update={"days_per_week": per_week, "sessions_per_day": per_day, "days": ()}
                )
                program = conn.execute(
                    insert(_table(Program)).returning(_table(Program).c.id),
                    {"patient_id": patient, "clinician_id": clinician, "title": body.title, "created_at": now},
                ).scalar_one()
                for version in (1, 2):  # the current version is the newest
                    conn.execute(
                        insert(_table(ProgramVersion)),
                        {
                            "program_id": program,
                            "patient_id": patient,
                            "version": version,
                            "body": body.model_dump(mode="json")
                            | ({} if version == 2 else {"days_per_week": 7, "sessions_per_day": 3}),
                            "created_at": now,
                            "created_by": clinician,
                            "clinician_name": f"Dr {n}",
                        },
                    )
    return clinician


def reference(runtime: Runtime, clinician: int) -> list[tuple[int, dt.date | None, list[Signal]]]:
    """The dashboard the slow, plain way: every row of every patient of the clinician's now, through the rules."""
    with runtime.transactions.begin() as db:
        links = db.execute(
            select(CareLink.patient_id, CareLink.accepted_at, User.email)
            .join(User, User.id == CareLink.patient_id)
            .where(CareLink.clinician_id == clinician, CareLink.ended_at.is_(None))
        ).all()
    entries = []
    for patient_id, since, email in links:
        today = preferences.today(runtime, patient_id)
        with runtime.unit(patient_id) as repo:
            stored = sorted(repo.sessions(), key=lambda s: (s.record.date, s.id))
            screen = repo.latest_screening()
            db = repo.db
            programs = db.execute(
                select(Program.id, ProgramVersion.version, ProgramVersion.body)
                .join(ProgramVersion, ProgramVersion.program_id == Program.id)
                .where(Program.patient_id == patient_id, Program.ended_at.is_(None))
            ).all()
        newest: dict[int, tuple[int, dict[str, Any]]] = {}
        for program_id, version, body in programs:
            if program_id not in newest or version > newest[program_id][0]:
                newest[program_id] = (version, body)
        started = [
            (p.start_date, program_id, Schedule(p.weekdays, p.sessions_per_day, p.start_date))
            for program_id, (_, body) in newest.items()
            if (p := PrescribedProgram.model_validate(body)).start_date <= today
        ]
        pains = [
            SessionPains(
                s.record.date,
                s.record.pain_before,
                s.record.pain_after,
                s.record.pain_next_morning,
                tuple((i.exercise, i.pain_during) for i in s.record.items),
            )
            for s in stored
        ]
        last = max((s.date for s in pains), default=None)
        facts = PatientFacts(
            today=today,
            linked_on=since.date(),
            screen=screen,
            sessions=pains,
            last_session=last,
            schedule=max(started, key=lambda s: (s[0], s[1]))[2] if started else None,
            exercise_days=rules.last_days(pains),
            names=runtime.names,
        )
        entries.append((Patient(patient_id, email, since), last, rules.attention(facts)))
    entries.sort(key=lambda e: rules.priority(e[2], e[0].name))
    return [(p.id, last, signals) for p, last, signals in entries]


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(people=patients)
def test_the_fast_dashboard_is_the_rules_over_every_row(runtime: Runtime, people: list[dict[str, Any]]) -> None:
    clinician = seed(runtime, people)
    fast = [(e.patient.id, e.last_session, e.signals) for e in follow.dashboard(runtime, clinician)]
    assert fast == reference(runtime, clinician)


def test_a_step_down_reads_the_baseline_of_its_first_day(runtime: Runtime) -> None:
    """An exercise's earlier day over the limit can lie two weeks before the window, and whether pain during it was
    over depends on the baseline of the two weeks before that: a usual pain of 6 lifts the limit to 7, so pain 7
    during the bridge then was within it, and there is no step down."""
    usual = [Seeded(n, 6, 6, 6, [("cat-stretch", 1)]) for n in (34, 30, 27, 24)]
    hurt = [Seeded(20, 6, 6, 6, [("bridge", 7)]), Seeded(1, 2, 2, 2, [("bridge", 7)])]
    person = {"sessions": usual + hurt, "linked_days_ago": 40, "zone": None, "screen": None, "program": None}
    clinician = seed(runtime, [person | {"link": "active"}])
    [entry] = follow.dashboard(runtime, clinician)
    assert [s.kind for s in entry.signals] == ["flare"]
    assert [(e.patient.id, e.last_session, e.signals) for e in [entry]] == reference(runtime, clinician)


def test_two_days_over_the_limit_are_enough_for_a_step_down(runtime: Runtime) -> None:
    """The fewest days over the lowest limits a step down can have, the earlier one before the window."""
    hurt = [Seeded(12, 2, 2, 2, [("bridge", 8)]), Seeded(1, 2, 2, 2, [("bridge", 8)])]
    person = {"sessions": hurt, "linked_days_ago": 40, "zone": None, "screen": None, "program": None}
    clinician = seed(runtime, [person | {"link": "active"}])
    [entry] = follow.dashboard(runtime, clinician)
    assert [s.kind for s in entry.signals] == ["flare", "stepped-down"]
    assert [(entry.patient.id, entry.last_session, entry.signals)] == reference(runtime, clinician)
