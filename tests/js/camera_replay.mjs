// Replays synthetic landmark sessions (src/backcoach/render/landmarks.py) through signals.js, as the Player will
// feed it the pose worker's messages. As a program: `node camera_replay.mjs FILE...`, each FILE a JSON list of
// {session, rules}, or a benchmark chunk {data, sets: [{session, rules, offset, frames}]} whose frames are rows of
// 133 float32 in the binary file `data` (time in ms, then x, y, z, visibility x 33; NaN without a pose); prints one
// JSON line per session with the tracker's summary and events beside the truth.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, resolve } from "node:path";

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

// The same message, written into one reused pose: the tracker keeps nothing of a pose between frames, and a
// benchmark of millions of frames otherwise spends most of its time collecting garbage.
function poseInto(pose, frame) {
  pose.t = frame[0];
  if (frame.length === 1) {
    pose.landmarks = null;
    return pose;
  }
  pose.landmarks = pose.spare;
  for (let j = 0, i = 1; j < 33; j++, i += 4) {
    const lm = pose.landmarks[j];
    lm.x = frame[i];
    lm.y = frame[i + 1];
    lm.z = frame[i + 2];
    lm.visibility = frame[i + 3];
  }
  return pose;
}

export function replay(session, rules, side = session.side) {
  const tracker = createTracker(rules, { side });
  const events = [];
  const spare = Array.from({ length: 33 }, () => ({ x: 0, y: 0, z: 0, visibility: 0 }));
  const pose = { t: 0, width: session.width, height: session.height, landmarks: null, spare };
  for (const frame of session.frames) {
    for (const e of tracker.update(poseInto(pose, frame))) events.push({ ...e, t: frame[0] / 1000 });
  }
  return { summary: tracker.summary(), events };
}

const ROW = 133;

// The frames of one set of a benchmark chunk, as compact frames: the same messages as the JSON form gives.
export function* framesOf(table, frames) {
  for (let k = 0; k < frames; k++) {
    const row = table.subarray(k * ROW, (k + 1) * ROW);
    yield Number.isNaN(row[1]) ? [row[0]] : row;
  }
}

function chunkSessions(file, chunk) {
  let data = readFileSync(resolve(dirname(file), chunk.data));
  if (data.byteOffset % 4) data = new Uint8Array(data); // a float32 view needs 4-byte alignment
  return chunk.sets.map(({ session, rules, offset, frames }) => {
    const table = new Float32Array(data.buffer, data.byteOffset + offset, frames * ROW);
    return { session: { ...session, frames: framesOf(table, frames) }, rules };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    for (const { session, rules } of Array.isArray(parsed) ? parsed : chunkSessions(file, parsed)) {
      const { summary, events } = replay(session, rules);
      const cues = events.filter((e) => e.type === "cue").map((e) => ({ code: e.code, t: e.t }));
      const views = events.filter((e) => e.type === "view").map((e) => e.ok);
      process.stdout.write(
        JSON.stringify({ exercise: session.exercise, seed: session.seed, truth: session.truth, summary, cues, views }) + "\n",
      );
    }
  }
}
