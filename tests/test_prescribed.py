"""A prescribed program (domain/prescribed.py): validation that names the item and field, the article programs
exactly as their articles give them, and following a program never passes an item's ceiling nor moves a kept dose
up, whatever the history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backcoach import content
from backcoach.domain import dosing, prescribed
from backcoach.domain.catalogue import Prescription
from backcoach.domain.prescribed import (
    Ceiling,
    PrescribedItem,
    PrescribedProgram,
    ProgramError,
    check_program,
    parse_program,
)
from backcoach.domain.timeline import resolve
from tests.strategies import examples

START = dt.date(2026, 11, 23)  # a Monday


def body(**changes: Any) -> dict[str, Any]:
    program: dict[str, Any] = {
        "title": "Bridge and pump",
        "note": "Slow and steady.",
        "start_date": START.isoformat(),
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
        ],
    }
    program.update(changes)
    return program


def item(index: int, **changes: Any) -> dict[str, Any]:
    items = body()["items"]
    items[index] = {**items[index], **changes}
    return body(items=items)


def check(raw: dict[str, Any]) -> None:
    check_program(parse_program(raw, PrescribedProgram), content.catalogue(), content.ladders())


def test_a_valid_program_passes_and_spreads_its_days() -> None:
    check(body())
    program = parse_program(body(), PrescribedProgram)
    assert program.weekdays == ("mon", "wed", "fri")
    assert [program.due(START + dt.timedelta(days=d)) for d in range(-7, 7)] == [False] * 7 + [
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("raw", "loc", "words"),
    [
        (body(days_per_week=0), ("days_per_week",), "greater than or equal to 1"),
        (body(days_per_week=8), ("days_per_week",), "less than or equal to 7"),
        (body(sessions_per_day=4), ("sessions_per_day",), "less than or equal to 3"),
        (body(days=["mon", "tue"]), ("days",), "mon, tue, wed"),
        (body(days=["mon", "mon", "fri"]), ("days",), "different weekdays"),
        (body(days=["mon", "someday", "fri"]), ("days", 1), "'mon'"),
        (body(items=[]), ("items",), "at least 1"),
        (body(title=""), ("title",), "at least 1"),
        (item(0, mode="sometimes"), ("items", 0, "mode"), "'keep' or 'progress'"),
        (item(1, ceiling=None), ("items", 1), "needs a ceiling"),
        (item(0, ceiling={"rung": "ankle-pump", "dose": {"reps": 10, "per_side": True}}), ("items", 0), "no ceiling"),
        (item(0, dose={"reps": 0}), ("items", 0, "dose", "reps"), "greater than or equal to 1"),
    ],
)
def test_a_malformed_program_names_the_field(raw: dict[str, Any], loc: tuple[Any, ...], words: str) -> None:
    with pytest.raises(ProgramError) as caught:
        parse_program(raw, PrescribedProgram)
    assert caught.value.loc == loc
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("raw", "loc", "words"),
    [
        (item(0, exercise="moonwalk"), ("items", 0, "exercise"), "allowed: "),
        (item(1, rung="bridge/flying"), ("items", 1, "rung"), "allowed: bridge/short, bridge, bridge/held"),
        (item(0, dose={"reps": 11, "per_side": True}), ("items", 0, "dose"), "top of ankle-pump"),
        (item(0, dose={"reps": 10}), ("items", 0, "dose"), "per_side=true"),
        (
            item(1, ceiling={"rung": "bridge/short", "dose": {"reps": 5}}),
            ("items", 1, "ceiling"),
            "at or above the starting rung",
        ),
        (
            item(1, ceiling={"rung": "bridge/held", "dose": {"reps": 15, "hold_s": 30, "sets": 3, "rest_s": 60}}),
            ("items", 1, "ceiling", "dose"),
            "top of bridge/held",
        ),
        (
            item(
                1,
                exercise="ankle-pump",
                rung="ankle-pump",
                dose={"reps": 5, "per_side": True},
                mode="keep",
                ceiling=None,
            ),
            ("items", 1, "exercise"),
            "already in the program",
        ),
    ],
)
def test_a_program_that_does_not_fit_the_ladders_names_the_item_and_field(
    raw: dict[str, Any], loc: tuple[Any, ...], words: str
) -> None:
    with pytest.raises(ProgramError) as caught:
        check(raw)
    assert caught.value.loc == loc
    assert words in caught.value.message


@pytest.mark.parametrize("program_id", list(content.programs()))
def test_each_article_program_is_taken_exactly_as_its_article_gives_it(program_id: str) -> None:
    article = content.programs()[program_id]
    program = prescribed.from_article(article, START, content.ladders())
    check_program(program, content.catalogue(), content.ladders())
    assert [(i.exercise, i.dose, i.mode) for i in program.items] == [
        (a.exercise, a.prescription, "keep") for a in article.items
    ]
    assert program.note == " ".join(article.notes)


def test_a_template_keeps_everything_but_the_start_date() -> None:
    program = parse_program(body(), PrescribedProgram)
    again = prescribed.from_template(program.draft(), START + dt.timedelta(days=7))
    assert again.model_dump(exclude={"start_date"}) == program.model_dump(exclude={"start_date"})
    assert again.start_date == START + dt.timedelta(days=7)


# Following a program, whatever the history


@st.composite
def followed(draw: st.DrawFn) -> tuple[PrescribedItem, list[dosing.Attempt]]:
    catalogue, ladders = content.catalogue(), content.ladders()
    exercise = catalogue.get(draw(st.sampled_from(sorted(ladders))))
    ladder = ladders[exercise.id]
    steps = dosing.positions(exercise, ladder)
    start = draw(st.integers(0, len(steps) - 1))
    mode = draw(st.sampled_from(prescribed.MODES))
    ceiling = None
    if mode == "progress":
        top = steps[draw(st.integers(start, len(steps) - 1))]
        ceiling = Ceiling(rung=top.rung.id, dose=top.dose)
    given_item = PrescribedItem(
        exercise=exercise.id, rung=steps[start].rung.id, dose=steps[start].dose, mode=mode, ceiling=ceiling
    )
    program = PrescribedProgram(title="t", start_date=START, days_per_week=7, items=[given_item])
    try:
        check_program(program, catalogue, ladders)
    except ProgramError:
        assume(False)
    attempts = []
    day = START
    for _ in range(draw(st.integers(0, 8))):
        day += dt.timedelta(days=draw(st.integers(1, 20)))
        at = steps[draw(st.integers(0, len(steps) - 1))]
        before = draw(st.integers(0, 10))
        attempts.append(
            dosing.Attempt(
                date=day,
                prescription=at.dose,
                completed=draw(st.booleans()),
                difficulty=draw(st.sampled_from(["easy", "right", "hard"])),
                pain_during=draw(st.none() | st.integers(0, 10)),
                pain_before=before,
                pain_after=draw(st.none() | st.integers(0, 10)),
                pain_next_morning=draw(st.none() | st.integers(0, 10)),
                rung=at.rung.id,
            )
        )
    return given_item, attempts


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(followed(), st.integers(1, 30))
def test_following_never_passes_the_ceiling_and_never_raises_a_kept_dose(
    case: tuple[PrescribedItem, list[dosing.Attempt]], later: int
) -> None:
    it, attempts = case
    exercise, ladder = content.catalogue().get(it.exercise), content.ladders()[it.exercise]
    on = (attempts[-1].date if attempts else START) + dt.timedelta(days=later)
    pains = [(a.date, a.pain_before) for a in attempts]
    decision = dosing.next_dose(exercise, ladder, attempts, on=on, pains=pains)
    today = prescribed.follow(it, exercise, ladder, decision, tried=bool(attempts))
    if today.resting:
        return
    here = prescribed.position(ladder, today.rung, today.prescription)
    if it.mode == "keep":
        kept = (today.rung, today.prescription) == (it.rung, resolve(it.dose))
        assert kept or here < prescribed.position(ladder, it.rung, it.dose)
    else:
        assert it.ceiling is not None
        assert prescribed.at_or_below(ladder, today.rung, today.prescription, it.ceiling)
    if not attempts:
        assert (today.rung, today.prescription) == (it.rung, resolve(it.dose))


def test_a_flare_steps_a_kept_dose_down() -> None:
    exercise, ladder = content.catalogue().get("bridge"), content.ladders()["bridge"]
    it = PrescribedItem(exercise="bridge", rung="bridge", dose=Prescription(reps=15, sets=3, rest_s=60))
    flare = dosing.Attempt(
        date=START,
        prescription=resolve(it.dose),
        completed=True,
        difficulty="hard",
        pain_during=9,
        pain_before=2,
        pain_next_morning=None,
        pain_after=8,
        rung="bridge",
    )
    decision = dosing.next_dose(exercise, ladder, [flare], on=START + dt.timedelta(days=1))
    today = prescribed.follow(it, exercise, ladder, decision, tried=True)
    assert prescribed.position(ladder, today.rung, today.prescription) < prescribed.position(ladder, "bridge", it.dose)
    assert today.reason
    assert "pain" in today.reason
