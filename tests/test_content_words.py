"""The words a person reads: levels, the cautions a clinician expects, articles named by title and publisher (never by
file name, never as "garbled"), and one spelling (American, as the articles)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pypdf import PdfReader
from rich.console import Console

from backcoach.app.runtime import create_runtime
from backcoach.cli.render import exercise_card, program_card, program_table
from backcoach.domain.catalogue import Catalogue
from backcoach.domain.programs import Program
from backcoach.render.handout import handout_pdf
from backcoach.settings import Settings
from backcoach.web.app import create_app
from tests.conftest import ROOT, migrated

FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}|\b00[0-4]\b|\.txt\b")
"""An article's file name, or the bare number people were once shown for it ("004")."""
BACKSTAGE = re.compile(r"garbl|this copy|lost in|no heading|intact|times_per_day|\bnull\b", re.IGNORECASE)
"""How the data was made, which belongs in docs/content.md, not in front of a person."""


def card_text(renderable: object) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(renderable)
    return console.export_text()


def person_texts(catalogue: Catalogue, programs: dict[str, Program]) -> Iterator[tuple[str, str]]:
    """Every piece of catalogue and program text that a card, page or handout shows."""
    for e in catalogue:
        for field in ("name", "prescription_reason"):
            yield f"{e.id}.{field}", getattr(e, field)
        for field in ("benefits", "steps", "cues", "cautions", "muscles"):
            for i, text in enumerate(getattr(e, field)):
                yield f"{e.id}.{field}[{i}]", text
        for v in e.variations:
            yield f"{e.id}.variations[{v.name}]", f"{v.name}: {v.description}"
        for s in e.sources:
            for i, note in enumerate(s.notes):
                yield f"{e.id}.sources[{s.file}].notes[{i}]", note
    for p in programs.values():
        yield f"program {p.id}.title", p.title
        yield f"program {p.id}.summary", p.summary
        for i, note in enumerate(p.notes):
            yield f"program {p.id}.notes[{i}]", note
    for a in catalogue.articles.values():
        yield f"article {a.file}.cite", a.cite


# Levels


def test_the_superman_is_advanced(catalogue: Catalogue) -> None:
    assert catalogue.get("superman").level == "advanced"


@pytest.mark.parametrize(
    "exercise_id", ["bird-dog", "prone-opposite-arm-leg", "abdominal-crunch", "kettlebell-swing", "superman"]
)
def test_the_encyclopedias_advanced_group_and_the_hardest_work_stay_advanced(
    catalogue: Catalogue, exercise_id: str
) -> None:
    assert catalogue.get(exercise_id).level == "advanced"


def test_the_encyclopedias_initial_exercises_and_stretches_are_for_beginners(catalogue: Catalogue) -> None:
    for exercise_id in (
        "knee-to-chest",
        "double-knee-to-chest",
        "ankle-pump",
        "heel-slide",
        "drawing-in-maneuver",
        "straight-leg-raise",
        "wall-squat",
        "heel-raise",
    ):
        assert catalogue.get(exercise_id).level == "beginner", exercise_id


# Cautions a clinician expects

CAUTIONS = {
    "kettlebell-swing": ["hinge", "not a squat", "lean back", "flare", "warm-up"],
    "abdominal-crunch": ["neck", "breathe out", "osteoporosis"],
    "partial-curl": ["neck", "breathe out", "osteoporosis"],
    "straight-leg-raise": ["pain travels down your leg"],
    "superman": ["bending backward", "worse", "spread"],
    "cat-stretch": ["sag", "only the rounding"],
    "pelvic-tilt": ["one direction hurts", "comfortable half"],
    "prone-opposite-arm-leg": ["pregnant", "bending backward"],
}


@pytest.mark.parametrize("exercise_id", sorted(CAUTIONS))
def test_each_exercise_carries_the_cautions_a_clinician_expects(catalogue: Catalogue, exercise_id: str) -> None:
    cautions = " ".join(catalogue.get(exercise_id).cautions).lower()
    missing = [word for word in CAUTIONS[exercise_id] if word not in cautions]
    assert not missing, f"{exercise_id} cautions lack {missing}"


def test_lying_face_down_is_flagged_for_pregnancy(catalogue: Catalogue) -> None:
    for e in catalogue:
        if e.position == "prone":
            assert any("pregnant" in c for c in e.cautions), e.id


# Targets


def test_a_stretch_or_warm_up_counts_only_toward_mobility(catalogue: Catalogue) -> None:
    for e in catalogue:
        if e.category in ("stretch", "warm-up"):
            assert e.targets == ["mobility"], e.id


# Articles are named, never filed


def test_every_article_has_a_publisher_and_a_citation_without_its_file_name(catalogue: Catalogue) -> None:
    assert len(catalogue.articles) == 5
    for a in catalogue.articles.values():
        assert a.publisher
        assert a.title in a.cite
        assert a.publisher in a.cite
        assert not FILE_NAME.search(a.cite), a.cite
    assert "StayWell" in catalogue.articles["003_0ec0cb11417cc7f4.txt"].publisher
    assert "shortened copy" in catalogue.articles["000_9a4a757ee128db0d.txt"].cite


