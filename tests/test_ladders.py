"""Every exercise's ladder: rungs easier to harder, each dose within what the articles give (docs/ladders.md)."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach import content
from backcoach.domain.catalogue import Catalogue, Exercise, Prescription, load_catalogue
from backcoach.domain.ladders import (
    Ladder,
    LadderError,
    Rung,
    article_ceilings,
    dose_time_s,
    fullest,
    harder_than,
    load_ladders,
    longest_time_s,
    rung_exercise,
)
from backcoach.domain.timeline import exercise_duration, exercise_steps, resolve
from backcoach.domain.vocab import LEVELS
from tests.strategies import examples
from tests.test_content_words import BACKSTAGE, FILE_NAME

A0 = "000_9a4a757ee128db0d.txt"
A1 = "001_917492650b7de0d0.txt"
A2 = "002_ae9366d53590484e.txt"
A3 = "003_0ec0cb11417cc7f4.txt"
A4 = "004_c137bf83aa34133e.txt"


@pytest.fixture(scope="module")
def ladders(catalogue: Catalogue) -> dict[str, Ladder]:
    return load_ladders(catalogue)


def all_rungs() -> list[tuple[Exercise, Rung]]:
    cat = content.catalogue()
    return [(cat.get(ex), r) for ex, ladder in content.ladders().items() for r in ladder.rungs]


# The shipped ladders


def test_every_exercise_has_a_valid_ladder(catalogue: Catalogue, ladders: dict[str, Ladder]) -> None:
    assert list(ladders) == list(catalogue.exercises)
    assert content.ladders() == ladders


@pytest.mark.parametrize("exercise_id", sorted(content.catalogue().exercises))
def test_each_ladder_has_the_standard_and_an_easier_rung(ladders: dict[str, Ladder], exercise_id: str) -> None:
    ladder = ladders[exercise_id]
    assert 2 <= len(ladder) <= 4
    assert ladder.standard.id == exercise_id
    assert ladder.index(exercise_id) >= 1, "at least one easier rung comes before the standard"
    levels = [LEVELS.index(r.level) for r in ladder.rungs]
    assert levels == sorted(levels)


def test_the_standard_rung_is_the_exercise_as_written(catalogue: Catalogue, ladders: dict[str, Ladder]) -> None:
    for e in catalogue:
        standard = ladders[e.id].standard
        assert standard.start == e.prescription, e.id
        assert standard.source == e.prescription_source, e.id
        assert standard.name == e.name
        assert standard.level == e.level
        assert "standard" in standard.change
        assert not standard.steps
        assert not standard.cues
        assert rung_exercise(e, standard) == e


def test_every_rung_says_where_it_comes_from(catalogue: Catalogue, ladders: dict[str, Ladder]) -> None:
    for ladder in ladders.values():
        for r in ladder.rungs:
            if r.source is None:
                assert "backcoach's own" in r.reason, r.id
            else:
                assert r.source in catalogue.articles, r.id
            assert not r.steps or len(r.steps) >= 3, r.id


def test_no_rung_text_names_a_file_or_tells_how_the_data_was_made(ladders: dict[str, Ladder]) -> None:
    found = []
    for ladder in ladders.values():
        for r in ladder.rungs:
            for text in (r.name, r.change, r.reason, r.spoken_move or "", *r.steps, *r.cues):
                if FILE_NAME.search(text) or BACKSTAGE.search(text):
                    found.append(f"{r.id}: {text!r}")
    assert not found, "\n".join(found)


# The article rungs the issue names


def test_the_superman_regressions_from_the_home_and_gym_article(ladders: dict[str, Ladder]) -> None:
    superman = ladders["superman"]
    assert superman.ids == ["superman/chest-and-arms", "superman/arms-by-sides", "superman/arms-out", "superman"]
    for rung_id in superman.ids[:-1]:
        assert superman.get(rung_id).source == A1
    chest = superman.get("superman/chest-and-arms")
    assert "legs" in chest.change
    assert any("legs and feet on the mat" in s for s in chest.steps)
    assert superman.above("superman") is None, "no article asks more of the superman"


def test_the_encyclopedias_both_arms_and_legs_tops_the_prone_raise(ladders: dict[str, Ladder]) -> None:
    prone = ladders["prone-opposite-arm-leg"]
    both = prone.get("prone-opposite-arm-leg/both")
    assert prone.above("prone-opposite-arm-leg") == both
    assert both.source == A3
    assert both.level == "advanced"
    assert both.start.hold_s == both.top.hold_s == 5
    assert not both.start.alternating


def test_the_held_bridge_follows_the_strength_article(ladders: dict[str, Ladder]) -> None:
    bridge = ladders["bridge"]
    held = bridge.get("bridge/held")
    assert bridge.above("bridge") == held
    assert held.source == A2
    assert (held.start.hold_s, held.top.hold_s) == (10, 15)
    assert held.top.sets == 3
    assert held.top.reps == 15
    assert bridge.get("bridge/short").source == A1
    assert bridge.ids[-1] == "bridge/single-leg"
    assert bridge.get("bridge/single-leg").source is None


def test_the_other_article_versions(ladders: dict[str, Ladder]) -> None:
    short = ladders["knee-to-chest"].get("knee-to-chest/short-holds")
    assert short.source == A4
    assert short.start.hold_s == 5
    tilt = ladders["pelvic-tilt"].get("pelvic-tilt/long-flatten")
    assert tilt.source == A3
    assert tilt.start.hold_s == 10
    assert (tilt.start.holds_per_rep or 1) == 1
    assert ladders["partial-curl"].get("partial-curl/crunch-form").source == A3


# The model's helpers


def test_moving_along_a_ladder(ladders: dict[str, Ladder]) -> None:
    bridge = ladders["bridge"]
    assert bridge.ids == ["bridge/short", "bridge", "bridge/held", "bridge/single-leg"]
    assert bridge.standard.id == "bridge"
    assert bridge.index("bridge/held") == 2
    assert bridge.below("bridge/short") is None
    assert bridge.above("bridge/single-leg") is None
    assert bridge.below("bridge") == bridge.get("bridge/short")
    up = bridge.step_up("bridge")
    assert up == (bridge.get("bridge/held"), bridge.get("bridge/held").start)
    down = bridge.step_down("bridge/held")
    assert down == (bridge.standard, bridge.standard.top)
    assert bridge.step_down("bridge/short") is None
    assert "bridge/held" in bridge
    assert "bridge/lifted" not in bridge
    with pytest.raises(KeyError, match="bridge/lifted"):
        bridge.index("bridge/lifted")


def test_the_content_lookup_finds_a_rung_or_suggests_one() -> None:
    exercise, rung = content.rung("bridge/held")
    assert exercise.id == "bridge"
    assert rung.name == "Held bridge"
    assert content.rung("Bridge")[1].id == "bridge"
    with pytest.raises(content.UnknownId) as err:
        content.rung("bridge/hold")
    assert "bridge/held" in err.value.suggestions
    assert err.value.kind == "rung"


def test_a_rung_exercise_keeps_the_id_and_swaps_the_steps(catalogue: Catalogue, ladders: dict[str, Ladder]) -> None:
    bridge = catalogue.get("bridge")
    single = ladders["bridge"].get("bridge/single-leg")
    done = rung_exercise(bridge, single)
    assert done.id == "bridge"
    assert done.name == "Single-leg bridge"
    assert done.steps == single.steps
    assert done.cues == single.cues
    assert done.spoken.move == "Lift on one foot"
    assert done.spoken.release == bridge.spoken.release
    assert done.tempo == bridge.tempo
    assert done.level == "intermediate"
    held = rung_exercise(bridge, ladders["bridge"].get("bridge/held"))
    assert held.steps == bridge.steps
    assert held.spoken == bridge.spoken
    steps = list(exercise_steps(done, resolve(single.top)))
    assert steps[0].say.startswith("Single-leg bridge. ")
    assert steps[0].exercise == "bridge"
    assert any(s.say.endswith("Lift on one foot") for s in steps if s.kind == "rep")
    assert sum(s.duration_s for s in steps) == exercise_duration(done, resolve(single.top))


# Ceilings and the time cap


def test_article_ceilings_take_the_largest_any_article_gives(catalogue: Catalogue) -> None:
    bridge = article_ceilings(catalogue.get("bridge"))
    assert (bridge.reps, bridge.hold_s, bridge.sets, bridge.times_per_day) == (15, 15, 3, None)
    tilt = article_ceilings(catalogue.get("pelvic-tilt"))
    assert (tilt.reps, tilt.hold_s, tilt.sets) == (30, 10, 1), "the build-up target and 003's 10-second hold"
    cat = article_ceilings(catalogue.get("cat-stretch"))
    assert (cat.reps, cat.hold_s, cat.sets, cat.times_per_day) == (5, None, 2, 2)
    swing = article_ceilings(catalogue.get("kettlebell-swing"))
    assert (swing.reps, swing.hold_s, swing.sets, swing.times_per_day) == (None, None, 1, None)
    assert swing.excess(Prescription(reps=5)) == [("reps", 5, None)]
    assert bridge.excess(Prescription(reps=15, hold_s=20, sets=3, rest_s=60)) == [("hold_s", 20, 15)]


def test_the_time_cap_is_the_longest_article_dose_at_the_top_of_its_ranges(catalogue: Catalogue) -> None:
    bridge = catalogue.get("bridge")
    held = bridge.source(A2).prescription
    assert longest_time_s(bridge) == exercise_duration(bridge, resolve(held.model_copy(update={"hold_s": 15})))
    knee = catalogue.get("knee-to-chest")
    assert longest_time_s(knee) == exercise_duration(knee, resolve(Prescription(reps=5, hold_s=20, per_side=True)))
    assert fullest(Prescription(hold_s=5, target_reps=30)).reps == 30


def test_a_harder_dose_on_one_movement() -> None:
    assert harder_than(Prescription(reps=5, hold_s=10), Prescription(reps=10, hold_s=5))
    assert harder_than(Prescription(reps=10, sets=3), Prescription(reps=10, sets=2))
    assert not harder_than(Prescription(reps=10, hold_s=5), Prescription(reps=10, hold_s=5))
    assert not harder_than(Prescription(reps=12), Prescription(reps=10, sets=2))


@st.composite
def rung_and_dose(draw: st.DrawFn) -> tuple[Exercise, Rung, Prescription]:
    """A rung and any dose between its start and its top, as a dose engine climbing it would give."""
    exercise, rung = draw(st.sampled_from(all_rungs()))
    start, top = resolve(rung.start), fullest(rung.top)
    assert start.reps is not None
    assert top.reps is not None
    assert start.sets is not None
    assert top.sets is not None
    reps = draw(st.integers(start.reps, max(start.reps, top.reps)))
    hold = draw(st.integers(start.hold_s, top.hold_s)) if start.hold_s and top.hold_s else start.hold_s
    sets = draw(st.integers(start.sets, top.sets))
    dose = Prescription(
        reps=reps if rung.top.reps or rung.start.reps else None,
        hold_s=hold,
        sets=sets if rung.top.sets else None,
        rest_s=(rung.top.rest_s if sets > 1 else None),
        per_side=rung.start.per_side,
        alternating=rung.start.alternating,
        holds_per_rep=rung.start.holds_per_rep,
    )
    return exercise, rung, dose


@settings(max_examples=examples(400))
@given(case=rung_and_dose())
def test_every_dose_on_every_ladder_stays_within_the_articles(case: tuple[Exercise, Rung, Prescription]) -> None:
    exercise, rung, dose = case
    ceilings = article_ceilings(exercise)
    cap = longest_time_s(exercise)
    done = rung_exercise(exercise, rung)
    # start <= top, field by field
    low, high = resolve(rung.start), fullest(rung.top)
    assert low.reps is not None
    assert high.reps is not None
    assert low.reps <= high.reps
    assert (low.hold_s or 0) <= (high.hold_s or 0)
    assert (low.sets or 1) <= (high.sets or 1)
    assert (rung.start.times_per_day or 1) <= (rung.top.times_per_day or 1)
    # within the ceilings and the time cap, at start, at top and anywhere between
    for each in (rung.start, rung.top, dose):
        assert ceilings.excess(each) == [], (rung.id, each)
        assert dose_time_s(done, each) <= cap, (rung.id, each)


# The loader rejects each broken case, naming the field


def _copy_data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(str(files("backcoach") / "data"), root)
    return root


def _edit(root: Path, exercise_id: str, old: str, new: str) -> None:
    path = root / "ladders" / f"{exercise_id}.toml"
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _load(root: Path) -> dict[str, Ladder]:
    return load_ladders(load_catalogue(root), root)


BROKEN = {
    "unknown article": (
        "bridge",
        'source = "002_ae9366d53590484e.txt"',
        'source = "999.txt"',
        r"ladders/bridge\.toml: rung 'bridge/held': field 'source': unknown article '999\.txt'",
    ),
    "missing standard rung": (
        "bridge",
        'id = "bridge"\n',
        'id = "bridge/plain"\n',
        r"ladders/bridge\.toml: entry 'bridge': field 'rungs': no standard rung",
    ),
    "start above top": (
        "wall-squat",
        "[rungs.start]\nreps = 5\nhold_s = 5\n[rungs.top]\nreps = 10",
        "[rungs.start]\nreps = 8\nhold_s = 5\n[rungs.top]\nreps = 6",
        r"ladders/wall-squat\.toml: rung 'wall-squat/shallow': field 'top\.reps': asks less than start",
    ),
    "top above the article ceiling": (
        "bridge",
        "hold_s = 15",
        "hold_s = 20",
        r"rung 'bridge/held': field 'top\.hold_s': 20 is more than the most any article gives bridge \(15\)",
    ),
    "a count where no article gives one": (
        "kettlebell-swing",
        '[rungs.top]\n\n[[rungs]]\nid = "kettlebell-swing"',
        '[rungs.top]\nreps = 8\n\n[[rungs]]\nid = "kettlebell-swing"',
        r"rung 'kettlebell-swing/hip-hinge': field 'top\.reps': no article gives kettlebell-swing this number",
    ),
    "time over the cap": (
        "bridge",
        "rest_s = 60\nper_side = true\n",
        "rest_s = 60\nhold_s = 15\nper_side = true\n",
        r"rung 'bridge/single-leg': field 'top': takes 2125 s, longer than .* \(1120 s\)",
    ),
    "levels going down": (
        "bridge",
        'id = "bridge/single-leg"\nname = "Single-leg bridge"\nlevel = "intermediate"',
        'id = "bridge/single-leg"\nname = "Single-leg bridge"\nlevel = "beginner"',
        r"rung 'bridge/single-leg': field 'level': 'beginner' is below the level of the rung before it",
    ),
    "duplicate ids": (
        "bridge",
        'id = "bridge/single-leg"',
        'id = "bridge/held"',
        r"ladders/bridge\.toml: rung 'bridge/held': field 'id': used by two rungs",
    ),
    "an id without the exercise's prefix": (
        "bridge",
        'id = "bridge/single-leg"',
        'id = "glute-bridge/single-leg"',
        r"rung 'glute-bridge/single-leg': field 'id': must be 'bridge' \(the standard\) or start with 'bridge/'",
    ),
    "a same-movement rung that is not harder": (
        "knee-to-chest",
        "[rungs.top]\nreps = 3\nhold_s = 5",
        "[rungs.top]\nreps = 3\nhold_s = 20",
        r"rung 'knee-to-chest': field 'start': does the same movement as 'knee-to-chest/short-holds'",
    ),
    "a standard rung that does not start at the default": (
        "bridge",
        "[rungs.start]\nreps = 15\nsets = 3",
        "[rungs.start]\nreps = 12\nsets = 3",
        r"rung 'bridge': field 'start': the standard rung starts at the exercise's default prescription",
    ),
    "sides that change within a rung": (
        "bridge",
        "rest_s = 60\nper_side = true\n",
        "rest_s = 60\n",
        r"rung 'bridge/single-leg': field 'top\.per_side'",
    ),
    "a file that names another exercise": (
        "heel-raise",
        'exercise = "heel-raise"',
        'exercise = "heel-raises"',
        r"ladders/heel-raise\.toml: entry 'heel-raises': field 'exercise': must match the file name 'heel-raise'",
    ),
    "an unknown field": (
        "bridge",
        'name = "Held bridge"',
        'name = "Held bridge"\ncolour = "blue"',
        r"ladders/bridge\.toml: rung 'bridge/held': field 'colour'",
    ),
    "an unknown level": (
        "bridge",
        'name = "Held bridge"\nlevel = "intermediate"',
        'name = "Held bridge"\nlevel = "expert"',
        r"rung 'bridge/held': field 'level'",
    ),
    "too few replacement steps": (
        "wall-squat",
        '  "Tighten your stomach muscles.",\n  "Slide a short way down the wall, bending the knees only a little.",\n',
        "",
        r"rung 'wall-squat/shallow': field 'steps': .*at least 3",
    ),
    "a bad dose value": (
        "wall-squat",
        "[rungs.start]\nreps = 5",
        "[rungs.start]\nreps = -1",
        r"rung 'wall-squat/shallow': field 'start\.reps'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_loader_rejects_a_broken_ladder_naming_the_field(tmp_path: Path, case: str) -> None:
    exercise_id, old, new, message = BROKEN[case]
    root = _copy_data(tmp_path)
    _edit(root, exercise_id, old, new)
    with pytest.raises(LadderError, match=message):
        _load(root)


def test_every_exercise_needs_a_ladder(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    (root / "ladders" / "heel-raise.toml").unlink()
    with pytest.raises(LadderError, match=r"no ladder for heel-raise"):
        _load(root)


def test_a_ladder_for_no_exercise_is_rejected(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    shutil.copy(root / "ladders" / "bridge.toml", root / "ladders" / "bridges.toml")
    with pytest.raises(LadderError, match=r"ladders/bridges\.toml: no exercise 'bridges'"):
        _load(root)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    root = _copy_data(tmp_path)
    (root / "ladders" / "cat-stretch.toml").write_text("exercise = ")
    with pytest.raises(LadderError, match=r"ladders/cat-stretch\.toml: not valid TOML"):
        _load(root)


def test_a_ladder_error_is_a_content_error() -> None:
    from backcoach.domain.catalogue import CatalogueError

    assert issubclass(LadderError, CatalogueError)
    assert issubclass(LadderError, ValueError)
