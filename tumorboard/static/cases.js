// Case and finding forms: show the choices that fit what was chosen. Without JavaScript every field
// shows, and the server checks the combination anyway.
(function () {
  "use strict";

  function toggle(elements, show) {
    elements.forEach(function (el) { el.hidden = !show; });
  }

  var caseForm = document.getElementById("case-form");
  if (caseForm) {
    var site = caseForm.querySelector("#primary_site");
    var extent = caseForm.querySelector("#extent");
    var functional = caseForm.querySelector("#functional_status");
    var update = function () {
      var label = site.selectedOptions[0] ? site.selectedOptions[0].text : "";
      extent.querySelectorAll("optgroup").forEach(function (group) {
        var fits = group.label === label;
        group.hidden = !fits;
        group.disabled = !fits;
      });
      var chosen = extent.selectedOptions[0];
      if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) {
        extent.value = "";
      }
      caseForm.querySelectorAll("[data-show-for-sites]").forEach(function (el) {
        el.hidden = el.dataset.showForSites.split(" ").indexOf(site.value) < 0;
      });
      toggle(caseForm.querySelectorAll("[data-show-when-functional]"), functional.value === "functional");
    };
    site.addEventListener("change", update);
    functional.addEventListener("change", update);
    update();
  }

  var findingForm = document.getElementById("finding-form");
  if (findingForm && findingForm.dataset.kind === "imaging") {
    var modality = findingForm.querySelector("#modality");
    var updateModality = function () {
      findingForm.querySelectorAll("[data-show-for-modalities]").forEach(function (el) {
        el.hidden = el.dataset.showForModalities.split(" ").indexOf(modality.value) < 0;
      });
    };
    modality.addEventListener("change", updateModality);
    updateModality();
  }
})();
