// Replays synthetic landmark sessions (src/backcoach/render/landmarks.py) through signals.js, as the Player will
// feed it the pose worker's messages. As a program: `node camera_replay.mjs FILE...`, each FILE a JSON list of
// {session, rules}; prints one JSON line per session with the tracker's summary and events beside the truth.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const signals = await import(pathToFileURL(resolve(here, "../../src/backcoach/web/static/js/camera/signals.js")).href);

export const { createTracker } = signals;

// A compact frame [t] or [t, x0, y0, z0, v0, ...] as the worker's {t, width, height, landmarks} message.
export function poseOf(frame, session) {
  const pose = { t: frame[0], width: session.width, height: session.height, landmarks: null };
  if (frame.length > 1) {
    pose.landmarks = [];
    for (let i = 1; i < frame.length; i += 4) {
      pose.landmarks.push({ x: frame[i], y: frame[i + 1], z: frame[i + 2], visibility: frame[i + 3] });
    }
  }
  return pose;
}

export function replay(session, rules, side = session.side) {
  const tracker = createTracker(rules, { side });
  const events = [];
  for (const frame of session.frames) {
    for (const e of tracker.update(poseOf(frame, session))) events.push({ ...e, t: frame[0] / 1000 });
  }
  return { summary: tracker.summary(), events };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    for (const { session, rules } of JSON.parse(readFileSync(file, "utf8"))) {
      const { summary, events } = replay(session, rules);
      const cues = events.filter((e) => e.type === "cue").map((e) => ({ code: e.code, t: e.t }));
      const views = events.filter((e) => e.type === "view").map((e) => e.ok);
      process.stdout.write(
        JSON.stringify({ exercise: session.exercise, seed: session.seed, truth: session.truth, summary, cues, views }) + "\n",
      );
    }
  }
}
