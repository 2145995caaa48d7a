// backcoach's service worker: after one visit with the network on, Today and the Player open, and a whole session
// runs, with no network (docs/pwa.md). The server serves this file at /sw.js with one line in front of it,
// `const CONFIG = {version, shell}`: the cache version and the app shell's addresses (web/pwa.py).
//
// Its caches, all named "backcoach-...":
//   backcoach-shell-VERSION  the app shell, precached at install: styles, modules, icons, the offline pages
//   backcoach-pages-VERSION  personal: Today, the Player and the figures they show, kept as they are visited
//   backcoach-pending        a warning sign answered with no network, until the server has recorded it
// A new version deletes every other shell and pages cache as it activates. Nothing under /api/ and no request but
// a GET is ever cached: the Player's saves wait in its own outbox (player.js).

/* global CONFIG */
const SHELL = `backcoach-shell-${CONFIG.version}`;
const PAGES = `backcoach-pages-${CONFIG.version}`;
const PENDING = "backcoach-pending";
const PENDING_KEY = "/__backcoach/red-flag";
const RED_FLAG = "/api/v1/red-flag";
// Long enough for a slow but working connection to bring a fresh plan, short enough that a dead one (connected
// but passing nothing) does not keep a person waiting for a page the device already has.
const PAGE_TIMEOUT_MS = 4000;
// Figures as Today's <img> tags and the Player's JSON block name them: /figures/ID.svg, with ?rung=RUNG or not.
const FIGURES = /\/figures\/[\w-]+\.svg(?:\?[\w=-]+)?/g;

const MATCH = { ignoreVary: true };

// The personal pages, each under one key: the Player's ?speed=N is read by player.js from the address, so every
// speed is the same page, while ?program=ID is a different session and so a page of its own.
function pageKey(url) {
  if (url.origin !== self.location.origin) return null;
  if (url.pathname === "/today") return "/today";
  if (url.pathname !== "/player") return null;
  const program = url.searchParams.get("program");
  return program ? `/player?program=${encodeURIComponent(program)}` : "/player";
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // "reload": the copies come from the server, never from the HTTP cache, which may hold an older release's.
      await cache.addAll(CONFIG.shell.map((url) => new Request(url, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

// The personal pages the previous version kept, fetched again for this one when a page next talks to it: an old
// page with a new release's scripts could break, so none is carried over as it was.
let carried = [];

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const old = (await caches.keys()).filter((name) => name.startsWith("backcoach-") && ![SHELL, PAGES, PENDING].includes(name));
      for (const name of old.filter((n) => n.startsWith("backcoach-pages-"))) {
        const keys = await (await caches.open(name)).keys();
        carried.push(...keys.map((request) => pageKey(new URL(request.url))).filter(Boolean));
      }
      await Promise.all(old.map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === RED_FLAG) event.respondWith(redFlag(request));
    // Signing out and deleting the account leave nothing personal on the device, whatever the server answers.
    else if (url.pathname === "/signout" || url.pathname === "/account/delete") event.waitUntil(forgetPages());
    return;
  }
  if (url.pathname.startsWith("/api/")) return;
  const key = pageKey(url);
  if (key !== null) page(event, key);
  else if (url.pathname.startsWith("/static/") || CONFIG.shell.includes(url.pathname)) event.respondWith(fromShell(event));
  else if (url.pathname.startsWith("/figures/")) event.respondWith(figure(request));
  else if (request.mode === "navigate") event.respondWith(fetch(request).catch(() => offline(null)));
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "visited") {
    // A page that loaded before this worker controlled it (the first visit, or a new release) went past it.
    const keys = [pageKey(new URL(message.url, self.location.origin)), ...carried].filter(Boolean);
    carried = [];
    event.waitUntil(Promise.all([...new Set(keys)].map((key) => refresh(key).catch(() => {}))));
  } else if (message.type === "online") event.waitUntil(replay());
});

// Pages: the network first (a fresh plan whenever it can be had), the device's copy when it cannot.
function page(event, key) {
  let kept = Promise.resolve();
  const fresh = (async () => {
    if (await flagPending()) {
      await replay();
      // Not recorded yet (the server failed): the session stays stopped, as the person was told.
      if (await flagPending()) throw new Error("the warning sign is not recorded yet");
    }
    const response = await fetch(event.request);
    kept = keep(key, response.clone());
    return response;
  })();
  event.waitUntil(fresh.then(() => kept, () => {}).catch(() => {}));
  event.respondWith(answer(key, fresh));
}

