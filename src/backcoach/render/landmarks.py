"""Synthetic BlazePose landmark sequences from the kinematic model that draws the figures, with their ground truth.

The figure rig (`render/kinematics.py`) is a 2D body in the plane the camera should see: the sagittal plane for a
side view, the frontal plane for the lateral leg raise. Here each rig point becomes one or more of the 33 BlazePose
landmarks in 3D (the near and far limbs set apart by the shoulder or hip width, the face and hand points derived
from the head and the hand), is seen by a pinhole camera at a given distance, height, roll and image size, and gets
what a real pose model adds: Gaussian noise, dropped frames and a far side that is hard to see.

A session is a set of repetitions of one exercise: random tempo and holds, partial repetitions, form faults from
`FAULTS`, optionally a wrong camera angle. Its ground truth (repetitions, partials, held seconds, each fault with the
repetition and the moment it was made) comes from the noise-free landmarks through `oracle_signal`, an independent
Python account of the signals that `static/js/camera/signals.js` computes in the browser.

Nothing here runs at import time; numpy is imported by the functions that need it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from backcoach.domain.camera import CameraRules, Signal
from backcoach.render.kinematics import FigureSpec, PoseSpec, _mix_specs, figures, place, resolve_pose

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]

Side = Literal["left", "right"]
View = Literal["side", "front"]

NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
"""The 33 BlazePose landmarks, in the model's order."""
INDEX = {name: i for i, name in enumerate(NAMES)}

SHOULDER_WIDTH = 36.0
HIP_WIDTH = 28.0
EYE_GAP = 6.0
EAR_GAP = 14.0

# Each side's landmarks as (landmark suffix, rig point without its near_/far_ prefix, lateral half-width).
_LIMB_POINTS: tuple[tuple[str, str, float], ...] = (
    ("shoulder", "shoulder", SHOULDER_WIDTH / 2),
    ("elbow", "elbow", SHOULDER_WIDTH / 2),
    ("wrist", "wrist", SHOULDER_WIDTH / 2),
    ("index", "hand", SHOULDER_WIDTH / 2),
    ("hip", "hip", HIP_WIDTH / 2),
    ("knee", "knee", HIP_WIDTH / 2),
    ("ankle", "ankle", HIP_WIDTH / 2),
    ("heel", "heel", HIP_WIDTH / 2),
    ("foot_index", "toe", HIP_WIDTH / 2),
)


def body_3d(points: Mapping[str, tuple[float, float]], near: Side, view: View) -> Array:
    """The 33 landmarks in 3D (cm; x right, y up, z away from the camera) for one pose of the rig.

    Side view: the near limbs are half a shoulder (or hip) width toward the camera, the far ones as far behind.
    Front view (lying on the side, facing the camera): the near limbs are the upper ones, set apart in the picture
    across the trunk, which is how a side-lying body is stacked."""
    import numpy as np

    out = np.zeros((33, 3))
    far: Side = "right" if near == "left" else "left"
    shoulder, hip = points["shoulder"], points["hip"]
    trunk = math.atan2(shoulder[1] - hip[1], shoulder[0] - hip[0])
    across = (-math.sin(trunk), math.cos(trunk))
    if across[1] < 0:
        across = (-across[0], -across[1])
    for side, sign, rig in ((near, -1.0, "near"), (far, 1.0, "far")):
        for suffix, point, half in _LIMB_POINTS:
            key = point if point in ("shoulder", "hip") else f"{rig}_{point}"
            x, y = points[key]
            if view == "side":
                out[INDEX[f"{side}_{suffix}"]] = (x, y, sign * half)
            else:
                out[INDEX[f"{side}_{suffix}"]] = (x - sign * half * across[0], y - sign * half * across[1], 0.0)
        wrist, hand = points[f"{rig}_wrist"], points[f"{rig}_hand"]
        lateral = sign * SHOULDER_WIDTH / 2 if view == "side" else 0.0
        # The pinky sits beside the index finger; the thumb a little short of it.
        out[INDEX[f"{side}_pinky"]] = (
            hand[0] * 0.85 + wrist[0] * 0.15,
            hand[1] * 0.85 + wrist[1] * 0.15,
            lateral * 1.1,
        )
        out[INDEX[f"{side}_thumb"]] = (hand[0] * 0.5 + wrist[0] * 0.5, hand[1] * 0.5 + wrist[1] * 0.5, lateral * 0.9)
    # The face: the rig's front is a quarter turn clockwise from the head's direction.
    base, top, centre = points["head_base"], points["head_top"], points["head_centre"]
    up = math.atan2(top[1] - base[1], top[0] - base[0])
    front = up - math.pi / 2
    r = 11.0

    def face(forward: float, upward: float, lateral: float) -> tuple[float, float, float]:
        x = centre[0] + r * (forward * math.cos(front) + upward * math.cos(up))
        y = centre[1] + r * (forward * math.sin(front) + upward * math.sin(up))
        return (x, y, lateral)

    near_sign = -1.0
    out[INDEX["nose"]] = face(1.0, -0.05, 0.0)
    for side, sign in ((near, near_sign), (far, -near_sign)):
        out[INDEX[f"{side}_eye_inner"]] = face(0.85, 0.3, sign * EYE_GAP * 0.3)
        out[INDEX[f"{side}_eye"]] = face(0.8, 0.3, sign * EYE_GAP / 2)
        out[INDEX[f"{side}_eye_outer"]] = face(0.75, 0.3, sign * EYE_GAP * 0.7)
        out[INDEX[f"{side}_ear"]] = face(-0.05, 0.1, sign * EAR_GAP / 2)
        out[INDEX[f"mouth_{side}"]] = face(0.85, -0.45, sign * 2.5)
    if view == "front":
        out[:, 2] = 0.0
    return out


