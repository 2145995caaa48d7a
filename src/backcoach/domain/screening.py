"""The safety screen: plain yes/no questions that decide whether exercising at home is safe to start.

The rules are the usual red and yellow flags for low back pain. A result's `clearance` is the most serious that
applies:

- `emergency`: signs that need urgent care now (possible nerve compression or serious injury);
- `see-doctor`: signs that need a doctor's assessment before exercising;
- `check-first`: talk to a provider first and start gently (the articles' own advice for a previous back injury or
  disc disease, and age outside 20 to 50);
- `clear` otherwise.

While the latest screen is `emergency` or `see-doctor`, planning and guided sessions refuse, until a newer screen
is clear or a clinician's clearance is recorded. The wording is ours; it cites no article text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Clearance = Literal["clear", "check-first", "see-doctor", "emergency"]
CLEARANCES: tuple[Clearance, ...] = ("clear", "check-first", "see-doctor", "emergency")
BLOCKING: frozenset[Clearance] = frozenset({"see-doctor", "emergency"})

NOT_ADVICE = (
    "backcoach is not medical advice. It cannot examine you, and this screen does not diagnose anything: "
    "if you are worried about your back, talk to a doctor."
)


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    level: Clearance
    message: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        "bladder_or_bowel_change",
        "Since your back pain started, have you had new trouble controlling or passing urine or stools?",
        "emergency",
        "New trouble with bladder or bowel control alongside back pain needs urgent medical care.",
    ),
    Question(
        "saddle_numbness",
        "Do you have numbness or tingling around your genitals, bottom or inner thighs?",
        "emergency",
        "Numbness in the saddle area needs urgent medical care.",
    ),
    Question(
        "leg_weakness_worsening",
        "Is weakness in one or both legs getting worse (tripping, foot dragging, legs giving way)?",
        "emergency",
        "Leg weakness that is getting worse needs urgent medical care.",
    ),
    Question(
        "numbness_both_legs",
        "Do you have numbness or pins and needles in both legs?",
        "emergency",
        "Numbness in both legs needs urgent medical care.",
    ),
    Question(
        "major_trauma",
        "Did your back pain start after a major accident, such as a fall from a height or a car crash?",
        "emergency",
        "Back pain after a major accident needs to be checked urgently.",
    ),
    Question(
        "fever_or_infection",
        "Do you have a fever, or are you being treated for an infection?",
        "see-doctor",
        "Back pain with a fever or an infection should be checked by a doctor before you exercise.",
    ),
    Question(
        "cancer_history",
        "Have you ever had cancer?",
        "see-doctor",
        "With a history of cancer, new back pain should be checked by a doctor before you exercise.",
    ),
    Question(
        "unexplained_weight_loss",
        "Have you lost weight recently without trying?",
        "see-doctor",
        "Unexplained weight loss with back pain should be checked by a doctor.",
    ),
    Question(
        "constant_night_pain",
        "Is your pain constant, even at night or when you lie still?",
        "see-doctor",
        "Pain that never eases, even at rest or at night, should be checked by a doctor.",
    ),
    Question(
        "osteoporosis_or_steroids",
        "Do you have osteoporosis, or have you taken steroid tablets for a long time?",
        "see-doctor",
        "Osteoporosis or long-term steroid use makes the bones weaker: ask a doctor which exercises are safe.",
    ),
    Question(
        "severe_or_not_improving",
        "Is your pain severe, or has it been getting no better over several weeks?",
        "see-doctor",
        "Severe pain, or pain that is not improving, should be seen by a doctor.",
    ),
    Question(
        "previous_back_injury",
        "Have you had a back or spine injury before?",
        "check-first",
        "After a previous back or spine injury, talk to your health care provider before starting, and start gently.",
    ),
    Question(
        "disc_disease",
        "Have you been told you have a disc problem (such as disc disease or a slipped disc)?",
        "check-first",
        "With disc disease, talk to your health care provider before starting, and start gently.",
    ),
)
QUESTION_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)
ANSWER_KEYS: tuple[str, ...] = (*QUESTION_KEYS, "age")
AGE_PROMPT = "How old are you?"
YOUNG, OLD = 20, 50
YOUNG_MESSAGE = "Under 20, back pain is less common: check with a provider before starting."
OLD_MESSAGE = "Over 50, check with your health care provider before starting something new."

ADVICE: dict[Clearance, str] = {
    "emergency": (
        "Please do not exercise. Seek urgent medical care now: call your local emergency number or go to an "
        "emergency department."
    ),
    "see-doctor": (
        "Please see a doctor before you exercise. backcoach will not plan or guide a session until a new screen is "
        'clear, or you record a clinician\'s clearance with: backcoach screen --cleared-by-clinician "what they said"'
    ),
    "check-first": (
        "Talk to your health care provider before you start. Until then, backcoach keeps your plans at beginner "
        "level and starts every exercise gently."
    ),
    "clear": (
        "You can start. Begin gently, build up a little at a time, and stop any exercise that makes your pain worse."
    ),
}


class AnswersError(ValueError):
    """Answers that are not a JSON object of known keys and the right types; names the key."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


