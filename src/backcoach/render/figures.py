"""Self-contained SVG drawings of the exercise figures: animated (SMIL) or still, plus an HTML gallery.

No scripts and no external references: each file is a few kilobytes, carries a <title> and <desc> for screen
readers, and uses mid-tone colors on a transparent background so it reads on light and dark pages alike.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from backcoach.domain.catalogue import Exercise
from backcoach.domain.timeline import resolve
from backcoach.render.kinematics import HEAD_RADIUS, Figure, FigureSpec, Point, Pose, Prop, exercise_figure, place, unit

# The view, in centimeters: x from X0, y from the floor's Y0 up, for every figure alike.
X0, Y0, WIDTH, HEIGHT = -15.0, -8.0, 255.0, 200.0

TRUNK = "#2f9e6e"
NEAR = "#e8663c"
FAR = "#2f80c0"
PROP = "#8c8c8c"
MAT = "#6fa8a0"

Frame = Literal["start", "hold", "end"]
FRAMES: tuple[Frame, ...] = ("start", "hold", "end")


def figure_of(exercise: Exercise, spec: FigureSpec) -> Figure:
    """The figure at the exercise's default dose and tempo."""
    return exercise_figure(spec, resolve(exercise.prescription), exercise.tempo.rep_s, exercise.tempo.relax_s)


@dataclass(frozen=True)
class View:
    """Model centimeters to SVG units. The height is per figure (exercises on the floor need less room)."""

    height: float = HEIGHT

    @property
    def top(self) -> float:
        return Y0 + self.height

    def xy(self, p: Point) -> str:
        return f"{p[0] - X0:.1f},{self.top - p[1]:.1f}"

    def sx(self, x: float) -> float:
        return round(x - X0, 1)

    def sy(self, y: float) -> float:
        return round(self.top - y, 1)

    def contains(self, p: Point, margin: float = 0.0) -> bool:
        return X0 + margin <= p[0] <= X0 + WIDTH - margin and Y0 + margin <= p[1] <= self.top - margin


@dataclass(frozen=True)
class _Shapes:
    """The moving parts of one moment, as SVG attribute values."""

    trunk: str
    head_cx: float
    head_cy: float
    eye_cx: float
    eye_cy: float
    near_arm: str
    far_arm: str
    near_leg: str
    far_leg: str
    bell_cx: float
    bell_cy: float


def _shapes(pose: Pose, v: View) -> _Shapes:
    pts = place(pose)
    front = pose.torso - 90.0
    # The front of the trunk bulges a little; the belly value draws it in or pushes it out.
    lb, sh = pts["lower_back"], pts["shoulder"]
    mid = ((lb[0] + sh[0]) / 2, (lb[1] + sh[1]) / 2)
    bulge = 3.0 + 4.0 * pose.belly
    ctrl = (mid[0] + unit(front)[0] * bulge, mid[1] + unit(front)[1] * bulge)
    trunk = f"M{v.xy(pts['hip'])} L{v.xy(lb)} Q{v.xy(ctrl)} {v.xy(sh)} L{v.xy(pts['head_base'])}"
    head = pts["head_centre"]
    # The eye sits toward the face; turning the head away slides it back toward the middle of the head.
    face = unit(pose.head - 90.0)
    reach = 6.0 * math.cos(math.radians(pose.turn))
    up = unit(pose.head)
    eye = (head[0] + face[0] * reach + up[0] * 2.0, head[1] + face[1] * reach + up[1] * 2.0)
    hand = pts["near_hand"]
    return _Shapes(
        trunk=trunk,
        head_cx=v.sx(head[0]),
        head_cy=v.sy(head[1]),
        eye_cx=v.sx(eye[0]),
        eye_cy=v.sy(eye[1]),
        near_arm=" ".join(v.xy(pts[k]) for k in ("shoulder", "near_elbow", "near_wrist", "near_hand")),
        far_arm=" ".join(v.xy(pts[k]) for k in ("shoulder", "far_elbow", "far_wrist", "far_hand")),
        near_leg=" ".join(v.xy(pts[k]) for k in ("hip", "near_knee", "near_ankle", "near_toe")),
        far_leg=" ".join(v.xy(pts[k]) for k in ("hip", "far_knee", "far_ankle", "far_toe")),
        bell_cx=v.sx(hand[0]),
        bell_cy=v.sy(hand[1] - 11.0),
    )


