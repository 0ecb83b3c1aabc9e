// The API's browsable reference (Swagger UI, served by the app itself): the document's address is on the
// page, so no inline script is needed under the strict Content-Security-Policy. Deep links are off: with
// them each operation's path is a link inside the button that opens it (nested controls, which a screen
// reader cannot tell apart; axe-core's nested-interactive).
(function () {
  "use strict";

  function operationName(element) {
    var block = element.closest(".opblock");
    if (!block) return "";
    var method = block.querySelector(".opblock-summary-method");
    var path = block.querySelector(".opblock-summary-path");
    return [method && method.textContent, path && path.textContent].filter(Boolean).join(" ").trim();
  }

  // Swagger UI draws some controls without a name: each operation's responses table is a region, and the
  // request body's editor a bare textarea, the copy buttons an icon. Each gets its operation's name, so that a screen reader tells
  // one from the next (axe-core: landmark-unique, label).
  function nameControls(root) {
    root.querySelectorAll("table.responses-table[role='region']:not([aria-label])").forEach(function (table) {
      table.setAttribute("aria-label", ("Responses " + operationName(table)).trim());
    });
    root.querySelectorAll("textarea:not([aria-label]):not([aria-labelledby])").forEach(function (area) {
      var row = area.closest("tr[data-param-name]");
      var what = row ? "Parameter " + row.getAttribute("data-param-name") : "Request body";
      area.setAttribute("aria-label", (what + " " + operationName(area)).trim());
    });
    root.querySelectorAll(".copy-to-clipboard > button:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Copy to the clipboard");
    });
  }

  window.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        nameControls(root);
      });
    }).observe(root, { childList: true, subtree: true });
    window.ui = SwaggerUIBundle({
      url: root.dataset.spec,
      dom_id: "#swagger-ui",
      deepLinking: false,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // the highlighter's colours on its dark background fall below WCAG AA contrast: plain text instead
      syntaxHighlight: false,
    });
  });
})();
