// The board's ages ("5 min ago") count on in the browser, so a card is re-sent only when its need
// changes, never because a minute passed. The words come from the page (#board data-ago-*), in its
// language; the server's clock is the reference (data-now), whatever the phone's clock says.
(function () {
  "use strict";

  var skew = 0;

  function words(data, minutes) {
    if (minutes < 1) return data.agoNow;
    if (minutes < 60) return data.agoMin.replace("{n}", minutes);
    if (minutes < 1440) return data.agoHours.replace("{n}", Math.floor(minutes / 60));
    return data.agoDays.replace("{n}", Math.floor(minutes / 1440));
  }

  function tick() {
    var board = document.getElementById("board");
    if (!board || !board.dataset.agoMin) return;
    var now = Date.now() + skew;
    board.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (!isNaN(since)) el.textContent = words(board.dataset, Math.max(0, Math.floor((now - since) / 60000)));
    });
  }

  function start() {
    var board = document.getElementById("board");
    var served = board && Date.parse(board.dataset.now);
    skew = served && !isNaN(served) ? served - Date.now() : 0;
    tick();
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (root.id === "board" || (root.querySelector && root.querySelector("#board"))) start();
    else tick();
  });
  setInterval(tick, 20000);
})();
