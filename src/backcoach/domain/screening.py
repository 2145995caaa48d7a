"""The safety screen, version 2: yes/no questions that triage like a clinician before anyone exercises.

The questions follow NICE NG59 (low back pain and sciatica in over 16s) and the usual red-flag pathways for cauda
equina syndrome, spinal infection, fracture and malignancy. docs/screen.md gives every question with its level,
its action, its time frame and its source; this module is that table in code.

A result's `clearance` is the most serious level that applies, most serious first:

- `emergency`: go now (an emergency department or the emergency number);
- `urgent`: see a doctor today;
- `see-doctor`: book a doctor's appointment (within one to two weeks) before exercising;
- `check-first`: talk to a health care provider before starting, then start gently;
- `clear`.

Each rule is a conjunction of yes answers (and, for one rule, an age band), so adding a yes can only raise the
level; a property test holds that. Some answers are not warning signs but shape the plan: they leave out exercises
that load the spine in a direction that hurts (see `exclusions`). The wording is ours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from backcoach.domain.catalogue import Exercise
from backcoach.domain.errors import InvalidInput

Clearance = Literal["clear", "check-first", "see-doctor", "urgent", "emergency"]
CLEARANCES: tuple[Clearance, ...] = get_args(Clearance)
"""Least serious first: a level's index is its rank."""
BLOCKING: frozenset[Clearance] = frozenset({"see-doctor", "urgent", "emergency"})

WHEN: Mapping[Clearance, str | None] = {
    "emergency": "now",
    "urgent": "today",
    "see-doctor": "within 1 to 2 weeks",
    "check-first": "before you start",
    "clear": None,
}
LABELS: Mapping[Clearance, str] = {
    "emergency": "Get emergency care now",
    "urgent": "See a doctor today",
    "see-doctor": "See a doctor before you exercise",
    "check-first": "Talk to your provider before you start",
    "clear": "You can start",
}
"""How each level is said to a person: never the code itself."""

SCREEN_VALID_DAYS = 42
"""A screen older than 6 weeks no longer describes the person: a new episode could have started since."""

NOT_ADVICE = (
    "backcoach is not medical advice. It cannot examine you, and this check does not diagnose anything: "
    "if you are worried about your back, talk to a doctor."
)

Group = Literal["emergency", "urgent", "doctor", "provider", "plan"]


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    group: Group
    """Where the question sits on the form; the level it leads to is decided by the rules, not by the group."""


