// Asking for help with no connection: the need is saved on the phone (IndexedDB, through
// idb-keyval) and sent to the replay endpoint when the connection is back. The first part
// runs in the page and in the service worker (which imports this file for Background Sync);
// the second part, the ask form and the messages, only in the page.
(function (scope) {
  "use strict";

  const kv = scope.idbKeyval;
  const inPage = typeof document !== "undefined";
  const settings = inPage ? document.currentScript.dataset : scope.AID_OFFLINE;
  const SYNC_TAG = "aid-replay";
  // client id -> the form's fields as [name, value] pairs: nothing else, no CSRF token.
  const queue = kv.createStore("aid-queue", "needs");
  // client id -> tracking link of a need sent from the queue, until the person opens it.
  const sent = kv.createStore("aid-sent", "links");

  // Send one queued need. Resolves {id, status, url, errors}; rejects when there is no connection.
  async function send(id, fields) {
    const response = await fetch(settings.replay, {
      method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json().catch(() => ({}));
    const url = response.ok && typeof body.url === "string" ? body.url : undefined;
    if (url) {
      await kv.set(id, url, sent);
      await kv.del(id, queue); // only once the server has it: a lost answer means one more replay
    }
    const wait = Number(response.headers.get("Retry-After")) || 0; // seconds, when a rate limit refused it
    return { id, status: response.status, url, errors: body.errors, wait };
  }

  // Send everything queued, one at a time. A replay is harmless: the client id makes it the same need.
  async function flush() {
    const results = [];
    for (const [id, fields] of await kv.entries(queue)) results.push(await send(id, fields));
    return results;
  }

  scope.aidOffline = { flush, SYNC_TAG };
  if (!inPage) return;

  const RETRY_MS = 30000;
  const messages = JSON.parse(document.querySelector("meta[name=aid-offline-messages]")?.content || "{}");
  let flushing = null;
  let retry = null;
  let leaving = false;

  function askForm() {
    return document.getElementById("ask-form");
  }

  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  // Every ask form gets its id on load, so even an online send can be repeated safely.
  function fillId(form) {
    const field = form?.elements.client_id;
    if (field && !/^[A-Za-z0-9_-]{16,64}$/.test(field.value)) field.value = newId();
  }

  // One paragraph per kind of message, in a live region at the top of the page.
  function say(key, text, kind, links) {
    const box = statusBox();
    if (!box || !text) return null;
    let line = box.querySelector(`[data-key="${key}"]`);
    if (!line) {
      line = document.createElement("p");
      line.dataset.key = key;
      box.append(line);
    }
    line.className = "flash flash-" + kind;
    line.textContent = text;
    (links || []).forEach((link) => {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      if (link.onclick) a.addEventListener("click", link.onclick);
      line.append(" ", a);
    });
    return line;
  }

  function unsay(key) {
    document.querySelector(`#offline-status [data-key="${key}"]`)?.remove();
  }

  function statusBox() {
    const main = document.getElementById("main");
    let box = document.getElementById("offline-status");
    if (main && !box) {
      box = document.createElement("div");
      box.id = "offline-status";
      box.setAttribute("role", "status");
      main.prepend(box);
    }
    return box;
  }

  // Save the form on the phone, and say so; it is sent when the connection is back.
  async function keep(form, text = messages.queued, waitMs = RETRY_MS) {
    fillId(form);
    const fields = [...new FormData(form)].filter(([name]) => name !== "csrf_token");
    await kv.set(form.elements.client_id.value, fields, queue);
    say("queued", text, "info")?.scrollIntoView({ block: "center" });
    requestSync();
    if (navigator.onLine) retrySoon(waitMs);
  }

  // The server refused a valid need for now (a rate limit, 429) and marked the form held:
  // it waits in the queue and is sent by itself once the limit lets it through.
  function hold(form) {
    if (!form?.dataset.held || form.dataset.kept) return;
    form.dataset.kept = "1";
    form.querySelector("[data-wait]")?.remove(); // "press Send again": not needed any more
    keep(form, messages.held, Number(form.dataset.held) * 1000);
  }

  async function requestSync() {
    try {
      const registration = await navigator.serviceWorker?.getRegistration();
      await registration?.sync?.register(SYNC_TAG);
    } catch (error) { // no Background Sync here: the "online" event and the next visit send it
      console.warn("offline: no background sync", error);
    }
  }

  function retrySoon(waitMs = RETRY_MS) {
    retry = retry || setTimeout(() => {
      retry = null;
      if (navigator.onLine) flushNow();
    }, Math.max(waitMs || 0, RETRY_MS));
  }

  function flushNow() {
    flushing = flushing || flush().then(settle, () => stillOffline()).finally(() => { flushing = null; });
    return flushing;
  }

  async function stillOffline(waitMs, text) {
    await showPending(text);
    retrySoon(waitMs);
  }

  // What to do with sent needs (from this page or the worker): open this form's own need,
  // show a form the server refused with its reasons, list links to the others.
  async function settle(results) {
    const form = askForm();
    const own = form && results.find((result) => result.url && result.id === form.elements.client_id.value);
    if (own) {
      // The page and the worker may both have sent it: open its page once.
      if (!leaving) window.location.assign(own.url);
      leaving = true;
      return;
    }
    const refused = results.find((result) => result.status === 422);
    const fields = refused && await kv.get(refused.id, queue); // gone: the page or worker already showed it
    if (fields && form) {
      fill(form, fields);
      showErrors(form, refused.errors || {});
      await kv.del(refused.id, queue); // it is in the form now, for the person to correct
    } else if (fields) {
      say("check", messages.check, "error", [{ href: settings.ask, text: messages.check_link }]);
    }
    const unsent = results.filter((result) => !result.url && result.status !== 422);
    const later = unsent.filter((result) => result.status === 429 || result.status >= 500);
    // Online, but the server could not take it yet: try again when it says (Retry-After).
    if (later.length) await stillOffline(Math.max(...later.map((result) => result.wait * 1000)), messages.held);
    else if (unsent.length) await showPending(); // refused for good (403): kept, never lost
    if (!(await kv.keys(queue)).length) unsay("queued");
    await showSent();
  }

  // A need still waiting: say so, and show it in an untouched ask form (resending it is harmless).
  async function showPending(text = messages.queued) {
    const waiting = await kv.entries(queue);
    if (!waiting.length) return;
    const form = askForm();
    if (form && !form.dataset.edited) fill(form, waiting[0][1]);
    say("queued", text, "info");
  }

  async function showSent() {
    const links = await kv.entries(sent);
    const forget = (id) => kv.del(id, sent);
    await Promise.all(links.filter(([, url]) => url === window.location.pathname).map(([id]) => forget(id)));
    const others = links.filter(([, url]) => url !== window.location.pathname);
    if (others.length) {
      say("sent", messages.sent, "ok", others.map(([id, url]) => ({ href: url, text: messages.open, onclick: () => forget(id) })));
    }
  }

  function fill(form, fields) {
    const values = new Map();
    fields.forEach(([name, value]) => values.set(name, [...(values.get(name) || []), value]));
    for (const input of form.elements) {
      if (!input.name || input.name === "csrf_token" || input.tagName === "BUTTON") continue;
      const given = values.get(input.name) || [];
      if (input.type === "radio" || input.type === "checkbox") input.checked = given.includes(input.value);
      else input.value = given[0] ?? "";
    }
    const locate = form.querySelector("[data-locate]");
    const status = locate && document.querySelector(locate.dataset.status);
    if (status && values.get("lat")?.[0] && values.get("lon")?.[0]) status.textContent = locate.dataset.found || "";
  }

  // The server's reasons, placed as the server's own form places them.
  function showErrors(form, errors) {
    form.querySelectorAll("[data-offline-error]").forEach((element) => element.remove());
    const summary = document.createElement("p");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.dataset.offlineError = "";
    summary.textContent = messages.fix || "";
    for (const [name, list] of Object.entries(errors)) {
      const field = form.elements[name];
      const input = field instanceof RadioNodeList ? field[0] : field;
      const holder = input && input.type !== "hidden" ? input.closest(".field") : null;
      const reason = [].concat(list).join(" ");
      if (!holder) {
        summary.append(" ", reason);
        continue;
      }
      const line = document.createElement("p");
      line.className = "error";
      line.dataset.offlineError = "";
      line.id = name + "-error";
      line.textContent = reason;
      holder.classList.add("has-error");
      holder.append(line);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", line.id);
    }
    form.prepend(summary);
    summary.scrollIntoView({ block: "center" });
  }

  // Offline, the form is saved instead of sent; this runs before htmx's own submit handler.
  function onSubmit(event) {
    const form = askForm();
    if (event.target !== form || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    keep(form);
  }

  // Online, but the request never arrived (or the app is unreachable): save it all the same.
  function onSendError(event) {
    const form = askForm();
    if (form && event.detail.elt === form) keep(form);
  }

  // A proxy answered for the app (502-504): as good as offline, so save it the same way.
  function onResponseError(event) {
    const form = askForm();
    const status = event.detail.xhr.status;
    if (form && event.detail.elt === form && status >= 502 && status <= 504) keep(form);
  }

  function refresh() {
    statusBox();
    fillId(askForm());
    showSent();
    if (navigator.onLine) flushNow();
    else showPending();
    hold(askForm());
  }

  function start() {
    if ("serviceWorker" in navigator && settings.worker) {
      navigator.serviceWorker.register(settings.worker).catch((error) => console.warn("offline: no service worker", error));
      navigator.serviceWorker.addEventListener("message", (event) => {
        // Let this page's own send finish first: leaving the page would cut it off mid-way.
        if (event.data?.type === "aid-offline") Promise.resolve(flushing).then(() => settle(event.data.results));
      });
    }
    refresh();
  }

  document.addEventListener("submit", onSubmit, true);
  document.addEventListener("input", (event) => {
    if (event.target.form && event.target.form === askForm()) event.target.form.dataset.edited = "1";
  });
  document.addEventListener("htmx:sendError", onSendError);
  document.addEventListener("htmx:responseError", onResponseError);
  // A boosted link or form swaps in a new <main>: look again at what is waiting.
  document.addEventListener("htmx:load", (event) => { if (event.target.id === "main") refresh(); });
  window.addEventListener("online", flushNow);
  document.addEventListener("DOMContentLoaded", start);
})(self);
