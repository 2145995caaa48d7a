"""The validated content kept in a cache file: read back equal to the validated content, rebuilt when any file of
the package changes, and never trusted when it is corrupt or cannot be written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from backcoach import content
from backcoach.content import Content

SHIPPED = Path(content.__file__).resolve().parent


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every validation of the content files (what the cache spares), recorded."""
    calls: list[object] = []
    real = content.validate

    def counting(root=None) -> Content:
        calls.append(root)
        return real(root)

    monkeypatch.setattr(content, "validate", counting)
    return calls


@pytest.fixture(scope="module")
def validated() -> Content:
    return content.validate()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the package whose files a test may touch and edit."""
    copy = tmp_path / "backcoach"
    shutil.copytree(SHIPPED, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_second_load_reads_the_cache_and_gives_the_validated_content(
    tmp_path: Path, validations: list[object], validated: Content
) -> None:
    cache = tmp_path / "cache" / "content.json"
    first = content.load(None, cache, "key")
    assert cache.exists()
    second = content.load(None, cache, "key")
    assert len(validations) == 1
    assert first == second == validated
    assert second.catalogue == validated.catalogue
    assert list(second.ladders) == list(validated.ladders) == list(validated.catalogue.exercises)
    assert list(second.programs) == list(validated.programs)


def test_the_cached_exercises_are_what_model_dump_gives(tmp_path: Path, validated: Content) -> None:
    cache = tmp_path / "content.json"
    content.load(None, cache, "key")
    records = json.loads(cache.read_text(encoding="utf-8"))["exercises"]
    dumps = [e.model_dump() for e in validated.catalogue]
    assert records == dumps
    # `backcoach exercises --json` prints them; the bytes must not depend on where they came from.
    assert json.dumps(records, indent=2, ensure_ascii=False) == json.dumps(dumps, indent=2, ensure_ascii=False)


def test_touching_or_editing_a_content_file_rebuilds_the_cache(
    package: Path, tmp_path: Path, validations: list[object]
) -> None:
    cache = tmp_path / "cache" / "content.json"
    data = package / "data"
    before = content.fingerprint(package)
    content.load(data, cache, before)

    bridge = data / "exercises" / "bridge.toml"
    stat = bridge.stat()
    os.utime(bridge, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = content.fingerprint(package)
    assert touched != before
    content.load(data, cache, touched)
    assert len(validations) == 2
    assert json.loads(cache.read_text(encoding="utf-8"))["key"] == touched

    bridge.write_text(bridge.read_text(encoding="utf-8").replace('"hip bridge"]', '"hip bridge", "hip lift"]'))
    edited = content.fingerprint(package)
    assert edited not in (before, touched)
    assert content.load(data, cache, edited).catalogue.get("bridge").aliases[-1] == "hip lift"
    assert len(validations) == 3


def test_the_fingerprint_follows_the_code_and_the_version_too(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = content.fingerprint(package)
    (package / "domain" / "planner.py").write_text("# edited\n", encoding="utf-8")
    edited = content.fingerprint(package)
    assert edited != before
    monkeypatch.setattr(content, "__version__", "99.0")
    assert content.fingerprint(package) != edited


def test_compiled_files_do_not_change_the_fingerprint(package: Path) -> None:
    before = content.fingerprint(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "content.cpython-311.pyc").write_bytes(b"\0")
    assert content.fingerprint(package) == before


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: "", id="empty"),
        pytest.param(lambda text: "\ufffd" * 10, id="not JSON"),
        pytest.param(lambda text: "[]", id="not an object"),
        pytest.param(lambda text: json.dumps({**json.loads(text), "exercises": [{"id": "bridge"}]}), id="bad exercise"),
        pytest.param(lambda text: json.dumps({**json.loads(text), "ladders": 7}), id="bad ladders"),
        pytest.param(
            lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "programs"}), id="part"
        ),
        pytest.param(lambda text: json.dumps({**json.loads(text), "key": "other"}), id="another key"),
    ],
)
def test_a_corrupt_cache_falls_back_to_validating_and_is_rewritten(
    damage, tmp_path: Path, validations: list[object], validated: Content
) -> None:
    cache = tmp_path / "content.json"
    content.load(None, cache, "key")
    cache.write_text(damage(cache.read_text(encoding="utf-8")), encoding="utf-8")
    assert content.load(None, cache, "key") == validated
    assert len(validations) == 2
    assert content.load(None, cache, "key") == validated
    assert len(validations) == 2, "the rewritten cache is used again"


def test_a_cache_folder_that_cannot_be_written_is_no_error(
    tmp_path: Path, validations: list[object], validated: Content
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = blocker / "cache" / "content.json"
    assert content.load(None, cache, "key") == validated
    assert content.load(None, cache, "key") == validated
    assert len(validations) == 2
    assert not list(tmp_path.glob("**/*.tmp"))


def test_an_unreadable_cache_file_is_no_error(tmp_path: Path, validated: Content) -> None:
    cache = tmp_path / "content.json"
    cache.mkdir()
    assert content.load(None, cache, "key") == validated


def test_the_cache_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "content.json"
    target.write_text("old", encoding="utf-8")

    def failing(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        content.write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["content.json"]


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    import platformdirs

    from backcoach import settings

    assert content.ENV_HOME == settings.ENV_HOME

    assert content.cache_dir({"BACKCOACH_CACHE_DIR": str(tmp_path / "c"), "BACKCOACH_HOME": "/h"}) == tmp_path / "c"
    assert content.cache_dir({"BACKCOACH_HOME": str(tmp_path)}) == tmp_path / "cache"
    assert content.cache_dir({}) == Path(platformdirs.user_cache_dir("backcoach", appauthor=False))


def test_the_shipped_content_and_the_listing_come_from_the_cache_once_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validations: list[object], validated: Content
) -> None:
    monkeypatch.setenv("BACKCOACH_CACHE_DIR", str(tmp_path))
    shipped = (content._shipped, content._shipped_cache)
    for each in shipped:
        each.cache_clear()
    try:
        assert content.exercise_records() == [e.model_dump() for e in validated.catalogue]
        assert content.catalogue() == validated.catalogue
        assert len(validations) == 1
        assert (tmp_path / content.CACHE_FILE).exists()
        for each in shipped:
            each.cache_clear()
        assert content.exercise_records() == [e.model_dump() for e in validated.catalogue]
        assert content.ladders() == validated.ladders
        assert content.programs() == validated.programs
        assert len(validations) == 1
    finally:
        for each in shipped:
            each.cache_clear()
