// Whether the camera sees the person well enough to coach an exercise's set-up, judged from one pose message of
// the pose worker (docs/camera.md, "Framing"). A pure function: no DOM, no clock, so node's test runner checks it
// on hand-made landmark sets.

// BlazePose's 33 landmarks, by index: the few the checks use.
const NOSE = 0;
const SHOULDERS = [11, 12];
const HIPS = [23, 24];
const KNEES = [25, 26];
const ANKLES = [27, 28];
// The names an exercise's set-up may list as `visible` (BlazePose's own, without the side), with their left and
// right landmarks and the part of the body whose words fit when they are out of the picture.
const JOINTS = {
  shoulder: [SHOULDERS, "trunk"],
  elbow: [[13, 14], "trunk"],
  wrist: [[15, 16], "trunk"],
  hip: [HIPS, "trunk"],
  knee: [KNEES, "feet"],
  ankle: [ANKLES, "feet"],
  heel: [[29, 30], "feet"],
  foot_index: [[31, 32], "feet"],
};

export const FRAMING = Object.freeze({
  // MediaPipe's visibility is the model's belief that a landmark is in the picture and not hidden; half is the
  // point at which it says "more likely seen than not".
  visibility: 0.5,
  // A joint within 2% of an edge is often cut by the edge itself (a foot whose toes are outside): keep a margin.
  margin: 0.02,
  // Side-on, the near and far shoulders (and hips) nearly overlap: their distance stays under a third of the
  // torso's length, where facing the camera it is about three quarters of it or more.
  sideOn: 0.35,
  facing: 0.5,
  // At floor height, a body lying down or on all fours runs across the picture; from higher up it slants.
  levelDegrees: 25,
});

const FLOOR = new Set(["supine", "prone", "side-lying", "quadruped"]);
const UPRIGHT = new Set(["standing", "seated", "kneeling"]);

// The view each position is coached from: side-on shows the bends of hips, knees and spine in every position but
// side-lying, whose leg raise goes up in front of the camera when the person faces it (or faces away).
export function viewFor(position) {
  return position === "side-lying" ? "front" : "side";
}

const WORDS = {
  "no-person": "Step into the picture so the camera can see all of you.",
  "feet-not-in-view": (up) => (up ? "Step back until your feet are in the picture." : "Move the camera further away until your feet are in the picture."),
  "head-not-in-view": (up) => (up ? "Step back until your head is in the picture." : "Move the camera further away until your head is in the picture."),
  "body-not-in-view": (up) => (up ? "Step back until your whole body is in the picture." : "Move the camera further away until your whole body is in the picture."),
  "not-centered": "Move to the middle of the picture.",
  "hidden": "Make sure nothing is between you and the camera, and that the room is well lit.",
  "turn-side-on": "Turn side-on to the camera.",
  "turn-to-face": "Turn to face the camera, or to face away from it.",
  "camera-too-high": "Put the camera on the floor, level with your body.",
};

function problem(code, upright) {
  const words = WORDS[code];
  return { code, words: typeof words === "function" ? words(upright) : words };
}

// The better seen of a left and right landmark: from the side, the far one is hidden and that is expected.
function nearer(landmarks, [left, right]) {
  return landmarks[left].visibility >= landmarks[right].visibility ? landmarks[left] : landmarks[right];
}

// x and y are normalized separately to the frame's width and height; distances and angles need pixels.
function pixels(point, width, height) {
  return { x: point.x * width, y: point.y * height };
}

function middle(landmarks, [a, b], width, height) {
  const p = pixels(landmarks[a], width, height);
  const q = pixels(landmarks[b], width, height);
  return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
}

function distance(p, q) {
  return Math.hypot(p.x - q.x, p.y - q.y);
}

// One pose message (`{width, height, landmarks}`) and an exercise's set-up (`{position, view?, visible?}`: the
// position, "side", "front" or "any" (by default the position's, see viewFor), and joints needed besides the
// whole body's nose, shoulders, hips, knees and ankles, such as "wrist" or "foot_index") in; out,
// `{ok, problems: [{code, words}]}` with the problems in the order to fix them: in view first, then turning, then
// the camera's height (turning and height cannot be judged on a body half out of the picture).
const POSITIONS = ["supine", "prone", "side-lying", "quadruped", "kneeling", "seated", "standing"];
const VIEWS = ["side", "front", "any"];

