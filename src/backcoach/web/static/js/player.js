// The browser player: runs the session timeline on a monotonic clock, speaks and beeps on each step, and saves
// each finished exercise at once. Saves wait in an outbox in localStorage while the network is down.
const data = JSON.parse(document.getElementById("session-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const params = new URLSearchParams(location.search);
const speed = Math.max(0.1, Math.min(1000, Number(params.get("speed")) || data.speed || 1));
const $ = (id) => document.getElementById(id);
const LABELS = { intro: "GET READY", rep: "MOVE", hold: "HOLD", relax: "RELAX", "switch-side": "OTHER SIDE",
  rest: "REST", transition: "NEXT UP", done: "DONE" };
const UNITS = new Set(["rep", "hold", "relax"]);
const steps = data.steps;

// Which exercise each step belongs to: a transition leads into the next exercise.
const itemOf = [];
let current = -1;
for (const step of steps) {
  if (step.kind === "transition") itemOf.push(current + 1);
  else if (step.kind === "intro") { current += 1; itemOf.push(current); }
  else if (step.kind === "done") itemOf.push(null);
  else itemOf.push(current);
}
const lastOf = new Map();
itemOf.forEach((item, i) => { if (item !== null) lastOf.set(item, i); });
const offsets = [0];
for (const step of steps) offsets.push(offsets[offsets.length - 1] + step.duration_s);

// Clock: seconds on a monotonic clock, compressed by `speed`.
const origin = performance.now();
const now = () => ((performance.now() - origin) / 1000) * speed;

// Saving, with an outbox that survives going offline (and a reload).
const OUTBOX = "backcoach-outbox";
const IDS = "backcoach-session-ids";
const outbox = JSON.parse(localStorage.getItem(OUTBOX) || "[]");
const ids = JSON.parse(localStorage.getItem(IDS) || "{}");
const persist = () => { localStorage.setItem(OUTBOX, JSON.stringify(outbox)); localStorage.setItem(IDS, JSON.stringify(ids)); };
let flushing = false;

async function send(op) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
  if (op.kind === "create") {
    const response = await fetch("/api/v1/sessions", { method: "POST", headers, body: JSON.stringify(op.body), credentials: "same-origin" });
    if (!response.ok) throw response;
    ids[op.local] = (await response.json()).id;
  } else {
    if (!(op.local in ids)) throw new Error("session not created yet");
    const response = await fetch(`/api/v1/sessions/${ids[op.local]}`, { method: "PATCH", headers, body: JSON.stringify(op.body), credentials: "same-origin" });
    if (!response.ok) throw response;
  }
}

function showSync() {
  $("sync").textContent = outbox.length ? `${outbox.length} change(s) waiting to be saved: they will be sent when you are back online.` : "All saved.";
}

async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    while (outbox.length) {
      try { await send(outbox[0]); } catch (error) {
        // A rejected change (4xx other than auth or rate limits) would never succeed: drop it rather than block the rest.
        if (error instanceof Response && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status)) {
          outbox.shift(); persist(); continue;
        }
        break;
      }
      outbox.shift();
      persist();
    }
  } finally { flushing = false; showSync(); }
}

function enqueue(op) { outbox.push(op); persist(); showSync(); flush(); }
window.addEventListener("online", flush);
setInterval(flush, 3000);

// Sound: speech (on by default, easy to mute) and a soft beep on each step.
let muted = localStorage.getItem("backcoach-muted") === "1";
let audio = null;
function say(text) {
  if (muted || !text || !("speechSynthesis" in window)) return;
  speechSynthesis.cancel();
  speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}
function beep() {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 660;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.16);
  } catch (_) { /* no audio: the screen still shows every step */ }
}

// The session state, mirroring backcoach.domain.runner.
const state = { index: 0, start: 0, pausedAt: null, finished: false, completed: false, pain: new Map(), ended: new Set(), local: null, items: [], counted: -1 };

function progressMark(item, upto) {
  // Sets and repetitions done of an exercise, from its last finished step.
  let sets = 0; let reps = 0;
  for (let i = 0; i <= upto; i++) {
    if (itemOf[i] !== item || !UNITS.has(steps[i].kind)) continue;
    const laterSameRep = steps.some((s, j) => j > i && itemOf[j] === item && UNITS.has(s.kind) && s.set === steps[i].set && s.rep === steps[i].rep);
    if (!laterSameRep) { reps = steps[i].rep; sets = steps[i].set - 1; }
    const laterSameSet = steps.some((s, j) => j > i && itemOf[j] === item && UNITS.has(s.kind) && s.set === steps[i].set);
    if (!laterSameSet) sets = steps[i].set;
  }
  return { sets, reps };
}

