// The camera coach in the Player (docs/camera.md, "In the Player"): the glue between the camera (camera.js), the
// framing check (framing.js), the trackers (signals.js) and the Player's runner. player.js imports this module only
// when the person switches the camera on, so a session without the camera loads none of it.
//
// The runner stays the clock. The coach only says when a step may end (`gate`: a repetition's last step waits for
// the repetition) and stops or restarts a hold step's clock (`runner.wait` and `runner.proceed`); every boundary
// is then computed from the moment the wait ended, so nothing drifts.
//
// Time: a tracker measures the person on the camera's own clock (each frame's presentation time, in real
// milliseconds), whatever `?speed=` the Player runs at. A sped-up clock cannot be given to the tracker: at 60 times
// it would put two frames of a 30-frames-a-second camera two seconds apart, past the half second of lost tracking a
// hold survives (signals.js, DROPOUT_S), and a whole repetition inside one frame. So the Player's timed steps
// follow `speed`, while repetitions and seconds held are the person's own.
import { startCamera } from "./camera.js";
import { judgeFraming } from "./framing.js";
import { createTracker } from "./signals.js";

// The lines of the outline drawn over the video: BlazePose's body joints (the face is left to the nose).
const BONES = [
  [11, 12], [11, 23], [12, 24], [23, 24],
  [11, 13], [13, 15], [12, 14], [14, 16],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31],
  [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
  [0, 11], [0, 12],
];
// The joints framing.js can be asked to see; a rule set may name others (the nose, an ear) that it checks itself.
const FRAMED = new Set(["shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index"]);
const LEFT = [11, 23, 25, 27];
const RIGHT = [12, 24, 26, 28];
// The framing must stay right this long before the session goes on: one good frame among bad ones is luck.
const STEADY_MS = 1000;
// How long the clock waits for a repetition or for the hold position, in the camera's time, before the camera lets
// the exercise go to the timer: longer than the slowest repetition and a breath between two, short enough that a
// person the camera has lost (out of view, resting, turned away) is not left in front of a stopped clock. The same
// wait with no picture at all (a frozen camera) counts on the page's clock, while the page is in view.
export const LOST_MS = 20_000;

export const WORDS = Object.freeze({
  failed: (why) => `The camera stopped (${why}), so the session runs on the timer.`,
  looksGood: "Looks good",
  skipped: "Camera check skipped: this exercise runs on the timer.",
  holdDropped: "Hold it: lift back into position",
  holdFirst: "Move into position: the hold's timer starts when you are there.",
  counted: (rep, of) => `Repetition ${rep} of ${of} counted`,
  waiting: (rep) => `Waiting for repetition ${rep}: it counts when you are back at the start.`,
  lost: (name) => `The camera lost track of the ${name}, so the rest of it runs on the timer.`,
});

// The side of the body nearer the camera: its joints are the better seen.
function nearSide(pose) {
  if (!pose || !pose.landmarks) return "left";
  const seen = (indices) => indices.reduce((sum, i) => sum + (pose.landmarks[i].visibility ?? 0), 0);
  return seen(LEFT) >= seen(RIGHT) ? "left" : "right";
}

// Everything about the session the coach needs, worked out once: per item its rule set, set-up, whether the
// camera can drive it, and which steps end a repetition.
async function prepare(data, tables) {
  const ids = [...new Set(data.items.map((item) => item.exercise))];
  const fetched = await Promise.all(ids.map(async (id) => {
    const [exercise, rules] = await Promise.all([
      fetch(`/api/v1/exercises/${encodeURIComponent(id)}`).then((r) => (r.ok ? r.json() : null)),
      fetch(`/api/v1/exercises/${encodeURIComponent(id)}/camera`).then((r) => (r.ok ? r.json() : null)),
    ]);
    return [id, { position: exercise ? exercise.position : null, rules }];
  }));
  const known = new Map(fetched);
  const items = data.items.map((item, k) => {
    const { position, rules } = known.get(item.exercise);
    const table = tables.items[k];
    const positions = table.prescription.holds_per_rep || 1;
    const measurable = Boolean(rules && rules.reliable && position && positions === 1);
    const steps = tables.steps.slice(table.first_step, table.last_step + 1);
    const hasHold = steps.some((s) => s.kind === "hold");
    let note = null;
    if (rules && !rules.reliable) note = rules.reason;
    else if (!measurable) note = "The camera does not follow an exercise held in several positions: follow the timer.";
    return {
      exercise: item.exercise, name: item.name, position, rules, measurable, note, hasHold,
      setup: measurable ? { position, view: rules.view || undefined, visible: rules.visible.filter((j) => FRAMED.has(j)) } : null,
      // Measured held seconds only where the dose holds and the rule set knows the held position.
      measuresHold: hasHold && Boolean(rules && rules.hold),
    };
  });
  // The step that ends each repetition: its relax step when the dose holds, else its one movement.
  const closing = new Map();
  items.forEach((item, k) => {
    const table = tables.items[k];
    for (let i = table.first_step; i <= table.last_step; i += 1) {
      const step = tables.steps[i];
      if (step.kind === (item.hasHold ? "relax" : "rep")) closing.set(i, { item: k, rep: step.rep, of: data.items[k].reps });
    }
  });
  return { items, closing };
}

