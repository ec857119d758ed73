// The overview's charts: built from the history in the page, then fed by the samples that
// arrive with each overview event of the page's Server-Sent Event stream (no polling).
(function () {
  "use strict";
  const HISTORY = 300;
  const charts = [];

  function chart(id, series, values) {
    const element = document.getElementById(id);
    if (!element || typeof uPlot === "undefined") {
      return;
    }
    const data = [[]].concat(series.map(() => []));
    const width = Math.max(260, element.clientWidth || 300);
    const plot = new uPlot({
      width: width, height: 150,
      series: [{}].concat(series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 2 }))),
      axes: [{}, { size: 60 }],
      legend: { show: true }
    }, data, element);
    charts.push({ plot: plot, data: data, values: values });
  }

  function add(sample) {
    for (const c of charts) {
      c.data[0].push(sample[0]);
      c.values(sample).forEach((v, i) => c.data[i + 1].push(v));
      if (c.data[0].length > HISTORY) {
        c.data.forEach((column) => column.shift());
      }
      c.plot.setData(c.data);
    }
  }

  function start() {
    const history = document.getElementById("history");
    if (!history) {
      return;
    }
    // Dashed and solid lines, not colour alone, tell "in" from "out".
    chart("chart-clients", [{ label: "clients", stroke: "#1f5fbf" }], (s) => [s[1]]);
    chart("chart-messages", [{ label: "in/s", stroke: "#1f5fbf" }, { label: "out/s", stroke: "#b35900", dash: [6, 4] }],
      (s) => [s[2], s[3]]);
    chart("chart-bytes", [{ label: "in B/s", stroke: "#1f5fbf" }, { label: "out B/s", stroke: "#b35900", dash: [6, 4] }],
      (s) => [s[4], s[5]]);
    chart("chart-queued", [{ label: "queued B", stroke: "#1f5fbf" }], (s) => [s[6]]);
    JSON.parse(history.textContent).forEach(add);
    document.body.addEventListener("htmx:sseMessage", (event) => {
      const sample = event.target.querySelector && event.target.querySelector("#sample");
      if (sample) {
        add(JSON.parse(sample.dataset.sample));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
