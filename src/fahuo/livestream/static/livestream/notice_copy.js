// A peak notice's "copy text" button copies the textarea it names (data-copy = the textarea's id).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var btn = event.target.closest && event.target.closest("[data-copy]");
    if (!btn) return;
    var area = document.getElementById(btn.dataset.copy);
    if (!area) return;
    area.select();
    (navigator.clipboard ? navigator.clipboard.writeText(area.value) : Promise.reject()).catch(function () {
      document.execCommand("copy");
    });
    btn.textContent = btn.dataset.done;
  });
})();