// Starts the camera and the worker; rejects with the browser's reason (NotAllowedError when refused).
export async function createCoach({ data, tables, runner, now, say, show, changed, elements, model = "lite" }) {
  const plan = await prepare(data, tables);
  const camera = await startCamera({ facing: "user", model, video: elements.video });
  const state = plan.items.map(() => ({ driven: false, trackers: [], consumed: 0, used: false }));
  let latest = null;
  let holding = false;
  let framing = null; // {item, setup, okSince, main, done: Promise resolver}
  // The last position checked, and whether the check passed (false: skipped; its exercises run on the timer).
  let checked = { position: null, ok: false };
  let stopped = false;
  // When the clock began waiting for the camera (a pose's time), and when the last pose came (the page's clock).
  let waitSince = null;
  let lastPoseAt = performance.now();
  const context = elements.canvas.getContext("2d");

  const current = () => (runner.current === null ? null : runner.current.item);

  // The model reads frames only while something needs a pose: a framing check, or an exercise the camera drives.
  // Through an exercise on the timer it rests, so a phone is spared the work (and the heat), and the Player's clock
  // keeps the second core to itself (docs/camera.md, "When the model runs").
  function pace() {
    const k = current();
    const needed = !stopped && (framing !== null || (k !== null && state[k].driven));
    if (camera.reading === needed) return;
    camera.reading = needed;
    elements.panel.dataset.model = needed ? "reading" : "resting";
    // Resting is not a lost picture: the watchdog's time starts again when reading does.
    if (needed) {
      lastPoseAt = performance.now();
      return;
    }
    // What the model saw before a rest says nothing about where the person is after it: the next framing check
    // judges only poses read from now on, and the outline goes (poses still in the worker are dropped as they come).
    latest = null;
    context.clearRect(0, 0, elements.canvas.width, elements.canvas.height);
  }
  const repsOf = (s) => s.trackers.reduce((sum, t) => sum + t.summary().reps, 0);

  function draw(pose) {
    const { canvas } = elements;
    if (canvas.width !== pose.width || canvas.height !== pose.height) {
      canvas.width = pose.width;
      canvas.height = pose.height;
    }
    context.clearRect(0, 0, canvas.width, canvas.height);
    if (!pose.landmarks) return;
    const at = (i) => [pose.landmarks[i].x * canvas.width, pose.landmarks[i].y * canvas.height];
    context.lineWidth = Math.max(3, canvas.width / 160);
    context.lineCap = "round";
    context.strokeStyle = "#00e5ff";
    context.beginPath();
    for (const [a, b] of BONES) {
      if (pose.landmarks[a].visibility < 0.5 || pose.landmarks[b].visibility < 0.5) continue;
      context.moveTo(...at(a));
      context.lineTo(...at(b));
    }
    context.stroke();
  }

  function showProblems(problems) {
    const list = elements.problems;
    const text = problems.map((p) => p.words).join("\n");
    if (list.dataset.text === text) return;
    list.dataset.text = text;
    list.replaceChildren(...problems.map((p) => Object.assign(document.createElement("li"), { textContent: p.words })));
  }

  function judge(pose) {
    const verdict = judgeFraming(pose, framing.setup);
    showProblems(verdict.problems);
    const main = verdict.ok ? "ok" : verdict.problems[0].code;
    if (main !== framing.main) {
      framing.main = main;
      // Spoken when the main problem changes, never frame by frame.
      say(verdict.ok ? WORDS.looksGood : verdict.problems[0].words);
    }
    elements.panel.classList.toggle("framed", verdict.ok);
    if (!verdict.ok) {
      framing.okSince = null;
      show(`Camera check for the ${framing.name.toLowerCase()}: ${verdict.problems[0].words}`);
      return;
    }
    show(WORDS.looksGood);
    if (framing.okSince === null) framing.okSince = performance.now();
    if (performance.now() - framing.okSince >= STEADY_MS) endFraming(true);
  }

  function endFraming(ok) {
    if (framing === null) return;
    const { item, resolve } = framing;
    framing = null;
    elements.panel.classList.remove("checking");
    elements.skip.hidden = true;
    showProblems([]);
    // Skipped: the exercises in this position run on the timer, and the check is not asked again until the
    // position changes.
    checked = { position: plan.items[item].position, ok };
    if (!ok) show(WORDS.skipped);
    resolve(ok);
    pace();
    changed();
  }

  // Shows the framing check for item `k`'s set-up; resolves true once it has been right for a second, false when
  // the person skips it.
  function checkFraming(k) {
    if (framing !== null) return framing.promise;
    const item = plan.items[k];
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    framing = { item: k, name: item.name, setup: item.setup, okSince: null, main: null, resolve, promise };
    elements.panel.classList.add("checking");
    elements.skip.hidden = false;
    pace();
    show(`Camera check for the ${item.name.toLowerCase()}: place the camera so it sees you side-on.`);
    if (latest) judge(latest);
    return promise;
  }

  const needsCheck = (k) => plan.items[k].measurable && plan.items[k].position !== checked.position;

  // The check on the way into item `k` (its transition step, `index`): the step waits at its end until it is done.
  function checkOnTheWay(k, index) {
    checkFraming(k).then(() => {
      if (runner.waiting && runner.index === index) runner.proceed(now());
      changed();
    });
  }

  function track(pose) {
    const k = current();
    if (k === null || !state[k].driven) return;
    if (state[k].pending) newTracker(k, pose);
    const tracker = state[k].trackers[state[k].trackers.length - 1];
    if (!tracker) return;
    const step = runner.current;
    for (const event of tracker.update(pose)) {
      if (event.type === "rep") {
        waitSince = null;
        if (runner.waiting && plan.closing.has(runner.index)) runner.proceed(now());
      } else if (event.type === "hold") {
        const was = holding;
        holding = event.holding;
        if (holding) waitSince = null;
        if (step.kind === "hold" && plan.items[k].measuresHold) {
          if (holding && runner.waiting) { show("Hold"); runner.proceed(now()); }
          else if (!holding && was) { runner.wait(now(), runner.index); show(WORDS.holdDropped); say(WORDS.holdDropped); }
        }
      } else if (event.type === "cue") {
        // signals.js gives at most one per repetition, never within its cool-down.
        show(event.words);
        say(event.words);
      } else if (event.type === "view" && !event.ok) {
        show(event.words);
      }
    }
    if (waitingFor(k)) {
      if (waitSince === null) waitSince = pose.t;
      else if (pose.t - waitSince >= LOST_MS) lose(k);
    } else waitSince = null;
    changed();
  }

  // The clock stands still for item `k`'s camera: a repetition not yet seen, or a hold not yet (or no longer) held.
  // A pause is the person's own, and a framing check has its own Skip button.
  const waitingFor = (k) => runner.waiting && runner.pausedAt === null && framing === null && state[k].driven
    && (plan.closing.has(runner.index) || runner.current.kind === "hold");

  // Item `k` goes on on the timer; what the camera counted so far stays in the record, so a count short of the dose
  // keeps the dose where it is (docs/dosing.md, "Measured repetitions").
  function lose(k) {
    state[k].driven = false;
    waitSince = null;
    holding = false;
    const words = WORDS.lost(plan.items[k].name.toLowerCase());
    show(words);
    say(words);
    if (runner.waiting) runner.proceed(now());
    pace();
    changed();
  }

  // No picture at all: no pose comes to time the wait, so the page's clock does, while the page is in view (a
  // hidden page gets no video frames, and the person is not in front of it).
  const watchdog = setInterval(() => {
    if (stopped || document.visibilityState !== "visible") { lastPoseAt = performance.now(); return; }
    const k = current();
    if (k !== null && waitingFor(k) && performance.now() - lastPoseAt >= LOST_MS) lose(k);
  }, 1000);

  const unsubscribe = camera.subscribe((message) => {
    if (stopped) return;
    if (message.type === "error") { fail(message.message); return; }
    if (message.type !== "pose" || !camera.reading) return;
    latest = message;
    lastPoseAt = performance.now();
    draw(message);
    if (framing !== null) judge(message);
    else track(message);
  });

  function fail(why) {
    if (stopped) return;
    stop();
    show(WORDS.failed(why));
    if (framing !== null) endFraming(false);
    state.forEach((s) => { s.driven = false; });
    if (runner.waiting) runner.proceed(now());
    changed();
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(watchdog);
    unsubscribe();
    camera.stop();
    elements.panel.classList.add("off");
  }

  function newTracker(k, pose) {
    state[k].trackers.push(createTracker(plan.items[k].rules, { side: nearSide(pose) }));
    state[k].used = true;
    state[k].pending = false;
    holding = false;
  }

  // What step `index` (of item `step.item`) starts for the camera: a framing check on the way in, whether the camera
  // drives the item, a new tracker for a new side, a hold that waits for the position.
  function started(step, index) {
    if (stopped || step.item === null) return;
    const k = step.item;
    const item = plan.items[k];
    elements.panel.dataset.exercise = item.exercise;
    if (step.kind === "transition" && needsCheck(k)) {
      if (runner.index === index) checkOnTheWay(k, index);
    } else if (step.kind === "intro") {
      state[k].driven = item.measurable && checked.ok && checked.position === item.position;
      state[k].fresh = true;
      if (!item.measurable) show(item.note);
      else if (state[k].driven) show(`The camera counts the ${item.name.toLowerCase()}.`);
    } else if (step.kind === "switch-side") {
      // The person turns round: a new tracker calibrates on the new side's start position.
      state[k].fresh = true;
    } else if (step.kind === "rep" && state[k].driven && state[k].fresh) {
      // Started on the first pose of the first movement, when the person is in the start position the tracker
      // calibrates on (not during the intro, while they get down onto the mat or turn round), and told the side
      // that pose shows nearer the camera.
      state[k].fresh = false;
      state[k].pending = true;
    }
    if (state[k].fresh && (step.kind === "intro" || step.kind === "switch-side") && state[k].driven) {
      elements.panel.dataset.part = `${item.exercise}:${state[k].trackers.length + 1}`;
    }
    if (step.kind === "hold" && runner.index === index && state[k].driven && item.measuresHold && !holding) {
      runner.wait(now(), index);
      show(WORDS.holdFirst);
    }
  }

  return {
    model,
    get stopped() { return stopped; },
    // Before the first exercise: the check for the first measured item, if there is one.
    async start() {
      const first = plan.items.findIndex((item) => item.measurable);
      if (first < 0) {
        show("None of today's exercises can be followed by the camera: follow the timer.");
        pace();
        return;
      }
      await checkFraming(first);
    },
    skipFraming() { endFraming(false); },
    // runner.gate: may step `index` end now?
    gate(index) {
      if (stopped) return true;
      const step = tables.steps[index];
      if (step.kind === "transition" && needsCheck(step.item)) checkOnTheWay(step.item, index);
      if (step.kind === "transition" && framing !== null && framing.item === step.item) return false;
      const closing = plan.closing.get(index);
      if (!closing || !state[closing.item].driven) return true;
      const s = state[closing.item];
      if (repsOf(s) > s.consumed) {
        s.consumed += 1;
        show(WORDS.counted(closing.rep, closing.of));
        return true;
      }
      show(WORDS.waiting(closing.rep));
      return false;
    },
    stepStarted(step, index) {
      // A wait belongs to the step it was for (Next, Back or Skip may end one without a pose seeing it end).
      waitSince = null;
      started(step, index);
      pace();
    },
    // The record's `camera` object for item `k`, or null when the camera did not measure it.
    measured(k) {
      const s = state[k];
      if (!s.used) return null;
      const sums = { reps: 0, partials: 0, held: 0, flags: {} };
      for (const tracker of s.trackers) {
        const summary = tracker.summary();
        sums.reps += summary.reps;
        sums.partials += summary.partials;
        sums.held += summary.heldSeconds;
        for (const [code, n] of Object.entries(summary.flags)) sums.flags[code] = (sums.flags[code] || 0) + n;
      }
      return {
        model,
        reps: sums.reps,
        partials: sums.partials,
        held_seconds: plan.items[k].measuresHold ? Math.round(sums.held * 10) / 10 : null,
        flags: sums.flags,
      };
    },
    stop,
  };
}
