"""The terminal player and the browser player save the same record for the same trace.

A trace is what a person does during a guided session: time passing, keys, pain answers, and the answers after it.
Each trace is replayed through the terminal player (`cli.player.Player`, on the runner in `domain/runner.py`, saving
to the database as it goes) and through the browser player's core (`web/static/js/runner.js` executing the tables
`session_tables` makes, in node, saving through the JSON API), and the two saved records are compared field by field.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach import content
from backcoach.app import guided, history, plans
from backcoach.app.runtime import Runtime, create_runtime
from backcoach.cli.player import Keys, Player, PlayerOptions, ScaledClock
from backcoach.domain.catalogue import Exercise, Prescription
from backcoach.domain.history import SessionRecord
from backcoach.domain.planner import PlanRequest, build_plan
from backcoach.domain.runner import (
    SUGGEST_STOP_ABOVE,
    Event,
    ExerciseEnded,
    Paused,
    Resumed,
    Runner,
    SessionEnded,
    StepStarted,
    Tables,
    session_tables,
)
from backcoach.domain.timeline import Step, compile_timeline, resolve
from backcoach.settings import Settings
from backcoach.web.app import create_app
from tests.conftest import IN_CI, ROOT, Clock
from tests.strategies import drive

NODE = shutil.which("node")
JS = ROOT / "tests" / "js"
KEYS = {"space": " ", "next": "n", "skip": "s", "back": "b", "quit": "q"}
SESSION_FIELDS = ("date", "pain_before", "pain_after", "partial")
ITEM_FIELDS = ("exercise", "rung", "prescription", "completed_reps", "completed_sets", "difficulty", "pain_during")

Items = list[tuple[Exercise, Prescription]]
Trace = dict[str, Any]


@pytest.fixture(scope="module")
def node() -> str:
    if NODE is None:
        if IN_CI:
            pytest.fail("node is missing: the parity tests need it")
        pytest.skip("node is not installed")
    return NODE


Replay = Callable[[dict[str, Any], Trace, str], dict[str, Any]]


@pytest.fixture(scope="module")
def replay(node: str) -> Iterator[Replay]:
    """tests/js/replay.mjs as a long-lived process: a case in, the browser's requests and saved record out."""
    process = subprocess.Popen(
        [node, str(JS / "replay.mjs")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdin is not None
    assert process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def ask(tables: dict[str, Any], trace: Trace, date: str) -> dict[str, Any]:
        stdin.write(json.dumps({"tables": tables, "trace": trace, "date": date}) + "\n")
        stdin.flush()
        answer: dict[str, Any] = json.loads(stdout.readline())
        assert "error" not in answer, answer["error"]
        return answer

    yield ask
    stdin.close()
    process.wait(timeout=10)


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    headers: dict[str, str]
    api_user: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, hasher: PasswordHasher) -> Iterator[World]:
    # One database for the module: every trace is a session of its own, and SQLite is enough where storage plays
    # no part.
    folder = tmp_path_factory.mktemp("parity")
    settings = Settings(home=folder, database_url=f"sqlite:///{folder / 'parity.db'}")
    runtime = create_runtime(settings, clock=Clock(), hasher=hasher)
    with TestClient(create_app(runtime=runtime)) as client:
        login = {"email": "parity@example.org", "password": "a long enough password"}
        created = client.post("/api/v1/auth/register", json=login)
        assert created.status_code == 201, created.text
        token = client.post("/api/v1/auth/token", json=login).json()["access_token"]
        yield World(runtime, client, {"Authorization": f"Bearer {token}"}, created.json()["id"])
    runtime.dispose()


def session_items(runtime: Runtime) -> Items:
    """Per-side, sets with rests, alternating with holds, two positions held, and a rung of a ladder."""
    doses: list[tuple[str, str | None, dict[str, Any]]] = [
        ("ankle-pump", None, {"reps": 2, "per_side": True}),
        ("bridge", None, {"reps": 3, "sets": 2, "rest_s": 5}),
        ("bird-dog", None, {"reps": 2, "hold_s": 2, "alternating": True}),
        ("pelvic-tilt", None, {"reps": 2, "hold_s": 3, "holds_per_rep": 2}),
        ("bridge", "bridge/short", {"reps": 2}),
    ]
    return [
        (plans.rung_exercise(runtime, exercise, rung), resolve(Prescription(**dose))) for exercise, rung, dose in doses
    ]


# Writing traces: a shadow runner says when each step starts, so that a trace can act at a chosen moment.


@dataclass
class Script:
    items: Items
    commands: list[list[Any]] = field(default_factory=list)
    now: float = 0.0

    def __post_init__(self) -> None:
        self.runner = Runner(compile_timeline(self.items))
        self.runner.start(0.0)

    def wait_for(self, found: Callable[[int | None, Step], bool], plus: float = 0.5) -> Script:
        """Let time run to `plus` seconds into the next step that `found(item, step)` picks."""
        runner = self.runner
        while runner.current is not None and not found(runner.item_of(runner.index), runner.current):
            deadline = runner.deadline()
            assert deadline is not None, "wait_for while paused"
            self.wait(deadline - self.now)
        return self.wait(plus)

    def wait(self, seconds: float) -> Script:
        self.now += seconds
        self.runner.advance(self.now)
        self.commands.append(["wait", seconds])
        return self

    def tick(self, seconds: float) -> Script:
        self.now += seconds
        self.commands.append(["tick", seconds])
        return self

    def key(self, name: str) -> Script:
        {
            "space": self.runner.toggle_pause,
            "next": self.runner.skip_step,
            "skip": self.runner.skip_exercise,
            "back": self.runner.back,
            "quit": self.runner.quit,
        }[name](self.now)
        self.runner.advance(self.now)
        self.commands.append([name])
        return self

    def pain(self, value: int, stop: bool = False) -> Script:
        was_paused = self.runner.paused_at is not None
        self.runner.pause(self.now)
        if stop:
            self.runner.stop_for_pain(self.now, value)
        else:
            self.runner.report_pain(value)
        if not was_paused:
            self.runner.resume(self.now)
        self.runner.advance(self.now)
        self.commands.append(["pain", value, stop])
        return self

    def trace(self, difficulties: list[str | None] | None = None, before: int = 3, after: int = 2) -> Trace:
        return {
            "pain_before": before,
            "commands": self.commands,
            "pain_after": after,
            "difficulties": difficulties or [],
        }


def at(
    item: int, kind: str, set_no: int | None = None, rep: int | None = None, side: str | None = None
) -> Callable[[int | None, Step], bool]:
    def found(owner: int | None, step: Step) -> bool:
        return (
            owner == item
            and step.kind == kind
            and (set_no is None or step.set == set_no)
            and (rep is None or step.rep == rep)
            and (side is None or step.side == side)
        )

    return found


def named_traces(items: Items) -> dict[str, Trace]:
    def s() -> Script:
        return Script(items)

    return {
        "a full session": s().trace(["easy", "right", "hard", None, "easy"]),
        "pause and resume": s()
        .wait_for(at(2, "hold", rep=1, side="right"), 1.0)
        .key("space")
        .wait(45)
        .key("space")
        .wait_for(at(1, "rest"), 2.25)
        .key("space")
        .tick(300)
        .key("space")
        .trace(["hard"]),
        "skipping an exercise": s()
        .wait_for(at(1, "rep", set_no=2, rep=2))
        .key("skip")
        .wait_for(at(2, "intro"))
        .key("skip")  # nothing of it done: not recorded
        .key("next")
        .key("next")
        .trace(["easy", "hard"]),
        "stopping for pain mid-set": s()
        .wait_for(at(0, "rep", rep=1, side="right"))
        .pain(3)
        .wait_for(at(1, "rep", set_no=2, rep=2), 1.0)
        .pain(8, stop=True)
        .trace(["hard"]),
        "stopping for pain after time passed unnoticed": s()
        .wait_for(at(1, "rep", set_no=2, rep=2), 0.25)
        .tick(5)  # rep 2 is over and rep 3 under way before the key is seen: the runner catches up first
        .pain(7, stop=True)
        .trace(),
        "pain while paused, then carrying on": s()
        .wait_for(at(3, "hold", rep=1))
        .key("space")
        .pain(9)
        .pain(4)
        .key("space")
        .trace([None, None, "easy"]),
        "going back": s().wait_for(at(2, "relax", rep=1)).key("back").key("back").wait(1).key("back").trace(),
        "stopping the session early": s()
        .wait_for(at(2, "hold", rep=2, side="left"))
        .key("quit")
        .trace(["easy", "hard"]),
        "stopping early, paused, after time passed unnoticed": s()
        .wait_for(at(3, "rep", rep=2))
        .key("space")
        .tick(100)
        .key("space")
        .tick(12)
        .key("quit")
        .trace(after=5),
        "skipping steps to the end": s()
        .key("skip")
        .key("skip")
        .key("skip")
        .key("skip")
        .key("next")
        .key("next")
        .trace(),
        "an exercise that ends unnoticed, then a skip": s()
        .wait_for(at(0, "rep", rep=2, side="right"))
        .tick(60)
        .key("skip")
        .trace(["hard", "easy"]),
    }


# The two players


def play_in_terminal(world: World, items: Items, trace: Trace) -> SessionRecord:
    """The trace through the terminal player, exactly as its loop runs: each key, then the runner catches up."""
    runtime = world.runtime
    user = runtime.local_user()
    player = Player(runtime, user, items, PlayerOptions(pain_after=trace["pain_after"]), out=io.StringIO())
    now = [0.0]
    player.clock = ScaledClock(source=lambda: now[0])
    player.keys = Keys(io.StringIO())
    player.session_id = guided.begin_session(runtime, user, trace["pain_before"])
    player.runner.start(now[0])
    for op, *args in trace["commands"]:
        if player.runner.finished:
            break
        if op in ("tick", "wait"):
            now[0] += args[0]
            if op == "tick":
                continue
        elif op == "pain":
            pain, stop = args
            answer = f"{pain}\n" + (("y\n" if stop else "n\n") if pain > SUGGEST_STOP_ABOVE else "")
            with CliRunner().isolation(input=answer):
                player._handle("p")
        else:
            player._handle(KEYS[op])
        player.runner.advance(now[0])
        player._flush()
    if not player.runner.finished:
        player.runner.resume(now[0])
        player.runner.advance(now[0] + player.runner.total_s + 1)
        player._flush()
    answers = [choice or "" for choice in trace["difficulties"]] + [""] * len(items)
    with CliRunner().isolation(input="\n".join(answers) + "\n"):
        player._after(interrupted=False)
    return history.get_session(runtime, user, player.session_id).record


def through_api(world: World, sent: list[dict[str, Any]]) -> SessionRecord:
    """What the browser's outbox sends, sent: the server's record."""
    session_id: int | None = None
    for op in sent:
        if op["kind"] == "create":
            response = world.client.post("/api/v1/sessions", json=op["body"], headers=world.headers)
            assert response.status_code == 201, response.text
            session_id = response.json()["id"]
        else:
            response = world.client.patch(f"/api/v1/sessions/{session_id}", json=op["body"], headers=world.headers)
            assert response.status_code == 200, response.text
    assert session_id is not None
    return history.get_session(world.runtime, world.api_user, session_id).record


def plain(record: SessionRecord) -> dict[str, Any]:
    """A record as the browser holds one: every field, prescriptions in full."""
    return record.model_dump(mode="json", exclude={"pain_next_morning"})


def assert_same(terminal: dict[str, Any], browser: dict[str, Any]) -> None:
    for name in SESSION_FIELDS:
        assert browser[name] == terminal[name], f"{name}: browser {browser[name]!r}, terminal {terminal[name]!r}"
    brief = [(i["exercise"], i["completed_sets"], i["completed_reps"]) for i in terminal["items"]]
    assert [(i["exercise"], i["completed_sets"], i["completed_reps"]) for i in browser["items"]] == brief
    for n, (mine, theirs) in enumerate(zip(terminal["items"], browser["items"], strict=True)):
        for name in ITEM_FIELDS:
            assert theirs[name] == mine[name], (
                f"item {n} ({mine['exercise']}) {name}: browser {theirs[name]!r}, terminal {mine[name]!r}"
            )


# Named traces: node's test runner replays them; the browser's requests also go through the API.


def test_named_traces_save_the_same_record_in_both_players(
    world: World, node: str, replay: Replay, tmp_path: Path
) -> None:
    runtime = world.runtime
    items = session_items(runtime)
    plan = build_plan(runtime.catalogue, PlanRequest(minutes=10))
    plan_items = [(plans.rung_exercise(runtime, i.exercise, i.rung), i.prescription) for i in plan.items]
    date = runtime.today().isoformat()
    sessions = [(name, items, trace) for name, trace in named_traces(items).items()]
    sessions.append(("a whole plan", plan_items, Script(plan_items).trace(["easy"] * len(plan_items))))
    cases: list[dict[str, Any]] = [
        {
            "name": name,
            "tables": session_tables(chosen),
            "trace": trace,
            "date": date,
            "expected": plain(play_in_terminal(world, chosen, trace)),
        }
        for name, chosen, trace in sessions
    ]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", str(JS / "parity.test.mjs")],
        capture_output=True,
        text=True,
        env={**os.environ, "PARITY_CASES": str(path)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"pass {len(cases) + 2}" in result.stdout, result.stdout

    # The same requests, sent: the server stores what the terminal player stored.
    for case in cases:
        sent = replay(case["tables"], case["trace"], date)["sent"]
        with_api = plain(through_api(world, sent))
        try:
            assert_same(case["expected"], with_api)
        except AssertionError as exc:
            raise AssertionError(f"{case['name']}: {exc}") from None


def test_the_named_traces_cover_what_they_say(world: World) -> None:
    items = session_items(world.runtime)
    traces = named_traces(items)
    records = {name: play_in_terminal(world, items, trace) for name, trace in traces.items()}
    full = records["a full session"]
    assert not full.partial
    assert [(i.completed_sets, i.completed_reps) for i in full.items] == [(dose.sets, dose.reps) for _, dose in items]
    assert [i.difficulty for i in full.items] == ["easy", "right", "hard", "right", "easy"]
    assert full.items[4].rung == "bridge/short"
    paused = records["pause and resume"]
    assert not paused.partial
    assert len(paused.items) == 5
    skipped = records["skipping an exercise"]
    assert [(i.exercise, i.completed_sets, i.completed_reps) for i in skipped.items][:2] == [
        ("ankle-pump", 1, 2),
        ("bridge", 1, 1),
    ]
    assert "bird-dog" not in [i.exercise for i in skipped.items]
    pain = records["stopping for pain mid-set"].items[1]
    assert (pain.completed_sets, pain.completed_reps, pain.pain_during, pain.difficulty) == (1, 1, 8, "hard")
    assert records["stopping for pain mid-set"].items[0].pain_during == 3
    caught_up = records["stopping for pain after time passed unnoticed"].items[1]
    assert (caught_up.completed_sets, caught_up.completed_reps) == (1, 2)
    assert records["stopping the session early"].partial
    assert [i.exercise for i in records["stopping the session early"].items] == ["ankle-pump", "bridge", "bird-dog"]
    assert records["stopping the session early"].items[2].completed_reps == 1


# Generated traces: one node process answers every example.


def pain_answer(pain: int) -> st.SearchStrategy[list[Any]]:
    # The terminal asks whether to stop only above the pain that suggests it; the trace keeps to what both can do.
    stop = st.booleans() if pain > SUGGEST_STOP_ABOVE else st.just(False)
    return stop.map(lambda chosen: ["pain", pain, chosen])


seconds = st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.75, 8.0, 30.0])
command = st.one_of(
    st.tuples(st.sampled_from(["tick", "wait"]), seconds).map(list),
    st.sampled_from(["space", "next", "skip", "back"]).map(lambda key: [key]),
    st.just(["quit"]),
    st.integers(0, 10).flatmap(pain_answer),
)
traces = st.fixed_dictionaries(
    {
        "pain_before": st.integers(0, 10),
        "commands": st.lists(command, max_size=40),
        "pain_after": st.integers(0, 10),
        "difficulties": st.lists(st.sampled_from(["easy", "right", "hard", None]), max_size=5),
    }
)


