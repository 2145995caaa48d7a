// signals.js against synthetic sessions with their ground truth (written by tests/test_camera_signals.py into the
// file CAMERA_CASES), plus hand-made checks of the geometry, the hold's dropout tolerance and the cue cool-down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { replay } from "./camera_replay.mjs";
import { angleAt, pixel, createTracker, CUE_COOLDOWN_S } from "../../src/backcoach/web/static/js/camera/signals.js";

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
