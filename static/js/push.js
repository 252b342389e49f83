// "Get offers as notifications on this phone": asks permission, subscribes this browser with the
// server's VAPID key and posts the subscription (CSRF header as htmx sends it). The section stays
// hidden where the browser cannot do push; without JavaScript nothing changes.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function keyBytes(base64url) {
    const text = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    }).then((response) => {
      if (!response.ok) throw new Error("server answered " + response.status);
      return response;
    });
  }

  async function setUp(section) {
    if (section.dataset.ready) return;
    section.dataset.ready = "1";
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    const on = section.querySelector("[data-push-on]");
    const off = section.querySelector("[data-push-off]");
    const status = section.querySelector("[data-push-status]");
    const say = (name) => { status.textContent = section.dataset[name] || ""; };
    const registration = await navigator.serviceWorker.ready;
    const show = (subscribed) => { on.hidden = subscribed; off.hidden = !subscribed; };
    show(Boolean(await registration.pushManager.getSubscription()));
    section.hidden = false;

    on.addEventListener("click", async () => {
      on.disabled = true;
      try {
        if (await Notification.requestPermission() !== "granted") {
          say("denied");
          return;
        }
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(section.dataset.key),
        });
        await post(section.dataset.subscribe, subscription.toJSON());
        show(true);
        say("on");
      } catch (error) {
        say("failed");
      } finally {
        on.disabled = false;
      }
    });

    off.addEventListener("click", async () => {
      off.disabled = true;
      try {
        const subscription = await registration.pushManager.getSubscription();
        if (subscription) {
          await post(section.dataset.unsubscribe, { endpoint: subscription.endpoint });
          await subscription.unsubscribe();
        }
        show(false);
        say("off");
      } catch (error) {
        say("failed");
      } finally {
        off.disabled = false;
      }
    });
  }

  function scan() {
    document.querySelectorAll("[data-push]").forEach((section) => { setUp(section); });
  }

  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:load", scan); // a boosted navigation brings the profile in
}());