@dataclass(frozen=True)
class Camera:
    """A phone or laptop camera looking level at the body's plane from `distance` cm, its lens `height` cm above
    the floor, turned `roll` degrees about its axis (a tilted device) and `yaw` degrees away from the view the
    exercise wants (0: the right view; 60 to 90: the wrong one)."""

    width: int = 640
    height: int = 480
    distance: float = 280.0
    lens_height: float = 25.0
    fov: float = 60.0
    roll: float = 0.0
    yaw: float = 0.0
    centre_x: float = 100.0

    def project(self, body: Array) -> Array:
        """Normalized image coordinates (x, y as BlazePose gives them) and z (meters from the body's plane) of
        landmarks in 3D, of any shape ending in 3."""
        import numpy as np

        x = body[..., 0] - self.centre_x
        y = body[..., 1] - self.lens_height
        z = body[..., 2]
        yaw = math.radians(self.yaw)
        x, z = x * math.cos(yaw) + z * math.sin(yaw), -x * math.sin(yaw) + z * math.cos(yaw)
        depth = self.distance + z
        focal = (self.width / 2) / math.tan(math.radians(self.fov / 2))
        u = focal * x / depth
        v = focal * y / depth
        roll = math.radians(self.roll)
        u, v = u * math.cos(roll) - v * math.sin(roll), u * math.sin(roll) + v * math.cos(roll)
        out = np.empty(body.shape)
        out[..., 0] = (self.width / 2 + u) / self.width
        out[..., 1] = (self.height / 2 - v) / self.height
        out[..., 2] = z / 100.0
        return out


# The signals, computed again in Python as the ground truth's oracle (signals.js is the code under test). Frames
# are arrays of shape (frames, 33, 3) as `Camera.project` gives them.


def _xy(frames: Array, camera: Camera, name: str) -> tuple[Array, Array]:
    # Pixels, with y up, so that angles are the geometric ones.
    i = INDEX[name]
    return frames[:, i, 0] * camera.width, -frames[:, i, 1] * camera.height


def horizontal_of(frames: Array, camera: Camera, rules: CameraRules, side: Side) -> float:
    """The image's tilt of the floor line (radians) in the first frame, from the rule set's horizontal landmarks."""
    if rules.horizontal is None:
        return 0.0
    ax, ay = _xy(frames[:1], camera, f"{side}_{rules.horizontal[0]}")
    bx, by = _xy(frames[:1], camera, f"{side}_{rules.horizontal[1]}")
    tilt = math.atan2(float(by[0] - ay[0]), float(bx[0] - ax[0]))
    # Fold to (-90°, 90°]: the line has no direction.
    while tilt > math.pi / 2:
        tilt -= math.pi
    while tilt <= -math.pi / 2:
        tilt += math.pi
    return tilt