async function answer(key, fresh) {
  const timeout = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT_MS, null));
  try {
    const response = await Promise.race([fresh, timeout]);
    if (response) return response;
  } catch (_) { /* no network: the copy below */ }
  if (!(await flagPending())) {
    const copy = await caches.match(key, { ...MATCH, cacheName: PAGES });
    if (copy) return copy;
  }
  return fresh.catch(() => offline(key));
}

// What a page's answer from the network does to the device's copies.
async function keep(key, response) {
  const cache = await caches.open(PAGES);
  // A page that sends its visitor elsewhere sends them to sign in: nobody is signed in any more.
  const signedOut = response.type === "opaqueredirect" || response.redirected;
  if (response.status === 200 && response.type === "basic" && !signedOut) {
    const text = await response.clone().text();
    const before = key === "/today" ? await (await cache.match(key, MATCH))?.text() : undefined;
    await cache.put(key, response);
    await keepFigures(cache, text);
    // Today and the Player show the same plan: keeping one fresh without the other would start, offline, a
    // session other than the one Today shows. The Player costs the server several times what Today does, so it
    // is fetched again only when Today changed or the kept one is from another day, not on every visit.
    if (key === "/today" && (text !== before || !(await keptToday("/player")))) await refresh("/player").catch(() => {});
  } else if (signedOut || (key === "/today" && response.status < 500 && response.status !== 404)) {
    // Today blocked by a safety check (403) or with no plan that fits (422): no copy may offer a session.
    await forgetPages();
  } else if (response.status < 500) {
    // The Player alone refused (say, the safety check is older than six weeks) or an unknown program.
    await cache.delete(key, MATCH);
  }
}

async function keptToday(key) {
  const copy = await caches.match(key, { ...MATCH, cacheName: PAGES });
  const at = copy ? new Date(copy.headers.get("Date")) : null;
  return at !== null && at.toDateString() === new Date().toDateString();
}

async function refresh(key) {
  await keep(key, await fetch(key, { credentials: "same-origin", cache: "no-store" }));
}

async function keepFigures(cache, text) {
  const wanted = [...new Set(text.match(FIGURES) || [])];
  await Promise.all(
    wanted.map(async (url) => {
      if (await cache.match(url, MATCH)) return;
      const response = await fetch(url).catch(() => null);
      if (response && response.ok) await cache.put(url, response);
    }),
  );
}

function forgetPages() {
  return caches.delete(PAGES);
}

// Static files and the offline pages: the copy of this version first.
async function fromShell(event) {
  const copy = await caches.match(event.request, { ...MATCH, cacheName: SHELL });
  if (copy) return copy;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(SHELL);
    event.waitUntil(cache.put(event.request, response.clone()));
  }
  return response;
}

// A figure that a kept page shows is served from its copy; any other comes from the network and is not kept.
async function figure(request) {
  return (await caches.match(request, { ...MATCH, cacheName: PAGES })) || fetch(request);
}

async function offline(key) {
  const path = key !== null && (await flagPending()) ? "/offline/stop" : "/offline";
  return (await caches.match(path, { ...MATCH, cacheName: SHELL })) || Response.error();
}

// The pre-session check's warning sign. The Player stops the session whatever the answer to its POST; with no
// network the server has not recorded it, so the worker keeps it and sends it first thing when the network is back
// (before any page, so that Today and the Player come back blocked), and meanwhile shows the page that says not
// to exercise in place of Today and the Player. Their copies are dropped either way: they were made before.
async function redFlag(request) {
  const csrf = request.headers.get("X-CSRF-Token") || "";
  await forgetPages();
  try {
    const response = await fetch(request);
    if (response.status >= 500) await remember(csrf);
    return response;
  } catch (error) {
    await remember(csrf);
    throw error;
  }
}

async function remember(csrf) {
  const cache = await caches.open(PENDING);
  await cache.put(PENDING_KEY, new Response(JSON.stringify({ csrf })));
}

async function flagPending() {
  return (await caches.match(PENDING_KEY, { cacheName: PENDING })) !== undefined;
}

let replaying = null;
function replay() {
  replaying ??= (async () => {
    const stored = await caches.match(PENDING_KEY, { cacheName: PENDING });
    if (!stored) return;
    const { csrf } = await stored.json();
    const response = await fetch(RED_FLAG, { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    // Recorded; or refused for good (signed out, or another person's sign-in: the CSRF token is the one the answer
    // was given under, so it can never be recorded against anyone else). Kept for another try only when the server
    // failed or asked to wait.
    if (response.ok || (response.status < 500 && response.status !== 408 && response.status !== 429)) await caches.delete(PENDING);
  })()
    .catch(() => { /* still offline: kept for the next try */ })
    .finally(() => { replaying = null; });
  return replaying;
}
