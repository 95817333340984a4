// GSign's service worker caches the app shell only: the built scripts,
// styles and icons under /app/, and the page that loads them. It never
// caches API responses, documents or signing pages: anything outside
// /app/ is left to the network untouched.
const CACHE = "gsign-shell-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/app/")) return;
  if (url.pathname.startsWith("/app/assets/")) {
    // Hashed names: a cached copy is always the right one.
    event.respondWith(caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(req);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok) cache.put(req, res.clone());
      return res;
    }));
    return;
  }
  if (req.mode === "navigate") {
    // The shell page: fresh from the network, the cached one when offline.
    event.respondWith(fetch(req).then((res) => {
      if (res.ok) caches.open(CACHE).then((c) => c.put("/app/", res.clone()));
      return res;
    }).catch(() => caches.match("/app/").then((hit) => hit || Response.error())));
  }
});
