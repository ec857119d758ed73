// The overview's charts: built from the history in the page, then fed by the samples that
// arrive with the events of the page's Server-Sent Event stream (no polling). In cluster mode
// also one small chart per node, made once the node has numbers and dropped once it has had
// none for five minutes (it left, or does not answer).
(function () {
  "use strict";
  const HISTORY = 300;
  const charts = [];
  const nodeCharts = new Map();
  // Dashed and solid lines, not colour alone, tell "in" from "out".
  const IN = { label: "in/s", stroke: "#1f5fbf" };
  const OUT = { label: "out/s", stroke: "#b35900", dash: [6, 4] };

  function plot(element, series, data, height, scales) {
    const options = {
      width: Math.max(260, element.clientWidth || 300), height: height,
      series: [{}].concat(series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 2 }))),
      axes: [{}, { size: 60 }],
      legend: { show: true }
    };
    if (scales) {
      options.scales = scales;
    }
    return new uPlot(options, data, element);
  }

  function chart(id, series, values) {
    const element = document.getElementById(id);
    if (!element || typeof uPlot === "undefined") {
      return;
    }
    const data = [[]].concat(series.map(() => []));
    charts.push({ plot: plot(element, series, data, 150), data: data, values: values });
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

  // A node's chart, under the charts made before it; its caption names the node (as text).
  function nodeChart(name) {
    const figure = document.createElement("figure");
    const element = document.createElement("div");
    element.className = "chart";
    const caption = document.createElement("figcaption");
    caption.textContent = name + ": messages per second, in and out";
    figure.append(element, caption);
    document.getElementById("nodes-charts").append(figure);
    const data = [[], [], []];
    // Every node's chart spans five minutes up to its newest point, so that they read side by side.
    const x = { time: true, range: (u, min, max) => (max == null) ? [min, max] : [Math.min(min, max - HISTORY), max] };
    const c = { figure: figure, data: data, plot: plot(element, [IN, OUT], data, 120, { x: x }) };
    nodeCharts.set(name, c);
    return c;
  }

  function addNodePoint(name, time, messagesIn, messagesOut) {
    let c = nodeCharts.get(name);
    if (!c) {
      if (messagesIn === null && messagesOut === null) {
        return; // nothing to draw yet
      }
      c = nodeChart(name);
    }
    const times = c.data[0];
    if (times.length > 0 && time <= times[times.length - 1]) {
      return; // the same answer again: the fragment is sent every second, the nodes asked about as often
    }
    times.push(time);
    c.data[1].push(messagesIn);
    c.data[2].push(messagesOut);
  }

  // Drops what is older than five minutes before now, and the charts left without a number.
  function drawNodes(now) {
    for (const [name, c] of nodeCharts) {
      while (c.data[0].length > 0 && c.data[0][0] <= now - HISTORY) {
        c.data.forEach((column) => column.shift());
      }
      if (!c.data[1].concat(c.data[2]).some((v) => v !== null)) {
        c.plot.destroy();
        c.figure.remove();
        nodeCharts.delete(name);
      } else {
        c.plot.setData(c.data);
      }
    }
  }

  function startNodes() {
    const history = document.getElementById("nodes-history");
    if (!history || typeof uPlot === "undefined") {
      return false;
    }
    let now = 0;
    for (const [name, points] of JSON.parse(history.textContent)) {
      for (const [time, messagesIn, messagesOut] of points) {
        addNodePoint(name, time, messagesIn, messagesOut);
        now = Math.max(now, time);
      }
    }
    drawNodes(now);
    return true;
  }

  function addNodes(sample) {
    const [time, points] = sample;
    for (const [name, messagesIn, messagesOut] of points) {
      addNodePoint(name, time, messagesIn, messagesOut);
    }
    drawNodes(time);
  }

  function start() {
    const history = document.getElementById("history");
    if (!history) {
      return;
    }
    chart("chart-clients", [{ label: "clients", stroke: "#1f5fbf" }], (s) => [s[1]]);
    chart("chart-messages", [IN, OUT], (s) => [s[2], s[3]]);
    chart("chart-bytes", [{ label: "in B/s", stroke: IN.stroke }, { label: "out B/s", stroke: OUT.stroke, dash: OUT.dash }],
      (s) => [s[4], s[5]]);
    chart("chart-queued", [{ label: "queued B", stroke: "#1f5fbf" }], (s) => [s[6]]);
    JSON.parse(history.textContent).forEach(add);
    const nodes = startNodes();
    document.body.addEventListener("htmx:sseMessage", (event) => {
      if (!event.target.querySelector) {
        return;
      }
      const sample = event.target.querySelector("#sample");
      if (sample) {
        add(JSON.parse(sample.dataset.sample));
      }
      const nodesSample = nodes && event.target.querySelector("#nodes-sample");
      if (nodesSample) {
        addNodes(JSON.parse(nodesSample.dataset.sample));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
