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

  document.addEventListener("DOMContentLoaded", function () { setUpLocate(document); });
  document.addEventListener("htmx:load", function (event) { setUpLocate(event.target); });
})();
