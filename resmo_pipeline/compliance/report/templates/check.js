// Self-check of the charts, run once the page is drawn: each chart records how many of its shapes that must
// show (class "mark") have a non-zero size on screen. Tests read the result from the DOM; people can ignore it.
(function () {
  var charts = document.querySelectorAll("svg.chart");
  var complete = 0;
  charts.forEach(function (svg) {
    var marks = svg.querySelectorAll(".mark");
    var drawn = 0;
    marks.forEach(function (shape) {
      var box = shape.getBBox();
      if (box.width > 0 && box.height > 0) { drawn += 1; }
    });
    svg.setAttribute("data-marks", String(marks.length));
    svg.setAttribute("data-drawn", String(drawn));
    if (marks.length > 0 && drawn === marks.length) { complete += 1; }
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-charts-drawn", String(complete));
})();
