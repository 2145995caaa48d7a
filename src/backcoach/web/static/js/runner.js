// The browser's copy of the runner's scheduling, executing the tables backcoach.domain.runner.session_tables
// hands the page. Which exercise a step belongs to, what counts as done when an exercise ends, what each command
// does and what each ending means for the record all come from the tables; only the clock arithmetic is here,
// written as runner.py writes it so that both players reach the same step at the same moment (the parity tests in
// tests/test_player_parity.py replay the same traces through both). No DOM: node imports this module too.

export class Runner {
  constructor(tables) {
    this.tables = tables;
    this.steps = tables.steps;
    this.index = 0;
    this.started = false;
    this.finished = false;
    this.pausedAt = null;
    // The clock can also wait for the camera coach (web/static/js/camera/coach.js): `waiting` is true while it
    // does, and `frozenAt` is when the step's clock stopped for either reason. A wait only moves the step's start,
    // so every later boundary follows from the moment the wait ended and nothing drifts.
    this.waiting = false;
    this.frozenAt = null;
    // Asked when a step reaches its end: false keeps the step at its end, waiting, until `proceed`.
    this.gate = null;
    this.stepStart = 0;
    this.listeners = [];
    this.pain = new Map();
    this.ended = new Set();
  }

  get current() { return this.index < this.steps.length ? this.steps[this.index] : null; }
  get totalS() { return this.tables.total_s; }
  itemOf(index) { return index >= 0 && index < this.steps.length ? this.steps[index].item : null; }

  remaining(now) {
    const step = this.current;
    if (step === null) return 0;
    const at = this.frozenAt !== null ? this.frozenAt : now;
    return Math.max(0, this.stepStart + step.duration_s - at);
  }

  elapsed(now) {
    const step = this.current;
    if (step === null) return this.totalS;
    return step.starts_at + (step.duration_s - this.remaining(now));
  }

  deadline() {
    const step = this.current;
    if (step === null || this.frozenAt !== null || !this.started) return null;
    return this.stepStart + step.duration_s;
  }

  subscribe(listener) { this.listeners.push(listener); }

  emit(events) {
    for (const event of events) for (const listener of this.listeners) listener(event);
    return events;
  }

  enter(index, at) {
    this.index = index;
    this.stepStart = at;
    // A wait belongs to the step it was for; a pause carries on into the new step.
    this.waiting = false;
    this.frozenAt = this.pausedAt;
    if (index >= this.steps.length) {
      this.finished = true;
      return [{ type: "session-ended", completed: true, at }];
    }
    return [{ type: "step-started", index, step: this.steps[index], at }];
  }

  endExercise(item, outcome, at) {
    if (this.ended.has(item)) return [];
    this.ended.add(item);
    const info = this.tables.items[item];
    const done = outcome === "completed" ? info.done : this.steps[this.index].done_before;
    const pain = this.pain.has(item) ? this.pain.get(item) : null;
    return [{ type: "exercise-ended", item, exercise: info.exercise, outcome, ...done, pain_during: pain, at }];
  }

  leave(at) {
    const events = [];
    const item = this.steps[this.index].item;
    if (item !== null && this.tables.items[item].last_step === this.index) events.push(...this.endExercise(item, "completed", at));
    events.push(...this.enter(this.index + 1, at));
    return events;
  }

  start(now) {
    if (this.started) return [];
    this.started = true;
    return this.emit(this.enter(0, now));
  }

  advance(now) {
    const events = [];
    while (this.started && !this.finished && this.frozenAt === null) {
      const end = this.stepStart + this.steps[this.index].duration_s;
      if (now < end) break;
      if (this.gate !== null && !this.gate(this.index)) {
        // Stopped exactly at the boundary, not when the clock noticed it: the wait is measured from there.
        this.waiting = true;
        this.frozenAt = end;
        break;
      }
      events.push(...this.leave(end));
    }
    return this.emit(events);
  }

  pause(now) {
    if (!this.started || this.finished || this.pausedAt !== null) return [];
    const events = this.advance(now);
    if (this.finished) return events;
    this.pausedAt = now;
    if (this.frozenAt === null) this.frozenAt = now;
    return [...events, ...this.emit([{ type: "paused", at: now }])];
  }

  resume(now) {
    if (this.pausedAt === null) return [];
    this.pausedAt = null;
    this.thaw(now);
    return this.emit([{ type: "resumed", at: now }]);
  }

  // The clock runs again once neither the person nor the camera holds it.
  thaw(now) {
    if (this.pausedAt !== null || this.waiting || this.frozenAt === null) return;
    this.stepStart += now - this.frozenAt;
    this.frozenAt = null;
  }

