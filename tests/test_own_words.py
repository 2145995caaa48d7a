"""The catalogue, programs, ladders and Learn topics are written in the project's own words: facts carry over from the
articles, sentences do not. No text may share a run of 12 consecutive words with any article."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from backcoach.domain.catalogue import Catalogue
from backcoach.domain.programs import Program
from tests.conftest import SEEDS

RUN = 12


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def ngrams(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


@pytest.fixture(scope="module")
def article_runs() -> dict[str, set[tuple[str, ...]]]:
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(seeds) < 5:
        if os.environ.get("CI"):
            pytest.fail(f"the source articles are missing from {SEEDS}")
        pytest.skip(f"the source articles are not beside this checkout ({SEEDS})")
    return {p.name: ngrams(p.read_text(encoding="utf-8")) for p in seeds}


def catalogue_texts(catalogue: Catalogue, programs: dict[str, Program]) -> Iterator[tuple[str, str]]:
    for e in catalogue:
        for field in ("benefits", "steps", "cues", "cautions"):
            for i, text in enumerate(getattr(e, field)):
                yield f"{e.id}.{field}[{i}]", text
        for v in e.variations:
            yield f"{e.id}.variations[{v.name}]", v.description
        yield f"{e.id}.prescription_reason", e.prescription_reason
        for s in e.sources:
            for i, note in enumerate(s.notes):
                yield f"{e.id}.sources[{s.file}].notes[{i}]", note
        # Consecutive steps read as one passage, so a copied sentence split across two steps is caught too.
        yield f"{e.id}.steps (joined)", " ".join(e.steps)
    for p in programs.values():
        yield f"program {p.id}.summary", p.summary
        yield f"program {p.id}.notes (joined)", " ".join(p.notes)
    for a in catalogue.articles.values():
        yield f"article {a.file}.summary", a.summary


def test_the_helper_finds_a_copied_run() -> None:
    text = "Hold the position for 2 seconds. Return to the starting position. Repeat 10 times."
    assert ngrams(text) & ngrams("x " + text + " y")


def test_no_text_shares_twelve_words_with_an_article(
    catalogue: Catalogue, programs: dict[str, Program], article_runs: dict[str, set[tuple[str, ...]]]
) -> None:
    copied = []
    for where, text in catalogue_texts(catalogue, programs):
        for article, runs in article_runs.items():
            shared = ngrams(text) & runs
            if shared:
                copied.append(f"{where} shares with {article}: {' '.join(sorted(shared)[0])!r}")
    assert not copied, "\n".join(copied)


def learn_texts() -> Iterator[tuple[str, str]]:
    from backcoach import content

    for t in content.learn_topics().values():
        yield f"learn {t.id}.summary", t.summary
        for i, section in enumerate(t.body):
            # A section reads as one passage, so a copied sentence split across two points is caught too.
            yield f"learn {t.id}.body[{i}] (joined)", " ".join([*section.paragraphs, *section.points])


def test_no_learn_topic_shares_twelve_words_with_an_article(article_runs: dict[str, set[tuple[str, ...]]]) -> None:
    copied = []
    for where, text in learn_texts():
        for article, runs in article_runs.items():
            shared = ngrams(text) & runs
            if shared:
                copied.append(f"{where} shares with {article}: {' '.join(sorted(shared)[0])!r}")
    assert not copied, "\n".join(copied)


def ladder_texts() -> Iterator[tuple[str, str]]:
    from backcoach import content

    for ladder in content.ladders().values():
        for r in ladder.rungs:
            for field in ("name", "change", "reason", "spoken_move"):
                text = getattr(r, field)
                if text:
                    yield f"ladder {r.id}.{field}", text
            for field in ("steps", "cues"):
                for i, text in enumerate(getattr(r, field)):
                    yield f"ladder {r.id}.{field}[{i}]", text
            # Consecutive steps read as one passage, as the catalogue's do.
            yield f"ladder {r.id}.steps (joined)", " ".join(r.steps)


def test_no_ladder_text_shares_twelve_words_with_an_article(article_runs: dict[str, set[tuple[str, ...]]]) -> None:
    copied = []
    for where, text in ladder_texts():
        for article, runs in article_runs.items():
            shared = ngrams(text) & runs
            if shared:
                copied.append(f"{where} shares with {article}: {' '.join(sorted(shared)[0])!r}")
    assert not copied, "\n".join(copied)
