"""A 2D side-view body model, positioned by joint angles, that moves through an exercise at its dosage's tempo.

Units are centimeters, y points up and the floor is y = 0. Angles are degrees, counter-clockwise from +x. The
figure faces +x when standing; lying on the back it has its head to the left, lying face down to the right (so that
"front" is always a quarter turn clockwise from the trunk's direction).

A pose is the pelvis's position and angle plus relative joint angles (spine, neck, and shoulder/elbow/wrist and
hip/knee/ankle of the near and far limbs). A limb may instead name where its wrist or ankle must be (a hand or a
foot on the floor, the chair or the wall); two-link inverse kinematics then finds the angles, choosing the solution
that bends the knee or elbow the anatomical way. Joint positions can be computed for any moment of the cycle, which
is what the drawings, the plausibility tests and (later) synthetic landmark sequences for a camera coach use.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from backcoach.domain.catalogue import Prescription
from backcoach.domain.model import Frozen

Point = tuple[float, float]

# Segment lengths of an adult of about 170 cm.
LENGTHS: dict[str, float] = {
    "pelvis": 12.0,  # hip joint center to the lower back
    "torso": 42.0,  # lower back to the base of the neck
    "neck": 9.0,
    "head": 22.0,  # the head is drawn as a circle on this segment
    "upper_arm": 30.0,
    "forearm": 26.0,
    "hand": 9.0,
    "thigh": 44.0,
    "shank": 42.0,
    "foot": 20.0,
}
HEAD_RADIUS = 11.0
HEEL = 7.0
# The foot's neutral angle to the shank: with the ankle 7 cm up, toe and heel both touch the floor.
FOOT_NEUTRAL = 70.0
HEEL_OFFSET = -110.0

# Joint ranges (degrees) of an ordinary adult; the tests hold every sampled moment inside them.
RANGES: dict[str, tuple[float, float]] = {
    "spine": (-35.0, 70.0),
    "neck": (-45.0, 55.0),
    "shoulder": (-60.0, 190.0),
    "elbow": (0.0, 150.0),
    "wrist": (-80.0, 80.0),
    "hip": (-30.0, 135.0),
    "knee": (0.0, 150.0),
    "ankle": (-60.0, 35.0),  # kneeling with the top of the foot on the floor needs full plantarflexion
}

LIMBS = ("near_arm", "far_arm", "near_leg", "far_leg")
ARM_JOINTS = ("shoulder", "elbow", "wrist")
LEG_JOINTS = ("hip", "knee", "ankle")

# The named points of a posed figure. The near and far shoulder (and hip) coincide in a side view.
POINTS = (
    "hip",
    "lower_back",
    "shoulder",
    "head_base",
    "head_centre",
    "head_top",
    "near_elbow",
    "near_wrist",
    "near_hand",
    "far_elbow",
    "far_wrist",
    "far_hand",
    "near_knee",
    "near_ankle",
    "near_toe",
    "near_heel",
    "far_knee",
    "far_ankle",
    "far_toe",
    "far_heel",
)

# Segments as (name, from, to, length key), for drawing and for the tests that bones keep their length.
BONES: tuple[tuple[str, str, str, str], ...] = (
    ("pelvis", "hip", "lower_back", "pelvis"),
    ("torso", "lower_back", "shoulder", "torso"),
    ("neck", "shoulder", "head_base", "neck"),
    ("head", "head_base", "head_top", "head"),
    ("near_upper_arm", "shoulder", "near_elbow", "upper_arm"),
    ("near_forearm", "near_elbow", "near_wrist", "forearm"),
    ("near_hand", "near_wrist", "near_hand", "hand"),
    ("far_upper_arm", "shoulder", "far_elbow", "upper_arm"),
    ("far_forearm", "far_elbow", "far_wrist", "forearm"),
    ("far_hand", "far_wrist", "far_hand", "hand"),
    ("near_thigh", "hip", "near_knee", "thigh"),
    ("near_shank", "near_knee", "near_ankle", "shank"),
    ("near_foot", "near_ankle", "near_toe", "foot"),
    ("far_thigh", "hip", "far_knee", "thigh"),
    ("far_shank", "far_knee", "far_ankle", "shank"),
    ("far_foot", "far_ankle", "far_toe", "foot"),
)


def unit(angle: float) -> Point:
    rad = math.radians(angle)
    return (math.cos(rad), math.sin(rad))


def along(origin: Point, angle: float, length: float) -> Point:
    dx, dy = unit(angle)
    return (origin[0] + dx * length, origin[1] + dy * length)


def wrap(angle: float) -> float:
    """An angle in (-180, 180]."""
    a = math.fmod(angle + 180.0, 360.0)
    if a <= 0:
        a += 360.0
    return a - 180.0


def direction(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def distance(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


# The data: poses as written in the figure files


class LimbSpec(Frozen):
    """Either the three joint angles, or a target for the wrist/ankle (solved) and the hand/foot's own angle."""

    joints: Annotated[list[float], Field(min_length=3, max_length=3)] | None = None
    target: tuple[float, float] | None = None
    end: float | None = None
    """With a target: the absolute angle of the hand or foot (default: in line, or flat for a foot)."""

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.joints is None) == (self.target is None):
            raise ValueError("give either joints = [a, b, c] or target = [x, y]")
        return self


