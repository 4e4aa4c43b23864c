// Moves the import's progress bar without reloading the page (without JavaScript, the page's
// <noscript> meta refresh reloads it instead). Reloads once the import has ended, for the counts.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.statusUrl;
  if (!url) return;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        document.querySelectorAll("progress.import-progress").forEach(function (bar) {
          bar.value = data.progress;
          if (bar.nextSibling) bar.nextSibling.textContent = " " + data.progress + "%";
        });
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(function () { window.location.reload(); }, 2000); });
  }
  window.setTimeout(poll, 1000);
})();
