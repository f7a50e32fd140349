// releasedesk: the few lines of script the pages use. Everything works without them; they
// move focus where a swap or a refused form needs it, count characters as one types, and
// make dialogs close on Escape.
(function () {
  "use strict";

  function focusMarked(root) {
    var target = (root || document).querySelector("[data-focus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  function countCharacters(field) {
    var limit = parseInt(field.getAttribute("maxlength"), 10);
    var output = document.getElementById(field.getAttribute("data-count"));
    if (!output || !limit) return;
    var left = limit - field.value.length;
    output.textContent = left + (left === 1 ? " character" : " characters") + " left";
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusMarked(document);
    document.querySelectorAll("[data-count]").forEach(countCharacters);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-count]")) countCharacters(event.target);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    focusMarked(event.target);
    event.target.querySelectorAll("[data-count]").forEach(countCharacters);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.dialog[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
  });
})();
