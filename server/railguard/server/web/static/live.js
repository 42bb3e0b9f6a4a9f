// Live incident list: listens to the project's change feed and refreshes the list in place.
// Without JavaScript the page still works; this only saves pressing reload.
(function () {
  "use strict";
  var list = document.getElementById("incident-list");
  if (!list || !window.EventSource || !list.dataset.live) return;
  var note = document.getElementById("live-note");
  var pending = null;
  var ready = false;

  function changed() {
    // A form someone is filling in (ticked boxes) is never swapped under them.
    if (list.querySelector("input[name=incident]:checked")) {
      note.textContent = "New activity: reload to see it.";
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("incident-list");
        var tabs = doc.querySelector(".tabs");
        if (!fresh) return;
        var before = {};
        list.querySelectorAll("input[name=incident]").forEach(function (i) { before[i.value] = 1; });
        list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.childNodes));
        list.querySelectorAll("input[name=incident]").forEach(function (i) {
          if (!before[i.value]) i.closest(".incident").classList.add("fresh");
        });
        if (tabs) document.querySelector(".tabs").replaceWith(tabs);
        note = document.getElementById("live-note");
        note.textContent = "Updated just now.";
      })
      .catch(function () { note.textContent = "New activity: reload to see it."; });
  }

  var source = new EventSource(list.dataset.live);
  source.addEventListener("ready", function () { ready = true; });
  source.addEventListener("change", function () {
    if (!ready) return; // the catch-up replay describes what the page already shows
    clearTimeout(pending);
    pending = setTimeout(changed, 300);
  });
})();