def _values(signal: Signal, frames: Array, camera: Camera, side: Side, tilt: float, torso: float) -> Array:
    import numpy as np

    pts = [_xy(frames, camera, f"{side}_{p}") for p in signal.points]
    if signal.kind == "angle":
        (ax, ay), (bx, by), (cx, cy) = pts
        ux, uy, vx, vy = ax - bx, ay - by, cx - bx, cy - by
        n = np.hypot(ux, uy) * np.hypot(vx, vy)
        cos = np.clip((ux * vx + uy * vy) / np.where(n == 0, 1.0, n), -1.0, 1.0)
        out: Array = np.degrees(np.arccos(cos))
        return out
    if signal.kind == "rise":
        # Above the start position, which is the first frame here as for the horizontal and the torso.
        lifts = [(-(x - x[0]) * math.sin(tilt) + (y - y[0]) * math.cos(tilt)) / torso for x, y in pts]
        rise: Array = np.mean(lifts, axis=0)
        return rise
    (ax, ay), (bx, by) = pts
    if signal.kind == "incline":
        d = np.arctan2(by - ay, bx - ax) - tilt
        deg = np.abs(np.degrees(np.arctan2(np.sin(d), np.cos(d))))
        folded: Array = np.minimum(deg, 180.0 - deg)
        return folded
    # height: how far the first point is above the second, across the calibrated horizontal, in torso lengths.
    dx, dy = ax - bx, ay - by
    height: Array = (-dx * math.sin(tilt) + dy * math.cos(tilt)) / torso
    return height


def torso_of(frames: Array, camera: Camera, side: Side) -> float:
    """The torso's length in pixels (shoulder to hip) in the first frame."""
    sx, sy = _xy(frames[:1], camera, f"{side}_shoulder")
    hx, hy = _xy(frames[:1], camera, f"{side}_hip")
    return max(1e-6, math.hypot(float(sx[0] - hx[0]), float(sy[0] - hy[0])))


def oracle_signal(
    signal: Signal,
    work: Literal["above", "below"],
    frames: Array,
    camera: Camera,
    near: Side,
    tilt: float,
    torso: float,
) -> Array:
    """The signal's true value in noise-free frames: the near side, or for `sides = "either"` the side that is
    further into the working direction."""
    import numpy as np

    if signal.sides == "near":
        return _values(signal, frames, camera, near, tilt, torso)
    left = _values(signal, frames, camera, "left", tilt, torso)
    right = _values(signal, frames, camera, "right", tilt, torso)
    both: Array = np.maximum(left, right) if work == "above" else np.minimum(left, right)
    return both


# Form faults the synthetic person makes, for every form rule a rule set declares (a test holds the two in step).


@dataclass(frozen=True)
class Fault:
    """How to make a fault: stop the movement short (`reach` of the way to the working pose) and/or change the
    working pose (fields of the pose to add to; a limb's joints by limb name)."""

    reach: float = 1.0
    add: tuple[tuple[str, float], ...] = ()


FAULTS: dict[tuple[str, str], Fault] = {
    ("bridge", "hips-low"): Fault(reach=0.72),
    ("bird-dog", "arm-low"): Fault(add=(("arm.a", -13.0),)),
    ("superman", "lift-high"): Fault(add=(("spine", -14.0),)),
    ("prone-opposite-arm-leg", "lift-high"): Fault(add=(("spine", -10.0),)),
    ("partial-curl", "too-high"): Fault(add=(("spine", 22.0),)),
    ("abdominal-crunch", "too-high"): Fault(add=(("spine", 30.0),)),
    ("lying-lateral-leg-raise", "too-high"): Fault(add=(("near_leg.a", 22.0),)),
    ("straight-leg-raise", "bent-knee"): Fault(add=(("near_leg.a", 25.0), ("near_leg.b", 30.0))),
    ("knee-to-chest", "head-up"): Fault(add=(("spine", 18.0),)),
    ("double-knee-to-chest", "head-up"): Fault(add=(("spine", 18.0),)),
    ("wall-squat", "too-deep"): Fault(add=(("root.y", -14.0),)),
    ("heel-raise", "low-heels"): Fault(reach=0.55),
    ("kettlebell-swing", "lean-back"): Fault(add=(("spine", -14.0),)),
}


