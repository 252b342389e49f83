// The coordinator's map: open needs as points, over tiles if configured, else a blank layer.
(function () {
  "use strict";
  var COLOURS = { late: "#a4001d", soon: "#d98c00", "": "#0b5d3b" };

  function draw(element) {
    var map = L.map(element, { zoomControl: true });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    }
    fetch(element.dataset.points, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.points.length) {
          map.setView([0, 0], 2);
          element.insertAdjacentText("afterend", element.dataset.empty);
          return;
        }
        var bounds = [];
        data.points.forEach(function (point) {
          var marker = L.circleMarker([point.lat, point.lon], {
            radius: point.urgency === "critical" ? 11 : 8, color: COLOURS[point.late] || COLOURS[""],
            weight: 3, fillOpacity: 0.6,
          }).addTo(map);
          var link = document.createElement("a");
          link.href = point.url;
          link.textContent = point.label;
          marker.bindPopup(link);
          bounds.push([point.lat, point.lon]);
        });
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("map");
    if (element && window.L) draw(element);
  });
})();
