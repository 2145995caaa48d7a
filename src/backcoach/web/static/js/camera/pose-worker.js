// The pose worker: MediaPipe's PoseLandmarker (CPU, VIDEO mode, one person) in a module Web Worker, so inference
// never blocks the Player's clock (docs/camera.md, "Pose worker"). Everything it loads comes from this app's
// /camera/ folder; nothing it is given or finds leaves the page.
//
// In:  {type: "init", model: "lite"|"full"}
//      {type: "frame", frame: ImageBitmap (transferred), t: milliseconds}
//      {type: "close"}
// Out: {type: "ready", model}
//      {type: "error", message}
//      {type: "pose", t, width, height, landmarks: [{x, y, z, visibility}] x 33 | null, ms}

let landmarker = null;
let model = null;
let last = -Infinity;
// Messages are handled one at a time, in order: a frame that arrives while the model loads waits for it.
let queue = Promise.resolve();

self.addEventListener("message", (event) => {
  const message = event.data || {};
  queue = queue.then(() => handle(message)).catch((error) => {
    if (message.frame) message.frame.close();
    self.postMessage({ type: "error", message: String((error && error.message) || error) });
  });
});

async function handle(message) {
  if (message.type === "init") await init(message.model || "lite");
  else if (message.type === "frame") detect(message.frame, message.t);
  else if (message.type === "close") {
    if (landmarker) landmarker.close();
    landmarker = null;
    self.close();
  } else throw new Error(`unknown message type ${JSON.stringify(message.type)}: init, frame or close`);
}

async function init(name) {
  const response = await fetch("/camera/status.json");
  if (!response.ok) throw new Error(`the camera coach's status could not be read (HTTP ${response.status})`);
  const status = await response.json();
  if (!status.installed) throw new Error("The camera coach is not installed on this server.");
  const path = status.models[name];
  if (!path) throw new Error(`no such pose model: ${JSON.stringify(name)}; the models are ${Object.keys(status.models).join(", ")}`);
  const vision = await import(status.bundle);
  // true: the wasm build made for module workers, which loads its loader with import() (a module worker has no
  // importScripts).
  const fileset = await vision.FilesetResolver.forVisionTasks(status.wasm, true);
  if (landmarker) landmarker.close();
  landmarker = await vision.PoseLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: path, delegate: "CPU" },
    runningMode: "VIDEO",
    numPoses: 1,
  });
  model = name;
  last = -Infinity;
  self.postMessage({ type: "ready", model });
}

function detect(frame, t) {
  try {
    if (!landmarker) throw new Error("a frame came before the model was ready: send init and wait for ready");
    // VIDEO mode tracks the person from frame to frame and needs strictly increasing timestamps.
    const stamp = Math.max(t, last + 1);
    last = stamp;
    const start = performance.now();
    const result = landmarker.detectForVideo(frame, stamp);
    const ms = performance.now() - start;
    const found = result.landmarks && result.landmarks[0];
    const landmarks = found
      ? found.map((p) => ({ x: p.x, y: p.y, z: p.z, visibility: p.visibility ?? 0 }))
      : null;
    self.postMessage({ type: "pose", t, width: frame.width, height: frame.height, landmarks, ms });
  } finally {
    frame.close();
  }
}
