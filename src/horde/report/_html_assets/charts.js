// Draws every figure listed in the #horde-figures JSON block into its <div>, then marks
// <body data-charts="ready"> (or "failed") so a headless browser knows when to look.
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("horde-figures").textContent);
  var config = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d"]
  };
  var drawing = figures.map(function (figure) {
    return Plotly.newPlot(document.getElementById(figure.id), figure.data, figure.layout, config);
  });
  Promise.all(drawing).then(
    function () { document.body.setAttribute("data-charts", "ready"); },
    function (error) {
      document.body.setAttribute("data-charts", "failed");
      console.error(error);
    }
  );
})();
