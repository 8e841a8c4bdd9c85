// Draws the report's figures and wires the diff-only toggle. No network, no eval.
(function () {
  "use strict";
  var config = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };

  function drawFigures() {
    var figures = JSON.parse(document.getElementById("report-figures").textContent);
    var drawn = Object.keys(figures).map(function (id) {
      var el = document.getElementById(id);
      return el ? Plotly.newPlot(el, figures[id].data, figures[id].layout, config) : null;
    });
    return Promise.all(drawn);
  }

  function wireDiffToggle() {
    var toggle = document.getElementById("diff-only");
    var table = document.getElementById("diff-table");
    var shown = document.getElementById("diff-shown");
    if (!toggle || !table) {
      return;
    }
    function apply() {
      table.classList.toggle("diff-only", toggle.checked);
      var rows = table.querySelectorAll("tbody tr.key-row");
      var visible = 0;
      rows.forEach(function (row) {
        if (!toggle.checked || row.getAttribute("data-changed") === "1") {
          visible += 1;
        }
      });
      if (shown) {
        shown.textContent = visible + " of " + rows.length + " keys shown";
      }
      // A section header whose rows are all hidden is hidden too.
      table.querySelectorAll("tbody tr.section-row").forEach(function (header) {
        var anyChanged = header.getAttribute("data-changed") === "1";
        header.style.display = toggle.checked && !anyChanged ? "none" : "";
      });
    }
    toggle.addEventListener("change", apply);
    apply();
  }

  wireDiffToggle();
  drawFigures().then(
    function () { document.body.setAttribute("data-plots", "drawn"); },
    function (error) {
      document.body.setAttribute("data-plots", "failed");
      console.error("figure failed to draw: " + error);
    }
  );
})();
