"""The exercise catalogue: typed, validated objects built from one data file per exercise.

Every number in a prescription comes from one of the five source articles; a value an article leaves vague is
`None`, never a guess. The default prescription of an exercise is a reasoned choice among its sources, and the
reason is part of the data.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, model_validator

from backcoach.domain.camera import CameraRules
from backcoach.domain.model import Frozen
from backcoach.domain.vocab import Category, Direction, Equipment, Level, Position, SpinalDirection, Target

PositiveInt = Annotated[int, Field(ge=1)]
Text = Annotated[str, Field(min_length=3)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]

POSITION_WORDS: dict[Position, str] = {
    "supine": "lying on your back",
    "prone": "lying face down",
    "side-lying": "lying on your side",
    "quadruped": "on hands and knees",
    "kneeling": "kneeling",
    "seated": "sitting",
    "standing": "standing",
}
"""Each starting position in plain words, for everything a person reads."""


class Prescription(Frozen):
    """A dosage. Ranges such as "3 to 5 times" are `reps=3, reps_max=5`."""

    reps: PositiveInt | None = None
    reps_max: PositiveInt | None = None
    hold_s: PositiveInt | None = None
    hold_s_max: PositiveInt | None = None
    sets: PositiveInt | None = None
    rest_s: PositiveInt | None = None
    per_side: bool = False
    alternating: bool = False
    times_per_day: PositiveInt | None = None
    target_reps: PositiveInt | None = None
    holds_per_rep: PositiveInt | None = None
    """Positions held in one repetition, in turn (the pelvic tilt holds arched, then flat); absent means one."""

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Self:
        for low, high in (("reps", "reps_max"), ("hold_s", "hold_s_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(f"{high} ({hi}) is smaller than {low} ({lo})")
        if self.per_side and self.alternating:
            raise ValueError("per_side and alternating cannot both be true: alternating already covers both sides")
        if self.rest_s is not None and (self.sets or 1) < 2:
            raise ValueError("rest_s is the rest between sets, so it needs sets of 2 or more")
        if (self.holds_per_rep or 1) > 1 and self.hold_s is None and self.hold_s_max is None:
            raise ValueError("holds_per_rep needs a hold (hold_s or hold_s_max) to repeat")
        return self


class Tempo(Frozen):
    """How long the movement itself takes, for the timing model (see `backcoach.domain.timing`).

    `rep_s` is one whole repetition of a moving exercise, or the move into position of a held one; `relax_s` is
    the return and pause after each hold.
    """

    rep_s: PositiveInt
    relax_s: PositiveInt = 3


class Spoken(Frozen):
    """The short spoken cues of a guided session: the movement, and the way back out of it."""

    move: Text
    release: Text = "Relax"
    holds: list[Text] = Field(default_factory=list)
    """One cue for each position of an exercise that holds more than one per repetition, in order."""


class Variation(Frozen):
    name: Text
    direction: Direction
    description: Text


class Source(Frozen):
    """One article's account of an exercise: its own prescription and where it differs from the others."""

    file: str
    prescription: Prescription = Prescription()
    notes: list[Text] = Field(default_factory=list)


