"""The safety screen, version 2: a table a clinician can read row by row, and properties that try to break it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.domain.catalogue import Catalogue
from backcoach.domain.screening import (
    ANSWER_KEYS,
    CLEARANCES,
    QUESTION_KEYS,
    RULES,
    AnswersError,
    clinician_clearance,
    evaluate,
    expired,
    parse_answers,
    rank,
    stored_answers,
)

EMERGENCY = (
    "bladder_or_bowel_change",
    "saddle_numbness",
    "leg_weakness_worsening",
    "numbness_both_legs",
    "new_pain_both_legs",
    "major_trauma",
)
SEE_DOCTOR_ALONE = (
    "cancer_history",
    "unexplained_weight_loss",
    "constant_night_pain",
    "immunosuppressed_or_iv_drugs",
    "recent_spine_surgery",
)
CHECK_FIRST_ALONE = (
    "previous_back_injury",
    "disc_disease",
    "osteoporosis_or_steroids",
    "pregnant_or_recent_birth",
    "severe_or_not_improving",
)
NOT_A_FLAG_ALONE = ("recent_fall", "new_episode", "worse_bending_forward", "worse_bending_backward")

WHEN = {
    "emergency": "now",
    "urgent": "today",
    "see-doctor": "within 1 to 2 weeks",
    "check-first": "before you start",
    "clear": None,
}

# (answers given as yes, age, expected level): the whole contract in rows a clinician can check.
TABLE: list[tuple[tuple[str, ...], int, str]] = [
    ((), 35, "clear"),
    ((), 15, "clear"),  # age alone is never a reason
    ((), 80, "clear"),
    *(((key,), 40, "emergency") for key in EMERGENCY),
    (("fever_or_infection",), 40, "urgent"),
    (("cancer_history", "constant_night_pain"), 40, "urgent"),
    (("cancer_history", "unexplained_weight_loss"), 62, "urgent"),
    *(((key,), 40, "see-doctor") for key in SEE_DOCTOR_ALONE),
    (("constant_night_pain", "unexplained_weight_loss"), 40, "see-doctor"),  # no cancer history: not same-day
    (("osteoporosis_or_steroids", "recent_fall"), 70, "see-doctor"),
    (("new_episode",), 19, "see-doctor"),
    (("new_episode",), 56, "see-doctor"),
    (("new_episode",), 20, "clear"),
    (("new_episode",), 55, "clear"),
    (("new_episode",), 35, "clear"),
    *(((key,), 40, "check-first") for key in CHECK_FIRST_ALONE),
    (("recent_fall",), 80, "clear"),  # a small fall with normal bones is not a warning sign
    (("worse_bending_forward",), 30, "clear"),
    (("worse_bending_backward",), 30, "clear"),
    (("worse_bending_forward", "worse_bending_backward"), 30, "clear"),
    (("previous_back_injury", "disc_disease"), 45, "check-first"),
    (("severe_or_not_improving", "new_episode"), 40, "check-first"),
    (("pregnant_or_recent_birth", "worse_bending_backward"), 31, "check-first"),
    (("osteoporosis_or_steroids", "new_episode"), 50, "check-first"),
    (("osteoporosis_or_steroids", "new_episode"), 60, "see-doctor"),
    (("disc_disease", "cancer_history"), 40, "see-doctor"),
    (("recent_spine_surgery", "previous_back_injury"), 40, "see-doctor"),
    (("immunosuppressed_or_iv_drugs", "fever_or_infection"), 40, "urgent"),
    (("fever_or_infection", "saddle_numbness"), 40, "emergency"),
    (("major_trauma", "osteoporosis_or_steroids", "recent_fall"), 75, "emergency"),
    (("bladder_or_bowel_change", "disc_disease", "worse_bending_forward"), 40, "emergency"),
    (("cancer_history", "constant_night_pain", "new_pain_both_legs"), 40, "emergency"),
    (("severe_or_not_improving", "constant_night_pain"), 40, "see-doctor"),
]


def yes(*keys: str, age: int = 40) -> dict[str, Any]:
    return {**dict.fromkeys(keys, True), "age": age}


def test_the_table_has_at_least_40_rows() -> None:
    assert len(TABLE) >= 40


@pytest.mark.parametrize(("keys", "age", "level"), TABLE, ids=str)
def test_each_combination_gets_its_level_and_time_frame(keys: tuple[str, ...], age: int, level: str) -> None:
    result = evaluate(parse_answers(yes(*keys, age=age)))
    assert result.clearance == level
    assert result.when == WHEN[level]
    assert result.to_dict()["when"] == WHEN[level]
    assert result.blocks == (level in ("emergency", "urgent", "see-doctor"))


def test_every_answer_key_is_in_the_table_or_a_rule() -> None:
    in_table = {k for keys, _, _ in TABLE for k in keys}
    assert in_table == set(QUESTION_KEYS)
    assert {k for rule in RULES for k in rule.keys} | set(NOT_A_FLAG_ALONE) >= set(QUESTION_KEYS)


def test_the_json_has_exactly_the_contract_fields() -> None:
    data = evaluate(parse_answers(yes("worse_bending_forward"))).to_dict()
    assert set(data) == {"clearance", "when", "reasons", "advice", "excludes"}
    assert data["clearance"] == "clear"
    assert data["when"] is None
    assert data["reasons"][0] == {"item": "worse_bending_forward", "message": data["reasons"][0]["message"]}
    assert "not medical advice" in data["advice"]


def test_the_advice_says_what_to_do_and_by_when() -> None:
    assert "emergency" in evaluate(parse_answers(yes("saddle_numbness"))).advice.lower()
    assert "today" in evaluate(parse_answers(yes("fever_or_infection"))).advice
    assert "1 to 2 weeks" in evaluate(parse_answers(yes("cancer_history"))).advice
    assert "before you start" in evaluate(parse_answers(yes("disc_disease"))).advice


def test_persistent_pain_does_not_block_and_advises_a_review() -> None:
    result = evaluate(parse_answers(yes("severe_or_not_improving")))
    assert result.clearance == "check-first"
    assert not result.blocks
    assert "4 to 6 weeks" in result.reasons[0].message


def test_an_old_accident_is_not_asked_as_an_emergency() -> None:
    from backcoach.domain.screening import QUESTIONS

    prompt = next(q.prompt for q in QUESTIONS if q.key == "major_trauma")
    assert "6 weeks" in prompt
    assert "NEW" in next(q.prompt for q in QUESTIONS if q.key == "numbness_both_legs")


answers_strategy = st.fixed_dictionaries(
    {"age": st.integers(1, 129)}, optional={key: st.booleans() for key in QUESTION_KEYS}
)


@given(answers=answers_strategy, extra=st.sampled_from(QUESTION_KEYS))
def test_adding_a_yes_never_lowers_the_level(answers: dict[str, Any], extra: str) -> None:
    before = evaluate(parse_answers(answers))
    after = evaluate(parse_answers({**answers, extra: True}))
    assert rank(after.clearance) >= rank(before.clearance)
    assert set(after.excludes) >= set(before.excludes), "a yes never lets an exercise back in"


@given(answers=answers_strategy)
def test_every_yes_is_given_as_a_reason_most_serious_first(answers: dict[str, Any]) -> None:
    """Tries to hide a red flag among other answers: the worst one always wins and is always listed first."""
    result = evaluate(parse_answers(answers))
    said = {k for k, v in answers.items() if v is True}
    assert {r.item for r in result.reasons} == said
    if set(EMERGENCY) & said:
        assert result.clearance == "emergency"
        assert result.reasons[0].item in EMERGENCY
    levels = []
    for reason in result.reasons:
        alone = evaluate(parse_answers({reason.item: True, "age": answers["age"]}))
        levels.append(rank(alone.clearance))
    assert rank(result.clearance) >= max(levels, default=0)


@given(answers=answers_strategy)
def test_the_level_is_exactly_the_most_serious_rule_that_fires(answers: dict[str, Any]) -> None:
    """An independent reading of the rules: the level is the highest rule all of whose keys were answered yes."""
    said = {k for k, v in answers.items() if v is True}
    age = answers["age"]
    expected = "clear"
    if said & set(EMERGENCY):
        expected = "emergency"
    elif "fever_or_infection" in said or (
        "cancer_history" in said and said & {"constant_night_pain", "unexplained_weight_loss"}
    ):
        expected = "urgent"
    elif (
        said & set(SEE_DOCTOR_ALONE)
        or {"osteoporosis_or_steroids", "recent_fall"} <= said
        or ("new_episode" in said and (age < 20 or age > 55))
    ):
        expected = "see-doctor"
    elif said & set(CHECK_FIRST_ALONE):
        expected = "check-first"
    assert evaluate(parse_answers(answers)).clearance == expected


# Validation: the key is always named.


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({}, "age"),
        ({"disc_disease": True}, "age"),
        ({"saddle_numbess": True, "age": 40}, "saddle_numbess"),
        ({"disc_disease": "yes", "age": 40}, "disc_disease"),
        ({"disc_disease": 1, "age": 40}, "disc_disease"),
        ({"disc_disease": None, "age": 40}, "disc_disease"),
        ({"age": "forty"}, "age"),
        ({"age": 40.5}, "age"),
        ({"age": True}, "age"),
        ({"age": 0}, "age"),
        ({"age": None}, "age"),
    ],
)
def test_unknown_keys_wrong_types_and_a_missing_age_are_named(answers: dict[str, Any], key: str) -> None:
    with pytest.raises(AnswersError) as err:
        parse_answers(answers)
    assert err.value.key == key


@given(junk=st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(), st.floats())))
def test_bad_answers_name_the_key_and_never_crash(junk: dict[str, Any]) -> None:
    with pytest.raises(AnswersError) as err:
        parse_answers(junk)
    assert err.value.key is None or err.value.key in junk or err.value.key == "age"


def test_answers_must_be_an_object() -> None:
    with pytest.raises(AnswersError):
        parse_answers([True])


def test_the_answer_keys_are_the_questions_and_age() -> None:
    assert set(ANSWER_KEYS) == set(QUESTION_KEYS) | {"age"}
    assert CLEARANCES == ("clear", "check-first", "see-doctor", "urgent", "emergency")


# Exercises that fit the person


@pytest.mark.parametrize(
    ("key", "direction_or_rule", "left_out", "kept"),
    [
        ("worse_bending_forward", "flexion", {"knee-to-chest", "partial-curl", "abdominal-crunch"}, {"superman"}),
        ("worse_bending_backward", "extension", {"superman", "seated-back-extension"}, {"knee-to-chest"}),
        ("osteoporosis_or_steroids", "loaded", {"abdominal-crunch", "partial-curl"}, {"knee-to-chest", "bridge"}),
        ("pregnant_or_recent_birth", "prone", {"superman", "prone-opposite-arm-leg"}, {"bridge", "bird-dog"}),
    ],
)
def test_answers_leave_out_the_exercises_that_load_the_back_that_way(
    catalogue: Catalogue, key: str, direction_or_rule: str, left_out: set[str], kept: set[str]
) -> None:
    result = evaluate(parse_answers(yes(key)), catalogue)
    assert left_out <= set(result.excludes)
    assert not kept & set(result.excludes)
    for e in catalogue:
        if direction_or_rule in ("flexion", "extension"):
            assert (e.id in result.excludes) == (e.direction == direction_or_rule)
        elif direction_or_rule == "loaded":
            assert (e.id in result.excludes) == (e.loaded and e.direction in ("flexion", "rotation"))
        else:
            assert (e.id in result.excludes) == (e.position == "prone")
    assert all(x.reason for x in result.exclusions)


def test_pregnancy_adds_a_caution_about_lying_on_the_back(catalogue: Catalogue) -> None:
    result = evaluate(parse_answers(yes("pregnant_or_recent_birth")), catalogue)
    assert any("lying flat on your back" in c for c in result.plan_cautions)


def test_every_exercise_has_a_spinal_direction(catalogue: Catalogue) -> None:
    assert {e.direction for e in catalogue} == {"flexion", "extension", "rotation", "neutral"}
    assert {e.id for e in catalogue if e.loaded and e.direction == "flexion"} == {"abdominal-crunch", "partial-curl"}


def test_a_clinician_clearance_keeps_what_the_answers_left_out(catalogue: Catalogue) -> None:
    earlier = parse_answers(yes("cancer_history", "worse_bending_forward"))
    cleared = clinician_clearance("Seen by Dr Lee, fine to exercise", earlier, catalogue)
    assert cleared.clearance == "check-first"
    assert set(cleared.excludes) == set(evaluate(earlier, catalogue).excludes)
    with pytest.raises(AnswersError):
        clinician_clearance("   ")


def test_answers_stored_by_the_first_screen_still_read() -> None:
    old = {"disc_disease": True, "severe_or_not_improving": False, "age": None, "retired_key": True}
    assert stored_answers(old).flags == {"disc_disease"}
    assert stored_answers(old).age is None


def test_a_screen_expires_after_six_weeks() -> None:
    taken = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert not expired(taken, taken + dt.timedelta(days=42))
    assert expired(taken, taken + dt.timedelta(days=42, seconds=1))
