// Draws every [data-echart] element from the ECharts option in the <script type="application/json">
// it names; again after an htmx swap (the live board refreshes its panel every few seconds).
(function () {
  "use strict";
  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-echart]").forEach(function (el) {
      var src = document.getElementById(el.dataset.echart);
      if (!src) return;
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
      var option = JSON.parse(src.textContent);
      // Tooltips drawn on the canvas: ECharts' HTML tooltip is markup with style= attributes, which
      // the Content-Security-Policy (style-src without 'unsafe-inline') blocks.
      if (option.tooltip) option.tooltip.renderMode = "richText";
      chart.setOption(option, true);
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (e) {
    (e.target || document).querySelectorAll("[data-echart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  });
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target || document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-echart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