class Exercise(Frozen):
    id: Slug
    name: Text
    aliases: list[str] = Field(default_factory=list)
    category: Category
    position: Position
    floor: bool
    equipment: list[Equipment] = Field(default_factory=list)
    level: Level
    direction: SpinalDirection
    """The spinal movement the exercise is built on; the safety screen leaves out a direction that hurts."""
    loaded: bool = False
    """The spine moves against a weight or is levered to the end of its range (a crunch lifts the trunk against
    gravity; a seated twist pulls on the chair), which weak bones should not take."""
    targets: Annotated[list[Target], Field(min_length=1)]
    muscles: Annotated[list[Text], Field(min_length=1)]
    benefits: Annotated[list[Text], Field(min_length=1)]
    steps: Annotated[list[Text], Field(min_length=3)]
    cues: Annotated[list[Text], Field(min_length=1)]
    cautions: list[Text] = Field(default_factory=list)
    variations: list[Variation] = Field(default_factory=list)
    prescription: Prescription
    prescription_source: str
    prescription_reason: Text
    tempo: Tempo
    spoken: Spoken
    sources: Annotated[list[Source], Field(min_length=1)]
    camera: CameraRules | None = None
    """The camera coach's rules (`domain/camera.py`): the `[camera]` table of the exercise's file."""
    rung: str | None = Field(default=None, exclude=True)
    """Set only on the exercise as one rung of its ladder is done (`ladders.rung_exercise`): which rung. Never in
    the data files or the JSON; it travels with the exercise so a guided session can record the rung it did."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        files = [s.file for s in self.sources]
        if len(set(files)) != len(files):
            raise ValueError("sources: an article is listed twice")
        if self.prescription_source not in files:
            raise ValueError(f"prescription_source {self.prescription_source!r} is not one of the sources {files}")
        if len(set(self.equipment)) != len(self.equipment) or len(set(self.targets)) != len(self.targets):
            raise ValueError("equipment and targets must not repeat a value")
        if self.category == "stretch" and self.targets != ["mobility"]:
            raise ValueError(
                f"targets: a stretch works mobility and strengthens no muscle group, so its targets must be "
                f"['mobility'], not {list(self.targets)}; name what it stretches in muscles"
            )
        for dose in (self.prescription, *(s.prescription for s in self.sources)):
            positions = dose.holds_per_rep or 1
            if positions > 1 and len(self.spoken.holds) != positions:
                raise ValueError(
                    f"spoken.holds needs one cue for each of the {positions} positions held in a repetition"
                )
        return self

    def source(self, file: str) -> Source:
        for s in self.sources:
            if s.file == file:
                return s
        raise KeyError(f"{self.id} has no source {file}")

    @property
    def holds(self) -> bool:
        return self.prescription.hold_s is not None or self.prescription.hold_s_max is not None

    @property
    def level_words(self) -> str:
        """The level as a person reads it, e.g. "advanced level"."""
        return f"{self.level} level"

    @property
    def position_words(self) -> str:
        """The starting position as a person reads it, e.g. "lying face down"."""
        return POSITION_WORDS[self.position]


class Article(Frozen):
    """One source article. People see it as `cite` (title and publisher), never as its file name."""

    file: str
    title: Text
    publisher: Text
    """Who published it, as far as the article's own text shows; an article that does not name its site says so."""
    byline: Text | None = None
    """The author or medical reviewer the article names, if any."""
    edition: Text | None = None
    """For one of two copies of the same original, which copy this is (e.g. "shortened copy"), said to people."""
    summary: Text
    same_original_as: str | None = None

    @property
    def cite(self) -> str:
        """The article as a person reads it: '"Title" (shortened copy), Publisher, by Author'."""
        text = f'"{self.title}"'
        if self.edition:
            text += f" ({self.edition})"
        text += f", {self.publisher}"
        if self.byline:
            text += f", {self.byline}"
        return text


class CatalogueError(ValueError):
    """A data file failed validation. The message names the file, the entry and the field."""


@dataclass(frozen=True)
class Catalogue:
    articles: Mapping[str, Article]
    exercises: Mapping[str, Exercise]

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def get(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]


def format_validation_error(file: str, entry: str, error: ValidationError) -> str:
    problems = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(entry)"
        problems.append(f"{file}: entry {entry!r}: field {field!r}: {e['msg']}")
    return "\n".join(problems)


def parse_toml(file: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{file}: not valid TOML: {exc}") from exc


def parse_exercise(file: str, data: Mapping[str, Any], articles: Iterable[str]) -> Exercise:
    entry = str(data.get("id", file.rsplit("/", 1)[-1].removesuffix(".toml")))
    if "rung" in data:
        raise CatalogueError(f"{file}: entry {entry!r}: field 'rung': rungs live in ladders/, not in an exercise file")
    try:
        exercise = Exercise.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(format_validation_error(file, entry, exc)) from None
    known = set(articles)
    for i, source in enumerate(exercise.sources):
        if source.file not in known:
            raise CatalogueError(
                f"{file}: entry {entry!r}: field 'sources.{i}.file': unknown article {source.file!r}; "
                f"allowed: {', '.join(sorted(known))}"
            )
    expected = file.rsplit("/", 1)[-1].removesuffix(".toml")
    if exercise.id != expected:
        raise CatalogueError(f"{file}: entry {entry!r}: field 'id': must match the file name {expected!r}")
    return exercise


def data_root() -> Traversable:
    return resources.files("backcoach") / "data"


def load_articles(root: Traversable | None = None) -> dict[str, Article]:
    root = root or data_root()
    name = "articles.toml"
    raw = parse_toml(name, (root / name).read_text(encoding="utf-8"))
    articles: dict[str, Article] = {}
    for i, item in enumerate(raw.get("article", [])):
        try:
            article = Article.model_validate(item)
        except ValidationError as exc:
            raise CatalogueError(format_validation_error(name, str(item.get("file", i)), exc)) from None
        articles[article.file] = article
    return articles


def load_catalogue(root: Traversable | None = None) -> Catalogue:
    """Load and validate every exercise file under `root/exercises` (the shipped package data by default)."""
    root = root or data_root()
    articles = load_articles(root)
    exercises: dict[str, Exercise] = {}
    folder = root / "exercises"
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".toml"):
            continue
        file = f"exercises/{path.name}"
        exercise = parse_exercise(file, parse_toml(file, path.read_text(encoding="utf-8")), articles)
        exercises[exercise.id] = exercise
    if not exercises:
        raise CatalogueError(f"{folder}: no exercise files found")
    return Catalogue(articles=articles, exercises=exercises)