class Anchor(Frozen):
    point: Literal["hip", "lower_back", "shoulder", "head_base", "head_top", "head_centre"]
    at: tuple[float, float]


class PoseSpec(Frozen):
    root: tuple[float, float] = (0.0, 0.0)
    pelvis: float
    spine: float = 0.0
    neck: float = 0.0
    turn: Annotated[float, Field(ge=-90, le=90)] = 0.0
    """How far the head and chest are turned out of the side view (drawing only: the face marker moves)."""
    belly: Annotated[float, Field(ge=-1, le=1)] = 0.0
    """Belly drawn in (-1) or pushed out (1) (drawing only: the front of the trunk)."""
    anchor: Anchor | None = None
    near_arm: LimbSpec
    far_arm: LimbSpec
    near_leg: LimbSpec
    far_leg: LimbSpec


class CycleEntry(Frozen):
    pose: str
    hold: bool = False
    """The figure stays in this pose for the dosage's hold."""
    time: Literal["rep", "relax"] = "rep"
    """Which part of the tempo the move into this pose takes: the movement (rep_s) or the return (relax_s)."""
    share: Annotated[float, Field(gt=0, le=1)] = 1.0
    """The part of that time this move takes, when several moves share it."""


class Prop(Frozen):
    kind: Literal["mat", "chair", "wall", "kettlebell"]
    x: float = 0.0
    """mat: its left end; chair: the back edge of the seat; wall: the wall's surface."""
    width: float = 190.0
    """mat: its length."""
    back: float = 45.0
    """chair: the backrest's height above the seat."""
    side: Literal["left", "right"] = "left"
    """wall: which side of `x` the wall is on."""


class FigureSpec(Frozen):
    exercise: str
    desc: Annotated[str, Field(min_length=20)]
    view_height: Annotated[float, Field(gt=50, le=200)] = 200.0
    """How much of the room the view shows above the floor (cm): less for exercises done lying down."""
    side: Literal["left", "right", "both"] = "left"
    """Which side the animation shows working: a per-side exercise shows one; alternating ones show both."""
    props: list[Prop] = Field(default_factory=list)
    poses: dict[str, PoseSpec]
    cycle: Annotated[list[CycleEntry], Field(min_length=2)]
    checks: dict[str, float] = Field(default_factory=dict)
    """Key-pose measurements the tests hold the figure to (see tests/test_figures.py)."""

    @model_validator(mode="after")
    def _poses_exist(self) -> Self:
        for entry in self.cycle:
            if entry.pose not in self.poses:
                raise ValueError(f"cycle names an unknown pose {entry.pose!r}; poses: {', '.join(self.poses)}")
        return self


# Solving poses


@dataclass(frozen=True)
class Limb:
    """Relative joint angles of one arm or leg."""

    a: float  # shoulder / hip
    b: float  # elbow / knee
    c: float  # wrist / ankle


@dataclass(frozen=True)
class Pose:
    """A fully resolved pose: everything needed to place every point."""

    root: Point
    pelvis: float
    spine: float
    neck: float
    limbs: Mapping[str, Limb] = field(default_factory=dict)
    turn: float = 0.0
    belly: float = 0.0

    @property
    def torso(self) -> float:
        return self.pelvis - self.spine

    @property
    def head(self) -> float:
        return self.torso - self.neck

    def angles(self) -> dict[str, float]:
        """Every joint angle, named as in RANGES with a limb prefix where it has one."""
        out = {"spine": self.spine, "neck": self.neck}
        for name, limb in self.limbs.items():
            keys = ARM_JOINTS if "arm" in name else LEG_JOINTS
            for key, value in zip(keys, (limb.a, limb.b, limb.c), strict=True):
                out[f"{name}.{key}"] = value
        return out