  // The camera stops step `index`'s clock where it is (a hold dropped). Nothing happens once the session has left
  // that step or its time is up (the next advance ends it). It emits nothing, so a listener may call it.
  wait(now, index) {
    if (!this.started || this.finished || this.waiting || this.index !== index) return;
    if (this.frozenAt === null && now >= this.stepStart + this.steps[index].duration_s) return;
    this.waiting = true;
    if (this.frozenAt === null) this.frozenAt = now;
  }

  // The camera lets the clock run again: a waiting step's end moves to `now`, and the session goes on from there.
  proceed(now) {
    if (!this.waiting) return [];
    this.waiting = false;
    this.thaw(now);
    return this.advance(now);
  }

  togglePause(now) { return this.pausedAt !== null ? this.resume(now) : this.pause(now); }

  // One of the runner's COMMANDS, as its table says.
  command(name, now, pain = null) {
    const rule = this.tables.commands[name];
    if (!this.started || this.finished) return [];
    const events = this.advance(now);
    if (this.finished) return events;
    if (pain !== null) this.reportPain(pain);
    const at = this.pausedAt !== null ? this.pausedAt : now;
    const item = this.steps[this.index].item;
    if (rule.goes_to === "next") return [...events, ...this.emit(this.leave(at))];
    if (rule.goes_to === "previous-in-exercise") {
      const back = item !== null && this.index > this.tables.items[item].first_step;
      return [...events, ...this.emit(this.enter(back ? this.index - 1 : this.index, at))];
    }
    const ended = item !== null && rule.ends !== null ? this.endExercise(item, rule.ends, at) : [];
    if (rule.goes_to === "end") {
      this.finished = true;
      this.pausedAt = null;
      return [...events, ...this.emit([...ended, { type: "session-ended", completed: false, at }])];
    }
    if (item === null) return events;
    return [...events, ...this.emit([...ended, ...this.enter(this.tables.items[item].last_step + 1, at)])];
  }

  skipStep(now) { return this.command("skip_step", now); }
  skipExercise(now) { return this.command("skip_exercise", now); }
  back(now) { return this.command("back", now); }
  quit(now) { return this.command("quit", now); }
  stopForPain(now, pain) { checkPain(pain); return this.command("stop_for_pain", now, pain); }

  reportPain(pain) {
    checkPain(pain);
    const item = this.index < this.steps.length ? this.steps[this.index].item : null;
    if (item !== null) this.pain.set(item, Math.max(pain, this.pain.get(item) || 0));
  }
}

function checkPain(pain) {
  if (!Number.isInteger(pain) || pain < 0 || pain > 10) throw new RangeError("pain is a whole number from 0 to 10");
}

// The person's answer to "pain right now?", asked with the session paused: stop this exercise, or note the pain
// and carry on; the session goes on unless it was paused before the question.
export function answerPain(runner, now, pain, stop, wasPaused) {
  if (stop) runner.stopForPain(now, pain);
  else runner.reportPain(pain);
  if (!wasPaused) runner.resume(now);
}

// The session record as the browser saves it, kept in step with the runner: an item for every exercise ended
// in a way the outcome table records, then the answers given after the session.
export class SessionRecord {
  constructor(tables, runner, { date, painBefore }) {
    this.tables = tables;
    this.date = date;
    this.painBefore = painBefore;
    this.items = [];
    this.ended = [];
    this.completed = false;
    this.onItem = () => {};
    // Anything measured beside the runner for an ended exercise (the camera coach's `camera` object), or {}.
    this.extra = () => ({});
    runner.subscribe((event) => {
      if (event.type === "session-ended") this.completed = event.completed;
      if (event.type === "exercise-ended") this.add(event);
    });
  }

  add(ended) {
    const rule = this.tables.outcomes[ended.outcome];
    const didSomething = ended.completed_reps || ended.completed_sets || ended.pain_during !== null;
    if (!rule.saved_empty && !didSomething) return;
    const info = this.tables.items[ended.item];
    this.items.push({ exercise: info.exercise, rung: info.rung, prescription: info.prescription,
      completed_reps: ended.completed_reps, completed_sets: ended.completed_sets, difficulty: rule.difficulty,
      pain_during: ended.pain_during, ...this.extra(ended) });
    this.ended.push({ item: ended.item, asks: rule.asks });
    this.onItem(this.items);
  }

  // The positions in `items` that the questions after the session ask about.
  asked() { return this.ended.flatMap((ended, i) => (ended.asks ? [i] : [])); }

  created() { return { date: this.date, pain_before: this.painBefore, partial: true, items: [] }; }

  // The closing change: the pain after, and how each asked item felt (by position; unanswered ones keep theirs).
  finished(painAfter, difficulties) {
    for (const i of this.asked()) if (difficulties[i]) this.items[i].difficulty = difficulties[i];
    return { items: this.items, pain_after: painAfter, partial: !this.completed };
  }
}
