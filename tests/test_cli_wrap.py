"""Every question and paragraph the command line prints is wrapped to the terminal's width with words kept whole:
each command that asks questions, run as a person would answer it, at 40, 80 and 120 columns (COLUMNS)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from backcoach.cli.main import cli
from backcoach.cli.wrap import ANSWER_ROOM, lines, question
from backcoach.domain.screening import QUESTIONS

WIDTHS = (40, 80, 120)
WIDE = 1000
BOX = re.compile(r"[\u2500-\u257f]")  # rich's panel and table borders
STAMP = re.compile(r"\[\d+:\d\d\]")  # the guided session's elapsed time, which depends on when each line printed

SOCKS, SITTING, GROCERIES = "bending to put on socks", "sitting for an hour at my desk", "lifting a bag of groceries"
# Each command that asks something, with a person's answers; then what it prints after.
SCRIPT: list[tuple[list[str], str | None]] = [
    (["screen"], "42\n" + "n\n" * len(QUESTIONS)),
    (["log"], "3\nbridge\n15\n3\nvery\nright\n2\n\n2\n"),  # "very": refused, and asked again
    (["checkin", "--pain", "6"], None),
    (["outcome"], f"{SOCKS}\n{SITTING}\n{GROCERIES}\n3\n11\n4\n2\n"),  # 11: refused, and asked again
    (["start", "--minutes", "5", "--speed", "1000"], "n\n3\n2\n" + "\n" * 20),
    (["dose", "bridge"], None),
    (["preferences", "--sessions-per-day", "2"], None),
    (["preferences", "--times", "08:00,08:30"], None),  # refused: the error is a paragraph too
]


def run_script(width: int, home: Path, database: Path) -> list[str]:
    """The script in a fresh home, at `width` columns: what each command printed (both streams)."""
    home.mkdir(parents=True)
    shutil.copyfile(database, home / "backcoach.db")
    runner = CliRunner()
    env = {"COLUMNS": str(width), "BACKCOACH_HOME": str(home), "BACKCOACH_DATABASE_URL": None}
    outputs = []
    for args, answers in SCRIPT:
        result = runner.invoke(cli, args, input=answers, env=env, catch_exceptions=False)
        outputs.append(result.output)
    return outputs


def printed(line: str, answers: str | None) -> str:
    """The line as backcoach printed it: the test runner echoes what the person typed after a question, which on a
    terminal is theirs to type (and the terminal's to wrap). A question's last line leaves room for a short answer
    (`test_a_question_leaves_room_for_its_answer`); an activity's name may be longer."""
    for answer in (answers or "").splitlines():
        if answer and line.endswith(": " + answer):
            return line[: -len(answer)].rstrip(" ")
    return line


def words(text: str) -> list[str]:
    return STAMP.sub("[t]", BOX.sub(" ", text)).split()


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> list[str]:
    return run_script(WIDE, tmp_path_factory.mktemp("wide") / "home", migrated_sqlite)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_longer_than_the_terminal_and_no_word_is_split(
    width: int, wide: list[str], tmp_path: Path, migrated_sqlite: Path
) -> None:
    outputs = run_script(width, tmp_path / "home", migrated_sqlite)
    for (args, answers), output, reference in zip(SCRIPT, outputs, wide, strict=True):
        command = " ".join(args)
        assert output.strip(), f"{command} printed something"
        long = [line for line in output.splitlines() if len(printed(line, answers)) > width]
        assert not long, f"{command} at {width} columns printed lines longer than that: {long}"
        # The same words in the same order as at 1000 columns, where nothing wraps: a word broken across two lines
        # would read as two.
        assert words(output) == words(reference), f"{command} at {width} columns"
    assert any(len(line) > 120 for output in wide for line in output.splitlines()), "the script has long paragraphs"


def test_the_paragraphs_really_were_too_long_for_40_columns(wide: list[str]) -> None:
    screen, log, checkin, outcome, start = wide[:5]
    assert "bladder or bowels" in start, "the pre-session check is asked"
    for output in (screen, log, checkin, outcome, start):
        assert max(len(line) for line in output.splitlines()) > 40


@pytest.mark.parametrize("width", WIDTHS)
def test_a_question_leaves_room_for_its_answer(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    text = "How did the lower back rotational stretch feel? (too-easy, right, too-hard) [right]:"
    asked = question(text)
    assert asked.endswith(": ")
    assert all(len(line) <= width for line in asked.splitlines())
    assert len(asked.splitlines()[-1].rstrip(" ")) <= width - ANSWER_ROOM
    assert " ".join(asked.split()) == text, "the same words, in order"


def test_an_indented_prompt_keeps_its_indent_and_a_long_word_stays_whole() -> None:
    assert lines("  exercise id and the repetitions done in it", 20) == [
        "  exercise id and",
        "  the repetitions",
        "  done in it",
    ]
    assert lines("see https://example.org/a/very/long/address/indeed now", 20) == [
        "see",
        "https://example.org/a/very/long/address/indeed",
        "now",
    ]
    assert lines("one\n\ntwo", 20) == ["one", "", "two"]
