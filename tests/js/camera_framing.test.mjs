// framing.js on hand-made landmark sets: a body drawn joint by joint in the picture, moved, turned and cut by the
// frame's edges. Run through tests/test_camera_framing.py, or: node --test tests/js/camera_framing.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";

import { FRAMING, judgeFraming, viewFor } from "../../src/backcoach/web/static/js/camera/framing.js";

const LEFT = { shoulder: 11, elbow: 13, wrist: 15, hip: 23, knee: 25, ankle: 27, heel: 29, toe: 31 };
const RIGHT = { shoulder: 12, elbow: 14, wrist: 16, hip: 24, knee: 26, ankle: 28, heel: 30, toe: 32 };

// A body from its joints' positions (normalized to the frame, as MediaPipe gives them): `near` and `far` map a joint
// name to [x, y]; the face's points sit at the nose. `farVisibility` is how well the model sees the far side.
function body({ nose, near, far, width = 640, height = 480, visibility = 0.99, farVisibility = visibility }) {
  const landmarks = Array.from({ length: 33 }, () => ({ x: nose[0], y: nose[1], z: 0, visibility }));
  for (const [name, [x, y]] of Object.entries(near)) landmarks[LEFT[name]] = { x, y, z: 0, visibility };
  for (const [name, [x, y]] of Object.entries(far)) landmarks[RIGHT[name]] = { x, y, z: 0.2, visibility: farVisibility };
  return { type: "pose", t: 0, width, height, landmarks, ms: 20 };
}

// Standing, seen from the side: near and far joints almost on top of each other.
function standingSideOn(dx = 0, dy = 0, options = {}) {
  const at = (x, y) => [x + dx, y + dy];
  const joints = (o) => ({
    shoulder: at(0.5 + o, 0.25), elbow: at(0.5 + o, 0.38), wrist: at(0.5 + o, 0.5), hip: at(0.5 + o, 0.52),
    knee: at(0.5 + o, 0.7), ankle: at(0.5 + o, 0.87), heel: at(0.48 + o, 0.89), toe: at(0.55 + o, 0.89),
  });
  return body({ nose: at(0.53, 0.14), near: joints(0), far: joints(0.01), ...options });
}

// Standing, facing the camera: shoulders and hips spread across the picture.
function standingFacing() {
  const joints = (side) => ({
    shoulder: [0.5 + side * 0.09, 0.25], elbow: [0.5 + side * 0.11, 0.38], wrist: [0.5 + side * 0.12, 0.5],
    hip: [0.5 + side * 0.06, 0.52], knee: [0.5 + side * 0.06, 0.7], ankle: [0.5 + side * 0.06, 0.87],
    heel: [0.5 + side * 0.06, 0.89], toe: [0.5 + side * 0.06, 0.9],
  });
  return body({ nose: [0.5, 0.14], near: joints(1), far: joints(-1) });
}

// Lying on the back, seen from the side at floor height, turned by `degrees` in the picture (a camera up high sees
// the body slant).
function lyingSideOn(degrees = 0, { stretch = 1, position = "supine" } = {}) {
  const turn = (degrees * Math.PI) / 180;
  const at = (x, y) => {
    const [cx, cy] = [0.5, 0.7];
    const [u, v] = [(x - cx) * stretch, y - cy];
    return [cx + u * Math.cos(turn) - v * Math.sin(turn), cy + u * Math.sin(turn) + v * Math.cos(turn)];
  };
  const joints = (o) => ({
    shoulder: at(0.25, 0.7 + o), elbow: at(0.35, 0.72 + o), wrist: at(0.45, 0.72 + o), hip: at(0.52, 0.7 + o),
    knee: at(0.68, 0.7 + o), ankle: at(0.84, 0.7 + o), heel: at(0.85, 0.71 + o), toe: at(0.86, 0.66 + o),
  });
  return { pose: body({ nose: at(0.15, 0.66), near: joints(0), far: joints(0.01) }), setup: { position } };
}

const codes = (verdict) => verdict.problems.map((p) => p.code);