def _trunk(root: Point, pelvis: float, spine: float, neck: float) -> dict[str, Point]:
    lower_back = along(root, pelvis, LENGTHS["pelvis"])
    torso = pelvis - spine
    shoulder = along(lower_back, torso, LENGTHS["torso"])
    head = torso - neck
    head_base = along(shoulder, head, LENGTHS["neck"])
    return {
        "hip": root,
        "lower_back": lower_back,
        "shoulder": shoulder,
        "head_base": head_base,
        "head_centre": along(head_base, head, HEAD_RADIUS),
        "head_top": along(head_base, head, LENGTHS["head"]),
    }


def _two_link(origin: Point, target: Point, l1: float, l2: float, sign: float) -> tuple[float, float]:
    """Absolute angles of the two links reaching from origin toward target; `sign` picks the bend direction."""
    d = distance(origin, target)
    d = min(max(d, abs(l1 - l2) + 1e-6), l1 + l2 - 1e-6)
    base = direction(origin, target)
    cos_inner = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    inner = math.degrees(math.acos(max(-1.0, min(1.0, cos_inner))))
    first = base + sign * inner
    mid = along(origin, first, l1)
    return first, direction(mid, target)


def _solve_limb(name: str, spec: LimbSpec, origin: Point, trunk_angle: float) -> Limb:
    """Joint angles from a spec; for a target, the bend that keeps the elbow or knee flexion positive."""
    if spec.joints is not None:
        return Limb(*spec.joints)
    if spec.target is None:
        raise FigureError(f"{name}: give either joints = [a, b, c] or target = [x, y]")
    arm = "arm" in name
    l1, l2 = (LENGTHS["upper_arm"], LENGTHS["forearm"]) if arm else (LENGTHS["thigh"], LENGTHS["shank"])
    best: Limb | None = None
    for sign in (1.0, -1.0):
        first, second = _two_link(origin, spec.target, l1, l2, sign)
        if arm:
            a = wrap(first - trunk_angle - 180.0)
            b = wrap(second - first)
            end = spec.end if spec.end is not None else second
            c = wrap(end - second)
        else:
            a = wrap(first - trunk_angle - 180.0)
            b = wrap(first - second)
            end = spec.end if spec.end is not None else second + FOOT_NEUTRAL
            c = wrap(end - second - FOOT_NEUTRAL)
        candidate = Limb(a, b, c)
        if candidate.b >= -1e-6 and (best is None or candidate.b < best.b):
            best = candidate
    if best is None:
        raise FigureError(f"{name}: no way to reach {spec.target} with the knee or elbow bending the anatomical way")
    return best


def resolve_pose(spec: PoseSpec) -> Pose:
    root = spec.root
    if spec.anchor is not None:
        placed = _trunk((0.0, 0.0), spec.pelvis, spec.spine, spec.neck)[spec.anchor.point]
        root = (spec.anchor.at[0] - placed[0], spec.anchor.at[1] - placed[1])
    trunk = _trunk(root, spec.pelvis, spec.spine, spec.neck)
    torso = spec.pelvis - spec.spine
    limbs = {}
    for name in LIMBS:
        limb_spec: LimbSpec = getattr(spec, name)
        if "arm" in name:
            limbs[name] = _solve_limb(name, limb_spec, trunk["shoulder"], torso)
        else:
            limbs[name] = _solve_limb(name, limb_spec, root, spec.pelvis)
    return Pose(root, spec.pelvis, spec.spine, spec.neck, limbs, spec.turn, spec.belly)