@dataclass(frozen=True)
class Answers:
    flags: frozenset[str] = frozenset()
    age: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: key in self.flags for key in QUESTION_KEYS}
        data["age"] = self.age
        return data


def parse_answers(raw: object) -> Answers:
    """Validate an answers object: booleans for the question keys (absent means no) and an integer age."""
    if not isinstance(raw, Mapping):
        raise AnswersError(None, "the answers must be a JSON object")
    flags = set()
    age = None
    for key, value in raw.items():
        if key == "age":
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswersError("age", f"must be a whole number of years, not {value!r}")
            if not 0 < value < 130:
                raise AnswersError("age", f"must be between 1 and 129, not {value}")
            age = value
        elif key in QUESTION_KEYS:
            if not isinstance(value, bool):
                raise AnswersError(key, f"must be true or false, not {value!r}")
            if value:
                flags.add(key)
        else:
            raise AnswersError(str(key), f"unknown key; allowed keys: {', '.join(ANSWER_KEYS)}")
    return Answers(frozenset(flags), age)


@dataclass(frozen=True)
class Reason:
    item: str
    message: str


@dataclass(frozen=True)
class ScreenResult:
    clearance: Clearance
    reasons: list[Reason] = field(default_factory=list)
    advice: str = ""

    @property
    def blocks(self) -> bool:
        return self.clearance in BLOCKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "clearance": self.clearance,
            "reasons": [{"item": r.item, "message": r.message} for r in self.reasons],
            "advice": self.advice,
        }


def _rank(clearance: Clearance) -> int:
    return CLEARANCES.index(clearance)


def evaluate(answers: Answers) -> ScreenResult:
    """The most serious clearance that applies, with every reason (most serious first) and what to do."""
    found: list[tuple[Clearance, Reason]] = [
        (q.level, Reason(q.key, q.message)) for q in QUESTIONS if q.key in answers.flags
    ]
    if answers.age is not None and answers.age < YOUNG:
        found.append(("check-first", Reason("age", YOUNG_MESSAGE)))
    if answers.age is not None and answers.age > OLD:
        found.append(("check-first", Reason("age", OLD_MESSAGE)))
    clearance: Clearance = max((level for level, _ in found), key=_rank, default="clear")
    reasons = [reason for _, reason in sorted(found, key=lambda f: -_rank(f[0]))]
    return ScreenResult(clearance, reasons, f"{ADVICE[clearance]} {NOT_ADVICE}")


def clinician_clearance(note: str) -> ScreenResult:
    """A clinician has cleared the person to exercise. Plans still start gently, carrying the note as the reason."""
    note = " ".join(note.split())
    if not note:
        raise AnswersError("cleared-by-clinician", "say briefly what the clinician said (it is kept with the record)")
    return ScreenResult(
        "check-first",
        [Reason("cleared_by_clinician", f"Cleared to exercise by a clinician: {note}. Start gently.")],
        f"{ADVICE['check-first']} {NOT_ADVICE}",
    )


PRE_SESSION_QUESTION = (
    "Since your last screen, any new warning sign: trouble controlling your bladder or bowels, numbness around your "
    "genitals or bottom, numbness in both legs, or leg weakness that is getting worse?"
)


def pre_session_red_flag() -> ScreenResult:
    """A yes to the pre-session check's question: as serious as any emergency answer of the full screen."""
    return ScreenResult(
        "emergency",
        [Reason("pre_session_red_flag", "You reported a new warning sign before the session: it needs urgent care.")],
        f"{ADVICE['emergency']} {NOT_ADVICE}",
    )


def refusal(result: ScreenResult) -> str:
    """What to tell a person whose latest screen blocks exercise."""
    reasons = " ".join(r.message for r in result.reasons)
    return f"Your latest safety screen says: {result.clearance}. {reasons} {ADVICE[result.clearance]}"