test("no person, or not a whole BlazePose body, is not framed", () => {
  for (const pose of [null, { width: 640, height: 480, landmarks: null }, { width: 640, height: 480, landmarks: [] }]) {
    const verdict = judgeFraming(pose, { position: "standing" });
    assert.equal(verdict.ok, false);
    assert.deepEqual(codes(verdict), ["no-person"]);
    assert.match(verdict.problems[0].words, /Step into the picture/);
  }
  const seventeen = standingSideOn();
  seventeen.landmarks = seventeen.landmarks.slice(0, 17);
  assert.deepEqual(codes(judgeFraming(seventeen, { position: "standing" })), ["no-person"]);
});

test("standing side-on with the whole body in the picture is framed", () => {
  assert.deepEqual(judgeFraming(standingSideOn(), { position: "standing" }), { ok: true, problems: [] });
});

test("the far side hidden behind the body is expected from the side", () => {
  const verdict = judgeFraming(standingSideOn(0, 0, { farVisibility: 0.1 }), { position: "standing" });
  assert.equal(verdict.ok, true);
});

test("feet below the frame: step back until the feet are in", () => {
  const verdict = judgeFraming(standingSideOn(0, 0.12), { position: "standing" });
  assert.deepEqual(codes(verdict), ["feet-not-in-view"]);
  assert.equal(verdict.problems[0].words, "Step back until your feet are in the picture.");
});

test("a foot within the margin of the edge counts as out", () => {
  const pose = standingSideOn();
  pose.landmarks[LEFT.ankle].y = 1 - FRAMING.margin / 2;
  assert.deepEqual(codes(judgeFraming(pose, { position: "standing" })), ["feet-not-in-view"]);
});

test("head above the frame: step back until the head is in", () => {
  const verdict = judgeFraming(standingSideOn(0, -0.15), { position: "standing" });
  assert.deepEqual(codes(verdict), ["head-not-in-view"]);
  assert.equal(verdict.problems[0].words, "Step back until your head is in the picture.");
});

test("head and feet out at once: the whole body", () => {
  const pose = standingSideOn();
  pose.landmarks[0].y = -0.05;
  pose.landmarks[LEFT.ankle].y = 1.05;
  pose.landmarks[RIGHT.ankle].y = 1.05;
  assert.deepEqual(codes(judgeFraming(pose, { position: "standing" })), ["body-not-in-view"]);
});

test("out past a side edge only: move to the middle", () => {
  const verdict = judgeFraming(standingSideOn(-0.5), { position: "standing" });
  assert.deepEqual(codes(verdict), ["not-centered"]);
  assert.equal(verdict.problems[0].words, "Move to the middle of the picture.");
});

test("a needed joint in the picture but unseen (hidden, or the room too dark) is named", () => {
  const pose = standingSideOn();
  pose.landmarks[LEFT.knee].visibility = 0.2;
  pose.landmarks[RIGHT.knee].visibility = 0.3;
  assert.deepEqual(codes(judgeFraming(pose, { position: "standing" })), ["hidden"]);
});

test("facing the camera when side-on is needed: turn side-on", () => {
  const verdict = judgeFraming(standingFacing(), { position: "standing" });
  assert.deepEqual(codes(verdict), ["turn-side-on"]);
  assert.equal(verdict.problems[0].words, "Turn side-on to the camera.");
  assert.equal(judgeFraming(standingFacing(), { position: "standing", view: "any" }).ok, true);
});

test("widths and lengths are compared in pixels, not in the separately normalized x and y", () => {
  // The same normalized points: shoulders 0.1 apart across, the torso 0.27 down. On a tall frame the shoulders are
  // close together (side-on); on a wide one they are far apart (facing).
  const pose = (width, height) => {
    const p = standingSideOn(0, 0, { width, height });
    p.landmarks[RIGHT.shoulder].x = p.landmarks[LEFT.shoulder].x + 0.1;
    return p;
  };
  assert.equal(judgeFraming(pose(480, 1920), { position: "standing" }).ok, true);
  assert.deepEqual(codes(judgeFraming(pose(1920, 480), { position: "standing" })), ["turn-side-on"]);
});

test("lying down, side-on, with the camera at floor height is framed", () => {
  const { pose, setup } = lyingSideOn();
  assert.deepEqual(judgeFraming(pose, setup), { ok: true, problems: [] });
});