QUESTIONS: tuple[Question, ...] = (
    Question(
        "bladder_or_bowel_change",
        "Since your back pain began, have you had new trouble passing urine or controlling your bladder or bowels?",
        "emergency",
    ),
    Question(
        "saddle_numbness",
        "Is there numbness or tingling around your genitals, your bottom or the insides of your upper thighs?",
        "emergency",
    ),
    Question(
        "leg_weakness_worsening",
        "Is weakness in one or both legs getting worse (tripping, a foot that drags, a leg that gives way)?",
        "emergency",
    ),
    Question(
        "numbness_both_legs",
        "Do you have NEW numbness or pins and needles in both legs?",
        "emergency",
    ),
    Question(
        "new_pain_both_legs",
        "Do you have new leg pain or sciatica in both legs?",
        "emergency",
    ),
    Question(
        "major_trauma",
        "Did your back pain start after a major accident in the last 6 weeks, such as a car crash or a fall from a "
        "height? (An older accident does not count here.)",
        "emergency",
    ),
    Question(
        "fever_or_infection",
        "Along with your back pain, do you have a fever, or are you unwell with an infection?",
        "urgent",
    ),
    Question("cancer_history", "Have you ever had cancer?", "doctor"),
    Question("unexplained_weight_loss", "Have you lost weight recently without trying?", "doctor"),
    Question(
        "constant_night_pain",
        "Is your pain constant, there even at night or when you lie still?",
        "doctor",
    ),
    Question(
        "immunosuppressed_or_iv_drugs",
        "Is your immune system weakened (for example by HIV, chemotherapy or medicine after a transplant), or have "
        "you ever injected drugs?",
        "doctor",
    ),
    Question("recent_spine_surgery", "Have you had surgery on your spine in the last 12 months?", "doctor"),
    Question(
        "osteoporosis_or_steroids",
        "Do you have osteoporosis (thin bones), or have you taken steroid tablets for 3 months or more?",
        "doctor",
    ),
    Question(
        "recent_fall",
        "Have you had a fall or a knock to your back in the last 6 weeks, even a small one?",
        "doctor",
    ),
    Question("new_episode", "Did this episode of back pain start in the last 6 weeks?", "doctor"),
    Question("previous_back_injury", "Have you had a back or spine injury before?", "provider"),
    Question(
        "disc_disease",
        "Have you been told you have a disc problem (such as disc disease or a slipped disc)?",
        "provider",
    ),
    Question("pregnant_or_recent_birth", "Are you pregnant, or have you given birth in the last 6 months?", "provider"),
    Question(
        "severe_or_not_improving",
        "Is your pain severe, or has it not been getting better over the last few weeks?",
        "provider",
    ),
    Question(
        "worse_bending_forward",
        "Does bending forward (say, to put on your socks) usually make your back pain worse?",
        "plan",
    ),
    Question(
        "worse_bending_backward",
        "Does bending or arching backward usually make your back pain worse?",
        "plan",
    ),
)
QUESTION_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)
ANSWER_KEYS: tuple[str, ...] = (*QUESTION_KEYS, "age")
AGE_PROMPT = "How old are you?"
YOUNG, OLD = 20, 55
"""A new episode before 20 or after 55 is more often something other than ordinary back pain (NICE CKS)."""

GROUP_TITLES: Mapping[Group, str] = {
    "emergency": "Signs that need care right away",
    "urgent": "Infection",
    "doctor": "Your health",
    "provider": "Your back's history",
    "plan": "What makes it worse",
}


@dataclass(frozen=True)
class Rule:
    """Every key is answered yes (and the age is in range, when `ages` is set): then `level` applies."""

    level: Clearance
    keys: tuple[str, ...]
    message: str
    ages: Callable[[int], bool] | None = None


