// fahuo desk: "select all on this page" and the selected count. Delegated, so it survives htmx swaps.
(function () {
  "use strict";

  function scope(el) {
    return el.closest("[data-bulk]") || document;
  }

  function refresh(root) {
    var boxes = root.querySelectorAll("input[data-row-check]");
    var checked = 0;
    boxes.forEach(function (box) {
      if (box.checked) checked += 1;
      var row = box.closest("tr");
      if (row) row.classList.toggle("selected", box.checked);
    });
    var all = root.querySelector("input[data-check-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    root.querySelectorAll("[data-selected-count]").forEach(function (el) {
      el.textContent = String(checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    var root = scope(target);
    if (target.hasAttribute("data-check-all")) {
      root.querySelectorAll("input[data-row-check]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.hasAttribute("data-check-all") || target.hasAttribute("data-row-check")) refresh(root);
  });

  function init() {
    document.querySelectorAll("[data-bulk]").forEach(refresh);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();

// Handlers that used to be inline attributes (the Content-Security-Policy runs no inline code):
// <form data-confirm="…"> asks before submitting; an htmx link marked data-current-row highlights
// its table row while its details load.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-current-row")) return;
    var row = elt.closest("tr");
    if (row && window.htmx) window.htmx.takeClass(row, "current");
  });
})();