test("lying down seen from a camera up high (the body slants): put the camera on the floor", () => {
  for (const degrees of [35, -40]) {
    const { pose, setup } = lyingSideOn(degrees);
    const verdict = judgeFraming(pose, setup);
    assert.deepEqual(codes(verdict), ["camera-too-high"], `${degrees} degrees`);
    assert.equal(verdict.problems[0].words, "Put the camera on the floor, level with your body.");
  }
  // Within the limit: a camera a little off level still coaches.
  const { pose, setup } = lyingSideOn(FRAMING.levelDegrees - 5);
  assert.equal(judgeFraming(pose, setup).ok, true);
});

test("lying down with the feet out of the picture: move the camera, not the person", () => {
  const { pose, setup } = lyingSideOn(0, { stretch: 1.5 });
  const verdict = judgeFraming(pose, setup);
  assert.equal(verdict.ok, false);
  assert.match(verdict.problems[0].words, /^Move the camera further away until your (feet|whole body) are|is in/);
});

test("on all fours the torso is the long axis, so folded legs do not read as a slant", () => {
  const { pose } = lyingSideOn();
  for (const landmarks of [LEFT, RIGHT]) {
    pose.landmarks[landmarks.knee] = { ...pose.landmarks[landmarks.hip], y: 0.9 };
    pose.landmarks[landmarks.ankle] = { ...pose.landmarks[landmarks.knee], x: 0.55, y: 0.95 };
  }
  assert.equal(judgeFraming(pose, { position: "quadruped" }).ok, true);
  assert.deepEqual(codes(judgeFraming(pose, { position: "supine" })), ["camera-too-high"]);
});

test("side-lying is coached facing the camera: side-on there asks the person to turn", () => {
  assert.equal(viewFor("side-lying"), "front");
  const { pose } = lyingSideOn(0, { position: "side-lying" });
  const verdict = judgeFraming(pose, { position: "side-lying" });
  assert.deepEqual(codes(verdict), ["turn-to-face"]);
  // Lying on one side facing the camera: shoulders and hips stacked one above the other, about three quarters of
  // the torso's length apart.
  for (const name of ["shoulder", "hip"]) {
    pose.landmarks[RIGHT[name]] = { ...pose.landmarks[LEFT[name]], y: pose.landmarks[LEFT[name]].y - 0.25 };
  }
  assert.equal(judgeFraming(pose, { position: "side-lying" }).ok, true);
});

test("joints an exercise names as visible are needed too, and a set-up with unknown names is refused", () => {
  const pose = standingSideOn();
  // Arms stretched overhead, wrists out of the top of the picture: fine for the whole body, not for a set-up
  // that needs the wrists.
  for (const wrist of [LEFT.wrist, RIGHT.wrist]) pose.landmarks[wrist].y = -0.05;
  assert.equal(judgeFraming(pose, { position: "standing" }).ok, true);
  assert.deepEqual(codes(judgeFraming(pose, { position: "standing", visible: ["wrist"] })), ["body-not-in-view"]);
  for (const toe of [LEFT.toe, RIGHT.toe]) pose.landmarks[toe].visibility = 0.1;
  assert.deepEqual(codes(judgeFraming(pose, { position: "standing", visible: ["foot_index"] })), ["hidden"]);
  assert.throws(
    () => judgeFraming(pose, { position: "lying" }),
    /unknown position "lying"; the positions are supine, prone, side-lying, quadruped, kneeling, seated, standing/,
  );
  assert.throws(() => judgeFraming(pose, { position: "standing", view: "top" }), /unknown view "top"; the views are side, front, any/);
  assert.throws(
    () => judgeFraming(pose, { position: "standing", visible: ["spine"] }),
    /unknown joint "spine" in visible; the joints are shoulder, elbow, wrist, hip, knee, ankle, heel, foot_index/,
  );
});

test("every problem has plain words, and ok means no problems", () => {
  const poses = [standingSideOn(0, 0.12), standingSideOn(0, -0.15), standingSideOn(-0.5), standingFacing()];
  for (const pose of poses) {
    const verdict = judgeFraming(pose, { position: "standing" });
    assert.equal(verdict.ok, verdict.problems.length === 0);
    for (const { code, words } of verdict.problems) {
      assert.match(code, /^[a-z-]+$/);
      assert.match(words, /^[A-Z][^_{}]*\.$/);
    }
  }
});
