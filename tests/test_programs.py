from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from backcoach.domain.catalogue import Catalogue, CatalogueError, load_catalogue
from backcoach.domain.programs import Program, load_programs
from tests.article_facts import ARTICLE_FACTS, expected_prescription


def by_file(programs: dict[str, Program]) -> dict[str, Program]:
    return {p.source_file: p for p in programs.values()}


def test_there_is_one_program_per_article(programs: dict[str, Program]) -> None:
    assert len(programs) == 5
    assert set(by_file(programs)) == set(ARTICLE_FACTS)


@pytest.mark.parametrize("article", sorted(ARTICLE_FACTS))
def test_each_program_reproduces_its_article_field_by_field(programs: dict[str, Program], article: str) -> None:
    program = by_file(programs)[article]
    facts = ARTICLE_FACTS[article]
    assert [i.exercise for i in program.items] == [f[0] for f in facts["items"]]
    for item, (exercise, stage, stated) in zip(program.items, facts["items"], strict=True):
        assert item.stage == stage, f"{article} {exercise}: stage"
        assert item.prescription.model_dump() == expected_prescription(stated), f"{article} {exercise}"
    dumped = program.model_dump()
    assert dumped["minutes_per_day"] == facts["minutes_per_day"]
    assert dumped["sessions_per_day"] == facts["sessions_per_day"]


def test_every_program_carries_its_articles_safety_advice(programs: dict[str, Program]) -> None:
    for program in programs.values():
        assert program.notes, program.id
        assert program.title
        assert program.summary


def test_the_staged_program_stretches_first_and_keeps_advanced_work_last(programs: dict[str, Program]) -> None:
    staged = by_file(programs)["003_0ec0cb11417cc7f4.txt"]
    stages = [i.stage for i in staged.items]
    assert stages[0] == "stretch"
    order = {"stretch": 0, "initial": 1, "advanced": 2}
    assert stages == sorted(stages, key=order.__getitem__)


def test_program_items_agree_with_the_exercise_sources(catalogue: Catalogue, programs: dict[str, Program]) -> None:
    for program in programs.values():
        for item in program.items:
            assert item.prescription == catalogue.get(item.exercise).source(program.source_file).prescription


def test_a_program_naming_an_unknown_exercise_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(str(files("backcoach") / "data"), root)
    path = root / "programs" / "core-five.toml"
    path.write_text(path.read_text().replace('exercise = "superman"', 'exercise = "spiderman"'))
    catalogue = load_catalogue(root)
    with pytest.raises(
        CatalogueError, match=r"programs/core-five\.toml: entry 'core-five': field 'items\.2\.exercise'"
    ):
        load_programs(catalogue, root)
