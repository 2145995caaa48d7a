// The camera coach's counting, holds and form cues: pure functions over the pose worker's messages, with no DOM,
// so the same module runs in the page, in a worker and in node's test runner (tests/js/camera_signals.test.mjs).
// The rules come from the exercise's `[camera]` table (src/backcoach/domain/camera.py; docs/camera.md, "Signals and
// rules"). A pose is {t (ms), width, height, landmarks: [{x, y, z, visibility}] x 33 | null}.

export const LANDMARKS = Object.freeze({
  nose: 0, left_eye: 2, right_eye: 5, left_ear: 7, right_ear: 8,
  left_shoulder: 11, right_shoulder: 12, left_elbow: 13, right_elbow: 14, left_wrist: 15, right_wrist: 16,
  left_index: 19, right_index: 20, left_hip: 23, right_hip: 24, left_knee: 25, right_knee: 26,
  left_ankle: 27, right_ankle: 28, left_heel: 29, right_heel: 30, left_foot_index: 31, right_foot_index: 32,
});

export const VISIBLE = 0.5; // BlazePose's visibility below which a landmark is a guess
export const DROPOUT_S = 0.5; // a hold survives a loss of tracking shorter than this
// The start position is watched this long for the horizontal and the torso: at 3 px of noise and 15 frames a
// second, half a second left the floor line up to 2 degrees off, as much as a partial curl lifts the head.
export const CALIBRATE_S = 1;
export const CUE_COOLDOWN_S = 4; // never two form cues closer than this
export const VIEW_WINDOW_S = 1; // the camera angle is judged on the median of this much time
// Shoulder (or hip) separation in the picture against the torso's length: near 0 side-on; a body lying on its side
// facing the camera shows its stacked shoulders about half a torso apart. Beyond these, the camera is at the wrong
// angle and the angles it sees are not the body's.
export const VIEW_LIMITS = Object.freeze({ side: [0, 0.45], front: [0.2, 1.0] });

const other = (side) => (side === "left" ? "right" : "left");

// Pixels with y up: BlazePose normalizes x by the width and y by the height separately, so an angle taken from
// the normalized values is wrong on any frame that is not square.
export function pixel(pose, name) {
  const lm = pose.landmarks[LANDMARKS[name]];
  return { x: lm.x * pose.width, y: -lm.y * pose.height, v: lm.visibility ?? 0 };
}

export function angleAt(a, b, c) {
  const ux = a.x - b.x, uy = a.y - b.y, vx = c.x - b.x, vy = c.y - b.y;
  const n = Math.hypot(ux, uy) * Math.hypot(vx, vy);
  if (n === 0) return 0;
  return (Math.acos(Math.max(-1, Math.min(1, (ux * vx + uy * vy) / n))) * 180) / Math.PI;
}

// A line's tilt in radians, folded into (-90°, 90°]: a line has no direction.
export function lineTilt(a, b) {
  let tilt = Math.atan2(b.y - a.y, b.x - a.x);
  while (tilt > Math.PI / 2) tilt -= Math.PI;
  while (tilt <= -Math.PI / 2) tilt += Math.PI;
  return tilt;
}

// Degrees between the segment a->b and the calibrated horizontal, 0 (level) to 90 (upright).
export function incline(a, b, tilt) {
  const d = Math.atan2(b.y - a.y, b.x - a.x) - tilt;
  const deg = Math.abs((Math.atan2(Math.sin(d), Math.cos(d)) * 180) / Math.PI);
  return Math.min(deg, 180 - deg);
}

// How far a is above b across the calibrated horizontal, in torso lengths.
export function heightAbove(a, b, tilt, torso) {
  const dx = a.x - b.x, dy = a.y - b.y;
  return (-dx * Math.sin(tilt) + dy * Math.cos(tilt)) / torso;
}