def _altered(spec: PoseSpec, fault: Fault, working_arm: str | None) -> PoseSpec:
    update: dict[str, Any] = {}
    for key, amount in fault.add:
        if key in ("spine", "pelvis", "neck"):
            update[key] = getattr(spec, key) + amount
        elif key == "root.y":
            update["root"] = (spec.root[0], spec.root[1] + amount)
            if spec.anchor is not None:
                update["anchor"] = spec.anchor.model_copy(
                    update={"at": (spec.anchor.at[0], spec.anchor.at[1] + amount)}
                )
        else:
            limb_name, joint = key.split(".")
            limb_name = working_arm if limb_name == "arm" and working_arm else limb_name
            limb = update.get(limb_name, getattr(spec, limb_name))
            if limb.joints is None:
                raise ValueError(f"fault {key}: the limb is placed by a target, not by joints")
            joints = list(limb.joints)
            joints["abc".index(joint)] += amount
            update[limb_name] = limb.model_copy(update={"joints": joints})
    return spec.model_copy(update=update)


# Paths between poses, sampled once and interpolated (the inverse kinematics are too slow to run per frame).

STEPS = 60


@cache
def _path(exercise: str, start: str, end: str, fault: Fault | None) -> tuple[Mapping[str, tuple[float, float]], ...]:
    spec = figures()[exercise]
    a = spec.poses[start]
    b = spec.poses[end]
    if fault is not None and fault.add:
        arm = "near_arm" if _limb_raised(b, "near_arm") else "far_arm" if _limb_raised(b, "far_arm") else None
        b = _altered(b, fault, arm)
    pa, pb = resolve_pose(a), resolve_pose(b)
    return tuple(place(_mix_specs(a, b, k / STEPS, pa, pb)) for k in range(STEPS + 1))


@cache
def _grid(exercise: str, start: str, end: str, fault: Fault | None, near: Side, view: View) -> Array:
    import numpy as np

    return np.stack([body_3d(points, near, view) for points in _path(exercise, start, end, fault)])


def _limb_raised(spec: PoseSpec, limb: str) -> bool:
    joints = getattr(spec, limb).joints
    return joints is not None and abs(joints[0]) > 90


def points_at(exercise: str, start: str, end: str, s: float, fault: Fault | None) -> dict[str, tuple[float, float]]:
    """The rig's points `s` of the way (0 to 1) from pose `start` to pose `end`."""
    path = _path(exercise, start, end, fault)
    s = max(0.0, min(1.0, s)) * STEPS
    k = min(int(s), STEPS - 1)
    u = s - k
    p0, p1 = path[k], path[k + 1]
    return {n: (p0[n][0] + (p1[n][0] - p0[n][0]) * u, p0[n][1] + (p1[n][1] - p0[n][1]) * u) for n in p0}


def bodies_at(exercise: str, start: str, end: str, s: Array, fault: Fault | None, near: Side, view: View) -> Array:
    """The 33 landmarks in 3D at each `s` (0 to 1) of the way from pose `start` to pose `end`."""
    import numpy as np

    grid = _grid(exercise, start, end, fault, near, view)
    pos = np.clip(s, 0.0, 1.0) * STEPS
    k = np.minimum(pos.astype(int), STEPS - 1)
    u = (pos - k)[:, None, None]
    out: Array = grid[k] * (1.0 - u) + grid[k + 1] * u
    return out


# Sessions


@dataclass(frozen=True)
class Options:
    """What a generated session may contain. The defaults are clean data; `noisy()` is the moderate noise the
    tests expect the counter to get right; the benchmark draws from the whole range."""

    reps: tuple[int, int] = (5, 30)
    noise_px: float = 0.0
    drop_rate: float = 0.0
    far_visibility: tuple[float, float] = (0.8, 0.95)
    partial_rate: float = 0.15
    fault_rate: float = 0.25
    wrong_view: bool = False
    fps: tuple[float, float] = (24.0, 30.0)
    roll: float = 0.0

    @staticmethod
    def noisy() -> Options:
        return Options(noise_px=1.5, drop_rate=0.04, roll=6.0, fps=(15.0, 30.0))


@dataclass
class _Move:
    end: str
    reach: float
    fault: str | None
    partial: bool
    go: float
    hold: float
    back: float
    rest: float


def _moves(spec: FigureSpec, rules: CameraRules, holds: bool, rng: random.Random, o: Options, reps: int) -> list[_Move]:
    rest_pose = spec.cycle[0].pose
    work_poses = [e.pose for e in spec.cycle if e.pose != rest_pose]
    codes = [f.code for f in rules.form]
    moves: list[_Move] = []
    done = 0
    while done < reps:
        end = work_poses[done % len(work_poses)]
        go = rng.uniform(0.8, 2.2)
        back = rng.uniform(0.8, 2.2)
        rest = rng.uniform(0.6, 1.6)
        if rng.random() < o.partial_rate:
            moves.append(
                _Move(end, rng.uniform(0.0, 1.0), None, True, go * 0.7, rng.uniform(0.3, 0.8), back * 0.7, rest)
            )
            continue
        fault = rng.choice(codes) if codes and rng.random() < o.fault_rate else None
        hold = rng.uniform(1.5, 8.0) if holds else rng.uniform(0.0, 0.4)
        reach = FAULTS[(spec.exercise, fault)].reach if fault else 1.0
        moves.append(_Move(end, reach, fault, False, go, hold, back, rest))
        done += 1
    return moves


