// signals.js against synthetic sessions with their ground truth (written by tests/test_camera_signals.py into the
// file CAMERA_CASES), plus hand-made checks of the geometry, the hold's dropout tolerance and the cue cool-down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { replay } from "./camera_replay.mjs";
import { angleAt, pixel, createTracker, CUE_COOLDOWN_S, LANDMARKS } from "../../src/backcoach/web/static/js/camera/signals.js";

const cases = process.env.CAMERA_CASES ? JSON.parse(readFileSync(process.env.CAMERA_CASES, "utf8")) : [];

function faultCounts(truth) {
  const counts = {};
  for (const f of truth.faults) counts[f.code] = (counts[f.code] ?? 0) + 1;
  return counts;
}

function checkCues(events) {
  const cues = events.filter((e) => e.type === "cue");
  for (let i = 1; i < cues.length; i++) {
    assert.ok(cues[i].t - cues[i - 1].t >= CUE_COOLDOWN_S - 1e-9, "cues keep their cool-down");
  }
  let sinceRep = 0;
  for (const e of events) {
    if (e.type === "rep") sinceRep = 0;
    if (e.type === "cue") assert.ok(++sinceRep <= 1, "at most one cue per repetition");
  }
}

function checkHold(c, summary) {
  if (!c.rules.hold) return;
  const holds = Math.max(1, c.session.truth.reps);
  const error = Math.abs(summary.heldSeconds - c.session.truth.held_seconds);
  assert.ok(error <= 0.3 * holds, `held ${summary.heldSeconds} s, truly ${c.session.truth.held_seconds} s`);
}

for (const c of cases) {
  const { session, rules } = c;
  const name = `${session.exercise} ${c.kind} (seed ${session.seed}, ${session.truth.reps} reps)`;
  test(name, () => {
    const { summary, events } = replay(session, rules, c.side ?? session.side);
    const truth = session.truth;
    if (c.kind === "wrong-view") {
      assert.ok(events.some((e) => e.type === "view" && e.ok === false && e.words.length > 0), "says the view is wrong");
      assert.equal(summary.reps, 0, "counts nothing from a wrong angle");
      return;
    }
    assert.ok(!events.some((e) => e.type === "view" && !e.ok), "the right view is never called wrong");
    assert.equal(summary.reps, truth.reps, "repetitions");
    const reps = events.filter((e) => e.type === "rep").map((e) => e.count);
    assert.deepEqual(reps, Array.from({ length: truth.reps }, (_, i) => i + 1), "each repetition counted once, in order");
    assert.deepEqual(summary.flags, faultCounts(truth), "form faults");
    if (c.kind === "clean") assert.equal(summary.partials, truth.partials, "partial repetitions");
    checkHold(c, summary);
    checkCues(events);
  });
}

test("angles are taken in pixels, not in the separately normalized coordinates", () => {
  // On a 1280x720 frame, a right angle in pixels is not one in normalized units.
  const pose = { width: 1280, height: 720, landmarks: Array.from({ length: 33 }, () => ({ x: 0, y: 0, visibility: 1 })) };
  pose.landmarks[11] = { x: 0.5, y: 0.5 - 200 / 720, visibility: 1 }; // left shoulder, 200 px above the hip
  pose.landmarks[23] = { x: 0.5, y: 0.5, visibility: 1 }; // left hip
  pose.landmarks[25] = { x: 0.5 + 200 / 1280, y: 0.5, visibility: 1 }; // left knee, 200 px beside it
  const a = pixel(pose, "left_shoulder"), b = pixel(pose, "left_hip"), k = pixel(pose, "left_knee");
  assert.ok(Math.abs(angleAt(a, b, k) - 90) < 1e-9);
});

test("an unreliable rule set counts nothing and says so", () => {
  const tracker = createTracker({ reliable: false, reason: "follow the timer." }, { side: "left" });
  assert.equal(tracker.reliable, false);
  assert.deepEqual(tracker.update({ t: 0, width: 640, height: 480, landmarks: null }), []);
  assert.deepEqual(tracker.summary(), { reps: 0, partials: 0, heldSeconds: 0, flags: {} });
});

const clean = cases.find((c) => c.kind === "clean" && c.rules.hold && c.session.exercise === "bridge");

