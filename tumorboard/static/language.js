// The language switch keeps what was typed: before its POST, the fields of the page's forms go to the
// tab's sessionStorage; the page drawn again in the other language takes them back, once, and forgets
// them. Passwords, files, hidden fields and the CSRF token are never kept. Without JavaScript the switch
// still works (a plain form); only the typed text is not carried over.
(() => {
  "use strict";
  const KEY = "tumorboard.language-switch";
  const SKIPPED = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);

  const fields = () => {
    const found = [];
    document.querySelectorAll("main form").forEach((form, formIndex) => {
      const seen = {};
      Array.from(form.elements).forEach((element) => {
        if (!element.name || SKIPPED.has(element.type) || element.name === "csrf_token") return;
        const occurrence = (seen[element.name] = (seen[element.name] ?? -1) + 1);
        found.push({ element, key: `${formIndex}:${element.name}:${occurrence}` });
      });
    });
    return found;
  };

  const page = () => location.pathname + location.search;

  const switcher = document.getElementById("language-switch");
  if (switcher) {
    switcher.addEventListener("submit", () => {
      const values = {};
      for (const { element, key } of fields()) {
        if (element.type === "checkbox" || element.type === "radio") values[key] = element.checked;
        else if (element.multiple) values[key] = Array.from(element.selectedOptions, (o) => o.value);
        else values[key] = element.value;
      }
      try {
        sessionStorage.setItem(KEY, JSON.stringify({ page: page(), values }));
      } catch {
        // storage full or refused: the switch goes on, without the typed text
      }
    });
  }

  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch {
    saved = null;
  }
  if (!saved || saved.page !== page()) return;
  for (const { element, key } of fields()) {
    if (!(key in saved.values)) continue;
    const value = saved.values[key];
    if (element.type === "checkbox" || element.type === "radio") element.checked = Boolean(value);
    else if (element.multiple) {
      for (const option of element.options) option.selected = value.includes(option.value);
    } else element.value = value;
  }
})();