def place(pose: Pose) -> dict[str, Point]:
    """Every point of the figure in this pose (forward kinematics)."""
    points = _trunk(pose.root, pose.pelvis, pose.spine, pose.neck)
    torso = pose.pelvis - pose.spine
    for side in ("near", "far"):
        arm = pose.limbs[f"{side}_arm"]
        upper = torso + 180.0 + arm.a
        fore = upper + arm.b
        elbow = along(points["shoulder"], upper, LENGTHS["upper_arm"])
        wrist = along(elbow, fore, LENGTHS["forearm"])
        points[f"{side}_elbow"] = elbow
        points[f"{side}_wrist"] = wrist
        points[f"{side}_hand"] = along(wrist, fore + arm.c, LENGTHS["hand"])
        leg = pose.limbs[f"{side}_leg"]
        thigh = pose.pelvis + 180.0 + leg.a
        shank = thigh - leg.b
        foot = shank + FOOT_NEUTRAL + leg.c
        knee = along(pose.root, thigh, LENGTHS["thigh"])
        ankle = along(knee, shank, LENGTHS["shank"])
        points[f"{side}_knee"] = knee
        points[f"{side}_ankle"] = ankle
        points[f"{side}_toe"] = along(ankle, foot, LENGTHS["foot"])
        points[f"{side}_heel"] = along(ankle, foot + HEEL_OFFSET, HEEL)
    return points


# Time: the cycle of poses at the dosage's tempo


def _smooth(u: float) -> float:
    return u * u * (3.0 - 2.0 * u)


def _mix(a: float, b: float, u: float) -> float:
    return a + (b - a) * u


def _mix_angle(a: float, b: float, u: float) -> float:
    return a + wrap(b - a) * u


def _mix_specs(a: PoseSpec, b: PoseSpec, u: float, pa: Pose, pb: Pose) -> Pose:
    """Between two poses. Where both place a hand or foot by target, the target moves and IK follows it (so a foot
    on the floor stays on the floor); elsewhere the joint angles move."""
    root = (_mix(pa.root[0], pb.root[0], u), _mix(pa.root[1], pb.root[1], u))
    pelvis = _mix_angle(pa.pelvis, pb.pelvis, u)
    spine = _mix(pa.spine, pb.spine, u)
    neck = _mix(pa.neck, pb.neck, u)
    trunk = _trunk(root, pelvis, spine, neck)
    limbs = {}
    for name in LIMBS:
        sa: LimbSpec = getattr(a, name)
        sb: LimbSpec = getattr(b, name)
        if sa.target is not None and sb.target is not None:
            target = (_mix(sa.target[0], sb.target[0], u), _mix(sa.target[1], sb.target[1], u))
            end = None
            if sa.end is not None and sb.end is not None:
                end = _mix_angle(sa.end, sb.end, u)
            mixed = LimbSpec(target=target, end=end)
            origin = trunk["shoulder"] if "arm" in name else root
            base = pelvis - spine if "arm" in name else pelvis
            limbs[name] = _solve_limb(name, mixed, origin, base)
        else:
            la, lb = pa.limbs[name], pb.limbs[name]
            limbs[name] = Limb(_mix(la.a, lb.a, u), _mix(la.b, lb.b, u), _mix(la.c, lb.c, u))
    return Pose(root, pelvis, spine, neck, limbs, _mix(pa.turn, pb.turn, u), _mix(pa.belly, pb.belly, u))


@dataclass(frozen=True)
class Segment:
    """One stretch of the cycle: from pose `start` to pose `end` (equal while holding)."""

    start: str
    end: str
    t0: float
    t1: float

    @property
    def still(self) -> bool:
        return self.start == self.end


@dataclass(frozen=True)
class Timing:
    rep_s: float
    relax_s: float
    hold_s: float


