/* The dashboard's charts, drawn with the vendored Chart.js from the report JSON in the page
   (#report-data, the keys of docs/REPORT.md). No inline script: the page's CSP allows none. */
(function () {
  "use strict";

  var COLORS = {
    contained: "#2f855a",
    escalated: "#c05621",
    unresolved: "#c53030",
    informational: "#a0aec0",
    line: "#2b6cb0",
    bar: "#4a5568",
    over: "#c53030",
    interval: "#805ad5"
  };
  var DECISION_COLORS = ["#2b6cb0", "#38a169", "#d69e2e", "#c53030", "#805ad5", "#718096", "#dd6b20", "#319795"];

  function byId(id) { return document.getElementById(id); }

  function shortDate(iso) { return iso.slice(5); }

  function markEmpty(canvas, empty) {
    var note = canvas.closest("figure").querySelector(".empty");
    if (note) { note.hidden = !empty; }
    canvas.dataset.empty = empty ? "true" : "false";
  }

  function draw(id, config, points) {
    var canvas = byId(id);
    if (!canvas) { return null; }
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    var chart = new window.Chart(canvas, config);
    canvas.dataset.points = String(points);
    markEmpty(canvas, points === 0);
    return chart;
  }

  function sum(values) {
    return values.reduce(function (total, v) { return total + (typeof v === "number" ? v : 0); }, 0);
  }

  function wismoChart(report) {
    var daily = report.daily || [];
    var rates = daily.map(function (d) { return d.wismo_per_100_shipments; });
    var shown = rates.filter(function (v) { return v !== null && v !== undefined; }).length;
    draw("chart-wismo", {
      type: "line",
      data: {
        labels: daily.map(function (d) { return shortDate(d.date); }),
        datasets: [{
          label: "WISMO contacts per 100 shipments",
          data: rates,
          borderColor: COLORS.line,
          backgroundColor: COLORS.line,
          pointRadius: 2,
          spanGaps: false
        }]
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "per 100 shipments" } } } }
    }, shown);
  }

  function outcomesChart(report) {
    var daily = report.daily || [];
    var classes = ["contained", "escalated", "unresolved", "informational"];
    var datasets = classes.map(function (name) {
      return { label: name, data: daily.map(function (d) { return d[name] || 0; }), backgroundColor: COLORS[name] };
    });
    var total = sum(datasets.map(function (set) { return sum(set.data); }));
    draw("chart-outcomes", {
      type: "bar",
      data: { labels: daily.map(function (d) { return shortDate(d.date); }), datasets: datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "conversations" } } } }
    }, total);
  }

  function messagesChart(report) {
    var rows = (report.proactive && report.proactive.by_kind_and_decision) || [];
    var kinds = [];
    var decisions = [];
    rows.forEach(function (row) {
      if (kinds.indexOf(row.kind) < 0) { kinds.push(row.kind); }
      if (decisions.indexOf(row.decision) < 0) { decisions.push(row.decision); }
    });
    var datasets = decisions.map(function (decision, i) {
      return {
        label: decision,
        backgroundColor: DECISION_COLORS[i % DECISION_COLORS.length],
        data: kinds.map(function (kind) {
          var found = rows.filter(function (r) { return r.kind === kind && r.decision === decision; });
          return found.length ? found[0].count : 0;
        })
      };
    });
    var total = sum(rows.map(function (r) { return r.count; }));
    draw("chart-messages", {
      type: "bar",
      data: { labels: kinds.map(function (k) { return k.replace(/_/g, " "); }), datasets: datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "messages" } } } }
    }, total);
  }

  function touchesChart(report) {
    var proactive = report.proactive || {};
    var histogram = proactive.touches_histogram || [];
    var cap = (proactive.touches_per_order || {}).cap;
    draw("chart-touches", {
      type: "bar",
      data: {
        labels: histogram.map(function (h) { return String(h.touches); }),
        datasets: [{
          label: "orders",
          data: histogram.map(function (h) { return h.orders; }),
          backgroundColor: histogram.map(function (h) { return cap && h.touches > cap ? COLORS.over : COLORS.bar; })
        }]
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: "proactive messages per order" } },
          y: { beginAtZero: true, title: { display: true, text: "orders" } }
        }
      }
    }, sum(histogram.map(function (h) { return h.orders; })));
  }

  function holdoutChart(report) {
    var h = report.holdout || {};
    var treated = (h.treated || {}).per_100_shipments;
    var held = (h.holdout || {}).per_100_shipments;
    var ci = h.ci95;
    var points = [treated, held].filter(function (v) { return v !== null && v !== undefined; }).length + (ci ? 1 : 0);
    draw("chart-holdout", {
      type: "bar",
      data: {
        labels: ["treated", "holdout", "difference (95% interval)"],
        datasets: [
          {
            label: "WISMO per 100 shipments",
            data: [treated === undefined ? null : treated, held === undefined ? null : held, null],
            backgroundColor: [COLORS.line, COLORS.bar, COLORS.bar]
          },
          {
            label: "difference, 95% interval",
            data: [null, null, ci ? [ci[0], ci[1]] : null],
            backgroundColor: COLORS.interval
          }
        ]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: true } },
        scales: { x: { title: { display: true, text: "per 100 shipments" } }, y: { stacked: true } }
      }
    }, points);
  }

  function start() {
    var source = byId("report-data");
    if (!source || !window.Chart) { return; }
    var report = JSON.parse(source.textContent || "{}");
    wismoChart(report);
    outcomesChart(report);
    messagesChart(report);
    touchesChart(report);
    holdoutChart(report);
    document.body.dataset.charts = "drawn";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