def _partial_reach(
    exercise: str,
    rest: str,
    end: str,
    rules: CameraRules,
    camera: Camera,
    near: Side,
    frame: tuple[float, float],
    want: float,
) -> float:
    """How far along the path the signal first reaches `want` (a partial repetition stops there)."""
    import numpy as np

    assert rules.signal is not None
    assert rules.count is not None
    tilt, torso = frame
    grid = camera.project(_grid(exercise, rest, end, None, near, rules.view or "side"))
    values = oracle_signal(rules.signal, rules.count.work, grid, camera, near, tilt, torso)
    return float(np.argmin(np.abs(values - want))) / STEPS


def generate(
    exercise: str, rules: CameraRules, holds: bool, seed: int, options: Options | None = None
) -> dict[str, Any]:
    """One synthetic set of `exercise`, as the pose worker would report it frame by frame, with its ground truth.

    `frames` are compact: `[t_ms]` for a frame without a pose, else `[t_ms, x0, y0, z0, v0, x1, ...]` for the 33
    landmarks in order; `tests/js/camera_replay.mjs` turns them back into the worker's messages."""
    session, table = generate_table(exercise, rules, holds, seed, options)
    frames: list[list[float]] = []
    for row in table.tolist():
        frames.append([row[0]] if math.isnan(row[1]) else row)
    return {**session, "frames": frames}