// How far landmarks rose, on average, above their start positions (`rest`: name -> {x, y} in pixels), across the
// calibrated horizontal, in torso lengths; null when one of them was not seen in the start position.
export function riseAbove(pose, side, names, rest, tilt, torso) {
  let sum = 0;
  for (const name of names) {
    const start = rest?.[name];
    if (!start) return null;
    const p = pixel(pose, `${side}_${name}`);
    sum += heightAbove(p, start, tilt, torso);
  }
  return sum / names.length;
}

export function distance(a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

// Exponential smoothing with a time constant, so that it behaves the same at 15 and at 30 frames a second.
export function createSmoother(tauS) {
  let value = null, last = null;
  return {
    next(t, x) {
      if (value === null || t - last > DROPOUT_S) value = x;
      else value += (1 - Math.exp(-(t - last) / tauS)) * (x - value);
      last = t;
      return value;
    },
    reset() { value = null; last = null; },
  };
}

function sideSeen(pose, side, names) {
  let sum = 0;
  for (const name of names) {
    const v = pose.landmarks[LANDMARKS[`${side}_${name}`]].visibility ?? 0;
    if (v < VISIBLE) return -1;
    sum += v;
  }
  return sum / Math.max(1, names.length);
}

// Which sides a frame can be read on: the near side, else the better seen one; "either" takes every seen side.
export function readableSides(pose, near, names, sides) {
  const a = sideSeen(pose, near, names), b = sideSeen(pose, other(near), names);
  if (sides === "either") return [a >= 0 ? near : null, b >= 0 ? other(near) : null].filter(Boolean);
  if (a >= 0) return [near];
  return b >= 0 ? [other(near)] : [];
}

function valueOf(signal, pose, side, tilt, torso, rest) {
  if (signal.kind === "rise") return riseAbove(pose, side, signal.points, rest[side], tilt, torso);
  const p = signal.points.map((name) => pixel(pose, `${side}_${name}`));
  if (signal.kind === "angle") return angleAt(p[0], p[1], p[2]);
  if (signal.kind === "incline") return incline(p[0], p[1], tilt);
  return heightAbove(p[0], p[1], tilt, torso);
}

// Shoulder or hip separation against the torso's length (the mid-shoulder to mid-hip distance).
export function viewRatio(pose) {
  const ls = pixel(pose, "left_shoulder"), rs = pixel(pose, "right_shoulder");
  const lh = pixel(pose, "left_hip"), rh = pixel(pose, "right_hip");
  const torso = distance({ x: (ls.x + rs.x) / 2, y: (ls.y + rs.y) / 2 }, { x: (lh.x + rh.x) / 2, y: (lh.y + rh.y) / 2 });
  if (torso === 0) return Infinity;
  return Math.max(distance(ls, rs), distance(lh, rh)) / torso;
}

function median(values) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort(); // a typed array sorts numerically, and fast (once a frame)
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function measure(kind, values) {
  if (kind === "max") return Math.max(...values);
  if (kind === "min") return Math.min(...values);
  return median(values);
}

const past = (work, value, threshold) => (work === "above" ? value >= threshold : value <= threshold);
const further = (work, a, b) => (work === "above" ? Math.max(a, b) : Math.min(a, b));

// A tracker for one exercise's rule set. `side` is the side of the body facing the camera.
export function createTracker(rules, { side = "left" } = {}) {
  const flags = {};
  let reps = 0, partials = 0, heldSeconds = 0;
  if (!rules || !rules.reliable) {
    return {
      reliable: false,
      update: () => [],
      summary: () => ({ reps, partials, heldSeconds, flags }),
    };
  }
  const { signal, count, hold, form = [] } = rules;
  const needed = [...new Set([...rules.visible])];
  const limits = VIEW_LIMITS[rules.view] ?? VIEW_LIMITS.side;
  const smoother = createSmoother(rules.smoothing_s ?? 0.1);
  const formSmoothers = form.map(() => createSmoother(rules.smoothing_s ?? 0.1));
  const dwell = count.dwell_s ?? 0.15;
  const minRep = count.min_rep_s ?? 0.6;

  let tilt = 0, torso = 1, calibrated = false;
  const calibration = [];
  // Start positions for `rise` signals, per side: the mean of each landmark over the calibration, where seen.
  const risePoints = [signal, ...form.map((rule) => rule.signal)]
    .filter((s) => s && s.kind === "rise")
    .flatMap((s) => s.points);
  const restSums = { left: {}, right: {} };
  const rest = { left: {}, right: {} };
  const ratios = []; // [t, ratio] over the view window
  let viewOk = null;
  let state = "rest"; // rest | attempt | work
  let candidate = null, candidateSince = 0; // a state the signal has moved into but not yet for long enough
  let repStart = 0;
  let formValues = form.map(() => []);
  let lastCue = -Infinity;
  let holding = false, holdStart = 0, bandSince = null, bandLeft = null, lastInBand = 0, shownSeconds = 0;
  let lastSeen = null;

  const inBand = (v) => hold && (hold.low == null || v >= hold.low) && (hold.high == null || v <= hold.high);

  function stopHold(events) {
    if (!holding) return;
    holding = false;
    events.push({ type: "hold", holding: false, seconds: round(lastInBand - holdStart) });
  }

  function judgeView(t, pose, events) {
    ratios.push([t, viewRatio(pose)]);
    while (ratios.length && ratios[0][0] < t - VIEW_WINDOW_S) ratios.shift();
    if (ratios[ratios.length - 1][0] - ratios[0][0] < VIEW_WINDOW_S * 0.5) return viewOk;
    const ratio = median(ratios.map((r) => r[1]));
    const ok = ratio >= limits[0] && ratio <= limits[1];
    if (ok !== viewOk) {
      viewOk = ok;
      events.push({ type: "view", ok, words: ok ? "" : rules.view_words || "Turn side-on to the camera" });
    }
    return viewOk;
  }

  function calibrate(t, pose, near) {
    const [a, b] = rules.horizontal ?? [null, null];
    const tiltNow = a ? lineTilt(pixel(pose, `${near}_${a}`), pixel(pose, `${near}_${b}`)) : 0;
    calibration.push([t, tiltNow, distance(pixel(pose, `${near}_shoulder`), pixel(pose, `${near}_hip`))]);
    for (const s of ["left", "right"]) {
      for (const name of risePoints) {
        const p = pixel(pose, `${s}_${name}`);
        if (p.v < VISIBLE) continue;
        const sum = (restSums[s][name] ??= { x: 0, y: 0, n: 0 });
        sum.x += p.x;
        sum.y += p.y;
        sum.n += 1;
      }
    }
    if (t - calibration[0][0] >= CALIBRATE_S) {
      tilt = calibration.reduce((s, c) => s + c[1], 0) / calibration.length;
      torso = Math.max(1e-6, median(calibration.map((c) => c[2])));
      for (const s of ["left", "right"]) {
        for (const [name, sum] of Object.entries(restSums[s])) rest[s][name] = { x: sum.x / sum.n, y: sum.y / sum.n };
      }
      calibrated = true;
    }
  }

  function endRep(t, events) {
    stopHold(events);
    const cues = [];
    form.forEach((rule, i) => {
      const values = formValues[i];
      if (!values.length) return;
      const m = measure(rule.measure, values);
      if (rule.fault === "above" ? m > rule.value : m < rule.value) {
        flags[rule.code] = (flags[rule.code] ?? 0) + 1;
        cues.push(rule);
      }
    });
    formValues = form.map(() => []);
    if (t - repStart < minRep) return;
    reps += 1;
    events.push({ type: "rep", count: reps });
    if (cues.length && t - lastCue >= CUE_COOLDOWN_S) {
      lastCue = t;
      events.push({ type: "cue", code: cues[0].code, words: cues[0].words });
    }
  }

  function step(t, v, values, events) {
    // Where the smoothed signal is now, and the state that would mean.
    let zone;
    if (past(count.work, v, count.enter)) zone = "work";
    else if (!past(count.work, v, count.exit)) zone = state === "rest" ? "rest" : "back";
    else if (state === "rest" && past(count.work, v, count.partial)) zone = "attempt";
    else zone = state;
    if (zone === "back") zone = "rest";
    if (zone === state) {
      candidate = null;
    } else if (zone !== candidate) {
      candidate = zone;
      candidateSince = t;
    }
    if (candidate !== null && t - candidateSince >= dwell) {
      const from = state;
      state = candidate;
      candidate = null;
      if (from === "rest") repStart = candidateSince;
      if (state === "rest" && from === "attempt") {
        partials += 1;
        events.push({ type: "partial" });
        formValues = form.map(() => []);
      } else if (state === "rest" && from === "work") {
        endRep(candidateSince, events);
      }
    }
    if (state === "work" || candidate === "work") {
      values.forEach((x, i) => {
        if (x !== null) formValues[i].push(x);
      });
    }
    if (hold) trackHold(t, v, events);
  }

  function trackHold(t, v, events) {
    // The band is entered before the working state is confirmed (its dwell): the hold is credited from entry.
    if (inBand(v) && bandSince === null) bandSince = t;
    if (state === "work" && inBand(v)) {
      bandLeft = null;
      if (!holding) {
        holding = true;
        holdStart = bandSince;
        heldSeconds += t - bandSince;
        shownSeconds = Math.floor(t - holdStart);
        events.push({ type: "hold", holding: true, seconds: round(t - holdStart) });
      } else {
        heldSeconds += t - lastInBand;
        const whole = Math.floor(t - holdStart);
        if (whole > shownSeconds) {
          shownSeconds = whole;
          events.push({ type: "hold", holding: true, seconds: whole });
        }
      }
      lastInBand = t;
      return;
    }
    if (inBand(v)) return; // in the band, but the working state is not confirmed yet
    if (bandLeft === null) bandLeft = t;
    if (!holding || state !== "work" || t - bandLeft >= dwell) {
      // The hold lasted until the first frame out of the band, not until the last one in it.
      if (holding) heldSeconds += bandLeft - lastInBand;
      stopHold(events);
      bandSince = null;
    }
  }

  return {
    reliable: true,
    update(pose) {
      const events = [];
      const t = pose.t / 1000;
      if (!pose.landmarks) {
        if (holding && lastSeen !== null && t - lastSeen >= DROPOUT_S) {
          stopHold(events);
          bandSince = null;
        }
        return events;
      }
      if (!judgeView(t, pose, events)) return events;
      const sides = readableSides(pose, side, needed, signal.sides ?? "near");
      if (!sides.length) {
        if (holding && lastSeen !== null && t - lastSeen >= DROPOUT_S) {
          stopHold(events);
          bandSince = null;
        }
        return events;
      }
      if (holding && lastSeen !== null && t - lastSeen >= DROPOUT_S) {
        // Tracking came back after too long a loss: the hold restarts from here.
        stopHold(events);
        bandSince = null;
      }
      lastSeen = t;
      if (!calibrated) {
        calibrate(t, pose, sides[0]);
        return events;
      }
      // A side not seen in the start position has no start to rise from: its frames are skipped.
      const read = sides
        .map((s) => [s, valueOf(signal, pose, s, tilt, torso, rest)])
        .filter(([, x]) => x !== null);
      if (!read.length) return events;
      let [chosen, raw] = read[0];
      for (const [s, x] of read.slice(1)) {
        if (further(count.work, x, raw) === x && x !== raw) [raw, chosen] = [x, s];
      }
      const v = smoother.next(t, raw);
      const values = form.map((rule, i) => {
        if (!rule.signal) return v;
        const ruleSides = rule.side === "either" || rule.signal.sides === "either" ? sides : [chosen];
        const xs = ruleSides.map((s) => valueOf(rule.signal, pose, s, tilt, torso, rest)).filter((x) => x !== null);
        if (!xs.length) return null;
        const worst = rule.fault === "above" ? Math.max(...xs) : Math.min(...xs);
        return formSmoothers[i].next(t, worst);
      });
      step(t, v, values, events);
      return events;
    },
    summary() {
      return { reps, partials, heldSeconds: round(heldSeconds), flags: { ...flags } };
    },
  };
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}
