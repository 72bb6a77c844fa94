// Dashboard charts: specs come from the page (json_script "report-charts"); no inline script (CSP).
(function () {
  "use strict";
  const charts = [];

  function option(spec) {
    const base = { title: { show: false }, tooltip: { trigger: spec.type === "pie" ? "item" : "axis" }, animation: false };
    if (spec.type === "pie") {
      const series = spec.series[0] || { name: "", data: [] };
      return Object.assign(base, {
        legend: { bottom: 0, type: "scroll" },
        series: [{
          name: series.name, type: "pie", radius: ["35%", "65%"],
          label: { formatter: "{b}：{c}" },
          data: spec.categories.map((c, i) => ({ name: c, value: series.data[i] })),
        }],
      });
    }
    if (spec.horizontal) {
      // Categories down the side (long Chinese names read across on a phone), the first at the top.
      return Object.assign(base, {
        legend: { show: spec.series.length > 1, bottom: 0 },
        grid: { left: 8, right: 48, top: 8, bottom: spec.series.length > 1 ? 40 : 8, containLabel: true },
        yAxis: { type: "category", data: spec.categories, inverse: true },
        xAxis: { type: "value", axisLabel: { hideOverlap: true } },
        series: spec.series.map((s) => ({ name: s.name, type: "bar", barMaxWidth: 24, data: s.data, label: { show: true, position: "right", formatter: (p) => (p.value ? p.value : "") } })),
      });
    }
    return Object.assign(base, {
      legend: { show: spec.series.length > 1, bottom: 0 },
      grid: { left: 48, right: 16, top: 24, bottom: spec.series.length > 1 ? 48 : 32, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map((s) => ({ name: s.name, type: spec.type === "line" ? "line" : "bar", data: s.data, label: { show: spec.categories.length <= 12, position: "top" } })),
    });
  }

  function draw() {
    const data = document.getElementById("report-charts");
    if (!data || !window.echarts) { return; }
    JSON.parse(data.textContent).forEach((spec) => {
      const element = document.getElementById(spec.id);
      if (!element) { return; }
      // SVG renders sharp on paper, so the charts print as they show.
      // The wall screen (大屏) asks for ECharts' built-in dark theme through data-theme.
      const chart = window.echarts.init(element, element.dataset.theme || null, { renderer: "svg" });
      chart.setOption(option(spec));
      charts.push(chart);
    });
  }

  function resize() { charts.forEach((c) => c.resize()); }

  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  // Print links ([data-print]) are handled by core/site.js, loaded on every page.
})();
