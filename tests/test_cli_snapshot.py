"""`backcoach plan --json` prints the kept plan when nothing changed, and plans in full (or refuses) as soon as
anything it was made from did: a session, a screen, a clearance, preferences, the options, the day, the package."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach import content
from backcoach.app import plans, snapshots
from backcoach.app import preferences as app_preferences
from backcoach.app.runtime import create_runtime
from backcoach.cli import entry, quick
from backcoach.cli.plan import plan as plan_command
from backcoach.domain import screening
from backcoach.domain.preferences import Preferences
from backcoach.settings import Settings, load_settings
from backcoach.storage.engine import database_url

pytestmark = pytest.mark.usefixtures("db_home")

Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def plan_json(capsys: pytest.CaptureFixture[str]) -> Invoke:
    """`backcoach plan ... --json` through the console script's own entry point, in this process."""

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = 0
        try:
            entry.main(["plan", *args, "--json"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


class Counter:
    calls = 0


@pytest.fixture
def full_path(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many times the application layer built a plan (the full path)."""
    counter = Counter()
    real = plans.plan_snapshot

    def counting(*args: Any, **kwargs: Any) -> plans.PlanSnapshot:
        counter.calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(plans, "plan_snapshot", counting)
    return counter


def kept(home: Path) -> Path:
    return home / "cache" / snapshots.FILE


def fresh(run, *args: str) -> str:
    """What the full path prints (click's own runner never looks at the snapshot)."""
    result = run("plan", *args, "--json")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def write(tmp_path: Path, data: Any, name: str) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_the_second_plan_is_the_kept_one_word_for_word(plan_json: Invoke, full_path: Counter, db_home: Path) -> None:
    first = plan_json()
    assert first[0] == 0
    assert kept(db_home).exists()
    assert plan_json() == first
    assert full_path.calls == 1
    assert json.loads(first[1])["minutes"] == 15


def test_the_same_options_typed_differently_share_the_snapshot(plan_json: Invoke, full_path: Counter) -> None:
    first = plan_json("--minutes", "20", "--equipment", "wall,chair", "--level", "advanced")
    assert first[0] == 0
    assert plan_json("--level=advanced", "--equipment", "Chair, WALL", "--minutes=20") == first
    assert full_path.calls == 1


def test_a_session_logged_since_is_in_the_next_plan(plan_json: Invoke, full_path: Counter, run) -> None:
    plan_json()
    logged = run("log", "--pain-before", "3", "--pain-after", "2", "--item", "bridge:15:3:right:2")
    assert logged.exit_code == 0, logged.output
    code, out, _ = plan_json()
    assert code == 0
    assert full_path.calls == 2
    assert plan_json()[1] == out
    assert full_path.calls == 2, "kept again once planned in full"
    assert out == fresh(run)


def test_the_command_that_logged_a_session_keeps_the_next_plan(
    plan_json: Invoke, full_path: Counter, run, db_home: Path
) -> None:
    """`log` changed the record and had everything loaded: it made the kept plan again, for the options it was kept
    for, so the plan right after it is printed without the full path, and is the plan the full path would print."""
    plan_json("--minutes", "20")
    logged = run("log", "--pain-before", "3", "--pain-after", "2", "--item", "bridge:15:3:right:2")
    assert logged.exit_code == 0, logged.output
    assert full_path.calls == 2, "log planned once, for the kept options"
    assert json.loads(kept(db_home).read_text())["request"]["minutes"] == 20
    code, out, _ = plan_json("--minutes", "20")
    assert code == 0
    assert full_path.calls == 2
    assert out == fresh(run, "--minutes", "20")
    # A command that changed nothing plans nothing.
    assert run("history").exit_code == 0
    assert full_path.calls == 3  # the `fresh` above


def test_a_blocking_screen_after_the_snapshot_refuses_the_plan(
    plan_json: Invoke, run, tmp_path: Path, db_home: Path
) -> None:
    assert plan_json()[0] == 0
    assert kept(db_home).exists()
    run("screen", "--answers", write(tmp_path, {"saddle_numbness": True, "age": 40}, "red-flag.json"))
    for _ in range(2):
        code, out, err = plan_json()
        assert code == 3
        assert out == ""
        assert "--cleared-by-clinician" in err


def test_a_clearance_or_a_clear_screen_since_is_in_the_next_plan(
    plan_json: Invoke, full_path: Counter, run, tmp_path: Path
) -> None:
    run("screen", "--answers", write(tmp_path, {"age": 40}, "clear.json"))
    clear = plan_json()
    run("screen", "--answers", write(tmp_path, {"previous_back_injury": True, "age": 40}, "injury.json"))
    check_first = plan_json()
    assert check_first[0] == 0
    assert check_first != clear
    run("screen", "--cleared-by-clinician", "GP examined me, gentle exercise is fine")
    cleared = plan_json()
    assert any("GP examined me" in c for c in json.loads(cleared[1])["cautions"])
    assert full_path.calls == 3
    assert cleared[1] == fresh(run)


def test_preferences_saved_through_another_process_set_the_snapshot_aside(
    plan_json: Invoke, full_path: Counter
) -> None:
    plan_json()
    other = create_runtime(load_settings())
    try:
        app_preferences.save(other, other.local_user(), Preferences(minutes=30))
    finally:
        other.dispose()
    assert plan_json()[0] == 0
    assert full_path.calls == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--minutes", "20"],
        ["--equipment", "chair"],
        ["--no-floor", "--equipment", "chair"],
        ["--level", "advanced"],
        ["--date", "{today}"],
        ["--date", "{tomorrow}"],
    ],
)
def test_other_options_or_a_date_plan_in_full(plan_json: Invoke, full_path: Counter, run, args: list[str]) -> None:
    today = quick.now().astimezone().date()
    args = [a.format(today=today, tomorrow=today + dt.timedelta(days=1)) for a in args]
    plan_json()
    code, out, _ = plan_json(*args)
    assert code == 0
    assert full_path.calls == 2
    assert plan_json(*args)[1] == out
    assert full_path.calls == 2
    assert out == fresh(run, *args)


def _tamper(field: str, value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Any]:
    def change(snapshot: dict[str, Any]) -> Any:
        snapshot[field] = value(snapshot[field])
        return snapshot

    return change


def _dropped(field: str) -> Callable[[dict[str, Any]], Any]:
    return lambda snapshot: {k: v for k, v in snapshot.items() if k != field}


TAMPERED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "another revision": _tamper("user", lambda u: [u[0], u[1] + 1, u[2]]),
    "another user": _tamper("user", lambda u: [u[0] + 1, u[1], u[2]]),
    "a database started afresh": _tamper("user", lambda u: [u[0], u[1], "2000-01-01 00:00:00.000000"]),
    "no user": _tamper("user", lambda u: None),
    "other options": _tamper("request", lambda r: {**r, "minutes": 20}),
    "another day": _tamper("today", lambda t: "2000-01-01"),
    "expired": _tamper("valid_until", lambda v: "2000-01-01T00:00:00+00:00"),
    "a naive instant": _tamper("valid_until", lambda v: "2999-01-01T00:00:00"),
    "not an instant": _tamper("valid_until", lambda v: 7),
    "another package": _tamper("package", lambda p: "0" * 64),
    "another database": _tamper("database", lambda d: "/elsewhere/backcoach.db"),
    "another format": _tamper("format", lambda f: 99),
    "no output": _dropped("output"),
    "no valid_until": _dropped("valid_until"),
    "no date asked for": _dropped("request"),
    "a list": lambda snapshot: [snapshot],
}


@pytest.mark.parametrize("change", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_snapshot_plans_in_full(
    plan_json: Invoke, full_path: Counter, db_home: Path, change: Callable[[dict[str, Any]], Any]
) -> None:
    first = plan_json()
    path = kept(db_home)
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    assert plan_json() == first
    assert full_path.calls == 2
    assert plan_json() == first
    assert full_path.calls == 2, "the full path keeps a good snapshot again"


@pytest.mark.parametrize(
    "damage",
    [b"", b"{", b"\xff\xfe not text", b"null", b'{"format": 1}'],
    ids=["empty", "truncated", "not UTF-8", "null", "no key"],
)
def test_a_corrupt_snapshot_plans_in_full(plan_json: Invoke, full_path: Counter, db_home: Path, damage: bytes) -> None:
    first = plan_json()
    kept(db_home).write_bytes(damage)
    assert plan_json() == first
    assert full_path.calls == 2


def test_a_snapshot_that_cannot_be_written_is_no_error(plan_json: Invoke, full_path: Counter, db_home: Path) -> None:
    (db_home / "cache").mkdir(exist_ok=True)
    kept(db_home).mkdir()
    first = plan_json()
    assert first[0] == 0
    assert plan_json() == first
    assert full_path.calls == 2


def test_the_snapshot_ends_when_the_plan_may_change_without_a_write(
    plan_json: Invoke, full_path: Counter, db_home: Path, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_json()
    until = dt.datetime.fromisoformat(json.loads(kept(db_home).read_text(encoding="utf-8"))["valid_until"])
    monkeypatch.setattr(quick, "now", lambda: until - dt.timedelta(microseconds=1))
    plan_json()
    assert full_path.calls == 1
    monkeypatch.setattr(quick, "now", lambda: until)
    code, out, _ = plan_json()
    assert code == 0
    assert full_path.calls == 2
    assert out == fresh(run), "the full path reads the same clock"


def test_the_snapshot_ends_when_the_safety_screen_expires(
    plan_json: Invoke, full_path: Counter, db_home: Path, run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    expires = taken + dt.timedelta(days=screening.SCREEN_VALID_DAYS)
    clock = [taken]
    monkeypatch.setattr(quick, "now", lambda: clock[0])
    run("screen", "--answers", write(tmp_path, {"age": 40}, "clear.json"))
    clock[0] = expires - dt.timedelta(minutes=1)
    before = plan_json()
    until = dt.datetime.fromisoformat(json.loads(kept(db_home).read_text(encoding="utf-8"))["valid_until"])
    midnight = dt.datetime.combine(clock[0].astimezone().date() + dt.timedelta(days=1), dt.time()).astimezone()
    assert until == min(expires, midnight)
    clock[0] = until + dt.timedelta(microseconds=1)
    after = plan_json()
    assert full_path.calls == 2
    assert not any("more than 6 weeks old" in c for c in json.loads(before[1])["cautions"])
    assert any("more than 6 weeks old" in c for c in json.loads(after[1])["cautions"])


def test_a_database_server_keeps_no_snapshot(tmp_path: Path) -> None:
    tmp_path /= "server"
    tmp_path.mkdir()
    settings = Settings(home=tmp_path, database_url="postgresql://backcoach@localhost/backcoach")
    assert snapshots.database_file(settings) is None
    request = snapshots.request_key(15, frozenset(), True, "beginner", None)
    now = quick.now()
    assert not snapshots.save(
        settings, tmp_path, user_id=1, revision=1, valid_until=now, request=request, today=now.date(), output="{}\n"
    )
    assert snapshots.load(settings, tmp_path, request=request, now=now) is None
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("relative", [False, True])
def test_the_snapshot_looks_at_the_database_the_application_uses(relative: bool) -> None:
    settings = Settings(home=Path("some-home")) if relative else load_settings()
    url = database_url(settings)
    assert url.startswith("sqlite:///")
    assert Path(url.removeprefix("sqlite:///")).absolute() == snapshots.database_file(settings)


def test_a_database_from_before_revisions_or_none_at_all_is_never_matched(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert snapshots.local_user(missing) is None
    assert not missing.exists(), "looking creates nothing"
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, is_local BOOLEAN, created_at DATETIME)")
        db.execute("INSERT INTO users VALUES (1, 1, '2026-01-01 00:00:00')")
    db.close()
    assert snapshots.local_user(old) is None
    (tmp_path / "not.db").write_text("not a database")
    assert snapshots.local_user(tmp_path / "not.db") is None


def test_the_first_plan_on_a_new_database_is_kept_too(plan_json: Invoke, full_path: Counter, db_home: Path) -> None:
    (db_home / "backcoach.db").unlink()
    first = plan_json()
    assert first[0] == 0
    assert plan_json() == first
    assert full_path.calls == 1


# The fast path reads the options itself, before click is imported: whatever it accepts, click must read the same.

COMMON = [
    [],
    ["--minutes", "20"],
    ["--minutes=60"],
    ["--equipment", "chair,wall"],
    ["--equipment=none"],
    ["--equipment", ""],
    ["--no-floor", "--equipment", "chair"],
    ["--level", "advanced"],
    ["--date", "2026-11-23"],
    ["--date=2026-12-01", "--minutes", "5", "--level=beginner"],
]


@pytest.mark.parametrize("args", COMMON)
def test_the_fast_path_reads_the_common_spellings(args: list[str]) -> None:
    assert quick.plan_request(["plan", *args, "--json"]) == clicks_request([*args, "--json"])


def clicks_request(args: list[str]) -> dict[str, Any] | None:
    try:
        ctx = plan_command.make_context("plan", list(args))
    except click.ClickException:
        return None
    p = ctx.params
    if not p["as_json"]:
        return None
    day = p["day"].date() if p["day"] is not None else None
    return snapshots.request_key(p["minutes"], p["equipment"], not p["no_floor"], p["level"], day)


GOOD = {
    "--minutes": ["15", "5", "60", "015", "37"],
    "--equipment": ["", "chair", "wall,chair", " CHAIR , wall", "none", "kettlebell,chair,wall"],
    "--level": ["beginner", "advanced"],
    "--date": ["2026-11-22", "2027-02-28", "2028-02-29"],
}
BAD = {
    "--minutes": ["4", "61", " 15", "1_5", "+20", "", "٣٠", "x", "--json"],
    "--equipment": ["none,chair", "spaceship", "--json"],
    "--level": ["Beginner", "novice", "", "--json"],
    "--date": ["2026-1-5", "2026-02-30", "20261122", "2026-W47-7", "١٢٣٤-01-01", "", "--json"],
}
STRAYS = ["-h", "--help", "--", "--jsonx", "-", "plan", "--json=1", "--no-floor=", "--minute", "20"]


@st.composite
def plan_args(draw: st.DrawFn, bad: bool) -> list[str]:
    """`plan` arguments in any order and spelling; with `bad`, sometimes a wrong value, a repeat or a stray."""
    groups: list[list[str]] = []
    for name, good in GOOD.items():
        for _ in range(draw(st.integers(0, 2 if bad else 1))):
            value = draw(st.sampled_from(good + BAD[name] if bad else good))
            groups.append([f"{name}={value}"] if draw(st.booleans()) else [name, value])
    groups += [[flag] for flag in ("--no-floor", "--json") if draw(st.booleans())]
    if bad and draw(st.booleans()):
        groups.append([draw(st.sampled_from(STRAYS))])
    return [token for group in draw(st.permutations(groups)) for token in group]


@given(plan_args(bad=True))
def test_whatever_the_fast_path_accepts_click_reads_the_same(args: list[str]) -> None:
    mine = quick.plan_request(["plan", *args])
    if mine is not None:
        assert mine == clicks_request(args)


@given(plan_args(bad=False))
def test_the_fast_path_reads_every_plain_spelling_of_good_options(args: list[str]) -> None:
    args = args if "--json" in args else [*args, "--json"]
    mine = quick.plan_request(["plan", *args])
    assert mine is not None
    assert mine == clicks_request(args)


@pytest.mark.parametrize("args", [["exercises", "--json"], ["--json"], [], ["plan"], ["plan", "--minutes", "20"]])
def test_the_fast_path_takes_only_plan_with_json(args: list[str]) -> None:
    assert quick.plan_request(args) is None


@pytest.mark.slow
def test_a_kept_plan_is_printed_without_click_pydantic_or_sqlalchemy(run_process, db_home: Path) -> None:
    first = run_process("plan", "--json")
    assert first.returncode == 0, first.stderr
    code = (
        "import sys\n"
        "from backcoach.cli.entry import main\n"
        "main(['plan', '--json'])\n"
        "print(sorted(m for m in ('click', 'pydantic', 'sqlalchemy', 'rich') if m in sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "BACKCOACH_HOME": str(db_home)}
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert second.stdout == first.stdout
    assert second.stderr.strip() == "[]"


@pytest.mark.slow
def test_the_exercise_list_needs_neither_pydantic_nor_the_database(run_process, home: Path) -> None:
    assert run_process("exercises").returncode == 0
    code = (
        "import sys\n"
        "from backcoach.cli.entry import main\n"
        "try:\n"
        "    main(['exercises'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('pydantic', 'sqlalchemy', 'argon2', 'fastapi', 'matplotlib') if m in sys.modules),"
        " file=sys.stderr)\n"
    )
    env = {**os.environ, "BACKCOACH_HOME": str(home)}
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert listed.stderr.strip() == "[]"
    assert "bird-dog" in listed.stdout
    assert (home / "cache" / content.CACHE_FILE).exists()
