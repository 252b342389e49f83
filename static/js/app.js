// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";

  // "Use my location": fills the hidden lat/lon fields from the browser's geolocation.
  function setUpLocate(root) {
    root.querySelectorAll("[data-locate]").forEach(function (button) {
      if (!("geolocation" in navigator) || button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var status = document.querySelector(button.dataset.status);
        status.textContent = button.dataset.finding || "…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.querySelector(button.dataset.lat).value = pos.coords.latitude.toFixed(6);
          document.querySelector(button.dataset.lon).value = pos.coords.longitude.toFixed(6);
          status.textContent = button.dataset.found || "✓";
        }, function () {
          status.textContent = button.dataset.failed || "✗";
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    });
  }

  // "Copy link": copies the private tracking link (or opens the phone's share sheet).
  function setUpCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      var field = document.querySelector(button.dataset.copy);
      field.addEventListener("focus", function () { field.select(); });
      button.addEventListener("click", function () {
        field.select();
        var done = function () { button.textContent = button.dataset.copied; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  // Times are stored in UTC: show them in the reader's own time zone.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) el.textContent = when.toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    });
  }

  function enhance(root) {
    setUpLocate(root);
    setUpCopy(root);
    localTimes(root);
    var focus = root.querySelector && root.querySelector("[data-focus]");
    if (focus) focus.focus();
    if ("geolocation" in navigator) {
      root.querySelectorAll("[data-locate-only]").forEach(function (el) { el.hidden = false; });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();

// Character counters (static/js/counter.js, a module): fetched only when a field with a limit is
// first focused, so pages stay light until someone types.
document.addEventListener("focusin", function loadCounter(event) {
  var meta = document.querySelector('meta[name="aid-counter"]');
  if (!meta || !event.target.closest || !event.target.closest("[data-limit]")) return;
  document.removeEventListener("focusin", loadCounter);
  import(meta.content);
});
