// The browser player: the clock, the screen and the outbox. The session itself (its steps, what counts as done,
// what each key does) is the runner's: the page carries backcoach.domain.runner's tables and runner.js executes
// them. Each finished exercise is saved at once; saves wait in an outbox in localStorage while the network is down.
import { Runner, SessionRecord, answerPain } from "./runner.js";

const $ = (id) => document.getElementById(id);
// Text is written only when it changes: rewriting the same words into a live region (#say, #sync) makes a screen
// reader announce them again, and the screen is redrawn four times a second.
const setText = (id, text) => { const el = $(id); if (el.textContent !== text) el.textContent = text; };
const data = JSON.parse($("session-data").textContent);
const tables = JSON.parse($("runner-tables").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const params = new URLSearchParams(location.search);
const speed = Math.max(0.1, Math.min(1000, Number(params.get("speed")) || data.speed || 1));
const LABELS = { intro: "GET READY", rep: "MOVE", hold: "HOLD", relax: "RELAX", "switch-side": "OTHER SIDE",
  rest: "REST", transition: "NEXT UP", done: "DONE" };

// Clock: seconds on a monotonic clock, compressed by `speed`.
const origin = performance.now();
const now = () => ((performance.now() - origin) / 1000) * speed;

// Saving, with an outbox that survives going offline (and a reload).
// The outbox lives in localStorage, which every tab of this site shares, and outlives a sign-out. So it is read and
// written only inside one Web Lock (two tabs flushing the same copy would store a session twice, and a tab writing
// back its stale copy would drop the other's changes), and each change carries the account it belongs to: one
// person's unsent session is never sent with the next person's sign-in (docs/pwa.md).
const OUTBOX = "backcoach-outbox";
const IDS = "backcoach-session-ids";
const load = (key, empty) => JSON.parse(localStorage.getItem(key) || empty);
const exclusive = (work) => (navigator.locks ? navigator.locks.request(OUTBOX, work) : work());
// Changes from before they carried an account belong to whoever is signed in, as they always did.
const mine = (op) => op.person === undefined || op.person === data.person;
let flushing = false;
// Changes handed to enqueue and not yet in the outbox (it waits for the lock): until they are, "All saved." would be
// untrue, and a flush finishing meanwhile would say it.
let enqueuing = 0;

async function send(op, ids) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
  if (op.kind === "create") {
    const response = await fetch("/api/v1/sessions", { method: "POST", headers, body: JSON.stringify(op.body), credentials: "same-origin" });
    if (!response.ok) throw response;
    ids[op.local] = (await response.json()).id;
    localStorage.setItem(IDS, JSON.stringify(ids));
  } else {
    if (!(op.local in ids)) throw new Error("session not created yet");
    const response = await fetch(`/api/v1/sessions/${ids[op.local]}`, { method: "PATCH", headers, body: JSON.stringify(op.body), credentials: "same-origin" });
    if (!response.ok) throw response;
  }
}

function showSync() {
  const waiting = load(OUTBOX, "[]");
  const own = waiting.filter(mine).length;
  const others = waiting.length - own;
  let text = "All saved.";
  if (enqueuing) text = "Saving…";
  else if (own) text = `${own} change(s) waiting to be saved: they will be sent when you are back online.`;
  if (others) text += ` ${others} change(s) from another account on this device wait for that account to sign in.`;
  setText("sync", text);
}

// Sends this account's changes in order; the first that fails for want of a network stops the rest.
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    await exclusive(async () => {
      for (;;) {
        const outbox = load(OUTBOX, "[]");
        const ids = load(IDS, "{}");
        const index = outbox.findIndex(mine);
        if (index < 0) break;
        try { await send(outbox[index], ids); } catch (error) {
          // A rejected change (4xx other than auth or rate limits) would never succeed: drop it rather than block the rest.
          if (!(error instanceof Response && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status))) break;
        }
        // Sent or dropped: removed from the stored outbox as it is now, which other tabs may have added to meanwhile.
        const now = load(OUTBOX, "[]");
        const at = now.findIndex((op) => op.id === outbox[index].id);
        if (at >= 0) now.splice(at, 1);
        localStorage.setItem(OUTBOX, JSON.stringify(now));
      }
    });
  } finally { flushing = false; showSync(); }
}