RULES: tuple[Rule, ...] = (
    # Possible cauda equina syndrome, or serious injury: emergency care now.
    Rule(
        "emergency",
        ("bladder_or_bowel_change",),
        "New trouble with your bladder or bowels alongside back pain can mean pressure on the nerves at the base "
        "of the spine. Get emergency care now.",
    ),
    Rule(
        "emergency",
        ("saddle_numbness",),
        "Numbness around the genitals or bottom can mean pressure on the nerves at the base of the spine. Get "
        "emergency care now.",
    ),
    Rule(
        "emergency",
        ("leg_weakness_worsening",),
        "Leg weakness that is getting worse needs to be checked now. Get emergency care.",
    ),
    Rule(
        "emergency",
        ("numbness_both_legs",),
        "New numbness or pins and needles in both legs needs to be checked now. Get emergency care.",
    ),
    Rule(
        "emergency",
        ("new_pain_both_legs",),
        "New leg pain or sciatica in both legs at once needs to be checked now. Get emergency care.",
    ),
    Rule(
        "emergency",
        ("major_trauma",),
        "Back pain after a major accident in the last 6 weeks can mean a broken bone. Get emergency care now.",
    ),
    # Possible spinal infection or cancer in the spine: a doctor the same day.
    Rule(
        "urgent",
        ("fever_or_infection",),
        "Back pain with a fever or an infection needs a doctor today, to rule out an infection in the spine.",
    ),
    Rule(
        "urgent",
        ("cancer_history", "constant_night_pain"),
        "A history of cancer together with constant or night-time pain needs a doctor today.",
    ),
    Rule(
        "urgent",
        ("cancer_history", "unexplained_weight_loss"),
        "A history of cancer together with weight loss you cannot explain needs a doctor today.",
    ),
    # Needs a doctor's assessment before exercise, within 1 to 2 weeks.
    Rule(
        "see-doctor",
        ("cancer_history",),
        "With a history of cancer, back pain should be checked by a doctor before you exercise.",
    ),
    Rule(
        "see-doctor",
        ("unexplained_weight_loss",),
        "Weight loss you cannot explain, with back pain, should be checked by a doctor before you exercise.",
    ),
    Rule(
        "see-doctor",
        ("constant_night_pain",),
        "Pain that never eases, even at night or lying still, should be checked by a doctor before you exercise.",
    ),
    Rule(
        "see-doctor",
        ("immunosuppressed_or_iv_drugs",),
        "A weakened immune system or injecting drugs raises the chance of an infection in the spine: see a doctor "
        "before you exercise.",
    ),
    Rule(
        "see-doctor",
        ("recent_spine_surgery",),
        "After recent spine surgery, follow your surgeon's plan: ask them or your doctor before you start these "
        "exercises.",
    ),
    Rule(
        "see-doctor",
        ("osteoporosis_or_steroids", "recent_fall"),
        "With thin bones or long-term steroids, even a small fall can break a bone in the spine: see a doctor "
        "before you exercise.",
    ),
    Rule(
        "see-doctor",
        ("new_episode",),
        f"Back pain that started in the last 6 weeks, before the age of {YOUNG} or after {OLD}, should be checked "
        "by a doctor before you exercise.",
        ages=lambda age: age < YOUNG or age > OLD,
    ),
    # Talk to a provider first, then start gently.
    Rule(
        "check-first",
        ("previous_back_injury",),
        "After a back or spine injury, talk to your health care provider before you start, then start gently.",
    ),
    Rule(
        "check-first",
        ("disc_disease",),
        "With a disc problem, talk to your health care provider before you start, then start gently.",
    ),
    Rule(
        "check-first",
        ("osteoporosis_or_steroids",),
        "With thin bones or long-term steroids, talk to your provider before you start. Your plans leave out "
        "crunches, curls and forced twists, which load the spine in ways weak bones should not take.",
    ),
    Rule(
        "check-first",
        ("pregnant_or_recent_birth",),
        "During pregnancy or soon after a birth, talk to your provider or midwife before you start. Your plans "
        "leave out exercises lying face down.",
    ),
    Rule(
        "check-first",
        ("severe_or_not_improving",),
        "Exercise often helps most when pain hangs on, so this does not stop you: start gently, and if it is not "
        "getting better after 4 to 6 weeks, ask a doctor to review it.",
    ),
)

NOTES: Mapping[str, str] = {
    "worse_bending_forward": "Bending forward makes your pain worse, so your plans leave out exercises that bend "
    "the lower back forward.",
    "worse_bending_backward": "Bending backward makes your pain worse, so your plans leave out exercises that arch "
    "the lower back.",
    "recent_fall": "A small fall on its own is not a warning sign; it would be with thin bones or long-term "
    "steroids. If the pain began with the fall and is not easing, see a doctor.",
    "new_episode": "Most new back pain settles within a few weeks. Keep gently active.",
}
"""What a yes means when no rule makes it a warning sign: still said, so no answer is silently ignored."""

ADVICE: Mapping[Clearance, str] = {
    "emergency": (
        "Do not exercise. Get emergency care now: call your local emergency number or go to an emergency department."
    ),
    "urgent": (
        "Do not exercise. See a doctor today: ask your doctor's office for a same-day appointment, or go to an "
        "urgent care service if they cannot see you today."
    ),
    "see-doctor": (
        "Book an appointment with a doctor within the next 1 to 2 weeks, and wait to exercise until you have seen "
        "them. backcoach will not plan or guide a session until a new safety check is clear, or you record that a "
        "clinician has cleared you to exercise."
    ),
    "check-first": (
        "Talk to your health care provider before you start, then start gently: backcoach keeps your plans at "
        "beginner level and starts every exercise at the low end of its dose."
    ),
    "clear": (
        "You can start. Begin gently, build up a little at a time, and stop any exercise that makes your pain worse."
    ),
}


