// Drag-and-drop ordering of the agenda. The up/down buttons do the same without JavaScript; both save
// through the server, which refuses a stale order (409) so two coordinators never corrupt it.
(function () {
  "use strict";
  var texts = document.getElementById("script-texts");  // the page's words (tumorboard/script_texts.py)
  var T = texts ? JSON.parse(texts.textContent) : {};
  var table = document.getElementById("agenda-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("reorder-status");
  var dragged = null;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-item-id]")); }

  body.addEventListener("dragstart", function (event) {
    var row = event.target.closest("tr[draggable=true]");
    if (!row) { return; }
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.itemId);
  });
  body.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    var over = event.target.closest("tr[data-item-id]");
    if (!over || over === dragged) { return; }
    var box = over.getBoundingClientRect();
    body.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? over : over.nextSibling);
  });
  body.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    dragged = null;
    save();
  });

  function save() {
    var data = new URLSearchParams();
    data.set("order", rows().map(function (r) { return r.dataset.itemId; }).join(","));
    data.set("version", table.dataset.version);
    data.set("csrf_token", table.dataset.csrf);
    status.textContent = T.saving;
    fetch(table.dataset.reorderUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": table.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (!result.ok) {
        status.textContent = result.json.error || T.refused;
        status.className = "small text-danger";
        return;
      }
      window.location.reload();
    }).catch(function () {
      status.textContent = T.offline;
      status.className = "small text-danger";
    });
  }
})();