async function enqueue(op) {
  const stored = { ...op, person: data.person, id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}` };
  enqueuing += 1;
  showSync();
  try {
    await exclusive(async () => {
      localStorage.setItem(OUTBOX, JSON.stringify([...load(OUTBOX, "[]"), stored]));
    });
  } finally { enqueuing -= 1; }
  showSync();
  flush();
}
window.addEventListener("online", flush);
window.addEventListener("storage", (event) => { if (event.key === OUTBOX) showSync(); });
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

// The session: the runner, and the record it saves through the outbox.
const runner = new Runner(tables);
let record = null;
let local = null;
let counted = -1;
// The camera coach (static/js/camera/coach.js), loaded only when the person switches the camera on, and what it
// measured of each ended exercise, which the record's item carries as `camera`.
let coach = null;
const cameraOf = new Map();
runner.subscribe((event) => {
  if (event.type === "step-started") {
    // When each step began against when it was due, for bench/camera_timing.py (a mark costs microseconds).
    performance.mark("backcoach-step", { detail: { index: event.index, due: origin + (event.at * 1000) / speed } });
    counted = -1; beep(); say(event.step.say);
    if (coach) coach.stepStarted(event.step, event.index);
    render();
  } else if (event.type === "exercise-ended" && coach) {
    const measured = coach.measured(event.item);
    if (measured) cameraOf.set(event.item, measured);
  } else if (event.type === "session-ended") finish(event.completed);
});

function finish(completed) {
  if (completed) say(tables.steps[tables.steps.length - 1].say);
  if (coach) coach.stop();
  $("camera").hidden = true;
  releaseWakeLock();
  $("live").hidden = true;
  const fieldsets = record.asked().map((i) => {
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = `How did the ${tables.items[record.ended[i].item].name.toLowerCase()} feel?`;
    fieldset.append(legend);
    for (const choice of ["easy", "right", "hard"]) {
      const label = document.createElement("label");
      label.className = "question";
      const input = document.createElement("input");
      input.type = "radio"; input.name = `difficulty-${i}`; input.value = choice; input.checked = choice === "right";
      label.append(input, ` ${choice === "right" ? "about right" : choice}`);
      fieldset.append(label);
    }
    return fieldset;
  });
  $("difficulties").replaceChildren(...fieldsets);
  $("after").hidden = false;
  $("pain-after").focus();
}

// Drawing the live view.
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
function render() {
  const step = runner.current;
  if (runner.finished || step === null) return;
  const t = now();
  const info = step.item !== null ? data.items[step.item] : null;
  const remaining = runner.remaining(t);
  const elapsed = runner.elapsed(t);
  if (info) {
    if ($("ex-name").textContent !== info.name) {
      $("ex-name").textContent = info.name;
      $("ex-figure").src = info.figure;
      $("ex-figure").alt = `Animated figure: ${info.name}`;
      $("ex-steps").replaceChildren(...info.steps.map((s) => Object.assign(document.createElement("li"), { textContent: s })));
      $("ex-cue").textContent = `Cue: ${info.cues[0]}`;
    }
    setText("ex-place", `Exercise ${step.item + 1} of ${data.items.length} · ${info.dose}`);
  }
  setText("step-label", LABELS[step.kind]);
  $("count-card").classList.toggle("hold", step.kind === "hold");
  setText("countdown", String(Math.ceil(remaining - 1e-9)));
  setText("say", step.say);
  const parts = [];
  if (info && step.set && info.sets > 1) parts.push(`Set ${step.set} of ${info.sets}`);
  if (info && step.rep) parts.push(`Rep ${step.rep} of ${info.reps}`);
  if (step.side) parts.push(`Side: ${step.side}`);
  setText("counters", parts.join(" · "));
  setText("elapsed", clock(elapsed));
  setText("total", clock(runner.totalS));
  $("session-progress").value = Math.round((100 * elapsed) / Math.max(1, runner.totalS));
  setText("session-progress", `${$("session-progress").value}%`);
  const following = tables.steps[runner.index + 1];
  setText("next", following ? `Next: ${following.say}` : "Next: the end of the session");
  $("paused-badge").hidden = runner.pausedAt === null;
  $("count-card").classList.toggle("waiting", runner.waiting);
  setText("pause-label", runner.pausedAt === null ? "Pause" : "Resume");
  if (step.kind === "hold") {
    const left = Math.ceil(remaining - 1e-9);
    if (left >= 1 && left <= 3 && left !== counted) { counted = left; say(String(left)); }
  }
}

let timer = null;
function loop() {
  clearTimeout(timer);
  if (runner.finished) return;
  runner.advance(now());
  render();
  const deadline = runner.deadline();
  const wait = deadline !== null ? Math.min(250, ((deadline - now()) * 1000) / speed) : 250;
  timer = setTimeout(loop, Math.max(4, wait));
}
// The camera coach moved the clock (a wait began or ended): draw it and wait for the new deadline at once.
const changed = () => { if (runner.started) loop(); };

// Each key is one runner call at the moment it is pressed; the screen follows the events. A command chosen from
// the "More" menu closes it, so the menu does not cover the session.
const act = (command) => () => { if (record !== null) { command(now()); render(); } closeMenu(); };

// The "More" menu: a button that shows and hides the secondary controls (aria-expanded says which); Escape or a
// tap elsewhere closes it.
function showMenu(open) { $("more-menu").hidden = !open; $("btn-more").setAttribute("aria-expanded", String(open)); }
function closeMenu() { showMenu(false); }
$("btn-more").addEventListener("click", () => showMenu($("more-menu").hidden));
document.addEventListener("click", (event) => { if (!event.target.closest(".more")) closeMenu(); });
const togglePause = act((t) => runner.togglePause(t));
const nextStep = act((t) => runner.skipStep(t));
const skipExercise = act((t) => runner.skipExercise(t));
const back = act((t) => runner.back(t));
const quit = act((t) => runner.quit(t));

// The screen stays awake where the browser allows it.
let wakeLock = null;
async function keepAwake() { try { wakeLock = await navigator.wakeLock?.request("screen"); } catch (_) { wakeLock = null; } }
function releaseWakeLock() { try { wakeLock?.release(); } catch (_) { /* already released */ } }
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && !runner.finished && local) keepAwake(); });

// The person's own day, from the server (their chosen time zone, which the device may not be set to); the device's only if the page has none.
// The person's own day in their time zone, not the device's, worked out when the session starts: a Player kept
// offline from an earlier day must not date today's session by the day the page was made (docs/reminders.md). The
// server's date is the fallback for a zone this browser does not know.
const DAY = (zone) => new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
const localDate = () => {
  try { if (data.time_zone) return DAY(data.time_zone).format(new Date()); } catch { /* an unknown zone */ }
  return data.today;
};

$("precheck-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  if (form.get("redflag") === "yes") {
    const response = await fetch("/api/v1/red-flag", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" }).catch(() => null);
    const advice = response && response.ok ? (await response.json()).advice : "Please seek urgent medical care now.";
    $("precheck").hidden = true; $("stopped").hidden = false; $("stopped-advice").textContent = advice;
    return;
  }
  local = `local-${Date.now()}`;
  record = new SessionRecord(tables, runner, { date: localDate(), painBefore: Number(form.get("pain")) });
  record.onItem = (items) => enqueue({ kind: "patch", local, body: { items } });
  record.extra = (ended) => (cameraOf.has(ended.item) ? { camera: cameraOf.get(ended.item) } : {});
  enqueue({ kind: "create", local, body: record.created() });
  $("precheck").hidden = true;
  keepAwake();
  if ($("camera-switch").checked && !$("camera-switch").disabled) await startCoach();
  $("live").hidden = false;
  runner.start(now());
  loop();
  $("btn-pause").focus();
});

// The camera coach: a switch remembered on this device, and everything camera loaded only once it is on.
const CAMERA = "backcoach-camera";
// The pose model, lite unless the person chose the full one (docs/camera.md, "In the Player"), remembered too.
const CAMERA_MODEL = "backcoach-camera-model";
const cameraNote = (text) => setText("camera-note", text);
async function cameraInstalled() {
  const { cameraStatus } = await import("./camera/camera.js");
  const status = await cameraStatus().catch(() => ({ installed: false }));
  if (status.installed) {
    // The choice is offered only when the server has the full model too.
    const full = Boolean(status.models && status.models.full);
    $("camera-model").value = full && localStorage.getItem(CAMERA_MODEL) === "full" ? "full" : "lite";
    $("camera-model-choice").hidden = !full || !$("camera-switch").checked;
    return true;
  }
  $("camera-model-choice").hidden = true;
  // Off, and it stays off: there is nothing on this server for it to load.
  $("camera-switch").checked = false;
  $("camera-switch").disabled = true;
  cameraNote("The camera coach is not installed on this server.");
  return false;
}
$("camera-switch").addEventListener("change", async () => {
  const on = $("camera-switch").checked;
  localStorage.setItem(CAMERA, on ? "1" : "0");
  cameraNote(on ? "The camera counts your repetitions and times your holds. Nothing it sees leaves this device." : "");
  if (on) await cameraInstalled();
  else $("camera-model-choice").hidden = true;
});
$("camera-model").addEventListener("change", () => localStorage.setItem(CAMERA_MODEL, $("camera-model").value));
if (localStorage.getItem(CAMERA) === "1") {
  $("camera-switch").checked = true;
  cameraInstalled();
}

// What the camera says, in its panel and in the copy a phone shows beside the countdown (the panel is below the
// controls there; the copy is aria-hidden: the panel's line is the one announced).
function cameraSays(text) {
  setText("camera-status", text);
  setText("camera-echo", text);
}
// Opens the camera and runs the framing check before the first exercise; on any failure the session runs on
// the timer, and the page says why.
async function startCoach() {
  $("camera").hidden = false;
  cameraSays("Starting the camera…");
  try {
    const { createCoach } = await import("./camera/coach.js");
    coach = await createCoach({
      data, tables, runner, now, say, show: cameraSays, changed, model: $("camera-model").value,
      elements: { panel: $("camera"), video: $("camera-video"), canvas: $("camera-outline"),
        problems: $("camera-problems"), skip: $("camera-skip") },
    });
  } catch (error) {
    $("camera").classList.add("off");
    const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    const words = refused
      ? "The camera was not allowed, so the session runs on the timer. You can allow it in the browser's site settings."
      : `The camera could not start (${(error && error.message) || error}), so the session runs on the timer.`;
    cameraSays(words);
    say(words);
    return;
  }
  runner.gate = (index) => coach.gate(index);
  $("camera-skip").focus();
  await coach.start();
}
$("camera-skip").addEventListener("click", () => { if (coach) coach.skipFraming(); });

$("after-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const difficulties = Object.fromEntries(record.asked().map((i) => [i, form.get(`difficulty-${i}`)]));
  enqueue({ kind: "patch", local, body: record.finished(Number(form.get("pain")), difficulties) });
  $("after").hidden = true;
  $("done").hidden = false;
  if (!record.completed) $("done-text").textContent = "Your partly done session is saved. Tomorrow morning, tell backcoach how your back feels.";
});

// The pain answer is handled on the form's submit event, which fires before the dialog closes: the close event
// comes later, and a key pressed in between (say, q) must not overtake the report.
let painWasPaused = false;
let painOpen = false;
function askPain() {
  if (record === null || runner.finished || painOpen) return;
  painWasPaused = runner.pausedAt !== null;
  runner.pause(now());
  if (runner.finished) return; // the session ran out before the key was seen: there is nothing left to stop
  painOpen = true;
  render();
  $("pain-now").value = "0";
  $("pain-advice").hidden = true;
  $("pain-dialog").showModal();
}
function painAnswered(stop) {
  if (!painOpen) return;
  painOpen = false;
  answerPain(runner, now(), Number($("pain-now").value), stop, painWasPaused);
  render();
}
const tooMuch = () => Number($("pain-now").value) > tables.suggest_stop_above;
$("pain-form").addEventListener("submit", (event) => painAnswered(event.submitter?.value === "stop"));
$("pain-dialog").addEventListener("cancel", () => painAnswered(false));
$("pain-now").addEventListener("change", () => { $("pain-advice").hidden = !tooMuch(); if (tooMuch()) $("pain-stop").focus(); });

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
  if (muted && "speechSynthesis" in window) speechSynthesis.cancel();
  closeMenu();
});
// A toggle keeps its name ("Mute voice") and says whether it is on with aria-pressed, which the style shows too.
$("btn-mute").setAttribute("aria-pressed", String(muted));

document.addEventListener("keydown", (event) => {
  if ($("live").hidden || $("pain-dialog").open || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (key === " " && event.target.tagName !== "BUTTON") { event.preventDefault(); togglePause(); }
  else if (key === "Escape" && !$("more-menu").hidden) { closeMenu(); $("btn-more").focus(); }
  else if (key === "n") nextStep();
  else if (key === "s") skipExercise();
  else if (key === "b") back();
  else if (key === "p") { event.preventDefault(); askPain(); }
  else if (key === "q") quit();
});

flush();
