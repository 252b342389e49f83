// Service worker: the ask-for-help form opens with no connection, and needs asked for while
// offline are sent once the connection is back (Background Sync, where the browser has it).
// Served from /sw.js, which first sets self.AID_OFFLINE = {version, pages, assets, scripts,
// replay} (see aid/web/offline.py): a change to any cached file is a new worker and cache.
"use strict";

const settings = self.AID_OFFLINE;
const CACHE = "aid-" + settings.version;
const PAGE_WAIT_MS = 4000; // on a very slow connection, show the saved page rather than wait
const UNREACHABLE = [502, 503, 504]; // the proxy answered, the app did not: as good as offline

importScripts(...settings.scripts); // idb-keyval, then offline.js (the queue, shared with the page)

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll([...settings.assets, ...settings.pages]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith("aid-") && name !== CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (settings.pages.includes(url.pathname) && wholePage(request)) {
    event.respondWith(networkFirst(event, url.pathname));
  } else if (settings.assets.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === self.aidOffline.SYNC_TAG) event.waitUntil(replay());
});

// A navigation or an htmx-boosted one: both get the whole page (an htmx fragment is left alone).
function wholePage(request) {
  return request.mode === "navigate" || request.headers.get("HX-Request") !== "true"
    || request.headers.get("HX-Boosted") === "true";
}

// Pages: the network's answer (saved for later), else the last copy saved.
function networkFirst(event, key) {
  const network = fetch(event.request);
  // Copy the body before the page starts reading it: this reaction is registered first.
  event.waitUntil(network.then((response) => {
    if (!response.ok || response.redirected) return undefined;
    const copy = response.clone();
    return caches.open(CACHE).then((cache) => cache.put(key, copy));
  }).catch(() => undefined));
  const saved = caches.open(CACHE).then((cache) => cache.match(key, { ignoreVary: true }));
  const fallback = () => saved.then((copy) => copy || network);
  const answer = network.then((response) => (UNREACHABLE.includes(response.status) ? fallback() : response));
  const slow = new Promise((resolve) => setTimeout(resolve, PAGE_WAIT_MS)).then(fallback);
  return Promise.race([answer, slow]).catch(() => saved.then((copy) => copy || Response.error()));
}

// Static files: versioned by the worker itself, so the saved copy is the right one.
function cacheFirst(request) {
  return caches.open(CACHE).then((cache) => cache.match(request, { ignoreVary: true }).then((copy) => copy
    || fetch(request).then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })));
}

// Background Sync: send what is queued and tell the open pages; a failure makes the browser retry.
async function replay() {
  const results = await self.aidOffline.flush(); // rejects when there is still no connection
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((page) => page.postMessage({ type: "aid-offline", results }));
  if (results.some((result) => result.status === 429 || result.status >= 500)) {
    throw new Error("the server could not take every saved request yet");
  }
}

// Web push: an offer (or any message) shown as a notification with its buttons.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data.text() };
  }
  const actions = (message.actions || []).map(({ action, title }) => ({ action, title }));
  event.waitUntil(self.registration.showNotification(message.title || "Mutual Aid", {
    body: message.body || "", tag: message.tag, icon: "/static/icon.svg", actions,
    data: { url: message.url || "/me/", actions: message.actions || [] },
  }));
});

// A tap opens (or focuses) the offer; "Accept" takes it first, then shows where that led.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const chosen = (data.actions || []).find((item) => item.action === event.action && item.url);
  event.waitUntil((chosen ? accept(chosen.url).catch(() => data.url) : Promise.resolve(data.url))
    .then((url) => openPage(new URL(url || "/me/", self.location.origin).href)));
});

async function accept(url) {
  const settings = await pushSettings();
  const response = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "X-CSRFToken": settings.csrf } });
  if (!response.ok) throw new Error("accept answered " + response.status);
  return response.url; // the task when it is ours, else the offers page (the redirect was followed)
}

async function openPage(url) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = pages.find((page) => page.url.split("#")[0] === url.split("#")[0]);
  if (same) return same.navigate(url).then((page) => (page || same).focus()).catch(() => same.focus());
  return self.clients.openWindow(url);
}

// The VAPID key and a CSRF token for this session: the worker has no page to read them from.
async function pushSettings() {
  const response = await fetch("/me/push", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error("push settings answered " + response.status);
  return response.json();
}

// The browser renewed (or dropped) the subscription: subscribe again and tell the server,
// which replaces the old endpoint. Logged out, it fails, and the old one ends with a 410.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const settings = await pushSettings();
    const key = Uint8Array.from(atob(settings.key.replace(/-/g, "+").replace(/_/g, "/")
      + "===".slice((settings.key.length + 3) % 4)), (c) => c.charCodeAt(0));
    const subscription = event.newSubscription
      || await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const body = { ...subscription.toJSON(), replaces: event.oldSubscription ? event.oldSubscription.endpoint : "" };
    await fetch("/me/push", { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": settings.csrf } });
  })());
});
