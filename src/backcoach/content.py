"""The shipped content (catalogue and programs), loaded on first use and shared by every adapter."""

from __future__ import annotations

import difflib
from functools import cache

from backcoach.domain.catalogue import Catalogue, Exercise, load_catalogue
from backcoach.domain.errors import NotFound
from backcoach.domain.ladders import Ladder, Rung, load_ladders
from backcoach.domain.learn import Topic, load_topics
from backcoach.domain.programs import Program, load_programs


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


@cache
def programs() -> dict[str, Program]:
    return load_programs(catalogue())


class UnknownId(NotFound):
    """An id (or name, or alias) that matches nothing shipped, with the closest ones to suggest."""

    def __init__(self, kind: str, value: str, suggestions: list[str], known: list[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else f" Known ids: {', '.join(known)}."
        super().__init__(f"unknown {kind} {value!r}.{hint}")
        self.kind = kind
        self.value = value
        self.suggestions = suggestions


def closest(value: str, known: list[str]) -> list[str]:
    matches = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
    if not matches:
        matches = [k for k in known if value and (value in k or k in value)][:3]
    return matches


def exercise(exercise_id: str) -> Exercise:
    cat = catalogue()
    if exercise_id in cat:
        return cat.get(exercise_id)
    # People type names and aliases too ("bird dog", "ADIM"): resolve those before giving up.
    wanted = exercise_id.strip().lower().replace("_", "-")
    for e in cat:
        names = {e.id, e.name.lower(), *(a.lower() for a in e.aliases)}
        if wanted in names or wanted.replace("-", " ") in names:
            return e
    known = list(cat.exercises)
    raise UnknownId("exercise", exercise_id, closest(wanted, known), known)


def program(program_id: str) -> Program:
    progs = programs()
    if program_id in progs:
        return progs[program_id]
    known = list(progs)
    raise UnknownId("program", program_id, closest(program_id.lower(), known), known)


# The Learn section's topics (see docs/learn.md), kept in one block at the end of the module.


@cache
def learn_topics() -> dict[str, Topic]:
    return load_topics()


def learn_topic(topic_id: str) -> Topic:
    topics = learn_topics()
    if topic_id in topics:
        return topics[topic_id]
    # People type titles too ("hurt and harm", "Flare ups"): normalize before giving up.
    wanted = "-".join(topic_id.strip().lower().replace("_", " ").replace("-", " ").split())
    if wanted in topics:
        return topics[wanted]
    known = list(topics)
    raise UnknownId("topic", topic_id, closest(wanted, known), known)


# The exercise ladders (see docs/ladders.md), kept in one block at the end of the module.


@cache
def ladders() -> dict[str, Ladder]:
    """Every exercise's ladder, by exercise id, in the catalogue's order."""
    return load_ladders(catalogue())


def rung(rung_id: str) -> tuple[Exercise, Rung]:
    """A rung by its id ("bridge", "bridge/held"), with its exercise as the catalogue gives it (see
    `ladders.rung_exercise` for the exercise as the rung is done)."""
    wanted = rung_id.strip().lower()
    all_ladders = ladders()
    ladder = all_ladders.get(wanted.split("/", 1)[0])
    if ladder is not None and wanted in ladder:
        return catalogue().get(ladder.exercise), ladder.get(wanted)
    known = [r.id for each in all_ladders.values() for r in each.rungs]
    raise UnknownId("rung", rung_id, closest(wanted, known), known)
