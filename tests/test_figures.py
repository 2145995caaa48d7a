"""The figures stay physically plausible at every moment, and each exercise looks like itself."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from backcoach.domain.catalogue import Catalogue
from backcoach.render import kinematics
from backcoach.render.figures import WIDTH, X0, Y0, View, figure_of, svg
from backcoach.render.kinematics import (
    BONES,
    HEAD_RADIUS,
    LENGTHS,
    POINTS,
    RANGES,
    Figure,
    FigureError,
    FigureSpec,
    Point,
    distance,
    landmarks,
    load_figures,
    place,
    sample_segment_points,
)

SPECS = load_figures()
IDS = sorted(SPECS)
SVG_NS = "{http://www.w3.org/2000/svg}"


def figure(catalogue: Catalogue, exercise_id: str) -> Figure:
    return figure_of(catalogue.get(exercise_id), SPECS[exercise_id])


def moments(fig: Figure, step: float = 0.05) -> Iterator[float]:
    t = 0.0
    while t <= fig.duration:
        yield t
        t += step
    yield from fig.key_times().values()


def angle_at(a: Point, b: Point, c: Point) -> float:
    """The angle ABC in degrees (180 is a straight line)."""
    v1 = (a[0] - b[0], a[1] - b[1])
    v2 = (c[0] - b[0], c[1] - b[1])
    cos = (v1[0] * v2[0] + v1[1] * v2[1]) / (math.hypot(*v1) * math.hypot(*v2))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def elevation(a: Point, b: Point) -> float:
    """How far the line from a to b is from level, in degrees."""
    return abs(math.degrees(math.atan2(b[1] - a[1], abs(b[0] - a[0]))))


def test_every_exercise_has_a_figure(catalogue: Catalogue) -> None:
    assert set(SPECS) == set(catalogue.exercises)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_figure_stays_plausible_at_every_moment(catalogue: Catalogue, exercise_id: str) -> None:
    spec = SPECS[exercise_id]
    fig = figure(catalogue, exercise_id)
    view = View(spec.view_height)
    for t in moments(fig):
        pose = fig.pose_at(t)
        for joint, value in pose.angles().items():
            low, high = RANGES[joint.split(".")[-1]]
            assert low - 0.5 <= value <= high + 0.5, f"{exercise_id} t={t:.2f}: {joint} = {value:.1f}"
        pts = place(pose)
        assert set(pts) == set(POINTS)
        for name, a, b, key in BONES:
            assert distance(pts[a], pts[b]) == pytest.approx(LENGTHS[key], abs=1e-6), name
        head = pts["head_centre"]
        assert head[1] - HEAD_RADIUS >= -0.5, f"{exercise_id} t={t:.2f}: head through the floor"
        for bone, p in sample_segment_points(pts):
            assert p[1] >= -0.5, f"{exercise_id} t={t:.2f}: {bone} through the floor at {p}"
            assert view.contains(p), f"{exercise_id} t={t:.2f}: {bone} leaves the view at {p}"
            for prop in spec.props:
                if prop.kind == "chair":
                    seat = prop.x < p[0] < prop.x + 42 and 41 < p[1] < 45
                    back = prop.x - 4 < p[0] < prop.x and 45 < p[1] < 45 + prop.back
                    assert not seat, f"{exercise_id} t={t:.2f}: {bone} through the chair's seat at {p}"
                    assert not back, f"{exercise_id} t={t:.2f}: {bone} through the chair's back at {p}"
                if prop.kind == "wall":
                    inside = p[0] < prop.x if prop.side == "left" else p[0] > prop.x
                    assert not inside, f"{exercise_id} t={t:.2f}: {bone} through the wall at {p}"
        assert head[0] - HEAD_RADIUS >= X0
        assert head[0] + HEAD_RADIUS <= X0 + WIDTH
        assert head[1] + HEAD_RADIUS <= view.top


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_figure_moves(catalogue: Catalogue, exercise_id: str) -> None:
    fig = figure(catalogue, exercise_id)
    keys = fig.key_times()
    start, work = fig.points_at(keys["start"]), fig.points_at(keys["hold"])
    assert max(distance(start[k], work[k]) for k in POINTS) > 2.5


def test_every_animation_is_distinct(catalogue: Catalogue) -> None:
    def signature(exercise_id: str) -> list[Point]:
        fig = figure(catalogue, exercise_id)
        return [fig.points_at(fig.duration * k / 8)[p] for k in range(8) for p in POINTS]

    signatures = {e: signature(e) for e in IDS}
    for i, a in enumerate(IDS):
        for b in IDS[i + 1 :]:
            gap = max(distance(p, q) for p, q in zip(signatures[a], signatures[b], strict=True))
            assert gap > 5, f"{a} and {b} look the same"


def test_timing_follows_the_dose(catalogue: Catalogue) -> None:
    bridge = figure(catalogue, "bridge")
    tempo = catalogue.get("bridge").tempo
    assert bridge.duration == pytest.approx(tempo.rep_s + tempo.relax_s + 1)  # the bridge's hold is not given: 1 s
    knee = figure(catalogue, "knee-to-chest")
    hold = next(s for s in knee.segments if s.still)
    assert hold.t1 - hold.t0 == 20


def test_the_bridge_lines_up_shoulders_hips_and_knees(catalogue: Catalogue) -> None:
    fig = figure(catalogue, "bridge")
    start, top = fig.points_at(0), fig.points_at(fig.key_times()["hold"])
    assert (
        abs(180 - angle_at(top["shoulder"], top["hip"], top["near_knee"])) <= SPECS["bridge"].checks["line_tolerance"]
    )
    assert top["hip"][1] > start["hip"][1] + 15, "the hips lift"
    assert top["shoulder"][1] == pytest.approx(start["shoulder"][1], abs=1), "the shoulders stay down"
    assert top["near_ankle"] == pytest.approx(start["near_ankle"], abs=0.5), "the feet stay planted"


def test_the_superman_lifts_arms_and_legs_face_down(catalogue: Catalogue) -> None:
    fig = figure(catalogue, "superman")
    start, lift = fig.points_at(0), fig.points_at(fig.key_times()["hold"])
    least = SPECS["superman"].checks["min_lift"]
    for point in ("near_wrist", "far_wrist", "near_ankle", "far_ankle"):
        assert lift[point][1] - start[point][1] >= least, point
    assert start["head_centre"][0] > start["hip"][0], "lying face down, head to the right"
    assert start["head_centre"][1] - HEAD_RADIUS < 2, "the body starts on the floor"


@pytest.mark.parametrize(("pose", "arm", "leg"), [("left_arm", "near", "far"), ("right_arm", "far", "near")])
def test_the_bird_dog_reaches_opposite_arm_and_leg_level(catalogue: Catalogue, pose: str, arm: str, leg: str) -> None:
    fig = figure(catalogue, "bird-dog")
    pts = place(fig.poses[pose])
    tolerance = SPECS["bird-dog"].checks["level_tolerance"]
    assert elevation(pts["shoulder"], pts[f"{arm}_wrist"]) <= tolerance
    assert elevation(pts["hip"], pts[f"{leg}_ankle"]) <= tolerance
    assert pts[f"{arm}_wrist"][0] > pts["shoulder"][0], "the arm reaches forward"
    assert pts[f"{leg}_ankle"][0] < pts["hip"][0], "the leg reaches back"


def test_the_wall_squat_keeps_the_back_on_the_wall_and_bends_the_knees(catalogue: Catalogue) -> None:
    fig = figure(catalogue, "wall-squat")
    wall = next(p for p in SPECS["wall-squat"].props if p.kind == "wall")
    for t in moments(fig):
        pts = fig.points_at(t)
        for point in ("lower_back", "shoulder"):
            assert 0 <= pts[point][0] - wall.x <= 12, f"t={t:.2f}: the back leaves the wall"
    start, squat = fig.pose_at(0), fig.pose_at(fig.key_times()["hold"])
    assert squat.limbs["near_leg"].b - start.limbs["near_leg"].b >= 30
    assert 35 <= squat.limbs["near_leg"].b <= 60, "about 45 degrees"


def test_the_side_lying_raise_lifts_the_top_leg(catalogue: Catalogue) -> None:
    fig = figure(catalogue, "lying-lateral-leg-raise")
    start, raised = fig.points_at(0), fig.points_at(fig.key_times()["hold"])
    assert raised["near_ankle"][1] - start["near_ankle"][1] >= SPECS["lying-lateral-leg-raise"].checks["min_lift"]
    assert raised["far_ankle"] == pytest.approx(start["far_ankle"], abs=0.5), "the bottom leg stays down"


@pytest.mark.parametrize("exercise_id", ["partial-curl", "abdominal-crunch", "straight-leg-raise"])
def test_lifts_reach_their_height(catalogue: Catalogue, exercise_id: str) -> None:
    fig = figure(catalogue, exercise_id)
    start, work = fig.points_at(0), fig.points_at(fig.key_times()["hold"])
    point = "near_ankle" if exercise_id == "straight-leg-raise" else "shoulder"
    assert work[point][1] - start[point][1] >= SPECS[exercise_id].checks["min_lift"]


def test_per_side_exercises_show_a_side_and_alternating_ones_both(catalogue: Catalogue) -> None:
    for exercise in catalogue:
        side = SPECS[exercise.id].side
        if exercise.prescription.per_side:
            assert side in ("left", "right"), exercise.id
        if exercise.prescription.alternating:
            assert side == "both", exercise.id


def test_landmark_sequences_cover_the_cycle(catalogue: Catalogue) -> None:
    fig = figure(catalogue, "bird-dog")
    frames = landmarks(fig, fps=10)
    assert len(frames) == math.ceil(fig.duration * 10)
    assert all(set(f) == set(POINTS) for f in frames)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_svg_is_small_self_contained_and_labelled(catalogue: Catalogue, exercise_id: str) -> None:
    text = svg(catalogue.get(exercise_id), SPECS[exercise_id])
    assert len(text.encode()) < 8_000
    root = ET.fromstring(text)
    assert root.tag == f"{SVG_NS}svg"
    assert root.find(f"{SVG_NS}title") is not None
    desc = root.find(f"{SVG_NS}desc")
    assert desc is not None
    assert desc.text
    assert len(desc.text) > 40
    assert "<script" not in text
    assert "href" not in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert root.findall(f".//{SVG_NS}animate")
    still = svg(catalogue.get(exercise_id), SPECS[exercise_id], frame="hold")
    assert "<animate" not in still
    ET.fromstring(still)


def test_a_broken_figure_file_names_the_file_entry_and_field(tmp_path: Path) -> None:
    import shutil
    from importlib.resources import files

    root = tmp_path / "data"
    shutil.copytree(str(files("backcoach") / "data"), root)
    path = root / "figures" / "bridge.toml"
    path.write_text(path.read_text().replace("pelvis = 200", 'pelvis = "up"'))
    with pytest.raises(FigureError, match=r"figures/bridge\.toml: entry 'bridge': field 'poses\.up\.pelvis'"):
        load_figures(root)


def test_the_cycle_must_name_known_poses() -> None:
    spec = dict(SPECS["bridge"].model_dump())
    spec["cycle"] = [{"pose": "start"}, {"pose": "nowhere"}]
    with pytest.raises(ValueError, match="unknown pose"):
        FigureSpec.model_validate(spec)


def test_illustrate_writes_an_animation_a_still_and_a_gallery(run, tmp_path: Path) -> None:
    out = tmp_path / "bridge.svg"
    assert run("illustrate", "bridge", "--output", str(out)).exit_code == 0
    assert "<animate" in out.read_text()
    still = tmp_path / "still.svg"
    assert run("illustrate", "bridge", "--frame", "hold", "--output", str(still)).exit_code == 0
    assert "<animate" not in still.read_text()
    gallery = tmp_path / "gallery"
    assert run("illustrate", "--all", "--output-dir", str(gallery)).exit_code == 0
    assert len(list(gallery.glob("*.svg"))) == len(IDS)
    index = (gallery / "index.html").read_text()
    assert all(f"{e}.svg" in index for e in IDS)
    assert "<script" not in index


def test_illustrate_an_unknown_id_exits_2(run, tmp_path: Path) -> None:
    result = run("illustrate", "spiderman", "--output", str(tmp_path / "x.svg"))
    assert result.exit_code == 2
    assert "spiderman" in result.stderr
    assert not (tmp_path / "x.svg").exists()


def test_the_exercise_card_links_its_figure(run, home: Path) -> None:
    result = run("exercise", "bird-dog")
    assert (home / "figures" / "bird-dog.svg").exists()
    assert "bird-dog.svg" in result.output


def test_content_figures_match_the_package_loader() -> None:
    assert kinematics.figures().keys() == SPECS.keys()
    assert Y0 < 0
