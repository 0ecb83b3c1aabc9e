// Meeting mode: Alt+→ / Alt+← walk the agenda; the decision draft saves itself while people type.
// Saving or signing waits for an autosave still on its way, so the form always sends the version the
// server holds: the chair's own autosave never conflicts with the chair's signature.
(function () {
  "use strict";
  var texts = document.getElementById("script-texts");  // the page's words (tumorboard/script_texts.py)
  var T = texts ? JSON.parse(texts.textContent) : {};
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
  var NOT_AUTOSAVED = ["password", "override_reason", "with_draft"];
  var timer = null;
  var dirty = false;
  var inflight = null;
  var stopped = false;
  var releasing = false;

  function draftData() {
    var data = new FormData(form);
    NOT_AUTOSAVED.forEach(function (name) { data.delete(name); });
    return data;
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function pair(label, theirs, yours) {
    var row = element("div", undefined, "row g-2 conflict-field");
    [[T.theirs.replace("%(field)s", label), theirs], [T.yours.replace("%(field)s", label), yours]].forEach(function (side) {
      var col = element("div", undefined, "col-md-6");
      col.appendChild(element("div", side[0], "small fw-semibold"));
      col.appendChild(element("pre", side[1], "conflict-text"));
      row.appendChild(col);
    });
    return row;
  }

  function showConflict(json) {
    stopped = true;  // no more autosave: the next save is the user's decision
    conflict.hidden = false;
    conflict.textContent = "";
    conflict.appendChild(element("p", json.error, "mb-2"));
    (json.fields || []).forEach(function (field) {
      conflict.appendChild(pair(field.label, field.theirs, field.yours));
    });
    if (json.plan) {
      conflict.appendChild(pair(T.plan, json.plan.theirs.join("\n"), json.plan.yours.join("\n")));
    }
    if (json.reload_url) {
      var link = element("a", T.reload);
      link.href = json.reload_url;
      conflict.appendChild(link);
    }
    if (json.version) { version.value = json.version; }
    conflict.scrollIntoView({ block: "nearest" });
  }

  function save() {
    if (!dirty || stopped) { return inflight || Promise.resolve(); }
    dirty = false;
    status.textContent = T.saving;
    inflight = fetch(form.dataset.autosaveUrl, {
      method: "POST", body: draftData(), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, json: json }; });
    }).then(function (result) {
      if (result.status === 200) {
        version.value = result.json.version;
        var now = new Date().toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
        status.textContent = T.saved.replace("%(time)s", now);
      } else if (result.status === 409 && !result.json.fields) {
        stopped = true;
        status.textContent = T.not_saved;
        conflict.hidden = false;
        conflict.textContent = result.json.error;
      } else if (result.status === 409) {
        status.textContent = T.not_saved;
        showConflict(result.json);
      } else {
        status.textContent = result.json.error || T.not_saved;
      }
    }).catch(function () {
      status.textContent = T.offline;
      dirty = true;
    }).then(function () { inflight = null; });
    return inflight;
  }

  function schedule(delay) {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  form.addEventListener("input", function () { schedule(2000); });
  form.addEventListener("change", function () { schedule(500); });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    dirty = false;  // the form itself carries what is typed now
    if (releasing || !inflight) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    status.textContent = T.finishing;
    inflight.then(function () {
      releasing = true;
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
  });
})();
