// Draws every <canvas data-chart="KIND"> from the table beside it (the table is what
// the chart shows, for screen readers and without JavaScript). Runs on the page and on
// whatever htmx swaps in later (the national trend is loaded that way). Labels that are
// not in the table come from data-label-* attributes, translated by the template.
(function () {
  function number(text) { return Number(String(text).replace(/,/g, "")); }
  // The table a chart is drawn from: the one beside it in its .chart-and-table box.
  function tableOf(canvas) { var box = canvas.closest(".chart-and-table"); return box && box.querySelector("table"); }
  function bodyRows(table) { return table ? Array.from(table.tBodies[0].rows) : []; }
  function column(rows, index) { return rows.map(function (r) { return r.cells[index].textContent; }); }
  var colors = ["#1f5fae", "#1a7f37", "#9a6700", "#b42318"];

  var kinds = {
    // Ten years of national trend: one line per indicator column.
    trend: function (canvas) {
      var table = tableOf(canvas);
      var rows = bodyRows(table).filter(function (r) { return r.cells.length > 1; });
      var heads = Array.from(table.tHead.rows[0].cells).slice(1).map(function (h) { return h.textContent; });
      return {
        type: "line",
        data: {
          labels: column(rows, 0),
          datasets: heads.map(function (h, i) {
            return { label: h, data: column(rows, i + 1).map(number), borderColor: colors[i % colors.length] };
          })
        },
        options: { animation: false, scales: { y: { beginAtZero: true } } }
      };
    },
    // A center's month by month: the first indicator per month, its running total and the target.
    monthly: function (canvas) {
      var rows = bodyRows(tableOf(canvas));
      var labels = column(rows, 0);
      var monthly = column(rows, 1).map(number);
      var cumulative = monthly.reduce(function (acc, v) { acc.push((acc.length ? acc[acc.length - 1] : 0) + v); return acc; }, []);
      var targetCell = canvas.dataset.targetCell && document.querySelector(canvas.dataset.targetCell);
      var target = number(targetCell ? targetCell.textContent : "") || null;
      return {
        data: { labels: labels, datasets: [
          { type: "bar", label: canvas.dataset.labelMonthly, data: monthly, backgroundColor: "#7aa6da" },
          { type: "line", label: canvas.dataset.labelCumulative, data: cumulative, borderColor: "#1f5fae", yAxisID: "y2" },
          { type: "line", label: canvas.dataset.labelTarget, data: labels.map(function () { return target; }), borderColor: "#b42318", borderDash: [6, 4], pointRadius: 0, yAxisID: "y2" }
        ] },
        options: { animation: false, responsive: true, scales: { y: { beginAtZero: true }, y2: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } }
      };
    },
    // Horizontal bars of a two-column table (label, count): grades, survey answers.
    bars: function (canvas) {
      var rows = bodyRows(tableOf(canvas));
      var horizontal = canvas.dataset.horizontal !== undefined;
      return {
        type: "bar",
        data: { labels: column(rows, 0), datasets: [{ label: canvas.dataset.labelCount, data: column(rows, 1).map(number), backgroundColor: "#1f5fae" }] },
        options: Object.assign(
          { animation: false, plugins: { legend: { display: false } } },
          horizontal ? { indexAxis: "y", responsive: true, maintainAspectRatio: false, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } : {}
        )
      };
    }
  };

  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = kinds[canvas.dataset.chart];
      if (!build || window.Chart.getChart(canvas)) { return; }
      new window.Chart(canvas, build(canvas));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
