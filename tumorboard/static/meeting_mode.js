// Meeting mode: Alt+→ / Alt+← walk the agenda; the decision draft saves itself while people type.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!event.altKey) { return; }
    var link = event.key === "ArrowRight" ? document.getElementById("next-case")
      : event.key === "ArrowLeft" ? document.getElementById("previous-case") : null;
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });

  var form = document.getElementById("decision-form");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var conflict = document.getElementById("autosave-conflict");
  var version = form.querySelector("input[name=version]");
  var timer = null;
  var dirty = false;

  function save() {
    if (!dirty) { return; }
    dirty = false;
    status.textContent = "Saving…";
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, json: json }; });
    }).then(function (result) {
      if (result.status === 200) {
        version.value = result.json.version;
        status.textContent = "Draft saved " + new Date().toLocaleTimeString();
        return;
      }
      status.textContent = "Not saved.";
      if (result.status === 409 && !result.json.theirs) {
        conflict.hidden = false;
        conflict.textContent = result.json.error;
        form.removeEventListener("input", schedule);
        return;
      }
      if (result.status === 409) {
        conflict.hidden = false;
        conflict.textContent = "";
        var p = document.createElement("p");
        p.textContent = result.json.error;
        conflict.appendChild(p);
        [["Their recommendation", result.json.theirs.recommendation], ["Yours", result.json.yours.recommendation]]
          .forEach(function (pair) {
            var h = document.createElement("strong"); h.textContent = pair[0];
            var pre = document.createElement("pre"); pre.textContent = pair[1]; pre.className = "mb-2";
            conflict.appendChild(h); conflict.appendChild(pre);
          });
        version.value = result.json.theirs.version;
      } else {
        status.textContent = result.json.error || "Not saved.";
      }
    }).catch(function () { status.textContent = "Not saved: check the connection."; dirty = true; });
  }

  function schedule() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", function () { dirty = true; clearTimeout(timer); timer = setTimeout(save, 500); });
})();
