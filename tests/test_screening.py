from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.domain.screening import (
    ANSWER_KEYS,
    QUESTION_KEYS,
    QUESTIONS,
    AnswersError,
    evaluate,
    parse_answers,
)

EMERGENCY = [q.key for q in QUESTIONS if q.level == "emergency"]
SEE_DOCTOR = [q.key for q in QUESTIONS if q.level == "see-doctor"]
CHECK_FIRST = [q.key for q in QUESTIONS if q.level == "check-first"]
ORDER = ["clear", "check-first", "see-doctor", "emergency"]


def test_the_rules_cover_every_answer_key_of_the_contract() -> None:
    assert set(EMERGENCY) == {
        "bladder_or_bowel_change",
        "saddle_numbness",
        "leg_weakness_worsening",
        "numbness_both_legs",
        "major_trauma",
    }
    assert set(SEE_DOCTOR) == {
        "fever_or_infection",
        "cancer_history",
        "unexplained_weight_loss",
        "constant_night_pain",
        "osteoporosis_or_steroids",
        "severe_or_not_improving",
    }
    assert set(CHECK_FIRST) == {"previous_back_injury", "disc_disease"}


def test_no_answers_is_clear() -> None:
    result = evaluate(parse_answers({}))
    assert result.clearance == "clear"
    assert result.reasons == []
    assert "not medical advice" in result.advice


@pytest.mark.parametrize("key", EMERGENCY)
def test_each_emergency_sign_means_urgent_care(key: str) -> None:
    result = evaluate(parse_answers({key: True, "age": 35}))
    assert result.clearance == "emergency"
    assert result.reasons[0].item == key
    assert "urgent" in result.advice.lower()


@pytest.mark.parametrize("key", SEE_DOCTOR)
def test_each_serious_sign_means_a_doctor_first(key: str) -> None:
    assert evaluate(parse_answers({key: True})).clearance == "see-doctor"


@pytest.mark.parametrize("answers", [{"previous_back_injury": True}, {"disc_disease": True}, {"age": 19}, {"age": 51}])
def test_check_first_cases(answers: dict[str, Any]) -> None:
    assert evaluate(parse_answers(answers)).clearance == "check-first"


@pytest.mark.parametrize("age", [20, 35, 50])
def test_ages_20_to_50_are_clear(age: int) -> None:
    assert evaluate(parse_answers({"age": age})).clearance == "clear"


answers_strategy = st.fixed_dictionaries(
    {},
    optional={key: st.booleans() for key in QUESTION_KEYS} | {"age": st.integers(1, 129)},
)


@given(answers=answers_strategy)
def test_the_clearance_is_the_most_serious_that_applies(answers: dict[str, Any]) -> None:
    """Tries to hide a red flag among other answers: the worst one always wins and is always listed."""
    result = evaluate(parse_answers(answers))
    yes = {k for k, v in answers.items() if v is True and k != "age"}
    age = answers.get("age")
    if yes & set(EMERGENCY):
        expected = "emergency"
    elif yes & set(SEE_DOCTOR):
        expected = "see-doctor"
    elif yes & set(CHECK_FIRST) or (age is not None and not 20 <= age <= 50):
        expected = "check-first"
    else:
        expected = "clear"
    assert result.clearance == expected
    listed = {r.item for r in result.reasons}
    assert yes <= listed, "every yes answer is given as a reason"
    ranks = [ORDER.index(next(q.level for q in QUESTIONS if q.key == r.item)) for r in result.reasons if r.item in yes]
    assert ranks == sorted(ranks, reverse=True), "the most serious reasons come first"
    assert result.blocks == (expected in ("emergency", "see-doctor"))


@given(junk=st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(), st.floats())))
def test_bad_answers_name_the_key_and_never_crash(junk: dict[str, Any]) -> None:
    error = None
    try:
        parse_answers(junk)
    except AnswersError as exc:
        error = exc
    assert error is None or error.key is None or error.key in junk


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"saddle_numbess": True}, "saddle_numbess"),
        ({"disc_disease": "yes"}, "disc_disease"),
        ({"disc_disease": 1}, "disc_disease"),
        ({"age": "forty"}, "age"),
        ({"age": 40.5}, "age"),
        ({"age": True}, "age"),
        ({"age": 0}, "age"),
    ],
)
def test_unknown_keys_and_wrong_types_are_named(answers: dict[str, Any], key: str) -> None:
    with pytest.raises(AnswersError) as err:
        parse_answers(answers)
    assert err.value.key == key


def test_answers_must_be_an_object() -> None:
    with pytest.raises(AnswersError):
        parse_answers([True])


def test_the_answer_keys_are_the_questions_and_age() -> None:
    assert set(ANSWER_KEYS) == set(QUESTION_KEYS) | {"age"}
