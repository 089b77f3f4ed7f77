// fahuo scan station (验货): one input takes every scan (keyboard wedge: text + Enter).
// A SKU code of the loaded order ticks one unit client-side; the loaded waybill number scanned again
// confirms once every line is checked; anything else is looked up on the server (htmx).
(function () {
  "use strict";

  function input() { return document.getElementById("scan-code"); }
  function flash(text, kind) {
    var el = document.getElementById("scan-flash");
    if (!el) return;
    el.textContent = text || "";
    el.className = "scan-flash" + (kind ? " " + kind : "");
  }
  function card() { return document.querySelector("#scan-result [data-scan-state='found']"); }
  function rows(c) { return Array.prototype.slice.call(c.querySelectorAll("tr[data-line]")); }

  function count(row) { return parseInt(row.querySelector("[data-scanned]").textContent, 10) || 0; }
  function setCount(row, n) {
    var qty = parseInt(row.getAttribute("data-qty"), 10);
    row.querySelector("[data-scanned]").textContent = String(n);
    var box = row.querySelector("input[data-line-check]");
    if (box) box.checked = n >= qty;
    row.classList.toggle("done", n >= qty);
  }

  function refresh() {
    var c = card();
    if (!c) return;
    var all = rows(c);
    var left = all.filter(function (r) { return !r.classList.contains("done"); }).length;
    var button = c.querySelector("[data-confirm]");
    if (button) button.disabled = left > 0;
    var progress = c.querySelector("[data-progress]");
    if (progress) {
      progress.textContent = left ? (c.getAttribute("data-left-text") || "").replace("{n}", left)
                                  : (c.getAttribute("data-ready-text") || "");
    }
  }

  function handleScan(code) {
    var c = card();
    if (!c) return false;
    var upper = code.toUpperCase();
    if (upper && upper === (c.getAttribute("data-tracking") || "").toUpperCase()) {
      var button = c.querySelector("[data-confirm]");
      if (button && !button.disabled) {
        button.form.requestSubmit(button);
      } else {
        flash(c.getAttribute("data-unchecked-text") || "", "warn");
      }
      return true;
    }
    var match = rows(c).filter(function (r) { return r.getAttribute("data-sku") === upper && upper; });
    if (!match.length) return false;
    var open = match.filter(function (r) { return count(r) < parseInt(r.getAttribute("data-qty"), 10); });
    if (!open.length) {
      flash((c.getAttribute("data-extra-text") || "").replace("{code}", code), "error");
    } else {
      setCount(open[0], count(open[0]) + 1);
      flash("✓ " + code, "ok");
    }
    refresh();
    return true;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "scan-form") return;
    var box = input();
    var code = (box.value || "").trim();
    if (!code) { event.preventDefault(); return; }
    if (handleScan(code)) {
      event.preventDefault();
      box.value = "";
      box.focus();
    }
  });

  // A scan that is neither this order's SKU nor a known number (a SKU of another order, a typo)
  // keeps the open parcel and its scan progress on screen, with the reason in the flash line.
  // htmx's beforeSwap event is fired on the swap target (#scan-result): the form that sent the
  // request is requestConfig.elt.
  var keptFlash = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var from = event.detail.requestConfig && event.detail.requestConfig.elt;
    var c = card();
    if (from && from.id === "scan-form" && event.detail.xhr.status === 404 && c) {
      event.detail.shouldSwap = false;
      var tmp = document.createElement("div");
      tmp.innerHTML = event.detail.serverResponse;
      var err = tmp.querySelector("[data-scan-error]");
      var kept = c.getAttribute("data-kept-text") || "";
      var text = err ? err.textContent.trim() : "";
      if (text && !/[。.!！]$/.test(text)) text += "。";
      flash(text + kept, "error");
      keptFlash = true;
    }
  });

  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!(t instanceof HTMLInputElement) || !t.hasAttribute("data-line-check")) return;
    var row = t.closest("tr[data-line]");
    setCount(row, t.checked ? parseInt(row.getAttribute("data-qty"), 10) : 0);
    refresh();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && (elt.id === "scan-form" || elt.id === "pack-form")) {
      var box = input();
      if (box) { box.value = ""; box.focus(); }
      if (elt.id === "scan-form" && !keptFlash) flash("");
      keptFlash = false;
    }
  });

  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    var box = input();
    if (box) box.focus();
  });
})();