class Figure:
    """An exercise's figure: its poses, props and cycle, at a given tempo and hold."""

    def __init__(self, spec: FigureSpec, timing: Timing) -> None:
        self.spec = spec
        self.timing = timing
        self.poses = {name: resolve_pose(p) for name, p in spec.poses.items()}
        self.segments = list(self._segments())
        self.duration = self.segments[-1].t1

    def _segments(self) -> Iterator[Segment]:
        t = 0.0
        entries = self.spec.cycle
        for i, entry in enumerate(entries):
            following = entries[(i + 1) % len(entries)]
            if entry.hold:
                yield Segment(entry.pose, entry.pose, t, t + self.timing.hold_s)
                t += self.timing.hold_s
            base = self.timing.rep_s if following.time == "rep" else self.timing.relax_s
            move = max(0.2, base * following.share)
            yield Segment(entry.pose, following.pose, t, t + move)
            t += move

    def segment_at(self, t: float) -> tuple[Segment, float]:
        t = math.fmod(t, self.duration)
        if t < 0:
            t += self.duration
        for seg in self.segments:
            if t <= seg.t1:
                span = seg.t1 - seg.t0
                return seg, (0.0 if span <= 0 else (t - seg.t0) / span)
        return self.segments[-1], 1.0

    def pose_at(self, t: float) -> Pose:
        seg, u = self.segment_at(t)
        if seg.still:
            return self.poses[seg.start]
        return _mix_specs(
            self.spec.poses[seg.start], self.spec.poses[seg.end], _smooth(u), self.poses[seg.start], self.poses[seg.end]
        )

    def points_at(self, t: float) -> dict[str, Point]:
        return place(self.pose_at(t))

    def key_times(self) -> dict[str, float]:
        """start: the starting pose; hold: the working pose at the middle of its hold (or the first move's end);
        end: the last pose the cycle reaches before it returns to the start."""
        holds = [s for s in self.segments if s.still]
        work = holds[0] if holds else self.segments[0]
        hold_t = (work.t0 + work.t1) / 2 if holds else work.t1
        last_move = [s for s in self.segments if not s.still][-1]
        return {"start": 0.0, "hold": hold_t, "end": last_move.t0}

    def sample_times(self, per_move: int = 3) -> list[float]:
        """Times that follow the motion closely enough to draw it: both ends of every segment, and points inside
        each move (the path between two poses is not a straight line)."""
        times: list[float] = []
        for seg in self.segments:
            steps = 1 if seg.still else per_move
            times += [seg.t0 + (seg.t1 - seg.t0) * k / steps for k in range(steps)]
        times.append(self.duration)
        return times


def timing_for(prescription: Prescription, rep_s: float, relax_s: float) -> Timing:
    hold = prescription.hold_s or prescription.hold_s_max or 1
    return Timing(rep_s=rep_s, relax_s=relax_s, hold_s=float(hold))


def landmarks(figure: Figure, fps: float = 30.0) -> list[dict[str, Point]]:
    """One cycle as a sequence of named body points at a frame rate: synthetic input for a motion runtime."""
    frames = max(2, math.ceil(figure.duration * fps))
    return [figure.points_at(k / fps) for k in range(frames)]


def segments_of(points: Mapping[str, Point]) -> Iterator[tuple[str, Point, Point, float]]:
    for name, a, b, key in BONES:
        yield name, points[a], points[b], LENGTHS[key]


def sample_segment_points(points: Mapping[str, Point], per_bone: int = 4) -> Iterator[tuple[str, Point]]:
    """Points along every bone, for collision tests."""
    for name, a, b, _ in segments_of(points):
        for k in range(per_bone + 1):
            u = k / per_bone
            yield name, (a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u)


class FigureError(ValueError):
    """A figure file failed validation; names the file, the entry and the field."""


def parse_figure(file: str, data: Mapping[str, object]) -> FigureSpec:
    from pydantic import ValidationError

    from backcoach.domain.catalogue import format_validation_error

    entry = str(data.get("exercise", file))
    try:
        return FigureSpec.model_validate(data)
    except ValidationError as exc:
        raise FigureError(format_validation_error(file, entry, exc)) from None


def load_figures(root: object | None = None) -> dict[str, FigureSpec]:
    """Every figure file under `root/figures` (the shipped package data by default), by exercise id."""
    from importlib.resources.abc import Traversable

    from backcoach.domain.catalogue import data_root, parse_toml

    base: Traversable = root if isinstance(root, Traversable) else data_root()
    specs = {}
    for path in sorted((base / "figures").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".toml"):
            file = f"figures/{path.name}"
            spec = parse_figure(file, parse_toml(file, path.read_text(encoding="utf-8")))
            if spec.exercise != path.name.removesuffix(".toml"):
                raise FigureError(f"{file}: entry {spec.exercise!r}: field 'exercise': must match the file name")
            specs[spec.exercise] = spec
    return specs


def exercise_figure(spec: FigureSpec, prescription: Prescription, rep_s: float, relax_s: float) -> Figure:
    return Figure(spec, timing_for(prescription, rep_s, relax_s))


@cache
def figures() -> dict[str, FigureSpec]:
    """Every exercise's figure, loaded on first use and shared."""
    return load_figures()