@pytest.fixture(scope="module")
def generated(world: World) -> tuple[Items, dict[str, Any]]:
    items = session_items(world.runtime)[:3]
    return items, session_tables(items)


@settings(max_examples=30, deadline=None)
@given(trace=traces)
def test_any_trace_saves_the_same_record_in_both_players(
    world: World, replay: Replay, generated: tuple[Items, dict[str, Any]], trace: Trace
) -> None:
    items, tables = generated
    terminal = plain(play_in_terminal(world, items, trace))
    browser = replay(tables, trace, world.runtime.today().isoformat())["saved"]
    assert_same(terminal, plain(SessionRecord.model_validate(browser)))


# The page


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has a form with a CSRF token"
    return found.group(1)


def json_block(html: str, block: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{block}">(.*?)</script>', html, re.S)
    assert found is not None, f"the page has no {block} block"
    return json.loads(found.group(1))


@pytest.mark.parametrize("program", [None, "staged-low-back"])
def test_the_player_page_carries_the_runners_own_tables(world: World, program: str | None) -> None:
    browser = TestClient(world.client.app, follow_redirects=False)
    form = browser.get("/signup").text
    login = {"email": f"page-{program}@example.org", "password": "a long enough password", "csrf": csrf_of(form)}
    signed = browser.post("/signup", data=login)
    assert signed.status_code == 303
    assert browser.post("/screen", data={"csrf": csrf_of(browser.get("/screen").text), "age": "40"}).status_code == 303
    page = browser.get("/player", params={"program": program} if program else {})
    assert page.status_code == 200, page.text
    tables = json_block(page.text, "runner-tables")
    # The same exercises and doses, made into tables again: the page adds nothing and leaves nothing out.
    items = [
        (plans.rung_exercise(world.runtime, i["exercise"], i["rung"]), Prescription.model_validate(i["prescription"]))
        for i in tables["items"]
    ]
    assert tables == session_tables(items)
    if program:
        assert [e.id for e, _ in items] == [i.exercise for i in content.programs()[program].items]
    screen = json_block(page.text, "session-data")
    assert [i["exercise"] for i in screen["items"]] == [e.id for e, _ in items]


# The runner alone: both copies of the scheduling emit the same events for any commands, including commands the
# players never give on their own (a stop for pain without the pause of the question before it).

runner_commands = st.lists(
    st.tuples(
        st.sampled_from(
            ["advance", "pause", "resume", "skip_step", "skip_exercise", "back", "quit", "report_pain", "stop_for_pain"]
        ),
        st.floats(0, 40),
        st.integers(0, 10),
    ),
    max_size=40,
)


def runner_events(tables: Tables, commands: list[tuple[str, float, int]]) -> list[dict[str, Any]]:
    runner = Runner(tables)
    log: list[dict[str, Any]] = []
    names = {StepStarted: "step-started", ExerciseEnded: "exercise-ended", SessionEnded: "session-ended"}
    names |= {Paused: "paused", Resumed: "resumed"}

    def note(event: Event) -> None:
        fields = {k: v for k, v in vars(event).items() if k != "step"}
        log.append({"type": names[type(event)], **fields})

    runner.subscribe(note)
    now = drive(runner, commands)
    runner.resume(now)
    runner.advance(now + runner.total_s + 1)
    return log


@settings(max_examples=100, deadline=None)
@given(commands=runner_commands)
def test_both_runners_emit_the_same_events(
    replay: Replay, generated: tuple[Items, dict[str, Any]], commands: list[tuple[str, float, int]]
) -> None:
    items, tables = generated
    python = runner_events(Tables.of(compile_timeline(items)), commands)
    javascript = replay(tables, {"runner_commands": [list(c) for c in commands]}, "")["events"]
    assert javascript == python