def test_no_text_a_person_reads_names_a_file_or_tells_how_the_data_was_made(
    catalogue: Catalogue, programs: dict[str, Program]
) -> None:
    found = [
        f"{where}: {text!r}"
        for where, text in person_texts(catalogue, programs)
        if FILE_NAME.search(text) or BACKSTAGE.search(text)
    ]
    assert not found, "\n".join(found)


def test_no_exercise_card_names_an_article_file(catalogue: Catalogue) -> None:
    for e in catalogue:
        text = card_text(exercise_card(e, catalogue.articles))
        assert not FILE_NAME.search(text), f"{e.id}: {FILE_NAME.search(text)}"
        assert "Sources" in text


def test_no_program_card_or_table_names_an_article_file(catalogue: Catalogue, programs: dict[str, Program]) -> None:
    names = {e.id: e.name for e in catalogue}
    for p in programs.values():
        text = card_text(program_card(p, names, catalogue.articles))
        assert not FILE_NAME.search(text), p.id
        assert catalogue.articles[p.source_file].publisher.split(" (")[0] in " ".join(text.split())
    assert not FILE_NAME.search(card_text(program_table(programs.values(), catalogue.articles)))


def _pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_no_handout_names_an_article_file(catalogue: Catalogue, programs: dict[str, Program]) -> None:
    staged = programs["staged-low-back"]
    items = [(catalogue.get(i.exercise), i.prescription) for i in staged.items]
    text = _pdf_text(handout_pdf(staged.title, items, staged.notes, article=catalogue.articles[staged.source_file]))
    assert not FILE_NAME.search(text), FILE_NAME.search(text)
    assert "StayWell" in text
    assert "Take care" in text, "the handout carries each exercise's cautions"


@pytest.fixture
def web(tmp_path: Path, migrated_sqlite: Path, hasher: PasswordHasher) -> Iterator[TestClient]:
    url = migrated(f"sqlite:///{tmp_path / 'web.db'}", migrated_sqlite)
    runtime = create_runtime(Settings(home=tmp_path / "home", database_url=url), hasher=hasher)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    runtime.dispose()


def test_no_web_page_names_an_article_file_or_a_level_code(
    web: TestClient, catalogue: Catalogue, programs: dict[str, Program]
) -> None:
    paths = ["/exercises", "/programs"]
    paths += [f"/exercises/{e.id}" for e in catalogue]
    paths += [f"/programs/{p}" for p in programs]
    for path in paths:
        page = web.get(path)
        assert page.status_code == 200, path
        body = re.sub(r"<[^>]+>", " ", page.text)
        assert not FILE_NAME.search(body), f"{path}: {FILE_NAME.search(body)}"
        assert not BACKSTAGE.search(body), f"{path}: {BACKSTAGE.search(body)}"
    superman = web.get("/exercises/superman").text
    assert "advanced level" in superman
    assert "lying face down" in superman


# One spelling: American, as the articles

BRITISH = re.compile(
    r"\b(centre|centres|centred|centimetres?|millimetres?|metres?|kilometres?|programmes?|colours?|coloured|"
    r"favour\w*|behaviour\w*|honour\w*|neighbour\w*|organis\w*|personalis\w*|recognis\w*|realis(e|es|ed|ing)|"
    r"summaris\w*|normalis\w*|prioritis\w*|minimis\w*|maximis\w*|optimis\w*|stabilis\w*|analys(e|es|ed|ing)|"
    r"practis\w*|licence|defence|travell\w*|cancell\w*|labelled|modelled|grey|physiotherap\w*|judgement|ageing|"
    r"manoeuvr\w*|whilst|amongst|fibres?|litres?|tumours?|mobilis\w*|A&E)\b",
    re.IGNORECASE,
)
SRC = ROOT / "src" / "backcoach"
SPELLED = [
    *sorted((SRC / "data").rglob("*.toml")),
    *sorted((SRC / "web" / "templates").glob("*.html")),
    *sorted((SRC / "render").glob("*.py")),
    SRC / "cli" / "render.py",
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
PROSE_TOKENS = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines a person may read: all of a data, template or doc file; only the strings and comments of Python
    source, whose identifiers (and other libraries' names, such as reportlab's `colors.grey`) keep their spelling."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        yield from enumerate(text.splitlines(), 1)
        return
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in PROSE_TOKENS:
            yield token.start[0], token.string


def test_the_helper_finds_a_british_spelling() -> None:
    assert BRITISH.search("Come back to the centre and practise it")
    assert not BRITISH.search("Come back to the center and practice it; head_centre is a model key")


PROPER_NAMES = ("Physiotherapy Canada",)
"""Titles that keep their own spelling (a journal cited in docs/outcome.md)."""


@pytest.mark.parametrize("path", SPELLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_person_facing_text_uses_american_spelling(path: Path) -> None:
    found = []
    for number, line in prose_lines(path):
        prose = line
        for name in PROPER_NAMES:
            prose = prose.replace(name, "")
        found += [f"{path.relative_to(ROOT)}:{number}: {m.group(0)}" for m in BRITISH.finditer(prose)]
    assert not found, "\n".join(found)
