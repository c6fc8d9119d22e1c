/* Draws the analytics page's charts from the figures its tables show (json_script
   "analytics-charts", built by conversations/analytics_widgets.py). No inline code: the
   page only loads our own scripts. A null value is a day without a rate or median: a gap. */
"use strict";

(function () {
  const source = document.getElementById("analytics-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const axisTitles = { count: "", percent: "%", hours: "hours" };

  function options(chart) {
    const y = {
      beginAtZero: true,
      stacked: chart.stacked,
      title: { display: Boolean(axisTitles[chart.unit]), text: axisTitles[chart.unit] },
    };
    if (chart.unit === "percent") {
      y.max = 100;
    }
    if (chart.unit === "count") {
      y.ticks = { precision: 0 };
    }
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: { stacked: chart.stacked }, y: y },
    };
  }

  for (const chart of JSON.parse(source.textContent)) {
    const canvas = document.getElementById("chart-" + chart.key);
    if (!canvas) {
      continue;
    }
    new window.Chart(canvas, {
      type: chart.type,
      data: { labels: chart.labels, datasets: chart.datasets },
      options: options(chart),
    });
  }
})();