export function judgeFraming(pose, setup, limits = FRAMING) {
  const position = setup.position;
  if (!POSITIONS.includes(position)) {
    throw new Error(`framing: unknown position ${JSON.stringify(position)}; the positions are ${POSITIONS.join(", ")}`);
  }
  if (setup.view !== undefined && !VIEWS.includes(setup.view)) {
    throw new Error(`framing: unknown view ${JSON.stringify(setup.view)}; the views are ${VIEWS.join(", ")}`);
  }
  const upright = UPRIGHT.has(position);
  const landmarks = pose && pose.landmarks;
  if (!landmarks || landmarks.length !== 33) return { ok: false, problems: [problem("no-person", upright)] };
  const { width, height } = pose;
  const inside = (point) =>
    point.x >= limits.margin && point.x <= 1 - limits.margin && point.y >= limits.margin && point.y <= 1 - limits.margin;
  const seen = (point) => point.visibility >= limits.visibility;

  const head = [landmarks[NOSE]];
  const trunk = [nearer(landmarks, SHOULDERS), nearer(landmarks, HIPS)];
  const feet = [nearer(landmarks, KNEES), nearer(landmarks, ANKLES)];
  const parts = { head, trunk, feet };
  for (const name of setup.visible || []) {
    if (!(name in JOINTS)) {
      throw new Error(`framing: unknown joint ${JSON.stringify(name)} in visible; the joints are ${Object.keys(JOINTS).join(", ")}`);
    }
    const [pair, part] = JOINTS[name];
    parts[part].push(nearer(landmarks, pair));
  }
  const out = Object.fromEntries(Object.entries(parts).map(([name, points]) => [name, points.some((p) => !inside(p))]));
  const unseen = Object.values(parts).flat().some((p) => inside(p) && !seen(p));

  const problems = [];
  const cut = out.head || out.trunk || out.feet;
  if (cut) {
    // A part beyond the left or right edge only, with the rest in: moving sideways fixes it, not stepping back.
    const all = Object.values(parts).flat();
    const sideways = all.every((p) => p.y >= limits.margin && p.y <= 1 - limits.margin);
    const spread = Math.max(...all.map((p) => p.x)) - Math.min(...all.map((p) => p.x));
    if (sideways && spread < 1 - 2 * limits.margin) problems.push(problem("not-centered", upright));
    else if (out.trunk || (out.head && out.feet)) problems.push(problem("body-not-in-view", upright));
    else if (out.feet) problems.push(problem("feet-not-in-view", upright));
    else problems.push(problem("head-not-in-view", upright));
    return { ok: false, problems };
  }
  if (unseen) return { ok: false, problems: [problem("hidden", upright)] };

  const shoulders = middle(landmarks, SHOULDERS, width, height);
  const hips = middle(landmarks, HIPS, width, height);
  const torso = distance(shoulders, hips);
  const across = Math.max(
    distance(pixels(landmarks[SHOULDERS[0]], width, height), pixels(landmarks[SHOULDERS[1]], width, height)),
    distance(pixels(landmarks[HIPS[0]], width, height), pixels(landmarks[HIPS[1]], width, height)),
  );
  const view = setup.view || viewFor(position);
  if (view === "side" && across > limits.sideOn * torso) problems.push(problem("turn-side-on", upright));
  if (view === "front" && across < limits.facing * torso) problems.push(problem("turn-to-face", upright));

  if (FLOOR.has(position)) {
    // On all fours the legs fold under the body, so the torso is the long axis; lying down, shoulders to feet.
    const end = position === "quadruped" ? hips : middle(landmarks, ANKLES, width, height);
    const slant = (Math.atan2(Math.abs(end.y - shoulders.y), Math.abs(end.x - shoulders.x)) * 180) / Math.PI;
    if (slant > limits.levelDegrees) problems.push(problem("camera-too-high", upright));
  }
  return { ok: problems.length === 0, problems };
}
