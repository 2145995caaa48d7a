"""Programs a clinician prescribes (app/prescribing.py), on the real database: versions, templates kept to their
clinician, the patient's plan following a program on its days only, and the safety screen overriding it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backcoach import content
from backcoach.app import accounts, guided, history, plans, prescribing, safety
from backcoach.app.runtime import Runtime
from backcoach.domain.errors import InvalidInput, NotFound, Refused
from backcoach.domain.history import SessionItem, SessionRecord
from backcoach.domain.prescribed import PrescribedProgram, parse_program
from backcoach.domain.screening import parse_answers
from backcoach.storage.models import AccessLogRow, CareLink, SessionRow, User
from tests.conftest import Clock

pytestmark = pytest.mark.databases

MONDAY = dt.date(2026, 11, 23)  # the clock starts on Saturday 21 November 2026


def people(runtime: Runtime) -> tuple[int, int, int]:
    """A clinician linked to a patient, and a second clinician linked to nobody."""
    clinician = accounts.register(runtime, "clin@example.org", "a long enough password").id
    patient = accounts.register(runtime, "pat@example.org", "a long enough password").id
    other = accounts.register(runtime, "other@example.org", "a long enough password").id
    with runtime.transactions.begin() as db:
        for who, name in ((clinician, "Dr Ada"), (other, "Dr Bo")):
            user = db.get(User, who)
            assert user is not None
            user.role, user.display_name = "clinician", name
        db.add(CareLink(clinician_id=clinician, patient_id=patient, accepted_at=runtime.now()))
    return clinician, patient, other


def body(**changes: Any) -> dict[str, Any]:
    program: dict[str, Any] = {
        "title": "Bridge and pump",
        "note": "Slow and steady.",
        "start_date": MONDAY.isoformat(),
        "days_per_week": 3,
        "items": [
            {"exercise": "ankle-pump", "rung": "ankle-pump", "dose": {"reps": 10, "per_side": True}},
            {
                "exercise": "bridge",
                "rung": "bridge/short",
                "dose": {"reps": 10},
                "mode": "progress",
                "ceiling": {"rung": "bridge", "dose": {"reps": 15, "sets": 3, "rest_s": 60}},
                "note": "Squeeze your glutes.",
            },
            {"exercise": "cat-stretch", "rung": "cat-stretch", "dose": {"reps": 3}},
        ],
    }
    program.update(changes)
    return program


def program(**changes: Any) -> PrescribedProgram:
    return parse_program(body(**changes), PrescribedProgram)


def to(clock: Clock, day: dt.date) -> None:
    clock.advance(days=(day - clock().date()).days)


def log(runtime: Runtime, patient: int) -> list[tuple[str, str]]:
    with runtime.transactions.begin() as db:
        rows = db.scalars(select(AccessLogRow).where(AccessLogRow.patient_id == patient).order_by(AccessLogRow.id))
        return [(r.action, r.what) for r in rows]


def test_each_change_is_a_new_version_and_each_use_is_logged(runtime: Runtime) -> None:
    clinician, patient, _ = people(runtime)
    before = runtime.revision(patient)
    created = prescribing.create_program(runtime, clinician, patient, program())
    assert (created.version, created.prescribed_by, created.program.title) == (1, "Dr Ada", "Bridge and pump")
    assert runtime.revision(patient) != before
    lowered = program(items=body()["items"][:1], title="Just the pump")
    changed = prescribing.change_program(runtime, clinician, patient, created.stored.id, lowered)
    assert [v.version for v in changed.stored.versions] == [1, 2]
    assert changed.stored.versions[0].body == created.stored.current.body  # the first version is as it was
    assert changed.stored.title == "Just the pump"
    assert len(changed.program.items) == 1
    listed = prescribing.list_programs(runtime, clinician, patient)
    assert [(p.stored.id, p.version) for p in listed] == [(created.stored.id, 2)]
    ended = prescribing.end_program(runtime, clinician, patient, created.stored.id)
    assert ended.stored.ended_at is not None
    with pytest.raises(InvalidInput):
        prescribing.change_program(runtime, clinician, patient, created.stored.id, lowered)
    assert [a for a, _ in log(runtime, patient)] == ["change", "change", "read", "change"]
    assert "Bridge and pump" in log(runtime, patient)[0][1]


def test_a_program_from_an_article_or_a_template(runtime: Runtime) -> None:
    clinician, _, _ = people(runtime)
    article = prescribing.starting_program(runtime, clinician, start_date=MONDAY, article="core-five")
    assert [i.exercise for i in article.items] == [i.exercise for i in content.programs()["core-five"].items]
    template = prescribing.create_template(runtime, clinician, "Starter", program().draft())
    from_template = prescribing.starting_program(runtime, clinician, start_date=MONDAY, template=template.id)
    assert from_template == program()
    with pytest.raises(InvalidInput) as caught:
        prescribing.starting_program(runtime, clinician, start_date=MONDAY, article="core-five", template=template.id)
    assert caught.value.loc == ("source",)
    with pytest.raises(InvalidInput) as caught:
        prescribing.starting_program(runtime, clinician, start_date=MONDAY, article="yoga")
    assert caught.value.loc == ("article",)
    assert "core-five" in caught.value.message


def test_programs_and_templates_stay_with_their_clinician(runtime: Runtime) -> None:
    clinician, patient, other = people(runtime)
    created = prescribing.create_program(runtime, clinician, patient, program())
    template = prescribing.create_template(runtime, clinician, "Starter", program().draft())
    with pytest.raises(NotFound):
        prescribing.list_programs(runtime, other, patient)  # not linked
    with pytest.raises(NotFound):
        prescribing.create_program(runtime, other, patient, program())
    with pytest.raises(NotFound):
        prescribing.create_program(runtime, clinician, other, program())
    with runtime.transactions.begin() as db:
        db.add(CareLink(clinician_id=other, patient_id=patient, accepted_at=runtime.now()))
    # Linked to the same patient, the other clinician still sees neither the first one's program nor template.
    assert prescribing.list_programs(runtime, other, patient) == []
    for use in (prescribing.get_program, prescribing.end_program):
        with pytest.raises(NotFound):
            use(runtime, other, patient, created.stored.id)
    with pytest.raises(NotFound):
        prescribing.change_program(runtime, other, patient, created.stored.id, program())
    with pytest.raises(NotFound):
        prescribing.get_template(runtime, other, template.id)
    with pytest.raises(NotFound):
        prescribing.replace_template(runtime, other, template.id, "Mine now", program().draft())
    with pytest.raises(NotFound):
        prescribing.delete_template(runtime, other, template.id)
    with pytest.raises(NotFound):
        prescribing.starting_program(runtime, other, start_date=MONDAY, template=template.id)
    assert prescribing.list_templates(runtime, other) == []
    with pytest.raises(Refused):
        prescribing.list_templates(runtime, patient)  # a patient keeps no templates
    prescribing.replace_template(runtime, clinician, template.id, "Renamed", program().draft())
    assert [t.name for t, _ in prescribing.list_templates(runtime, clinician)] == ["Renamed"]
    prescribing.delete_template(runtime, clinician, template.id)
    assert prescribing.list_templates(runtime, clinician) == []


def test_the_plan_follows_the_program_on_its_days_only(runtime: Runtime, clock: Clock) -> None:
    clinician, patient, _ = people(runtime)
    own = plans.plan_snapshot(runtime, patient)
    created = prescribing.create_program(runtime, clinician, patient, program())
    assert plans.plan_snapshot(runtime, patient).program is None  # Saturday: before it starts
    to(clock, MONDAY)
    snapshot = plans.plan_snapshot(runtime, patient)
    assert snapshot.program is not None
    assert snapshot.program.version_id == created.version_id
    plan = snapshot.plan
    assert [(i.exercise, i.rung) for i in plan.items] == [
        ("ankle-pump", "ankle-pump"),
        ("bridge", "bridge/short"),
        ("cat-stretch", "cat-stretch"),
    ]
    assert plan.items[1].prescription.reps == 10
    assert "From your clinician: Squeeze your glutes." in (plan.items[1].note or "")
    assert "prescribed by Dr Ada (version 1): Slow and steady." in plan.cautions[0]
    assert plan.estimated_duration_s == sum(i.estimated_duration_s for i in plan.items)
    to(clock, MONDAY + dt.timedelta(days=1))  # Tuesday: the person's own plan
    tuesday = plans.plan_snapshot(runtime, patient)
    assert tuesday.program is None
    assert [i.exercise for i in tuesday.plan.items] == [i.exercise for i in own.plan.items]
    to(clock, MONDAY + dt.timedelta(days=2))
    assert plans.plan_snapshot(runtime, patient).program is not None
    prescribing.end_program(runtime, clinician, patient, created.stored.id)
    assert plans.plan_snapshot(runtime, patient).program is None


def test_the_safety_screen_overrides_the_program(runtime: Runtime, clock: Clock) -> None:
    clinician, patient, _ = people(runtime)
    prescribing.create_program(runtime, clinician, patient, program())
    to(clock, MONDAY)
    # Bending forward worse leaves the cat stretch out, program or not, and says so.
    safety.take_screen(runtime, patient, parse_answers({"worse_bending_forward": True, "age": 40}))
    plan = plans.plan_snapshot(runtime, patient).plan
    assert "cat-stretch" not in {i.exercise for i in plan.items}
    assert "cat-stretch" in {e.exercise for e in plan.excluded}
    safety.record_red_flag(runtime, patient)
    with pytest.raises(safety.Blocked):
        plans.plan_snapshot(runtime, patient)


def test_a_flare_steps_a_program_item_down_and_progress_stops_at_the_ceiling(runtime: Runtime, clock: Clock) -> None:
    clinician, patient, _ = people(runtime)
    items = body()["items"]
    items[1] = {**items[1], "rung": "bridge", "dose": {"reps": 12, "sets": 3, "rest_s": 60}}
    prescribing.create_program(runtime, clinician, patient, program(items=items, days_per_week=7))
    to(clock, MONDAY)
    for _ in range(3):  # two good days at the ceiling's rung: the rules would step up, the ceiling says no
        plan = plans.plan_snapshot(runtime, patient).plan
        record(runtime, patient, plan, pain_during=1)
        clock.advance(days=1)
    plan = plans.plan_snapshot(runtime, patient).plan
    bridge = next(i for i in plan.items if i.exercise == "bridge")
    assert (bridge.rung, bridge.prescription.reps, bridge.prescription.sets) == ("bridge", 15, 3)
    record(runtime, patient, plan, pain_during=9, pain_after=9)
    clock.advance(days=1)
    flared = plans.plan_snapshot(runtime, patient).plan
    pump = next(i for i in flared.items if i.exercise == "ankle-pump")
    assert (pump.prescription.reps or 0) < 10  # a kept dose steps down after a flare
    assert "pain" in (pump.note or "")


def record(runtime: Runtime, patient: int, plan: Any, pain_during: int, pain_after: int = 1) -> int:
    items = [
        SessionItem(
            exercise=i.exercise,
            rung=i.rung,
            prescription=i.prescription,
            completed_reps=i.prescription.reps or 1,
            completed_sets=i.prescription.sets or 1,
            difficulty="right",
            pain_during=pain_during,
        )
        for i in plan.items
    ]
    day = runtime.today()
    return history.add_session(
        runtime, patient, SessionRecord(date=day, pain_before=1, pain_after=pain_after, items=items)
    ).id


def test_sessions_keep_the_version_they_followed(runtime: Runtime, clock: Clock) -> None:
    clinician, patient, _ = people(runtime)
    created = prescribing.create_program(runtime, clinician, patient, program())
    saturday = record(runtime, patient, plans.plan_snapshot(runtime, patient).plan, pain_during=1)
    to(clock, MONDAY)
    first = record(runtime, patient, plans.plan_snapshot(runtime, patient).plan, pain_during=1)
    changed = prescribing.change_program(runtime, clinician, patient, created.stored.id, program(title="Version two"))
    to(clock, MONDAY + dt.timedelta(days=2))
    guided_id = guided.begin_session(runtime, patient, pain_before=2)
    to(clock, MONDAY + dt.timedelta(days=3))
    thursday = record(runtime, patient, plans.plan_snapshot(runtime, patient).plan, pain_during=1)
    assert prescribing.session_versions(runtime, patient) == {
        first: created.version_id,
        guided_id: changed.version_id,
    }
    assert saturday not in prescribing.session_versions(runtime, patient)
    assert thursday not in prescribing.session_versions(runtime, patient)
    versions = prescribing.get_program(runtime, clinician, patient, created.stored.id).stored.versions
    assert [(v.version, v.sessions) for v in versions] == [(1, 1), (2, 1)]
    # Editing a session keeps the version it followed.
    history.edit_session(runtime, patient, first, {"pain_before": 3})
    with runtime.transactions.begin() as db:
        row = db.get(SessionRow, first)
        assert row is not None
        assert row.program_version_id == created.version_id
