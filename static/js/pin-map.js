// "Pick on a map": loads Leaflet only when asked (the ask page stays light), and a tap on the
// map fills the form's hidden lat/lon fields. Shown only when map tiles are configured.
(function () {
  "use strict";

  function load(button, done) {
    if (window.L) return done();
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = button.dataset.css;
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = button.dataset.js;
    script.onload = done;
    document.head.appendChild(script);
  }

  function open(button) {
    var box = document.querySelector(button.dataset.pinMap);
    var lat = document.querySelector(button.dataset.lat);
    var lon = document.querySelector(button.dataset.lon);
    var status = document.querySelector(button.dataset.status);
    box.hidden = false;
    button.hidden = true;
    load(button, function () {
      var start = lat.value && lon.value ? [+lat.value, +lon.value] : [+button.dataset.centreLat, +button.dataset.centreLon];
      var map = L.map(box).setView(start, 14);
      L.tileLayer(button.dataset.tiles, { maxZoom: 19, attribution: button.dataset.attribution }).addTo(map);
      var pin = null;
      map.on("click", function (event) {
        lat.value = event.latlng.lat.toFixed(6);
        lon.value = event.latlng.lng.toFixed(6);
        pin = pin ? pin.setLatLng(event.latlng) : L.circleMarker(event.latlng, { radius: 10, weight: 3 }).addTo(map);
        status.textContent = button.dataset.found;
      });
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-pin-map]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () { open(button); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