def _animate(attribute: str, values: Sequence[object], key_times: str, duration: float) -> str:
    joined = ";".join(str(v) for v in values)
    return (
        f'<animate attributeName="{attribute}" dur="{duration:.2f}s" repeatCount="indefinite" '
        f'keyTimes="{key_times}" values="{joined}"/>'
    )


def _props(props: Iterable[Prop], v: View) -> list[str]:
    out = [f'<line x1="0" y1="{v.sy(0)}" x2="{WIDTH}" y2="{v.sy(0)}" stroke="{PROP}" stroke-width="1.5"/>']
    for prop in props:
        if prop.kind == "mat":
            out.append(
                f'<rect x="{v.sx(prop.x)}" y="{v.sy(1.5)}" width="{prop.width}" height="1.5" rx="0.7" fill="{MAT}"/>'
            )
        elif prop.kind == "chair":
            seat_top, depth = 45.0, 42.0
            back_x = prop.x
            front_x = back_x + depth
            out += [
                f'<rect x="{v.sx(back_x)}" y="{v.sy(seat_top)}" width="{depth}" height="4" rx="1" fill="{PROP}"/>',
                f'<rect x="{v.sx(back_x - 4)}" y="{v.sy(seat_top + prop.back)}" width="4" height="{prop.back + 4}" '
                f'rx="1" fill="{PROP}"/>',
                f'<line x1="{v.sx(back_x)}" y1="{v.sy(seat_top - 4)}" x2="{v.sx(back_x)}" y2="{v.sy(0)}" '
                f'stroke="{PROP}" stroke-width="3"/>',
                f'<line x1="{v.sx(front_x - 2)}" y1="{v.sy(seat_top - 4)}" x2="{v.sx(front_x - 2)}" y2="{v.sy(0)}" '
                f'stroke="{PROP}" stroke-width="3"/>',
            ]
        elif prop.kind == "wall":
            left = prop.x - 12 if prop.side == "left" else prop.x
            out.append(f'<rect x="{v.sx(left)}" y="0" width="12" height="{v.sy(0)}" fill="{PROP}"/>')
    return out


# The body's limbs and trunk are round-ended unfilled strokes, set once on the group that holds them (the circles
# bring their own fill).
LINES = 'fill="none" stroke-linecap="round" stroke-linejoin="round"'
# An animated figure also carries its hold frame, shown instead of the animation when the person asks for less
# motion. SMIL animations cannot be paused from CSS, so the style swaps the two groups; without the style (an SVG
# opened on its own is under the app's CSP, which blocks inline styles) the still keeps its display="none" and the
# figure moves as before.
REDUCED_MOTION_STYLE = (
    "<style>@media (prefers-reduced-motion: reduce){.moving{display:none}.still{display:inline}}</style>"
)


