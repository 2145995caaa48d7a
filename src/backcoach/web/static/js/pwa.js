// Registers the service worker that keeps Today and the Player working offline (/sw.js, docs/pwa.md), and says so
// on a page shown while the network is down.
if ("serviceWorker" in navigator) {
  const controlled = navigator.serviceWorker.controller !== null;
  const visited = (worker) => worker?.postMessage({ type: "visited", url: location.href });
  navigator.serviceWorker
    .register("/sw.js")
    .then(async () => {
      // This page loaded before a worker controlled it (the first visit): it went past the worker, which is told
      // its address so that Today or the Player is kept all the same.
      if (!controlled) visited((await navigator.serviceWorker.ready).active);
    })
    .catch(() => { /* no worker (a private window, say): every page still works online */ });
  // A new release's worker took over this page: it keeps the page afresh, under its own version.
  navigator.serviceWorker.addEventListener("controllerchange", () => { if (controlled) visited(navigator.serviceWorker.controller); });
  // The worker has no "online" event of its own: a warning sign it holds is sent as soon as a page sees the network.
  window.addEventListener("online", () => navigator.serviceWorker.controller?.postMessage({ type: "online" }));
}

function showOffline() {
  const main = document.getElementById("main");
  let note = document.getElementById("offline-note");
  if (navigator.onLine || main === null) { note?.remove(); return; }
  if (note !== null) return;
  note = document.createElement("p");
  note.id = "offline-note";
  note.className = "notice";
  note.setAttribute("role", "status");
  note.textContent = "You are offline: this is the copy kept on this device. A session you finish is saved when the network is back.";
  main.prepend(note);
}
window.addEventListener("online", showOffline);
window.addEventListener("offline", showOffline);
showOffline();