def generate_table(
    exercise: str, rules: CameraRules, holds: bool, seed: int, options: Options | None = None
) -> tuple[dict[str, Any], Array]:
    """The set of `generate` without its frames, and the frames as one array of shape (frames, 133): the time in
    ms, then x, y, z and visibility of the 33 landmarks, NaN where the frame has no pose. The benchmark writes it
    as binary (JSON text of a few hundred sets took longer than counting them)."""
    import numpy as np

    o = options or Options()
    if not rules.reliable or rules.signal is None or rules.count is None:
        raise ValueError(f"{exercise}: its rule set has no reliable signal to generate for")
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    spec = figures()[exercise]
    view: View = rules.view or "side"
    near: Side = rng.choice(["left", "right"])
    rest_pose = spec.cycle[0].pose
    rest_points = place(resolve_pose(spec.poses[rest_pose]))
    standing = rest_points["shoulder"][1] > 100
    width, height = rng.choice([(640, 480), (1280, 720), (960, 540)])
    xs = [p[0] for p in rest_points.values()]
    camera = Camera(
        width=width,
        height=height,
        distance=rng.uniform(260.0, 340.0),
        lens_height=rng.uniform(80.0, 110.0) if standing else rng.uniform(15.0, 35.0),
        roll=rng.uniform(-o.roll, o.roll),
        yaw=rng.uniform(60.0, 85.0) * rng.choice([-1, 1]) if o.wrong_view else 0.0,
        centre_x=(min(xs) + max(xs)) / 2,
    )
    # The truth is what the right view would show: a wrong view must count nothing, whatever it sees.
    straight = replace(camera, yaw=0.0)
    fps = rng.uniform(*o.fps)
    moves = _moves(spec, rules, holds, rng, o, rng.randint(*o.reps))
    first = straight.project(body_3d(rest_points, near, view)[None])
    tilt = horizontal_of(first, straight, rules, near)
    torso = torso_of(first, straight, near)
    count = rules.count
    for m in moves:
        if m.partial:
            lo, hi = sorted((count.partial, count.enter))
            want = lo + (hi - lo) * (0.3 + 0.3 * m.reach)
            m.reach = _partial_reach(exercise, rest_pose, m.end, rules, straight, near, (tilt, torso), want)
    # The timeline, one stretch per row: start, end, reach at each end, path, move.
    stretches: list[tuple[float, float, float, float, tuple[str, str | None], int]] = []
    # Still at the start, as after the framing check: the view is judged (0.5 s), then the floor calibrated (1 s).
    t = rng.uniform(2.0, 3.0)
    stretches.append((0.0, t, 0.0, 0.0, (moves[0].end, None), -1))
    for i, m in enumerate(moves):
        for duration, r0, r1 in (
            (m.go, 0.0, m.reach),
            (m.hold, m.reach, m.reach),
            (m.back, m.reach, 0.0),
            (m.rest, 0.0, 0.0),
        ):
            stretches.append((t, t + duration, r0, r1, (m.end, m.fault), i))
            t += duration
    times = np.arange(0.0, t, 1.0 / fps)
    ends = np.array([row[1] for row in stretches])
    which = np.minimum(np.searchsorted(ends, times, side="right"), len(stretches) - 1)
    t0 = np.array([row[0] for row in stretches])[which]
    t1 = ends[which]
    from_reach = np.array([row[2] for row in stretches])[which]
    to_reach = np.array([row[3] for row in stretches])[which]
    u = np.clip((times - t0) / np.maximum(t1 - t0, 1e-9), 0.0, 1.0)
    reach = from_reach + (to_reach - from_reach) * u * u * (3.0 - 2.0 * u)
    bodies = np.empty((len(times), 33, 3))
    paths = sorted({row[4] for row in stretches}, key=str)
    path_of = np.array([paths.index(row[4]) for row in stretches])[which]
    for n, path in enumerate(paths):
        mask = path_of == n
        fault = FAULTS[(exercise, path[1])] if path[1] else None
        chosen = fault if fault is not None and fault.add else None
        bodies[mask] = bodies_at(exercise, rest_pose, path[0], reach[mask], chosen, near, view)
    signal = oracle_signal(rules.signal, count.work, straight.project(bodies), straight, near, tilt, torso)
    seen = camera.project(bodies)
    if o.noise_px:
        seen[..., 0] += nrng.normal(0.0, o.noise_px, seen.shape[:2]) / camera.width
        seen[..., 1] += nrng.normal(0.0, o.noise_px, seen.shape[:2]) / camera.height
    far_side = np.array([n.startswith("right" if near == "left" else "left") for n in NAMES])
    vis = np.where(far_side, rng.uniform(*o.far_visibility), 0.97)[None, :] + nrng.normal(0.0, 0.02, seen.shape[:2])
    rows = np.concatenate((seen, np.clip(vis, 0.0, 1.0)[..., None]), axis=2).reshape(len(times), 132).round(5)
    if o.drop_rate:
        # Each frame is lost with `drop_rate`, and a fifth of the losses start a burst of 0.1 to 0.4 s.
        lost = nrng.random(len(times)) < o.drop_rate
        bursts = np.flatnonzero(lost & (nrng.random(len(times)) < 0.2))
        ends = times[bursts] + nrng.uniform(0.1, 0.4, len(bursts))
        for start, end in zip(bursts.tolist(), ends.tolist(), strict=True):
            lost[start : int(np.searchsorted(times, end))] = True
        rows[lost] = np.nan
    table = np.concatenate(((times * 1000.0).round(1)[:, None], rows), axis=1)
    truth = _truth(rules, moves, signal, which, stretches, times, fps)
    truth["view_ok"] = not o.wrong_view
    session = {
        "exercise": exercise,
        "seed": seed,
        "side": near,
        "fps": fps,
        "width": width,
        "height": height,
        "truth": truth,
    }
    return session, table


def _truth(
    rules: CameraRules,
    moves: Sequence[_Move],
    signal: Array,
    which: Array,
    stretches: Sequence[tuple[float, float, float, float, tuple[str, str | None], int]],
    times: Array,
    fps: float,
) -> dict[str, Any]:
    import numpy as np

    assert rules.count is not None
    move_of = np.array([row[5] for row in stretches])[which]
    held = 0.0
    if rules.hold is not None:
        lo = rules.hold.low if rules.hold.low is not None else -math.inf
        hi = rules.hold.high if rules.hold.high is not None else math.inf
        held = float(np.count_nonzero((signal >= lo) & (signal <= hi))) / fps
    faults = []
    count = 0
    for i, m in enumerate(moves):
        if m.partial:
            continue
        count += 1
        if m.fault:
            when = times[move_of == i]
            faults.append({"rep": count, "code": m.fault, "t": round(float(when[len(when) // 2]), 3)})
    return {
        "reps": count,
        "partials": sum(1 for m in moves if m.partial),
        "held_seconds": round(held, 3),
        "faults": faults,
    }
