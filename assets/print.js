// Printing (or saving as PDF for a meeting): each chart fits the paper instead of running off its
// right edge. Plotly draws a chart in pixels at the window's width and cannot redraw it for
// paper (when "beforeprint" fires the page is still laid out for the screen), so:
// - a chart wider than PRINT_WIDTH is drawn again that wide (a page-wide chart shrunk whole to
//   A4 would print its 13 px text at ~7 px);
// - each of its SVG layers gets a viewBox of its size, which lets the print stylesheet
//   (10-style.css) scale it to the card's width on paper.
// Afterwards the viewBoxes go (a later redraw at another size would stretch the chart inside a
// stale one) and a redrawn chart takes the window's width again.
(function () {
  var PRINT_WIDTH = 760; // px: about A4's or Letter's printable width
  function layers(gd) {
    return gd.querySelectorAll(".svg-container > svg.main-svg");
  }
  function fitToPaper() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var drawn = gd._fullLayout;
      if (!window.Plotly || !drawn || !drawn.width || !drawn.height) return;
      if (drawn.width > PRINT_WIDTH) {
        window.Plotly.relayout(gd, { width: PRINT_WIDTH });
        gd.dataset.printRedrawn = "1";
      }
      var size = gd._fullLayout; // as drawn now
      layers(gd).forEach(function (svg) {
        svg.setAttribute("viewBox", "0 0 " + size.width + " " + size.height);
      });
      gd.style.setProperty("--plot-ratio", size.width + " / " + size.height);
      gd.style.setProperty("--plot-width", size.width + "px"); // shrunk to fit, never blown up
      gd.classList.add("print-fit");
    });
  }
  function backToScreen() {
    document.querySelectorAll(".js-plotly-plot.print-fit").forEach(function (gd) {
      layers(gd).forEach(function (svg) {
        svg.removeAttribute("viewBox");
      });
      gd.style.removeProperty("--plot-ratio");
      gd.style.removeProperty("--plot-width");
      gd.classList.remove("print-fit");
      if (gd.dataset.printRedrawn) {
        delete gd.dataset.printRedrawn;
        window.Plotly.relayout(gd, { width: null });
      }
    });
  }
  window.addEventListener("beforeprint", fitToPaper);
  window.addEventListener("afterprint", backToScreen);
})();
