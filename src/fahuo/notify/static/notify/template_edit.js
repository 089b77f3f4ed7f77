// The message editor: a variable chip inserts {变量} at the caret and refreshes the preview
// (the textarea's htmx trigger listens for "input").
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var chip = event.target.closest && event.target.closest(".chips [data-var]");
    if (!chip) return;
    var area = document.querySelector("#template-form textarea[name=body]");
    if (!area) return;
    area.setRangeText("{" + chip.dataset.var + "}", area.selectionStart, area.selectionEnd, "end");
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
