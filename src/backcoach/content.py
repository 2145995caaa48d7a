"""The shipped content (catalogue, ladders, programs, Learn topics), loaded once per process on first use and shared
by every adapter.

Parsing and checking the content's TOML files takes tens of milliseconds on every start of the command line, most
of it in tomllib and the ladders' checks. So the validated catalogue, ladders and programs are also kept as JSON in
a cache file under `cache_dir()`, keyed on `fingerprint()` (every file of the installed package, and its version):
the next process reads them back through the same models in a few milliseconds, and `backcoach exercises` reads
the exercises from it without importing pydantic at all. A missing, unreadable, corrupt or outdated cache, or a
folder that cannot be written, only means validating the files as before.

Nothing heavy is imported at module level: the command line imports this module to answer from the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backcoach import __version__
from backcoach.domain.errors import NotFound

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from backcoach.domain.catalogue import Catalogue, Exercise
    from backcoach.domain.ladders import Ladder, Rung
    from backcoach.domain.learn import Topic
    from backcoach.domain.programs import Program

ENV_CACHE_DIR = "BACKCOACH_CACHE_DIR"
ENV_HOME = "BACKCOACH_HOME"
"""As `backcoach.settings` reads it (a test holds the two equal): the layers keep this module from importing it."""
PACKAGE = Path(__file__).resolve().parent
"""The installed package: its files are what the content and the code that checks it are made of."""
CACHE_FILE = "content.json"


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where backcoach keeps what it can always rebuild (the validated content, the last plan printed):
    BACKCOACH_CACHE_DIR if set, else BACKCOACH_HOME/cache, else the platform's user cache folder."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CACHE_DIR):
        return Path(env[ENV_CACHE_DIR]).expanduser()
    if env.get(ENV_HOME):
        return Path(env[ENV_HOME]).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("backcoach", appauthor=False))


def fingerprint(package: Path = PACKAGE) -> str:
    """The version and every file of the package (relative path, size, modification time): any change to the
    content or to the code that checks and uses it (an upgrade, or an edit to an editable install) changes it.

    The listing itself, some kilobytes, rather than a digest of it: comparing it is exact, and importing hashlib
    would cost more than anything else in reading a kept plan."""
    top = str(package)
    files: list[tuple[str, int, int]] = []
    folders = [top]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                    continue
                stat = entry.stat()
                files.append((entry.path[len(top) + 1 :], stat.st_size, stat.st_mtime_ns))
    files.sort()
    return "\n".join([__version__, *(f"{path} {size} {mtime}" for path, size, mtime in files)])


def write_atomically(path: Path, text: str) -> None:
    """Write `path` whole or not at all, so a reader in another process never sees half a file."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def read_cached(path: Path, key: str) -> dict[str, Any] | None:
    """The JSON object in `path` if it was written under `key`, else None (missing, unreadable, corrupt, stale)."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("key") != key:
        return None
    return document


@dataclass(frozen=True)
class Content:
    catalogue: Catalogue
    ladders: dict[str, Ladder]
    programs: dict[str, Program]


def validate(root: Traversable | None = None) -> Content:
    """Parse and check every file under `root` (the shipped package data by default)."""
    from backcoach.domain.catalogue import load_catalogue
    from backcoach.domain.ladders import load_ladders
    from backcoach.domain.programs import load_programs

    cat = load_catalogue(root)
    return Content(cat, load_ladders(cat, root), load_programs(cat, root))


def document(content: Content, key: str) -> dict[str, Any]:
    """The content as the cache keeps it. Exercises are dumped as `backcoach exercises --json` prints them."""
    return {
        "key": key,
        "articles": [a.model_dump(mode="json") for a in content.catalogue.articles.values()],
        "exercises": [e.model_dump(mode="json") for e in content.catalogue],
        "ladders": [ladder.model_dump(mode="json") for ladder in content.ladders.values()],
        "programs": [p.model_dump(mode="json") for p in content.programs.values()],
    }


def from_document(document: Mapping[str, Any]) -> Content:
    """The content back from the cache, through the same models (their field checks are cheap; the files' parsing
    and cross-checks are what the cache saves). Raises ValueError, KeyError or TypeError for a malformed one."""
    from backcoach.domain.catalogue import Article, Catalogue, Exercise
    from backcoach.domain.ladders import Ladder
    from backcoach.domain.programs import Program

    articles = [Article.model_validate(a) for a in document["articles"]]
    exercises = [Exercise.model_validate(e) for e in document["exercises"]]
    ladders = [Ladder.model_validate(ladder) for ladder in document["ladders"]]
    programs = [Program.model_validate(p) for p in document["programs"]]
    return Content(
        Catalogue(articles={a.file: a for a in articles}, exercises={e.id: e for e in exercises}),
        {ladder.exercise: ladder for ladder in ladders},
        {p.id: p for p in programs},
    )


def load(root: Traversable | None, cache_file: Path | None, key: str) -> Content:
    """The content under `root`, from `cache_file` when it was written under `key`; else validated, and the cache
    written (atomically; a folder that cannot be written is no error)."""
    found = read_cached(cache_file, key) if cache_file is not None else None
    if found is not None:
        try:
            return from_document(found)
        except (ValueError, KeyError, TypeError):
            pass
    content = validate(root)
    if cache_file is not None:
        with contextlib.suppress(OSError):
            write_atomically(cache_file, json.dumps(document(content, key), ensure_ascii=False))
    return content


@cache
def package_key() -> str:
    """The installed package's `fingerprint`, taken once per process."""
    return fingerprint()


@cache
def _shipped_cache() -> dict[str, Any] | None:
    try:
        return read_cached(cache_dir() / CACHE_FILE, package_key())
    except (OSError, RuntimeError):
        return None


@cache
def _shipped() -> Content:
    try:
        cache_file: Path | None = cache_dir() / CACHE_FILE
        key = package_key()
    except (OSError, RuntimeError):
        # No cache folder can be named (no home directory) or the package cannot be listed: validate every time.
        cache_file, key = None, ""
    return load(None, cache_file, key)


def catalogue() -> Catalogue:
    return _shipped().catalogue


def programs() -> dict[str, Program]:
    return _shipped().programs


def exercise_records() -> list[dict[str, Any]]:
    """Every exercise as `Exercise.model_dump()` gives it, in the catalogue's order: from the cache when it is
    current, which spares `backcoach exercises` importing pydantic and the models."""
    found = _shipped_cache()
    if found is not None:
        records = found.get("exercises")
        if isinstance(records, list) and records and all(_is_record(r) for r in records):
            return records
    return [e.model_dump() for e in catalogue()]


def _is_record(record: object) -> bool:
    # The listing reads these fields; anything else is printed as stored.
    return (
        isinstance(record, dict)
        and all(isinstance(record.get(f), str) for f in ("id", "name", "category", "position", "level"))
        and all(isinstance(record.get(f), list) for f in ("equipment", "targets"))
    )


class UnknownId(NotFound):
    """An id (or name, or alias) that matches nothing shipped, with the closest ones to suggest."""

    def __init__(self, kind: str, value: str, suggestions: list[str], known: list[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else f" Known ids: {', '.join(known)}."
        super().__init__(f"unknown {kind} {value!r}.{hint}")
        self.kind = kind
        self.value = value
        self.suggestions = suggestions


def closest(value: str, known: list[str]) -> list[str]:
    import difflib

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
    from backcoach.domain.learn import load_topics

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


def ladders() -> dict[str, Ladder]:
    """Every exercise's ladder, by exercise id, in the catalogue's order."""
    return _shipped().ladders


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