class AnswersError(InvalidInput):
    """Answers that are not a JSON object of known keys and the right types; names the key."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message, (key,) if key else ())
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
    """Validate an answers object: booleans for the question keys (absent means no) and a required whole-number age."""
    if not isinstance(raw, Mapping):
        raise AnswersError(None, "the answers must be a JSON object")
    flags = set()
    age = None
    for key, value in raw.items():
        if key == "age":
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswersError("age", f"must be a whole number of years from 1 to 129, not {value!r}")
            if not 0 < value < 130:
                raise AnswersError("age", f"must be a whole number of years from 1 to 129, not {value}")
            age = value
        elif key in QUESTION_KEYS:
            if not isinstance(value, bool):
                raise AnswersError(str(key), f"must be true or false, not {value!r}")
            if value:
                flags.add(key)
        else:
            raise AnswersError(str(key), f"unknown key; allowed keys: {', '.join(ANSWER_KEYS)}")
    if age is None:
        raise AnswersError("age", "is required: a whole number of years from 1 to 129")
    return Answers(frozenset(flags), age)


def stored_answers(raw: Mapping[str, Any]) -> Answers:
    """Answers kept with an older screen: read leniently (a key that has since been renamed is ignored), because
    they were valid when they were given."""
    flags = frozenset(k for k, v in raw.items() if k in QUESTION_KEYS and v is True)
    age = raw.get("age")
    return Answers(flags, age if isinstance(age, int) and not isinstance(age, bool) else None)


@dataclass(frozen=True)
class Reason:
    item: str
    message: str


@dataclass(frozen=True)
class Exclusion:
    """An exercise this person's answers rule out, and why."""

    exercise: str
    name: str
    reason: str


@dataclass(frozen=True)
class ScreenResult:
    clearance: Clearance
    reasons: list[Reason] = field(default_factory=list)
    advice: str = ""
    exclusions: list[Exclusion] = field(default_factory=list)
    plan_cautions: list[str] = field(default_factory=list)
    """What a plan must say because of these answers (beyond the exercises it leaves out)."""

    @property
    def blocks(self) -> bool:
        return self.clearance in BLOCKING

    @property
    def when(self) -> str | None:
        return WHEN[self.clearance]

    @property
    def label(self) -> str:
        return LABELS[self.clearance]

    @property
    def excludes(self) -> list[str]:
        return [e.exercise for e in self.exclusions]

    def to_dict(self) -> dict[str, Any]:
        return {
            "clearance": self.clearance,
            "when": self.when,
            "reasons": [{"item": r.item, "message": r.message} for r in self.reasons],
            "advice": self.advice,
            "excludes": self.excludes,
        }


def rank(clearance: Clearance) -> int:
    return CLEARANCES.index(clearance)


def _fires(rule: Rule, answers: Answers) -> bool:
    if not all(key in answers.flags for key in rule.keys):
        return False
    return rule.ages is None or (answers.age is not None and rule.ages(answers.age))


def exclusions(answers: Answers, exercises: Iterable[Exercise]) -> list[Exclusion]:
    """The exercises these answers leave out of every plan, each with the first reason that applies."""
    found = []
    for e in exercises:
        reason = None
        if "worse_bending_forward" in answers.flags and e.direction == "flexion":
            reason = "it bends the lower back forward, which makes your pain worse"
        elif "worse_bending_backward" in answers.flags and e.direction == "extension":
            reason = "it arches the lower back, which makes your pain worse"
        elif "osteoporosis_or_steroids" in answers.flags and e.loaded and e.direction in ("flexion", "rotation"):
            kind = "bends the spine forward against a load" if e.direction == "flexion" else "forces a twist"
            reason = f"it {kind}, which thin bones should not take"
        elif "pregnant_or_recent_birth" in answers.flags and e.position == "prone":
            reason = "it is done lying face down, which is not for pregnancy or the months after a birth"
        if reason:
            found.append(Exclusion(e.id, e.name, reason))
    return found


PREGNANCY_CAUTION = (
    "Later in pregnancy, lying flat on your back can make you dizzy or sick. If it does, stop and roll onto your "
    "left side, and ask your midwife or provider whether to do the exercises lying on your back at all after the "
    "first three months."
)