function withGap(c, seconds) {
  // Drop `seconds` of frames from the middle of the first long hold.
  const { events } = replay(c.session, c.rules);
  const start = events.find((e) => e.type === "hold" && e.holding && e.seconds >= 1);
  const stop = events.find((e) => e.type === "hold" && !e.holding && e.t > start.t);
  assert.ok(stop.t - start.t > seconds + 0.5, "the hold is long enough to cut");
  const from = start.t * 1000, to = from + seconds * 1000;
  const frames = c.session.frames.map((f) => (f[0] >= from && f[0] < to ? [f[0]] : f));
  return { before: replay(c.session, c.rules), after: replay({ ...c.session, frames }, c.rules), from, to };
}

test("a hold survives a loss of tracking under half a second", { skip: !clean }, () => {
  const { before, after } = withGap(clean, 0.3);
  assert.equal(after.summary.reps, before.summary.reps);
  assert.ok(Math.abs(after.summary.heldSeconds - before.summary.heldSeconds) < 0.1);
  const drops = (r) => r.events.filter((e) => e.type === "hold" && !e.holding).length;
  assert.equal(drops(after), drops(before), "no extra pause reported");
});

test("a hold pauses, and says so, when tracking is lost for longer", { skip: !clean }, () => {
  const { before, after } = withGap(clean, 0.9);
  const drops = (r) => r.events.filter((e) => e.type === "hold" && !e.holding).length;
  assert.equal(drops(after), drops(before) + 1, "the pause is reported");
  assert.ok(before.summary.heldSeconds - after.summary.heldSeconds >= 0.5, "the lost time is not held time");
});

// A standing body drawn by hand, side-on on a 640x480 frame, the device tilted by `roll` degrees; `lift` raises the
// heel and the ankle of the sides listed in `rising` by that many pixels, and `seen` gives each side's visibility.
function standing({ lift = 0, rising = ["left", "right"], seen = { left: 1, right: 1 }, roll = 0 }) {
  const at = { shoulder: [320, 100], hip: [320, 300], knee: [325, 380], ankle: [320, 440], heel: [310, 455], foot_index: [345, 456] };
  const turn = (roll * Math.PI) / 180;
  const landmarks = Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.2, z: 0, visibility: 1 }));
  for (const side of ["left", "right"]) {
    for (const [name, [x, y0]] of Object.entries(at)) {
      const y = y0 - (rising.includes(side) && (name === "heel" || name === "ankle") ? lift : 0);
      const [dx, dy] = [x - 320, y - 240];
      const px = 320 + dx * Math.cos(turn) - dy * Math.sin(turn), py = 240 + dx * Math.sin(turn) + dy * Math.cos(turn);
      landmarks[LANDMARKS[`${side}_${name}`]] = { x: px / 640, y: py / 480, z: 0, visibility: seen[side] };
    }
  }
  return landmarks;
}

const heelRaise = {
  reliable: true, view: "side", visible: ["heel", "ankle", "foot_index", "shoulder", "hip"],
  horizontal: ["heel", "foot_index"], smoothing_s: 0.15, signal: { kind: "rise", points: ["heel", "ankle"] },
  count: { work: "above", enter: 0.07, exit: 0.02, partial: 0.035 }, form: [],
};

// Two seconds standing still, then one raise of `lift` pixels (a torso is 200): up in 1 s, held 1 s, down in 1 s.
function raise(options, after = {}) {
  const tracker = createTracker(heelRaise, { side: "left" });
  for (let k = 0; k <= 6 * 30; k++) {
    const t = k / 30;
    const u = t < 2 ? 0 : t < 3 ? t - 2 : t < 4 ? 1 : t < 5 ? 5 - t : 0;
    const now = t < 2 ? options : { ...options, ...after };
    tracker.update({ t: t * 1000, width: 640, height: 480, landmarks: standing({ ...now, lift: u * options.lift }) });
  }
  return tracker.summary();
}

test("a rise is counted from the start position, across a tilted device's floor", () => {
  assert.equal(raise({ lift: 36 }).reps, 1); // 0.18 torso lengths, a full raise
  assert.equal(raise({ lift: 36, roll: 8 }).reps, 1);
  assert.equal(raise({ lift: 10 }).reps, 0); // 0.05: a partial raise
  assert.equal(raise({ lift: 10 }).partials, 1);
});

test("a side not seen in the start position is never read for a rise", () => {
  // The far side, hidden while the start was calibrated, is the only side seen while it rises: nothing counts.
  const summary = raise({ lift: 36, seen: { left: 1, right: 0.1 } }, { seen: { left: 0.1, right: 1 } });
  assert.equal(summary.reps, 0);
});