def svg(
    exercise: Exercise,
    spec: FigureSpec,
    *,
    frame: Frame | None = None,
    per_move: int = 3,
) -> str:
    """The exercise's figure as an SVG document: looping through its cycle (with its hold frame for reduced
    motion), or still at one key frame."""
    view = View(spec.view_height)
    fig = figure_of(exercise, spec)
    kettlebell = any(p.kind == "kettlebell" for p in spec.props)
    animated = frame is None
    title = html.escape(f"{exercise.name}: animated figure" if animated else f"{exercise.name}: {frame} position")
    side = {"left": "left side", "right": "right side", "both": "both sides in turn"}[spec.side]
    desc = html.escape(f"{spec.desc} Shown from the side, working the {side}.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {view.height:g}" role="img" '
        f'aria-labelledby="t d">',
        f'<title id="t">{title}</title>',
        f'<desc id="d">{desc}</desc>',
        *_props(spec.props, view),
    ]
    if frame is None:
        times = fig.sample_times(per_move)
        moving = [_shapes(fig.pose_at(t), view) for t in times]
        key_times = ";".join(f"{t / fig.duration:.4f}".rstrip("0").rstrip(".") or "0" for t in times)
        hold = _shapes(fig.pose_at(fig.key_times()["hold"]), view)
        parts = [
            *parts[:3],
            REDUCED_MOTION_STYLE,
            *parts[3:],
            f'<g class="moving" {LINES}>',
            *_body(moving, kettlebell, key_times, fig.duration),
            "</g>",
            f'<g class="still" display="none" {LINES}>',
            *_body([hold], kettlebell, "", fig.duration),
            "</g>",
        ]
    else:
        still = _shapes(fig.pose_at(fig.key_times()[frame]), view)
        parts += [f"<g {LINES}>", *_body([still], kettlebell, "", fig.duration), "</g>"]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _body(shapes: Sequence[_Shapes], kettlebell: bool, key_times: str, duration: float) -> list[str]:
    """The body's shapes, moving through `shapes` (one shape: still)."""

    def attr(name: str, values: Sequence[object]) -> tuple[str, str]:
        """The attribute with its first value, and the animation element for it (empty when it never changes)."""
        if len(set(values)) == 1:
            return f'{name}="{values[0]}"', ""
        return f'{name}="{values[0]}"', _animate(name, values, key_times, duration)

    def polyline(points: Sequence[str], color: str, width: float, opacity: float = 1.0) -> str:
        first, anim = attr("points", points)
        fade = f' stroke-opacity="{opacity}"' if opacity < 1 else ""
        return f'<polyline {first} stroke="{color}" stroke-width="{width}"{fade}>{anim}</polyline>'

    trunk_d, trunk_anim = attr("d", [s.trunk for s in shapes])
    hx, hx_anim = attr("cx", [s.head_cx for s in shapes])
    hy, hy_anim = attr("cy", [s.head_cy for s in shapes])
    ex, ex_anim = attr("cx", [s.eye_cx for s in shapes])
    ey, ey_anim = attr("cy", [s.eye_cy for s in shapes])
    parts = [
        polyline([s.far_leg for s in shapes], FAR, 7, 0.85),
        polyline([s.far_arm for s in shapes], FAR, 6, 0.85),
        f'<path {trunk_d} stroke="{TRUNK}" stroke-width="12">{trunk_anim}</path>',
        f'<circle {hx} {hy} r="{HEAD_RADIUS:g}" fill="{TRUNK}">{hx_anim}{hy_anim}</circle>',
        f'<circle {ex} {ey} r="1.8" fill="#ffffff">{ex_anim}{ey_anim}</circle>',
        polyline([s.near_leg for s in shapes], NEAR, 8),
        polyline([s.near_arm for s in shapes], NEAR, 7),
    ]
    if kettlebell:
        bx, bx_anim = attr("cx", [s.bell_cx for s in shapes])
        by, by_anim = attr("cy", [s.bell_cy for s in shapes])
        parts.append(f'<circle {bx} {by} r="8" fill="{PROP}">{bx_anim}{by_anim}</circle>')
    return parts


def gallery(entries: Mapping[str, str], names: Mapping[str, str]) -> str:
    """An index.html that shows every figure file (id -> file name) with its name."""
    cards = "\n".join(
        f'<figure><img src="{html.escape(file)}" alt="{html.escape(names.get(ex, ex))}: animated figure" '
        f'width="255" height="200"><figcaption>{html.escape(names.get(ex, ex))}</figcaption></figure>'
        for ex, file in entries.items()
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>backcoach exercise figures</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #1c1c1c; }} }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; }}
figure {{ margin: 0; padding: .5rem; border: 1px solid #8884; border-radius: .5rem; }}
img {{ width: 100%; height: auto; }}
figcaption {{ text-align: center; font-weight: 600; }}
</style>
</head>
<body>
<h1>backcoach exercise figures</h1>
<p>Each figure loops through its exercise at the default dose's tempo. backcoach is not medical advice.</p>
<main>
{cards}
</main>
</body>
</html>
"""
