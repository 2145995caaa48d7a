"""The education topics: short, plain lessons about back pain, in the project's own words.

The topics follow the advice of NICE guideline NG59 (back pain is common and rarely serious, hurt is not harm, keep
moving, pace yourself, plan for flare-ups, know when to get help). Each topic names the references behind it, and
each reference is written down once, in `data/learn.toml`, so a topic cannot cite something the file does not list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, model_validator

from backcoach.domain.catalogue import CatalogueError, Slug, data_root, format_validation_error, parse_toml
from backcoach.domain.model import Frozen

FILE = "learn.toml"

# Lessons are read on a phone between exercises: the limits keep every piece short enough for that.
Title = Annotated[str, Field(min_length=3, max_length=60)]
Summary = Annotated[str, Field(min_length=20, max_length=200)]
Passage = Annotated[str, Field(min_length=3, max_length=500)]
Url = Annotated[str, Field(pattern=r"^https://\S+$")]


class LearnError(CatalogueError):
    """learn.toml failed validation. The message names the file, the entry and the field."""


class Reference(Frozen):
    """A published source behind one or more topics, described in plain words."""

    key: Slug
    title: Annotated[str, Field(min_length=3)]
    detail: Annotated[str, Field(min_length=3)]
    url: Url | None = None


class Section(Frozen):
    """A part of a topic: an optional heading, then paragraphs, then bullet points."""

    heading: Title | None = None
    paragraphs: list[Passage] = Field(default_factory=list)
    points: list[Passage] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_text(self) -> Self:
        if not self.paragraphs and not self.points:
            raise ValueError("a section needs at least one paragraph or point")
        return self


class _TopicFields(Frozen):
    id: Slug
    title: Title
    summary: Summary
    body: Annotated[list[Section], Field(min_length=1)]


class Topic(_TopicFields):
    sources: Annotated[list[Reference], Field(min_length=1)]


class _TopicFile(_TopicFields):
    """A topic as written in the file: its sources are reference keys, looked up once the file is read."""

    sources: Annotated[list[Slug], Field(min_length=1)]


def _references(raw: Mapping[str, Any]) -> dict[str, Reference]:
    references: dict[str, Reference] = {}
    for i, item in enumerate(raw.get("reference", [])):
        entry = str(item.get("key", i)) if isinstance(item, Mapping) else str(i)
        try:
            reference = Reference.model_validate(item)
        except ValidationError as exc:
            raise LearnError(format_validation_error(FILE, f"reference {entry}", exc)) from None
        if reference.key in references:
            raise LearnError(f"{FILE}: entry 'reference {entry}': field 'key': duplicate key")
        references[reference.key] = reference
    return references


def parse_topics(raw: Mapping[str, Any]) -> dict[str, Topic]:
    """Validate the parsed file: every topic, every reference, and every key a topic cites."""
    unknown = set(raw) - {"reference", "topic"}
    if unknown:
        raise LearnError(f"{FILE}: unknown top-level keys {sorted(unknown)}; allowed: reference, topic")
    for table in ("reference", "topic"):
        if not isinstance(raw.get(table, []), list):
            raise LearnError(f"{FILE}: {table!r} must be an array of tables ([[{table}]])")
    references = _references(raw)
    topics: dict[str, Topic] = {}
    for i, item in enumerate(raw.get("topic", [])):
        entry = str(item.get("id", i)) if isinstance(item, Mapping) else str(i)
        try:
            written = _TopicFile.model_validate(item)
        except ValidationError as exc:
            raise LearnError(format_validation_error(FILE, entry, exc)) from None
        for j, key in enumerate(written.sources):
            if key not in references:
                raise LearnError(
                    f"{FILE}: entry {entry!r}: field 'sources.{j}': unknown reference {key!r}; "
                    f"allowed: {', '.join(references)}"
                )
        if len(set(written.sources)) != len(written.sources):
            raise LearnError(f"{FILE}: entry {entry!r}: field 'sources': a reference is listed twice")
        if written.id in topics:
            raise LearnError(f"{FILE}: entry {entry!r}: field 'id': duplicate id")
        topics[written.id] = Topic(
            **written.model_dump(exclude={"sources", "body"}),
            body=written.body,
            sources=[references[k] for k in written.sources],
        )
    if not topics:
        raise LearnError(f"{FILE}: no topics found")
    return topics


def load_topics(root: Traversable | None = None) -> dict[str, Topic]:
    """Every topic in `root/learn.toml` (the shipped package data by default), by id, in the file's order."""
    root = root or data_root()
    try:
        raw = parse_toml(FILE, (root / FILE).read_text(encoding="utf-8"))
    except CatalogueError as exc:
        raise LearnError(str(exc)) from None
    return parse_topics(raw)


def topic_of_the_day(topics: Sequence[Topic], day: dt.date) -> Topic:
    """One topic per day, in the file's order, so that consecutive days walk through all of them."""
    if not topics:
        raise ValueError("there are no topics to choose from")
    return topics[day.toordinal() % len(topics)]