function endExercise(item, outcome, upto) {
  if (item === null || state.ended.has(item)) return;
  state.ended.add(item);
  const info = data.items[item];
  let mark = outcome === "completed" ? { sets: info.prescription.sets || 1, reps: info.prescription.reps || 1 } : progressMark(item, upto);
  const pain = state.pain.has(item) ? state.pain.get(item) : null;
  if (outcome !== "completed" && !mark.sets && !mark.reps && pain === null) return;
  state.items.push({ exercise: info.exercise, rung: info.rung, prescription: info.prescription, completed_reps: mark.reps,
    completed_sets: mark.sets, difficulty: outcome === "stopped-for-pain" ? "hard" : "right", pain_during: pain });
  enqueue({ kind: "patch", local: state.local, body: { items: state.items } });
}

function enter(index, at) {
  state.index = index;
  state.start = at;
  state.counted = -1;
  if (index >= steps.length) { finish(true); return; }
  const step = steps[index];
  beep();
  say(step.say);
  render();
}

function leave(at) {
  const item = itemOf[state.index];
  if (item !== null && lastOf.get(item) === state.index) endExercise(item, "completed", state.index);
  enter(state.index + 1, at);
}

function advance() {
  while (!state.finished && state.pausedAt === null) {
    const end = state.start + steps[state.index].duration_s;
    if (now() < end) break;
    leave(end);
  }
}

const restartAt = () => (state.pausedAt !== null ? state.pausedAt : now());
function togglePause() {
  if (state.finished) return;
  if (state.pausedAt === null) { advance(); state.pausedAt = now(); }
  else { state.start += now() - state.pausedAt; state.pausedAt = null; }
  render();
}
function nextStep() { if (!state.finished) { advance(); if (!state.finished) leave(restartAt()); } }
function skipExercise() {
  if (state.finished) return;
  advance();
  const item = itemOf[state.index];
  if (item === null) return;
  const at = restartAt();
  endExercise(item, "skipped", state.index - 1);
  enter(lastOf.get(item) + 1, at);
}
function back() {
  if (state.finished) return;
  advance();
  const item = itemOf[state.index];
  const first = itemOf.indexOf(item);
  enter(item !== null && state.index > first ? state.index - 1 : state.index, restartAt());
}
function stopForPain(pain) {
  const item = itemOf[state.index];
  if (item === null) return;
  state.pain.set(item, Math.max(pain, state.pain.get(item) || 0));
  const at = restartAt();
  endExercise(item, "stopped-for-pain", state.index - 1);
  enter(lastOf.get(item) + 1, at);
}
function quit() {
  if (state.finished) return;
  advance();
  const item = itemOf[state.index];
  endExercise(item, "stopped", state.index - 1);
  finish(false);
}

function finish(completed) {
  state.finished = true;
  state.completed = completed;
  if ("speechSynthesis" in window && completed) say("That's the session done. Well done.");
  releaseWakeLock();
  $("live").hidden = true;
  const list = $("difficulties");
  list.replaceChildren();
  state.items.forEach((item, i) => {
    if (item.difficulty === "hard" && item.pain_during !== null) return;
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = `How did the ${data.items.find((x) => x.exercise === item.exercise).name.toLowerCase()} feel?`;
    fieldset.append(legend);
    for (const choice of ["easy", "right", "hard"]) {
      const label = document.createElement("label");
      label.className = "question";
      const input = document.createElement("input");
      input.type = "radio"; input.name = `difficulty-${i}`; input.value = choice; input.checked = choice === "right";
      label.append(input, ` ${choice === "right" ? "about right" : choice}`);
      fieldset.append(label);
    }
    list.append(fieldset);
  });
  $("after").hidden = false;
  $("pain-after").focus();
}

// Drawing the live view.
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
function render() {
  if (state.finished) return;
  const step = steps[state.index];
  const item = itemOf[state.index];
  const info = item !== null ? data.items[item] : null;
  const t = state.pausedAt !== null ? state.pausedAt : now();
  const remaining = Math.max(0, state.start + step.duration_s - t);
  const elapsed = offsets[state.index] + (step.duration_s - remaining);
  if (info) {
    if ($("ex-name").textContent !== info.name) {
      $("ex-name").textContent = info.name;
      $("ex-figure").src = info.figure;
      $("ex-figure").alt = `Animated figure: ${info.name}`;
      $("ex-steps").replaceChildren(...info.steps.map((s) => Object.assign(document.createElement("li"), { textContent: s })));
      $("ex-cue").textContent = `Cue: ${info.cues[0]}`;
    }
    $("ex-place").textContent = `Exercise ${item + 1} of ${data.items.length} · ${info.dose}`;
  }
  $("step-label").textContent = LABELS[step.kind];
  $("count-card").classList.toggle("hold", step.kind === "hold");
  $("countdown").textContent = String(Math.ceil(remaining - 1e-9));
  $("say").textContent = step.say;
  const parts = [];
  if (info && step.set && (info.prescription.sets || 1) > 1) parts.push(`Set ${step.set} of ${info.prescription.sets}`);
  if (info && step.rep) parts.push(`Rep ${step.rep} of ${info.prescription.reps}`);
  if (step.side) parts.push(`Side: ${step.side}`);
  $("counters").textContent = parts.join(" · ");
  $("elapsed").textContent = clock(elapsed);
  $("total").textContent = clock(data.total_s);
  $("session-progress").value = Math.round((100 * elapsed) / Math.max(1, data.total_s));
  $("session-progress").textContent = `${$("session-progress").value}%`;
  const following = steps[state.index + 1];
  $("next").textContent = following ? `Next: ${following.say}` : "Next: the end of the session";
  $("paused-badge").hidden = state.pausedAt === null;
  $("btn-pause").textContent = state.pausedAt === null ? "Pause (space)" : "Resume (space)";
  if (step.kind === "hold") {
    const left = Math.ceil(remaining - 1e-9);
    if (left >= 1 && left <= 3 && left !== state.counted) { state.counted = left; say(String(left)); }
  }
}

