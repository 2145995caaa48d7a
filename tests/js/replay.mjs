// Replays a command trace through the browser player's core (runner.js), as player.js drives it, and returns what
// the browser would send to the API. tests/test_player_parity.py runs the same traces through the terminal player.
// Run as a script, it answers one JSON case per line on stdin with one JSON result per line on stdout.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

import { Runner, SessionRecord, answerPain } from "../../src/backcoach/web/static/js/runner.js";

// A trace: pain before, commands, pain after, and the answers to "how did it feel?" in the order they are asked.
// Commands are [op, ...args]: `tick S` lets S seconds pass unnoticed (a key may come before the player's loop
// looks at the clock: the runner's catch-up), `wait S` lets them pass and the loop notice; space, next, skip,
// back and quit are the keys; `pain VALUE STOP` answers the pain question (STOP: stop this exercise).
export function replay(tables, trace, date) {
  const runner = new Runner(tables);
  const record = new SessionRecord(tables, runner, { date, painBefore: trace.pain_before });
  const sent = [{ kind: "create", body: record.created() }];
  record.onItem = (items) => sent.push({ kind: "patch", body: structuredClone({ items }) });
  let now = 0;
  runner.start(now);
  for (const [op, ...args] of trace.commands) {
    if (runner.finished) break;
    if (op === "tick") { now += args[0]; continue; }
    if (op === "wait") now += args[0];
    else if (op === "space") runner.togglePause(now);
    else if (op === "next") runner.skipStep(now);
    else if (op === "skip") runner.skipExercise(now);
    else if (op === "back") runner.back(now);
    else if (op === "quit") runner.quit(now);
    else if (op === "pain") {
      // As player.js does: the question pauses the session, the answer resumes it unless it was paused before.
      const wasPaused = runner.pausedAt !== null;
      runner.pause(now);
      answerPain(runner, now, args[0], args[1], wasPaused);
    } else throw new Error(`unknown command ${op}`);
    runner.advance(now);
  }
  if (!runner.finished) {
    // The rest of the session plays out.
    runner.resume(now);
    runner.advance(now + tables.total_s + 1);
  }
  const asked = record.asked();
  const answers = Object.fromEntries(asked.map((position, j) => [position, trace.difficulties[j] ?? null]));
  sent.push({ kind: "patch", body: structuredClone(record.finished(trace.pain_after, answers)) });
  // What the server ends up with: the created record, each change replacing the fields it gives.
  const saved = sent.reduce((merged, op) => ({ ...merged, ...op.body }), {});
  return { sent, saved };
}

// The runner alone: commands [name, seconds later, pain] straight to it, and every event it emits.
export function replayRunner(tables, commands) {
  const runner = new Runner(tables);
  const log = [];
  runner.subscribe((event) => log.push(event));
  let now = 0;
  runner.start(now);
  const call = {
    advance: () => runner.advance(now), pause: () => runner.pause(now), resume: () => runner.resume(now),
    skip_step: () => runner.skipStep(now), skip_exercise: () => runner.skipExercise(now), back: () => runner.back(now),
    quit: () => runner.quit(now), stop_for_pain: (pain) => runner.stopForPain(now, pain),
    report_pain: (pain) => runner.reportPain(pain),
  };
  for (const [name, seconds, pain] of commands) {
    now += seconds;
    call[name](pain);
  }
  runner.resume(now);
  runner.advance(now + tables.total_s + 1);
  return log.map(({ step, ...event }) => event);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const { tables, trace, date } = JSON.parse(line);
    let answer;
    try {
      // A person's trace through the player, or (runner_commands) commands straight to the runner.
      answer = trace.runner_commands ? { events: replayRunner(tables, trace.runner_commands) } : replay(tables, trace, date);
    } catch (error) { answer = { error: String(error.stack || error) }; }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
}