PLAN_SHAPING = frozenset(
    {"worse_bending_forward", "worse_bending_backward", "osteoporosis_or_steroids", "pregnant_or_recent_birth"}
)
"""The answers that change what a plan holds or says (see `shaped`), whatever the level."""


def shaped(result: ScreenResult, answers: Answers, exercises: Iterable[Exercise]) -> ScreenResult:
    """`result` with what `answers` leave out of plans and the cautions they add to them. A new screen, a
    clinician's clearance (from the answers it follows) and a stored screen (read again) all go through here."""
    cautions = [PREGNANCY_CAUTION] if "pregnant_or_recent_birth" in answers.flags else []
    return dataclasses.replace(result, exclusions=exclusions(answers, exercises), plan_cautions=cautions)


def evaluate(answers: Answers, exercises: Iterable[Exercise] = ()) -> ScreenResult:
    """The most serious level that applies, a reason for every yes (most serious first), what to do, and the
    exercises the answers leave out."""
    levels: dict[str, tuple[Clearance, str]] = {}
    for rule in RULES:
        if not _fires(rule, answers):
            continue
        for key in rule.keys:
            held = levels.get(key)
            if held is None or rank(rule.level) > rank(held[0]):
                levels[key] = (rule.level, rule.message)
    for key in answers.flags:
        if key not in levels:
            levels[key] = ("clear", NOTES.get(key, "Noted."))
    order = {key: i for i, key in enumerate(QUESTION_KEYS)}
    ranked = sorted(levels.items(), key=lambda kv: (-rank(kv[1][0]), order[kv[0]]))
    clearance: Clearance = max((level for level, _ in levels.values()), key=rank, default="clear")
    reasons = [Reason(key, message) for key, (_, message) in ranked]
    return shaped(ScreenResult(clearance, reasons, f"{ADVICE[clearance]} {NOT_ADVICE}"), answers, exercises)


def expired(taken_at: dt.datetime, now: dt.datetime) -> bool:
    return now - taken_at > dt.timedelta(days=SCREEN_VALID_DAYS)


def clinician_clearance(note: str, earlier: Answers | None = None, exercises: Iterable[Exercise] = ()) -> ScreenResult:
    """A clinician has cleared the person to exercise. Plans still start gently, carrying the note as the reason,
    and still leave out what the earlier answers ruled out: a clearance to exercise is not a clearance to bend
    the way that hurts."""
    note = " ".join(note.split())
    if not note:
        raise AnswersError("note", "say briefly what the clinician said (it is kept with the record)")
    cleared = ScreenResult(
        "check-first",
        [Reason("cleared_by_clinician", f"Cleared to exercise by a clinician: {note}. Start gently.")],
        f"{ADVICE['check-first']} {NOT_ADVICE}",
    )
    return shaped(cleared, earlier or Answers(), exercises)


PRE_SESSION_QUESTION = (
    "Since your last check, any new warning sign: trouble with your bladder or bowels, numbness around your "
    "genitals or bottom, new numbness or pain in both legs, or leg weakness that is getting worse?"
)


def pre_session_red_flag() -> ScreenResult:
    """A yes to the pre-session check's question: as serious as any emergency answer of the full screen."""
    return ScreenResult(
        "emergency",
        [Reason("pre_session_red_flag", "You reported a new warning sign before the session: get emergency care now.")],
        f"{ADVICE['emergency']} {NOT_ADVICE}",
    )


def refusal(result: ScreenResult) -> str:
    """What to tell a person whose latest screen blocks exercise (no adapter's commands: each adds its own)."""
    reasons = " ".join(r.message for r in result.reasons)
    return f"Your latest safety check says: {result.label.lower()}. {reasons} {ADVICE[result.clearance]}"


@dataclass(frozen=True)
class StoredScreen:
    """A safety screen as stored: when it was taken, its result, and the answers it was given."""

    id: int
    taken_at: dt.datetime
    result: ScreenResult
    answers: dict[str, Any]
    clinician_note: str | None