function loop() {
  if (state.finished) return;
  advance();
  render();
  const step = steps[state.index];
  const wait = state.pausedAt === null && step ? Math.min(250, ((state.start + step.duration_s - now()) * 1000) / speed) : 250;
  setTimeout(loop, Math.max(4, wait));
}

// The screen stays awake where the browser allows it.
let wakeLock = null;
async function keepAwake() { try { wakeLock = await navigator.wakeLock?.request("screen"); } catch (_) { wakeLock = null; } }
function releaseWakeLock() { try { wakeLock?.release(); } catch (_) { /* already released */ } }
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && !state.finished && state.local) keepAwake(); });

const localDate = () => { const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`; };

$("precheck-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  if (form.get("redflag") === "yes") {
    const response = await fetch("/api/v1/red-flag", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" }).catch(() => null);
    const advice = response && response.ok ? (await response.json()).advice : "Please seek urgent medical care now.";
    $("precheck").hidden = true; $("stopped").hidden = false; $("stopped-advice").textContent = advice;
    return;
  }
  state.local = `local-${Date.now()}`;
  enqueue({ kind: "create", local: state.local, body: { date: localDate(), pain_before: Number(form.get("pain")), partial: true, items: [] } });
  $("precheck").hidden = true;
  $("live").hidden = false;
  keepAwake();
  enter(0, now());
  loop();
  $("btn-pause").focus();
});

$("after-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  state.items.forEach((item, i) => { const chosen = form.get(`difficulty-${i}`); if (chosen) item.difficulty = chosen; });
  enqueue({ kind: "patch", local: state.local, body: { items: state.items, pain_after: Number(form.get("pain")), partial: !state.completed } });
  $("after").hidden = true;
  $("done").hidden = false;
  if (!state.completed) $("done-text").textContent = "Your partly done session is saved. Tomorrow morning, tell backcoach how your back feels.";
});

// The pain answer is handled on the form's submit event, which fires before the dialog closes: the close event
// comes later, and a key pressed in between (say, q) must not overtake the report.
let painWasPaused = false;
let painOpen = false;
function askPain() {
  if (state.finished || painOpen) return;
  painOpen = true;
  painWasPaused = state.pausedAt !== null;
  if (!painWasPaused) togglePause();
  $("pain-now").value = "0";
  $("pain-advice").hidden = true;
  $("pain-dialog").showModal();
}
function painAnswered(stop) {
  if (!painOpen) return;
  painOpen = false;
  const pain = Number($("pain-now").value);
  if (stop) stopForPain(pain);
  else { const item = itemOf[state.index]; if (item !== null) state.pain.set(item, Math.max(pain, state.pain.get(item) || 0)); }
  if (!painWasPaused && state.pausedAt !== null) togglePause();
}
$("pain-form").addEventListener("submit", (event) => painAnswered(event.submitter?.value === "stop"));
$("pain-dialog").addEventListener("cancel", () => painAnswered(false));
$("pain-now").addEventListener("change", () => { $("pain-advice").hidden = Number($("pain-now").value) <= 5; if (Number($("pain-now").value) > 5) $("pain-stop").focus(); });

$("btn-pause").addEventListener("click", togglePause);
$("btn-next").addEventListener("click", nextStep);
$("btn-skip").addEventListener("click", skipExercise);
$("btn-back").addEventListener("click", back);
$("btn-pain").addEventListener("click", askPain);
$("btn-quit").addEventListener("click", quit);
$("btn-mute").addEventListener("click", () => {
  muted = !muted;
  localStorage.setItem("backcoach-muted", muted ? "1" : "0");
  $("btn-mute").setAttribute("aria-pressed", String(muted));
  $("btn-mute").textContent = muted ? "Unmute voice" : "Mute voice";
  if (muted && "speechSynthesis" in window) speechSynthesis.cancel();
});
$("btn-mute").setAttribute("aria-pressed", String(muted));
$("btn-mute").textContent = muted ? "Unmute voice" : "Mute voice";

document.addEventListener("keydown", (event) => {
  if ($("live").hidden || $("pain-dialog").open || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (key === " " && event.target.tagName !== "BUTTON") { event.preventDefault(); togglePause(); }
  else if (key === "n") nextStep();
  else if (key === "s") skipExercise();
  else if (key === "b") back();
  else if (key === "p") { event.preventDefault(); askPain(); }
  else if (key === "q") quit();
});

flush();
