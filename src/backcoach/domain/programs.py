"""One program per source article, reproducing that article's exercises, order, staging and doses.

A program file lists only the exercise ids and their stages; each item's prescription is the article's own,
read from the exercise's `sources` entry for that article, so every dose is written down exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, model_validator

from backcoach.domain.catalogue import (
    Catalogue,
    CatalogueError,
    Prescription,
    Slug,
    Text,
    data_root,
    format_validation_error,
    parse_toml,
)
from backcoach.domain.model import Frozen
from backcoach.domain.vocab import Stage


class Range(Frozen):
    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is smaller than min ({self.min})")
        return self


class ProgramItem(Frozen):
    exercise: str
    stage: Stage
    prescription: Prescription


class _ProgramFileItem(Frozen):
    """An item as written in a program file: the dose is looked up, not repeated."""

    exercise: str
    stage: Stage


class _ProgramFields(Frozen):
    id: Slug
    title: Text
    source_file: str
    summary: Text
    minutes_per_day: Range | None = None
    sessions_per_day: Range | None = None
    notes: list[Text] = Field(default_factory=list)


class Program(_ProgramFields):
    items: Annotated[list[ProgramItem], Field(min_length=1)]


class _ProgramFile(_ProgramFields):
    items: Annotated[list[_ProgramFileItem], Field(min_length=1)]


def parse_program(file: str, data: Mapping[str, Any], catalogue: Catalogue) -> Program:
    entry = str(data.get("id", file))
    try:
        raw = _ProgramFile.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(format_validation_error(file, entry, exc)) from None
    if raw.source_file not in catalogue.articles:
        raise CatalogueError(
            f"{file}: entry {entry!r}: field 'source_file': unknown article {raw.source_file!r}; "
            f"allowed: {', '.join(sorted(catalogue.articles))}"
        )
    items = []
    for i, item in enumerate(raw.items):
        where = f"{file}: entry {entry!r}: field 'items.{i}.exercise'"
        if item.exercise not in catalogue:
            raise CatalogueError(f"{where}: unknown exercise {item.exercise!r}")
        try:
            source = catalogue.get(item.exercise).source(raw.source_file)
        except KeyError:
            raise CatalogueError(
                f"{where}: exercise {item.exercise!r} has no sources entry for {raw.source_file}"
            ) from None
        items.append(ProgramItem(exercise=item.exercise, stage=item.stage, prescription=source.prescription))
    return Program(**raw.model_dump(exclude={"items"}), items=items)


def load_programs(catalogue: Catalogue, root: Traversable | None = None) -> dict[str, Program]:
    """Load every program under `root/programs`, ordered by source article."""
    root = root or data_root()
    programs = []
    for path in sorted((root / "programs").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".toml"):
            file = f"programs/{path.name}"
            programs.append(parse_program(file, parse_toml(file, path.read_text(encoding="utf-8")), catalogue))
    programs.sort(key=lambda p: p.source_file)
    seen: dict[str, Program] = {}
    for program in programs:
        if program.id in seen:
            raise CatalogueError(f"programs/{program.id}.toml: entry {program.id!r}: field 'id': duplicate id")
        seen[program.id] = program
    return seen
