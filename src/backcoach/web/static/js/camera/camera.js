// The camera and the pose worker together (docs/camera.md, "Pose worker"): opens the camera, hands each new video
// frame to the worker, and passes its pose messages on, as a callback or an async iterable. One frame is in the
// worker at a time; frames that come while it works are dropped, never queued, so the poses stay current however
// slow the device.

const WORKER = new URL("./pose-worker.js", import.meta.url);

// Whether the server has the pose runtime, and which models ({installed, version, bundle, wasm, models}).
export async function cameraStatus() {
  const response = await fetch("/camera/status.json");
  if (!response.ok) return { installed: false, models: {} };
  return response.json();
}

// Opens the camera ("user": the one facing the person; "environment": the back one) and starts the worker.
// Resolves once the model is loaded and frames flow; rejects with the worker's or the browser's reason.
// `video` is the element to show the camera in (one is made when not given).
export async function startCamera({ facing = "user", model = "lite", video = null } = {}) {
  const worker = new Worker(WORKER, { type: "module" });
  const listeners = new Set();
  const stats = { sent: 0, dropped: 0, poses: 0, rested: 0 };
  let stream = null;
  let busy = false;
  // While false, frames go by unread: the video stays open (so reading starts again on the next frame) but the
  // model does no work, and the page's own thread keeps the core it would have shared with it.
  let reading = true;
  let stopped = false;
  let failure = null;

  const emit = (message) => {
    for (const listener of listeners) listener(message);
  };

  const ready = new Promise((resolve, reject) => {
    worker.addEventListener("message", (event) => {
      const message = event.data;
      if (message.type === "ready") resolve(message);
      else if (message.type === "error") {
        failure = new Error(message.message);
        reject(failure);
        busy = false;
        emit(message);
      } else if (message.type === "pose") {
        busy = false;
        stats.poses += 1;
        emit(message);
      }
    });
    worker.addEventListener("error", (event) => {
      failure = new Error(event.message || "the pose worker failed to start");
      reject(failure);
      emit({ type: "error", message: failure.message });
    });
  });
  // Awaited below once the camera is open; a camera refused first must not leave this rejection unhandled.
  ready.catch(() => {});
  worker.postMessage({ type: "init", model });

  const element = video || document.createElement("video");
  element.muted = true;
  element.playsInline = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: facing }, audio: false });
    element.srcObject = stream;
    await element.play();
    await ready;
  } catch (error) {
    stop();
    throw error;
  }

  const onFrame = async (now) => {
    if (stopped) return;
    element.requestVideoFrameCallback(onFrame);
    if (!reading) {
      stats.rested += 1;
      return;
    }
    if (busy) {
      stats.dropped += 1;
      return;
    }
    busy = true;
    try {
      const frame = await createImageBitmap(element);
      if (stopped) {
        frame.close();
        return;
      }
      stats.sent += 1;
      // `now` is the frame's presentation time on the page's performance.now() clock, the Player's clock.
      worker.postMessage({ type: "frame", frame, t: now }, [frame]);
    } catch {
      busy = false;
    }
  };
  element.requestVideoFrameCallback(onFrame);

  function stop() {
    if (stopped) return;
    stopped = true;
    worker.postMessage({ type: "close" });
    if (stream) for (const track of stream.getTracks()) track.stop();
    element.srcObject = null;
    for (const listener of listeners) listener({ type: "closed" });
    listeners.clear();
  }

  // Calls `listener` with every pose (and error) message until the returned function is called or the camera stops.
  function subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  // `for await (const message of camera.poses())`: the messages from now on; a slow reader sees only the newest
  // message, not a backlog.
  function poses() {
    let latest = null;
    let wake = null;
    let done = false;
    const unsubscribe = subscribe((message) => {
      if (message.type === "closed") done = true;
      else latest = message;
      if (wake) wake();
    });
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (latest === null && !done) await new Promise((resolve) => (wake = resolve));
        wake = null;
        if (latest === null) return { done: true, value: undefined };
        const value = latest;
        latest = null;
        return { done: false, value };
      },
      async return() {
        unsubscribe();
        done = true;
        return { done: true, value: undefined };
      },
    };
  }

  return {
    model, video: element, stats, subscribe, poses, stop,
    get failure() { return failure; },
    get reading() { return reading; },
    set reading(on) { reading = Boolean(on); },
  };
}
