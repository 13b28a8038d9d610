// The ops page works without this script. It adds two things: the progress of a bulk
// redelivery while the calls go out, and a call page that reloads itself when the status
// of its waiting call changes.
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      });
  }

  function pollProgress(el) {
    var url = el.getAttribute("data-progress");
    var bar = el.querySelector("progress");
    var text = el.querySelector(".progress-text");
    var polls = 0;
    function tick() {
      getJSON(url).then(function (p) {
        var done = Math.min(p.delivered + p.failed, p.queued);
        bar.max = Math.max(p.queued, 1);
        bar.value = done;
        bar.textContent = done + " of " + p.queued;
        text.textContent = p.delivered + " delivered, " + p.failed + " failed again, " + p.inQueue +
          " in the queue" + (p.done ? " — done." : "…");
        if (!p.done && ++polls < 1800) { setTimeout(tick, 2000); }
      }).catch(function () {
        text.textContent = "The progress could not be read; reload the page to see where the calls stand.";
      });
    }
    tick();
  }

  function watchCall(el) {
    var url = el.getAttribute("data-watch");
    var status = el.getAttribute("data-status");
    var polls = 0;
    function tick() {
      getJSON(url).then(function (c) {
        if (c.status !== status) {
          window.location.replace(window.location.pathname); // fresh page, without the old notice
          return;
        }
        if (++polls < 600) { setTimeout(tick, 3000); }
      }).catch(function () {
        if (++polls < 600) { setTimeout(tick, 10000); }
      });
    }
    setTimeout(tick, 3000);
  }

  var progress = document.querySelector("[data-progress]");
  if (progress) { pollProgress(progress); }
  var watch = document.querySelector("[data-watch]");
  if (watch) { watchCall(watch); }
})();
