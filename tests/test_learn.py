"""The Learn section: the topics load and validate, read sensibly, and `backcoach learn` shows them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from backcoach import content
from backcoach.domain.learn import LearnError, Topic, load_topics, topic_of_the_day

TOPIC_IDS = ["common", "hurt-and-harm", "keep-moving", "pacing", "flare-ups", "get-help"]
TOPIC_KEYS = {"id", "title", "summary", "body", "sources"}


def _data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(str(files("backcoach") / "data" / "learn.toml"), root / "learn.toml")
    return root


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "learn.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the test's anchor {old!r} is not in learn.toml any more"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def text_of(topic: Topic) -> str:
    parts = [topic.title, topic.summary]
    for section in topic.body:
        parts += [section.heading or "", *section.paragraphs, *section.points]
    return " ".join(parts)


# The shipped topics


def test_the_six_topics_ship_in_reading_order() -> None:
    assert list(content.learn_topics()) == TOPIC_IDS


def test_every_topic_is_short_and_cites_its_sources() -> None:
    for topic in content.learn_topics().values():
        assert topic.sources, topic.id
        assert len(topic.body) >= 1
        assert 50 <= len(text_of(topic).split()) <= 700, f"{topic.id} should be a short read"
        for ref in topic.sources:
            assert ref.url is None or ref.url.startswith("https://")


def test_when_to_get_help_lists_the_red_flags_and_how_urgent_each_is() -> None:
    text = text_of(content.learn_topic("get-help")).lower()
    for sign in (
        "urine",
        "bowel",
        "genitals, bottom or inner thighs",
        "weakness in your legs that is getting worse",
        "both legs",
        "fever",
        "history of cancer",
        "major injury",
        "4 to 6 weeks",
    ):
        assert sign in text, sign
    assert "emergency" in text
    assert "see a doctor soon" in text
    assert "not medical advice" in text
    sections = {s.heading: s for s in content.learn_topic("get-help").body}
    emergency, doctor = sections["Emergency: get help now"], sections["See a doctor soon"]
    assert any("both legs" in p for p in emergency.points)
    assert any("fever" in p for p in doctor.points)
    assert not any("fever" in p for p in emergency.points)


def test_the_flare_up_plan_is_concrete() -> None:
    text = text_of(content.learn_topic("flare-ups")).lower()
    for step in ("keep gently moving", "shorter", "easier variation", "heat", "pharmacist", "step at a time"):
        assert step in text, step
    assert "reason to see someone" in text


def test_hurt_and_harm_uses_the_same_pain_numbers_as_the_dosing_rules() -> None:
    text = text_of(content.learn_topic("hurt-and-harm"))
    for rule in ("0 to 3", "4 or 5", "above 5", "2 points or more by the next morning"):
        assert rule in text


def test_the_spelling_is_american() -> None:
    british = ("colour", "behaviour", "programme", "centre", "favour", "recognise", "organise", "paediatric")
    for topic in content.learn_topics().values():
        body = text_of(topic).lower()
        assert not [w for w in british if w in body], topic.id


def test_a_topic_is_found_by_its_title_words_too() -> None:
    assert content.learn_topic("Hurt and harm").id == "hurt-and-harm"
    assert content.learn_topic("flare_ups").id == "flare-ups"
    with pytest.raises(content.UnknownId, match="Did you mean: pacing"):
        content.learn_topic("pacin")


# One topic a day on Today


def test_the_topic_of_the_day_walks_through_every_topic_in_order() -> None:
    topics = list(content.learn_topics().values())
    start = dt.date(2026, 11, 21)
    week = [topic_of_the_day(topics, start + dt.timedelta(days=n)).id for n in range(len(topics))]
    assert sorted(week) == sorted(TOPIC_IDS)
    first = TOPIC_IDS.index(week[0])
    assert week == [TOPIC_IDS[(first + n) % len(TOPIC_IDS)] for n in range(len(TOPIC_IDS))]
    assert topic_of_the_day(topics, start) == topic_of_the_day(topics, start)
    assert topic_of_the_day(topics, start + dt.timedelta(days=len(topics))) == topic_of_the_day(topics, start)


# The loader names the file, the entry and the field


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'title = "Pacing: steady beats boom and bust"\n', "")
    with pytest.raises(LearnError) as err:
        load_topics(root)
    assert "learn.toml: entry 'pacing': field 'title'" in str(err.value)


def test_a_bad_nested_value_names_its_path(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'heading = "How to pace"', "heading = 42")
    with pytest.raises(LearnError, match=r"learn\.toml: entry 'pacing': field 'body\.1\.heading'"):
        load_topics(root)


def test_an_unknown_field_is_rejected_by_name(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'heading = "How backcoach paces you"\nparagraphs = [', 'heading = "How backcoach paces you"\ntext = [')
    with pytest.raises(LearnError, match=r"entry 'pacing': field 'body\.2\.text'"):
        load_topics(root)


def test_a_section_without_text_is_rejected(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'heading = "How backcoach paces you"\n', 'heading = "How backcoach paces you"\n\n[[topic.body]]\n')
    with pytest.raises(LearnError, match=r"entry 'pacing': field 'body\.2': .*at least one paragraph or point"):
        load_topics(root)


def test_an_unknown_reference_is_rejected_by_name(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'sources = ["nice-ng59", "silbernagel-2007"]', 'sources = ["nice-ng59", "hearsay"]')
    with pytest.raises(LearnError, match=r"entry 'pacing': field 'sources\.1': unknown reference 'hearsay'"):
        load_topics(root)


def test_a_bad_reference_names_its_key(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'url = "https://www.nice.org.uk/guidance/ng59"', 'url = "http://example.org/ng59"')
    with pytest.raises(LearnError, match=r"entry 'reference nice-ng59': field 'url'"):
        load_topics(root)


def test_a_duplicate_topic_id_is_rejected(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'id = "keep-moving"', 'id = "common"')
    with pytest.raises(LearnError, match=r"entry 'common': field 'id': duplicate id"):
        load_topics(root)


def test_a_long_summary_is_rejected(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, 'summary = "Most people', 'summary = "' + "very " * 50 + "Most people")
    with pytest.raises(LearnError, match=r"entry 'common': field 'summary'"):
        load_topics(root)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, "[[topic]]", "[[topic]")
    with pytest.raises(LearnError, match=r"learn\.toml: not valid TOML"):
        load_topics(root)


# The command


@pytest.mark.parametrize("topic_id", TOPIC_IDS)
def test_every_topic_renders_in_the_terminal(run, topic_id: str) -> None:
    result = run("learn", topic_id)
    assert result.exit_code == 0
    topic = content.learn_topic(topic_id)
    assert topic.title in result.output
    assert "Sources" in result.output
    assert "not medical advice" in result.output
    for ref in topic.sources:
        assert ref.title.split()[0] in result.output


def test_learn_lists_the_topics_with_a_hint(run) -> None:
    result = run("learn")
    assert result.exit_code == 0
    for topic in content.learn_topics().values():
        assert topic.id in result.output
        assert topic.title in result.output
    assert "backcoach learn TOPIC" in result.output
    assert "not medical advice" in result.output


def test_learn_json_gives_the_topic_objects(run) -> None:
    listed = json.loads(run("learn", "--json").output)
    assert [t["id"] for t in listed] == TOPIC_IDS
    for topic in listed:
        assert set(topic) == TOPIC_KEYS
        assert {"key", "title", "detail", "url"} <= set(topic["sources"][0])
        assert {"heading", "paragraphs", "points"} == set(topic["body"][0])
    one = json.loads(run("learn", "pacing", "--json").output)
    assert one == listed[TOPIC_IDS.index("pacing")]


def test_an_unknown_topic_exits_2_and_names_the_topics(run) -> None:
    result = run("learn", "nope")
    assert result.exit_code == 2
    assert "TOPIC" in result.stderr
    for topic_id in TOPIC_IDS:
        assert topic_id in result.stderr
    assert result.stdout == ""


def test_learn_writes_nothing(run, home: Path) -> None:
    assert run("learn", "get-help").exit_code == 0
    assert not home.exists()


def test_an_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    root = _data(tmp_path)
    _edit(root, '[[reference]]\nkey = "nice-ng59"', 'topics = "typo"\n\n[[reference]]\nkey = "nice-ng59"')
    with pytest.raises(LearnError, match=r"learn\.toml: unknown top-level keys \['topics'\]"):
        load_topics(root)
