// Quorum shown live while attendance is ticked: the server computes the same on save and on the meeting
// page (meetings.operations.quorum_missing); this only spares a round trip.
(function () {
  "use strict";
  var texts = document.getElementById("script-texts");  // the page's words (tumorboard/script_texts.py)
  var T = texts ? JSON.parse(texts.textContent) : {};
  var box = document.getElementById("quorum");
  var form = document.getElementById("attendance-form");
  if (!box || !form) { return; }
  var groups = JSON.parse(box.dataset.groups);
  var labels = JSON.parse(box.dataset.labels);
  var guests = JSON.parse(box.dataset.guests);

  function update() {
    var present = guests.slice();
    form.querySelectorAll("tr[data-specialty]").forEach(function (row) {
      var ticked = row.querySelector("input[value=present]");
      if (ticked && ticked.checked) { present.push(row.dataset.specialty); }
    });
    var missing = groups.filter(function (group) {
      return !group.some(function (s) { return present.indexOf(s) >= 0; });
    });
    var alert = document.createElement("div");
    var strong = document.createElement("strong");
    if (missing.length) {
      alert.className = "alert alert-warning";
      strong.textContent = T.no_quorum;
      alert.appendChild(strong);
      var named = missing.map(function (group) {
        return group.map(function (s) { return labels[s] || s; }).join(" " + T.or + " ");
      }).join(", ");
      alert.appendChild(document.createTextNode(" " + T.missing.replace("%(missing)s", named)));
    } else {
      alert.className = "alert alert-success";
      strong.textContent = T.quorum;
      alert.appendChild(strong);
      alert.appendChild(document.createTextNode(" " + T.quorum_detail));
    }
    box.replaceChildren(alert);
  }
  form.addEventListener("change", update);
})();
